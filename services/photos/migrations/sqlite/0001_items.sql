-- The family's files. Bytes live in the blob store under their SHA-256; this is what we know
-- about them. Times are Unix seconds.
CREATE TABLE items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('photo', 'video', 'document', 'other')),
    visibility TEXT NOT NULL CHECK (visibility IN ('private', 'family')),
    uploaded_at BIGINT NOT NULL,
    -- When the photo was taken (EXIF), if known.
    taken_at BIGINT,
    -- The timeline's order: taken_at, else uploaded_at.
    sort_at BIGINT NOT NULL,
    width BIGINT,
    height BIGINT,
    camera TEXT,
    lens TEXT,
    gps_lat DOUBLE PRECISION,
    gps_lon DOUBLE PRECISION,
    -- pending (the worker will make it), ready, or none (preview_error says why).
    preview TEXT NOT NULL CHECK (preview IN ('pending', 'ready', 'none')),
    preview_error TEXT,
    -- Text of documents, for search.
    text_content TEXT,
    deleted_at BIGINT,
    UNIQUE (owner_id, sha256)
);
CREATE INDEX items_timeline ON items (sort_at DESC, id DESC);
CREATE INDEX items_by_blob ON items (sha256);
CREATE INDEX items_pending ON items (preview);
