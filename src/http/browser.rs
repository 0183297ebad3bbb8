//! Answers on the browser's side of the authorization flow, shared by /authorize, the
//! login form, the consent page and /logout: error and failure pages, the delivery of a
//! response to the client, and the login form with the request it carries.

use actix_web::cookie::Cookie;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};

use super::cookies;
use super::error::Refusal;
use super::extract::form_body;
use super::pages::{LoginForm, error_page, failure_page, form_post_page, login_page};
use crate::oauth::OAuthError;
use crate::oauth::authorize::{self, AuthorizeError, AuthorizeRequest, Delivery, ResponseMode};
use crate::oauth::form::Form;
use crate::services::Services;
use crate::token::opaque::CsrfToken;

/// A request whose parameters cannot even be read has no trustworthy redirect_uri.
pub fn refused(services: &Services, e: &Refusal) -> HttpResponse {
    error_page(&services.config.branding, &e.describe())
}

/// A failure on the browser's path is a page: "try again" (503) when a dependency cannot
/// answer, a fault page (500) otherwise.
pub fn person_failure(services: &Services, e: &OAuthError) -> HttpResponse {
    let brand = &services.config.branding;
    match e {
        OAuthError::TemporarilyUnavailable => failure_page(brand, true),
        OAuthError::ServerError => failure_page(brand, false),
        other => error_page(
            brand,
            &other
                .description()
                .unwrap_or_else(|| other.code().to_owned()),
        ),
    }
}

pub fn authorize_failure(services: &Services, e: AuthorizeError) -> HttpResponse {
    match e {
        AuthorizeError::Page(message) => error_page(&services.config.branding, &message),
        AuthorizeError::Redirect(r) => {
            deliver(services, &r.delivery(&services.config.issuer), Vec::new())
        }
        AuthorizeError::Unavailable(e) => person_failure(services, &e),
    }
}

/// Answers the client the way it asked: a redirect, or a form the browser posts to it.
pub fn deliver(
    services: &Services,
    delivery: &Delivery,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    match delivery.mode {
        ResponseMode::Query => {
            let mut res = HttpResponse::SeeOther();
            res.insert_header((header::LOCATION, delivery.location()))
                .insert_header((header::CACHE_CONTROL, "no-store"));
            for c in cookies {
                res.cookie(c);
            }
            res.finish()
        }
        ResponseMode::FormPost => match crate::crypto::random_id() {
            Ok(nonce) => form_post_page(
                &services.config.branding,
                &delivery.redirect_uri,
                &delivery.params,
                &nonce,
                cookies,
            ),
            Err(e) => person_failure(services, &e.into()),
        },
    }
}

/// The authorization request's parameters, carried through a form (login, consent).
pub fn carried(request: &AuthorizeRequest) -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("response_type", "code".to_owned()),
        ("client_id", request.client.id.as_str().to_owned()),
        ("redirect_uri", request.redirect_uri.as_str().to_owned()),
        ("scope", request.scope.to_string()),
        ("code_challenge", request.challenge.as_str().to_owned()),
        ("code_challenge_method", "S256".to_owned()),
    ];
    if let Some(s) = &request.state {
        v.push(("state", s.as_str().to_owned()));
    }
    if let Some(n) = &request.nonce {
        v.push(("nonce", n.as_str().to_owned()));
    }
    if request.response_mode == ResponseMode::FormPost {
        v.push(("response_mode", "form_post".to_owned()));
    }
    // prompt=consent must outlive the login form; prompt=login and max_age are met by
    // the login itself, so they stay behind.
    if request.ask_consent {
        v.push(("prompt", "consent".to_owned()));
    }
    v
}

/// The login form for `request`, under the CSRF token `csrf` its cookie already holds.
pub fn render_login(
    services: &Services,
    request: &AuthorizeRequest,
    csrf: &str,
    error: Option<&str>,
    username: &str,
    status: StatusCode,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    let carried = carried(request);
    let mut res = login_page(
        &services.config.branding,
        &LoginForm {
            carried: &carried,
            csrf,
            client_name: &request.client.name,
            error,
            username,
        },
        cookies,
    );
    *res.status_mut() = status;
    res
}

/// The login form for `request` under a fresh CSRF token and its cookie.
pub fn fresh_login(
    services: &Services,
    request: &AuthorizeRequest,
    error: Option<&str>,
    username: &str,
    status: StatusCode,
) -> HttpResponse {
    let Ok(csrf) = CsrfToken::generate() else {
        return person_failure(services, &OAuthError::ServerError);
    };
    let cookie = cookies::csrf(services, &csrf);
    render_login(
        services,
        request,
        csrf.expose(),
        error,
        username,
        status,
        vec![cookie],
    )
}

/// A form POSTed from one of our pages (login, consent): its fields and the
/// authorization request they carry, checked again; or the answer already due.
pub async fn carried_request(
    req: &HttpRequest,
    payload: web::Payload,
    services: &Services,
) -> Result<(Form, AuthorizeRequest), HttpResponse> {
    let form = form_body(req, payload)
        .await
        .map_err(|e| refused(services, &e))?;
    let request = authorize::validate(services, &form)
        .await
        .map_err(|e| authorize_failure(services, e))?;
    Ok((form, request))
}
