//! The consent page and its POST /consent. Whether to ask, and what an answer does, are
//! `oauth::authorize`'s; here are the page, its CSRF double submit, and the answer.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::address::client_address;
use super::browser::{carried, carried_request, deliver, fresh_login, person_failure};
use super::cookies;
use super::pages::consent_page;
use crate::domain::Scope;
use crate::oauth::authorize::{self, AuthorizeRequest, Decided};
use crate::services::Services;
use crate::token::opaque::CsrfToken;

/// The consent page for `request`, with a fresh CSRF token (and `extra` cookies: the
/// session a login just started).
pub fn ask(
    services: &Services,
    request: &AuthorizeRequest,
    mut extra: Vec<Cookie<'static>>,
) -> HttpResponse {
    let Ok(csrf) = CsrfToken::generate() else {
        return person_failure(services, &crate::oauth::OAuthError::ServerError);
    };
    extra.push(cookies::csrf(services, &csrf));
    let scopes = described(&request.scope);
    consent_page(
        &services.config.branding,
        &carried(request),
        csrf.expose(),
        &request.client.name,
        &scopes,
        extra,
    )
}

/// What the scopes sigil knows mean to the person asked, in the order they read best.
const DESCRIBED: [(&str, &str); 3] = [
    ("openid", "Confirm who you are"),
    ("profile", "Your name and username"),
    ("email", "Your email address"),
];

/// The consent page's list: the scopes sigil knows, described, then the client's own.
fn described(scope: &Scope) -> Vec<&str> {
    let known = DESCRIBED
        .iter()
        .filter(|(name, _)| scope.contains(name))
        .map(|(_, said)| *said);
    let others = scope
        .iter()
        .filter(|s| !DESCRIBED.iter().any(|(name, _)| name == s));
    known.chain(others).collect()
}

pub async fn consent(
    req: HttpRequest,
    payload: web::Payload,
    services: web::Data<Services>,
) -> HttpResponse {
    let (form, request) = match carried_request(&req, payload, &services).await {
        Ok(checked) => checked,
        Err(answer) => return answer,
    };
    if cookies::csrf_verified(&req, &services, &form).is_none() {
        // Not from our page (or from an expired one): ask again, decide nothing.
        let mut res = ask(&services, &request, Vec::new());
        *res.status_mut() = StatusCode::FORBIDDEN;
        return res;
    }
    let allow = match form.get("decision") {
        Some("allow") => true,
        Some("deny") => false,
        _ => {
            let mut res = ask(&services, &request, Vec::new());
            *res.status_mut() = StatusCode::BAD_REQUEST;
            return res;
        }
    };
    let session = cookies::session(&req, &services);
    let address = client_address(&req, &services.config.trusted_proxies).to_string();
    match authorize::decide(&services, &request, session.as_deref(), allow, &address).await {
        Ok(Decided::Deliver(delivery)) => {
            deliver(&services, &delivery, vec![cookies::spent_csrf(&services)])
        }
        Ok(Decided::SignInAgain) => fresh_login(
            &services,
            &request,
            Some("Your session ended. Please sign in again."),
            "",
            StatusCode::OK,
        ),
        Err(e) => person_failure(&services, &e),
    }
}
