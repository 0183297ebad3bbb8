//! Refreshes that Postgres batches into one statement (`rotations` in the Postgres store)
//! keep their own outcomes: when the statement fails as retryable each runs again alone,
//! and one whose caller is gone before its batch leaves is never sent.
//!
//! Both tests hold the batcher still the same way: every refresh-token row locked from a
//! connection of the test's own, two refreshes sent one after the other, each taking one
//! of the batcher's two statement slots (`SIGIL_DB_MAX_CONNECTIONS` 10 gives it two) and
//! waiting on a lock; whatever comes next queues until the test commits.

use std::time::Duration;

use serde_json::Value;
use sqlx::Row as _;
use tokio::task::JoinHandle;

use crate::helpers::{Backend, TestApp, TestClient, spawn_app};

/// Makes every statement that rotates more than one refresh token at once fail as a
/// serialization failure would, and counts the failures in a sequence (sequences are not
/// rolled back with the statement). A statement rotating one token passes: that is what a
/// retried rotation sends.
const FAIL_BATCHES: &str = "
    CREATE SEQUENCE batch_conflicts;
    CREATE FUNCTION fail_batches() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (SELECT count(*) FROM rotated_now) > 1 THEN
            PERFORM nextval('batch_conflicts');
            RAISE EXCEPTION 'batched rotation refused by the test'
                USING ERRCODE = 'serialization_failure';
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER fail_batches AFTER UPDATE ON refresh_tokens
        REFERENCING NEW TABLE AS rotated_now
        FOR EACH STATEMENT EXECUTE FUNCTION fail_batches();
";

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap().to_owned()
}

/// `count` refresh-token families of one user: one login, then a code each from the same
/// browser session.
async fn families(app: &TestApp, client: &TestClient, count: usize) -> Vec<Value> {
    app.user("alice").await;
    let mut families = vec![app.tokens_for(client, "alice").await];
    while families.len() < count {
        let res = app.get_authorize(&app.authorize_params(client, &[])).await;
        families.push(app.redeem(client, &res).await);
    }
    families
}

/// Sends a refresh of `family`'s token; the task answers its status and body.
fn send(app: &TestApp, client: &TestClient, family: &Value) -> JoinHandle<(u16, Value)> {
    let request = app
        .token(client)
        .grant("refresh_token")
        .param("refresh_token", &s(family, "refresh_token"))
        .build();
    tokio::spawn(async move {
        let res = request.send().await.unwrap();
        (res.status().as_u16(), res.json::<Value>().await.unwrap())
    })
}

/// The batcher held still: both statement slots taken by refreshes of `two` families,
/// waiting on the locks the returned connection holds until it commits.
struct Held {
    locker: sqlx::PgConnection,
    observer: sqlx::PgConnection,
    answers: Vec<JoinHandle<(u16, Value)>>,
}

impl Held {
    async fn hold(app: &TestApp, client: &TestClient, two: &[Value]) -> Self {
        let mut locker = app.postgres().await;
        sqlx::raw_sql("BEGIN; SELECT 1 FROM refresh_tokens FOR UPDATE")
            .execute(&mut locker)
            .await
            .unwrap();
        let mut observer = app.postgres().await;
        let mut answers = Vec::new();
        for (waiters, family) in (1..=2).zip(two) {
            answers.push(send(app, client, family));
            wait_for_lock_waiters(&mut observer, waiters).await;
        }
        Self {
            locker,
            observer,
            answers,
        }
    }

    /// Commits, and gives the held refreshes' answers.
    async fn release(mut self) -> (sqlx::PgConnection, Vec<(u16, Value)>) {
        sqlx::raw_sql("COMMIT")
            .execute(&mut self.locker)
            .await
            .unwrap();
        let mut answers = Vec::new();
        for answer in self.answers {
            answers.push(answer.await.unwrap());
        }
        (self.observer, answers)
    }
}

/// Waits until `count` statements of this database wait on a lock.
async fn wait_for_lock_waiters(observer: &mut sqlx::PgConnection, count: i64) {
    let waiting = "SELECT count(*) FROM pg_stat_activity \
        WHERE datname = current_database() AND wait_event_type = 'Lock'";
    for _ in 0..1000 {
        let row = sqlx::query(waiting)
            .fetch_one(&mut *observer)
            .await
            .unwrap();
        if row.get::<i64, _>(0) >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{count} statements never waited on the test's locks");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_batch_rotates_each_refresh_alone() {
    let app = spawn_app(Backend::Postgres).await;
    let client = app.confidential().await;
    let families = families(&app, &client, 5).await;
    app.execute_sql(FAIL_BATCHES).await;

    let held = Held::hold(&app, &client, &families[..2]).await;
    // Three more queue behind the two, and leave in one batch when a slot frees.
    let queued: Vec<_> = families[2..]
        .iter()
        .map(|f| send(&app, &client, f))
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (mut observer, mut answers) = held.release().await;
    for answer in queued {
        answers.push(answer.await.unwrap());
    }

    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
    }
    let conflicts = sqlx::query("SELECT is_called FROM batch_conflicts")
        .fetch_one(&mut observer)
        .await
        .unwrap();
    assert!(
        conflicts.get::<bool, _>(0),
        "the queued refreshes left in one batch, and it failed"
    );
    // Each refresh was made exactly once: the old tokens are spent, the new ones live,
    // and no family was taken for a replay.
    for (old, (_, new)) in families.iter().zip(&answers) {
        assert!(!app.is_active(&client, &s(old, "refresh_token")).await);
        assert!(app.is_active(&client, &s(new, "access_token")).await);
        let res = app.refresh(&client, &s(new, "refresh_token")).await;
        assert_eq!(res.status(), 200);
    }
}

/// A rotation whose caller is gone before its batch leaves (its future dropped) is never
/// sent: the token it presented is still current afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_abandoned_while_queued_is_never_made() {
    use sigil::domain::ClientId;
    use sigil::store::Successor;
    use sigil::token::opaque::RefreshToken;

    let app = spawn_app(Backend::Postgres).await;
    let client = app.confidential().await;
    let families = families(&app, &client, 3).await;
    let held = Held::hold(&app, &client, &families[..2]).await;

    // The third queues behind them, and is dropped before a slot frees.
    let abandoned = s(&families[2], "refresh_token");
    let presented = RefreshToken::parse(&abandoned).unwrap().hash();
    let now = app.now();
    let successor = Successor {
        token_hash: RefreshToken::generate().unwrap().hash(),
        issued_at: now,
        idle_expires_at: now + 3600,
        absolute_ttl: 86_400,
        access_expires_at: now + 600,
    };
    let store = app.services.store.clone();
    let client_id = ClientId::parse(&client.id).unwrap();
    let rotation = tokio::spawn(async move {
        store
            .refresh_and_rotate(&presented, &client_id, &successor)
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    rotation.abort();
    assert!(rotation.await.unwrap_err().is_cancelled());

    let (_, answers) = held.release().await;
    for (status, body) in answers {
        assert_eq!(status, 200, "{body}");
    }
    // The slot the two freed took the dropped rotation and found nothing to send.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.is_active(&client, &abandoned).await, "never rotated");
    assert_eq!(app.refresh(&client, &abandoned).await.status(), 200);
}
