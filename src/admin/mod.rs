//! Administration of clients and users, shared by the CLI and the tests: every rule about
//! what may be registered lives here once.

use crate::clock::UnixTime;
use crate::crypto::passwords::PasswordHasher;
use crate::domain::MAX_TOKEN_TTL;
use crate::domain::{
    ClientId, DisplayName, Email, GrantType, RedirectUri, Scope, SigningAlg, UserId, Username,
};
use crate::revocation::{RevocationList, RevokeError};
use crate::store::{ClientRecord, NewUser, RevocationRecord, Revoked, Store, StoreError};
use crate::token::opaque::ClientSecret;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    #[error(transparent)]
    Revoke(#[from] RevokeError),
}

/// Where an administrative revocation goes: always the record; and the shared view when
/// there is one (Redis). Embedded instances, in another process, read the record.
#[derive(Clone, Copy)]
pub struct Revoking<'a> {
    pub view: Option<&'a dyn RevocationList>,
    /// The configured clock-skew margin.
    pub skew: i64,
}

impl Revoking<'_> {
    /// Revokes every token of a user or client issued until `now`.
    async fn all_of(
        &self,
        store: &dyn Store,
        revoked: Revoked,
        now: UnixTime,
    ) -> Result<(), AdminError> {
        let record = RevocationRecord {
            revoked,
            revoked_at: now,
            until: now + MAX_TOKEN_TTL + self.skew,
        };
        crate::revocation::revoke(store, self.view, &[record]).await?;
        Ok(())
    }
}

/// Ends a user's access everywhere: sessions, refresh families and every access token
/// issued so far. For `users disable` and `users set-password` (a changed password may
/// mean a stolen one).
pub async fn end_user_access(
    store: &dyn Store,
    revoking: Revoking<'_>,
    user: &UserId,
    now: UnixTime,
) -> Result<(), AdminError> {
    store.end_user_access(user, now).await?;
    revoking
        .all_of(store, Revoked::User(user.clone()), now)
        .await
}

/// Withdraws `user`'s consent to `client`, and ends that client's refresh families and
/// access tokens for the user, here and on every instance. Answers whether there was a
/// consent to withdraw.
pub async fn revoke_consent(
    store: &dyn Store,
    revoking: Revoking<'_>,
    user: &UserId,
    client: &ClientId,
    now: UnixTime,
) -> Result<bool, AdminError> {
    if store.consent(user, client).await?.is_none() {
        // Nothing to withdraw: change nothing, not even the client's grants.
        return Ok(false);
    }
    let grants = store.revoke_consent(user, client, now).await?;
    for grant in grants {
        revoking.all_of(store, Revoked::Grant(grant), now).await?;
    }
    Ok(true)
}

/// Ends a client's access everywhere: every token it holds, and with `disable` (rather
/// than deletion, which takes its grants with it) its refresh families too.
pub async fn end_client_access(
    store: &dyn Store,
    revoking: Revoking<'_>,
    client: &ClientId,
    disable: bool,
    now: UnixTime,
) -> Result<(), AdminError> {
    if disable {
        store.set_client_disabled(client, true, now).await?;
    }
    revoking
        .all_of(store, Revoked::Client(client.clone()), now)
        .await
}

/// A client registration as an operator asks for it, unparsed.
#[derive(Debug, Clone)]
pub struct ClientSpec {
    pub name: String,
    pub public: bool,
    pub redirect_uris: Vec<String>,
    /// Where RP-initiated logout may send people back to.
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub scopes: String,
    /// `id_token_signed_response_alg`; ES256 when not given.
    pub id_token_alg: Option<String>,
    /// Skips the consent page; never for a public client.
    pub first_party: bool,
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
    let post_logout_redirect_uris = spec
        .post_logout_redirect_uris
        .iter()
        .map(|u| {
            RedirectUri::parse(u).map_err(|e| invalid(format!("post-logout redirect URI {u}: {e}")))
        })
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
    let id_token_alg = match &spec.id_token_alg {
        None => SigningAlg::Es256,
        Some(raw) => {
            SigningAlg::parse(raw).map_err(|e| invalid(format!("ID token algorithm {raw}: {e}")))?
        }
    };
    if grant_types.contains(&GrantType::AuthorizationCode) && redirect_uris.is_empty() {
        return Err(invalid(
            "the authorization_code grant needs at least one redirect URI".into(),
        ));
    }
    if spec.public && spec.first_party {
        return Err(invalid(
            "a public client cannot be first-party: any app can present its client_id \
             (RFC 8252 §8.6), so people are always asked"
                .into(),
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
        id: crate::crypto::new_id(ClientId::from_random)?,
        name: name.to_owned(),
        secret_hash: secret.as_ref().map(ClientSecret::hash),
        redirect_uris,
        post_logout_redirect_uris,
        grant_types,
        scope,
        id_token_alg,
        first_party: spec.first_party,
        disabled: false,
        created_at: now,
    };
    store.create_client(&record).await?;
    Ok((record, secret))
}

/// What a person is called and how to reach them, as an operator types it.
#[derive(Debug, Default, Clone, Copy)]
pub struct Profile<'a> {
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    /// The operator vouches for the address; refused without one.
    pub email_verified: bool,
}

/// Creates a user with an argon2id hash of `password`.
pub async fn create_user(
    store: &dyn Store,
    hasher: &PasswordHasher,
    username: &str,
    profile: Profile<'_>,
    password: &str,
    now: UnixTime,
) -> Result<NewUser, AdminError> {
    let invalid = |e: crate::domain::ParseError| AdminError::Invalid(e.to_string());
    let username =
        Username::parse(username).map_err(|e| AdminError::Invalid(format!("username: {e}")))?;
    let name = profile
        .name
        .map(DisplayName::parse)
        .transpose()
        .map_err(invalid)?;
    let email = profile
        .email
        .map(Email::parse)
        .transpose()
        .map_err(invalid)?;
    if profile.email_verified && email.is_none() {
        return Err(AdminError::Invalid(
            "an email address can only be verified if there is one".into(),
        ));
    }
    check_new_password(password)?;
    let user = NewUser {
        id: crate::crypto::new_id(UserId::from_random)?,
        username,
        name,
        email,
        email_verified: profile.email_verified,
        password_hash: hasher.hash(password).await?,
        created_at: now,
    };
    store.create_user(&user).await?;
    Ok(user)
}

/// The shortest password sigil accepts, in characters (OWASP ASVS 6.2.1).
pub const MIN_PASSWORD_CHARS: usize = 8;

/// The rules a new password must meet. Nothing is truncated: a long passphrase is hashed
/// whole, up to the bound the login form also applies.
pub fn check_new_password(password: &str) -> Result<(), AdminError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AdminError::Invalid(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > crate::crypto::passwords::MAX_PASSWORD_BYTES {
        return Err(AdminError::Invalid(format!(
            "the password must be at most {} bytes",
            crate::crypto::passwords::MAX_PASSWORD_BYTES
        )));
    }
    Ok(())
}

/// Sets a user's password (argon2id, the current parameters).
pub async fn set_password(
    store: &dyn Store,
    hasher: &PasswordHasher,
    username: &Username,
    password: &str,
) -> Result<UserId, AdminError> {
    check_new_password(password)?;
    let user = store
        .user_by_username(username)
        .await?
        .ok_or_else(|| AdminError::Invalid(format!("no user {username}")))?;
    let phc = hasher.hash(password).await?;
    store.set_password_hash(&user.id, &phc).await?;
    Ok(user.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_have_a_floor_in_characters_and_a_ceiling_in_bytes() {
        assert!(check_new_password("1234567").is_err());
        assert!(check_new_password("12345678").is_ok());
        // Eight characters of two bytes each are eight characters.
        assert!(check_new_password("éééééééé").is_ok());
        assert!(check_new_password(&"x".repeat(64)).is_ok());
        assert!(check_new_password(&"x".repeat(1024)).is_ok());
        assert!(check_new_password(&"x".repeat(1025)).is_err());
    }
}
