//! Rows as the database returns them, and their one conversion into records.
//!
//! The SQL macros decode each column into these plain types (checked against the schema
//! at build time); every domain parse happens here, once, for both backends. A value that
//! does not parse is [`StoreError::Corrupt`], naming the table and column and never the
//! value (it may be a secret's digest), and is never replaced by a default.

use sigil_domain::{
    ClientId, CodeChallenge, DisplayName, Email, GrantId, GrantType, Kid, Nonce, ParseError,
    RedirectUri, Scope, SigningAlg, UserId, Username,
};

use crate::StoreError;
use crate::records::*;

fn corrupt(column: &'static str, why: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{column}: {why}"))
}

fn parsed<T>(column: &'static str, r: Result<T, ParseError>) -> Result<T, StoreError> {
    r.map_err(|e| corrupt(column, e))
}

fn digest(column: &'static str, bytes: Vec<u8>) -> Result<Digest, StoreError> {
    Digest::try_from(bytes).map_err(|b| corrupt(column, format_args!("{} bytes, not 32", b.len())))
}

/// Redirect URIs are stored as a JSON array of strings.
pub fn encode_uris(uris: &[RedirectUri]) -> String {
    let list: Vec<&str> = uris.iter().map(RedirectUri::as_str).collect();
    serde_json::Value::from(list).to_string()
}

fn decode_uris(column: &'static str, raw: &str) -> Result<Vec<RedirectUri>, StoreError> {
    let list: Vec<String> = serde_json::from_str(raw).map_err(|e| corrupt(column, e))?;
    list.iter()
        .map(|u| parsed(column, RedirectUri::parse(u)))
        .collect()
}

/// Grant types are stored space-separated.
pub fn encode_grants(grants: &[GrantType]) -> String {
    grants
        .iter()
        .map(|g| g.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn decode_grants(raw: &str) -> Result<Vec<GrantType>, StoreError> {
    raw.split(' ')
        .map(|g| parsed("clients.grant_types", GrantType::parse(g)))
        .collect()
}

pub struct UserRow {
    pub id: String,
    pub username: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: i64,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self, StoreError> {
        let username = parsed("users.username", Username::parse(&r.username))?;
        // Stored names are normalised on the way in; one that changes when read back was
        // written by something other than sigil.
        if username.as_str() != r.username {
            return Err(corrupt("users.username", "not in normal form"));
        }
        Ok(Self {
            id: parsed("users.id", UserId::parse(&r.id))?,
            username,
            name: r
                .name
                .as_deref()
                .map(|n| parsed("users.name", DisplayName::parse(n)))
                .transpose()?,
            email: r
                .email
                .as_deref()
                .map(|e| parsed("users.email", Email::parse(e)))
                .transpose()?,
            email_verified: r.email_verified,
            password_hash: r.password_hash,
            disabled: r.disabled,
            created_at: r.created_at,
        })
    }
}

pub struct SessionRow {
    pub id_hash: Vec<u8>,
    pub user_id: String,
    pub auth_time: i64,
    pub expires_at: i64,
    pub idle_expires_at: i64,
}

impl TryFrom<SessionRow> for SessionRecord {
    type Error = StoreError;
    fn try_from(r: SessionRow) -> Result<Self, StoreError> {
        Ok(Self {
            id_hash: digest("sessions.id_hash", r.id_hash)?,
            user_id: parsed("sessions.user_id", UserId::parse(&r.user_id))?,
            auth_time: r.auth_time,
            expires_at: r.expires_at,
            idle_expires_at: r.idle_expires_at,
        })
    }
}

pub struct ConsentRow {
    pub user_id: String,
    pub client_id: String,
    pub scope: String,
    pub granted_at: i64,
}

impl TryFrom<ConsentRow> for ConsentRecord {
    type Error = StoreError;
    fn try_from(r: ConsentRow) -> Result<Self, StoreError> {
        Ok(Self {
            user_id: parsed("consents.user_id", UserId::parse(&r.user_id))?,
            client_id: parsed("consents.client_id", ClientId::parse(&r.client_id))?,
            scope: parsed("consents.scope", Scope::parse_list(&r.scope))?,
            granted_at: r.granted_at,
        })
    }
}

pub struct ClientRow {
    pub id: String,
    pub name: String,
    pub secret_hash: Option<Vec<u8>>,
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    pub grant_types: String,
    pub scope: String,
    pub id_token_alg: String,
    pub first_party: bool,
    pub disabled: bool,
    pub created_at: i64,
}

impl TryFrom<ClientRow> for ClientRecord {
    type Error = StoreError;
    fn try_from(r: ClientRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: parsed("clients.id", ClientId::parse(&r.id))?,
            name: r.name,
            secret_hash: r
                .secret_hash
                .map(|h| digest("clients.secret_hash", h))
                .transpose()?,
            redirect_uris: decode_uris("clients.redirect_uris", &r.redirect_uris)?,
            post_logout_redirect_uris: decode_uris(
                "clients.post_logout_redirect_uris",
                &r.post_logout_redirect_uris,
            )?,
            grant_types: decode_grants(&r.grant_types)?,
            scope: parsed("clients.scope", Scope::parse_list(&r.scope))?,
            id_token_alg: parsed("clients.id_token_alg", SigningAlg::parse(&r.id_token_alg))?,
            first_party: r.first_party,
            disabled: r.disabled,
            created_at: r.created_at,
        })
    }
}

pub struct CodeRow {
    pub code_hash: Vec<u8>,
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub code_challenge: String,
    pub nonce: Option<String>,
    pub auth_time: i64,
    pub grant_id: String,
    pub expires_at: i64,
    pub consumed_at: Option<i64>,
}

impl TryFrom<CodeRow> for CodeRecord {
    type Error = StoreError;
    fn try_from(r: CodeRow) -> Result<Self, StoreError> {
        Ok(Self {
            code_hash: digest("auth_codes.code_hash", r.code_hash)?,
            client_id: parsed("auth_codes.client_id", ClientId::parse(&r.client_id))?,
            user_id: parsed("auth_codes.user_id", UserId::parse(&r.user_id))?,
            redirect_uri: parsed(
                "auth_codes.redirect_uri",
                RedirectUri::parse(&r.redirect_uri),
            )?,
            scope: parsed("auth_codes.scope", Scope::parse_list(&r.scope))?,
            code_challenge: parsed(
                "auth_codes.code_challenge",
                CodeChallenge::parse_s256(&r.code_challenge),
            )?,
            nonce: r
                .nonce
                .as_deref()
                .map(|n| parsed("auth_codes.nonce", Nonce::parse(n)))
                .transpose()?,
            auth_time: r.auth_time,
            grant_id: parsed("auth_codes.grant_id", GrantId::parse(&r.grant_id))?,
            expires_at: r.expires_at,
            consumed_at: r.consumed_at,
        })
    }
}

/// A refresh token joined with its grant.
pub struct RefreshRow {
    pub token_hash: Vec<u8>,
    pub issued_at: i64,
    pub expires_at: i64,
    pub rotated_at: Option<i64>,
    pub replaced_by: Option<Vec<u8>>,
    pub grant_id: String,
    pub client_id: String,
    pub user_id: Option<String>,
    pub scope: String,
    pub auth_time: Option<i64>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub access_expires_at: i64,
    pub user_active: bool,
}

impl TryFrom<RefreshRow> for RefreshRecord {
    type Error = StoreError;
    fn try_from(r: RefreshRow) -> Result<Self, StoreError> {
        Ok(Self {
            token_hash: digest("refresh_tokens.token_hash", r.token_hash)?,
            issued_at: r.issued_at,
            expires_at: r.expires_at,
            rotated_at: r.rotated_at,
            replaced_by: r
                .replaced_by
                .map(|h| digest("refresh_tokens.replaced_by", h))
                .transpose()?,
            grant: GrantRecord {
                id: parsed("grants.id", GrantId::parse(&r.grant_id))?,
                client_id: parsed("grants.client_id", ClientId::parse(&r.client_id))?,
                user_id: r
                    .user_id
                    .as_deref()
                    .map(|u| parsed("grants.user_id", UserId::parse(u)))
                    .transpose()?,
                scope: parsed("grants.scope", Scope::parse_list(&r.scope))?,
                auth_time: r.auth_time,
                created_at: r.created_at,
                revoked_at: r.revoked_at,
                access_expires_at: r.access_expires_at,
            },
            user_active: r.user_active,
        })
    }
}

pub struct SigningKeyRow {
    pub kid: String,
    pub alg: String,
    pub state: String,
    pub public_key: Vec<u8>,
    pub private_key_sealed: Vec<u8>,
    pub created_at: i64,
    pub activate_at: Option<i64>,
    pub activated_at: Option<i64>,
    pub retired_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl TryFrom<SigningKeyRow> for SigningKeyRecord {
    type Error = StoreError;
    fn try_from(r: SigningKeyRow) -> Result<Self, StoreError> {
        Ok(Self {
            kid: parsed("signing_keys.kid", Kid::parse(&r.kid))?,
            alg: parsed("signing_keys.alg", SigningAlg::parse(&r.alg))?,
            state: KeyState::parse(&r.state)
                .ok_or_else(|| corrupt("signing_keys.state", "unknown state"))?,
            public_key: r.public_key,
            private_key_sealed: r.private_key_sealed,
            created_at: r.created_at,
            activate_at: r.activate_at,
            activated_at: r.activated_at,
            retired_at: r.retired_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
        })
    }
}

pub struct RevocationRow {
    pub kind: String,
    pub subject: String,
    pub revoked_at: i64,
    pub until: i64,
}

impl TryFrom<RevocationRow> for RevocationRecord {
    type Error = StoreError;
    fn try_from(r: RevocationRow) -> Result<Self, StoreError> {
        let revoked = match r.kind.as_str() {
            "token" if (1..=255).contains(&r.subject.len()) => Revoked::Token(r.subject),
            "token" => return Err(corrupt("revocations.subject", "not a token id")),
            "grant" => Revoked::Grant(parsed("revocations.subject", GrantId::parse(&r.subject))?),
            "user" => Revoked::User(parsed("revocations.subject", UserId::parse(&r.subject))?),
            "client" => {
                Revoked::Client(parsed("revocations.subject", ClientId::parse(&r.subject))?)
            }
            "kid" => Revoked::Kid(parsed("revocations.subject", Kid::parse(&r.subject))?),
            _ => return Err(corrupt("revocations.kind", "unknown kind")),
        };
        Ok(Self {
            revoked,
            revoked_at: r.revoked_at,
            until: r.until,
        })
    }
}

pub struct AuditRow {
    pub id: String,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
    pub client_id: Option<String>,
    pub address: Option<String>,
}

impl TryFrom<AuditRow> for AuditEvent {
    type Error = StoreError;
    fn try_from(r: AuditRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: r.id,
            at: r.at,
            actor: r.actor,
            action: r.action,
            subject: r.subject,
            outcome: r.outcome,
            detail: r.detail,
            client: r.client_id,
            address: r.address,
        })
    }
}

/// Converts every row, failing on the first that does not parse.
pub fn all<R, T: TryFrom<R, Error = StoreError>>(rows: Vec<R>) -> Result<Vec<T>, StoreError> {
    rows.into_iter().map(T::try_from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_row() -> ClientRow {
        ClientRow {
            id: "c1".into(),
            name: "App".into(),
            secret_hash: Some(vec![0; 32]),
            redirect_uris: "[\"https://app.example/cb\"]".into(),
            post_logout_redirect_uris: "[]".into(),
            grant_types: "authorization_code refresh_token".into(),
            scope: "openid read".into(),
            id_token_alg: "ES256".into(),
            first_party: false,
            disabled: false,
            created_at: 1,
        }
    }

    #[test]
    fn a_good_row_becomes_a_typed_record() {
        let c = ClientRecord::try_from(client_row()).unwrap();
        assert_eq!(c.id.as_str(), "c1");
        assert_eq!(c.redirect_uris[0].as_str(), "https://app.example/cb");
        assert!(c.may_use(GrantType::RefreshToken));
        assert!(c.scope.contains("read"));
    }

    #[test]
    fn every_unparseable_column_is_corrupt_never_a_default() {
        type Spoil = fn(&mut ClientRow);
        let cases: [(&str, Spoil); 8] = [
            ("clients.id", |r| r.id = "a b".into()),
            ("clients.secret_hash", |r| r.secret_hash = Some(vec![0; 31])),
            ("clients.redirect_uris", |r| {
                r.redirect_uris = "not json".into()
            }),
            ("clients.redirect_uris", |r| {
                r.redirect_uris = "[\"http://evil.example/\"]".into()
            }),
            ("clients.grant_types", |r| r.grant_types = "password".into()),
            ("clients.grant_types", |r| r.grant_types = String::new()),
            ("clients.scope", |r| r.scope = "a  b".into()),
            ("clients.id_token_alg", |r| r.id_token_alg = "none".into()),
        ];
        for (column, spoil) in cases {
            let mut row = client_row();
            spoil(&mut row);
            match ClientRecord::try_from(row) {
                Err(StoreError::Corrupt(detail)) => {
                    assert!(detail.starts_with(column), "{detail} names {column}")
                }
                other => panic!("{column}: {other:?}"),
            }
        }
    }

    #[test]
    fn usernames_must_be_stored_normalised() {
        let row = |name: &str| UserRow {
            id: "u1".into(),
            username: name.into(),
            name: None,
            email: None,
            email_verified: false,
            password_hash: "$argon2id$...".into(),
            disabled: false,
            created_at: 1,
        };
        assert!(UserRecord::try_from(row("alice")).is_ok());
        assert!(matches!(
            UserRecord::try_from(row("Alice")),
            Err(StoreError::Corrupt(_))
        ));
        // A display name with a control character was not written by sigil.
        let bad_name = UserRow {
            name: Some("Ada\u{0}".into()),
            ..row("alice")
        };
        assert!(matches!(
            UserRecord::try_from(bad_name),
            Err(StoreError::Corrupt(m)) if m.starts_with("users.name")
        ));
    }

    #[test]
    fn signing_keys_name_a_known_state_and_alg() {
        let row = |alg: &str, state: &str| SigningKeyRow {
            kid: "k1".into(),
            alg: alg.into(),
            state: state.into(),
            public_key: vec![4],
            private_key_sealed: vec![],
            created_at: 1,
            activate_at: None,
            activated_at: Some(1),
            retired_at: None,
            expires_at: None,
            revoked_at: None,
        };
        assert!(SigningKeyRecord::try_from(row("ES256", "active")).is_ok());
        assert!(SigningKeyRecord::try_from(row("RS256", "revoked")).is_ok());
        assert!(SigningKeyRecord::try_from(row("HS256", "active")).is_err());
        assert!(SigningKeyRecord::try_from(row("ES256", "removed")).is_err());
    }
}
