//! The `process` runtime: each server is a child process of this one. It is spawned from an
//! argument list (never a shell) in its own folder, as the server's own user when the manager
//! is root, with a memory limit (`RLIMIT_DATA` through prlimit(1), see ADR 0030); its stdout and
//! stderr go to the [`Console`], its stdin (or a file, or its external console) takes console
//! commands; it is stopped gracefully, then with SIGTERM, then SIGKILL.

use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rustix::process::{Pid, Resource, Rlimit, Signal};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{ChildStdin, Command};
use tokio::sync::{Mutex, watch};

use super::econ::Econ;
use super::{Console, ConsoleInput, Instance, LaunchError, LaunchSpec, Runtime, ServerFolder, Status};
use crate::domain::{Readiness, StopSignal, ansi};

/// util-linux's prlimit, which sets the game's memory limit before it starts.
const PRLIMIT: &str = "/usr/bin/prlimit";
/// util-linux's setpriv, which has the game stopped (SIGTERM, so it saves) when the manager dies.
const SETPRIV: &str = "/usr/bin/setpriv";

/// The pause between the console commands of a graceful stop.
const COMMAND_GAP: Duration = Duration::from_millis(500);

/// How long SIGTERM is given before SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(5);

/// How long a console command may wait for the game to take it (a game that stopped
/// reading its stdin fills the pipe), so no request waits on a game for ever.
const CONSOLE_WRITE_WAIT: Duration = Duration::from_secs(5);

/// What a secret is shown as in the console.
const HIDDEN: &str = "[hidden]";

/// Runs servers as local processes.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProcessRuntime;

#[async_trait]
impl Runtime for ProcessRuntime {
    async fn start(&self, spec: LaunchSpec) -> Result<Arc<dyn Instance>, LaunchError> {
        let program = find_program(&spec.program)?;
        for (name, (port, protocol)) in &spec.ports {
            check_port_free(name, *port, protocol.uses_tcp(), protocol.uses_udp())?;
        }
        let (launcher, launcher_args) = launcher(&program, spec.memory_bytes);
        let mut command = Command::new(&launcher);
        command.args(&launcher_args);
        command
            .args(&spec.args)
            .current_dir(&spec.dir)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/games")
            .env("LANG", "C.UTF-8")
            .env("HOME", &spec.dir)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(false);
        if let Some(user) = spec.run_as {
            command.uid(user.uid).gid(user.gid);
        }
        let mut child = command
            .spawn()
            .map_err(|e| LaunchError::Failed(format!("{} could not be started: {e}", program.display())))?;
        let pid = child.id().ok_or_else(|| LaunchError::Failed("the game ended while it was spawned".to_owned()))?;
        if !Path::new(PRLIMIT).is_file() {
            limit_memory(pid, spec.memory_bytes);
        }
        let (status_tx, status_rx) = watch::channel(Status::Starting);
        let status_tx = Arc::new(status_tx);
        let secrets: Arc<[String]> = spec.secrets.iter().filter(|s| !s.is_empty()).cloned().collect();
        let readers: Vec<_> = [
            child.stdout.take().map(|s| Box::new(s) as Box<dyn AsyncRead + Send + Unpin>),
            child.stderr.take().map(|s| Box::new(s) as Box<dyn AsyncRead + Send + Unpin>),
        ]
        .into_iter()
        .flatten()
        .map(|stream| {
            let console = Arc::clone(&spec.console);
            let secrets = Arc::clone(&secrets);
            tokio::spawn(read_lines(stream, console, secrets, spec.ready.clone(), Arc::clone(&status_tx)))
        })
        .collect();
        if let Readiness::TcpPort(name) = &spec.ready
            && let Some((port, _)) = spec.ports.get(name)
        {
            tokio::spawn(probe_tcp(*port, Arc::clone(&status_tx)));
        }
        let stdin = child.stdin.take();
        let run_as = spec.run_as;
        tokio::spawn(async move {
            let status = child.wait().await;
            if let Some(user) = run_as {
                end_processes_of(user.uid).await;
            }
            for reader in readers {
                let _ = tokio::time::timeout(Duration::from_secs(2), reader).await;
            }
            let (code, signal) = match status {
                Ok(status) => (status.code(), std::os::unix::process::ExitStatusExt::signal(&status)),
                Err(_) => (None, None),
            };
            status_tx.send_replace(Status::Exited { code, signal });
        });
        let econ = match &spec.console_input {
            ConsoleInput::Econ { port, password } => Some(Econ::new(*port, password.clone())),
            ConsoleInput::Stdin | ConsoleInput::File(_) => None,
        };
        Ok(Arc::new(ProcessInstance { pid, stdin: Mutex::new(stdin), econ, status: status_rx, spec }))
    }
}

struct ProcessInstance {
    pid: u32,
    stdin: Mutex<Option<ChildStdin>>,
    econ: Option<Econ>,
    status: watch::Receiver<Status>,
    spec: LaunchSpec,
}

impl ProcessInstance {
    fn has_exited(&self) -> bool {
        matches!(*self.status.borrow(), Status::Exited { .. })
    }

    async fn wait_exit(&self, within: Duration) -> bool {
        let mut status = self.status.clone();
        tokio::time::timeout(within, status.wait_for(|s| matches!(s, Status::Exited { .. }))).await.is_ok()
    }

    fn signal(&self, signal: Signal) {
        if !self.has_exited() {
            send_signal(self.pid, signal);
        }
    }
}

#[async_trait]
impl Instance for ProcessInstance {
    fn pid(&self) -> Option<u32> {
        Some(self.pid)
    }

    fn status(&self) -> watch::Receiver<Status> {
        self.status.clone()
    }

    async fn send(&self, line: &str) -> Result<(), String> {
        let mut stdin = self.stdin.lock().await;
        if let Some(econ) = &self.econ {
            return econ.send(line).await;
        }
        if let ConsoleInput::File(path) = &self.spec.console_input {
            return append_line(&self.spec, path, line).map_err(|error| {
                tracing::warn!(%error, id = self.spec.server_id, "a console command was not written");
                format!("The server's console file cannot be written: {error}.")
            });
        }
        let Some(input) = stdin.as_mut() else {
            return Err("This server's console does not take commands.".to_owned());
        };
        let mut bytes = line.as_bytes().to_vec();
        bytes.push(b'\n');
        let written = tokio::time::timeout(CONSOLE_WRITE_WAIT, async {
            input.write_all(&bytes).await?;
            input.flush().await
        })
        .await;
        match written {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err("The server is no longer reading its console.".to_owned()),
            Err(_) => Err(format!(
                "The server has not read its console for {} s; it may be stuck.",
                CONSOLE_WRITE_WAIT.as_secs()
            )),
        }
    }

    async fn stop(&self) {
        if self.has_exited() {
            return;
        }
        let plan = self.spec.stop.clone();
        for (n, command) in plan.commands.iter().enumerate() {
            if n > 0 {
                // Some consoles (OpenTTD's) read one line per wake-up: one write per command.
                tokio::time::sleep(COMMAND_GAP).await;
            }
            if self.send(command).await.is_err() {
                break;
            }
        }
        match plan.signal {
            Some(StopSignal::Int) => self.signal(Signal::INT),
            Some(StopSignal::Term) => self.signal(Signal::TERM),
            None => {}
        }
        if self.wait_exit(plan.grace).await {
            return;
        }
        let waited = plan.grace.as_secs();
        tracing::warn!(id = self.spec.server_id, pid = self.pid, waited, "a game server did not stop: SIGTERM");
        self.spec.console.event(&format!("It has not stopped after {waited} s; telling it to stop now."));
        self.signal(Signal::TERM);
        if self.wait_exit(TERM_GRACE).await {
            return;
        }
        tracing::warn!(id = self.spec.server_id, pid = self.pid, "a game server did not stop: SIGKILL");
        self.spec.console.event("It is still running: ending it.");
        self.signal(Signal::KILL);
        self.wait_exit(TERM_GRACE).await;
    }
}

/// Appends one line to the game's console file, reached without following a link and only
/// when it is a plain file of the game's own.
fn append_line(spec: &LaunchSpec, path: &crate::domain::RelativePath, line: &str) -> std::io::Result<()> {
    let mut file = ServerFolder::open(&spec.dir)?.open_append(path, spec.run_as)?;
    file.write_all(format!("{line}\n").as_bytes())
}

async fn read_lines(
    stream: Box<dyn AsyncRead + Send + Unpin>,
    console: Arc<Console>,
    secrets: Arc<[String]>,
    ready: Readiness,
    status: Arc<watch::Sender<Status>>,
) {
    let mut reader = BufReader::new(stream);
    let mut buffer = Vec::with_capacity(256);
    loop {
        buffer.clear();
        // At most 8 KiB per line: a game printing without newlines cannot grow the buffer.
        match (&mut reader).take(8 * 1024).read_until(b'\n', &mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let seen = std::time::Instant::now();
                let text = ansi::without_hidden_escapes(&String::from_utf8_lossy(&buffer));
                let line = hide_secrets(&text, &secrets);
                if strip_ansi(&line).trim().is_empty() {
                    // A line of colour codes alone (Minetest ends each coloured line so).
                    continue;
                }
                console.push(&line);
                if let Readiness::LogLine(pattern) = &ready
                    && *status.borrow() == Status::Starting
                    && pattern.is_match(&strip_ansi(&line))
                {
                    status.send_if_modified(|s| {
                        let starting = *s == Status::Starting;
                        if starting {
                            *s = Status::Ready(seen);
                        }
                        starting
                    });
                }
            }
        }
    }
}

/// `line` with every secret replaced by [`HIDDEN`].
fn hide_secrets(line: &str, secrets: &[String]) -> String {
    secrets.iter().fold(line.to_owned(), |line, secret| line.replace(secret.as_str(), HIDDEN))
}

/// Without escape sequences, so a coloured line still matches its pattern.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_escape = false;
    for c in line.chars() {
        if in_escape {
            in_escape = !c.is_ascii_alphabetic();
        } else if c == '\u{1b}' {
            in_escape = true;
        } else {
            out.push(c);
        }
    }
    out
}

async fn probe_tcp(port: u16, status: Arc<watch::Sender<Status>>) {
    loop {
        if *status.borrow() != Status::Starting {
            return;
        }
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            status.send_if_modified(|s| {
                let starting = *s == Status::Starting;
                if starting {
                    *s = Status::Ready(std::time::Instant::now());
                }
                starting
            });
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What to execute and its first arguments: util-linux's `prlimit` (the game's memory limit,
/// set by the process on itself before it execs the game, so no privilege is needed) and
/// `setpriv --pdeathsig` (the game gets SIGTERM when the manager dies, even by SIGKILL, so no
/// game outlives it), each only when installed. Both exec in place: the pid stays the game's.
fn launcher(program: &Path, memory_bytes: u64) -> (std::path::PathBuf, Vec<std::ffi::OsString>) {
    let mut chain: Vec<std::ffi::OsString> = Vec::new();
    if Path::new(PRLIMIT).is_file() {
        chain.extend([PRLIMIT.into(), format!("--data={memory_bytes}").into(), "--".into()]);
    }
    if Path::new(SETPRIV).is_file() {
        chain.extend([SETPRIV.into(), "--pdeathsig".into(), "TERM".into(), "--".into()]);
    }
    chain.push(program.as_os_str().to_owned());
    let first = std::path::PathBuf::from(chain.remove(0));
    (first, chain)
}

/// Whether a template's program is installed here (the launch form says so beside a game
/// that is not).
#[must_use]
pub fn is_installed(program: &Path) -> bool {
    find_program(program).is_ok()
}

/// The program to run: a path that exists, or a name found on `PATH`.
fn find_program(program: &Path) -> Result<std::path::PathBuf, LaunchError> {
    let missing = || {
        LaunchError::Refused(format!(
            "The game program {} is not installed on this machine; ask the family admin to install it.",
            program.display()
        ))
    };
    if program.components().count() > 1 {
        return if program.is_file() { Ok(program.to_path_buf()) } else { Err(missing()) };
    }
    ["/usr/local/bin", "/usr/bin", "/bin", "/usr/games"]
        .iter()
        .map(|dir| Path::new(dir).join(program))
        .find(|path| path.is_file())
        .ok_or_else(missing)
}

/// Refuses a port another program holds, so a launch ends with a reason, not a hang.
fn check_port_free(name: &str, port: u16, tcp: bool, udp: bool) -> Result<(), LaunchError> {
    let taken = |protocol: &str| {
        LaunchError::Refused(format!(
            "Port {port}/{protocol} ({name}) is already used by another program on this machine; stop that \
             program or ask the family admin to change the port range."
        ))
    };
    if tcp && std::net::TcpListener::bind(("0.0.0.0", port)).is_err() {
        return Err(taken("tcp"));
    }
    if udp && std::net::UdpSocket::bind(("0.0.0.0", port)).is_err() {
        return Err(taken("udp"));
    }
    Ok(())
}

/// True when `port` could be bound now on the given transports.
#[must_use]
pub fn port_is_free(port: u16, tcp: bool, udp: bool) -> bool {
    check_port_free("", port, tcp, udp).is_ok()
}

/// Best effort: a limit on the process's private memory, set right after it is spawned.
fn limit_memory(pid: u32, bytes: u64) {
    let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) else { return };
    let limit = Rlimit { current: Some(bytes), maximum: Some(bytes) };
    if let Err(error) = rustix::process::prlimit(Some(pid), Resource::Data, limit) {
        tracing::warn!(%error, "could not set the memory limit of a game server");
    }
}

/// Ends (SIGKILL) every process still running as `uid` once its game has exited: a child
/// the game left behind would otherwise keep the server's user, and its files, after the run
/// and after a later server is given the same user id.
async fn end_processes_of(uid: u32) {
    for _ in 0..5 {
        let left = processes_of(uid);
        if left.is_empty() {
            return;
        }
        for pid in &left {
            send_signal(*pid, Signal::KILL);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tracing::warn!(uid, "processes of a game server's user are still running after SIGKILL");
}

/// The live processes whose real or effective user is `uid` (from `/proc/<pid>/status`).
fn processes_of(uid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else { return false };
            let field = |name: &str| status.lines().find_map(|line| line.strip_prefix(name)).unwrap_or_default();
            let ids: Vec<&str> = field("Uid:").split_whitespace().take(2).collect();
            !field("State:").trim_start().starts_with('Z') && ids.iter().any(|id| id.parse() == Ok(uid))
        })
        .collect()
}

/// Sends `signal` to a process id; a process that is gone is not an error.
pub fn send_signal(pid: u32, signal: Signal) {
    if let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) {
        let _ = rustix::process::kill_process(pid, signal);
    }
}

/// When a process started, in clock ticks after boot (field 22 of `/proc/<pid>/stat`), or
/// `None` when it is gone or a zombie. With the pid, it names one process even if pids wrap.
#[must_use]
pub fn start_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // fields[0] is field 3 (the state); the start time is field 22.
    if fields.first() == Some(&"Z") || fields.first() == Some(&"X") {
        return None;
    }
    fields.get(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_start_time() {
        assert!(start_ticks(std::process::id()).is_some());
        assert!(start_ticks(u32::MAX - 1).is_none());
    }

    #[test]
    fn secrets_never_reach_the_console() {
        let secrets = ["Zx81secret".to_owned()];
        assert_eq!(hide_secrets("| rcon password: 'Zx81secret' |", &secrets), "| rcon password: '[hidden]' |");
        assert_eq!(hide_secrets("nothing here", &secrets), "nothing here");
    }

    #[test]
    fn escape_sequences_do_not_hide_a_ready_line() {
        assert_eq!(strip_ansi("\u{1b}[32mServer listening on 0.0.0.0\u{1b}[0m"), "Server listening on 0.0.0.0");
    }

    #[test]
    fn a_missing_program_is_named() {
        let error = find_program(Path::new("/usr/games/no-such-game")).err().map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.contains("no-such-game is not installed")));
    }
}
