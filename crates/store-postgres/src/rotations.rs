//! Refresh rotations, batched: the refreshes that arrive while earlier ones are at the
//! database go together in the next statement (`sql/refresh_and_rotate_many.sql`).
//!
//! Why: a rotation is a read, an update, an insert and a commit, and on Postgres the fixed
//! cost of a statement and of its commit (the WAL flush) outweighs the rows it touches.
//! Measured with pgbench on the benchmark machine, one rotation per statement peaked at
//! 5 600/s; sixteen per statement, at 22 000/s. Under a refresh storm, Postgres was the
//! limit at one core busy.
//!
//! How, without a timer: one task takes a free slot (at most `in_flight` statements run at
//! once), waits for the next rotation, and sends it with every other one already queued, up
//! to [`MAX_BATCH`]. A lone refresh goes out at once, alone, so batching adds no latency;
//! under load, rotations queue while the slots are busy and leave together.
//!
//! Each rotation keeps its own answer and its own atomicity: the statement rotates each
//! token only when it is current, as one rotation would, and says per element whether it
//! did. A rotation whose caller has gone before its batch left (its future dropped, as
//! when a shutdown cuts a request short) is dropped unsent, so it spends nothing. A client
//! that hangs up does not drop it: actix-web runs the handler to its end, and that client
//! retries with the same token within the refresh retry window.
//!
//! Failure cases:
//! - The statement fails: every rotation in it gets the error (503 for an unreachable
//!   database), and since the statement wrote nothing, every token still works afterwards.
//! - A deadlock or serialization failure (a token presented to two batches at once, on
//!   this instance or another, while a third statement holds the other row): the batch
//!   wrote nothing, and each of its rotations runs again as a statement of its own, so one
//!   replayed token never fails its batch-mates' refreshes.
//! - The task is gone (its runtime stopped): each rotation not yet queued runs as a
//!   statement of its own; one queued and never answered fails as for a lost connection.

use std::sync::Arc;

use sigil_domain::ClientId;
use sigil_store::rows::RefreshRow;
use sigil_store::{Digest, RefreshRead, RefreshRecord, StoreError, Successor};
use sqlx::postgres::PgPool;
use tokio::sync::{Semaphore, mpsc, oneshot};

/// Statements in flight at once. Fewer slots make larger batches (fewer statements and
/// commits for Postgres to run); more let one slow batch not hold up the rest. Measured on
/// the benchmark machine, refreshes per second at 16 / 64 connections: 5.2 k / 7.9 k with
/// one slot, 4.6 k / 8.1 k with two, 4.1 k / 7.2 k with five. Two keeps a stuck batch (a
/// lock wait) from stalling every refresh of the instance, at little cost.
pub const IN_FLIGHT: usize = 2;

/// The most rotations one statement carries.
pub const MAX_BATCH: usize = 64;

/// Rotations waiting for a slot; a caller beyond them waits to queue.
const QUEUE: usize = 4096;

type Answer = Result<Option<RefreshRead>, StoreError>;

/// One refresh waiting for its batch.
struct Rotation {
    presented: Digest,
    client: ClientId,
    successor: Successor,
    reply: oneshot::Sender<Answer>,
}

/// The handle the store keeps: queues rotations for the task that sends them.
pub struct Batcher {
    queue: mpsc::Sender<Rotation>,
}

impl Batcher {
    /// Starts the task on `runtime`, sending at most `in_flight` statements at once.
    pub fn start(runtime: &tokio::runtime::Handle, pool: PgPool, in_flight: usize) -> Self {
        let (queue, rotations) = mpsc::channel(QUEUE);
        runtime.spawn(send_batches(rotations, pool, in_flight.max(1)));
        Self { queue }
    }

    /// Rotates through the next batch; `None` when the task is gone before the rotation
    /// was queued, and the caller must run it itself. A rotation queued and then never
    /// answered (the runtime stopped meanwhile) may or may not have been made, so it is
    /// never run twice: it fails, as a lost connection would.
    pub async fn rotate(
        &self,
        presented: &Digest,
        client: &ClientId,
        successor: &Successor,
    ) -> Option<Answer> {
        let (reply, answer) = oneshot::channel();
        let rotation = Rotation {
            presented: *presented,
            client: client.clone(),
            successor: successor.clone(),
            reply,
        };
        self.queue.send(rotation).await.ok()?;
        Some(answer.await.unwrap_or_else(|_| {
            Err(StoreError::Unavailable(
                "the refresh batch was abandoned".into(),
            ))
        }))
    }
}

async fn send_batches(mut rotations: mpsc::Receiver<Rotation>, pool: PgPool, in_flight: usize) {
    let slots = Arc::new(Semaphore::new(in_flight));
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let Some(first) = rotations.recv().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rotations.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        batch.retain(|r| !r.reply.is_closed());
        if batch.is_empty() {
            continue;
        }
        let pool = pool.clone();
        tokio::spawn(async move {
            answer(&pool, batch).await;
            drop(slot);
        });
    }
}

/// Runs one batch and hands each rotation its answer.
async fn answer(pool: &PgPool, batch: Vec<Rotation>) {
    let requests: Vec<_> = batch
        .iter()
        .map(|r| (&r.presented, &r.client, &r.successor))
        .collect();
    match rotate_many(pool, &requests).await {
        Ok(answers) => {
            for (rotation, answer) in batch.into_iter().zip(answers) {
                // The caller may have gone meanwhile; its rotation stands either way.
                let _ = rotation.reply.send(answer);
            }
        }
        Err(e) if batch.len() > 1 && is_retryable(&e) => {
            tracing::debug!(error = %e, size = batch.len(), "a refresh batch conflicted; rotating one by one");
            for rotation in batch {
                let answer = rotate_one(
                    pool,
                    &rotation.presented,
                    &rotation.client,
                    &rotation.successor,
                )
                .await;
                let _ = rotation.reply.send(answer);
            }
        }
        Err(e) => {
            let e = StoreError::from(e);
            for rotation in batch {
                let _ = rotation.reply.send(Err(e.clone()));
            }
        }
    }
}

/// One rotation as a statement of its own: the same statement, with one element.
pub async fn rotate_one(
    pool: &PgPool,
    presented: &Digest,
    client: &ClientId,
    successor: &Successor,
) -> Answer {
    let mut answers = rotate_many(pool, &[(presented, client, successor)]).await?;
    answers.pop().unwrap_or(Ok(None))
}

/// SQLSTATE 40P01 (deadlock_detected) or 40001 (serialization_failure): the statement was
/// rolled back whole and may simply run again.
fn is_retryable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("40P01" | "40001")),
        _ => false,
    }
}

/// The statement for `requests`, and an answer for each, in order: `Ok(None)` for a token
/// not found, `Corrupt` for one whose family does not parse.
async fn rotate_many(
    pool: &PgPool,
    requests: &[(&Digest, &ClientId, &Successor)],
) -> Result<Vec<Answer>, sqlx::Error> {
    let presented: Vec<&[u8]> = requests.iter().map(|(p, _, _)| &p[..]).collect();
    let clients: Vec<&str> = requests.iter().map(|(_, c, _)| c.as_str()).collect();
    let successors: Vec<&[u8]> = requests.iter().map(|(_, _, s)| &s.token_hash[..]).collect();
    let at: Vec<i64> = requests.iter().map(|(_, _, s)| s.issued_at).collect();
    let idle: Vec<i64> = requests.iter().map(|(_, _, s)| s.idle_expires_at).collect();
    let absolute: Vec<i64> = requests.iter().map(|(_, _, s)| s.absolute_ttl).collect();
    let access: Vec<i64> = requests
        .iter()
        .map(|(_, _, s)| s.access_expires_at)
        .collect();
    let rows = sqlx::query_file!(
        "sql/refresh_and_rotate_many.sql",
        &presented[..] as &[&[u8]],
        &clients[..] as &[&str],
        &successors[..] as &[&[u8]],
        &at[..],
        &idle[..],
        &absolute[..],
        &access[..],
    )
    .fetch_all(pool)
    .await?;
    let mut answers: Vec<Answer> = requests.iter().map(|_| Ok(None)).collect();
    for r in rows {
        // Ordinals count from 1. A row that names no element, or another token than its
        // element's, would hand a client someone else's family: never trusted.
        let Some(i) = usize::try_from(r.n).ok().and_then(|n| n.checked_sub(1)) else {
            continue;
        };
        let (Some(slot), Some((wanted, _, _))) = (answers.get_mut(i), requests.get(i)) else {
            continue;
        };
        let rotated = r.rotated;
        *slot = RefreshRecord::try_from(RefreshRow {
            token_hash: r.token_hash,
            issued_at: r.issued_at,
            expires_at: r.expires_at,
            rotated_at: r.rotated_at,
            replaced_by: r.replaced_by,
            grant_id: r.grant_id,
            client_id: r.client_id,
            user_id: r.user_id,
            scope: r.scope,
            auth_time: r.auth_time,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
            access_expires_at: r.access_expires_at,
            user_active: r.user_active,
        })
        .and_then(|record| {
            if record.token_hash == **wanted {
                Ok(Some(RefreshRead { record, rotated }))
            } else {
                Err(StoreError::Corrupt(
                    "a batched refresh answered another token".into(),
                ))
            }
        });
    }
    Ok(answers)
}
