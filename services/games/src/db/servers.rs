//! The `servers` table.

use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct ServerRow {
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
    pub game: String,
    pub settings: String,
    pub memory_mb: i64,
    pub ports: String,
    pub desired: String,
    pub state: String,
    pub exit_code: Option<i64>,
    pub message: String,
    pub last_lines: String,
    pub restarts: i64,
    pub pid: Option<i64>,
    pub pid_started: Option<i64>,
    pub state_since: i64,
    pub created_at: i64,
    pub idle_stop_minutes: i64,
    pub backup_every_hours: i64,
    /// The user id its game runs as, once given.
    pub uid: Option<i64>,
}

const COLUMNS: &str = "id, owner_id, name, game, settings, memory_mb, ports, desired, state, exit_code, message, \
    last_lines, restarts, pid, pid_started, state_since, created_at, idle_stop_minutes, backup_every_hours, uid";

/// What a new server is made of.
pub struct NewServer<'a> {
    pub owner_id: i64,
    pub name: &'a str,
    pub game: &'a str,
    pub settings: &'a str,
    pub memory_mb: i64,
    pub ports: &'a str,
    pub idle_stop_minutes: i64,
    pub uid: Option<i64>,
}

pub async fn insert(pool: &AnyPool, server: &NewServer<'_>, now: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO servers (owner_id, name, game, settings, memory_mb, ports, desired, state, state_since, created_at, \
         idle_stop_minutes, uid) VALUES ($1, $2, $3, $4, $5, $6, 'running', 'stopped', $7, $7, $8, $9) RETURNING id",
    )
    .bind(server.owner_id)
    .bind(server.name)
    .bind(server.game)
    .bind(server.settings)
    .bind(server.memory_mb)
    .bind(server.ports)
    .bind(now)
    .bind(server.idle_stop_minutes)
    .bind(server.uid)
    .fetch_one(pool)
    .await
}

pub async fn by_id(pool: &AnyPool, id: i64) -> sqlx::Result<Option<ServerRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM servers WHERE id = $1")).bind(id).fetch_optional(pool).await
}

/// Every server (for an admin, or `owner` alone), newest first.
pub async fn list(pool: &AnyPool, owner: Option<i64>) -> sqlx::Result<Vec<ServerRow>> {
    match owner {
        Some(owner) => {
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM servers WHERE owner_id = $1 ORDER BY id DESC"))
                .bind(owner)
                .fetch_all(pool)
                .await
        }
        None => sqlx::query_as(&format!("SELECT {COLUMNS} FROM servers ORDER BY id DESC")).fetch_all(pool).await,
    }
}

/// The user ids servers hold, for the allocator.
pub async fn all_uids(pool: &AnyPool) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT uid FROM servers WHERE uid IS NOT NULL").fetch_all(pool).await
}

pub async fn set_uid(pool: &AnyPool, id: i64, uid: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE servers SET uid = $2 WHERE id = $1").bind(id).bind(uid).execute(pool).await?;
    Ok(())
}

/// A server's ports (a JSON object of name to number).
pub async fn set_ports(pool: &AnyPool, id: i64, ports: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE servers SET ports = $2 WHERE id = $1").bind(id).bind(ports).execute(pool).await?;
    Ok(())
}

/// The ports every server holds (JSON objects), for the allocator.
pub async fn all_ports(pool: &AnyPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT ports FROM servers").fetch_all(pool).await
}

pub async fn name_taken(pool: &AnyPool, owner_id: i64, name: &str) -> sqlx::Result<bool> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM servers WHERE owner_id = $1 AND name = $2")
        .bind(owner_id)
        .bind(name)
        .fetch_one(pool)
        .await?;
    Ok(count > 0)
}

pub async fn set_desired(pool: &AnyPool, id: i64, desired: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE servers SET desired = $2 WHERE id = $1").bind(id).bind(desired).execute(pool).await?;
    Ok(())
}

/// Wanted running, and holding room in its owner's quota from now (a crashed server holds
/// none, so it is `stopped` until it starts).
pub async fn claim_start(pool: &AnyPool, id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE servers SET desired = 'running', state_since = CASE WHEN state = 'crashed' THEN $2 ELSE state_since END, \
         state = CASE WHEN state = 'crashed' THEN 'stopped' ELSE state END WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// A new state; `message` is kept only for `crashed` (cleared otherwise).
pub async fn set_state(pool: &AnyPool, id: i64, state: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE servers SET state = $2, state_since = $3 WHERE id = $1 AND state <> $2")
        .bind(id)
        .bind(state)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

/// Spawned: the process to find again after a restart of the manager.
pub async fn set_started(pool: &AnyPool, id: i64, pid: i64, pid_started: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE servers SET state = 'starting', state_since = $4, pid = $2, pid_started = $3, exit_code = NULL, \
         message = '' WHERE id = $1",
    )
    .bind(id)
    .bind(pid)
    .bind(pid_started)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Ended: stopped or crashed, with how and the last lines.
pub async fn set_ended(
    pool: &AnyPool,
    id: i64,
    state: &str,
    exit_code: Option<i64>,
    message: &str,
    last_lines: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE servers SET state = $2, exit_code = $3, message = $4, last_lines = $5, state_since = $6, \
         pid = NULL, pid_started = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(exit_code)
    .bind(message)
    .bind(last_lines)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn set_restarts(pool: &AnyPool, id: i64, restarts: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE servers SET restarts = $2 WHERE id = $1").bind(id).bind(restarts).execute(pool).await?;
    Ok(())
}

pub async fn delete(pool: &AnyPool, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM servers WHERE id = $1").bind(id).execute(pool).await?;
    Ok(())
}

/// Ready: `running`, unless it is already being stopped.
pub async fn mark_running(pool: &AnyPool, id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE servers SET state = 'running', state_since = $2 WHERE id = $1 AND state = 'starting'")
        .bind(id)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

/// Sets how often the server is backed up (0: only by hand).
pub async fn set_backup_schedule(pool: &AnyPool, id: i64, every_hours: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE servers SET backup_every_hours = $2 WHERE id = $1")
        .bind(id)
        .bind(every_hours)
        .execute(pool)
        .await?;
    Ok(())
}

/// The servers with a backup schedule.
pub async fn with_backup_schedule(pool: &AnyPool) -> sqlx::Result<Vec<ServerRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM servers WHERE backup_every_hours > 0")).fetch_all(pool).await
}
