//! What an operator's Prometheus scrapes at `/metrics` (text format 0.0.4).
//!
//! One registry per process, like the Prometheus clients' default one: the counters are
//! facts about this process, bumped from whichever layer sees the event, with no handle
//! to thread through. Labels are bounded: a route is its pattern, a client is one that
//! authenticated (a client_id nobody proved is `-`, so guessing cannot grow the series),
//! an outcome is an RFC error code. What is a state rather than an event (store pool,
//! the signing keys in use) is set from the serving instance just before a scrape.

mod found;

use std::borrow::Cow;
use std::sync::LazyLock;
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use found::Found;

pub type Label = Cow<'static, str>;
type Labels<const N: usize> = [(&'static str, Label); N];

/// A status code as a label, borrowed for the codes sigil answers with, so a request
/// does not format its own.
fn status_label(status: u16) -> Label {
    const COMMON: [(u16, &str); 14] = [
        (200, "200"),
        (204, "204"),
        (302, "302"),
        (303, "303"),
        (400, "400"),
        (401, "401"),
        (403, "403"),
        (404, "404"),
        (405, "405"),
        (413, "413"),
        (415, "415"),
        (429, "429"),
        (500, "500"),
        (503, "503"),
    ];
    match COMMON.iter().find(|(code, _)| *code == status) {
        Some((_, label)) => Cow::Borrowed(label),
        None => Cow::Owned(status.to_string()),
    }
}

/// A counter family labelled first by the client, whose series the hot paths find per
/// thread (see [`found`]); `K` is the rest of its labels, all static.
struct ByClient<const N: usize, K: Send> {
    family: Family<Labels<N>, Counter>,
    found: Found<K, Counter>,
}

impl<const N: usize, K: Eq + std::hash::Hash + Send> ByClient<N, K> {
    fn new() -> Self {
        Self {
            family: Family::default(),
            found: Found::new(),
        }
    }

    /// Counts one for `client` (one that authenticated, or `-`) and `key`, whose labels
    /// in full `labels` gives, with the client's as its argument.
    fn inc(&self, client: &str, key: K, labels: impl FnOnce(Label) -> Labels<N>) {
        let find = || {
            self.family
                .get_or_create(&labels(Cow::Owned(client.to_owned())))
                .clone()
        };
        self.found.with(client, key, find, |counter| {
            counter.inc();
        });
    }
}

fn latency_histogram() -> Histogram {
    // 250 µs to ~8 s: the fast paths answer in well under a millisecond, a login in tens.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

pub struct Metrics {
    registry: Registry,
    families: Vec<String>,
    http_requests: Family<Labels<3>, Counter>,
    http_duration: Family<Labels<2>, Histogram, fn() -> Histogram>,
    token_requests: ByClient<3, (&'static str, &'static str)>,
    introspections: ByClient<2, &'static str>,
    revocations: ByClient<2, &'static str>,
    logins: Family<Labels<1>, Counter>,
    rate_limited: Family<Labels<1>, Counter>,
    hash_queue: Gauge,
    hash_wait: Histogram,
    dependency_errors: Family<Labels<2>, Counter>,
    store_connections: Family<Labels<1>, Gauge>,
    dependency_up: Family<Labels<1>, Gauge>,
    signing_keys: Family<Labels<2>, Gauge>,
    /// The series of both HTTP families, by route, found per thread (see [`found`]).
    http_found: Found<(&'static str, u16), (Counter, Histogram)>,
}

/// The registry, and the family names it was given.
struct Recorded {
    registry: Registry,
    families: Vec<String>,
}

impl Recorded {
    fn register(
        &mut self,
        name: &str,
        help: &str,
        metric: impl prometheus_client::registry::Metric,
    ) {
        let total = match metric.metric_type() {
            prometheus_client::metrics::MetricType::Counter => "_total",
            _ => "",
        };
        self.families.push(format!("sigil_{name}{total}"));
        self.registry.register(name, help, metric);
    }
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The process's metrics.
pub fn get() -> &'static Metrics {
    &METRICS
}

impl Metrics {
    fn new() -> Self {
        let mut r = Recorded {
            registry: Registry::with_prefix("sigil"),
            families: Vec::new(),
        };
        let m = Metrics {
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(latency_histogram),
            token_requests: ByClient::new(),
            introspections: ByClient::new(),
            revocations: ByClient::new(),
            logins: Family::default(),
            rate_limited: Family::default(),
            hash_queue: Gauge::default(),
            hash_wait: latency_histogram(),
            dependency_errors: Family::default(),
            store_connections: Family::default(),
            dependency_up: Family::default(),
            signing_keys: Family::default(),
            http_found: Found::new(),
            registry: Registry::default(),
            families: Vec::new(),
        };
        r.register(
            "http_requests",
            "HTTP requests by route pattern, method and status",
            m.http_requests.clone(),
        );
        r.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route pattern and status",
            m.http_duration.clone(),
        );
        r.register(
            "token_requests",
            "Requests at /token by authenticated client, grant type and outcome (issued, or the error code)",
            m.token_requests.family.clone(),
        );
        r.register(
            "introspections",
            "Answers at /introspect by calling client and result (active, inactive, or the error code)",
            m.introspections.family.clone(),
        );
        r.register(
            "revocations",
            "Requests at /revoke by client and outcome (revoked, or the error code)",
            m.revocations.family.clone(),
        );
        r.register(
            "logins",
            "Login form submissions by outcome",
            m.logins.clone(),
        );
        r.register(
            "rate_limited",
            "Requests refused by a guessing limit, by what was limited (login, client)",
            m.rate_limited.clone(),
        );
        r.register(
            "password_hash_queue_depth",
            "Password hashes waiting for an argon2 worker",
            m.hash_queue.clone(),
        );
        r.register(
            "password_hash_wait_seconds",
            "Time a password hash waited for an argon2 worker",
            m.hash_wait.clone(),
        );
        r.register(
            "dependency_errors",
            "Errors from the store, the revocation list (Redis) and the limiter, by kind",
            m.dependency_errors.clone(),
        );
        r.register(
            "store_connections",
            "Store pool connections by state (idle, in_use)",
            m.store_connections.clone(),
        );
        r.register(
            "dependency_up",
            "1 when the store or the revocation list (Redis) answered the scrape's ping",
            m.dependency_up.clone(),
        );
        r.register(
            "signing_key_active",
            "1 for the key that signs, by algorithm and kid",
            m.signing_keys.clone(),
        );
        Metrics {
            registry: r.registry,
            families: r.families,
            ..m
        }
    }

    /// The metric families as a scrape names them (`sigil_…`, counters with `_total`),
    /// including those with no series yet, which a scrape leaves out.
    pub fn families(&self) -> &[String] {
        &self.families
    }

    pub fn http_request(&self, route: Label, method: &'static str, status: u16, took: Duration) {
        let find = || {
            let status = status_label(status);
            (
                self.http_requests
                    .get_or_create(&[
                        ("route", route.clone()),
                        ("method", Cow::Borrowed(method)),
                        ("status", status.clone()),
                    ])
                    .clone(),
                self.http_duration
                    .get_or_create(&[("route", route.clone()), ("status", status)])
                    .clone(),
            )
        };
        self.http_found
            .with(&route, (method, status), find, |(requests, duration)| {
                requests.inc();
                duration.observe(took.as_secs_f64());
            });
    }

    /// `client`: one that authenticated, or `-`, here and below.
    pub fn token_request(&self, client: &str, grant_type: &'static str, outcome: &'static str) {
        self.token_requests
            .inc(client, (grant_type, outcome), |client| {
                [
                    ("client", client),
                    ("grant_type", Cow::Borrowed(grant_type)),
                    ("outcome", Cow::Borrowed(outcome)),
                ]
            });
    }

    pub fn introspection(&self, client: &str, result: &'static str) {
        self.introspections.inc(client, result, |client| {
            [("client", client), ("result", Cow::Borrowed(result))]
        });
    }

    pub fn revocation(&self, client: &str, outcome: &'static str) {
        self.revocations.inc(client, outcome, |client| {
            [("client", client), ("outcome", Cow::Borrowed(outcome))]
        });
    }

    pub fn login(&self, outcome: &'static str) {
        self.logins
            .get_or_create(&[("outcome", Cow::Borrowed(outcome))])
            .inc();
    }

    pub fn rate_limited(&self, what: &'static str) {
        self.rate_limited
            .get_or_create(&[("limited", Cow::Borrowed(what))])
            .inc();
    }

    /// A password hash joins the queue; [`Self::hash_started`] when a worker takes it.
    pub fn hash_queued(&self) {
        self.hash_queue.inc();
    }

    pub fn hash_started(&self, waited: Duration) {
        self.hash_queue.dec();
        self.hash_wait.observe(waited.as_secs_f64());
    }

    /// A queued hash that no worker will take (its caller went away, or the pool stopped).
    pub fn hash_dropped(&self) {
        self.hash_queue.dec();
    }

    /// `dependency`: store, revocation or limiter; `kind`: unavailable or error.
    pub fn dependency_error(&self, dependency: &'static str, kind: &'static str) {
        self.dependency_errors
            .get_or_create(&[
                ("dependency", Cow::Borrowed(dependency)),
                ("kind", Cow::Borrowed(kind)),
            ])
            .inc();
    }

    pub fn set_store_connections(&self, idle: u32, in_use: u32) {
        for (state, n) in [("idle", idle), ("in_use", in_use)] {
            self.store_connections
                .get_or_create(&[("state", Cow::Borrowed(state))])
                .set(i64::from(n));
        }
    }

    /// Whether `dependency` (store, revocation) answers now.
    pub fn set_dependency_up(&self, dependency: &'static str, up: bool) {
        self.dependency_up
            .get_or_create(&[("dependency", Cow::Borrowed(dependency))])
            .set(i64::from(up));
    }

    /// The signing keys now: `(alg, kid)` of each active key.
    pub fn set_signing_keys(&self, active: impl IntoIterator<Item = (Label, Label)>) {
        self.signing_keys.clear();
        for (alg, kid) in active {
            self.signing_keys
                .get_or_create(&[("alg", alg), ("kid", kid)])
                .set(1);
        }
    }

    /// The text a scrape gets.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::with_capacity(8 * 1024);
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_label_is_its_code_borrowed_or_not() {
        for status in [200, 303, 429, 503, 100, 418, 599] {
            assert_eq!(status_label(status), status.to_string());
        }
        assert!(matches!(status_label(200), Cow::Borrowed(_)));
        assert!(matches!(status_label(418), Cow::Owned(_)));
    }

    #[test]
    fn counts_reach_the_text_with_their_labels() {
        let m = Metrics::new();
        m.token_request("c1", "client_credentials", "issued");
        m.token_request("c1", "client_credentials", "issued");
        m.login("invalid_credentials");
        m.http_request("/token".into(), "POST", 200, Duration::from_millis(1));
        m.set_signing_keys([("ES256".into(), "k1".into())]);
        m.set_signing_keys([("ES256".into(), "k2".into())]);
        let text = m.encode().unwrap();
        assert!(text.contains(
            "sigil_token_requests_total{client=\"c1\",grant_type=\"client_credentials\",outcome=\"issued\"} 2\n"
        ), "{text}");
        assert!(text.contains("sigil_logins_total{outcome=\"invalid_credentials\"} 1\n"));
        assert!(text.contains(
            "sigil_http_request_duration_seconds_count{route=\"/token\",status=\"200\"} 1\n"
        ));
        // A key that stopped signing leaves the gauge.
        assert!(text.contains("sigil_signing_key_active{alg=\"ES256\",kid=\"k2\"} 1\n"));
        assert!(!text.contains("kid=\"k1\""), "{text}");
    }
}
