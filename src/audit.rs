//! The audit trail's one writer: every key operation and every administrative action
//! records who did what to what, and how it went, in the store.
//!
//! A failed operation is recorded too (its outcome says why), since a refused revocation
//! is as much an event as a done one. Writing the trail never decides an operation: if
//! the store cannot take the event, that is logged and the operation's own result stands.

use crate::clock::UnixTime;
use crate::store::{AuditEvent, AuditStore};

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(String);

impl Actor {
    /// An operator at the command line.
    pub fn cli() -> Self {
        Self("cli".into())
    }

    /// A running instance, acting on its own (a scheduled rotation, an activation).
    pub fn instance(id: &str) -> Self {
        Self(format!("instance:{id}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Records that `actor` did `action` to `subject` at `now`, with `outcome`.
pub async fn record<E: std::fmt::Display>(
    store: &dyn AuditStore,
    actor: &Actor,
    action: &str,
    subject: Option<&str>,
    outcome: Result<(), &E>,
    now: UnixTime,
) {
    // Listed by (time, id): the id leads with nanoseconds, so events of one second list
    // in the order they happened, whichever process wrote them.
    let id = match crate::crypto::random_id() {
        Ok(random) => format!("{:032x}-{random}", crate::clock::ordering_nanos()),
        Err(e) => {
            tracing::error!(error = %e, action, "audit event not recorded");
            return;
        }
    };
    let event = AuditEvent {
        id,
        at: now,
        actor: actor.as_str().to_owned(),
        action: action.to_owned(),
        subject: subject.map(str::to_owned),
        outcome: match outcome {
            Ok(()) => "ok".to_owned(),
            Err(e) => format!("refused: {e}"),
        },
        detail: None,
    };
    if let Err(e) = store.record_audit(&event).await {
        tracing::error!(error = %e, action, "audit event not recorded");
    }
}
