//! A service whose start fails for want of something outside it (its database, most often, in a
//! cluster where PostgreSQL comes up after it) keeps answering instead of exiting: `/healthz`
//! says it is alive, `/readyz` and every other request get 503 with what it waits for, and the
//! start is tried again with back-off until it succeeds (ADR 0071). A crash loop would hide
//! the reason behind restarts and Kubernetes' growing back-off. A wrong setting is not waited
//! out: it stops the start with the variable's name, as it always did.

use std::convert::Infallible;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use tokio::sync::oneshot;
use tower::ServiceExt as _;

use crate::config::{Config, ConfigError};
use crate::error::AppError;
use crate::{http, server};

/// The first wait after a failed start; each next one doubles, up to [`MAX_RETRY_WAIT`].
const FIRST_RETRY_WAIT: Duration = Duration::from_secs(1);
const MAX_RETRY_WAIT: Duration = Duration::from_secs(15);

/// Listens on `config.addr` at once and serves the app `start` builds, calling it again after
/// each failure (logged with its cause) until one succeeds; until then answers as a starting
/// service. `what` names the service in those answers ("The photos service").
///
/// # Errors
/// The address cannot be bound, the server fails, or `start` fails with a [`ConfigError`].
pub async fn serve<F, Fut>(config: &Config, what: &'static str, start: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<Router>> + Send,
{
    let (app, wrong_setting) = app_once_started(config, what, start);
    tokio::select! {
        served = server::serve(app, config) => served,
        Ok(error) = wrong_setting => Err(error),
    }
}

/// The app that answers as a starting service until `start` has built the real one, and the
/// error of a wrong setting if `start` meets one; starts the task that calls `start` until it
/// succeeds.
pub fn app_once_started<F, Fut>(
    config: &Config,
    what: &'static str,
    mut start: F,
) -> (Router, oneshot::Receiver<anyhow::Error>)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<Router>> + Send,
{
    let waiting_for = Arc::new(Mutex::new("its first start".to_owned()));
    let started: Arc<OnceLock<Router>> = Arc::new(OnceLock::new());
    let starting = http::app(starting_routes(what, Arc::clone(&waiting_for)), config);
    let app = {
        let started = Arc::clone(&started);
        Router::new().fallback_service(tower::service_fn(move |request: Request| {
            let app = started.get().unwrap_or(&starting).clone();
            async move { Ok::<_, Infallible>(app.oneshot(request).await.into_response()) }
        }))
    };
    let (wrong_setting, wrong_setting_seen) = oneshot::channel();
    tokio::spawn(async move {
        let mut wait = FIRST_RETRY_WAIT;
        for attempt in 1.. {
            match start().await {
                Ok(app) => {
                    if attempt > 1 {
                        tracing::info!(attempt, "{what} started");
                    }
                    let _ = started.set(app);
                    return;
                }
                Err(e) if e.downcast_ref::<ConfigError>().is_some() => {
                    let _ = wrong_setting.send(e);
                    return;
                }
                Err(e) => {
                    let cause = format!("{e:#}");
                    tracing::warn!(attempt, error = %cause, "{what} cannot start yet; trying again in {} s", wait.as_secs());
                    *waiting_for.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = cause;
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(MAX_RETRY_WAIT);
                }
            }
        }
    });
    (app, wrong_setting_seen)
}

/// What a service answers before it has started: alive to `…/healthz`, 503 to the rest.
fn starting_routes(what: &'static str, waiting_for: Arc<Mutex<String>>) -> Router {
    Router::new().fallback(move |request: Request| {
        let waiting_for = Arc::clone(&waiting_for);
        async move {
            if request.uri().path().ends_with("/healthz") {
                return (StatusCode::OK, "starting").into_response();
            }
            let cause = waiting_for.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
            let mut response =
                AppError::Unavailable(format!("{what} is starting and waits for {cause}. It tries again by itself."))
                    .into_response();
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            response
        }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::testing::TestServer;

    #[tokio::test]
    async fn a_service_that_cannot_start_yet_says_why_and_starts_when_it_can() {
        let config = Config::from_lookup(|_| None).expect("default config");
        let attempts = Arc::new(AtomicU32::new(0));
        let counted = Arc::clone(&attempts);
        let (app, _) = app_once_started(&config, "The test service", move || {
            let attempt = counted.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                if attempt < 3 {
                    anyhow::bail!("the database at postgres:5432 (connection refused)");
                }
                Ok(Router::new().route("/readyz", axum::routing::get(|| async { "ready" })))
            }
        });
        let server = TestServer::start(app).await;
        let http = reqwest::Client::new();
        let alive = http.get(server.url("/photos/healthz")).send().await.expect("GET");
        assert_eq!(alive.status(), StatusCode::OK, "alive while it waits, so no restart");
        let waiting = http.get(server.url("/api/things")).send().await.expect("GET");
        assert_eq!(waiting.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(waiting.headers()["retry-after"], "5");
        let problem: serde_json::Value = waiting.json().await.expect("problem");
        assert!(problem["detail"].as_str().expect("detail").contains("waits for"), "{problem}");
        let mut ready = StatusCode::SERVICE_UNAVAILABLE;
        for _ in 0..100 {
            ready = http.get(server.url("/readyz")).send().await.expect("GET").status();
            if ready == StatusCode::OK {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(ready, StatusCode::OK, "ready once a start succeeds");
        assert_eq!(attempts.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_wrong_setting_stops_the_start_with_its_name() {
        let mut config = Config::from_lookup(|_| None).expect("default config");
        config.addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let stopped = serve(&config, "The test service", || async {
            Err(ConfigError {
                name: "HEARTH_TEST_WORKERS",
                value: "many".to_owned(),
                reason: "use a whole number".to_owned(),
            }
            .into())
        });
        let error = tokio::time::timeout(Duration::from_secs(5), stopped).await.expect("stopped").expect_err("error");
        assert!(error.to_string().contains("HEARTH_TEST_WORKERS"), "{error}");
    }
}
