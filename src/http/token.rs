//! /token, /introspect and /revoke: machine endpoints, JSON out, no-store.

use std::borrow::Cow;
use std::net::IpAddr;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::address::client_address;
use super::error::{Refusal, refusal_response};
use super::extract::{authorization, form_body};
use crate::metrics::{self, Label};
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

/// Who a request at a machine endpoint proved to be, for the metrics: a client_id
/// nobody authenticated stays `-`, so made-up ids cannot grow the label set.
#[derive(Default)]
struct Seen {
    client: Option<String>,
    grant_type: Option<&'static str>,
}

impl Seen {
    fn client(&mut self) -> Label {
        self.client.take().map_or(Cow::Borrowed("-"), Cow::Owned)
    }
}

fn outcome<T>(result: &Result<T, Refusal>, ok: &'static str) -> Label {
    match result {
        Ok(_) => Cow::Borrowed(ok),
        Err(Refusal::OAuth(e)) => Cow::Borrowed(e.code()),
        Err(Refusal::TooLarge) => Cow::Borrowed("too_large"),
        Err(Refusal::TooSlow) => Cow::Borrowed("too_slow"),
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
        seen.client = Some(client.id.as_str().to_owned());
        let issued = grant::exchange(&services, &client, request, from).await?;
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
        Cow::Borrowed(seen.grant_type.unwrap_or("-")),
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
        seen.client = Some(caller.id.as_str().to_owned());
        Ok(introspect::introspect(&services, &caller, token_param(&form)?).await?)
    }
    .await;
    let result_label = match &result {
        Ok(answer) if answer.active => Cow::Borrowed("active"),
        Ok(_) => Cow::Borrowed("inactive"),
        Err(_) => outcome(&result, ""),
    };
    metrics::get().introspection(seen.client(), result_label);
    respond(result)
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
        seen.client = Some(caller.id.as_str().to_owned());
        Ok::<_, Refusal>(revoke::revoke(&services, &caller, token_param(&form)?, from).await?)
    }
    .await;
    metrics::get().revocation(seen.client(), outcome(&result, "revoked"));
    match result {
        Ok(()) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
        Err(e) => refusal_response(&e),
    }
}
