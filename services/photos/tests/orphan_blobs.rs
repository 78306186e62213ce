//! What the photos service sweeps away when it starts, on SQLite and PostgreSQL: a blob no
//! item uses (what a kill between storing an upload's blob and recording its item leaves, or
//! one between deleting an item and its blob) is set aside, and brought back if an item uses
//! it again; derived files of blobs no item uses are deleted. A blob an item uses, in the
//! trash or not, and its previews stay.

use std::path::{Path, PathBuf};

use hearth_photos::AppState;
use hearth_photos::config::PhotosConfig;
use hearth_photos::db::items::{self, NewItem};
use hearth_photos::domain::Sha256;
use hearth_photos::storage::{BlobStore, Derived, FsBlobStore};
use hearth_shared::db::{Backend, Database};
use hearth_shared::testing::TestDatabase;
use hearth_shared::{AuthClient, both_backends};

/// Stores `bytes` as a blob; its hash.
async fn stored(blobs: &FsBlobStore, bytes: &'static [u8]) -> Sha256 {
    let mut body = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(bytes))]);
    blobs.put(&mut body, 1 << 20).await.expect("stored").sha256
}

async fn record(db: &Database, sha256: &Sha256, name: &str) -> i64 {
    let item = NewItem {
        owner_id: 1,
        sha256: sha256.as_str(),
        size: 5,
        file_name: name,
        content_type: "application/octet-stream",
        kind: "other",
        visibility: "family",
        now: 0,
        text_content: None,
        search_text: name,
    };
    items::insert(db.pool(), &item).await.expect("insert").expect("a new item").id
}

fn derived(root: &Path, sha256: &Sha256, kind: &str) -> PathBuf {
    let hex = sha256.as_str();
    root.join("derived").join(&hex[..2]).join(format!("{hex}.{kind}.jpg"))
}

async fn start_up_sets_aside_blobs_no_item_uses_and_brings_them_back(backend: Backend) {
    let Some(test_db) = TestDatabase::create(backend).await else { return };
    let mut config = test_db.config();
    config.portal_url = Some("http://127.0.0.1:9".to_owned());
    let photos = PhotosConfig::from_lookup(&config, |_| None).expect("photos config");
    let root = photos.storage_dir.clone();
    let auth = AuthClient::from_config(&config).expect("auth");
    let first = AppState::new(config.clone(), photos.clone(), auth.clone()).await.expect("first start");
    let db = first.service.db.clone();
    let blobs = FsBlobStore::open(&root).expect("store");

    let kept = stored(&blobs, b"kept").await;
    record(&db, &kept, "kept.bin").await;
    let trashed = stored(&blobs, b"trashed").await;
    let trashed_item = record(&db, &trashed, "trashed.bin").await;
    items::set_deleted(db.pool(), trashed_item, Some(1)).await.expect("trashed");
    // A kill after the upload's blob was stored, before its item was recorded.
    let orphan = stored(&blobs, b"orphan").await;
    let gone = Sha256::parse(&"ab".repeat(32)).expect("hash");
    for sha256 in [&kept, &orphan, &gone] {
        blobs.put_derived(sha256, Derived::Thumbnail, Box::new(|out| out.write_all(b"jpeg"))).await.expect("derived");
    }

    drop(first);
    let again = AppState::new(config.clone(), photos.clone(), auth.clone()).await.expect("second start");
    assert!(blobs.local_path(&kept).await.is_some(), "a blob an item uses stays");
    assert!(derived(&root, &kept, "thumb").exists(), "and its previews");
    assert!(blobs.local_path(&trashed).await.is_some(), "an item in the trash still uses its blob");
    assert!(blobs.local_path(&orphan).await.is_none(), "the orphan blob is out of the store");
    let aside = root.join("unused").join(&orphan.as_str()[..2]).join(orphan.as_str());
    assert_eq!(std::fs::read(&aside).expect("set aside"), b"orphan");
    assert!(!derived(&root, &orphan, "thumb").exists(), "its previews are gone");
    assert!(!derived(&root, &gone, "thumb").exists(), "previews of a blob that is gone go too");

    // The database is restored from a backup that knew the orphan's item: nothing was lost.
    record(&db, &orphan, "from-the-backup.bin").await;
    drop(again);
    let _restored = AppState::new(config, photos, auth).await.expect("third start");
    assert!(blobs.local_path(&orphan).await.is_some(), "the blob is back in the store");
    assert!(!aside.exists());
}

both_backends!(start_up_sets_aside_blobs_no_item_uses_and_brings_them_back);
