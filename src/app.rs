//! `Application::build`: the one wiring of sigil, used by `sigil serve` and by the tests.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer};

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, RevocationConfig, StoreConfig};
use crate::crypto::CryptoError;
use crate::crypto::keys::MasterKey;
use crate::crypto::passwords::PasswordHasher;
use crate::revocation::memory::MemoryRevocationList;
use crate::revocation::redis::RedisRevocationList;
use crate::revocation::{RevocationError, RevocationList};
use crate::services::Services;
use crate::store::StoreError;
use crate::token::keyring::{KeyRing, KeyRingError};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("revocation list: {0}")]
    Revocation(#[from] RevocationError),
    #[error("master key {path}: {source}")]
    MasterKey { path: String, source: CryptoError },
    #[error("signing keys: {0}")]
    Keys(#[from] KeyRingError),
    #[error("password hashing: {0}")]
    Passwords(#[from] CryptoError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

pub struct Application {
    port: u16,
    server: Server,
    services: Arc<Services>,
}

/// How often each instance re-reads the signing keys, so a rotation done elsewhere
/// reaches it without a restart.
const KEY_POLL: Duration = Duration::from_secs(60);

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartupError> {
        let services = Arc::new(services(config, clock).await?);
        let listener =
            TcpListener::bind(services.config.listen).map_err(|source| StartupError::Bind {
                addr: services.config.listen.to_string(),
                source,
            })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                addr: services.config.listen.to_string(),
                source,
            })?
            .port();
        let for_workers = services.clone();
        let https = services.config.is_https();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(crate::http::default_headers(https))
                .wrap(from_fn(crate::http::request_span))
                .configure(crate::http::configure(for_workers.clone()))
        })
        .workers(services.config.workers)
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            addr: services.config.listen.to_string(),
            source,
        })?
        .run();

        let poller = services.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(KEY_POLL).await;
                if let Err(e) = poller.keys.reload(poller.store.as_ref()).await {
                    tracing::warn!(error = %e, "could not reload signing keys");
                }
            }
        });
        Ok(Self {
            port,
            server,
            services,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn services(&self) -> &Arc<Services> {
        &self.services
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Builds the service layer: store (migrated unless told not to), revocation list, keys
/// and the password pool.
pub async fn services(config: Config, clock: Arc<dyn Clock>) -> Result<Services, StartupError> {
    crate::crypto::jwt_provider::install();
    let store = crate::store::open(&config.store, config.db_max_connections).await?;
    if config.auto_migrate {
        store.migrate().await?;
    }
    let revocation: Arc<dyn RevocationList> = match &config.revocation {
        RevocationConfig::Redis { url, prefix } => {
            Arc::new(RedisRevocationList::connect(url, prefix)?)
        }
        RevocationConfig::Memory => Arc::new(MemoryRevocationList::new(clock.clone())),
    };
    let master = MasterKey::load_or_create(&config.master_key_file).map_err(|source| {
        StartupError::MasterKey {
            path: config.master_key_file.display().to_string(),
            source,
        }
    })?;
    let keys = KeyRing::load(store.as_ref(), master, clock.as_ref()).await?;
    let passwords = PasswordHasher::new(
        config.password_hash,
        config.login_concurrency,
        config.login_queue,
    )?;
    match (&config.store, &config.revocation) {
        (StoreConfig::Sqlite { path }, RevocationConfig::Memory) => tracing::info!(
            sqlite = %path.display(),
            "embedded mode: SQLite store and in-process revocation list (single node)"
        ),
        _ => tracing::info!(
            store = match &config.store {
                StoreConfig::Postgres { .. } => "postgres",
                StoreConfig::Sqlite { .. } => "sqlite",
            },
            revocation = revocation.describe(),
            "store and revocation list configured"
        ),
    }
    Ok(Services {
        config,
        clock,
        store,
        revocation,
        keys,
        passwords,
    })
}
