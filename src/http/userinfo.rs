//! /userinfo (GET and POST), Bearer-authenticated (RFC 6750 §2.1 header only: tokens in
//! query strings leak into logs and Referer headers).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::oidc::userinfo::{self, BearerError};
use crate::services::Services;

pub async fn userinfo(req: HttpRequest, services: web::Data<Services>) -> HttpResponse {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        // RFC 6750 §3.1: no credentials, no error code.
        return HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"sigil\""))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish();
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| userinfo::parse_bearer(v).ok());
    let result = match token {
        Some(t) => userinfo::userinfo(&services, t).await,
        None => Err(BearerError::InvalidRequest),
    };
    match result {
        Ok(info) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(info),
        Err(e) => bearer_error(&e),
    }
}

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
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.insert_header((header::RETRY_AFTER, "1"));
    } else if status != StatusCode::INTERNAL_SERVER_ERROR {
        res.insert_header((
            header::WWW_AUTHENTICATE,
            format!("Bearer realm=\"sigil\", error=\"{code}\""),
        ));
    }
    res.json(json!({ "error": code }))
}
