//! Serving a router until SIGTERM or Ctrl-C, finishing the requests in flight.

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;

/// Binds `addr` and serves `app` until a shutdown signal.
///
/// # Errors
/// The address cannot be bound, or the server fails.
pub async fn serve(app: Router, addr: SocketAddr) -> anyhow::Result<()> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e} (set HEARTH_ADDR to another host:port)"))?;
    serve_on(app, listener).await
}

/// Serves `app` on a bound listener until a shutdown signal.
///
/// # Errors
/// The server fails.
pub async fn serve_on(app: Router, listener: TcpListener) -> anyhow::Result<()> {
    tracing::info!(addr = %listener.local_addr()?, "listening");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
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
    tracing::info!("shutting down");
}
