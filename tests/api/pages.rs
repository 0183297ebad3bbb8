//! The pages a person sees: accessible, styled by one stylesheet the CSP admits by its
//! hash, and branded by configuration with a logo sigil serves itself.

use reqwest::Response;

use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app, spawn_app_with};

/// The attribute `name` of one tag's text (`<input id="x" …>`).
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    tag.split(&format!(" {name}=\""))
        .nth(1)
        .and_then(|v| v.split('"').next())
}

/// The opening tags `<name …>` of a page.
fn tags<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    html.split(&format!("<{name}"))
        .skip(1)
        .filter(|rest| rest.starts_with([' ', '>']))
        .map(|rest| rest.split('>').next().unwrap())
        .collect()
}

/// What a screen-reader or keyboard user needs of a page, read from its HTML.
fn assert_accessible(what: &str, html: &str) {
    assert!(
        html.starts_with("<!doctype html>\n<html lang=\"en\">"),
        "{what}: a doctype and a language\n{html}"
    );
    let title = html
        .split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map(|(t, _)| t.trim());
    assert!(title.is_some_and(|t| !t.is_empty()), "{what}: a title");
    assert_eq!(tags(html, "h1").len(), 1, "{what}: one heading\n{html}");
    assert_eq!(tags(html, "main").len(), 1, "{what}: one main landmark");
    for input in tags(html, "input") {
        if attr(input, "type") == Some("hidden") {
            continue;
        }
        let id = attr(input, "id").unwrap_or_else(|| panic!("{what}: input without id: {input}"));
        assert!(
            html.contains(&format!("<label for=\"{id}\">")),
            "{what}: input {id} has no label"
        );
        assert!(
            attr(input, "autocomplete").is_some(),
            "{what}: {id} autocomplete"
        );
    }
    for img in tags(html, "img") {
        assert!(
            attr(img, "alt").is_some_and(|a| !a.is_empty()),
            "{what}: image without alt text: {img}"
        );
    }
    for button in html.split("<button").skip(1) {
        let label = button
            .split_once('>')
            .and_then(|(_, rest)| rest.split_once("</button>"))
            .map(|(text, _)| text.trim());
        assert!(
            label.is_some_and(|l| !l.is_empty()),
            "{what}: a button without text"
        );
    }
    // Focus follows the page's order; nothing is styled inline, outside the CSP's hash.
    assert!(!html.contains("tabindex"), "{what}: tabindex");
    assert!(!html.contains(" style=\""), "{what}: an inline style");
}

/// The page's headers say what it may load: its stylesheet by hash, nothing else.
fn csp_of(res: &Response) -> String {
    res.headers()
        .get("content-security-policy")
        .expect("a CSP")
        .to_str()
        .unwrap()
        .to_owned()
}

async fn page(res: Response) -> (String, String) {
    let csp = csp_of(&res);
    assert_eq!(
        res.headers()["content-type"],
        "text/html; charset=utf-8",
        "a page"
    );
    (csp, res.text().await.unwrap())
}

/// Every page a person can meet on the way in and out.
async fn every_page(app: &TestApp) -> Vec<(&'static str, String, String)> {
    let mut pages = Vec::new();
    let client = app.client(true, "authorization_code", "openid read").await;
    app.user("alice").await;
    let params = app.authorize_params(&client, &[]);
    let (csp, html) = page(app.get_authorize(&params).await).await;
    pages.push(("login", csp, html));
    let wrong = app.login(&params, "alice", "not her password").await;
    let (csp, html) = page(wrong).await;
    assert!(html.contains("aria-describedby=\"form-error\""), "{html}");
    pages.push(("login with an error", csp, html));
    let consent = app.login(&params, "alice", PASSWORD).await;
    let (csp, html) = page(consent).await;
    assert!(html.contains("Allow access?"), "{html}");
    pages.push(("consent", csp, html));
    let (csp, html) = page(app.get("/logout").await).await;
    pages.push(("logout", csp, html));
    let (csp, html) = page(app.get("/authorize").await).await;
    pages.push(("error", csp, html));
    pages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_accessible_and_admit_only_their_stylesheet() {
    let app = spawn_app(Backend::Sqlite).await;
    for (what, csp, html) in every_page(&app).await {
        assert_accessible(what, &html);
        assert!(
            csp.starts_with("default-src 'none'; style-src 'sha256-"),
            "{what}: {csp}"
        );
        assert!(
            !csp.contains("img-src"),
            "{what}: no logo, no image source: {csp}"
        );
        assert!(
            html.contains("<header>sigil</header>"),
            "{what}: the default name"
        );
        assert!(!html.contains("<script"), "{what}: no script");
        assert!(
            html.contains("@media (prefers-color-scheme:dark)"),
            "{what}: a dark scheme"
        );
    }
    // No logo configured: nothing to serve.
    assert_eq!(app.get("/branding/logo").await.status(), 404);
}

const LOGO: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\">\
<script>alert(1)</script><circle cx=\"5\" cy=\"5\" r=\"5\" fill=\"#c00\"/></svg>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn branding_comes_from_configuration_and_the_logo_from_sigil() {
    let logo = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(logo.path(), LOGO).unwrap();
    let path = logo.path().to_str().unwrap().to_owned();
    let app = spawn_app_with(Backend::Sqlite, |env| {
        env.push(("SIGIL_DISPLAY_NAME".into(), "Example <Corp>".into()));
        env.push(("SIGIL_ACCENT_COLOR".into(), "#ffd700".into()));
        env.push(("SIGIL_LOGO_FILE".into(), path));
    })
    .await;
    for (what, csp, html) in every_page(&app).await {
        assert_accessible(what, &html);
        assert!(
            html.contains("<img src=\"/branding/logo\" alt=\"Example &#60;Corp&#62;\">")
                || html.contains("<img src=\"/branding/logo\" alt=\"Example &lt;Corp&gt;\">"),
            "{what}: the logo, named\n{html}"
        );
        assert!(
            html.contains("· Example &"),
            "{what}: the name in the title"
        );
        // Gold wants dark text: the contrast is picked, not configured.
        assert!(
            html.contains(":root{--accent:#ffd700;--on-accent:#000000}"),
            "{what}: the accent"
        );
        assert!(csp.contains("; img-src 'self';"), "{what}: {csp}");
    }

    let res = app.get("/branding/logo").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let csp = csp_of(&res);
    assert!(
        csp.contains("sandbox") && csp.starts_with("default-src 'none'"),
        "an SVG runs no script: {csp}"
    );
    assert_eq!(res.text().await.unwrap(), LOGO);
}
