-- Helping a member: one-time password reset links an admin makes, the time zone a person
-- chose for the times on pages, and accounts being deleted across the services (ADR 0053).
-- Like a session's, a reset link's token is never stored, only its SHA-256.
CREATE TABLE password_resets (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);

-- An IANA zone such as Europe/London; NULL: the zone of the browser showing the page.
ALTER TABLE users ADD COLUMN time_zone TEXT;

-- When an admin asked for the account to be deleted. The account is disabled at once; its row
-- goes when every service has removed what was the member's.
ALTER TABLE users ADD COLUMN deleting_at BIGINT;
