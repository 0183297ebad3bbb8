//! What instances tell each other: one Redis pub/sub subscription per instance, carrying
//! every topic (key changes, client changes, revocations, guessing limits), and a way to
//! publish on them. On the embedded default there is no bus: one process, and the CLI
//! reaches it through the store's polls.
//!
//! Pub/sub delivers at most once. So a subscriber also hears [`Event::Connected`] each
//! time the subscription is made (again), and [`Event::Disconnected`] when it ends:
//! whatever was published in between is lost, and a subscriber that keeps state from
//! messages must treat it as unknown until it has caught up by other means. A receiver
//! that falls behind the local buffer is told so ([`tokio::sync::broadcast`]'s `Lagged`),
//! which it must treat the same way.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::sync::broadcast;

/// What a message is about; each topic is one Redis channel, `<prefix><name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    Keys,
    Clients,
    Revocations,
    Limits,
}

impl Topic {
    const ALL: [Topic; 4] = [Self::Keys, Self::Clients, Self::Revocations, Self::Limits];

    pub fn name(self) -> &'static str {
        match self {
            Self::Keys => "keys",
            Self::Clients => "clients",
            Self::Revocations => "revocations",
            Self::Limits => "limits",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Subscribed (again): anything published before now may have been missed.
    Connected,
    /// The subscription ended; it is being made again.
    Disconnected,
    Message(Arc<[u8]>),
}

/// The Redis channel of `topic` for the deployment whose keys start with `prefix`.
pub fn channel(prefix: &str, topic: Topic) -> String {
    format!("{prefix}{}", topic.name())
}

/// How many messages a slow receiver may fall behind before it is told it lagged.
const BUFFER: usize = 4096;

#[derive(Clone, Default)]
pub struct Bus {
    redis: Option<Arc<Shared>>,
}

struct Shared {
    client: redis::Client,
    prefix: String,
    topics: HashMap<Topic, broadcast::Sender<Event>>,
    /// One connection for every publish, made on first use and remade by the manager
    /// after a failure: a connection per message would cost a handshake each (and, under
    /// a guessing flood, one per refused attempt).
    publisher: tokio::sync::OnceCell<redis::aio::ConnectionManager>,
}

impl Bus {
    /// A bus over the Redis at `url`, namespaced by `prefix`. Connects lazily: nothing
    /// happens until [`Bus::start`].
    pub fn redis(
        url: &str,
        prefix: &str,
        ca_file: Option<&std::path::Path>,
    ) -> Result<Self, crate::redis_client::RedisOpenError> {
        let client = crate::redis_client::open(url, ca_file)?;
        let topics = Topic::ALL
            .into_iter()
            .map(|t| (t, broadcast::channel(BUFFER).0))
            .collect();
        Ok(Self {
            redis: Some(Arc::new(Shared {
                client,
                prefix: prefix.to_owned(),
                topics,
                publisher: tokio::sync::OnceCell::new(),
            })),
        })
    }

    /// No bus: the embedded default.
    pub fn none() -> Self {
        Self::default()
    }

    /// Events of `topic`, from now on; `None` without a bus.
    pub fn subscribe(&self, topic: Topic) -> Option<broadcast::Receiver<Event>> {
        self.redis
            .as_ref()
            .and_then(|s| s.topics.get(&topic))
            .map(broadcast::Sender::subscribe)
    }

    /// Publishes `payload` on `topic`, best effort: a failure is logged, and whoever
    /// relies on the message has another way to learn it (a poll).
    pub async fn publish(&self, topic: Topic, payload: &[u8]) {
        let Some(shared) = &self.redis else {
            return;
        };
        let channel = channel(&shared.prefix, topic);
        let published = async {
            let mut conn = shared
                .publisher
                .get_or_try_init(|| shared.client.get_connection_manager())
                .await?
                .clone();
            redis::cmd("PUBLISH")
                .arg(channel)
                .arg(payload)
                .query_async::<i64>(&mut conn)
                .await
        };
        match tokio::time::timeout(Duration::from_secs(2), published).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, topic = topic.name(), "could not publish"),
            Err(_) => tracing::warn!(topic = topic.name(), "publishing timed out"),
        }
    }

    /// Keeps the subscription for as long as the process runs, making it again after any
    /// failure.
    pub fn start(&self) {
        let Some(shared) = self.redis.clone() else {
            return;
        };
        tokio::spawn(async move {
            let by_channel: HashMap<String, Topic> = Topic::ALL
                .into_iter()
                .map(|t| (channel(&shared.prefix, t), t))
                .collect();
            let tell = |event: Event| {
                for sender in shared.topics.values() {
                    let _ = sender.send(event.clone());
                }
            };
            loop {
                match shared.client.get_async_pubsub().await {
                    Ok(mut pubsub) => {
                        let channels: Vec<&String> = by_channel.keys().collect();
                        if let Err(e) = pubsub.subscribe(channels).await {
                            tracing::warn!(error = %e, "could not subscribe to the event bus");
                        } else {
                            tell(Event::Connected);
                            let mut messages = pubsub.into_on_message();
                            while let Some(message) = messages.next().await {
                                let topic = by_channel.get(message.get_channel_name());
                                if let Some(sender) = topic.and_then(|t| shared.topics.get(t)) {
                                    let payload: Arc<[u8]> = message.get_payload_bytes().into();
                                    let _ = sender.send(Event::Message(payload));
                                }
                            }
                            tell(Event::Disconnected);
                            tracing::warn!("event bus subscription ended; subscribing again");
                        }
                    }
                    Err(e) => tracing::debug!(error = %e, "event bus unavailable"),
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        });
    }
}
