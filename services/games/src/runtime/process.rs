//! The `process` runtime: each server is a child process of this one. It is spawned from an
//! argument list (never a shell) in its own folder, as an unprivileged user when the manager
//! is root, with a memory limit (`RLIMIT_DATA` through prlimit(1), see ADR 0030); its stdout and
//! stderr go to the [`Console`], its stdin takes console commands; it is stopped gracefully,
//! then with SIGTERM, then SIGKILL.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rustix::process::{Pid, Resource, Rlimit, Signal};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{ChildStdin, Command};
use tokio::sync::{Mutex, watch};

use super::{Console, Instance, LaunchError, LaunchSpec, Runtime, Status};
use crate::domain::{Readiness, StopSignal};

/// util-linux's prlimit, which sets the game's memory limit before it starts.
const PRLIMIT: &str = "/usr/bin/prlimit";
/// util-linux's setpriv, which has the game stopped (SIGTERM, so it saves) when the manager dies.
const SETPRIV: &str = "/usr/bin/setpriv";

/// The pause between the console commands of a graceful stop.
const COMMAND_GAP: Duration = Duration::from_millis(500);

/// How long SIGTERM is given before SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(5);

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
        if is_root() {
            command.uid(spec.run_as.0).gid(spec.run_as.1);
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
        let readers: Vec<_> = [
            child.stdout.take().map(|s| Box::new(s) as Box<dyn AsyncRead + Send + Unpin>),
            child.stderr.take().map(|s| Box::new(s) as Box<dyn AsyncRead + Send + Unpin>),
        ]
        .into_iter()
        .flatten()
        .map(|stream| {
            tokio::spawn(read_lines(stream, Arc::clone(&spec.console), spec.ready.clone(), Arc::clone(&status_tx)))
        })
        .collect();
        if let Readiness::TcpPort(name) = &spec.ready
            && let Some((port, _)) = spec.ports.get(name)
        {
            tokio::spawn(probe_tcp(*port, Arc::clone(&status_tx)));
        }
        let stdin = child.stdin.take();
        tokio::spawn(async move {
            let status = child.wait().await;
            for reader in readers {
                let _ = tokio::time::timeout(Duration::from_secs(2), reader).await;
            }
            let (code, signal) = match status {
                Ok(status) => (status.code(), std::os::unix::process::ExitStatusExt::signal(&status)),
                Err(_) => (None, None),
            };
            status_tx.send_replace(Status::Exited { code, signal });
        });
        Ok(Arc::new(ProcessInstance { pid, stdin: Mutex::new(stdin), status: status_rx, spec }))
    }
}

struct ProcessInstance {
    pid: u32,
    stdin: Mutex<Option<ChildStdin>>,
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
        if let Some(path) = &self.spec.console_file {
            let mut file = tokio::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .await
                .map_err(|_| "The server's console file cannot be written.".to_owned())?;
            return file
                .write_all(format!("{line}\n").as_bytes())
                .await
                .map_err(|_| "The server's console file cannot be written.".to_owned());
        }
        let Some(input) = stdin.as_mut() else {
            return Err("This server's console does not take commands.".to_owned());
        };
        let mut bytes = line.as_bytes().to_vec();
        bytes.push(b'\n');
        input.write_all(&bytes).await.map_err(|_| "The server is no longer reading its console.".to_owned())?;
        input.flush().await.map_err(|_| "The server is no longer reading its console.".to_owned())
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
        self.spec.console.push(&format!("[hearth] no exit after {} s: sending SIGTERM", plan.grace.as_secs()));
        self.signal(Signal::TERM);
        if self.wait_exit(TERM_GRACE).await {
            return;
        }
        self.spec.console.push("[hearth] still running: sending SIGKILL");
        self.signal(Signal::KILL);
        self.wait_exit(TERM_GRACE).await;
    }
}

async fn read_lines(
    stream: Box<dyn AsyncRead + Send + Unpin>,
    console: Arc<Console>,
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
                let line = String::from_utf8_lossy(&buffer);
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

fn is_root() -> bool {
    rustix::process::getuid().is_root()
}

/// Best effort: a limit on the process's private memory, set right after it is spawned.
fn limit_memory(pid: u32, bytes: u64) {
    let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) else { return };
    let limit = Rlimit { current: Some(bytes), maximum: Some(bytes) };
    if let Err(error) = rustix::process::prlimit(Some(pid), Resource::Data, limit) {
        tracing::warn!(%error, "could not set the memory limit of a game server");
    }
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
    fn escape_sequences_do_not_hide_a_ready_line() {
        assert_eq!(strip_ansi("\u{1b}[32mServer listening on 0.0.0.0\u{1b}[0m"), "Server listening on 0.0.0.0");
    }

    #[test]
    fn a_missing_program_is_named() {
        let error = find_program(Path::new("/usr/games/no-such-game")).err().map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.contains("no-such-game is not installed")));
    }
}
