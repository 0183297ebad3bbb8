//! How a key change reaches every instance: whoever changes the keys announces it on the
//! event bus, every instance re-reads them at once, and every instance also re-reads
//! them each poll interval whatever it hears. On the embedded default the poll is the
//! only path: the CLI is another process on the same file.
//!
//! A lost subscription costs nothing but speed: the poll still runs, and a
//! resubscription is itself a reason to re-read. A lost store is what makes keys stale
//! (see [`super::KeyRing`]).

use std::sync::Arc;

use tokio::sync::Notify;
use tokio::sync::broadcast::error::RecvError;

use crate::events::{Bus, Event, Topic};

/// Tells the other instances that the keys changed, and hears when they did.
#[derive(Clone)]
pub struct Notifier {
    bus: Bus,
}

impl Notifier {
    pub fn new(bus: Bus) -> Self {
        Self { bus }
    }

    /// Announces "the keys changed". Best effort: every instance polls anyway, so a
    /// failure delays the change by one poll interval and is only logged.
    pub async fn keys_changed(&self) {
        self.bus.publish(Topic::Keys, b"changed").await;
    }

    /// Wakes `wake` whenever another instance announces a change, or the subscription
    /// was made again (an announcement may have been missed meanwhile).
    pub fn listen(&self, wake: Arc<Notify>) {
        let Some(mut events) = self.bus.subscribe(Topic::Keys) else {
            return;
        };
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(Event::Connected | Event::Message(_)) | Err(RecvError::Lagged(_)) => {
                        wake.notify_one();
                    }
                    Ok(Event::Disconnected) => {}
                    Err(RecvError::Closed) => return,
                }
            }
        });
    }
}
