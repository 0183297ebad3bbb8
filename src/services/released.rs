//! What a scope releases about a user (OIDC Core §5.4), decided once for the ID token and
//! /userinfo alike, so the two can never disagree.

use crate::domain::Scope;
use crate::store::UserRecord;
use crate::token::claims::UserClaims;

/// Whether `scope` releases anything beyond `sub`, so a caller that has no user record
/// at hand knows whether it must read one.
pub fn needs_user(scope: &Scope) -> bool {
    scope.contains("profile") || scope.contains("email")
}

/// The claims about `user` that `scope` releases: `profile` gives the name (when there
/// is one) and the username, `email` the address and whether it is verified (when there
/// is an address).
pub fn user_claims(user: &UserRecord, scope: &Scope) -> UserClaims {
    let profile = scope.contains("profile");
    let email = scope
        .contains("email")
        .then_some(user.email.as_ref())
        .flatten();
    UserClaims {
        name: user.name.clone().filter(|_| profile),
        preferred_username: profile.then(|| user.username.clone()),
        email: email.cloned(),
        email_verified: email.map(|_| user.email_verified),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DisplayName, Email, UserId, Username};

    fn user(email: Option<&str>) -> UserRecord {
        UserRecord {
            id: UserId::parse("u1").unwrap(),
            username: Username::parse("ada").unwrap(),
            name: Some(DisplayName::parse("Ada Lovelace").unwrap()),
            email: email.map(|e| Email::parse(e).unwrap()),
            email_verified: email.is_some(),
            password_hash: String::new(),
            disabled: false,
            created_at: 0,
        }
    }

    #[test]
    fn each_scope_releases_its_own_claims_only() {
        let scope = |s: &str| Scope::parse(s).unwrap();
        let ada = user(Some("ada@example.com"));
        assert_eq!(user_claims(&ada, &scope("openid")), UserClaims::default());
        let profile = user_claims(&ada, &scope("openid profile"));
        assert_eq!(profile.name.unwrap().as_str(), "Ada Lovelace");
        assert_eq!(profile.preferred_username.unwrap().as_str(), "ada");
        assert!(profile.email.is_none() && profile.email_verified.is_none());
        let email = user_claims(&ada, &scope("openid email"));
        assert_eq!(email.email.unwrap().as_str(), "ada@example.com");
        assert_eq!(email.email_verified, Some(true));
        assert!(email.name.is_none() && email.preferred_username.is_none());
        let unverified = UserRecord {
            email_verified: false,
            ..ada.clone()
        };
        let email = user_claims(&unverified, &scope("email"));
        assert_eq!(email.email_verified, Some(false), "said, and said false");
        // No address, nothing to say about one.
        assert_eq!(
            user_claims(&user(None), &scope("email")),
            UserClaims::default()
        );
        assert!(needs_user(&scope("openid email")) && !needs_user(&scope("openid read")));
    }
}
