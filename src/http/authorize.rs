//! /authorize (GET and POST, OIDC Core §3.1.2.1) and the login form's POST /login.
//!
//! Only the browser's side lives here: cookies, the CSRF double submit and the pages.
//! Every decision of the protocol (the request's checks, the session, the code) is taken
//! by `oauth::authorize`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};

use super::address::client_address;
use super::browser::{
    authorize_failure, carried_request, deliver, fresh_login, person_failure, refused, render_login,
};
use super::extract::{form_body, query_form};
use super::{consent, cookies};
use crate::metrics;
use crate::oauth::authorize::{self, Next, Outcome, SignInError};
use crate::oauth::form::Form;
use crate::services::Services;

pub async fn authorize_get(req: HttpRequest, services: web::Data<Services>) -> HttpResponse {
    match query_form(&req) {
        Ok(form) => authorize(&req, &services, &form).await,
        Err(e) => refused(&services, &e),
    }
}

pub async fn authorize_post(
    req: HttpRequest,
    payload: web::Payload,
    services: web::Data<Services>,
) -> HttpResponse {
    match form_body(&req, payload).await {
        Ok(form) => authorize(&req, &services, &form).await,
        Err(e) => refused(&services, &e),
    }
}

async fn authorize(req: &HttpRequest, services: &Services, form: &Form) -> HttpResponse {
    let request = match authorize::validate(services, form).await {
        Ok(r) => r,
        Err(e) => return authorize_failure(services, e),
    };
    let session = cookies::session(req, services);
    let request = match authorize::proceed(services, request, session.as_deref()).await {
        Ok(Outcome::Deliver(delivery)) => return deliver(services, &delivery, Vec::new()),
        Ok(Outcome::Login(request)) => request,
        Ok(Outcome::Consent(request)) => return consent::ask(services, &request, Vec::new()),
        Err(e) => return person_failure(services, &e),
    };
    let hint = request.login_hint.as_ref().map_or("", |h| h.as_str());
    fresh_login(services, &request, None, hint, StatusCode::OK)
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
        metrics::get().login("form_expired");
        return fresh_login(
            &services,
            &request,
            Some("This sign-in form expired. Please sign in again."),
            "",
            StatusCode::FORBIDDEN,
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
    let result = authorize::sign_in(&services, &request, attempt).await;
    metrics::get().login(match &result {
        Ok(_) => "success",
        Err(SignInError::InvalidCredentials) => "invalid_credentials",
        Err(SignInError::Limited(_)) => "limited",
        Err(SignInError::Failed(_)) => "failed",
    });
    match result {
        Ok(signed_in) => {
            let session = cookies::new_session(&services, signed_in.session.expose().to_owned());
            match signed_in.next {
                Next::Deliver(delivery) => deliver(
                    &services,
                    &delivery,
                    vec![session, cookies::spent_csrf(&services)],
                ),
                Next::Consent => consent::ask(&services, &request, vec![session]),
            }
        }
        Err(SignInError::InvalidCredentials) => render_login(
            &services,
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
                &services,
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
        Err(SignInError::Failed(e)) => person_failure(&services, &e),
    }
}
