-- Attachment bytes live in the database (docs/adr/0070), once per SHA-256 as the files under
-- `<data dir>/bugs/blobs/` were: an attachment's row names its bytes by `sha256`, and both are
-- written in one transaction. Files an older version kept are moved in at start-up.
CREATE TABLE attachment_blobs (
    sha256 TEXT PRIMARY KEY,
    bytes BYTEA NOT NULL
);
-- Screenshots are PNG, JPEG or WebP, already compressed: kept out of line (TOAST) without
-- trying to compress them again.
ALTER TABLE attachment_blobs ALTER COLUMN bytes SET STORAGE EXTERNAL;
