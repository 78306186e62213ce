//! An album (or a selection) as a zip, streamed: a blocking thread writes stored
//! (uncompressed: photos are compressed already) entries into a bounded channel that the
//! response body reads, so neither memory nor the first byte waits for the whole album. The
//! body stays ended once it has ended, however often a layer (compression) polls it after.
//! Each entry carries its item's date: when it was taken by the camera's clock, else when it
//! was uploaded (UTC), as zip's dates have no zone (ADR 0067).

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::{StreamExt as _, stream};
use time::PrimitiveDateTime;
use tokio::sync::mpsc;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::db::items::ItemRow;
use crate::domain::TakenAt;
use crate::domain::taken::utc_clock;

/// One file in the zip.
pub struct ZipEntry {
    pub name: String,
    pub path: PathBuf,
    /// The date the entry carries (zip keeps it without a zone, to the even second).
    pub modified: Option<PrimitiveDateTime>,
}

impl ZipEntry {
    /// The file at `path` of `item`, as `name`, dated as the item is.
    pub fn of(item: &ItemRow, name: String, path: PathBuf) -> Self {
        let modified = match item.taken_at {
            Some(at) => TakenAt::new(at, item.taken_offset_minutes).clock(),
            None => utc_clock(item.uploaded_at),
        };
        Self { name, path, modified }
    }
}

/// A date as zip keeps it, when zip can (1980 to 2107).
fn zip_date(clock: PrimitiveDateTime) -> Option<DateTime> {
    let year = u16::try_from(clock.year()).ok()?;
    DateTime::from_date_and_time(year, clock.month().into(), clock.day(), clock.hour(), clock.minute(), clock.second())
        .ok()
}

/// Chunks between the writer thread and the response.
const CHANNEL_CHUNKS: usize = 8;
/// Bytes gathered before a chunk is sent.
const CHUNK_BYTES: usize = 256 * 1024;

/// `Write` into the response body's channel.
struct ChannelWriter {
    sender: mpsc::Sender<io::Result<Bytes>>,
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sender
            .blocking_send(Ok(Bytes::copy_from_slice(buf)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the download was cancelled"))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A response streaming `entries` as `file_name`.zip. Names are made unique within the zip.
pub fn zip_response(file_name: &str, entries: Vec<ZipEntry>) -> Response {
    let (sender, receiver) = mpsc::channel(CHANNEL_CHUNKS);
    let errors = sender.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = write_zip(entries, sender) {
            tracing::info!(error = %e, "album download stopped");
            let _ = errors.blocking_send(Err(e));
        }
    });
    let chunks =
        stream::unfold(receiver, |mut receiver| async move { receiver.recv().await.map(|chunk| (chunk, receiver)) });
    let body = Body::from_stream(chunks.fuse());
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    let ascii: String =
        file_name.chars().map(|c| if c.is_ascii_alphanumeric() || c == ' ' { c } else { '_' }).collect();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}.zip\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn write_zip(entries: Vec<ZipEntry>, sender: mpsc::Sender<io::Result<Bytes>>) -> io::Result<()> {
    let writer = BufWriter::with_capacity(CHUNK_BYTES, ChannelWriter { sender });
    let mut zip = ZipWriter::new_stream(writer);
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored).large_file(true);
    let mut used: Vec<String> = Vec::with_capacity(entries.len());
    for entry in entries {
        let name = unique_name(&entry.name, &used);
        let dated = match entry.modified.and_then(zip_date) {
            Some(date) => options.last_modified_time(date),
            None => options,
        };
        zip.start_file(name.as_str(), dated).map_err(io::Error::other)?;
        io::copy(&mut std::fs::File::open(&entry.path)?, &mut zip)?;
        used.push(name);
    }
    zip.finish().map_err(io::Error::other)?.into_inner().flush()
}

/// `name`, or `name (2)`, `name (3)`… before the extension when it is taken.
fn unique_name(name: &str, used: &[String]) -> String {
    let (stem, extension) = name.rsplit_once('.').map_or((name, String::new()), |(s, e)| (s, format!(".{e}")));
    (1..)
        .map(|n| if n == 1 { name.to_owned() } else { format!("{stem} ({n}){extension}") })
        .find(|candidate| !used.contains(candidate))
        .unwrap_or_else(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use futures_util::StreamExt as _;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_zip_arrives_whole_dated_and_its_body_stays_ended() {
        let folder = tempfile::tempdir().expect("temp dir");
        let mut entries = Vec::new();
        for (name, length) in [("a.jpg", 10), ("b.jpg", 3 * CHUNK_BYTES + 7), ("a.jpg", 1)] {
            let path = folder.path().join(format!("{name}-{length}"));
            std::fs::write(&path, vec![b'x'; length]).expect("write");
            let modified = Some(time::macros::datetime!(2024-07-14 15:30:01));
            entries.push(ZipEntry { name: name.to_owned(), path, modified });
        }
        let mut body = zip_response("Album", entries).into_body().into_data_stream();
        let mut zip = Vec::new();
        while let Some(chunk) = body.next().await {
            zip.extend_from_slice(&chunk.expect("a chunk"));
        }
        assert!(body.next().await.is_none(), "polled after its end, the body is still ended");
        let mut archive = zip::ZipArchive::new(io::Cursor::new(zip)).expect("a whole zip");
        let mut lengths = Vec::new();
        for index in 0..archive.len() {
            let mut entry = archive.by_index(index).expect("entry");
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("read");
            lengths.push((entry.name().expect("a name").into_owned(), bytes.len()));
            let date = entry.last_modified().expect("a date");
            assert_eq!((date.year(), date.month(), date.day(), date.hour(), date.minute()), (2024, 7, 14, 15, 30));
        }
        assert_eq!(
            lengths,
            [("a.jpg".to_owned(), 10), ("b.jpg".to_owned(), 3 * CHUNK_BYTES + 7), ("a (2).jpg".to_owned(), 1)]
        );
    }

    #[test]
    fn names_in_a_zip_are_unique() {
        let used = vec!["a.jpg".to_owned(), "a (2).jpg".to_owned()];
        assert_eq!(unique_name("a.jpg", &used), "a (3).jpg");
        assert_eq!(unique_name("b.jpg", &used), "b.jpg");
        assert_eq!(unique_name("notes", &["notes".to_owned()]), "notes (2)");
    }

    #[test]
    fn dates_zip_cannot_keep_are_left_out() {
        assert!(zip_date(time::macros::datetime!(1979-12-31 23:59)).is_none());
        assert!(zip_date(time::macros::datetime!(2024-02-29 12:00)).is_some());
    }
}
