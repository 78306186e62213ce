//! Logging: pretty lines for a terminal or JSON lines for a collector, filtered by `RUST_LOG`
//! (default `info`). Each request runs in a span that carries its request id, so every line
//! logged while serving it names the request, a panic's included.

use std::any::Any;

use axum::http::Request;
use axum::response::{IntoResponse as _, Response};
use tracing::Span;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::config::LogFormat;

/// Installs the global subscriber and logs panics through it; later calls do nothing.
pub fn init(format: LogFormat) {
    std::panic::set_hook(Box::new(log_panic));
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let registry = tracing_subscriber::registry().with(filter);
    let _already_set = match format {
        LogFormat::Pretty => registry.with(tracing_subscriber::fmt::layer().compact()).try_init(),
        LogFormat::Json => registry
            .with(tracing_subscriber::fmt::layer().json().with_current_span(true).with_span_list(false))
            .try_init(),
    };
}

/// The span every request is served in.
pub fn request_span<B>(request: &Request<B>) -> Span {
    let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
    tracing::info_span!("request", request_id, method = %request.method(), path = request.uri().path())
}

/// A panic, anywhere, as one error line in the logs, in the span it happened in (a request's
/// carries its id), instead of raw text on stderr.
fn log_panic(info: &std::panic::PanicHookInfo<'_>) {
    let location = info.location().map(ToString::to_string).unwrap_or_default();
    let backtrace = std::backtrace::Backtrace::capture();
    let backtrace = match backtrace.status() {
        std::backtrace::BacktraceStatus::Captured => backtrace.to_string(),
        _ => String::new(),
    };
    tracing::error!(panic = panic_message(info.payload()), %location, backtrace, "panicked");
}

/// What a handler that panicked answers (the panic itself was logged by [`init`]'s hook): the
/// same short apology with the request id as any failure of ours.
#[must_use]
#[expect(clippy::needless_pass_by_value, reason = "the signature CatchPanicLayer::custom asks for")]
pub fn panic_response(payload: Box<dyn Any + Send + 'static>) -> Response {
    crate::AppError::Internal(anyhow::anyhow!("a handler panicked: {}", panic_message(payload.as_ref())))
        .into_response()
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The hook is the process's, so it is put back at once; the panic happens on a thread of
    /// its own with a subscriber of its own.
    #[test]
    fn a_panic_is_one_error_line_naming_its_request() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber =
            tracing_subscriber::fmt().json().with_current_span(true).with_writer(move || writer.clone()).finish();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(log_panic));
        let outcome = std::thread::spawn(move || {
            tracing::subscriber::with_default(subscriber, || {
                let _request = tracing::info_span!("request", request_id = "req-42").entered();
                panic!("the zip stream broke");
            });
        })
        .join();
        std::panic::set_hook(previous);
        assert!(outcome.is_err());
        let logged = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
        assert!(logged.contains(r#""level":"ERROR""#), "{logged}");
        assert!(logged.contains("the zip stream broke"), "{logged}");
        assert!(logged.contains("req-42"), "{logged}");
    }

    #[test]
    fn a_panicking_handler_answers_with_the_apology_not_the_panic() {
        let response = panic_response(Box::new("secret internals"));
        assert_eq!(response.status(), axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        let report = response.extensions().get::<crate::error::ErrorReport>().expect("report");
        assert!(!report.detail.contains("secret internals"));
        assert!(report.cause.as_deref().is_some_and(|c| c.contains("secret internals")));
    }
}
