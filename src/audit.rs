//! The audit trail's one writer: security events, each with who did what to what, for
//! which client, from which address, and how it went, kept in the store (and listed by
//! `sigil audit list`): every key operation and administrative action, logins and
//! refused logins, lockouts, refused client authentication, refresh-token reuse,
//! revocations and consent decisions.
//!
//! Token issuance is far too frequent for a table: it goes to the `audit` log target
//! instead ([`issued`]), one structured line per token, and to the metrics.
//!
//! A failed operation is recorded too (its outcome says why), since a refused revocation
//! is as much an event as a done one. Writing the trail never decides an operation: if
//! the store cannot take the event, that is logged and the operation's own result stands.
//! The one exception is a successful login, whose event is written in the transaction
//! that starts its session: a session never exists without its event.

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

    /// A person at the login form or the consent page (who they claim to be is the
    /// event's subject).
    pub fn person() -> Self {
        Self("person".into())
    }

    /// A client at a machine endpoint.
    pub fn client(id: &str) -> Self {
        Self(format!("client:{id}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where an event came from, when a request caused it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    pub client: Option<&'a str>,
    pub address: Option<&'a str>,
}

impl<'a> Context<'a> {
    /// A request's: the client it came for (when known) and the caller's address.
    pub fn request(client: Option<&'a str>, address: &'a str) -> Self {
        Self {
            client,
            address: Some(address),
        }
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
    record_in(
        store,
        actor,
        action,
        subject,
        Context::default(),
        outcome,
        now,
    )
    .await;
}

/// [`record`], with the client and address of the request that caused the event.
pub async fn record_in<E: std::fmt::Display>(
    store: &dyn AuditStore,
    actor: &Actor,
    action: &str,
    subject: Option<&str>,
    context: Context<'_>,
    outcome: Result<(), &E>,
    now: UnixTime,
) {
    let outcome = outcome.map_err(|e| e as &dyn std::fmt::Display);
    let recorded = match event(actor, action, subject, context, outcome, now) {
        Ok(event) => store.record_audit(&event).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = recorded {
        tracing::error!(error = %e, action, "audit event not recorded");
    }
}

/// The event [`record_in`] would record, for a caller that writes it together with what
/// it records (a login, with the session it starts).
pub fn event(
    actor: &Actor,
    action: &str,
    subject: Option<&str>,
    context: Context<'_>,
    outcome: Result<(), &dyn std::fmt::Display>,
    now: UnixTime,
) -> Result<AuditEvent, crate::crypto::CryptoError> {
    // Listed by (time, id): the id leads with nanoseconds, so events of one second list
    // in the order they happened, whichever process wrote them.
    let id = format!(
        "{:032x}-{}",
        crate::clock::ordering_nanos(),
        crate::crypto::random_id()?
    );
    Ok(AuditEvent {
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
        client: context.client.map(str::to_owned),
        address: context.address.map(str::to_owned),
    })
}

/// A token issued: one line on the `audit` log target (JSON with `SIGIL_LOG_FORMAT=json`).
/// The token itself never appears, only what it was issued for.
/// The scope is formatted only when the `audit` target is on: this runs for every token.
pub fn issued(
    client: &str,
    grant_type: &str,
    scope: &crate::domain::Scope,
    address: std::net::IpAddr,
) {
    tracing::info!(
        target: "audit",
        event = "token.issued",
        client_id = client,
        grant_type,
        scope = %scope,
        address = %address,
        "token issued"
    );
}
