//! Administration of clients and users, shared by the CLI and the tests: every rule about
//! what may be registered lives here once.

use crate::clock::UnixTime;
use crate::crypto::passwords::PasswordHasher;
use crate::domain::{GrantType, RedirectUri, Scope, Username};
use crate::store::{ClientRecord, NewUser, Store, StoreError};
use crate::token::opaque::ClientSecret;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
}

/// A client registration as an operator asks for it, unparsed.
#[derive(Debug, Clone)]
pub struct ClientSpec {
    pub name: String,
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub scopes: String,
}

/// Registers a client. The secret of a confidential client is returned here once and
/// only its SHA-256 is stored.
pub async fn register_client(
    store: &dyn Store,
    spec: &ClientSpec,
    now: UnixTime,
) -> Result<(ClientRecord, Option<ClientSecret>), AdminError> {
    let invalid = |m: String| AdminError::Invalid(m);
    let name = spec.name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(invalid("name must be 1 to 200 characters".into()));
    }
    let redirect_uris = spec
        .redirect_uris
        .iter()
        .map(|u| RedirectUri::parse(u).map_err(|e| invalid(format!("redirect URI {u}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let mut grant_types = spec
        .grant_types
        .iter()
        .map(|g| GrantType::parse(g.trim()).map_err(|e| invalid(format!("grant type {g}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    grant_types.sort();
    grant_types.dedup();
    if grant_types.is_empty() {
        return Err(invalid("at least one grant type is needed".into()));
    }
    let scope = Scope::parse(&spec.scopes).map_err(|e| invalid(format!("scopes: {e}")))?;
    if grant_types.contains(&GrantType::AuthorizationCode) && redirect_uris.is_empty() {
        return Err(invalid(
            "the authorization_code grant needs at least one redirect URI".into(),
        ));
    }
    if spec.public && grant_types.contains(&GrantType::ClientCredentials) {
        return Err(invalid(
            "a public client cannot use client_credentials: it has no secret".into(),
        ));
    }
    let secret = if spec.public {
        None
    } else {
        Some(ClientSecret::generate()?)
    };
    let record = ClientRecord {
        id: crate::crypto::random_id()?,
        name: name.to_owned(),
        secret_hash: secret.as_ref().map(|s| s.hash().to_vec()),
        redirect_uris,
        grant_types,
        scope,
        created_at: now,
    };
    store.create_client(&record).await?;
    Ok((record, secret))
}

/// Creates a user with an argon2id hash of `password`.
pub async fn create_user(
    store: &dyn Store,
    hasher: &PasswordHasher,
    username: &str,
    email: Option<&str>,
    password: &str,
    now: UnixTime,
) -> Result<NewUser, AdminError> {
    let name =
        Username::parse(username).map_err(|e| AdminError::Invalid(format!("username: {e}")))?;
    if let Some(e) = email
        && (e.len() > 254 || !e.contains('@') || e.chars().any(char::is_whitespace))
    {
        return Err(AdminError::Invalid("email is not an email address".into()));
    }
    if password.is_empty() {
        return Err(AdminError::Invalid("empty password".into()));
    }
    let user = NewUser {
        id: crate::crypto::random_id()?,
        username: name.as_str().to_owned(),
        email: email.map(str::to_owned),
        password_hash: hasher.hash(password).await?,
        created_at: now,
    };
    store.create_user(&user).await?;
    Ok(user)
}
