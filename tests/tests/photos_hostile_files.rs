//! The real `hearth` binary reads uploaded files in its decoder child (`hearth decode`): a PDF
//! that draws itself (the 591 bytes, made here) ends as "could not be read" while
//! Hearth keeps answering and keeps making previews, before and after a restart.

use std::time::{Duration, Instant};

use hearth_e2e::{HearthProcess, first_admin_token};
use reqwest::StatusCode;
use serde_json::Value;

/// A one-pixel GIF: an honest picture the decoder child makes previews of.
const PIXEL_GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00\
    ,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

/// A one-page PDF whose page draws the form `/X1`, whose content draws itself.
fn self_drawing_pdf() -> Vec<u8> {
    let form = "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /X1 4 0 R >> >>";
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R /Resources << /XObject << /X1 4 0 R >> >> >>"
            .to_owned(),
        format!("<< {form} /Length 6 >>\nstream\n/X1 Do\nendstream"),
        "<< /Length 6 >>\nstream\n/X1 Do\nendstream".to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (number, body) in (1..).zip(&objects) {
        offsets.push(pdf.len());
        pdf.extend(format!("{number} 0 obj\n{body}\nendobj\n").as_bytes());
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    pdf
}

async fn upload(http: &reqwest::Client, hearth: &HearthProcess, token: &str, name: &str, bytes: Vec<u8>) -> i64 {
    let response = http
        .post(format!("{}/photos/api/items?file_name={name}", hearth.base_url))
        .bearer_auth(token)
        .body(bytes)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.expect("json")["item"]["id"].as_i64().expect("an id")
}

/// The item once the worker is done with it (an unreadable file is read twice).
async fn settled(http: &reqwest::Client, hearth: &HearthProcess, token: &str, id: i64) -> Value {
    let started = Instant::now();
    loop {
        let response = http
            .get(format!("{}/photos/api/items/{id}", hearth.base_url))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        let item: Value = response.json().await.expect("json");
        if item["preview"] != "pending" {
            return item;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "item {id} is still pending: {item}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn answers(http: &reqwest::Client, hearth: &HearthProcess) -> bool {
    let health = http.get(format!("{}/photos/healthz", hearth.base_url)).send().await;
    health.is_ok_and(|response| response.status() == StatusCode::OK)
}

#[tokio::test]
async fn a_pdf_that_draws_itself_cannot_take_hearth_down() {
    let data = tempfile::tempdir().expect("temp dir");
    let http = reqwest::Client::new();
    let mut hearth = HearthProcess::start_in(data.path(), None, &[]).await;
    let token = first_admin_token(&http, &hearth.base_url).await;

    let pdf = upload(&http, &hearth, &token, "self.pdf", self_drawing_pdf()).await;
    let before = upload(&http, &hearth, &token, "before.gif", PIXEL_GIF.to_vec()).await;
    let unreadable = settled(&http, &hearth, &token, pdf).await;
    assert_eq!(unreadable["preview"], "none");
    assert_eq!(unreadable["preview_error"], "could not be read (it is nested too deeply)");
    assert_eq!(settled(&http, &hearth, &token, before).await["preview"], "ready");
    assert!(answers(&http, &hearth).await, "Hearth is still up");

    hearth.kill();
    let hearth = HearthProcess::start_in(data.path(), None, &[]).await;
    assert_eq!(settled(&http, &hearth, &token, pdf).await, unreadable, "not read again at start-up");
    let after = upload(&http, &hearth, &token, "after.gif", {
        let mut other = PIXEL_GIF.to_vec();
        other.extend_from_slice(b"trailing bytes make it another file");
        other
    })
    .await;
    assert_eq!(settled(&http, &hearth, &token, after).await["preview"], "ready");
    assert!(answers(&http, &hearth).await);
}
