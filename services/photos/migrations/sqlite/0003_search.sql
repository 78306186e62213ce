-- Search keys, lowercased in Rust (not by the database, whose lower() differs between
-- SQLite and PostgreSQL for non-ASCII letters), so both backends give the same results.
ALTER TABLE items ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN camera_key TEXT NOT NULL DEFAULT '';
ALTER TABLE albums ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
