-- Family members who have used the games service, as the portal last named them, so the
-- quotas page can list them (the portal owns accounts; this is what games has seen).
CREATE TABLE members (
    user_id BIGINT PRIMARY KEY,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    seen_at BIGINT NOT NULL
);
