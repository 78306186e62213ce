//! Serving a router over HTTP/1.1 until SIGTERM or Ctrl-C, finishing the requests in flight,
//! with the bounds a slow or hostile client needs: request headers must arrive within a
//! timeout (also between requests on a kept-alive connection), a client that stops reading a
//! response is let go after the idle timeout, and connections are capped overall and per client
//! address, below the process's file descriptor limit, so a flood of half-open connections
//! cannot starve everyone else.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv6Addr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Sleep;
use tower::ServiceExt as _;

use crate::config::Config;

/// File descriptors kept free of connections: databases, stored files, game consoles, children.
const RESERVED_FILE_DESCRIPTORS: u64 = 256;

/// How long a shutdown waits for requests in flight before it stops anyway.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(25);

/// What one client may hold of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time a client has to send a request's headers, the first or the next one.
    pub header_timeout: Duration,
    /// Time a client may leave a response unread before the connection is closed.
    pub stall_timeout: Duration,
    /// Connections open at once; more wait in the listen queue.
    pub max_connections: usize,
    /// Connections open at once from one address (one IPv6 /64); more are closed at once.
    /// `None` behind a trusted proxy, where every connection comes from the proxy.
    pub max_connections_per_address: Option<usize>,
}

impl Limits {
    #[must_use]
    pub fn from_config(config: &Config) -> Self {
        Self {
            header_timeout: config.header_timeout,
            stall_timeout: config.body_idle_timeout,
            max_connections: config.max_connections,
            max_connections_per_address: (!config.trust_forwarded_for).then_some(config.max_connections_per_address),
        }
    }
}

/// Binds `config.addr` and serves `app` until a shutdown signal.
///
/// # Errors
/// The address cannot be bound, or the server fails.
pub async fn serve(app: Router, config: &Config) -> anyhow::Result<()> {
    let addr = config.addr;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e} (set HEARTH_ADDR to another host:port)"))?;
    let mut limits = Limits::from_config(config);
    limits.max_connections = limits.max_connections.min(connections_the_descriptors_allow());
    serve_until(app, listener, limits, shutdown_signal()).await
}

/// Serves `app` on a bound listener until `shutdown` resolves, then lets the requests in flight
/// finish (for at most [`DRAIN_TIMEOUT`]).
///
/// # Errors
/// The listener's address cannot be read.
pub async fn serve_until(
    app: Router,
    listener: TcpListener,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    tracing::info!(
        addr = %listener.local_addr()?,
        max_connections = limits.max_connections,
        max_connections_per_address = limits.max_connections_per_address,
        "listening"
    );
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let addresses = AddressCounts::default();
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => permit?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = addresses.take(peer.ip(), limits.max_connections_per_address) else {
            metrics::counter!("hearth_connections_refused_total", "reason" => "per_address").increment(1);
            tracing::debug!(%peer, "too many connections from this address; closed");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(StallGuard::new(stream, limits.stall_timeout));
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: axum::http::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request.map(Body::new))
        });
        let connection = graceful.watch(http.serve_connection(io, service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
            drop((permit, slot));
        });
    }
    drop(listener);
    tracing::info!("shutting down: finishing the requests in flight");
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still running after {} s were cut off", DRAIN_TIMEOUT.as_secs());
    }
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGTERM (Kubernetes, systemd) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Raises this process's soft limit on open files to its hard limit, and says how many
/// connections then fit beside [`RESERVED_FILE_DESCRIPTORS`].
fn connections_the_descriptors_allow() -> usize {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = Rlimit { current: limit.maximum, maximum: limit.maximum };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::warn!(error = %e, "could not raise the open-files limit");
        }
    }
    let open_files = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
    usize::try_from(open_files.saturating_sub(RESERVED_FILE_DESCRIPTORS)).unwrap_or(usize::MAX).max(1)
}

/// Open connections per client address, IPv6 counted per /64 (what one household gets).
#[derive(Clone, Default)]
struct AddressCounts(Arc<Mutex<HashMap<IpAddr, usize>>>);

impl AddressCounts {
    /// A slot for one more connection from `ip`, or `None` when it has `limit` already.
    fn take(&self, ip: IpAddr, limit: Option<usize>) -> Option<AddressSlot> {
        let Some(limit) = limit else {
            return Some(AddressSlot(None));
        };
        let key = household(ip);
        let mut counts = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = counts.entry(key).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(AddressSlot(Some((self.clone(), key))))
    }

    fn release(&self, key: IpAddr) {
        let mut counts = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&key);
            }
        }
    }
}

fn household(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let segments = v6.segments();
                IpAddr::V6(Ipv6Addr::new(segments[0], segments[1], segments[2], segments[3], 0, 0, 0, 0))
            }
        },
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// One connection's share of its address's limit, given back when the connection ends.
struct AddressSlot(Option<(AddressCounts, IpAddr)>);

impl Drop for AddressSlot {
    fn drop(&mut self) {
        if let Some((counts, key)) = self.0.take() {
            counts.release(key);
        }
    }
}

/// A connection whose writes fail once the client has read nothing for `limit`: a phone that
/// went to sleep mid-download does not hold its connection, buffers and task forever.
struct StallGuard {
    stream: TcpStream,
    limit: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
}

impl StallGuard {
    fn new(stream: TcpStream, limit: Duration) -> Self {
        Self { stream, limit, stalled: None }
    }

    /// Called when a write could not proceed: pending until the limit, then an error.
    fn wait_or_give_up<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let limit = self.limit;
        let stalled = self.stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the client read nothing for {} s", limit.as_secs()),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn progressed<T>(&mut self, polled: Poll<io::Result<T>>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match polled {
            Poll::Pending => self.wait_or_give_up(cx),
            ready => {
                self.stalled = None;
                ready
            }
        }
    }
}

impl AsyncRead for StallGuard {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for StallGuard {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.progressed(polled, cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.progressed(polled, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.stream).poll_flush(cx);
        self.progressed(polled, cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_limit_and_its_slots_back() {
        let counts = AddressCounts::default();
        let ip: IpAddr = "192.0.2.7".parse().expect("ip");
        let first = counts.take(ip, Some(2)).expect("first");
        let _second = counts.take(ip, Some(2)).expect("second");
        assert!(counts.take(ip, Some(2)).is_none());
        assert!(counts.take("192.0.2.8".parse().expect("ip"), Some(2)).is_some());
        drop(first);
        assert!(counts.take(ip, Some(2)).is_some());
        assert!(counts.take(ip, None).is_some(), "no limit behind a proxy");
    }

    #[test]
    fn ipv6_addresses_count_per_household() {
        let a: IpAddr = "2001:db8:1:2::10".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:ffff::1".parse().expect("ip");
        assert_eq!(household(a), household(b));
        assert_ne!(household(a), household("2001:db8:1:3::10".parse().expect("ip")));
        assert_eq!(household("::ffff:10.0.0.1".parse().expect("ip")), "10.0.0.1".parse::<IpAddr>().expect("ip"));
    }
}
