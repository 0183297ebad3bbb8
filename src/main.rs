//! `sigil`: parse the command line and dispatch. Everything else is in the library.

use clap::Parser as _;

fn main() -> std::process::ExitCode {
    let cli = sigil::cli::Cli::parse();
    // Before the runtime: the span exporter keeps threads (and a blocking HTTP client) of
    // its own, which must neither start nor stop inside async code.
    let telemetry =
        match sigil::telemetry::init(&|name| std::env::var(name).ok(), cli.default_log_filter()) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(sigil::cli::run(cli));
    drop(runtime);
    telemetry.shutdown();
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
