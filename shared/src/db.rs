//! The database pool and migration runner for both backends. Services write one SQL dialect
//! (`$1` placeholders, integers for times and flags) through `sqlx::Any`, and keep per-backend
//! migration folders where the DDL must differ.

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Connection as _, Executor, Transaction};

/// Which engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a URL names.
    ///
    /// # Errors
    /// A URL of neither `sqlite:` nor `postgres:`/`postgresql:`.
    pub fn of_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite: or postgres:, not {url:?}")
        }
    }
}

/// A transaction that will write. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`, waiting out the busy timeout): a plain `BEGIN` that reads and then writes fails
/// at once with `SQLITE_BUSY_SNAPSHOT` (code 517) when another connection wrote in between
/// (a background worker, another request). PostgreSQL's `BEGIN` already waits.
///
/// # Errors
/// The transaction cannot be begun.
pub async fn begin_write(pool: &AnyPool) -> sqlx::Result<Transaction<'static, Any>> {
    let sqlite = pool.connect_options().database_url.scheme() == "sqlite";
    pool.begin_with(if sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" }).await
}

/// The migrations of one service, one set per backend.
pub struct Migrations {
    pub sqlite: &'static Migrator,
    pub postgres: &'static Migrator,
}

/// The calling crate's `migrations/sqlite` and `migrations/postgres`, embedded at compile
/// time: `pub static MIGRATIONS: Migrations = hearth_shared::migrations!();`
#[macro_export]
macro_rules! migrations {
    () => {{
        static SQLITE: ::sqlx::migrate::Migrator = ::sqlx::migrate!("./migrations/sqlite");
        static POSTGRES: ::sqlx::migrate::Migrator = ::sqlx::migrate!("./migrations/postgres");
        $crate::db::Migrations { sqlite: &SQLITE, postgres: &POSTGRES }
    }};
}

/// A service's database: a pool plus which backend it is.
#[derive(Clone, Debug)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
}

impl Database {
    /// Connects, creating the SQLite file and its folder when needed, and applies migrations.
    ///
    /// On PostgreSQL every service keeps its tables in a schema named after it (`schema`), so
    /// services can share one database (the all-in-one process) or each have their own.
    ///
    /// # Errors
    /// Unreachable database, bad URL, or a migration that fails.
    pub async fn connect(url: &str, schema: &'static str, migrations: &Migrations) -> anyhow::Result<Self> {
        Self::connect_and_migrate(url, schema, migrations)
            .await
            .with_context(|| format!("the database at {}", without_password(url)))
    }

    async fn connect_and_migrate(url: &str, schema: &'static str, migrations: &Migrations) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let options: AnyConnectOptions = url.parse()?;
        match backend {
            Backend::Sqlite => create_sqlite_folder(url)?,
            Backend::Postgres => {
                let mut conn = sqlx::AnyConnection::connect_with(&options).await?;
                conn.execute(format!("CREATE SCHEMA IF NOT EXISTS {schema}").as_str()).await?;
                conn.close().await?;
            }
        }
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 10 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
                                 PRAGMA mmap_size = 268435456;",
                            )
                            .await?;
                        }
                        Backend::Postgres => {
                            conn.execute(format!("SET search_path TO {schema}").as_str()).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let migrator = match backend {
            Backend::Sqlite => migrations.sqlite,
            Backend::Postgres => migrations.postgres,
        };
        migrator.run(&pool).await?;
        Ok(Self { pool, backend })
    }

    #[must_use]
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// True when the database answers a trivial query (for `/readyz`).
    pub async fn is_ready(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// A database URL fit for logs and pages: its password, if any, replaced by `***`.
fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => "DATABASE_URL (not a URL)".to_owned(),
    }
}

fn create_sqlite_folder(url: &str) -> anyhow::Result<()> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:").split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", parent.display()))?;
    }
    Ok(())
}

/// Seconds since the Unix epoch: how every service stores times, the same on both backends.
#[must_use]
pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn a_database_url_is_shown_without_its_password() {
        assert_eq!(
            without_password("postgres://hearth:s3cret@postgres:5432/hearth"),
            "postgres://hearth:***@postgres:5432/hearth"
        );
        assert_eq!(without_password("sqlite://data/photos.db?mode=rwc"), "sqlite://data/photos.db?mode=rwc");
        assert_eq!(without_password("postgres:// bad"), "DATABASE_URL (not a URL)");
    }
}
