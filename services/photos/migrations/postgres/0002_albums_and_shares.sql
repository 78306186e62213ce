-- Albums (an ordered set of items) and share links (a token that lets a guest see one
-- album or one item). Times are Unix seconds.
CREATE TABLE albums (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('private', 'family')),
    cover_item_id BIGINT REFERENCES items (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE album_items (
    album_id BIGINT NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    item_id BIGINT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (album_id, item_id)
);
CREATE INDEX album_items_by_item ON album_items (item_id);

-- The token is never stored, only its SHA-256. Exactly one of album_id and item_id is set.
CREATE TABLE shares (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    owner_id BIGINT NOT NULL,
    album_id BIGINT REFERENCES albums (id) ON DELETE CASCADE,
    item_id BIGINT REFERENCES items (id) ON DELETE CASCADE,
    password_hash TEXT,
    -- 1 when the sharer chose to show where photos were taken.
    show_location BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    CHECK ((album_id IS NULL) <> (item_id IS NULL))
);
CREATE INDEX shares_by_owner ON shares (owner_id);
