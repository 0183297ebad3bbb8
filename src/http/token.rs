//! /token, /introspect and /revoke: machine endpoints, JSON out, no-store.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::address::client_address;
use super::error::{Refusal, refusal_response};
use super::extract::{authorization, form_body};
use crate::metrics;
use crate::oauth::client_auth::{self, Presented};
use crate::oauth::form::Form;
use crate::oauth::grant::{self, TokenRequest};
use crate::oauth::{OAuthError, introspect, revoke};
use crate::services::Services;
use crate::store::ClientRecord;

// Static header values: one made from a `&str` is a copy, allocated on every answer.
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// A 200 with `body`, JSON, never cached (RFC 6749 §5.1).
fn json_no_store(body: Result<Bytes, serde_json::Error>) -> HttpResponse {
    match body {
        Ok(body) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, NO_STORE))
            .insert_header((header::PRAGMA, NO_CACHE))
            .insert_header((header::CONTENT_TYPE, JSON))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "answer not serialisable");
            refusal_response(&Refusal::OAuth(OAuthError::ServerError))
        }
    }
}

fn respond<T: Serialize>(result: Result<T, Refusal>) -> HttpResponse {
    match result {
        Ok(body) => json_no_store(serde_json::to_vec(&body).map(Bytes::from)),
        Err(e) => refusal_response(&e),
    }
}

async fn read(req: &HttpRequest, payload: web::Payload) -> Result<(Form, Presented), Refusal> {
    let form = form_body(req, payload).await?;
    let presented = client_auth::presented(authorization(req)?, &form)?;
    Ok((form, presented))
}

/// Who a request at a machine endpoint proved to be, for the metrics: a client_id
/// nobody authenticated stays `-`, so made-up ids cannot grow the label set.
#[derive(Default)]
struct Seen {
    client: Option<Arc<ClientRecord>>,
    grant_type: Option<&'static str>,
}

impl Seen {
    fn client(&self) -> &str {
        self.client.as_ref().map_or("-", |c| c.id.as_str())
    }
}

fn outcome<T>(result: &Result<T, Refusal>, ok: &'static str) -> &'static str {
    match result {
        Ok(_) => ok,
        Err(Refusal::OAuth(e)) => e.code(),
        Err(Refusal::TooLarge) => "too_large",
        Err(Refusal::TooSlow) => "too_slow",
    }
}

pub async fn token(
    req: HttpRequest,
    payload: web::Payload,
    services: web::Data<Services>,
) -> HttpResponse {
    let mut seen = Seen::default();
    let result = async {
        let (form, presented) = read(&req, payload).await?;
        // Parse before authenticating: a malformed request is refused without a
        // store read, and the grant knows its own shape.
        let request = TokenRequest::parse(&form)?;
        seen.grant_type = Some(request.grant_type().as_str());
        let from = address(&req, &services);
        let client = client_auth::authenticate(&services, &presented, from).await?;
        // Kept for the metrics, not cloned: a clone writes the shared count.
        let client = &*seen.client.insert(client);
        let issued = grant::exchange(&services, client, request, from).await?;
        crate::audit::issued(
            client.id.as_str(),
            seen.grant_type.unwrap_or("-"),
            &issued.scope,
            from,
        );
        Ok(issued)
    }
    .await;
    metrics::get().token_request(
        seen.client(),
        seen.grant_type.unwrap_or("-"),
        outcome(&result, "issued"),
    );
    respond(result)
}

/// The caller's address, kept as an address: it becomes text only where it is written
/// down (a refusal's audit event, a guessing counter's name), never on a request that
/// succeeds.
fn address(req: &HttpRequest, services: &Services) -> IpAddr {
    client_address(req, &services.config.trusted_proxies)
}

fn token_param(form: &Form) -> Result<&str, OAuthError> {
    form.require("token")
}

pub async fn introspect(
    req: HttpRequest,
    payload: web::Payload,
    services: web::Data<Services>,
) -> HttpResponse {
    let mut seen = Seen::default();
    let result = async {
        let (form, presented) = read(&req, payload).await?;
        let caller =
            client_auth::authenticate_confidential(&services, &presented, address(&req, &services))
                .await?;
        let caller = &*seen.client.insert(caller);
        Ok(introspect::introspect(&services, caller, token_param(&form)?).await?)
    }
    .await;
    let result_label = match &result {
        Ok(answer) if answer.active() => "active",
        Ok(_) => "inactive",
        Err(_) => outcome(&result, ""),
    };
    metrics::get().introspection(seen.client(), result_label);
    match result {
        Ok(answer) => json_no_store(answer.to_json()),
        Err(e) => refusal_response(&e),
    }
}

pub async fn revoke(
    req: HttpRequest,
    payload: web::Payload,
    services: web::Data<Services>,
) -> HttpResponse {
    let mut seen = Seen::default();
    let result = async {
        let (form, presented) = read(&req, payload).await?;
        let from = address(&req, &services);
        let caller = client_auth::authenticate(&services, &presented, from).await?;
        let caller = &*seen.client.insert(caller);
        Ok::<_, Refusal>(revoke::revoke(&services, caller, token_param(&form)?, from).await?)
    }
    .await;
    metrics::get().revocation(seen.client(), outcome(&result, "revoked"));
    match result {
        Ok(()) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, NO_STORE))
            .finish(),
        Err(e) => refusal_response(&e),
    }
}
