//! Discovery, JWKS and health.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde_json::json;

use super::error::oauth_error_response;
use crate::oauth::OAuthError;
use crate::services::Services;

/// Caches may keep discovery and JWKS for less than the publish-ahead interval, so a
/// new key is in every cache before it signs (see `config::KeyConfig::jwks_max_age`).
fn cache_control(services: &Services) -> String {
    format!("public, max-age={}", services.config.keys.jwks_max_age())
}

pub async fn discovery(services: web::Data<Services>) -> HttpResponse {
    let algorithms = services.keys.last();
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, cache_control(&services)))
        .json(crate::oidc::discovery::metadata(
            &services.config,
            algorithms.algorithms(),
        ))
}

/// The published keys. When they cannot be kept current this answers 503 rather than a
/// set that may still hold a revoked key.
pub async fn jwks(services: web::Data<Services>) -> HttpResponse {
    match services.keys.current() {
        Ok(keys) => HttpResponse::Ok()
            .content_type("application/jwk-set+json")
            .insert_header((header::CACHE_CONTROL, cache_control(&services)))
            .body(keys.jwks().to_string()),
        Err(e) => oauth_error_response(&e.into()),
    }
}

/// Liveness: the process answers. Says nothing about its dependencies.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// Readiness: the store and the revocation list both answer. A load balancer takes an
/// instance out while either is lost.
pub async fn readyz(services: web::Data<Services>) -> HttpResponse {
    let store = services.store.ping().await;
    let revocation = services.revocation.ping().await;
    let body = json!({
        "store": if store.is_ok() { "ok" } else { "unavailable" },
        "revocation": if revocation.is_ok() { "ok" } else { "unavailable" },
    });
    if store.is_ok() && revocation.is_ok() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header((header::RETRY_AFTER, "1"))
            .json(body)
    }
}

pub async fn not_found() -> HttpResponse {
    let mut res = oauth_error_response(&OAuthError::invalid_request("no such endpoint"));
    *res.status_mut() = actix_web::http::StatusCode::NOT_FOUND;
    res
}
