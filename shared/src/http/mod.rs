//! The standard tower layers every Hearth service runs behind, applied in one place, and the
//! client address as far as it can be trusted.

pub mod body;
#[cfg(test)]
mod tests;

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use tower::ServiceBuilder;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::map_request_body::MapRequestBodyLayer;
use tower_http::map_response_body::MapResponseBodyLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::config::Config;
use crate::csrf::{self, CsrfSettings};
use crate::error::{self, ErrorRendering};
use crate::{metrics, telemetry};

/// No script but our own file, no inline script, no framing, nothing from other origins.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Wraps a service's routes (or all services' merged routes) in the standard layers, from
/// outermost to innermost: request id, tracing, security headers and `Cache-Control: no-store`
/// (unless a handler sets its own caching), metrics, compression of what is not already
/// compressed, error rendering, panic catching, the idle timeout of request bodies, the body
/// limit and the CSRF guard. The total request timeout is not here: [`timed`] puts it on the
/// routes that should answer quickly, so an hour-long upload or download is not cut off.
pub fn app(router: Router, config: &Config) -> Router {
    metrics::handle();
    let errors = ErrorRendering { body_limit: config.body_limit };
    let csrf = CsrfSettings { secure_cookies: config.secure_cookies, body_limit: config.body_limit };
    let idle = config.body_idle_timeout;
    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(telemetry::request_span)
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(LatencyUnit::Micros)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(security_header(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(security_header(header::REFERRER_POLICY, "same-origin"))
        .layer(security_header(HeaderName::from_static("cross-origin-opener-policy"), "same-origin"))
        .layer(security_header(header::CACHE_CONTROL, "no-store"))
        .layer(from_fn(metrics::track))
        .layer(CompressionLayer::new().compress_when(compressible()))
        .layer(MapResponseBodyLayer::new(|inner| Body::new(body::Fused::new(inner))))
        .layer(from_fn_with_state(errors, error::render_errors))
        .layer(CatchPanicLayer::custom(telemetry::panic_response))
        .layer(MapRequestBodyLayer::new(move |inner| Body::new(body::IdleTimeout::new(inner, idle))))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(from_fn_with_state(csrf, csrf::guard));
    router.layer(layers)
}

/// Answers 408 when a handler takes longer than `HEARTH_REQUEST_TIMEOUT_SECS`. Applies to the
/// routes `router` has now: merge long-running routes (uploads, downloads, restores)
/// afterwards; they are bounded by the idle timeouts instead (see [`body::IdleTimeout`] and
/// [`crate::server`]).
pub fn timed<S: Clone + Send + Sync + 'static>(router: Router<S>, config: &Config) -> Router<S> {
    router.layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, config.request_timeout))
}

/// What the compression layer compresses: the default (not images, gRPC or event streams, not
/// tiny bodies) minus what is compressed already or cannot shrink: archives, audio, video,
/// PDFs and files of unknown type, which are mostly photos' and attachments' originals.
fn compressible() -> impl Predicate {
    DefaultPredicate::new()
        .and(NotForContentType::const_new("application/zip"))
        .and(NotForContentType::const_new("application/gzip"))
        .and(NotForContentType::const_new("application/x-gzip"))
        .and(NotForContentType::const_new("application/x-tar"))
        .and(NotForContentType::const_new("application/pdf"))
        .and(NotForContentType::const_new("application/octet-stream"))
        .and(NotForContentType::const_new("video/"))
        .and(NotForContentType::const_new("audio/"))
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// The client's address: the peer, or the left-most `X-Forwarded-For` entry when the
/// operator says a trusted proxy sits in front (`HEARTH_TRUST_FORWARDED_FOR`).
#[must_use]
pub fn client_ip(
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<SocketAddr>>,
    trust_forwarded_for: bool,
) -> Option<IpAddr> {
    if trust_forwarded_for {
        let forwarded = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    peer.map(|ConnectInfo(addr)| addr.ip())
}

/// The origin for links the family opens elsewhere (invites, share links):
/// `HEARTH_PUBLIC_URL`, else the request's scheme and `Host`.
#[must_use]
pub fn public_origin(config: &Config, headers: &HeaderMap) -> String {
    if let Some(url) = &config.public_url {
        return url.clone();
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost:8080");
    let https = crate::cookies::secure_for(headers, crate::config::SecureCookies::Auto);
    format!("{}://{host}", if https { "https" } else { "http" })
}
