//! The one mapping from [`OAuthError`] to an HTTP response (RFC 6749 §5.2).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use serde_json::json;

use crate::oauth::OAuthError;

pub fn status_of(e: &OAuthError) -> StatusCode {
    match e {
        OAuthError::InvalidClient => StatusCode::UNAUTHORIZED,
        OAuthError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        OAuthError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        OAuthError::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        OAuthError::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

pub fn oauth_error_response(e: &OAuthError) -> HttpResponse {
    let status = status_of(e);
    let mut body = json!({ "error": e.code() });
    if let Some(d) = e.description() {
        body["error_description"] = d.into();
    }
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
    if status == StatusCode::UNAUTHORIZED {
        res.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"sigil\""));
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.insert_header((header::RETRY_AFTER, "1"));
    }
    res.json(body)
}
