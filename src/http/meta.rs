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

/// GET /metrics: the process's counters, with the states (store pool, signing keys)
/// read from this instance now.
pub async fn metrics(services: web::Data<Services>) -> HttpResponse {
    let metrics = crate::metrics::get();
    let pool = services.store.pool_use();
    metrics.set_store_connections(pool.idle, pool.in_use);
    // A dependency that does not answer within a second is down, as far as a scrape
    // (which must not hang on it) can tell.
    let second = std::time::Duration::from_secs(1);
    let (store, revocation) = tokio::join!(
        tokio::time::timeout(second, services.store.ping()),
        tokio::time::timeout(second, services.revocation.ping())
    );
    metrics.set_dependency_up("store", matches!(store, Ok(Ok(()))));
    metrics.set_dependency_up("revocation", matches!(revocation, Ok(Ok(()))));
    let keys = services.keys.last();
    metrics.set_signing_keys(keys.signers().map(|k| {
        (
            k.pair.alg().as_str().into(),
            k.kid.as_str().to_owned().into(),
        )
    }));
    match metrics.encode() {
        Ok(text) => HttpResponse::Ok()
            .content_type(crate::metrics::CONTENT_TYPE)
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(text),
        Err(_) => HttpResponse::InternalServerError().finish(),
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
