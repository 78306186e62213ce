//! Slow phones and hostile sockets against a real `hearth serve` with its default settings:
//! a long upload over a home uplink succeeds, and a flood of connections that never finish
//! their headers neither starves the family nor keeps its file descriptors.

use std::time::{Duration, Instant};

use bytes::Bytes;
use hearth_e2e::{HearthProcess, first_admin_token};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};

/// 90 s at 1 MB/s: three times the request timeout, as a phone uploading a video at home.
#[tokio::test]
async fn an_upload_at_one_megabyte_a_second_for_ninety_seconds_succeeds() {
    let hearth = HearthProcess::start(None, &[]).await;
    let http = reqwest::Client::new();
    let token = first_admin_token(&http, &hearth.base_url).await;
    let seconds = 90;
    let chunks = futures_util::stream::unfold(0, move |sent| async move {
        if sent == seconds * 4 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        Some((Ok::<_, std::io::Error>(Bytes::from(vec![u8::try_from(sent % 251).unwrap_or(0); 250_000])), sent + 1))
    });
    let started = Instant::now();
    let response = http
        .post(format!("{}/photos/api/items", hearth.base_url))
        .query(&[("file_name", "holiday.mov"), ("visibility", "family")])
        .bearer_auth(&token)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .expect("the upload is answered");
    assert!(started.elapsed() >= Duration::from_secs(seconds), "the upload really took {seconds} s");
    let status = response.status();
    let body: serde_json::Value = response.json().await.expect("json");
    assert!(status.is_success(), "{status}: {body}");
    assert_eq!(body["item"]["size"], 90_000_000);
}

/// 1,100 connections that send half a request line and stop: the family is still served at
/// once, and the connections are closed when their headers are late.
#[tokio::test]
async fn a_thousand_half_open_connections_neither_starve_the_family_nor_stay() {
    raise_open_files_limit();
    let hearth = HearthProcess::start(None, &[("HEARTH_HEADER_TIMEOUT_SECS", "3")]).await;
    let addr = hearth.base_url.trim_start_matches("http://").parse().expect("address");
    let mut slow = Vec::new();
    for _ in 0..1100 {
        let Ok(mut stream) = TcpStream::connect(addr).await else { continue };
        let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: ").await;
        slow.push(stream);
    }
    assert!(slow.len() >= 1000, "only {} connections were opened", slow.len());
    for _ in 0..5 {
        let started = Instant::now();
        let socket = TcpSocket::new_v4().expect("socket");
        socket.bind("127.0.0.2:0".parse().expect("address")).expect("a second loopback address");
        let mut family = socket.connect(addr).await.expect("the family connects");
        family.write_all(b"GET /healthz HTTP/1.1\r\nHost: hearth\r\nConnection: close\r\n\r\n").await.expect("send");
        let mut answer = String::new();
        tokio::time::timeout(Duration::from_secs(2), family.read_to_string(&mut answer))
            .await
            .expect("answered in time")
            .expect("read");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(started.elapsed() < Duration::from_secs(1), "healthz took {:?}", started.elapsed());
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut still_open = 0;
    for stream in &mut slow {
        let mut byte = [0_u8; 1];
        match tokio::time::timeout(Duration::from_millis(100), stream.read(&mut byte)).await {
            Ok(Ok(0) | Err(_)) => {}
            _ => still_open += 1,
        }
    }
    assert_eq!(still_open, 0, "connections whose headers never came are closed");
}

/// This test process holds over a thousand sockets: it needs more than the usual 1,024 files.
fn raise_open_files_limit() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let _ = setrlimit(Resource::Nofile, Rlimit { current: limit.maximum, maximum: limit.maximum });
}
