//! `Application::build`: the one wiring of sigil, used by `sigil serve` and by the tests.

mod background;
mod placement;
pub mod tls;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer};

use crate::audit::Actor;
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, RevocationConfig, StoreConfig};
use crate::crypto::CryptoError;
use crate::crypto::master_key::{MasterKey, MasterKeyError};
use crate::crypto::passwords::PasswordHasher;
use crate::events::{Bus, Topic};
use crate::keys::propagation::Notifier;
use crate::keys::{KeyRing, KeysError, Policy};
use crate::limits::Limiter;
use crate::limits::memory::MemoryLimiter;
use crate::limits::mirrored::MirroredLimiter;
use crate::limits::redis::RedisLimiter;
use crate::revocation::memory::MemoryRevocationList;
use crate::revocation::mirrored::MirroredRevocationList;
use crate::revocation::redis::RedisRevocationList;
use crate::revocation::{RevocationError, RevocationList};
use crate::services::Services;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("revocation list: {0}")]
    Revocation(#[from] RevocationError),
    #[error("master key: {0}")]
    MasterKey(#[from] MasterKeyError),
    #[error("signing keys: {0}")]
    Keys(#[from] KeysError),
    #[error("guessing limits: {0}")]
    Limits(String),
    #[error("event bus: {0}")]
    Bus(String),
    #[error("restoring revocations: {0}")]
    Revocations(crate::services::Unavailable),
    #[error("{0}")]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

pub struct Application {
    port: u16,
    server: Server,
    /// The admin listener (`SIGIL_METRICS_LISTEN`) and its port, when configured.
    admin: Option<(u16, Server)>,
    services: Arc<Services>,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartupError> {
        let services = Arc::new(services(config, clock).await?);
        // The view starts from the record: an in-process one is empty at start, and a
        // Redis one may have restarted empty. A Redis that is down now is restored later,
        // by the first request that finds it incomplete.
        if let Err(e) = services.restore_revocations().await {
            match services.config.revocation {
                RevocationConfig::Memory => return Err(StartupError::Revocations(e)),
                RevocationConfig::Redis { .. } => {
                    tracing::warn!(error = %e, "revocation view not restored yet");
                }
            }
        }
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
        let placement =
            placement::Placement::plan(services.config.workers, services.config.pin_workers);
        let server = HttpServer::new(move || {
            // actix calls this on each worker's own thread, as the worker starts.
            if let Some(placement) = &placement {
                placement.pin_this_worker();
            }
            App::new()
                .wrap(crate::http::default_headers(https))
                .wrap(from_fn(crate::http::request_span))
                .configure(crate::http::configure(for_workers.clone()))
        })
        .workers(services.config.workers)
        // A client gets this long for its headers; a body is bounded the same way when it
        // is read. Idle keep-alive connections are closed, and a SIGTERM drains what is in
        // flight for at most ten seconds before the process exits.
        .client_request_timeout(services.config.request_timeout)
        .client_disconnect_timeout(Duration::from_secs(1))
        .keep_alive(Duration::from_secs(30))
        .shutdown_timeout(10);
        let server = match &services.config.tls {
            None => server.listen(listener),
            Some(files) => {
                let resolver = tls::Reloading::new(tls::load(files)?);
                tls::watch(resolver.clone(), files.clone());
                server.listen_rustls_0_23(listener, tls::server_config(resolver)?)
            }
        }
        .map_err(|source| StartupError::Bind {
            addr: services.config.listen.to_string(),
            source,
        })?
        .run();
        let admin = match services.config.metrics_listen {
            Some(addr) => Some(admin_server(&services, addr)?),
            None => None,
        };

        background::follow_keys(services.clone());
        background::follow_clients(services.clone());
        background::follow_revocations(services.clone());
        // Last: everything that listens has subscribed, so none misses the first Connected.
        services.bus.start();
        background::keep_house(services.clone());
        Ok(Self {
            port,
            server,
            admin,
            services,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn services(&self) -> &Arc<Services> {
        &self.services
    }

    /// The admin listener's port, when there is one.
    pub fn admin_port(&self) -> Option<u16> {
        self.admin.as_ref().map(|(port, _)| *port)
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.admin {
            Some((_, admin)) => {
                let (main, admin) = tokio::join!(self.server, admin);
                main.and(admin)
            }
            None => self.server.await,
        }
    }
}

/// The admin listener: /metrics on an address of its own, one worker.
fn admin_server(
    services: &Arc<Services>,
    addr: std::net::SocketAddr,
) -> Result<(u16, Server), StartupError> {
    let bind = |source| StartupError::Bind {
        addr: addr.to_string(),
        source,
    };
    let listener = TcpListener::bind(addr).map_err(bind)?;
    let port = listener.local_addr().map_err(bind)?.port();
    let for_worker = services.clone();
    let server = HttpServer::new(move || {
        App::new().configure(crate::http::configure_admin(for_worker.clone()))
    })
    .workers(1)
    .shutdown_timeout(10)
    .listen(listener)
    .map_err(bind)?
    .run();
    Ok((port, server))
}

/// Builds the service layer: store (migrated unless told not to), revocation list, keys
/// and the password pool.
pub async fn services(config: Config, clock: Arc<dyn Clock>) -> Result<Services, StartupError> {
    crate::crypto::install_providers();
    let store = crate::store::open(&config.store, config.db_max_connections).await?;
    if config.auto_migrate {
        store.migrate().await?;
    }
    let bus = bus(&config.revocation).map_err(|e| StartupError::Bus(e.to_string()))?;
    let revocation: Arc<dyn RevocationList> =
        match (&config.revocation, bus.subscribe(Topic::Revocations)) {
            (
                RevocationConfig::Redis {
                    url,
                    prefix,
                    ca_file,
                },
                Some(events),
            ) => MirroredRevocationList::new(
                RedisRevocationList::connect(url, prefix, ca_file.as_deref())?,
                clock.clone(),
                events,
            ),
            (RevocationConfig::Redis { .. }, None) => {
                return Err(StartupError::Bus("no event bus for the Redis view".into()));
            }
            (RevocationConfig::Memory, _) => Arc::new(MemoryRevocationList::new(clock.clone())),
        };
    let master = MasterKey::load_or_create(&config.master_key_file)?;
    let key_policy = Policy::from_config(&config);
    let instance = Actor::instance(&crate::crypto::random_id()?);
    let keys = KeyRing::load(store.as_ref(), master, &key_policy, &instance, clock.now()).await?;
    let key_changes = Notifier::new(bus.clone());
    let limits: Arc<dyn Limiter> = match (&config.revocation, bus.subscribe(Topic::Limits)) {
        (
            RevocationConfig::Redis {
                url,
                prefix,
                ca_file,
            },
            Some(events),
        ) => MirroredLimiter::new(
            RedisLimiter::connect(url, prefix, ca_file.as_deref())
                .map_err(|e| StartupError::Limits(e.to_string()))?,
            bus.clone(),
            events,
        ),
        (RevocationConfig::Redis { .. }, None) => {
            return Err(StartupError::Bus("no event bus for the limits".into()));
        }
        (RevocationConfig::Memory, _) => Arc::new(MemoryLimiter::default()),
    };
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
        limits,
        keys,
        key_policy,
        key_changes,
        instance,
        passwords,
        restoring: tokio::sync::Mutex::new(()),
        clients: Default::default(),
        bus,
    })
}

/// The event bus of a deployment: Redis when there is one, none on the embedded default.
pub fn bus(config: &RevocationConfig) -> Result<Bus, crate::redis_client::RedisOpenError> {
    match config {
        RevocationConfig::Redis {
            url,
            prefix,
            ca_file,
        } => Bus::redis(url, prefix, ca_file.as_deref()),
        RevocationConfig::Memory => Ok(Bus::none()),
    }
}
