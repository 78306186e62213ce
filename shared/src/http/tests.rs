//! The standard layers and the server loop on real sockets: what a slow or hostile client
//! gets, and that long transfers are not cut off.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};

use super::{app, body, timed};
use crate::config::Config;
use crate::server::Limits;
use crate::testing::TestServer;

fn config() -> Config {
    let mut config = Config::from_lookup(|_| None).expect("defaults");
    config.request_timeout = Duration::from_secs(1);
    config.body_idle_timeout = Duration::from_secs(1);
    config
}

/// `chunks` of 10 kB from a stream that, like every `stream::unfold`, panics when polled
/// after its end.
fn streamed(content_type: &'static str, chunks: usize) -> Response {
    let chunks = futures_util::stream::unfold(0, move |n| async move {
        (n < chunks).then(|| (Ok::<_, std::io::Error>(Bytes::from(vec![b'h'; 10_000])), n + 1))
    });
    let mut response = Body::from_stream(chunks).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

async fn read_slowly(body: Body) -> Result<String, crate::AppError> {
    let mut stream = body.into_data_stream();
    let mut length = 0;
    while let Some(chunk) = stream.next().await {
        length += chunk.map_err(|e| body::body_error(&e, "The upload"))?.len();
    }
    Ok(length.to_string())
}

fn router(config: &Config) -> Router {
    let quick = Router::new()
        .route("/slow-page", get(|| async { tokio::time::sleep(Duration::from_secs(3)).await }))
        .route("/page", get(|| async { "a page" }))
        .route("/picture", get(|| async { ([(header::CACHE_CONTROL, "private, max-age=60")], "pixels") }));
    let long = Router::new()
        .route("/upload", post(|body: Body| read_slowly(body)))
        .route("/text.txt", get(|| async { streamed("text/plain", 10) }))
        .route("/album.zip", get(|| async { streamed("application/zip", 10) }))
        .route("/big.zip", get(|| async { streamed("application/zip", 20_000) }));
    app(timed(quick, config).merge(long), config)
}

async fn server(limits: impl FnOnce(&mut Limits)) -> TestServer {
    let config = config();
    let mut server_limits = Limits::from_config(&config);
    limits(&mut server_limits);
    TestServer::start_with(router(&config), server_limits).await
}

#[tokio::test]
async fn streamed_downloads_arrive_whole_compressed_or_not() {
    let server = server(|_| {}).await;
    let http = reqwest::Client::new();
    for (path, encoding) in [("/text.txt", Some("gzip")), ("/album.zip", None)] {
        let response = http.get(server.url(path)).header("accept-encoding", "gzip").send().await.expect("response");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers().get("content-encoding").and_then(|v| v.to_str().ok()), encoding, "{path}");
        let body = response.bytes().await.expect("the whole body, not a reset connection");
        if encoding.is_none() {
            assert_eq!(body.len(), 100_000);
        }
    }
}

#[tokio::test]
async fn pages_are_not_stored_by_caches_unless_they_say_so() {
    let server = server(|_| {}).await;
    let page = reqwest::get(server.url("/page")).await.expect("page");
    assert_eq!(page.headers().get("cache-control").expect("set"), "no-store");
    let picture = reqwest::get(server.url("/picture")).await.expect("picture");
    assert_eq!(picture.headers().get("cache-control").expect("set"), "private, max-age=60");
}

#[tokio::test]
async fn quick_routes_time_out_and_uploads_do_not() {
    let server = server(|_| {}).await;
    let slow_page = reqwest::get(server.url("/slow-page")).await.expect("answer");
    assert_eq!(slow_page.status(), StatusCode::REQUEST_TIMEOUT);

    // Three seconds of steady upload: three times the request timeout, never idle for long.
    let chunks = futures_util::stream::unfold(0, |n| async move {
        if n == 12 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        Some((Ok::<_, std::io::Error>(Bytes::from(vec![0_u8; 1000])), n + 1))
    });
    let upload = reqwest::Client::new()
        .post(server.url("/upload"))
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .expect("answer");
    assert_eq!(upload.status(), 200);
    assert_eq!(upload.text().await.expect("text"), "12000");
}

#[tokio::test]
async fn an_upload_that_stalls_gets_408_saying_so() {
    let server = server(|_| {}).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let head = "POST /upload HTTP/1.1\r\nhost: x\r\naccept: application/json\r\ncontent-length: 100\r\n\r\nstart";
    stream.write_all(head.as_bytes()).await.expect("write");
    let answer = read_all(&mut stream, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("nothing arrived for 1 seconds"), "{answer}");
}

#[tokio::test]
async fn slow_headers_are_cut_off_and_one_address_cannot_hold_every_connection() {
    let server = server(|limits| {
        limits.header_timeout = Duration::from_secs(1);
        limits.max_connections_per_address = Some(20);
    })
    .await;
    let mut slow = Vec::new();
    for _ in 0..60 {
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        stream.write_all(b"GET /page HTTP/1.1\r\nx-slow: ").await.expect("write");
        slow.push(stream);
    }
    // Another household is still served at once.
    let started = Instant::now();
    let mut other = connect_from("127.0.0.2", server.addr).await;
    other.write_all(b"GET /page HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await.expect("write");
    let answer = read_all(&mut other, Duration::from_secs(2)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(1));
    // Every slow connection is closed: the ones over the address's share at once, the others
    // when their headers are late.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for stream in &mut slow {
        let mut byte = [0_u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut byte)).await;
        assert!(matches!(read, Ok(Ok(0) | Err(_))), "a slow connection is still open");
    }
}

#[tokio::test]
async fn a_client_that_stops_reading_is_let_go() {
    let server = server(|limits| limits.stall_timeout = Duration::from_secs(1)).await;
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("small buffer");
    let mut stream = socket.connect(server.addr).await.expect("connect");
    stream.write_all(b"GET /big.zip HTTP/1.1\r\nhost: x\r\n\r\n").await.expect("write");
    tokio::time::sleep(Duration::from_secs(3)).await;
    // The server gave up writing: what is left to read ends well before the whole 200 MB.
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut received)).await;
    assert!(read.is_ok(), "the connection was not closed");
    assert!(received.len() < 100_000_000, "{} bytes arrived", received.len());
}

async fn connect_from(local: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.bind(format!("{local}:0").parse().expect("address")).expect("bind a second loopback address");
    socket.connect(to).await.expect("connect")
}

async fn read_all(stream: &mut TcpStream, within: Duration) -> String {
    let mut received = Vec::new();
    let _ = tokio::time::timeout(within, async {
        let mut buffer = [0_u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    String::from_utf8_lossy(&received).into_owned()
}
