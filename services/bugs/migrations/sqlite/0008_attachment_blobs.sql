-- Attachment bytes live in the database (docs/adr/0070), once per SHA-256 as the files under
-- `<data dir>/bugs/blobs/` were: an attachment's row names its bytes by `sha256`, and both are
-- written in one transaction. Files an older version kept are moved in at start-up.
CREATE TABLE attachment_blobs (
    sha256 TEXT PRIMARY KEY,
    bytes BLOB NOT NULL
);
