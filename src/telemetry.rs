//! Where sigil's logs and spans go, set up once by `main` from the environment (they
//! start before the configuration is read, so they can report on it):
//!
//! - `SIGIL_LOG`: the tracing filter;
//! - `SIGIL_LOG_FORMAT`: `text` for people, `json` for a log collector (one object a line);
//! - `SIGIL_OTLP_ENDPOINT`: an OpenTelemetry collector (`http://collector:4318`) that
//!   receives every span (each request's, with its id, method, path and status) over
//!   OTLP/HTTP as JSON, in batches from a thread of its own, so a slow or absent
//!   collector never holds up a request. Spans still in the batch are sent at exit.
//!
//! Lines are formatted on the thread that logs them and written by a thread of their
//! own, in batches: under load a request pays for formatting its line, not for a write
//! to a pipe (journald's, a container runtime's) that may be slow or full. Nothing is
//! dropped: when the writer falls a whole queue behind, logging waits for it, as a
//! direct write would. The lines still queued are written at exit.

use std::io::IsTerminal as _;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Lines waiting for the writer thread before logging waits for it: a quarter of a
/// second of one line per token at full issuance speed. The queue's slots are allocated
/// up front (32 bytes each), so a longer one would cost idle memory for nothing.
const QUEUED_LINES: usize = 8 * 1024;

/// Keeps the span exporter and the log writer alive; [`Telemetry::shutdown`] sends what
/// is still batched.
pub struct Telemetry {
    spans: Option<SdkTracerProvider>,
    lines: tracing_appender::non_blocking::WorkerGuard,
}

impl Telemetry {
    /// Sends the spans and writes the lines still waiting; call once, at exit.
    pub fn shutdown(self) {
        if let Some(provider) = self.spans
            && let Err(e) = provider.shutdown()
        {
            eprintln!("warning: spans not all exported: {e}");
        }
        drop(self.lines);
    }
}

/// Installs the logs (stderr only: stdout carries a command's result) and, when
/// configured, the span export. `default_filter` applies without `SIGIL_LOG`.
pub fn init(
    env: &dyn Fn(&str) -> Option<String>,
    default_filter: &str,
) -> Result<Telemetry, String> {
    let filter = env("SIGIL_LOG")
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default_filter));
    let json = match env("SIGIL_LOG_FORMAT").as_deref() {
        Some("json") => true,
        Some("text") | None => false,
        Some(other) => {
            return Err(format!(
                "SIGIL_LOG_FORMAT: {other:?} is neither text nor json"
            ));
        }
    };
    let spans = match env("SIGIL_OTLP_ENDPOINT") {
        None => None,
        Some(endpoint) => Some(exporter(&endpoint)?),
    };
    let otel = spans
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("sigil")));
    // The writer thread flushes whenever it has emptied its queue, so a line waits in
    // the buffer only while more lines are on their way behind it.
    let (writer, lines) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(QUEUED_LINES)
        .thread_name("sigil-log")
        .finish(std::io::BufWriter::new(std::io::stderr()));
    let text = (!json).then(|| {
        tracing_subscriber::fmt::layer()
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(writer.clone())
    });
    let json = json.then(|| {
        tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(writer)
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(text)
        .with(json)
        .with(otel)
        .try_init()
        .map_err(|e| format!("logging: {e}"))?;
    Ok(Telemetry { spans, lines })
}

fn exporter(endpoint: &str) -> Result<SdkTracerProvider, String> {
    let url = url::Url::parse(endpoint)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| {
            format!("SIGIL_OTLP_ENDPOINT: {endpoint:?} is not an http:// collector address")
        })?;
    let traces = format!("{}/v1/traces", url.as_str().trim_end_matches('/'));
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpJson)
        .with_endpoint(traces)
        .build()
        .map_err(|e| format!("SIGIL_OTLP_ENDPOINT: {e}"))?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name("sigil").build())
        .build())
}
