//! Asking a running game server who plays, through the game's own network query protocol
//! (ADR 0031): OpenTTD's game-info request (TCP) and Teeworlds 0.7's server-info request
//! (UDP). Each protocol module builds the request and parses the reply as pure functions of
//! bytes; [`ask`] does the network part, with a short timeout, from the manager's host.

pub mod openttd;
pub mod teeworlds;
mod wire;

use std::time::Duration;

pub use crate::domain::QueryProtocol;

/// What a server said about its players.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlayerReport {
    /// Clients connected now (players and spectators).
    pub online: u32,
    /// Their names, when the protocol gives them.
    pub names: Vec<String>,
}

/// Why a query got no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("network: {0}")]
    Network(#[from] std::io::Error),
    #[error("unexpected reply: {0}")]
    BadReply(String),
}

/// Asks the server on this machine's `port` who plays, giving up after `timeout`.
///
/// # Errors
/// No answer in time, a network error, or a reply that does not parse.
pub async fn ask(protocol: QueryProtocol, port: u16, timeout: Duration) -> Result<PlayerReport, QueryError> {
    let asking = async {
        match protocol {
            QueryProtocol::Openttd => openttd::ask(port).await,
            QueryProtocol::Teeworlds => teeworlds::ask(port).await,
        }
    };
    tokio::time::timeout(timeout, asking).await.map_err(|_| QueryError::Timeout(timeout))?
}
