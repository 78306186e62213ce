-- Webhooks: where to POST issue events (all projects, or one), signed with the secret.
CREATE TABLE webhooks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    project_id BIGINT REFERENCES projects (id),
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One event for one webhook, until it is delivered or given up. Times in milliseconds.
CREATE TABLE webhook_deliveries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id),
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL,
    delivered_ms BIGINT,
    -- Set when the last attempt failed; `gave_up` once no attempt is left.
    last_error TEXT,
    gave_up BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_ms) WHERE delivered_ms IS NULL AND gave_up = 0;
