//! Server-rendered HTML: the login, consent and logout pages, the form_post response,
//! and the pages a person sees when a request cannot go back to its application.
//!
//! Every page is an askama template (`templates/`), checked at compile time and
//! HTML-escaped unless a value is marked safe; only the stylesheet is, and it is fixed
//! once the configuration is read. The pages work without script (form_post's one
//! script is a shortcut for its button) and the CSP forbids everything they do not use:
//! the stylesheet by its hash, images from sigil only, and only when a logo is set.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::branding::{Branding, LogoType};
use crate::domain::RedirectUri;
use crate::services::Services;

/// Where the logo is served; the pages' CSP admits images from here only.
pub const LOGO_PATH: &str = "/branding/logo";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    brand: &'a Branding,
    title: &'a str,
    carried: &'a [(&'static str, String)],
    csrf: &'a str,
    client_name: &'a str,
    error: Option<&'a str>,
    username: &'a str,
}

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage<'a> {
    brand: &'a Branding,
    title: &'a str,
    carried: &'a [(&'static str, String)],
    csrf: &'a str,
    client_name: &'a str,
    scopes: &'a [&'a str],
}

#[derive(Template)]
#[template(path = "logout_confirm.html")]
struct LogoutConfirmPage<'a> {
    brand: &'a Branding,
    title: &'a str,
    carried: &'a [(&'static str, &'a str)],
    csrf: &'a str,
    client_name: Option<&'a str>,
}

/// A page that only tells: an error, a failure, the end of a logout.
#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    brand: &'a Branding,
    title: &'a str,
    detail: Option<&'a str>,
    advice: &'a str,
}

#[derive(Template)]
#[template(path = "form_post.html")]
struct FormPostPage<'a> {
    brand: &'a Branding,
    title: &'a str,
    action: &'a str,
    carried: &'a [(&'static str, String)],
    nonce: &'a str,
}

/// The CSP of every page but form_post's.
fn csp(brand: &Branding) -> String {
    format!(
        "default-src 'none'; style-src '{}'{}; frame-ancestors 'none'; base-uri 'none'; form-action 'self' https: http:",
        brand.style_hash(),
        img_src(brand),
    )
}

fn img_src(brand: &Branding) -> &'static str {
    if brand.logo().is_some() {
        "; img-src 'self'"
    } else {
        ""
    }
}

fn page(
    brand: &Branding,
    status: StatusCode,
    html: askama::Result<String>,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    page_under(&csp(brand), status, html, cookies)
}

fn page_under(
    csp: &str,
    status: StatusCode,
    html: askama::Result<String>,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    let html = match html {
        Ok(html) => html,
        Err(e) => {
            // The templates are checked at build time; a failure here is a bug of ours.
            tracing::error!(error = %e, "a page failed to render");
            return HttpResponse::InternalServerError()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .body("sigil could not render this page");
        }
    };
    let mut res = HttpResponse::build(status);
    res.content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, csp))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    for c in cookies {
        res.cookie(c);
    }
    res.body(html)
}

fn message(
    brand: &Branding,
    status: StatusCode,
    title: &str,
    detail: Option<&str>,
    advice: &str,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    let html = MessagePage {
        brand,
        title,
        detail,
        advice,
    }
    .render();
    page(brand, status, html, cookies)
}

pub fn error_page(brand: &Branding, detail: &str) -> HttpResponse {
    message(
        brand,
        StatusCode::BAD_REQUEST,
        "Sign-in request refused",
        Some(detail),
        "Go back to the application and try again. If this keeps happening, tell its owner.",
        Vec::new(),
    )
}

/// What a person sees when sigil cannot finish their sign-in: a page, never a JSON body.
/// A dependency that cannot answer is 503 with `Retry-After` ("try again"); anything else
/// is a fault of ours (500). Nothing was changed either way.
pub fn failure_page(brand: &Branding, unavailable: bool) -> HttpResponse {
    if unavailable {
        let mut res = message(
            brand,
            StatusCode::SERVICE_UNAVAILABLE,
            "Please try again",
            None,
            "Signing in is briefly unavailable. Nothing was changed: go back and try again \
             in a few seconds.",
            Vec::new(),
        );
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        res
    } else {
        message(
            brand,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            None,
            "Signing in failed on our side. Go back to the application and try again; if \
             this keeps happening, tell its owner.",
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

pub fn login_page(
    brand: &Branding,
    form: &LoginForm<'_>,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    let html = LoginPage {
        brand,
        title: "Sign in",
        carried: form.carried,
        csrf: form.csrf,
        client_name: form.client_name,
        error: form.error,
        username: form.username,
    }
    .render();
    page(brand, StatusCode::OK, html, cookies)
}

/// The form_post response (OAuth 2.0 Form Post Response Mode): a form that posts
/// `params` to the client's redirect URI, submitted by one script the CSP admits by its
/// per-response `nonce`, and by a button where scripts do not run. The form may post to
/// the redirect URI's origin only.
pub fn form_post_page(
    brand: &Branding,
    redirect_uri: &RedirectUri,
    params: &[(&'static str, String)],
    nonce: &str,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    let html = FormPostPage {
        brand,
        title: "Continue",
        action: redirect_uri.as_str(),
        carried: params,
        nonce,
    }
    .render();
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src '{}'{}; frame-ancestors 'none'; base-uri 'none'; form-action {}",
        brand.style_hash(),
        img_src(brand),
        form_action_source(redirect_uri),
    );
    page_under(&csp, StatusCode::OK, html, cookies)
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
    brand: &Branding,
    carried: &[(&'static str, String)],
    csrf: &str,
    client_name: &str,
    scopes: &[&str],
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    let html = ConsentPage {
        brand,
        title: "Allow access?",
        carried,
        csrf,
        client_name,
        scopes,
    }
    .render();
    page(brand, StatusCode::OK, html, cookies)
}

/// Asks the person to confirm a logout no ID token of theirs vouched for.
pub fn logout_confirm_page(
    brand: &Branding,
    carried: &[(&'static str, &str)],
    csrf: &str,
    client_name: Option<&str>,
    cookies: Vec<Cookie<'static>>,
) -> HttpResponse {
    let html = LogoutConfirmPage {
        brand,
        title: "Sign out?",
        carried,
        csrf,
        client_name,
    }
    .render();
    page(brand, StatusCode::OK, html, cookies)
}

/// The end of a logout with nowhere to send the person back to.
pub fn signed_out_page(brand: &Branding, cookies: Vec<Cookie<'static>>) -> HttpResponse {
    message(
        brand,
        StatusCode::OK,
        "You are signed out",
        None,
        "You can close this window.",
        cookies,
    )
}

/// GET /branding/logo: the configured logo. An SVG is a document that could carry
/// script, so it is served sandboxed, with no script and no outside resource, and never
/// sniffed as anything else.
pub async fn logo(services: web::Data<Services>) -> HttpResponse {
    let Some(logo) = services.config.branding.logo() else {
        return HttpResponse::NotFound().finish();
    };
    let mut res = HttpResponse::Ok();
    res.content_type(logo.kind().content_type())
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"));
    if logo.kind() == LogoType::Svg {
        res.insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        ));
    }
    res.body(logo.bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(res: HttpResponse) -> String {
        let bytes = actix_web::body::to_bytes(res.into_body()).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[actix_web::test]
    async fn every_value_is_escaped_in_text_and_attributes() {
        let brand = Branding::default();
        let carried = [("state", "\"><script>alert(1)</script>".to_owned())];
        let res = login_page(
            &brand,
            &LoginForm {
                carried: &carried,
                csrf: "c'srf",
                client_name: "<b>Evil & Co</b>",
                error: Some("<img src=x onerror=alert(1)>"),
                username: "\" autofocus onfocus=\"alert(1)",
            },
            Vec::new(),
        );
        let html = body(res).await;
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("\" autofocus"), "{html}");
        assert!(!html.contains("c'srf"), "{html}");
        assert!(
            html.contains("<strong>&#60;b&#62;Evil &#38; Co&#60;/b&#62;</strong>"),
            "{html}"
        );
    }

    #[actix_web::test]
    async fn the_stylesheet_in_the_page_is_the_one_the_csp_hashes() {
        let brand = Branding::default();
        let res = error_page(&brand, "no");
        let csp = res
            .headers()
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let html = body(res).await;
        let style = html
            .split_once("<style>")
            .and_then(|(_, rest)| rest.split_once("</style>"))
            .map(|(style, _)| style)
            .unwrap();
        let digest = ring::digest::digest(&ring::digest::SHA256, style.as_bytes());
        use base64::Engine as _;
        let hash = base64::engine::general_purpose::STANDARD.encode(digest.as_ref());
        assert!(csp.contains(&format!("style-src 'sha256-{hash}'")), "{csp}");
        assert!(!csp.contains("img-src"), "no logo, no images: {csp}");
        assert_eq!(html.matches("<style").count(), 1);
        assert!(!html.contains("style=\""), "no inline style attribute");
    }
}
