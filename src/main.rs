//! `sigil`: parse the command line and dispatch. Everything else is in the library.

use std::io::IsTerminal as _;

use clap::Parser as _;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = sigil::cli::Cli::parse();
    // Logs go to stderr only: stdout carries a command's result and nothing else. Colours
    // only for a person at a terminal; one JSON object a line for a log collector.
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("SIGIL_LOG")
                .unwrap_or_else(|_| EnvFilter::new(cli.default_log_filter())),
        )
        .with_writer(std::io::stderr);
    match std::env::var("SIGIL_LOG_FORMAT").as_deref() {
        Ok("json") => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        Ok("text") | Err(_) => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        Ok(other) => {
            eprintln!("error: SIGIL_LOG_FORMAT: {other:?} is neither text nor json");
            return std::process::ExitCode::FAILURE;
        }
    }
    match sigil::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
