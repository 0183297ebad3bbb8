//! `sigil clients …` and `sigil users …`: direct store administration.

use std::io::Read as _;

use anyhow::Context as _;
use serde_json::json;

use super::{
    ClientsCommand, CreateClient, UsersCommand, open_store as open, print, revocation_view,
};
use crate::admin::{
    ClientSpec, Profile, Revoking, create_user, end_client_access, end_user_access,
    register_client, revoke_consent, set_password,
};
use crate::audit::Actor;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::crypto::passwords::PasswordHasher;
use crate::domain::{ClientId, RedirectUri, Username};
use crate::events::Topic;
use crate::store::{ClientRecord, Store};

/// Runs an admin action and records it in the audit trail, done or refused.
async fn audited<T>(
    store: &dyn Store,
    action: &str,
    subject: &str,
    result: anyhow::Result<T>,
) -> anyhow::Result<T> {
    let outcome = result.as_ref().map(|_| ()).map_err(|e| format!("{e:#}"));
    crate::audit::record(
        store,
        &Actor::cli(),
        action,
        Some(subject),
        outcome.as_ref().map(|_| ()),
        SystemClock.now(),
    )
    .await;
    result
}

pub async fn clients(config: Config, cmd: ClientsCommand) -> anyhow::Result<()> {
    let store = open(&config).await?;
    let view = revocation_view(&config)?;
    // Running instances drop their copies of a changed client when told (they also poll).
    let bus = crate::app::bus(&config.revocation)?;
    let changed = |id: &str| {
        let bus = bus.clone();
        let id = id.to_owned();
        async move { bus.publish(Topic::Clients, id.as_bytes()).await }
    };
    let revoking = Revoking {
        view: view.as_deref(),
        skew: config.revocation_skew,
    };
    match cmd {
        ClientsCommand::Create(c) => create_client(store.as_ref(), c).await,
        ClientsCommand::List(f) => {
            let clients = store.list_clients().await?;
            let list: Vec<_> = clients.iter().map(client_json).collect();
            let human = clients
                .iter()
                .map(|c| {
                    format!(
                        "{}\t{}\t{}",
                        c.id,
                        if c.is_public() {
                            "public"
                        } else {
                            "confidential"
                        },
                        c.name
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            print(f.json, json!(list), human);
            Ok(())
        }
        ClientsCommand::Delete { client_id, json } => {
            let deleted = async {
                let id =
                    ClientId::parse(&client_id).map_err(|e| anyhow::anyhow!("client id: {e}"))?;
                store
                    .client(&id)
                    .await?
                    .with_context(|| format!("client {client_id}: not found"))?;
                // Its tokens first: the record outlives the client row.
                end_client_access(store.as_ref(), revoking, &id, false, SystemClock.now()).await?;
                store
                    .delete_client(&id)
                    .await
                    .with_context(|| format!("client {client_id}"))
            }
            .await;
            audited(store.as_ref(), "clients.delete", &client_id, deleted).await?;
            changed(&client_id).await;
            print(
                json,
                json!({ "deleted": client_id }),
                format!("deleted {client_id}"),
            );
            Ok(())
        }
        ClientsCommand::Disable { client_id, json } => {
            let disabled = async {
                let id =
                    ClientId::parse(&client_id).map_err(|e| anyhow::anyhow!("client id: {e}"))?;
                end_client_access(store.as_ref(), revoking, &id, true, SystemClock.now())
                    .await
                    .with_context(|| format!("client {client_id}"))
            }
            .await;
            audited(store.as_ref(), "clients.disable", &client_id, disabled).await?;
            changed(&client_id).await;
            print(
                json,
                json!({ "disabled": client_id }),
                format!("disabled {client_id}"),
            );
            Ok(())
        }
        ClientsCommand::Enable { client_id, json } => {
            let enabled = async {
                let id =
                    ClientId::parse(&client_id).map_err(|e| anyhow::anyhow!("client id: {e}"))?;
                store
                    .set_client_disabled(&id, false, SystemClock.now())
                    .await
                    .with_context(|| format!("client {client_id}"))
            }
            .await;
            audited(store.as_ref(), "clients.enable", &client_id, enabled).await?;
            changed(&client_id).await;
            print(
                json,
                json!({ "enabled": client_id }),
                format!("enabled {client_id}"),
            );
            Ok(())
        }
    }
}

fn client_json(c: &ClientRecord) -> serde_json::Value {
    json!({
        "client_id": c.id,
        "name": c.name,
        "public": c.is_public(),
        "redirect_uris": c.redirect_uris.iter().map(RedirectUri::as_str).collect::<Vec<_>>(),
        "post_logout_redirect_uris": c
            .post_logout_redirect_uris
            .iter()
            .map(RedirectUri::as_str)
            .collect::<Vec<_>>(),
        "grant_types": c.grant_types.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        "scope": c.scope.to_string(),
        "id_token_signed_response_alg": c.id_token_alg,
        "first_party": c.first_party,
        "disabled": c.disabled,
    })
}

async fn create_client(store: &dyn Store, c: CreateClient) -> anyhow::Result<()> {
    let spec = ClientSpec {
        name: c.name,
        public: c.public,
        redirect_uris: c.redirect_uris,
        post_logout_redirect_uris: c.post_logout_redirect_uris,
        grant_types: c.grant_types,
        scopes: c.scopes,
        id_token_alg: c.id_token_alg,
        first_party: c.first_party,
    };
    let registered = register_client(store, &spec, SystemClock.now())
        .await
        .map_err(anyhow::Error::from);
    let subject = registered
        .as_ref()
        .map_or_else(|_| spec.name.clone(), |(r, _)| r.id.to_string());
    let (record, secret) = audited(store, "clients.create", &subject, registered).await?;
    let mut out = client_json(&record);
    let mut human = format!("client_id: {}", record.id);
    if let Some(s) = &secret {
        out["client_secret"] = s.expose().into();
        human.push_str(&format!(
            "\nclient_secret: {}\n(the secret is shown once; store it now)",
            s.expose()
        ));
    }
    print(c.json, out, human);
    Ok(())
}

/// Reads a password from stdin, dropping one trailing newline.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut raw = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut raw)
        .context("reading the password from stdin")?;
    let pw = raw
        .strip_suffix("\r\n")
        .or_else(|| raw.strip_suffix('\n'))
        .unwrap_or(&raw)
        .to_owned();
    crate::admin::check_new_password(&pw)?;
    Ok(pw)
}

pub async fn users(config: Config, cmd: UsersCommand) -> anyhow::Result<()> {
    let store = open(&config).await?;
    let view = revocation_view(&config)?;
    let revoking = Revoking {
        view: view.as_deref(),
        skew: config.revocation_skew,
    };
    let hasher = || PasswordHasher::new(config.password_hash, 1, 0);
    match cmd {
        UsersCommand::Create {
            username,
            name,
            email,
            email_verified,
            json,
            ..
        } => {
            let created = async {
                let password = password_from_stdin()?;
                let profile = Profile {
                    name: name.as_deref(),
                    email: email.as_deref(),
                    email_verified,
                };
                Ok(create_user(
                    store.as_ref(),
                    &hasher()?,
                    &username,
                    profile,
                    &password,
                    SystemClock.now(),
                )
                .await?)
            }
            .await;
            let user = audited(store.as_ref(), "users.create", &username, created).await?;
            print(
                json,
                json!({
                    "id": user.id, "username": user.username, "name": user.name,
                    "email": user.email, "email_verified": user.email_verified,
                }),
                format!("created user {} ({})", user.username, user.id),
            );
        }
        UsersCommand::SetPassword { username, json, .. } => {
            let set = async {
                let name =
                    Username::parse(&username).map_err(|e| anyhow::anyhow!("--username: {e}"))?;
                let password = password_from_stdin()?;
                let id = set_password(store.as_ref(), &hasher()?, &name, &password).await?;
                end_user_access(store.as_ref(), revoking, &id, SystemClock.now()).await?;
                Ok(name)
            }
            .await;
            let name = audited(store.as_ref(), "users.set_password", &username, set).await?;
            print(
                json,
                json!({ "updated": name.as_str() }),
                format!("password set for {}", name.as_str()),
            );
        }
        UsersCommand::Disable { username, json } => {
            let disabled = async {
                let name =
                    Username::parse(&username).map_err(|e| anyhow::anyhow!("--username: {e}"))?;
                let user = store
                    .user_by_username(&name)
                    .await?
                    .with_context(|| format!("user {}: not found", name.as_str()))?;
                store.set_user_disabled(&name, true).await?;
                end_user_access(store.as_ref(), revoking, &user.id, SystemClock.now()).await?;
                Ok(name)
            }
            .await;
            let name = audited(store.as_ref(), "users.disable", &username, disabled).await?;
            print(
                json,
                json!({ "disabled": name.as_str() }),
                format!("disabled {}", name.as_str()),
            );
        }
        UsersCommand::Consents { user, revoke, json } => {
            consents(store.as_ref(), revoking, &user, revoke.as_deref(), json).await?;
        }
        UsersCommand::List(f) => {
            let users = store.list_users().await?;
            let list: Vec<_> = users
                .iter()
                .map(|u| {
                    json!({
                        "id": u.id, "username": u.username, "name": u.name, "email": u.email,
                        "email_verified": u.email_verified, "disabled": u.disabled,
                    })
                })
                .collect();
            let human = users
                .iter()
                .map(|u| {
                    format!(
                        "{}\t{}{}",
                        u.id,
                        u.username,
                        if u.disabled { "\t(disabled)" } else { "" }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            print(f.json, json!(list), human);
        }
    }
    Ok(())
}

/// `users consents USER [--revoke CLIENT] [--json]`.
async fn consents(
    store: &dyn Store,
    revoking: Revoking<'_>,
    username: &str,
    revoke: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    let name = Username::parse(username).map_err(|e| anyhow::anyhow!("USER: {e}"))?;
    let user = store
        .user_by_username(&name)
        .await?
        .with_context(|| format!("user {}: not found", name.as_str()))?;
    if let Some(raw) = revoke {
        let revoked = async {
            let client = ClientId::parse(raw).map_err(|e| anyhow::anyhow!("--revoke: {e}"))?;
            let had = revoke_consent(store, revoking, &user.id, &client, SystemClock.now()).await?;
            anyhow::ensure!(
                had,
                "user {} has no consent for client {raw}",
                name.as_str()
            );
            Ok(client)
        }
        .await;
        let subject = format!("{} {raw}", name.as_str());
        let client = audited(store, "users.consents.revoke", &subject, revoked).await?;
        print(
            json,
            json!({ "user": name.as_str(), "revoked": client }),
            format!("revoked {}'s consent for {client}", name.as_str()),
        );
        return Ok(());
    }
    let list = store.consents_of(&user.id).await?;
    let items: Vec<_> = list
        .iter()
        .map(|c| json!({ "client_id": c.client_id, "scope": c.scope.to_string(), "granted_at": c.granted_at }))
        .collect();
    let human = list
        .iter()
        .map(|c| format!("{}\t{}\t{}", c.client_id, c.scope, c.granted_at))
        .collect::<Vec<_>>()
        .join("\n");
    print(
        json,
        json!({ "user": name.as_str(), "consents": items }),
        human,
    );
    Ok(())
}
