//! The flows a test walks through (client credentials, the browser login, code exchange,
//! refresh, introspection, revocation), and the assertions on what comes back.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Response, StatusCode};
use serde_json::Value;

use super::app::{CHALLENGE, PASSWORD, REDIRECT, TestApp, TestClient, VERIFIER};
use super::requests::form_of;

impl TestApp {
    pub async fn client_credentials(&self, client: &TestClient, scope: &str) -> Value {
        let res = self
            .token(client)
            .grant("client_credentials")
            .param("scope", scope)
            .send()
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    pub async fn introspect(&self, caller: &TestClient, token: &str) -> Value {
        let res = self
            .post_as("/introspect", caller, &[("token", token)])
            .await;
        assert_eq!(res.status(), StatusCode::OK, "introspection answers 200");
        assert_eq!(res.headers()["cache-control"], "no-store");
        res.json().await.unwrap()
    }

    pub async fn is_active(&self, caller: &TestClient, token: &str) -> bool {
        self.introspect(caller, token).await["active"] == Value::Bool(true)
    }

    pub async fn revoke(&self, caller: &TestClient, token: &str) -> Response {
        self.post_as("/revoke", caller, &[("token", token)]).await
    }

    pub fn authorize_params<'a>(
        &self,
        client: &'a TestClient,
        extra: &[(&'a str, &'a str)],
    ) -> Vec<(&'a str, &'a str)> {
        let mut p = vec![
            ("response_type", "code"),
            ("client_id", client.id.as_str()),
            ("redirect_uri", REDIRECT),
            ("scope", "openid read"),
            ("state", "st4te"),
            ("nonce", "n0nce"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ];
        for (k, v) in extra {
            p.retain(|(name, _)| name != k);
            if !v.is_empty() {
                p.push((k, v));
            }
        }
        p
    }

    pub async fn get_authorize(&self, params: &[(&str, &str)]) -> Response {
        self.http
            .get(format!("{}?{}", self.url("/authorize"), form_of(params)))
            .send()
            .await
            .unwrap()
    }

    /// Submits the login form shown for `params`, as a browser does: the form's own
    /// fields (what the page carries of the request, and its CSRF token) and the
    /// credentials.
    pub async fn login(&self, params: &[(&str, &str)], username: &str, password: &str) -> Response {
        let page = self.get_authorize(params).await;
        assert_eq!(page.status(), StatusCode::OK, "the login form is shown");
        let fields = hidden_fields(&page.text().await.unwrap());
        let mut form: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        form.push(("username", username));
        form.push(("password", password));
        self.post_raw(
            "/login",
            "application/x-www-form-urlencoded",
            form_of(&form),
        )
        .await
    }

    /// Answers the consent page `page` with `decision` (allow or deny).
    pub async fn answer_consent(&self, page: Response, decision: &str) -> Response {
        let mut form = hidden_fields(&page.text().await.unwrap());
        form.push(("decision".into(), decision.into()));
        self.post_consent(&form).await
    }

    pub async fn post_consent(&self, form: &[(String, String)]) -> Response {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.post_raw(
            "/consent",
            "application/x-www-form-urlencoded",
            form_of(&pairs),
        )
        .await
    }

    /// Logs alice in through the form for `params`: her session cookie.
    pub async fn session_of_login(&self, params: &[(&str, &str)]) -> String {
        session_of(&self.login(params, "alice", PASSWORD).await)
    }

    /// Whether the session cookie `session` alone gets `client` a code, silently.
    pub async fn authenticates(&self, client: &TestClient, session: &str) -> bool {
        let params = self.authorize_params(client, &[("prompt", "none")]);
        let res = super::cookieless_browser()
            .get(format!("{}?{}", self.url("/authorize"), form_of(&params)))
            .header("cookie", format!("sigil_session={session}"))
            .send()
            .await
            .unwrap();
        query_param(&location(&res), "code").is_some()
    }

    /// Logs `username` in and returns the code delivered to the redirect URI.
    pub async fn code_for(&self, client: &TestClient, username: &str) -> String {
        let params = self.authorize_params(client, &[]);
        let res = self.login(&params, username, PASSWORD).await;
        let location = location(&res);
        assert!(location.starts_with(REDIRECT), "{location}");
        query_param(&location, "code").expect("a code")
    }

    pub async fn exchange_code(&self, client: &TestClient, code: &str) -> Response {
        self.token(client)
            .grant("authorization_code")
            .params(&[
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ])
            .send()
            .await
    }

    /// The full browser flow: login, code, tokens.
    pub async fn tokens_for(&self, client: &TestClient, username: &str) -> Value {
        let code = self.code_for(client, username).await;
        let res = self.exchange_code(client, &code).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    /// Redeems the code that `answer` (a redirect to the client) delivers: the tokens.
    pub async fn redeem(&self, client: &TestClient, answer: &Response) -> Value {
        let code = query_param(&location(answer), "code").expect("a code");
        let res = self.exchange_code(client, &code).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    /// The OpenID discovery document.
    pub async fn discovery(&self) -> Value {
        self.get("/.well-known/openid-configuration")
            .await
            .json()
            .await
            .unwrap()
    }

    pub async fn refresh(&self, client: &TestClient, refresh_token: &str) -> Response {
        self.token(client)
            .grant("refresh_token")
            .param("refresh_token", refresh_token)
            .send()
            .await
    }
}

pub fn jwt_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).expect("a JWT has three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("the form has a CSRF token") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub fn location(res: &Response) -> String {
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "a redirect");
    res.headers()["location"].to_str().unwrap().to_owned()
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(url).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The `Set-Cookie` header that sets `name`, if any.
/// Waits until `token` reads inactive on every app, at most 2 s.
pub async fn inactive_everywhere_within_2s(apps: &[&TestApp], caller: &TestClient, token: &str) {
    let start = std::time::Instant::now();
    for app in apps {
        loop {
            if !app.is_active(caller, token).await {
                break;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(2),
                "still active after 2 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// The hidden fields of a page's form, unescaped.
/// Undoes HTML escaping of an attribute value (askama writes numeric references).
pub fn unescape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let Some(end) = tail.find(';') else {
            out.push_str(tail);
            return out;
        };
        let entity = &tail[1..end];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .map(|input| {
            let attr = |name: &str| {
                input
                    .split(&format!("{name}=\""))
                    .nth(1)
                    .and_then(|v| v.split('"').next())
                    .map(unescape_html)
                    .unwrap()
            };
            (attr("name"), attr("value"))
        })
        .collect()
}

/// The value of the `sigil_session` cookie a response sets.
pub fn session_of(res: &Response) -> String {
    let cookie = set_cookie(res, "sigil_session").expect("a session cookie");
    cookie["sigil_session=".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

pub fn set_cookie(res: &Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with(&format!("{name}=")))
}

/// The one assertion for OAuth errors: status, `error` code, JSON, no-store.
pub async fn assert_oauth_error(res: Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    assert_eq!(res.headers()["cache-control"], "no-store");
    if status == 401 {
        assert!(
            res.headers().contains_key("www-authenticate"),
            "401 carries WWW-Authenticate"
        );
    }
    if status == 503 {
        assert!(
            res.headers().contains_key("retry-after"),
            "503 carries Retry-After"
        );
    }
    let body: Value = res.json().await.expect("a JSON error body");
    assert_eq!(body["error"], code, "{body}");
    body
}
