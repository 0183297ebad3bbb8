//! /authorize (GET and POST, OIDC Core §3.1.2.1) and the login form's POST /login.
//!
//! Only the browser's side lives here: cookies, the CSRF double submit and the pages.
//! Every decision of the protocol (the request's checks, the session, the code) is taken
//! by `oauth::authorize`.

use actix_web::cookie::Cookie;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};

use super::address::client_address;
use super::error::Refusal;
use super::extract::{form_body, query_form};
use super::pages::{LoginForm, error_page, failure_page, form_post_page, login_page};
use super::{consent, cookies};
use crate::oauth::OAuthError;
use crate::oauth::authorize::{
    self, AuthorizeError, AuthorizeRequest, Delivery, Next, Outcome, ResponseMode, SignInError,
};
use crate::oauth::form::Form;
use crate::services::Services;
use crate::token::opaque::CsrfToken;

pub async fn authorize_get(req: HttpRequest, services: web::Data<Services>) -> HttpResponse {
    match query_form(&req) {
        Ok(form) => authorize(&req, &services, &form).await,
        Err(e) => refused(&e),
    }
}

pub async fn authorize_post(
    req: HttpRequest,
    payload: web::Payload,
    services: web::Data<Services>,
) -> HttpResponse {
    match form_body(&req, payload).await {
        Ok(form) => authorize(&req, &services, &form).await,
        Err(e) => refused(&e),
    }
}

/// A request whose parameters cannot even be read has no trustworthy redirect_uri.
pub(super) fn refused(e: &Refusal) -> HttpResponse {
    error_page(&e.describe())
}

/// A failure on the browser's path is a page: "try again" (503) when a dependency cannot
/// answer, a fault page (500) otherwise.
pub(super) fn person_failure(e: &OAuthError) -> HttpResponse {
    match e {
        OAuthError::TemporarilyUnavailable => failure_page(true),
        OAuthError::ServerError => failure_page(false),
        other => error_page(
            &other
                .description()
                .unwrap_or_else(|| other.code().to_owned()),
        ),
    }
}

fn redirect(location: &str) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    res
}

pub(super) fn authorize_failure(services: &Services, e: AuthorizeError) -> HttpResponse {
    match e {
        AuthorizeError::Page(message) => error_page(&message),
        AuthorizeError::Redirect(r) => deliver(&r.delivery(&services.config.issuer), Vec::new()),
        AuthorizeError::Unavailable(e) => person_failure(&e),
    }
}

/// Answers the client the way it asked: a redirect, or a form the browser posts to it.
pub(super) fn deliver(delivery: &Delivery, cookies: Vec<Cookie<'static>>) -> HttpResponse {
    match delivery.mode {
        ResponseMode::Query => {
            let mut res = redirect(&delivery.location());
            for c in cookies {
                res.cookie(c);
            }
            res.finish()
        }
        ResponseMode::FormPost => match crate::crypto::random_id() {
            Ok(nonce) => form_post_page(&delivery.redirect_uri, &delivery.params, &nonce, cookies),
            Err(e) => person_failure(&e.into()),
        },
    }
}

async fn authorize(req: &HttpRequest, services: &Services, form: &Form) -> HttpResponse {
    let request = match authorize::validate(services, form).await {
        Ok(r) => r,
        Err(e) => return authorize_failure(services, e),
    };
    let session = cookies::session(req, services);
    let request = match authorize::proceed(services, request, session.as_deref()).await {
        Ok(Outcome::Deliver(delivery)) => return deliver(&delivery, Vec::new()),
        Ok(Outcome::Login(request)) => request,
        Ok(Outcome::Consent(request)) => return consent::ask(services, &request, Vec::new()),
        Err(e) => return person_failure(&e),
    };
    let csrf = match CsrfToken::generate() {
        Ok(t) => t,
        Err(e) => return person_failure(&e.into()),
    };
    let cookie = cookies::csrf(services, &csrf);
    let hint = request.login_hint.as_ref().map_or("", |h| h.as_str());
    render_login(
        &request,
        csrf.expose(),
        None,
        hint,
        StatusCode::OK,
        vec![cookie],
    )
}

/// The authorization request's parameters, carried through a form (login, consent).
pub(super) fn carried(request: &AuthorizeRequest) -> Vec<(&'static str, String)> {
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
    v
}

pub(super) fn render_login(
    request: &AuthorizeRequest,
    csrf: &str,
    error: Option<&str>,
    username: &str,
    status: StatusCode,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    let carried = carried(request);
    let mut res = login_page(
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

/// A form POSTed from one of our pages (login, consent): its fields and the
/// authorization request they carry, checked again; or the answer already due.
pub(super) async fn carried_request(
    req: &HttpRequest,
    payload: web::Payload,
    services: &Services,
) -> Result<(Form, AuthorizeRequest), HttpResponse> {
    let form = form_body(req, payload).await.map_err(|e| refused(&e))?;
    let request = authorize::validate(services, &form)
        .await
        .map_err(|e| authorize_failure(services, e))?;
    Ok((form, request))
}

pub async fn login(
    req: HttpRequest,
    payload: web::Payload,
    services: web::Data<Services>,
) -> HttpResponse {
    let (form, request) = match carried_request(&req, payload, &services).await {
        Ok(checked) => checked,
        Err(answer) => return answer,
    };
    let username = form.get("username").unwrap_or("");
    let password = form.get("password").unwrap_or("");

    // Double-submit CSRF check (see `cookies`).
    let Some(csrf) = cookies::csrf_verified(&req, &services, &form) else {
        let Ok(fresh) = CsrfToken::generate() else {
            return person_failure(&OAuthError::ServerError);
        };
        let c = cookies::csrf(&services, &fresh);
        return render_login(
            &request,
            fresh.expose(),
            Some("This sign-in form expired. Please sign in again."),
            "",
            StatusCode::FORBIDDEN,
            vec![c],
        );
    };

    let address = client_address(&req, &services.config.trusted_proxies).to_string();
    let previous = cookies::session(&req, &services);
    let attempt = authorize::Attempt {
        username,
        password,
        address: &address,
        session_cookie: previous.as_deref(),
    };
    match authorize::sign_in(&services, &request, attempt).await {
        Ok(signed_in) => {
            let session = cookies::new_session(&services, signed_in.session.expose().to_owned());
            match signed_in.next {
                Next::Deliver(delivery) => {
                    deliver(&delivery, vec![session, cookies::spent_csrf(&services)])
                }
                Next::Consent => consent::ask(&services, &request, vec![session]),
            }
        }
        Err(SignInError::InvalidCredentials) => render_login(
            &request,
            csrf.expose(),
            Some("Invalid username or password."),
            username,
            StatusCode::OK,
            Vec::new(),
        ),
        Err(SignInError::Limited(wait)) => {
            let seconds = crate::oauth::error::retry_after(wait);
            let minutes = seconds.div_ceil(60);
            let message = format!(
                "Too many failed attempts. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            );
            let mut res = render_login(
                &request,
                csrf.expose(),
                Some(&message),
                username,
                StatusCode::TOO_MANY_REQUESTS,
                Vec::new(),
            );
            if let Ok(v) = header::HeaderValue::from_str(&seconds.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
        Err(SignInError::Failed(e)) => person_failure(&e),
    }
}
