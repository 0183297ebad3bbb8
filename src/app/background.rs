//! The instance's own work beside requests: keeping its keys and its revocation view
//! level with the store, and housekeeping.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;

use crate::events::Topic;
use crate::services::{Services, Unavailable};

/// Purges expired rows every housekeeping interval; of all instances, the one that claims
/// a round does it.
pub fn keep_house(services: Arc<Services>) {
    let interval = services.config.housekeeping_interval;
    tokio::spawn(async move {
        loop {
            let s = &services;
            let now = s.clock.now();
            match crate::housekeeping::round(
                s.store.as_ref(),
                now,
                interval,
                crate::housekeeping::Keep {
                    skew: s.config.revocation_skew,
                    audit: s.config.audit_retention,
                },
            )
            .await
            {
                Ok(Some(round)) => tracing::info!(deleted = ?round.deleted, "housekeeping round"),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "housekeeping round failed"),
            }
            tokio::time::sleep(interval).await;
        }
    });
}

/// Keeps the revocation view level with the record, every key-poll interval. On the
/// embedded default a view behind the record missed what another process (the CLI)
/// recorded; on Redis, one behind went back in time (a failover to a lagging replica, a
/// restart from an old snapshot) or is about to receive a write in flight. Either way,
/// once it is still behind after a moment's grace, it is restored from the record.
pub fn follow_revocations(services: Arc<Services>) {
    let interval = Duration::from_millis(services.config.keys.poll_ms);
    // A writer records first and writes the view a moment later: that is not a gap.
    let grace = Duration::from_millis(200).min(interval / 2);
    let behind = services.revocation.behind_signal();
    tokio::spawn(async move {
        let mut failing = false;
        loop {
            match &behind {
                Some(behind) => tokio::select! {
                    () = tokio::time::sleep(interval) => {}
                    () = behind.notified() => {}
                },
                None => tokio::time::sleep(interval).await,
            }
            match level_revocations(&services, grace).await {
                Ok(restored) => {
                    if failing || restored {
                        tracing::info!(restored, "revocation view level with the record");
                    }
                    failing = false;
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "could not follow the revocation record");
                        failing = true;
                    }
                }
            }
        }
    });
}

/// Keeps the client cache current: every copy goes when the bus says a client changed, or
/// may have missed saying so, and when the store's change number for clients moved (every
/// key-poll interval: the path on the embedded default, the fallback elsewhere).
pub fn follow_clients(services: Arc<Services>) {
    if let Some(mut events) = services.bus.subscribe(Topic::Clients) {
        let s = services.clone();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(_) | Err(RecvError::Lagged(_)) => s.clients.invalidate_all(),
                    Err(RecvError::Closed) => return,
                }
            }
        });
    }
    let interval = Duration::from_millis(services.config.keys.poll_ms);
    tokio::spawn(async move {
        loop {
            match services.store.clients_changed().await {
                Ok(seq) => services.clients.store_changed(seq),
                Err(e) => tracing::debug!(error = %e, "could not poll for client changes"),
            }
            tokio::time::sleep(interval).await;
        }
    });
}

/// Restores the view if it is behind the record, and stays so past `grace`: whether it did.
async fn level_revocations(s: &Services, grace: Duration) -> Result<bool, Unavailable> {
    let recorded = s.store.revocation_seq().await?;
    if s.revocation.holds(recorded).await? {
        return Ok(false);
    }
    tokio::time::sleep(grace).await;
    if s.revocation.holds(recorded).await? {
        return Ok(false);
    }
    s.restore_revocations().await?;
    Ok(true)
}

/// Keeps this instance's keys current: a refresh every poll interval, and at once when
/// another instance announces a change. A change this instance makes (an activation, a
/// scheduled rotation) is announced in turn.
pub fn follow_keys(services: Arc<Services>) {
    let wake = Arc::new(tokio::sync::Notify::new());
    services.key_changes.listen(wake.clone());
    let interval = Duration::from_millis(services.config.keys.poll_ms);
    tokio::spawn(async move {
        let mut failing = false;
        loop {
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                () = wake.notified() => {}
            }
            let s = &services;
            match s
                .keys
                .refresh(s.store.as_ref(), &s.key_policy, &s.instance, s.clock.now())
                .await
            {
                Ok(changed) => {
                    if failing {
                        tracing::info!("signing keys refreshed again");
                        failing = false;
                    }
                    if changed {
                        s.key_changes.keys_changed().await;
                    }
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "could not refresh the signing keys");
                        failing = true;
                    }
                }
            }
        }
    });
}
