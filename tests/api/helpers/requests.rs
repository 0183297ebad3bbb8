//! Building requests: a form POST to a machine endpoint ([`FormCall`]), a Bearer call,
//! raw bodies and a browser without cookies. Tests say what differs; the rest is here.

use reqwest::Response;

use super::app::{TestApp, TestClient};

pub fn form_of(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// How a form POST authenticates its client.
#[derive(Clone, Copy)]
enum Auth<'a> {
    None,
    /// client_secret_basic when the client has a secret, client_id in the body if not.
    Usual(&'a TestClient),
    /// client_secret_post.
    SecretInBody(&'a TestClient),
}

/// A form-encoded POST, as a client library would send it.
pub struct FormCall<'a> {
    app: &'a TestApp,
    path: &'a str,
    auth: Auth<'a>,
    pairs: Vec<(String, String)>,
}

impl<'a> FormCall<'a> {
    /// Authenticates as `client`: Basic with its secret, or its id alone if public.
    pub fn authenticated_as(mut self, client: &'a TestClient) -> Self {
        self.auth = Auth::Usual(client);
        self
    }

    /// Authenticates as `client` with client_secret_post.
    pub fn secret_in_body(mut self, client: &'a TestClient) -> Self {
        self.auth = Auth::SecretInBody(client);
        self
    }

    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.pairs.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn params(self, pairs: &[(&str, &str)]) -> Self {
        pairs.iter().fold(self, |call, (k, v)| call.param(k, v))
    }

    /// The /token `grant_type`.
    pub fn grant(self, grant_type: &str) -> Self {
        self.param("grant_type", grant_type)
    }

    pub fn build(self) -> reqwest::RequestBuilder {
        let mut pairs = self.pairs;
        let mut req = self.app.http.post(self.app.url(self.path));
        match self.auth {
            Auth::None => {}
            Auth::Usual(c) => match &c.secret {
                Some(secret) => req = req.basic_auth(&c.id, Some(secret)),
                None => pairs.push(("client_id".into(), c.id.clone())),
            },
            Auth::SecretInBody(c) => {
                pairs.push(("client_id".into(), c.id.clone()));
                pairs.push(("client_secret".into(), c.secret.clone().unwrap()));
            }
        }
        let borrowed: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        req.header("content-type", "application/x-www-form-urlencoded")
            .body(form_of(&borrowed))
    }

    pub async fn send(self) -> Response {
        self.build().send().await.unwrap()
    }
}

impl TestApp {
    /// A form POST to `path`, unauthenticated until told otherwise.
    pub fn call<'a>(&'a self, path: &'a str) -> FormCall<'a> {
        FormCall {
            app: self,
            path,
            auth: Auth::None,
            pairs: Vec::new(),
        }
    }

    /// A /token request from `client`.
    pub fn token<'a>(&'a self, client: &'a TestClient) -> FormCall<'a> {
        self.call("/token").authenticated_as(client)
    }

    pub async fn post_as(
        &self,
        path: &str,
        client: &TestClient,
        pairs: &[(&str, &str)],
    ) -> Response {
        self.call(path)
            .authenticated_as(client)
            .params(pairs)
            .send()
            .await
    }

    /// Sends `requests` at once and returns each answer's status and JSON body.
    pub async fn race(
        &self,
        requests: Vec<reqwest::RequestBuilder>,
    ) -> Vec<(u16, serde_json::Value)> {
        let tasks: Vec<_> = requests
            .into_iter()
            .map(|r| {
                tokio::spawn(async move {
                    let res = r.send().await.unwrap();
                    (res.status().as_u16(), res.json().await.unwrap())
                })
            })
            .collect();
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        answers
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        self.http
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    /// A GET with this `Authorization` header (or none).
    pub async fn get_with_authorization(
        &self,
        path: &str,
        authorization: Option<&str>,
    ) -> Response {
        let mut req = self.http.get(self.url(path));
        if let Some(a) = authorization {
            req = req.header("authorization", a);
        }
        req.send().await.unwrap()
    }

    /// /userinfo with `Authorization: Bearer <token>`.
    pub async fn userinfo(&self, token: &str) -> Response {
        self.get_with_authorization("/userinfo", Some(&format!("Bearer {token}")))
            .await
    }
}

/// A browser that keeps no cookies and follows no redirects: a cross-site attacker's
/// request, or a first visit.
pub fn cookieless_browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}
