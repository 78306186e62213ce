-- Per-member limits an admin sets; members without a row get the configured defaults.
CREATE TABLE quotas (
    user_id BIGINT PRIMARY KEY,
    max_running BIGINT NOT NULL,
    max_memory_mb BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
