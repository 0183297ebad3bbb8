//! `sigil keys …`: the signing-key lifecycle from the command line. Each command works
//! the same on the embedded store and on Postgres, changes nothing when it fails, leaves
//! an audit event, and tells running instances (Redis pub/sub; they poll as well).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use serde_json::json;

use super::{open_store, print, revocation_view};
use crate::audit::Actor;
use crate::clock::{Clock as _, SystemClock};
use crate::config::Config;
use crate::crypto::master_key::MasterKey;
use crate::domain::SigningAlg;
use crate::keys::propagation::Notifier;
use crate::keys::{self, Policy};
use crate::store::{SigningKeyRecord, Store};

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List every key: kid, algorithm, state and the time of each transition.
    List(super::JsonFlag),
    /// Make a new key: pending, then signing after the publish-ahead interval (the key it
    /// replaces retires then). With --now, it signs at once.
    Rotate {
        /// ES256 (the default) or EdDSA; RSA keys are imported instead.
        #[arg(long, default_value = "ES256")]
        alg: String,
        /// Switch at once (emergencies): the pending key if there is one, else a new key.
        #[arg(long)]
        now: bool,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key: gone from JWKS at once, every token it signed inactive everywhere.
    Revoke {
        kid: String,
        /// Revoke even the active key, after making a new active key.
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
    /// Re-encrypt every private key under a new master key, in one transaction. Created
    /// (mode 0600) when the file does not exist. Afterwards sigil starts with it only.
    Rewrap {
        #[arg(long)]
        new_master_key_file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Import an RSA key (PEM PKCS#8, e.g. from `openssl genpkey`), pending like a
    /// rotation, or signing at once with --now.
    Import(ImportKey),
}

#[derive(Debug, Args)]
pub struct ImportKey {
    /// RS256 or PS256.
    #[arg(long)]
    pub alg: String,
    #[arg(long)]
    pub pem: PathBuf,
    #[arg(long)]
    pub now: bool,
    #[arg(long)]
    pub json: bool,
}

fn alg_of(raw: &str) -> anyhow::Result<SigningAlg> {
    SigningAlg::parse(raw)
        .map_err(|_| anyhow::anyhow!("--alg {raw}: not ES256, EdDSA, RS256 or PS256"))
}

/// The master key for a command that seals keys. Once the store holds keys it must
/// exist and open all of them: a new or outdated one would seal keys nothing else opens.
async fn master_key(config: &Config, store: &dyn Store) -> anyhow::Result<MasterKey> {
    let path = &config.master_key_file;
    if store.signing_keys().await?.is_empty() {
        return MasterKey::load_or_create(path).context("master key");
    }
    let key = MasterKey::load(path).context("master key")?;
    keys::check_master(store, &key)
        .await
        .with_context(|| format!("master key {}", path.display()))?;
    Ok(key)
}

pub async fn keys(config: Config, cmd: KeysCommand) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let store = store.as_ref();
    let policy = Policy::from_config(&config);
    let actor = Actor::cli();
    let now = SystemClock.now();
    let notifier = Notifier::new(crate::app::bus(&config.revocation)?);
    match cmd {
        KeysCommand::List(f) => {
            let records = store.signing_keys().await?;
            let human = records.iter().map(key_line).collect::<Vec<_>>().join("\n");
            print(
                f.json,
                json!(records.iter().map(key_json).collect::<Vec<_>>()),
                human,
            );
            return Ok(());
        }
        KeysCommand::Rotate {
            alg,
            now: at_once,
            json,
        } => {
            let alg = alg_of(&alg)?;
            let master = master_key(&config, store).await?;
            let kid = keys::rotate(store, &master, &policy, alg, at_once, &actor, now).await?;
            let key = find(store, &kid.to_string()).await?;
            print(json, key_json(&key), key_line(&key));
        }
        KeysCommand::Revoke { kid, force, json } => {
            let master = master_key(&config, store).await?;
            let done = keys::revoke(store, &master, &policy, &kid, force, &actor, now).await?;
            // Revoked in the store whatever happens here: a view that misses the write is
            // found behind the record and restored by the instances' next poll.
            if let Some(view) = revocation_view(&config)?
                && let Err(e) = view.add(std::slice::from_ref(&done.record), done.seq).await
            {
                eprintln!(
                    "warning: {e}; the instances restore the shared revocation view from the \
                     record at their next poll"
                );
            }
            let replacement = done.replacement.as_ref().map(|k| k.to_string());
            let human = match &replacement {
                Some(r) => format!("revoked {} (now signing with {r})", done.kid),
                None => format!("revoked {}", done.kid),
            };
            print(
                json,
                json!({ "revoked": done.kid.as_str(), "replacement": replacement }),
                human,
            );
        }
        KeysCommand::Rewrap {
            new_master_key_file,
            json,
        } => {
            let old = MasterKey::load(&config.master_key_file).context("current master key")?;
            let new = new_master(&config.master_key_file, &new_master_key_file)?;
            let count = keys::rewrap(store, &old, &new, &actor, now).await?;
            let file = new_master_key_file.display().to_string();
            print(
                json,
                json!({ "rewrapped": count, "master_key_file": file }),
                format!(
                    "{count} key(s) rewrapped; start sigil with SIGIL_MASTER_KEY_FILE={file} \
                     (the old master key no longer opens them)"
                ),
            );
            // Nothing a running instance signs with changed, but it cannot open a key
            // sealed under the new master key until restarted with it.
            return Ok(());
        }
        KeysCommand::Import(i) => {
            let alg = alg_of(&i.alg)?;
            let pem =
                std::fs::read(&i.pem).with_context(|| format!("--pem {}", i.pem.display()))?;
            let master = master_key(&config, store).await?;
            let kid = keys::import(store, &master, &policy, alg, &pem, i.now, &actor, now).await?;
            let key = find(store, kid.as_str()).await?;
            print(i.json, key_json(&key), key_line(&key));
        }
    }
    notifier.keys_changed().await;
    Ok(())
}

/// The master key to rewrap under: an existing file (which must be private) or a new one.
fn new_master(current: &Path, path: &Path) -> anyhow::Result<MasterKey> {
    if let (Ok(a), Ok(b)) = (current.canonicalize(), path.canonicalize())
        && a == b
    {
        bail!("--new-master-key-file is the current master key file");
    }
    let key = if path.exists() {
        MasterKey::load(path)
    } else {
        MasterKey::create(path)
    };
    key.with_context(|| format!("--new-master-key-file {}", path.display()))
}

async fn find(store: &dyn Store, kid: &str) -> anyhow::Result<SigningKeyRecord> {
    store
        .signing_keys()
        .await?
        .into_iter()
        .find(|k| k.kid.as_str() == kid)
        .with_context(|| format!("key {kid} vanished"))
}

fn key_json(k: &SigningKeyRecord) -> serde_json::Value {
    json!({
        "kid": k.kid.as_str(),
        "alg": k.alg,
        "state": k.state.as_str(),
        "created": k.created_at,
        "activates": k.activate_at,
        "activated": k.activated_at,
        "retired": k.retired_at,
        "expires": k.expires_at,
        "revoked": k.revoked_at,
    })
}

fn key_line(k: &SigningKeyRecord) -> String {
    let t = |v: Option<i64>| v.map_or_else(|| "-".to_owned(), |t| t.to_string());
    format!(
        "{}\t{}\t{}\tcreated {}\tactivated {}\tretired {}\texpires {}",
        k.kid,
        k.alg,
        k.state.as_str(),
        k.created_at,
        t(k.activated_at.or(k.activate_at)),
        t(k.retired_at),
        t(k.expires_at.or(k.revoked_at)),
    )
}
