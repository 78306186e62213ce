//! The server state machine as it is stored: what a server is doing now, and what its owner
//! wants it to do (the supervisor reconciles the two, as Kubernetes does).

use serde::Serialize;
use utoipa::ToSchema;

/// What a server is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ServerState {
    /// Spawned, not ready yet.
    Starting,
    /// Ready for players.
    Running,
    /// Asked to stop, saving its world.
    Stopping,
    Stopped,
    /// Exited without being asked to, or could not start; the message says why.
    Crashed,
}

impl ServerState {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::Running => "running",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
            Self::Crashed => "crashed",
        }
    }

    /// A stored value; anything unknown reads as stopped.
    #[must_use]
    pub fn from_stored(value: &str) -> Self {
        match value {
            "starting" => Self::Starting,
            "running" => Self::Running,
            "stopping" => Self::Stopping,
            "crashed" => Self::Crashed,
            _ => Self::Stopped,
        }
    }

    /// True while a process may exist.
    #[must_use]
    pub fn is_active(self) -> bool {
        matches!(self, Self::Starting | Self::Running | Self::Stopping)
    }
}

/// What the owner wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DesiredState {
    Running,
    Stopped,
}

impl DesiredState {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Stopped => "stopped",
        }
    }

    #[must_use]
    pub fn from_stored(value: &str) -> Self {
        if value == "running" { Self::Running } else { Self::Stopped }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip() {
        for state in [
            ServerState::Starting,
            ServerState::Running,
            ServerState::Stopping,
            ServerState::Stopped,
            ServerState::Crashed,
        ] {
            assert_eq!(ServerState::from_stored(state.as_str()), state);
        }
        assert_eq!(DesiredState::from_stored("running"), DesiredState::Running);
        assert!(!ServerState::Crashed.is_active());
    }
}
