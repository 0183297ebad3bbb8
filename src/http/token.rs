//! /token, /introspect and /revoke: machine endpoints, JSON out, no-store.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::address::client_address;
use super::error::{Refusal, refusal_response};
use super::extract::{authorization, form_body};
use crate::oauth::client_auth::{self, Presented};
use crate::oauth::form::Form;
use crate::oauth::grant::{self, TokenRequest};
use crate::oauth::{OAuthError, introspect, revoke};
use crate::services::Services;

fn json_no_store(body: &impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body)
}

fn respond<T: Serialize>(result: Result<T, Refusal>) -> HttpResponse {
    match result {
        Ok(body) => json_no_store(&body),
        Err(e) => refusal_response(&e),
    }
}

async fn read(req: &HttpRequest, payload: web::Payload) -> Result<(Form, Presented), Refusal> {
    let form = form_body(req, payload).await?;
    let presented = client_auth::presented(authorization(req)?, &form)?;
    Ok((form, presented))
}

pub async fn token(
    req: HttpRequest,
    payload: web::Payload,
    services: web::Data<Services>,
) -> HttpResponse {
    respond(
        async {
            let (form, presented) = read(&req, payload).await?;
            // Parse before authenticating: a malformed request is refused without a
            // store read, and the grant knows its own shape.
            let request = TokenRequest::parse(&form)?;
            let client =
                client_auth::authenticate(&services, &presented, &address(&req, &services)).await?;
            Ok(grant::exchange(&services, &client, request).await?)
        }
        .await,
    )
}

fn address(req: &HttpRequest, services: &Services) -> String {
    client_address(req, &services.config.trusted_proxies).to_string()
}

fn token_param(form: &Form) -> Result<&str, OAuthError> {
    form.require("token")
}

pub async fn introspect(
    req: HttpRequest,
    payload: web::Payload,
    services: web::Data<Services>,
) -> HttpResponse {
    respond(
        async {
            let (form, presented) = read(&req, payload).await?;
            let caller = client_auth::authenticate_confidential(
                &services,
                &presented,
                &address(&req, &services),
            )
            .await?;
            Ok(introspect::introspect(&services, &caller, token_param(&form)?).await?)
        }
        .await,
    )
}

pub async fn revoke(
    req: HttpRequest,
    payload: web::Payload,
    services: web::Data<Services>,
) -> HttpResponse {
    let result = async {
        let (form, presented) = read(&req, payload).await?;
        let caller =
            client_auth::authenticate(&services, &presented, &address(&req, &services)).await?;
        Ok::<_, Refusal>(revoke::revoke(&services, &caller, token_param(&form)?).await?)
    }
    .await;
    match result {
        Ok(()) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
        Err(e) => refusal_response(&e),
    }
}
