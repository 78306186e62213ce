//! Killing Hearth in the middle of an upload loses nothing and leaves nothing: no item, no
//! half blob, and the next start-up cleans the upload's temp file.

use std::time::{Duration, Instant};

use bytes::Bytes;
use hearth_e2e::{HearthProcess, first_admin_token};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn files_in(folder: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    entries.flatten().flat_map(|e| if e.path().is_dir() { files_in(&e.path()) } else { vec![e.path()] }).collect()
}

#[tokio::test]
async fn a_killed_upload_leaves_no_item_and_no_half_blob() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut hearth = HearthProcess::start_in(data.path(), None, &[]).await;
    let http = reqwest::Client::new();
    let token = first_admin_token(&http, &hearth.base_url).await;

    let slow_body = futures_util::stream::unfold(0u32, |sent| async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        (sent < 500).then(|| (Ok::<_, std::io::Error>(Bytes::from(vec![7u8; 256 * 1024])), sent + 1))
    });
    let upload = tokio::spawn(
        http.post(format!("{}/photos/api/items?file_name=holiday.mp4", hearth.base_url))
            .bearer_auth(&token)
            .body(reqwest::Body::wrap_stream(slow_body))
            .send(),
    );
    let tmp = data.path().join("photos/tmp");
    let started = Instant::now();
    while !files_in(&tmp).iter().any(|f| std::fs::metadata(f).is_ok_and(|m| m.len() > 1024 * 1024)) {
        assert!(started.elapsed() < Duration::from_secs(20), "the upload never reached the disk");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    hearth.kill();
    assert!(upload.await.expect("task").is_err(), "the upload was cut off");
    assert!(!files_in(&tmp).is_empty(), "the crash left the half-written temp file");

    let hearth = HearthProcess::start_in(data.path(), None, &[]).await;
    assert!(files_in(&tmp).is_empty(), "start-up removed the leftover");
    assert!(files_in(&data.path().join("photos/blobs")).is_empty(), "no half blob");
    let items =
        http.get(format!("{}/photos/api/items", hearth.base_url)).bearer_auth(&token).send().await.expect("list");
    assert_eq!(items.status(), StatusCode::OK);
    assert_eq!(items.json::<Value>().await.expect("json")["items"], json!([]));
}
