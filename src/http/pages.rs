//! Server-rendered HTML: the login form, the logout pages, and the error page a person
//! sees when a request cannot be sent back to its application. No script, no third-party
//! resource; every value is HTML-escaped; the CSP forbids everything the pages do not use.

use actix_web::HttpResponse;
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::http::header;

use crate::domain::RedirectUri;

/// The style block's CSP hash is computed from this exact text.
const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem}\
label,input,button{display:block;width:100%;margin:.4rem 0}input,button{padding:.5rem;box-sizing:border-box}\
.error{color:#a00}";

fn csp() -> &'static str {
    static CSP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "default-src 'none'; style-src '{}'; frame-ancestors 'none'; base-uri 'none'; form-action 'self' https: http:",
            style_hash()
        )
    });
    &CSP
}

fn style_hash() -> &'static str {
    static HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let hash = ring::digest::digest(&ring::digest::SHA256, STYLE.as_bytes());
        use base64::Engine as _;
        format!(
            "sha256-{}",
            base64::engine::general_purpose::STANDARD.encode(hash.as_ref())
        )
    });
    &HASH
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

fn page(
    status: StatusCode,
    title: &str,
    body: &str,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    page_under(csp(), status, title, body, cookies)
}

fn page_under(
    csp: &str,
    status: StatusCode,
    title: &str,
    body: &str,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>",
        escape(title)
    );
    let mut res = HttpResponse::build(status);
    res.content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, csp))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    for c in cookies {
        res.cookie(c);
    }
    res.body(html)
}

/// Hidden form fields carrying `fields` through a page, values escaped.
fn hidden_inputs<'a>(fields: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    fields
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(name),
                escape(value)
            )
        })
        .collect()
}

pub fn error_page(message: &str) -> HttpResponse {
    let body = format!(
        "<h1>Sign-in request refused</h1><p class=\"error\">{}</p>\
<p>Go back to the application and try again. If this keeps happening, tell its owner.</p>",
        escape(message)
    );
    page(
        StatusCode::BAD_REQUEST,
        "Sign-in request refused",
        &body,
        Vec::new(),
    )
}

/// What a person sees when sigil cannot finish their sign-in: a page, never a JSON body.
/// A dependency that cannot answer is 503 with `Retry-After` ("try again"); anything else
/// is a fault of ours (500). Nothing was changed either way.
pub fn failure_page(unavailable: bool) -> HttpResponse {
    if unavailable {
        let body = "<h1>Please try again</h1>\
<p>Signing in is briefly unavailable. Nothing was changed: go back and try again in a \
few seconds.</p>";
        let mut res = page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Please try again",
            body,
            Vec::new(),
        );
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        res
    } else {
        let body = "<h1>Something went wrong</h1>\
<p>Signing in failed on our side. Go back to the application and try again; if this keeps \
happening, tell its owner.</p>";
        page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            body,
            Vec::new(),
        )
    }
}

pub struct LoginForm<'a> {
    /// The authorization request parameters, carried through the form unchanged.
    pub carried: &'a [(&'static str, String)],
    pub csrf: &'a str,
    pub client_name: &'a str,
    pub error: Option<&'a str>,
    pub username: &'a str,
}

pub fn login_page(form: &LoginForm<'_>, cookies: Vec<Cookie<'static>>) -> HttpResponse {
    let hidden = hidden_inputs(form.carried.iter().map(|(n, v)| (*n, v.as_ref())));
    let error = form
        .error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign in</h1><p>to continue to <strong>{client}</strong></p>{error}\
<form method=\"post\" action=\"/login\">{hidden}\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
<label for=\"username\">Username</label>\
<input id=\"username\" name=\"username\" autocomplete=\"username\" required value=\"{user}\">\
<label for=\"password\">Password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
<button type=\"submit\">Sign in</button></form>",
        client = escape(form.client_name),
        csrf = escape(form.csrf),
        user = escape(form.username),
    );
    page(StatusCode::OK, "Sign in", &body, cookies)
}

/// The form_post response (OAuth 2.0 Form Post Response Mode): a form that posts
/// `params` to the client's redirect URI, submitted by one script the CSP admits by its
/// per-response `nonce`, and by a button where scripts do not run. The form may post to
/// the redirect URI's origin only.
pub fn form_post_page(
    redirect_uri: &RedirectUri,
    params: &[(&'static str, String)],
    nonce: &str,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    let hidden = hidden_inputs(params.iter().map(|(n, v)| (*n, v.as_ref())));
    let body = format!(
        "<h1>Continue to the application</h1>\
<form method=\"post\" action=\"{action}\">{hidden}<button type=\"submit\">Continue</button></form>\
<script nonce=\"{nonce}\">document.forms[0].submit()</script>",
        action = escape(redirect_uri.as_str()),
        nonce = escape(nonce),
    );
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src '{}'; frame-ancestors 'none'; base-uri 'none'; form-action {}",
        style_hash(),
        form_action_source(redirect_uri),
    );
    page_under(&csp, StatusCode::OK, "Continue", &body, cookies)
}

/// The CSP source a form may post to for `uri`: its origin, or its scheme alone for a
/// native app's private-use scheme, which has no host.
fn form_action_source(uri: &RedirectUri) -> String {
    match url::Url::parse(uri.as_str()) {
        Ok(url) => match url.host_str() {
            Some(host) => match url.port() {
                Some(port) => format!("{}://{host}:{port}", url.scheme()),
                None => format!("{}://{host}", url.scheme()),
            },
            None => format!("{}:", url.scheme()),
        },
        // Unreachable for a registered URI; posting nowhere is the safe answer.
        Err(_) => "'none'".to_owned(),
    }
}

/// Asks the signed-in person whether `client_name` may have `scopes`.
pub fn consent_page(
    carried: &[(&'static str, String)],
    csrf: &str,
    client_name: &str,
    scopes: &[&str],
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    let hidden = hidden_inputs(carried.iter().map(|(n, v)| (*n, v.as_ref())));
    let items: String = scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape(s)))
        .collect();
    let body = format!(
        "<h1>Allow access?</h1><p><strong>{client}</strong> asks for:</p><ul>{items}</ul>\
<form method=\"post\" action=\"/consent\">{hidden}\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
<button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\
<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>",
        client = escape(client_name),
        csrf = escape(csrf),
    );
    page(StatusCode::OK, "Allow access?", &body, cookies)
}

/// Asks the person to confirm a logout no ID token of theirs vouched for.
pub fn logout_confirm_page(
    carried: &[(&'static str, &str)],
    csrf: &str,
    client_name: Option<&str>,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    let hidden = hidden_inputs(carried.iter().map(|(n, v)| (*n, *v)));
    let asking = client_name
        .map(|n| {
            format!(
                "<p><strong>{}</strong> asks to sign you out.</p>",
                escape(n)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign out?</h1>{asking}<form method=\"post\" action=\"/logout\">{hidden}\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">\
<button type=\"submit\" name=\"confirm\" value=\"yes\">Sign out</button></form>",
        csrf = escape(csrf),
    );
    page(StatusCode::OK, "Sign out?", &body, cookies)
}

/// The end of a logout with nowhere to send the person back to.
pub fn signed_out_page(cookies: Vec<Cookie<'static>>) -> HttpResponse {
    let body = "<h1>You are signed out</h1><p>You can close this window.</p>";
    page(StatusCode::OK, "Signed out", body, cookies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\" onclick='y'>&</a>"),
            "&lt;a href=&quot;x&quot; onclick=&#x27;y&#x27;&gt;&amp;&lt;/a&gt;"
        );
    }
}
