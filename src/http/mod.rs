//! The HTTP edge, and the only place actix types appear. Handlers extract and parse,
//! call the protocol layer with typed values, and render its typed results.

mod address;
mod authorize;
mod browser;
mod consent;
mod cookies;
mod error;
mod extract;
mod logout;
mod meta;
mod pages;
mod request_id;
mod token;
mod userinfo;

use std::borrow::Cow;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use tracing::Instrument as _;

use crate::services::Services;

pub use error::oauth_error_response;

pub fn configure(services: Arc<Services>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        // With an admin listener of its own, /metrics is not on the public one.
        if services.config.metrics_listen.is_none() {
            cfg.route("/metrics", web::get().to(meta::metrics));
        }
        cfg.app_data(web::Data::from(services))
            .route(
                "/.well-known/openid-configuration",
                web::get().to(meta::discovery),
            )
            .route(
                "/.well-known/oauth-authorization-server",
                web::get().to(meta::discovery),
            )
            .route("/jwks.json", web::get().to(meta::jwks))
            .route("/healthz", web::get().to(meta::healthz))
            .route(pages::LOGO_PATH, web::get().to(pages::logo))
            .route("/readyz", web::get().to(meta::readyz))
            .route("/authorize", web::get().to(authorize::authorize_get))
            .route("/authorize", web::post().to(authorize::authorize_post))
            .route("/login", web::post().to(authorize::login))
            .route("/consent", web::post().to(consent::consent))
            .route("/logout", web::get().to(logout::logout_get))
            .route("/logout", web::post().to(logout::logout_post))
            .route("/token", web::post().to(token::token))
            .route("/introspect", web::post().to(token::introspect))
            .route("/revoke", web::post().to(token::revoke))
            .route("/userinfo", web::get().to(userinfo::userinfo))
            .route("/userinfo", web::post().to(userinfo::userinfo))
            .default_service(web::to(meta::not_found));
    }
}

/// The admin listener (`SIGIL_METRICS_LISTEN`): /metrics alone.
pub fn configure_admin(services: Arc<Services>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::from(services))
            .route("/metrics", web::get().to(meta::metrics))
            .default_service(web::to(meta::not_found));
    }
}

/// Headers every response carries unless its handler set its own: no MIME sniffing,
/// and, when served over https, HSTS (a downgrade to http would expose cookies and codes).
pub fn default_headers(https: bool) -> actix_web::middleware::DefaultHeaders {
    let mut headers = actix_web::middleware::DefaultHeaders::new()
        .add((actix_web::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if https {
        headers = headers.add((
            actix_web::http::header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        ));
    }
    headers
}

/// Every route's path. All are static, so a path equal to one of them matched exactly
/// that pattern: its label is borrowed from here instead of built for each request. A
/// route missing here still gets its own label, from `match_pattern`, at the cost of
/// building it.
const ROUTES: &[&str] = &[
    "/.well-known/openid-configuration",
    "/.well-known/oauth-authorization-server",
    "/jwks.json",
    "/healthz",
    pages::LOGO_PATH,
    "/readyz",
    "/authorize",
    "/login",
    "/consent",
    "/logout",
    "/token",
    "/introspect",
    "/revoke",
    "/userinfo",
    "/metrics",
];

/// The route a request matched, as its pattern: a bounded label, whatever the path was.
fn route_label<B>(res: &ServiceResponse<B>) -> crate::metrics::Label {
    let path = res.request().path();
    if let Some(route) = ROUTES.iter().find(|route| **route == path) {
        return Cow::Borrowed(route);
    }
    match res.request().match_pattern() {
        Some(pattern) => pattern.into(),
        None => "unmatched".into(),
    }
}

fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        _ => "other",
    }
}

/// Gives every request a span with an id (a trusted proxy's, or a fresh one; see
/// `request_id`), echoed in `X-Request-Id`, so a log line and a support ticket can be
/// matched. The access line is cheap by default: a request
/// that succeeded is logged at DEBUG (machines call /token and /introspect thousands of
/// times a second, and a line each would cost more than the answer), a refused one at
/// INFO and a failed one at WARN.
pub async fn request_span(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let proxies = req
        .app_data::<web::Data<Services>>()
        .map(|s| s.config.trusted_proxies.as_slice())
        .unwrap_or_default();
    let id = request_id::request_id(req.peer_addr(), req.headers(), proxies);
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %req.method(),
        path = %req.path(),
        status = tracing::field::Empty,
    );
    let started = std::time::Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    let status = res.status().as_u16();
    span.record("status", status);
    crate::metrics::get().http_request(
        route_label(&res),
        method_label(res.request().method()),
        status,
        started.elapsed(),
    );
    span.in_scope(|| match status {
        500.. => tracing::warn!(status, "done"),
        400..500 => tracing::info!(status, "done"),
        _ => tracing::debug!(status, "done"),
    });
    // The id's own bytes, not a copy of them.
    if let Ok(v) = HeaderValue::from_maybe_shared(web::Bytes::from(id)) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), v);
    }
    Ok(res)
}
