//! The browser's cookies: the session, and the CSRF double submit that guards every form
//! (login, logout). The CSRF cookie is SameSite=Strict, so another site can neither read
//! it nor have it sent; a form is genuine when its hidden field equals it.
//!
//! Under https both carry the `__Host-` prefix: a browser then accepts them only when
//! Secure, for the whole host and from it alone, so a sibling subdomain cannot plant or
//! shadow them. Over plain http (development) the prefix would make browsers drop them.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration};

use crate::oauth::form::Form;
use crate::services::Services;
use crate::token::opaque::CsrfToken;

/// A cookie's name over http and under https.
struct Name {
    plain: &'static str,
    host: &'static str,
}

const SESSION: Name = Name {
    plain: "sigil_session",
    host: "__Host-sigil_session",
};
const CSRF: Name = Name {
    plain: "sigil_csrf",
    host: "__Host-sigil_csrf",
};

impl Name {
    fn get(&self, services: &Services) -> &'static str {
        if services.config.is_https() {
            self.host
        } else {
            self.plain
        }
    }

    fn build(&self, services: &Services, value: String) -> Cookie<'static> {
        Cookie::build(self.get(services), value)
            .path("/")
            .http_only(true)
            .secure(services.config.is_https())
            .finish()
    }

    fn removal(&self, services: &Services) -> Cookie<'static> {
        let mut cookie = self.build(services, String::new());
        cookie.make_removal();
        cookie
    }
}

/// The session cookie's value, as the browser sent it.
pub fn session(req: &HttpRequest, services: &Services) -> Option<String> {
    req.cookie(SESSION.get(services))
        .map(|c| c.value().to_owned())
}

pub fn new_session(services: &Services, value: String) -> Cookie<'static> {
    let mut cookie = SESSION.build(services, value);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_max_age(Duration::seconds(services.config.session_ttl));
    cookie
}

/// Tells the browser to drop its session cookie.
pub fn ended_session(services: &Services) -> Cookie<'static> {
    SESSION.removal(services)
}

/// Tells the browser to drop a CSRF cookie whose form has been used.
pub fn spent_csrf(services: &Services) -> Cookie<'static> {
    CSRF.removal(services)
}

pub fn csrf(services: &Services, token: &CsrfToken) -> Cookie<'static> {
    let mut cookie = CSRF.build(services, token.expose().to_owned());
    cookie.set_same_site(SameSite::Strict);
    cookie.set_max_age(Duration::hours(1));
    cookie
}

/// The form's CSRF token, when it equals the cookie set with the form.
pub fn csrf_verified(req: &HttpRequest, services: &Services, form: &Form) -> Option<CsrfToken> {
    let presented = form
        .get("csrf_token")
        .and_then(|t| CsrfToken::parse(t).ok())?;
    let expected = req
        .cookie(CSRF.get(services))
        .and_then(|c| CsrfToken::parse(c.value()).ok())?;
    crate::crypto::ct_eq(presented.expose().as_bytes(), expected.expose().as_bytes())
        .then_some(presented)
}
