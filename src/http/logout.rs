//! /logout (GET and POST): RP-initiated logout's browser side. The checks and the end of
//! the session are `oidc::logout`'s; here are the confirmation page, its CSRF double
//! submit, and the cookies.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};

use super::browser::refused;
use super::cookies;
use super::extract::{form_body, query_form};
use super::pages::{error_page, failure_page, logout_confirm_page, signed_out_page};
use crate::oauth::form::Form;
use crate::oidc::logout::{self, LogoutError, LogoutParams};
use crate::services::Services;
use crate::store::StoreError;
use crate::token::opaque::CsrfToken;

/// The parameters a confirmation page carries back.
const CARRIED: [&str; 4] = [
    "id_token_hint",
    "post_logout_redirect_uri",
    "state",
    "client_id",
];

pub async fn logout_get(req: HttpRequest, services: web::Data<Services>) -> HttpResponse {
    match query_form(&req) {
        Ok(form) => logout(&req, &services, &form, false).await,
        Err(e) => refused(&services, &e),
    }
}

pub async fn logout_post(
    req: HttpRequest,
    payload: web::Payload,
    services: web::Data<Services>,
) -> HttpResponse {
    match form_body(&req, payload).await {
        Ok(form) => logout(&req, &services, &form, true).await,
        Err(e) => refused(&services, &e),
    }
}

async fn logout(req: &HttpRequest, services: &Services, form: &Form, posted: bool) -> HttpResponse {
    let params = LogoutParams {
        id_token_hint: form.get("id_token_hint"),
        post_logout_redirect_uri: form.get("post_logout_redirect_uri"),
        state: form.get("state"),
        client_id: form.get("client_id"),
    };
    let session = cookies::session(req, services);
    let checked = match logout::check(services, params, session.as_deref()).await {
        Ok(c) => c,
        Err(e) => return failure(services, &e),
    };
    // A confirmation counts only from our own page: the POST with its CSRF token.
    let confirmed = posted
        && form.get("confirm") == Some("yes")
        && cookies::csrf_verified(req, services, form).is_some();
    if checked.confirm && !confirmed {
        let Ok(csrf) = CsrfToken::generate() else {
            return failure_page(&services.config.branding, false);
        };
        let carried: Vec<(&'static str, &str)> = CARRIED
            .iter()
            .filter_map(|&name| form.get(name).map(|v| (name, v)))
            .collect();
        let mut res = logout_confirm_page(
            &services.config.branding,
            &carried,
            csrf.expose(),
            checked.client_name.as_deref(),
            vec![cookies::csrf(services, &csrf)],
        );
        if posted && form.get("confirm").is_some() {
            // A confirmation that did not come from our page: ask again.
            *res.status_mut() = StatusCode::FORBIDDEN;
        }
        return res;
    }
    if let Err(e) = logout::end_session(services, session.as_deref()).await {
        return failure(services, &e);
    }
    let ended = vec![
        cookies::ended_session(services),
        cookies::spent_csrf(services),
    ];
    match checked.then {
        Some(location) => {
            let mut res = HttpResponse::SeeOther();
            res.insert_header((header::LOCATION, location))
                .insert_header((header::CACHE_CONTROL, "no-store"));
            for c in ended {
                res.cookie(c);
            }
            res.finish()
        }
        None => signed_out_page(&services.config.branding, ended),
    }
}

fn failure(services: &Services, e: &LogoutError) -> HttpResponse {
    let brand = &services.config.branding;
    match e {
        LogoutError::Invalid(message) => error_page(brand, message),
        LogoutError::Unavailable | LogoutError::Store(StoreError::Unavailable(_)) => {
            failure_page(brand, true)
        }
        LogoutError::Store(other) => {
            tracing::error!(error = %other, "store error during logout");
            failure_page(brand, false)
        }
    }
}
