-- Notifications (docs/adr/0058). What they need to know of a person: whether they are an
-- admin (an admins-only project's news goes to admins only), and where they want email; the
-- portal keeps no email address, so each person gives one here.
ALTER TABLE people ADD COLUMN is_admin BIGINT NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN email TEXT;

-- One piece of news for one person: someone commented on, assigned or changed an issue of
-- theirs. Unread until they open the issue or mark it read.
CREATE TABLE notifications (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient_id BIGINT NOT NULL,
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    actor_id BIGINT NOT NULL,
    -- commented, assigned or changed.
    reason TEXT NOT NULL,
    -- What happened, in words: "Mum changed status from Open to Closed (fixed)".
    summary TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_of_recipient ON notifications (recipient_id, id);
CREATE INDEX notifications_unread ON notifications (recipient_id, issue_id) WHERE read_at IS NULL;

-- Someone's own choice for one issue, over being its reporter, assignee or a commenter:
-- following 1 hears about it, 0 does not.
CREATE TABLE subscriptions (
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    user_id BIGINT NOT NULL,
    following BIGINT NOT NULL,
    PRIMARY KEY (issue_id, user_id)
);

-- Emails of notifications still to send, retried with backoff; times in milliseconds.
CREATE TABLE outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_id BIGINT NOT NULL REFERENCES notifications (id),
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL,
    sent_ms BIGINT,
    last_error TEXT,
    gave_up BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox (next_attempt_ms) WHERE sent_ms IS NULL AND gave_up = 0;
