//! The one mapping from errors to HTTP responses: [`OAuthError`] per RFC 6749 §5.2, and
//! the few refusals that exist only at the HTTP edge ([`Refusal`]).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use serde_json::json;

use crate::oauth::OAuthError;

/// Why a request was refused: an OAuth error, or a body too large to read at all, which
/// has its own HTTP status (413) and never reaches the protocol.
#[derive(Debug)]
pub enum Refusal {
    TooLarge,
    /// The body did not arrive within the request timeout.
    TooSlow,
    OAuth(OAuthError),
}

impl From<OAuthError> for Refusal {
    fn from(e: OAuthError) -> Self {
        Self::OAuth(e)
    }
}

impl Refusal {
    /// What a person reads on an error page.
    pub fn describe(&self) -> String {
        match self {
            Self::TooLarge => "The request is too large.".into(),
            Self::TooSlow => "The request took too long to arrive.".into(),
            Self::OAuth(e) => e.description().unwrap_or_else(|| e.code().to_owned()),
        }
    }
}

/// RFC 6749 §5.2: 400 for every error but `invalid_client` (401); a dependency that
/// cannot answer is 503 and a fault of ours 500.
pub fn status_of(e: &OAuthError) -> StatusCode {
    match e {
        OAuthError::InvalidClient => StatusCode::UNAUTHORIZED,
        OAuthError::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        OAuthError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
        OAuthError::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

pub fn oauth_error_response(e: &OAuthError) -> HttpResponse {
    let mut res = error_json(status_of(e), e.code(), e.description());
    if let OAuthError::TooManyAttempts(seconds) = e
        && let Ok(v) = header::HeaderValue::from_str(&seconds.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

pub fn refusal_response(r: &Refusal) -> HttpResponse {
    match r {
        Refusal::TooLarge => error_json(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            Some("request body too large".into()),
        ),
        Refusal::TooSlow => error_json(
            StatusCode::REQUEST_TIMEOUT,
            "invalid_request",
            Some("the request body took too long to arrive".into()),
        ),
        Refusal::OAuth(e) => oauth_error_response(e),
    }
}

fn error_json(status: StatusCode, code: &str, description: Option<String>) -> HttpResponse {
    let mut body = json!({ "error": code });
    if let Some(d) = description {
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
