//! What the store reads and writes, already parsed: ids, scopes, URIs and challenges
//! arrive as their domain types, digests as fixed-size arrays. A row that does not parse
//! never becomes a record (see [`crate::rows`]).

use sigil_domain::{
    ClientId, CodeChallenge, DisplayName, Email, GrantId, GrantType, Kid, Nonce, RedirectUri,
    Scope, SigningAlg, UnixTime, UserId, Username,
};

/// A SHA-256 digest: how codes, refresh tokens, sessions and client secrets are stored.
pub type Digest = [u8; 32];

#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: UserId,
    pub username: Username,
    pub name: Option<DisplayName>,
    pub email: Option<Email>,
    /// The operator vouched for the address; never set without one.
    pub email_verified: bool,
    /// An argon2id PHC string.
    pub password_hash: String,
    pub created_at: UnixTime,
}

#[derive(Clone)]
pub struct UserRecord {
    pub id: UserId,
    pub username: Username,
    pub name: Option<DisplayName>,
    pub email: Option<Email>,
    pub email_verified: bool,
    /// An argon2id PHC string; parsed (and its parameters bounded) when verified.
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: UnixTime,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct ClientRecord {
    pub id: ClientId,
    pub name: String,
    /// SHA-256 of the secret; `None` for a public client.
    pub secret_hash: Option<Digest>,
    pub redirect_uris: Vec<RedirectUri>,
    /// Where RP-initiated logout may send people back to, matched exactly.
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    pub grant_types: Vec<GrantType>,
    pub scope: Scope,
    /// The algorithm of this client's ID tokens (`id_token_signed_response_alg`).
    pub id_token_alg: SigningAlg,
    /// Operated by whoever runs sigil: people are not asked to consent to it. Never a
    /// public client, whose identity anyone can claim.
    pub first_party: bool,
    /// A disabled client authenticates nowhere; its tokens are revoked when it is disabled.
    pub disabled: bool,
    pub created_at: UnixTime,
}

impl ClientRecord {
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }
    pub fn may_use(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub id_hash: Digest,
    pub user_id: UserId,
    pub auth_time: UnixTime,
    /// The absolute end, however often the session is used.
    pub expires_at: UnixTime,
    /// The end if it is not used again before then.
    pub idle_expires_at: UnixTime,
}

/// A login's writes, made all at once: the browser's previous session ended, the new one
/// started, the login's audit event and, when the login leads straight to the client, the
/// authorization code. A session never exists without its event, nor a code without its
/// session.
#[derive(Debug, Clone)]
pub struct SessionStart {
    /// The digest of the session the browser held before, ended by this login.
    pub replaces: Option<Digest>,
    pub session: SessionRecord,
    pub event: AuditEvent,
    pub code: Option<CodeRecord>,
}

/// What a person allowed a client: the scopes, when last granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub user_id: UserId,
    pub client_id: ClientId,
    pub scope: Scope,
    pub granted_at: UnixTime,
}

#[derive(Debug, Clone)]
pub struct CodeRecord {
    pub code_hash: Digest,
    pub client_id: ClientId,
    pub user_id: UserId,
    /// The redirect_uri of the authorization request, which /token must match.
    pub redirect_uri: RedirectUri,
    pub scope: Scope,
    pub code_challenge: CodeChallenge,
    pub nonce: Option<Nonce>,
    pub auth_time: UnixTime,
    /// The grant this code will start; known in advance so a replay can revoke it.
    pub grant_id: GrantId,
    pub expires_at: UnixTime,
    pub consumed_at: Option<UnixTime>,
}

#[derive(Debug, Clone)]
pub struct GrantRecord {
    pub id: GrantId,
    pub client_id: ClientId,
    /// `None` for a client acting for itself (client_credentials).
    pub user_id: Option<UserId>,
    pub scope: Scope,
    pub auth_time: Option<UnixTime>,
    pub created_at: UnixTime,
    pub revoked_at: Option<UnixTime>,
    /// When the last access token minted under this grant expires.
    pub access_expires_at: UnixTime,
}

#[derive(Debug, Clone)]
pub struct NewRefreshToken {
    pub token_hash: Digest,
    pub grant_id: GrantId,
    pub issued_at: UnixTime,
    pub expires_at: UnixTime,
}

/// A refresh token with the family it belongs to.
#[derive(Debug, Clone)]
pub struct RefreshRecord {
    pub token_hash: Digest,
    pub issued_at: UnixTime,
    pub expires_at: UnixTime,
    pub rotated_at: Option<UnixTime>,
    /// The token this one was rotated into.
    pub replaced_by: Option<Digest>,
    pub grant: GrantRecord,
    /// The grant's user exists and is enabled (always true for a grant without a user).
    pub user_active: bool,
}

impl RefreshRecord {
    /// Whether `client` may spend this token as it is at `now`, with nothing else to
    /// decide: it is current, the client's own, unexpired, its family unrevoked and its
    /// user active. Every other case (a retry, reuse, another client's token) is the
    /// protocol's to judge. Postgres's one-statement refresh
    /// (`store-postgres/sql/refresh_and_rotate_many.sql`) rotates under exactly these
    /// conditions.
    pub fn spendable_by(&self, client: &ClientId, now: UnixTime) -> bool {
        self.rotated_at.is_none()
            && self.grant.client_id == *client
            && self.grant.revoked_at.is_none()
            && self.expires_at > now
            && self.user_active
    }
}

/// What a refresh rotates its token into, before the family is read: the family's
/// absolute lifetime caps the successor's expiry once its start is known.
#[derive(Debug, Clone)]
pub struct Successor {
    pub token_hash: Digest,
    pub issued_at: UnixTime,
    /// `issued_at` plus the idle lifetime.
    pub idle_expires_at: UnixTime,
    /// How long a family lives from its grant, whatever its use (seconds).
    pub absolute_ttl: i64,
    /// When the access token minted alongside expires.
    pub access_expires_at: UnixTime,
}

impl Successor {
    /// The row that stores the successor in `grant`'s family.
    pub fn row_in(&self, grant: &GrantRecord) -> NewRefreshToken {
        self.row(&grant.id, grant.created_at)
    }

    /// The row that stores the successor in the family of grant `grant_id`, made at
    /// `grant_created_at`: it lives the idle lifetime, never past the family's absolute one.
    pub fn row(&self, grant_id: &GrantId, grant_created_at: UnixTime) -> NewRefreshToken {
        NewRefreshToken {
            token_hash: self.token_hash,
            grant_id: grant_id.clone(),
            issued_at: self.issued_at,
            expires_at: self
                .idle_expires_at
                .min(grant_created_at + self.absolute_ttl),
        }
    }
}

/// A refresh token as [`GrantStore::refresh_and_rotate`](crate::GrantStore::refresh_and_rotate)
/// read it, before any rotation, and whether that call rotated it.
#[derive(Debug, Clone)]
pub struct RefreshRead {
    pub record: RefreshRecord,
    pub rotated: bool,
}

/// The outcome of a single-use redemption (a code, or a refresh token's rotation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redemption {
    Redeemed,
    /// Someone used it first: the caller must treat this as a replay.
    Replayed,
}

/// Where a signing key is in its life (ARCHITECTURE "Signing keys").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// Published in JWKS, not yet signing.
    Pending,
    /// Signing; one per algorithm.
    Active,
    /// No longer signing; published until every token it signed has expired.
    Retired,
    /// Gone from JWKS at once; every token it signed is inactive.
    Revoked,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Retired => "retired",
            Self::Revoked => "revoked",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(Self::Pending),
            "active" => Some(Self::Active),
            "retired" => Some(Self::Retired),
            "revoked" => Some(Self::Revoked),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct SigningKeyRecord {
    pub kid: Kid,
    pub alg: SigningAlg,
    pub state: KeyState,
    /// The public key as its algorithm encodes it: an uncompressed P-256 point, 32 bytes
    /// of Ed25519, or an RSA public key (PKCS#1 DER).
    pub public_key: Vec<u8>,
    /// `nonce ‖ AES-256-GCM(pkcs8)` under the master key, the kid as associated data.
    pub private_key_sealed: Vec<u8>,
    pub created_at: UnixTime,
    /// A pending key: when it may start signing (after every JWKS cache has seen it).
    pub activate_at: Option<UnixTime>,
    pub activated_at: Option<UnixTime>,
    pub retired_at: Option<UnixTime>,
    /// A retired key: when the last token it signed expires, and it leaves JWKS.
    pub expires_at: Option<UnixTime>,
    pub revoked_at: Option<UnixTime>,
}

impl SigningKeyRecord {
    /// Whether JWKS publishes it at `now`: pending and active keys, retired ones until
    /// their tokens have expired, revoked ones never.
    pub fn is_published(&self, now: UnixTime) -> bool {
        match self.state {
            KeyState::Pending | KeyState::Active => true,
            KeyState::Retired => self.expires_at.is_some_and(|t| t > now),
            KeyState::Revoked => false,
        }
    }
}

impl std::fmt::Debug for SigningKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRecord")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// A security event: who did what, to what, and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: String,
    pub at: UnixTime,
    /// `cli`, or the instance that acted (`instance:<id>`).
    pub actor: String,
    /// What was done, dotted: `keys.rotate`, `clients.create`, …
    pub action: String,
    /// What it was done to: a kid, a client id, a username.
    pub subject: Option<String>,
    /// `ok`, or why not.
    pub outcome: String,
    pub detail: Option<String>,
    /// The client the event concerns, when there is one.
    pub client: Option<String>,
    /// The address the request came from, when a request caused it.
    pub address: Option<String>,
}

/// What a revocation names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Revoked {
    /// One access token, by `jti`.
    Token(String),
    /// Every token of a grant (a refresh family, or one client_credentials issuance).
    Grant(GrantId),
    /// Every token of a user issued at or before the revocation.
    User(UserId),
    /// Every token of a client issued at or before the revocation.
    Client(ClientId),
    /// Every token signed with a key: `keys revoke`.
    Kid(Kid),
}

impl Revoked {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Token(_) => "token",
            Self::Grant(_) => "grant",
            Self::User(_) => "user",
            Self::Client(_) => "client",
            Self::Kid(_) => "kid",
        }
    }

    pub fn subject(&self) -> &str {
        match self {
            Self::Token(jti) => jti,
            Self::Grant(id) => id.as_str(),
            Self::User(id) => id.as_str(),
            Self::Client(id) => id.as_str(),
            Self::Kid(kid) => kid.as_str(),
        }
    }
}

/// A revocation as the store records it: what, when, and until when it matters (the
/// last token it kills expires by then, give or take the clock-skew margin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationRecord {
    pub revoked: Revoked,
    pub revoked_at: UnixTime,
    pub until: UnixTime,
}

/// What revoking a grant found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantRevocation {
    /// Whether the family was live before.
    pub was_live: bool,
    /// When its last access token expires; `None` when no such grant exists.
    pub access_expires_at: Option<UnixTime>,
}

/// Whether a database carries every migration this build knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaStatus {
    Current,
    /// `pending` migrations of this build are not applied (all of them on a fresh database).
    Behind {
        pending: usize,
    },
}
