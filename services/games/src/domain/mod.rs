//! The games service's rules without I/O: templates and the settings they allow, how values
//! are written into games' config files, names, memory limits, members' quotas, the server
//! state machine, and the console's ANSI-to-HTML conversion.

pub mod ansi;
pub mod file_format;
pub mod names;
pub mod quota;
pub mod settings;
pub mod state;
pub mod template;

pub use file_format::FileFormat;
pub use names::{BackupName, GameName, MemoryLimit, ServerName};
pub use quota::Quota;
pub use settings::{FieldErrors, ServerSettings, SettingKind, SettingRule};
pub use state::{DesiredState, ServerState};
pub use template::{
    GameTemplate, PlayerLines, PortSpec, Protocol, QueryProtocol, Readiness, RelativePath, SaveSnapshot, StopPlan,
    StopSignal,
};
