//! What the service and its decoder child say to each other, kept small.
//!
//! The request is the child's command line, after the subcommand: `--protocol=1 <memory bytes>
//! <processor seconds> <job> [<argument>…]` (nothing secret, nothing from the file but the
//! content type its first bytes gave). The file is the child's standard input, an open file
//! (so that decoders can seek in it), not a name.
//!
//! The child answers on its standard output in frames: one byte of kind, the length in four
//! bytes (big-endian), the bytes. First a hello, before it reads anything (so that a program
//! that is not a Hearth decoder is told apart from a file that breaks one), then any data (the
//! renditions one after the other, the text, the cleaned copy), then one reply in JSON.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt as _};

use crate::media::{Fit, MediaError, PhotoInfo};

/// The hidden subcommand both binaries answer: `hearth decode …`, `hearth-photos decode …`.
pub const SUBCOMMAND: &str = "decode";

/// Comes first, so that a program that does not speak this protocol stops at once (test
/// harnesses refuse an unknown option) instead of taking the rest for something else.
const PROTOCOL: &str = "--protocol=1";

/// The first frame of every answer.
pub(super) const HELLO: &[u8] = b"hearth decoder 1";

/// Largest frame either side writes or accepts.
const MAX_FRAME: usize = 1 << 20;

/// Data goes in frames of this size.
const DATA_PIECE: usize = 64 * 1024;

/// One job for one child, and the limits it sets on itself before it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub limits: Limits,
    pub job: Job,
}

/// What the child may use: memory (its data segment: heap, stacks and anonymous mappings) and
/// processor time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub memory_bytes: u64,
    pub cpu_seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// A photo's facts, and its renditions for `fits` when they fit in this child's memory.
    Photo { content_type: String, fits: Vec<Fit> },
    /// The renditions for `fits`, in a child given the memory they take.
    Previews { content_type: String, fits: Vec<Fit> },
    /// The start of a PDF's text.
    PdfText { max_chars: usize },
    /// A PDF's first page, for `fits`.
    PdfPage { fits: Vec<Fit> },
    /// A JPEG without its location.
    WithoutLocation,
}

impl Request {
    /// The child's arguments, starting with [`SUBCOMMAND`].
    #[must_use]
    pub fn to_args(&self) -> Vec<String> {
        let mut args = vec![
            SUBCOMMAND.to_owned(),
            PROTOCOL.to_owned(),
            self.limits.memory_bytes.to_string(),
            self.limits.cpu_seconds.to_string(),
        ];
        match &self.job {
            Job::Photo { content_type, fits } | Job::Previews { content_type, fits } => {
                let name = if matches!(self.job, Job::Photo { .. }) { "photo" } else { "previews" };
                args.extend([name.to_owned(), content_type.clone()]);
                args.extend(fits.iter().map(|fit| fit_arg(*fit)));
            }
            Job::PdfText { max_chars } => args.extend(["pdf-text".to_owned(), max_chars.to_string()]),
            Job::PdfPage { fits } => {
                args.push("pdf-page".to_owned());
                args.extend(fits.iter().map(|fit| fit_arg(*fit)));
            }
            Job::WithoutLocation => args.push("without-location".to_owned()),
        }
        args
    }

    /// The request in the child's arguments after [`SUBCOMMAND`].
    ///
    /// # Errors
    /// Arguments this version does not understand, said in a line for its standard error.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let [PROTOCOL, memory, cpu, job, rest @ ..] = args.as_slice() else {
            return Err(format!("expected {PROTOCOL} <memory bytes> <cpu seconds> <job> [arguments]"));
        };
        let number =
            |value: &str, what: &str| value.parse::<u64>().map_err(|_| format!("{what} {value:?} is not a number"));
        let limits = Limits { memory_bytes: number(memory, "memory")?, cpu_seconds: number(cpu, "cpu seconds")? };
        let job = match (*job, rest) {
            ("photo" | "previews", [content_type, fits @ ..]) if !content_type.is_empty() => {
                let fits = fits.iter().map(|fit| parse_fit(fit)).collect::<Result<Vec<_>, _>>()?;
                let content_type = (*content_type).to_owned();
                if *job == "photo" { Job::Photo { content_type, fits } } else { Job::Previews { content_type, fits } }
            }
            ("pdf-text", [max_chars]) => Job::PdfText {
                max_chars: usize::try_from(number(max_chars, "characters")?).map_err(|e| e.to_string())?,
            },
            ("pdf-page", fits) => {
                Job::PdfPage { fits: fits.iter().map(|fit| parse_fit(fit)).collect::<Result<Vec<_>, _>>()? }
            }
            ("without-location", []) => Job::WithoutLocation,
            (other, _) => return Err(format!("unknown job or arguments: {other} {}", rest.join(" "))),
        };
        Ok(Self { limits, job })
    }
}

fn fit_arg(fit: Fit) -> String {
    match fit {
        Fit::LongEdge(length) => format!("long:{length}"),
        Fit::ShortEdge(length) => format!("short:{length}"),
    }
}

fn parse_fit(arg: &str) -> Result<Fit, String> {
    let length = |value: &str| value.parse::<u32>().map_err(|_| format!("fit {arg:?} has no length"));
    match arg.split_once(':') {
        Some(("long", value)) => Ok(Fit::LongEdge(length(value)?)),
        Some(("short", value)) => Ok(Fit::ShortEdge(length(value)?)),
        _ => Err(format!("fit {arg:?} is not long:<pixels> or short:<pixels>")),
    }
}

/// What a frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Hello,
    Data,
    Reply,
}

impl Kind {
    const fn byte(self) -> u8 {
        match self {
            Self::Hello => b'H',
            Self::Data => b'D',
            Self::Reply => b'R',
        }
    }

    const fn of(byte: u8) -> Option<Self> {
        match byte {
            b'H' => Some(Self::Hello),
            b'D' => Some(Self::Data),
            b'R' => Some(Self::Reply),
            _ => None,
        }
    }
}

/// Writes one frame.
///
/// # Errors
/// More than a frame holds, or the output failing.
pub(super) fn write_frame(out: &mut impl Write, kind: Kind, bytes: &[u8]) -> io::Result<()> {
    let length = u32::try_from(bytes.len()).ok().filter(|_| bytes.len() <= MAX_FRAME);
    let length = length.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a frame is at most 1 MiB"))?;
    out.write_all(&[kind.byte()])?;
    out.write_all(&length.to_be_bytes())?;
    out.write_all(bytes)
}

/// Reads one frame; `None` when the input ends before one starts.
///
/// # Errors
/// A frame of an unknown kind or longer than a frame may be ([`io::ErrorKind::InvalidData`]),
/// or one cut short ([`io::ErrorKind::UnexpectedEof`]).
pub(super) async fn read_frame(input: &mut (impl AsyncRead + Unpin)) -> io::Result<Option<(Kind, Vec<u8>)>> {
    let mut kind = [0; 1];
    if input.read(&mut kind).await? == 0 {
        return Ok(None);
    }
    let kind = Kind::of(kind[0]).ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not a frame"))?;
    let mut length = [0; 4];
    input.read_exact(&mut length).await?;
    let length = usize::try_from(u32::from_be_bytes(length)).unwrap_or(usize::MAX);
    if length > MAX_FRAME {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "a frame longer than 1 MiB"));
    }
    let mut bytes = vec![0; length];
    input.read_exact(&mut bytes).await?;
    Ok(Some((kind, bytes)))
}

/// Data written as frames of at most [`DATA_PIECE`] bytes.
pub(super) struct DataFrames<'a, W: Write>(pub(super) &'a mut W);

impl<W: Write> Write for DataFrames<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let piece = &bytes[..bytes.len().min(DATA_PIECE)];
        if !piece.is_empty() {
            write_frame(self.0, Kind::Data, piece)?;
        }
        Ok(piece.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// The child's last frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Reply {
    /// The facts, and what became of the renditions.
    Photo { info: PhotoInfo, renditions: Renditions },
    /// The renditions' sizes (of a photo, or of a PDF's first page); their bytes came as data,
    /// one after the other.
    Previews { renditions: Vec<RenditionSize> },
    /// The text came as data.
    Text,
    /// The cleaned copy came as data; whether anything was removed.
    WithoutLocation { removed: bool },
    /// The job's answer is no, for this reason.
    Refused(Refusal),
}

/// The renditions of a [`Job::Photo`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Renditions {
    /// Made by this child; their bytes came as data, one after the other.
    Made(Vec<RenditionSize>),
    /// More than this child was given: a child with memory for this many bytes of decoding
    /// ([`Job::Previews`]) makes them.
    NeedMemory(u64),
    /// None will be made, for this reason.
    Refused(Refusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct RenditionSize {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) bytes: u64,
}

/// A [`MediaError`] across the pipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Refusal {
    pub(super) kind: RefusalKind,
    pub(super) reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum RefusalKind {
    Unsupported,
    Corrupt,
    TooLarge,
    /// The child could not read its input: the service's failure, not the file's.
    Io,
}

impl From<&MediaError> for Refusal {
    fn from(error: &MediaError) -> Self {
        let kind = match error {
            MediaError::Unsupported(_) => RefusalKind::Unsupported,
            MediaError::Corrupt(_) => RefusalKind::Corrupt,
            MediaError::TooLarge(_) => RefusalKind::TooLarge,
            MediaError::Io(_) => RefusalKind::Io,
        };
        let reason = match error {
            MediaError::Io(e) => e.to_string(),
            other => other.to_string(),
        };
        Self { kind, reason }
    }
}

impl From<Refusal> for MediaError {
    fn from(refusal: Refusal) -> Self {
        match refusal.kind {
            RefusalKind::Unsupported => Self::Unsupported(refusal.reason),
            RefusalKind::Corrupt => Self::Corrupt(refusal.reason),
            RefusalKind::TooLarge => Self::TooLarge(refusal.reason),
            RefusalKind::Io => Self::Io(io::Error::other(refusal.reason)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(request: &Request) -> Vec<String> {
        let all = request.to_args();
        assert_eq!(all[0], SUBCOMMAND);
        all[1..].to_vec()
    }

    #[test]
    fn every_job_round_trips_through_the_command_line() {
        let limits = Limits { memory_bytes: 200 << 20, cpu_seconds: 60 };
        let fits = vec![Fit::ShortEdge(400), Fit::LongEdge(1440)];
        for job in [
            Job::Photo { content_type: "image/jpeg".to_owned(), fits: fits.clone() },
            Job::Previews { content_type: "image/heic".to_owned(), fits },
            Job::Previews { content_type: "image/png".to_owned(), fits: Vec::new() },
            Job::PdfText { max_chars: 1_000_000 },
            Job::PdfPage { fits: vec![Fit::ShortEdge(400), Fit::LongEdge(1440)] },
            Job::WithoutLocation,
        ] {
            let request = Request { limits, job };
            assert_eq!(Request::parse(&args(&request)), Ok(request));
        }
    }

    #[test]
    fn the_command_line_starts_with_the_protocol_version() {
        let request = Request { limits: Limits { memory_bytes: 1, cpu_seconds: 2 }, job: Job::WithoutLocation };
        assert_eq!(request.to_args(), ["decode", "--protocol=1", "1", "2", "without-location"]);
    }

    #[test]
    fn what_this_version_does_not_know_is_refused() {
        let parse = |line: &str| Request::parse(&line.split(' ').map(str::to_owned).collect::<Vec<_>>());
        assert!(parse("--protocol=2 1 2 without-location").is_err());
        assert!(parse("--protocol=1 lots 2 without-location").is_err());
        assert!(parse("--protocol=1 1 2 thumbnails image/png").is_err());
        assert!(parse("--protocol=1 1 2 previews image/png wide:10").is_err());
        assert!(parse("--protocol=1 1 2 without-location extra").is_err());
        assert!(parse("--protocol=1 1 2").is_err());
    }

    #[tokio::test]
    async fn frames_are_read_back_as_written() {
        let mut out = Vec::new();
        write_frame(&mut out, Kind::Hello, HELLO).expect("written");
        DataFrames(&mut out).write_all(&vec![7; DATA_PIECE + 10]).expect("written");
        write_frame(&mut out, Kind::Reply, b"{}").expect("written");
        let mut input = out.as_slice();
        let mut frames = Vec::new();
        while let Some(frame) = read_frame(&mut input).await.expect("a frame") {
            frames.push((frame.0, frame.1.len()));
        }
        assert_eq!(frames, [(Kind::Hello, HELLO.len()), (Kind::Data, DATA_PIECE), (Kind::Data, 10), (Kind::Reply, 2)]);
    }

    #[tokio::test]
    async fn broken_frames_are_errors_not_guesses() {
        let mut unknown: &[u8] = b"Xrest";
        assert_eq!(read_frame(&mut unknown).await.expect_err("unknown").kind(), io::ErrorKind::InvalidData);
        let mut huge: &[u8] = &[b'D', 0xFF, 0xFF, 0xFF, 0xFF];
        assert_eq!(read_frame(&mut huge).await.expect_err("huge").kind(), io::ErrorKind::InvalidData);
        let mut cut: &[u8] = &[b'D', 0, 0, 0, 9, 1, 2];
        assert_eq!(read_frame(&mut cut).await.expect_err("cut").kind(), io::ErrorKind::UnexpectedEof);
        assert!(write_frame(&mut Vec::new(), Kind::Data, &vec![0; MAX_FRAME + 1]).is_err());
    }

    #[test]
    fn replies_and_refusals_survive_json() {
        let reply = Reply::Photo {
            info: PhotoInfo {
                width: 4,
                height: 3,
                taken_at: Some(1),
                camera: None,
                lens: None,
                gps: Some((1.5, -2.0)),
                taken_offset_minutes: Some(-330),
                exposure: crate::media::Exposure { iso: Some(100), ..Default::default() },
            },
            renditions: Renditions::Refused(Refusal::from(&MediaError::TooLarge("too big".to_owned()))),
        };
        let json = serde_json::to_vec(&reply).expect("json");
        assert_eq!(serde_json::from_slice::<Reply>(&json).expect("read back"), reply);
        let error = MediaError::from(Refusal { kind: RefusalKind::Corrupt, reason: "cut short".to_owned() });
        assert!(matches!(error, MediaError::Corrupt(reason) if reason == "cut short"));
    }
}
