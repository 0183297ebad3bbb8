//! Reading requests: bodies bounded, form-encoded only, parsed strictly.

use actix_web::HttpRequest;
use actix_web::http::header;
use actix_web::web;

use super::error::Refusal;
use crate::oauth::OAuthError;
use crate::oauth::form::Form;
use crate::services::Services;

/// No OAuth request needs more; larger bodies are refused before they are buffered.
pub const MAX_BODY: usize = 16 * 1024;

/// For a request outside the application (there is none in practice).
const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads an `application/x-www-form-urlencoded` body of at most [`MAX_BODY`] bytes,
/// whether or not it declares its length (a chunked body is cut off at the bound), within
/// the request timeout (a body trickled in must not hold a worker). Any other content
/// type is `invalid_request` (RFC 6749 §5.2 has no 415).
pub async fn form_body(req: &HttpRequest, payload: web::Payload) -> Result<Form, Refusal> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request(
            "content type must be application/x-www-form-urlencoded",
        )
        .into());
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return Err(Refusal::TooLarge);
    }
    let timeout = req
        .app_data::<web::Data<Services>>()
        .map_or(DEFAULT_TIMEOUT, |s| s.config.request_timeout);
    let body = tokio::time::timeout(timeout, payload.to_bytes_limited(MAX_BODY))
        .await
        .map_err(|_| Refusal::TooSlow)?
        .map_err(|_| Refusal::TooLarge)?
        .map_err(|_| OAuthError::invalid_request("could not read the body"))?;
    Ok(Form::parse(&body)?)
}

pub fn authorization(req: &HttpRequest) -> Result<Option<&str>, OAuthError> {
    match req.headers().get(header::AUTHORIZATION) {
        None => Ok(None),
        Some(v) => v.to_str().map(Some).map_err(|_| OAuthError::InvalidClient),
    }
}

pub fn query_form(req: &HttpRequest) -> Result<Form, Refusal> {
    if req.query_string().len() > MAX_BODY {
        return Err(Refusal::TooLarge);
    }
    Ok(Form::parse(req.query_string().as_bytes())?)
}
