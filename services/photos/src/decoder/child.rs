//! The decoder child: `hearth decode …` and `hearth-photos decode …` both come here. It limits
//! itself before it reads a byte of the file (memory, processor time, no core dump, no file
//! written, few files open, killed with its parent), answers hello, then does its one job on a
//! thread with a fixed stack and answers with the result ([`super::protocol`]).
//!
//! Whatever the file does to it (a stack overflow, an allocation past the limit, a loop) ends
//! this process only; the service sees it die and says why.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::Path;
use std::thread;

use rustix::process::{Resource, Rlimit, Signal, getrlimit, set_parent_process_death_signal, setrlimit};

use super::protocol::{
    DataFrames, HELLO, Job, Kind, Limits, Refusal, RenditionSize, Renditions, Reply, Request, write_frame,
};
use crate::media::{self, LocationError, MediaError, Rendition};

/// The decoding thread's stack: deep enough for any honest file, and where a file that nests
/// without end (a form drawing itself) overflows, ending the child.
pub(super) const STACK_BYTES: usize = 16 * 1024 * 1024;

/// Files the child may have open: its three, the file again, and what libheif opens.
const OPEN_FILES: u64 = 32;

/// The file to read: standard input, opened again by name, so that each reader gets its own
/// offset and the readers that want a path (libheif) have one.
const INPUT: &str = "/proc/self/fd/0";

/// Runs the request in `args` (the arguments after the subcommand); returns the exit code.
#[must_use]
pub fn main(args: &[String]) -> i32 {
    let request = match Request::parse(args) {
        Ok(request) => request,
        Err(reason) => {
            eprintln!("hearth decode: {reason}");
            return 2;
        }
    };
    match answer(&request) {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("hearth decode: {error}");
            1
        }
    }
}

fn answer(request: &Request) -> io::Result<()> {
    let mut out = protocol_output()?;
    limit_self(request.limits)?;
    write_frame(&mut out, Kind::Hello, HELLO)?;
    out.flush()?;
    let request = request.clone();
    let decoding = thread::Builder::new().name("decode".to_owned()).stack_size(STACK_BYTES).spawn(move || {
        let reply = run(&request, Path::new(INPUT), &mut out)?;
        let json = serde_json::to_vec(&reply).map_err(io::Error::other)?;
        write_frame(&mut out, Kind::Reply, &json)?;
        out.flush()
    })?;
    decoding.join().map_err(|_| io::Error::other("the decoding thread panicked"))?
}

/// The protocol's own copy of standard output. Standard output itself then goes to standard
/// error, so that whatever a library prints cannot be taken for an answer.
fn protocol_output() -> io::Result<BufWriter<File>> {
    let protocol = rustix::io::dup(io::stdout())?;
    rustix::stdio::dup2_stdout(io::stderr())?;
    Ok(BufWriter::with_capacity(64 * 1024, File::from(protocol)))
}

/// Lowers this process's limits to `limits` (never above what it was given).
fn limit_self(limits: Limits) -> io::Result<()> {
    lower(Resource::Data, limits.memory_bytes, limits.memory_bytes)?;
    // SIGXCPU at the soft limit, SIGKILL a second later.
    lower(Resource::Cpu, limits.cpu_seconds, limits.cpu_seconds.saturating_add(1))?;
    lower(Resource::Core, 0, 0)?;
    lower(Resource::Fsize, 0, 0)?;
    lower(Resource::Nofile, OPEN_FILES, OPEN_FILES)?;
    // A child left behind by a service that was killed stops with it. "Parent" is the thread
    // that started it: a runtime worker, which lives as long as the service.
    set_parent_process_death_signal(Some(Signal::KILL))?;
    Ok(())
}

fn lower(resource: Resource, current: u64, maximum: u64) -> io::Result<()> {
    let given = getrlimit(resource).maximum.unwrap_or(u64::MAX);
    let (current, maximum) = (current.min(given), maximum.min(given));
    setrlimit(resource, Rlimit { current: Some(current), maximum: Some(maximum) })?;
    Ok(())
}

/// Does the job on the file at `input`, writing any data to `out`; the reply to send last.
fn run(request: &Request, input: &Path, out: &mut impl Write) -> io::Result<Reply> {
    let refused = |error: &MediaError| Reply::Refused(Refusal::from(error));
    Ok(match &request.job {
        Job::Photo { content_type, fits } => match media::read_photo_info(input, content_type) {
            Ok(info) => {
                let renditions = match media::memory_to_render(input, content_type, fits) {
                    Err(error) => Renditions::Refused(Refusal::from(&error)),
                    Ok(bytes) if super::memory_for(bytes) > request.limits.memory_bytes => {
                        Renditions::NeedMemory(bytes)
                    }
                    Ok(_) => match media::render_previews(input, content_type, fits) {
                        Ok(renditions) => Renditions::Made(write_renditions(out, renditions)?),
                        Err(error) => Renditions::Refused(Refusal::from(&error)),
                    },
                };
                Reply::Photo { info, renditions }
            }
            Err(error) => refused(&error),
        },
        Job::Previews { content_type, fits } => match media::render_previews(input, content_type, fits) {
            Ok(renditions) => Reply::Previews { renditions: write_renditions(out, renditions)? },
            Err(error) => refused(&error),
        },
        Job::PdfText { max_chars } => match media::pdf_text(input, *max_chars) {
            Ok(text) => {
                DataFrames(out).write_all(text.as_bytes())?;
                Reply::Text
            }
            Err(error) => refused(&error),
        },
        Job::PdfPage { fits } => match media::render_pdf_page(input, fits) {
            Ok(renditions) => Reply::Previews { renditions: write_renditions(out, renditions)? },
            Err(error) => refused(&error),
        },
        Job::WithoutLocation => match File::open(input) {
            Ok(original) => match media::copy_without_location(BufReader::new(original), DataFrames(out)) {
                Ok(removed) => Reply::WithoutLocation { removed },
                Err(LocationError::Io(error)) if error.kind() == io::ErrorKind::UnexpectedEof => {
                    refused(&MediaError::Corrupt("the photo is cut short".to_owned()))
                }
                Err(LocationError::Io(error)) => refused(&MediaError::Io(error)),
                Err(unreadable) => refused(&MediaError::Corrupt(unreadable.to_string())),
            },
            Err(error) => refused(&MediaError::Io(error)),
        },
    })
}

/// Writes the renditions' bytes as data, one after the other; their sizes.
fn write_renditions(out: &mut impl Write, renditions: Vec<Rendition>) -> io::Result<Vec<RenditionSize>> {
    let mut sizes = Vec::with_capacity(renditions.len());
    for rendition in renditions {
        DataFrames(out).write_all(&rendition.bytes)?;
        let bytes = rendition.bytes.len() as u64;
        sizes.push(RenditionSize { width: rendition.width, height: rendition.height, bytes });
    }
    Ok(sizes)
}
