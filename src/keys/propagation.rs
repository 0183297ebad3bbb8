//! How a key change reaches every instance: whoever changes the keys publishes a message
//! on Redis (`<prefix>keys`), every instance subscribed re-reads them at once, and every
//! instance also re-reads them each poll interval whatever it hears. On the embedded
//! default the poll is the only path: the CLI is another process on the same file.
//!
//! A lost subscription costs nothing but speed: the poll still runs, and the
//! subscriber reconnects. A lost store is what makes keys stale (see [`super::KeyRing`]).

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::sync::Notify;

use crate::config::RevocationConfig;

fn channel(prefix: &str) -> String {
    format!("{prefix}keys")
}

/// Tells the other instances that the keys changed.
#[derive(Clone)]
pub struct Notifier {
    redis: Option<(redis::Client, String)>,
}

impl Notifier {
    /// A notifier for the deployment `config` describes: Redis when there is one, none on
    /// the embedded default (where polling is the path).
    pub fn new(config: &RevocationConfig) -> Self {
        let redis = match config {
            RevocationConfig::Redis {
                url,
                prefix,
                ca_file,
            } => crate::redis_client::open(url, ca_file.as_deref())
                .ok()
                .map(|client| (client, channel(prefix))),
            RevocationConfig::Memory => None,
        };
        Self { redis }
    }

    /// Publishes "the keys changed". Best effort: every instance polls anyway, so a
    /// failure delays the change by one poll interval and is only logged.
    pub async fn keys_changed(&self) {
        let Some((client, channel)) = &self.redis else {
            return;
        };
        let published = async {
            let mut conn = client.get_multiplexed_async_connection().await?;
            redis::cmd("PUBLISH")
                .arg(channel)
                .arg("changed")
                .query_async::<i64>(&mut conn)
                .await
        };
        match tokio::time::timeout(Duration::from_secs(2), published).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not announce a key change"),
            Err(_) => tracing::warn!("announcing a key change timed out"),
        }
    }

    /// Wakes `wake` whenever another instance announces a change, for as long as the
    /// process runs, reconnecting after any failure.
    pub fn listen(&self, wake: Arc<Notify>) {
        let Some((client, channel)) = self.redis.clone() else {
            return;
        };
        tokio::spawn(async move {
            loop {
                match client.get_async_pubsub().await {
                    Ok(mut pubsub) => {
                        if let Err(e) = pubsub.subscribe(&channel).await {
                            tracing::warn!(error = %e, "could not subscribe to key changes");
                        } else {
                            // A message may have been missed while not subscribed.
                            wake.notify_one();
                            let mut messages = pubsub.into_on_message();
                            while messages.next().await.is_some() {
                                wake.notify_one();
                            }
                            tracing::warn!("key-change subscription ended; reconnecting");
                        }
                    }
                    Err(e) => tracing::debug!(error = %e, "key-change subscription unavailable"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}
