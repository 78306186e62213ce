-- Game servers: what the owner asked for (game, settings, ports, desired state) and what the
-- supervisor last saw (state, exit code, last lines, the process). Times are Unix seconds.
CREATE TABLE servers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    game TEXT NOT NULL,
    -- JSON object of setting name to value, checked against the template.
    settings TEXT NOT NULL,
    memory_mb BIGINT NOT NULL,
    -- JSON object of port name to number, allocated from HEARTH_GAMES_PORTS.
    ports TEXT NOT NULL,
    desired TEXT NOT NULL CHECK (desired IN ('running', 'stopped')),
    state TEXT NOT NULL CHECK (state IN ('starting', 'running', 'stopping', 'stopped', 'crashed')),
    exit_code BIGINT,
    message TEXT NOT NULL DEFAULT '',
    last_lines TEXT NOT NULL DEFAULT '',
    restarts BIGINT NOT NULL DEFAULT 0,
    -- The live process (pid and its start time in clock ticks), to find it after a restart.
    pid BIGINT,
    pid_started BIGINT,
    state_since BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (owner_id, name)
);
CREATE INDEX servers_by_desired ON servers (desired);
