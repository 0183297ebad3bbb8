//! The browser's cookies: the session, and the CSRF double submit that guards every form
//! (login, logout). The CSRF cookie is SameSite=Strict, so another site can neither read
//! it nor have it sent; a form is genuine when its hidden field equals it.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration};

use crate::oauth::form::Form;
use crate::services::Services;
use crate::token::opaque::CsrfToken;

pub const SESSION: &str = "sigil_session";
const CSRF: &str = "sigil_csrf";

/// The session cookie's value, as the browser sent it.
pub fn session(req: &HttpRequest) -> Option<String> {
    req.cookie(SESSION).map(|c| c.value().to_owned())
}

pub fn new_session(services: &Services, value: String) -> Cookie<'static> {
    Cookie::build(SESSION, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(services.config.is_https())
        .max_age(Duration::seconds(services.config.session_ttl))
        .finish()
}

/// Tells the browser to drop a cookie.
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, "").path("/").finish();
    cookie.make_removal();
    cookie
}

pub fn spent_csrf() -> Cookie<'static> {
    removal(CSRF)
}

pub fn csrf(services: &Services, token: &CsrfToken) -> Cookie<'static> {
    Cookie::build(CSRF, token.expose().to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(services.config.is_https())
        .max_age(Duration::hours(1))
        .finish()
}

/// The form's CSRF token, when it equals the cookie set with the form.
pub fn csrf_verified(req: &HttpRequest, form: &Form) -> Option<CsrfToken> {
    let presented = form
        .get("csrf_token")
        .and_then(|t| CsrfToken::parse(t).ok())?;
    let expected = req
        .cookie(CSRF)
        .and_then(|c| CsrfToken::parse(c.value()).ok())?;
    crate::crypto::ct_eq(presented.expose().as_bytes(), expected.expose().as_bytes())
        .then_some(presented)
}
