//! Bounds on bodies that are not bounded by the request timeout: a request body must keep
//! arriving ([`IdleTimeout`]: a phone may upload for an hour, but may not stall for a
//! minute), and a response body is never polled after its end ([`Fused`]), whatever layer
//! polls it.

use std::error::Error as StdError;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::multipart::MultipartError;
use http_body::{Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use crate::display::human_size;
use crate::error::AppError;

/// The request body stopped arriving for longer than its idle timeout.
#[derive(Debug, thiserror::Error)]
#[error("nothing arrived for {} seconds", .0.as_secs())]
pub struct BodyStalled(pub Duration);

/// A request body that fails with [`BodyStalled`] when no frame arrives within `idle` of the
/// handler asking for one. Only time spent waiting on the client counts: a handler that
/// reads slowly is not cut off.
pub struct IdleTimeout {
    inner: Body,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
    waiting: bool,
}

impl IdleTimeout {
    #[must_use]
    pub fn new(inner: Body, idle: Duration) -> Self {
        Self { inner, idle, deadline: Box::pin(tokio::time::sleep(idle)), waiting: false }
    }
}

impl http_body::Body for IdleTimeout {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.waiting = false;
                Poll::Ready(frame)
            }
            Poll::Pending => {
                if !this.waiting {
                    this.waiting = true;
                    let idle = this.idle;
                    this.deadline.as_mut().reset(Instant::now() + idle);
                }
                match this.deadline.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new(BodyStalled(this.idle))))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A body that answers "no more" once it has ended or failed, without asking the inner body
/// again: some bodies (a `stream::unfold`, for one) panic when polled after their end, and
/// the compression layer does poll again.
pub struct Fused {
    inner: Option<Body>,
}

impl Fused {
    #[must_use]
    pub fn new(inner: Body) -> Self {
        Self { inner: Some(inner) }
    }
}

impl http_body::Body for Fused {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) {
            self.inner = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.as_ref().map_or_else(|| SizeHint::with_exact(0), http_body::Body::size_hint)
    }
}

/// What to tell the sender of a request body that could not be read: 408 when it stalled,
/// 413 with the limit when it was too large, else 400 saying that `what` broke off.
#[must_use]
pub fn body_error(error: &(dyn StdError + 'static), what: &str) -> AppError {
    let mut cause: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(current) = cause {
        // `io::Error::source` skips the error it wraps: look inside it instead.
        if let Some(inner) = current.downcast_ref::<std::io::Error>().and_then(std::io::Error::get_ref) {
            cause = Some(inner);
            continue;
        }
        if let Some(stalled) = current.downcast_ref::<BodyStalled>() {
            return AppError::RequestTimeout(format!(
                "{what} stalled: {stalled}, so Hearth stopped waiting. Check the connection and send it again."
            ));
        }
        if let Some(too_large) = current.downcast_ref::<http_body_util::LengthLimitError>() {
            return AppError::PayloadTooLarge(format!("{what} is too large ({too_large}). Send a smaller one."));
        }
        cause = current.source();
    }
    AppError::BadRequest(format!("{what} broke off while it was sent ({error}). Send it again."))
}

/// [`body_error`] for a multipart form, which knows its own limit.
#[must_use]
pub fn multipart_error(error: &MultipartError, what: &str, limit_bytes: usize) -> AppError {
    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::PayloadTooLarge(format!(
            "{what} is larger than the limit of {}. Send a smaller one.",
            human_size(u64::try_from(limit_bytes).unwrap_or(u64::MAX))
        ));
    }
    body_error(error, what)
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt as _;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_stalled_body_fails_after_its_idle_time() {
        let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
        let stream = tokio_stream_from(receiver);
        let mut body = IdleTimeout::new(Body::from_stream(stream), Duration::from_secs(30));
        sender.send(Ok(Bytes::from_static(b"first"))).await.expect("send");
        let first = body.frame().await.expect("a frame").expect("data");
        assert_eq!(first.into_data().expect("data"), "first");
        let error = body.frame().await.expect("an error").expect_err("stalled");
        let app_error = body_error(&error, "The upload");
        assert_eq!(app_error.status(), axum::http::StatusCode::REQUEST_TIMEOUT);
        assert!(app_error.to_string().contains("nothing arrived for 30 seconds"), "{app_error}");
        let wrapped = std::io::Error::other(error);
        assert_eq!(body_error(&wrapped, "The upload").status(), axum::http::StatusCode::REQUEST_TIMEOUT);
        drop(sender);
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_but_steady_body_is_never_cut_off() {
        let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
        let body = IdleTimeout::new(Body::from_stream(tokio_stream_from(receiver)), Duration::from_secs(30));
        tokio::spawn(async move {
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_secs(20)).await;
                let _ = sender.send(Ok(Bytes::from_static(b"x"))).await;
            }
        });
        let collected = body.collect().await.expect("whole body").to_bytes();
        assert_eq!(collected.len(), 10);
    }

    #[tokio::test]
    async fn a_fused_body_is_not_polled_after_its_end() {
        let stream = futures_util::stream::unfold(0, |n| async move {
            (n < 2).then(|| (Ok::<_, std::io::Error>(Bytes::from(vec![b'a'; 10])), n + 1))
        });
        let mut body = Fused::new(Body::from_stream(stream));
        while body.frame().await.is_some() {}
        for _ in 0..3 {
            assert!(body.frame().await.is_none());
        }
        assert!(http_body::Body::is_end_stream(&body));
    }

    fn tokio_stream_from(
        mut receiver: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
    ) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
        futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx))
    }
}
