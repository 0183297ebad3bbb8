//! /userinfo (GET and POST), Bearer-authenticated (RFC 6750): in the Authorization
//! header (§2.1), or as `access_token` in a form-encoded POST body (§2.2). Never in the
//! query string (§2.3): tokens there leak into logs and Referer headers. A request that
//! uses more than one method, which §2 forbids, is `invalid_request`.

use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::extract::{form_body, query_form};
use crate::oidc::userinfo::{self, BearerError};
use crate::services::Services;

pub async fn userinfo(
    req: HttpRequest,
    payload: web::Payload,
    services: web::Data<Services>,
) -> HttpResponse {
    let result = match presented(&req, payload).await {
        Ok(Some(token)) => userinfo::userinfo(&services, &token).await,
        Ok(None) => {
            // RFC 6750 §3.1: no credentials, no error code.
            return HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"sigil\""))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish();
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(info) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(info),
        Err(e) => bearer_error(&e),
    }
}

/// The one token the request presents, if any.
async fn presented(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Option<String>, BearerError> {
    let in_query = query_form(req)
        .map_err(|_| BearerError::InvalidRequest)?
        .get("access_token")
        .is_some();
    if in_query {
        return Err(BearerError::InvalidRequest);
    }
    let in_header = match req.headers().get(header::AUTHORIZATION) {
        None => None,
        Some(value) => {
            let value = value.to_str().map_err(|_| BearerError::InvalidRequest)?;
            let token = userinfo::parse_bearer(value).map_err(|_| BearerError::InvalidRequest)?;
            Some(token.to_owned())
        }
    };
    let in_body = if *req.method() == Method::POST && is_form(req) {
        let form = form_body(req, payload)
            .await
            .map_err(|_| BearerError::InvalidRequest)?;
        form.get("access_token").map(str::to_owned)
    } else {
        None
    };
    match (in_header, in_body) {
        (Some(_), Some(_)) => Err(BearerError::InvalidRequest),
        (Some(token), None) | (None, Some(token)) => Ok(Some(token)),
        (None, None) => Ok(None),
    }
}

fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Every refusal carries WWW-Authenticate (RFC 6750 §3), the server's own failures too,
/// so a client library always finds the header it looks for.
fn bearer_error(e: &BearerError) -> HttpResponse {
    let (status, code) = match e {
        BearerError::InvalidRequest => (StatusCode::BAD_REQUEST, "invalid_request"),
        BearerError::InvalidToken => (StatusCode::UNAUTHORIZED, "invalid_token"),
        BearerError::InsufficientScope => (StatusCode::FORBIDDEN, "insufficient_scope"),
        BearerError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable"),
        BearerError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "server_error"),
    };
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    res.insert_header((
        header::WWW_AUTHENTICATE,
        format!("Bearer realm=\"sigil\", error=\"{code}\""),
    ));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.insert_header((header::RETRY_AFTER, "1"));
    }
    res.json(json!({ "error": code }))
}
