//! One run of the decoder child, from the service's side: start it on the file, read its
//! frames up to the output cap, stop it at the deadline, and tell how it ended: an answer, a
//! child the file killed (and of what), or a failure of Hearth's own.

use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use rustix::process::Signal;
use tokio::io::{AsyncRead, AsyncReadExt as _, BufReader};
use tokio::process::{ChildStdout, Command};
use tokio::sync::mpsc;

use super::budget::MIB;
use super::protocol::{HELLO, Kind, Limits, Reply, Request, read_frame};
use super::{DecodeError, Streamed};

/// Bytes of the child's standard error kept, from its end: where a crash says what it was.
const STDERR_TAIL: usize = 16 * 1024;

/// How many threads the child's image decoders use (`jpeg-decoder` through rayon).
const DECODER_THREADS: &str = "2";

/// The only variables of the service's environment the child gets (it holds secrets): those
/// without which the program or libheif's plugins might not load where the service did.
const PASSED_ON: [&str; 2] = ["LD_LIBRARY_PATH", "LIBHEIF_PLUGIN_PATH"];

/// Where the data of an answer goes.
pub(super) enum Sink<'a> {
    /// Into memory: renditions and text, which are small.
    Collect(&'a mut Vec<u8>),
    /// Passed on as it comes: a cleaned copy, as large as its original.
    Stream(&'a mpsc::Sender<Streamed>),
}

/// What to start, and its bounds beside its own limits.
pub(super) struct Spawn<'a> {
    pub(super) program: &'a Path,
    pub(super) file: &'a Path,
    pub(super) request: &'a Request,
    /// Most bytes of data accepted; more and the child is stopped.
    pub(super) output_limit: u64,
    /// Time on the clock before the child is stopped.
    pub(super) deadline: Duration,
}

/// Runs the child to its end.
pub(super) async fn run(spawn: &Spawn<'_>, sink: Sink<'_>) -> Result<Reply, DecodeError> {
    let input = tokio::fs::File::open(spawn.file)
        .await
        .map_err(|e| DecodeError::Hearth(anyhow::anyhow!("opening {} for the decoder: {e}", spawn.file.display())))?
        .into_std()
        .await;
    let mut command = Command::new(spawn.program);
    command.args(spawn.request.to_args()).env_clear().env("RAYON_NUM_THREADS", DECODER_THREADS);
    for name in PASSED_ON {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    let mut child = command
        .stdin(Stdio::from(input))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| DecodeError::Hearth(anyhow::anyhow!("starting the decoder {}: {e}", spawn.program.display())))?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(DecodeError::Hearth(anyhow::anyhow!("the decoder's output pipes are missing")));
    };
    let stderr = tokio::spawn(tail(stderr));
    let talk = async {
        let answer = read_answer(stdout, sink, spawn.output_limit).await;
        if answer.is_err() {
            let _ = child.start_kill();
        }
        (answer, child.wait().await)
    };
    let outcome = tokio::time::timeout(spawn.deadline, talk).await;
    let Ok((answer, status)) = outcome else {
        let _ = child.kill().await;
        stderr.abort();
        return Err(DecodeError::Unreadable(format!("reading it took longer than {} s", spawn.deadline.as_secs())));
    };
    let status = status.map_err(|e| DecodeError::Hearth(anyhow::anyhow!("waiting for the decoder: {e}")))?;
    let stderr = stderr.await.unwrap_or_default();
    judge(answer, status, &stderr, spawn)
}

/// How reading an answer fell short.
#[derive(Debug)]
enum Unheard {
    /// No hello: the program is not a Hearth decoder, or it could not even start.
    NoHello,
    /// The child stopped between its hello and its reply.
    BrokeOff,
    /// More data than the job can give.
    TooMuch,
    /// A reply that does not parse, or frames out of order.
    Garbled(String),
    /// Whoever took the streamed data is gone.
    SinkGone,
}

async fn read_answer(stdout: ChildStdout, mut sink: Sink<'_>, output_limit: u64) -> Result<Reply, Unheard> {
    let mut input = BufReader::with_capacity(64 * 1024, stdout);
    match read_frame(&mut input).await {
        Ok(Some((Kind::Hello, hello))) if hello == HELLO => {}
        _ => return Err(Unheard::NoHello),
    }
    let mut received = 0u64;
    loop {
        let frame = read_frame(&mut input).await.map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => Unheard::Garbled(e.to_string()),
            _ => Unheard::BrokeOff,
        })?;
        match frame {
            None => return Err(Unheard::BrokeOff),
            Some((Kind::Data, bytes)) => {
                received += bytes.len() as u64;
                if received > output_limit {
                    return Err(Unheard::TooMuch);
                }
                match &mut sink {
                    Sink::Collect(collected) => collected.extend_from_slice(&bytes),
                    Sink::Stream(sender) => {
                        sender.send(Streamed::Bytes(bytes)).await.map_err(|_| Unheard::SinkGone)?;
                    }
                }
            }
            Some((Kind::Reply, json)) => {
                return serde_json::from_slice(&json).map_err(|e| Unheard::Garbled(e.to_string()));
            }
            Some((Kind::Hello, _)) => return Err(Unheard::Garbled("a second hello".to_owned())),
        }
    }
}

/// The last [`STDERR_TAIL`] bytes of the child's standard error, read to its end so that the
/// child never waits on a full pipe.
async fn tail(mut stderr: impl AsyncRead + Unpin) -> String {
    let mut kept = Vec::new();
    let mut buffer = vec![0; 8 * 1024];
    while let Ok(read) = stderr.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        kept.extend_from_slice(&buffer[..read]);
        if kept.len() > 2 * STDERR_TAIL {
            kept.drain(..kept.len() - STDERR_TAIL);
        }
    }
    let start = kept.len().saturating_sub(STDERR_TAIL);
    String::from_utf8_lossy(&kept[start..]).into_owned()
}

fn judge(
    answer: Result<Reply, Unheard>,
    status: ExitStatus,
    stderr: &str,
    spawn: &Spawn<'_>,
) -> Result<Reply, DecodeError> {
    let hearth = |what: String| DecodeError::Hearth(anyhow::anyhow!(what));
    match answer {
        Ok(reply) => Ok(reply),
        Err(Unheard::NoHello) => Err(hearth(format!(
            "{} did not answer as a Hearth decoder ({status}): {}",
            spawn.program.display(),
            stderr.trim()
        ))),
        Err(Unheard::Garbled(detail)) => Err(hearth(format!("the decoder's answer was garbled ({detail})"))),
        Err(Unheard::SinkGone) => Err(hearth("the decoder's output could not be stored".to_owned())),
        Err(Unheard::TooMuch) => {
            Err(DecodeError::Unreadable("reading it gave more than a preview or a text can be".to_owned()))
        }
        Err(Unheard::BrokeOff) => {
            let last_words: Vec<&str> = stderr.trim().lines().rev().take(4).collect();
            tracing::info!(%status, said = ?last_words, "the decoder child died on a file");
            Err(DecodeError::Unreadable(cause(status, stderr, spawn.request.limits)))
        }
    }
}

/// Why a child that said hello died before its reply, as the family reads it.
fn cause(status: ExitStatus, stderr: &str, limits: Limits) -> String {
    let out_of_memory = ["memory allocation of", "bad_alloc", "out of memory"];
    if out_of_memory.iter().any(|said| stderr.contains(said)) {
        format!("it needs more than the {} MB of memory Hearth gives to reading it", limits.memory_bytes / MIB)
    } else if stderr.contains("has overflowed its stack") {
        "it is nested too deeply".to_owned()
    } else if status.signal() == Some(Signal::XCPU.as_raw()) {
        format!("it needs more than {} s of processor time", limits.cpu_seconds)
    } else if status.signal() == Some(Signal::KILL.as_raw()) {
        "the reader was stopped by the system (it may need more memory or time than there is)".to_owned()
    } else {
        format!("the reader crashed on it ({status})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn died(signal: i32) -> ExitStatus {
        ExitStatus::from_raw(signal)
    }

    fn limits() -> Limits {
        Limits { memory_bytes: 200 * MIB, cpu_seconds: 60 }
    }

    #[test]
    fn a_death_is_told_by_what_the_child_said_and_how_it_ended() {
        let abort = died(Signal::ABORT.as_raw());
        assert_eq!(
            cause(abort, "memory allocation of 220200960 bytes failed\n", limits()),
            "it needs more than the 200 MB of memory Hearth gives to reading it"
        );
        let overflow = "\nthread 'decode' has overflowed its stack\nfatal runtime error: stack overflow\n";
        assert_eq!(cause(abort, overflow, limits()), "it is nested too deeply");
        assert_eq!(cause(died(Signal::XCPU.as_raw()), "", limits()), "it needs more than 60 s of processor time");
        assert!(cause(died(Signal::KILL.as_raw()), "", limits()).starts_with("the reader was stopped"));
        assert!(cause(died(Signal::SEGV.as_raw()), "", limits()).starts_with("the reader crashed on it"));
    }

    #[tokio::test]
    async fn the_tail_of_a_long_stderr_is_kept() {
        let mut said = vec![b'x'; 5 * STDERR_TAIL];
        said.extend_from_slice(b"thread 'decode' has overflowed its stack");
        let kept = tail(said.as_slice()).await;
        assert_eq!(kept.len(), STDERR_TAIL);
        assert!(kept.ends_with("has overflowed its stack"));
    }
}
