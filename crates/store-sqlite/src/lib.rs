//! The embedded store: one SQLite file, for a single node that needs no set-up. Every
//! statement is the shared one (`sigil_store::impl_sql_store!`), checked at build time
//! against the SQLite schema.

#![forbid(unsafe_code)]

use std::path::Path;
use std::time::Duration;

use sigil_domain::{ClientId, UnixTime};
use sigil_store::{
    Digest, NewRefreshToken, Redemption, RefreshRead, SessionStart, StoreError, Successor,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

/// One writer at a time is SQLite's rule; readers beside it are what more connections buy.
const CONNECTIONS: u32 = 4;

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

    /// Opens the database file at `path`, creating it (mode 0600: it holds password
    /// hashes and sealed keys) when absent.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        create_private(path).map_err(|e| {
            StoreError::Unavailable(format!("cannot create {}: {e}", path.display()))
        })?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            // Writers queue on SQLite's lock instead of failing at once.
            .busy_timeout(Duration::from_secs(10));
        // Connections are kept, never recycled (a file needs no rebalancing), and all are
        // opened here, by the caller, one after another (opened at once, on a new file, some
        // failed with "database is locked" as it switched to WAL). Each is a thread of
        // its own; opened later, by a request, it would inherit that request's HTTP worker's
        // CPU, since workers may be pinned to one each.
        let pool = SqlitePoolOptions::new()
            .max_connections(CONNECTIONS)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let mut opened = Vec::with_capacity(CONNECTIONS as usize);
        for _ in 0..CONNECTIONS {
            opened.push(
                pool.acquire()
                    .await
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?,
            );
        }
        drop(opened);
        Ok(Self { pool })
    }

    /// Rotates a refresh token in one transaction: only a current token of a live family
    /// rotates, and of concurrent rotations exactly one sees a row updated; the successor,
    /// the links to it and the grant's access expiry are written only by that one.
    async fn rotate(
        &self,
        spent: &Digest,
        new: &NewRefreshToken,
        now: UnixTime,
        access_expires_at: UnixTime,
        retried: Option<&Digest>,
    ) -> Result<Redemption, StoreError> {
        let mut tx = self.pool.begin().await?;
        let rotated = sqlx::query_file!(
            "../store/sql/grants/rotate_refresh.sql",
            now,
            &spent[..],
            new.grant_id.as_str(),
            &new.token_hash[..],
        )
        .execute(&mut *tx)
        .await?;
        if rotated.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(Redemption::Replayed);
        }
        sqlx::query_file!(
            "../store/sql/grants/insert_refresh.sql",
            &new.token_hash[..],
            new.grant_id.as_str(),
            new.issued_at,
            new.expires_at,
        )
        .execute(&mut *tx)
        .await?;
        if let Some(retried) = retried {
            sqlx::query_file!(
                "../store/sql/grants/set_replaced_by.sql",
                &new.token_hash[..],
                &retried[..],
            )
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query_file!(
            "../store/sql/grants/set_access_expiry.sql",
            access_expires_at,
            new.grant_id.as_str(),
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Redemption::Redeemed)
    }

    /// The common refresh as a read and then a rotation: SQLite is in process, so a
    /// second statement costs no round trip.
    async fn read_and_rotate(
        &self,
        presented: &Digest,
        client: &ClientId,
        successor: &Successor,
    ) -> Result<Option<RefreshRead>, StoreError> {
        sigil_store::read_then_rotate(self, presented, client, successor).await
    }

    /// A login's writes: one transaction, a statement each (in process, so no round trips
    /// to save).
    async fn write_session_start(&self, start: &SessionStart) -> Result<(), StoreError> {
        self.start_session_one_by_one(start).await
    }

    /// SQLite has no SQLSTATE; its message is the only sign of a missing table.
    fn is_undefined_table(e: &dyn sqlx::error::DatabaseError) -> bool {
        e.message().starts_with("no such table")
    }
}

/// Creates an empty file readable by its owner only, unless one is there. SQLite gives
/// its WAL and shared-memory files the database file's permissions.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

sigil_store::impl_sql_store!(SqliteStore, sqlx::Sqlite);
