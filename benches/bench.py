#!/usr/bin/env python3
"""sigil's benchmark, side by side with a certified peer, in one run.

Every scenario runs against sigil on the embedded default and on Postgres + Redis, and
against panva's oidc-provider (in memory) where it has the same thing to offer. The load
comes from other processes on the same cores: wrk for the scenarios that drive a server
as hard as it goes, and `bench-tool probe` for introspection at a fixed rate during the
login flood. The servers run side by side and take turns, pass by pass: each is alone
under load while it is measured.

Every scenario first runs a warm-up that checks each response body (a real token,
`"active":true`, a code), so an error or a miss can never be counted as throughput. Then
three passes at each connection count; the table gives each figure's median over them.

    benches/run                 # everything; writes BENCHMARKS.md and benches/chart.svg
    benches/run --quick         # one short pass each, for a look while working
    benches/run --only introspect_10k --servers postgres

Results also go to benches/results/<date>.json.
"""

import argparse
import base64
import datetime
import hashlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import cpu
import report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCHES = os.path.join(ROOT, "benches")
WRK = os.path.join(BENCHES, "wrk")
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
# SIGIL_BIN measures another build (a baseline) with this harness.
SIGIL = os.environ.get("SIGIL_BIN", os.path.join(TARGET, "release", "sigil"))
# BENCH_TOOL likewise runs another build of the helper.
TOOL = os.environ.get("BENCH_TOOL", os.path.join(TARGET, "release", "examples", "bench-tool"))
REDIRECT = "http://127.0.0.1/callback"
PASSWORD = "correct horse battery staple"
DISTINCT = 10_000
# Refresh families per connection: each request takes one family's token and its response
# puts the successor back, so twice as many families as connections keeps every
# connection busy.
FAMILIES_PER_CONN = 2

SCENARIOS = {
    # name: (what it measures, the connection counts, who offers it)
    "issue": "client_credentials issuance",
    "introspect_hot": "introspection, one hot token",
    "introspect_10k": f"introspection, {DISTINCT:,} distinct live tokens",
    "refresh": "refresh rotation (two families per connection)",
    "login": "browser login (argon2-bound), /introspect probed at 1 000/s alongside",
    "jwks": "JWKS",
}


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def basic(client_id, secret):
    raw = f"{urllib.parse.quote_plus(client_id)}:{urllib.parse.quote_plus(secret)}"
    return "Basic " + base64.b64encode(raw.encode()).decode()


def pkce():
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Browser:
    """Just enough of a browser: a cookie jar, forms, redirects followed by hand."""

    def __init__(self, base):
        self.base = urllib.parse.urlsplit(base)
        self.cookies = {}

    def request(self, method, url, form=None, headers=None):
        target = urllib.parse.urlsplit(urllib.parse.urljoin(self.base.geturl(), url))
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        path = target.path + (f"?{target.query}" if target.query else "")
        conn.request(method, path, body=body, headers=h)
        res = conn.getresponse()
        text = res.read().decode("utf-8", "replace")
        for raw in res.headers.get_all("Set-Cookie") or []:
            name, _, rest = raw.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in raw.lower() or value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        conn.close()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, text

    def post_json(self, url, form, auth):
        status, _, text = self.request("POST", url, form, {"Authorization": auth})
        if status != 200:
            raise RuntimeError(f"POST {url}: {status} {text[:300]}")
        return json.loads(text)


class RssSampler:
    """Samples a process's resident set every 50 ms; `peak` is the highest seen."""

    def __init__(self, pid):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            self._stop.wait(0.05)


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


class Server:
    name = "?"
    label = "?"

    def __init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def wait_ready(self, path):
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label} exited with {self.proc.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", path)
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.label} did not become ready")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def redeem(self, browser, location, verifier):
        """The refresh token a code (in the redirect `location`) is exchanged for."""
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["code"][0]
        body = browser.post_json(self.token_path, {
            "grant_type": "authorization_code", "code": code,
            "redirect_uri": REDIRECT, "code_verifier": verifier,
        }, self.auth)
        return body["refresh_token"]

    def issue(self, scope="read", resource=None):
        form = {"grant_type": "client_credentials", "scope": scope}
        if resource:
            form["resource"] = resource
        return Browser(self.base).post_json(self.token_path, form, self.auth)["access_token"]


class Sigil(Server):
    token_path, introspect_path, jwks_path, login_path = (
        "/token",
        "/introspect",
        "/jwks.json",
        "/login",
    )
    offers = set(SCENARIOS)
    # A command sigil runs under (benches/profile.py: valgrind).
    wrapper = []

    def __init__(self, backend):
        super().__init__()
        self.backend = backend
        self.name = f"sigil-{backend}"
        self.label = {"embedded": "sigil, embedded", "postgres": "sigil, Postgres + Redis"}[backend]
        self.dir = tempfile.mkdtemp(prefix="sigil-bench-")
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "SIGIL_LISTEN": f"127.0.0.1:{self.port}",
            "SIGIL_ISSUER": self.base,
            "SIGIL_SQLITE_PATH": os.path.join(self.dir, "sigil.db"),
            "SIGIL_MASTER_KEY_FILE": os.path.join(self.dir, "master.key"),
            "SIGIL_ACCESS_TOKEN_TTL": "3600",
            "SIGIL_LOG": os.environ.get("SIGIL_LOG", "warn"),
        }
        # The hash's parameters reach the server as they reach `bench-tool hash-time`,
        # which reads this environment: the floor is always timed at the server's own.
        self.env.update({k: v for k, v in os.environ.items() if k.startswith("SIGIL_ARGON2_")})
        # For a measured comparison of worker placement (app/placement.rs).
        if "SIGIL_PIN_WORKERS" in os.environ:
            self.env["SIGIL_PIN_WORKERS"] = os.environ["SIGIL_PIN_WORKERS"]
        if backend == "postgres":
            self.db = f"sigil_bench_{os.getpid()}"
            subprocess.run(
                ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {self.db}"],
                check=True,
            )
            self.env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{self.db}"
            self.env["REDIS_URL"] = "redis://127.0.0.1:6379"
            self.env["SIGIL_REDIS_PREFIX"] = f"sigil-bench-{os.getpid()}:"

    def cli(self, *args, stdin=None):
        out = subprocess.run(
            [SIGIL, *args], env=self.env, input=stdin, capture_output=True, text=True
        )
        if out.returncode != 0:
            raise RuntimeError(f"sigil {' '.join(args)}: {out.stderr}")
        return json.loads(out.stdout) if "--json" in args else out.stdout

    def start(self):
        self.cli("migrate", "--json")
        client = self.cli(
            "clients", "create", "--name", "bench", "--redirect-uri", REDIRECT,
            "--grant-types", "client_credentials,authorization_code,refresh_token",
            "--scopes", "openid read", "--first-party", "--json",
        )
        self.client_id, self.secret = client["client_id"], client["client_secret"]
        self.auth = basic(self.client_id, self.secret)
        self.cli("users", "create", "--username", "bench", "--password-stdin", "--json", stdin=PASSWORD)
        self.proc = subprocess.Popen([*self.wrapper, SIGIL, "serve"], env=self.env)
        self.wait_ready("/healthz")

    def twin(self):
        """A second instance on this one's store and Redis, started."""
        twin = Sigil.__new__(Sigil)
        Server.__init__(twin)
        twin.backend, twin.name, twin.label = self.backend, self.name + "-twin", self.label
        twin.env = dict(self.env, SIGIL_LISTEN=f"127.0.0.1:{twin.port}", SIGIL_ISSUER=self.base)
        twin.proc = subprocess.Popen([SIGIL, "serve"], env=twin.env)
        twin.wait_ready("/healthz")
        return twin

    def stop_twin(self):
        Server.stop(self)

    def stop(self):
        super().stop()
        if self.backend == "postgres":
            subprocess.run(
                ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c",
                 f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)"],
                check=False,
            )
            pattern = f"{self.env['SIGIL_REDIS_PREFIX']}*"
            keys = subprocess.run(
                ["redis-cli", "-h", "127.0.0.1", "--scan", "--pattern", pattern],
                capture_output=True, text=True, check=False,
            ).stdout.split()
            for i in range(0, len(keys), 500):
                subprocess.run(["redis-cli", "-h", "127.0.0.1", "DEL", *keys[i:i + 500]],
                               capture_output=True, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def authorize_query(self, challenge):
        return urllib.parse.urlencode({
            "response_type": "code", "client_id": self.client_id, "redirect_uri": REDIRECT,
            "scope": "openid read", "state": "bench", "code_challenge": challenge,
            "code_challenge_method": "S256",
        })

    def login_form(self):
        """A login form as a browser holds it: the CSRF cookie and the form's fields."""
        browser = Browser(self.base)
        _, challenge = pkce()
        query = self.authorize_query(challenge)
        status, _, html = browser.request("GET", f"/authorize?{query}")
        if status != 200:
            raise RuntimeError(f"GET /authorize: {status}")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        form = dict(urllib.parse.parse_qsl(query))
        form.update({"csrf_token": csrf, "username": "bench", "password": PASSWORD})
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        return browser, form, cookie

    def refresh_families(self, count):
        browser, form, _ = self.login_form()
        status, headers, _ = browser.request("POST", "/login", form)
        if status not in (302, 303):
            raise RuntimeError(f"POST /login: {status}")
        tokens = []
        for _ in range(count):
            verifier, challenge = pkce()
            status, headers, _ = browser.request("GET", f"/authorize?{self.authorize_query(challenge)}")
            tokens.append(self.redeem(browser, headers.get("location", ""), verifier))
        return tokens


class Peer(Server):
    name = "oidc-provider"
    label = "oidc-provider 9"
    token_path, introspect_path, jwks_path = "/token", "/token/introspection", "/jwks"
    offers = {"issue", "introspect_hot", "introspect_10k", "refresh", "jwks"}

    def start(self):
        self.client_id, self.secret = "bench", secrets.token_urlsafe(32)
        self.auth = basic(self.client_id, self.secret)
        env = dict(os.environ, PORT=str(self.port), SECRET=self.secret, NODE_ENV="production")
        self.proc = subprocess.Popen(
            ["node", "server.js"], cwd=os.path.join(BENCHES, "peer"), env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.wait_ready("/.well-known/openid-configuration")

    def refresh_families(self, count):
        tokens = []
        for _ in range(count):
            browser = Browser(self.base)
            verifier, challenge = pkce()
            url = "/auth?" + urllib.parse.urlencode({
                "response_type": "code", "client_id": self.client_id, "redirect_uri": REDIRECT,
                "scope": "openid offline_access read", "prompt": "consent",
                "code_challenge": challenge, "code_challenge_method": "S256",
                "resource": "urn:bench:opaque",
            })
            method, form = "GET", None
            for _ in range(12):
                status, headers, html = browser.request(method, url, form)
                location = headers.get("location")
                if location and location.startswith(REDIRECT):
                    break
                if location:
                    method, url, form = "GET", location, None
                    continue
                action = re.search(r'<form[^>]*action="([^"]+)"', html).group(1)
                form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
                if form.get("prompt") == "login":
                    form.update({"login": "bench", "password": PASSWORD})
                method, url = "POST", action
            else:
                raise RuntimeError("the peer's login did not finish")
            tokens.append(self.redeem(browser, location, verifier))
        return tokens


def wrk(script, server, conns, seconds, env):
    args = ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s", "-s", script, server.base]
    out = subprocess.run(args, cwd=WRK, env=dict(os.environ, **env), capture_output=True, text=True)
    for prefix in ("RESULT ", "CHECK "):
        for line in out.stdout.splitlines():
            if line.startswith(prefix):
                return json.loads(line[len(prefix):])
    raise RuntimeError(f"wrk gave no result: {out.stdout}\n{out.stderr}")


class Scenario:
    """What one scenario needs from a server: the wrk script, its environment, and what
    every warm-up response must contain. `fresh()` re-prepares state a run used up."""

    def __init__(self, name, server, tokens_dir):
        self.name, self.server, self.tokens_dir = name, server, tokens_dir
        self.env = {"AUTH": server.auth}
        s = server
        if name == "issue":
            self.script, self.expect = "issue.lua", '"access_token":"'
            body = "grant_type=client_credentials&scope=read"
            self.env.update(TOKEN_PATH=s.token_path, BODY=body)
        elif name in ("introspect_hot", "introspect_10k"):
            self.script, self.expect = "introspect.lua", '"active":true'
            count = 1 if name == "introspect_hot" else DISTINCT
            resource = "urn:bench:opaque" if isinstance(s, Peer) else None
            log(f"  issuing {count} tokens to introspect")
            path = os.path.join(tokens_dir, f"{s.name}-{name}.txt")
            with open(path, "w") as f:
                f.writelines(t + "\n" for t in issue_many(s, count, resource))
            self.env.update(INTROSPECT_PATH=s.introspect_path, TOKENS=path)
        elif name == "refresh":
            self.script, self.expect = "refresh.lua", '"refresh_token":"'
            self.env.update(TOKEN_PATH=s.token_path)
        elif name == "login":
            self.script, self.expect = "login.lua", "code="
            _, form, cookie = s.login_form()
            self.env.update(LOGIN_PATH=s.login_path, BODY=urllib.parse.urlencode(form), COOKIE=cookie)
        elif name == "jwks":
            self.script, self.expect = "jwks.lua", '"keys":['
            self.env.update(JWKS_PATH=s.jwks_path)

    def fresh(self, conns):
        if self.name == "refresh":
            families = FAMILIES_PER_CONN * conns
            log(f"  making {families} refresh-token families")
            path = os.path.join(self.tokens_dir, f"{self.server.name}-families.txt")
            with open(path, "w") as f:
                f.writelines(t + "\n" for t in self.server.refresh_families(families))
            self.env["TOKENS"] = path
        return self.env


def issue_many(server, count, resource):
    """`count` access tokens, issued over a few connections at once."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: server.issue(resource=resource), range(count)))


def argon2_floor():
    """Logins per second the cores could do if they did nothing but hash: cores divided by
    the time of one hash at sigil's configured parameters, measured now."""
    out = subprocess.run([TOOL, "hash-time"], capture_output=True, text=True, check=True)
    measured = json.loads(out.stdout)
    seconds = measured["seconds_per_hash"]
    return os.cpu_count() / seconds, seconds, measured["all_cores_per_s"]


def probe(server, token, rate, seconds):
    """Introspection at a fixed rate while something else loads the server."""
    return subprocess.Popen(
        [TOOL, "probe", "--url", server.base + server.introspect_path, "--auth", server.auth,
         "--token", token, "--rate", str(rate), "--seconds", str(seconds)],
        stdout=subprocess.PIPE, text=True,
    )


def idle_floor():
    """The argon2 floor measured once the server has worked through a login pass's
    backlog (a pass's end leaves up to a queue's worth of logins queued; a pass that
    started on it would measure it as 503 busy, and a hash timed beside it would be
    slowed by it)."""
    time.sleep(3)
    return argon2_floor()


def measure_pass(scenario, conns, seconds):
    """One pass of `scenario` at `conns` connections. A login pass also gets the argon2
    floor timed just before and just after it: this host's speed drifts by a quarter
    within minutes, so a floor timed at the run's start or end says little about a pass
    in between. The faster of the two sets the pass's floor, so a slow moment never
    lowers the bar."""
    server = scenario.server
    floors = [idle_floor()] if scenario.name == "login" else []
    env = scenario.fresh(conns)
    prober, used = None, None
    if scenario.name == "login":
        token = server.issue()
        used = cpu.snapshot(server.proc.pid)
        prober = probe(server, token, 1000, seconds)
    with RssSampler(server.proc.pid) as rss:
        result = wrk(scenario.script, server, conns, seconds, env)
    if prober:
        result["probe"] = json.loads(prober.communicate()[0])
    # Only answers that were right count: an error is never throughput.
    good = result["requests"] - result["errors"] - result["non_2xx"]
    result["rate"] = max(good, 0) / (result["duration_us"] / 1e6)
    if used:
        result["cpu_ms_per_login"] = cpu.per_login(used, cpu.snapshot(server.proc.pid), good)
    result["rss_peak_kib"] = rss.peak
    share = ""
    if floors:
        floors.append(idle_floor())
        floor, hash_s, _ = max(floors)
        result["argon2"] = {"seconds_per_hash": hash_s, "floor_per_s": floor,
                            "all_cores_per_s": max(f[2] for f in floors),
                            "seconds_per_hash_measured": [f[1] for f in floors]}
        result["share_of_floor"] = result["rate"] / floor
        share = f"  {result['share_of_floor']:.0%} of the floor ({hash_s * 1000:.1f} ms a hash)"
        if result.get("cpu_ms_per_login"):
            share += "; CPU ms a login: " + ", ".join(
                f"{part} {ms:.2f}" for part, ms in result["cpu_ms_per_login"].items())
    log(f"    {server.label:<24} {conns:>3} conns: {result['rate']:>9.0f}/s"
        f"  p99 {result['p99_us'] / 1000:.2f} ms  errors {result['errors'] + result['non_2xx']}{share}")
    return result


LATENCIES = ("p50_us", "p99_us", "p999_us")


def median_pass(runs):
    """Three passes, medians: the median pass by throughput (by share of the argon2
    floor for logins), with each latency percentile and the probe's p99 replaced by its
    median over the passes, since the pass with the median throughput need not have the
    median tail, and each part's CPU per login likewise. Every pass's figures stay
    beside it."""
    key = "share_of_floor" if "share_of_floor" in runs[0] else "rate"
    runs = sorted(runs, key=lambda r: r[key])
    median = dict(runs[len(runs) // 2])
    median["passes"] = [round(r["rate"]) for r in runs]
    for name in LATENCIES:
        median[f"{name}_passes"] = [r[name] for r in runs]
        median[name] = statistics.median(r[name] for r in runs)
    if all(r.get("cpu_ms_per_login") for r in runs):
        median["cpu_ms_per_login"] = {
            part: statistics.median(r["cpu_ms_per_login"][part] for r in runs)
            for part in cpu.PARTS}
    if "probe" in median:
        median["probe"] = dict(median["probe"])
        median["probe"]["p99_passes_us"] = [r["probe"]["p99_us"] for r in runs]
        median["probe"]["p99_us"] = statistics.median(r["probe"]["p99_us"] for r in runs)
    return median


def propagation(server, tokens_dir, seconds, samples=20):
    """How long a revocation made on a second instance takes to reach a loaded one: while
    wrk introspects 10 000 tokens on `server` at 64 connections, a token is revoked at a
    twin on the same Postgres and Redis, and `server` is asked about it every millisecond
    until it answers inactive. Timed from the twin's answer to /revoke."""
    twin = server.twin()
    try:
        scenario = Scenario("introspect_10k", server, tokens_dir)
        env = scenario.fresh(64)
        load = {}
        thread = threading.Thread(
            target=lambda: load.update(wrk(scenario.script, server, 64, seconds, env)))
        thread.start()
        time.sleep(1)
        delays = []
        for _ in range(samples):
            token = server.issue()
            ask = Browser(server.base)
            if not ask.post_json(server.introspect_path, {"token": token}, server.auth)["active"]:
                raise RuntimeError("a fresh token reads inactive")
            status, _, _ = Browser(twin.base).request(
                "POST", "/revoke", {"token": token}, {"Authorization": server.auth})
            revoked = time.monotonic()
            if status != 200:
                raise RuntimeError(f"POST /revoke on the twin: {status}")
            while ask.post_json(server.introspect_path, {"token": token}, server.auth)["active"]:
                if time.monotonic() - revoked > 5:
                    raise RuntimeError("a revocation did not arrive within 5 s")
                time.sleep(0.001)
            delays.append((time.monotonic() - revoked) * 1000)
            time.sleep((seconds - 3) / samples)
        thread.join()
    finally:
        twin.stop_twin()
    delays.sort()
    good = load.get("requests", 0) - load.get("errors", 0) - load.get("non_2xx", 0)
    result = {
        "samples": len(delays),
        "p50_ms": statistics.median(delays),
        "max_ms": delays[-1],
        "load_rate": good / (load["duration_us"] / 1e6) if load else 0,
    }
    log(f"  propagation under load: median {result['p50_ms']:.1f} ms, max {result['max_ms']:.1f} ms"
        f" ({result['load_rate']:.0f}/s introspected meanwhile)")
    return result


def warm_up(scenario, seconds):
    env = dict(scenario.fresh(4), SCENARIO=scenario.script, EXPECT=scenario.expect)
    check = wrk("check.lua", scenario.server, 4, seconds, env)
    if check["bad"] or not check["ok"]:
        raise RuntimeError(f"{scenario.server.label} {scenario.name}: warm-up failed: {check}")
    log(f"  warm-up: {check['ok']} responses checked")


def run_servers(servers, wanted, args, tokens_dir):
    """Every scenario on every server that offers it. The servers are all started first
    and take turns pass by pass, each alone under load while the others idle, and each
    pass starts with the next server in line: this host's speed drifts within minutes
    (at times threefold for the peer), and run one after the other, a drift between one
    server's turn and the next would decide their ratio."""
    results = {s.name: {"label": s.label, "scenarios": {}} for s in servers}
    for server in servers:
        log(f"== starting {server.label}")
        server.start()
    time.sleep(1)
    for server in servers:
        results[server.name]["rss_idle_kib"] = rss_kib(server.proc.pid)
    for name in wanted:
        log(f"- {name}")
        scenarios = []
        for server in servers:
            if name in server.offers:
                log(f"  {server.label}")
                scenario = Scenario(name, server, tokens_dir)
                warm_up(scenario, 1 if args.quick else 3)
                scenarios.append(scenario)
        for conns in args.conns:
            runs = {s.server.name: [] for s in scenarios}
            for i in range(args.passes):
                turn = i % len(scenarios)
                for scenario in scenarios[turn:] + scenarios[:turn]:
                    runs[scenario.server.name].append(measure_pass(scenario, conns, args.seconds))
            for server_name, passes in runs.items():
                results[server_name]["scenarios"].setdefault(name, {})[str(conns)] = median_pass(passes)
        for scenario in scenarios:
            server = scenario.server
            results[server.name]["scenarios"][name]["rss_after_kib"] = rss_kib(server.proc.pid)
            if name == "introspect_10k" and getattr(server, "backend", None) == "postgres":
                results[server.name]["propagation"] = propagation(server, tokens_dir, args.seconds)
    for server in servers:
        results[server.name]["rss_end_kib"] = rss_kib(server.proc.pid)
    return results


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024),
        "os": platform.platform(),
        "wrk": subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0],
        "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="one 3-second pass per scenario")
    p.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    p.add_argument("--servers", default="embedded,postgres,peer")
    p.add_argument("--conns", default="16,64")
    p.add_argument("--label", default="", help="a name for this run in the results file")
    p.add_argument("--no-write", action="store_true", help="leave BENCHMARKS.md as it is")
    args = p.parse_args()
    args.seconds, args.passes = (3, 1) if args.quick else (10, 3)
    args.conns = [int(c) for c in args.conns.split(",")]
    wanted = [s for s in args.only.split(",") if s]
    for s in wanted:
        if s not in SCENARIOS:
            p.error(f"unknown scenario {s}; one of {', '.join(SCENARIOS)}")

    run = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "label": args.label,
        "command": " ".join(["benches/run", *sys.argv[1:]]),
        "machine": machine(),
        "quick": args.quick,
        "servers": {},
    }
    # The hash is also timed before and after the whole run, for the record; each login
    # pass is held against the floor timed beside it (measure_pass).
    floors = [argon2_floor()] if "login" in wanted else []
    with tempfile.TemporaryDirectory(prefix="sigil-bench-tokens-") as tokens_dir:
        servers = [Peer() if key == "peer" else Sigil(key) for key in args.servers.split(",")]
        try:
            run["servers"] = run_servers(servers, wanted, args, tokens_dir)
        finally:
            for server in servers:
                server.stop()
    if floors:
        floors.append(argon2_floor())
        floor, seconds, _ = max(floors)
        together = max(f[2] for f in floors)
        run["argon2"] = {"seconds_per_hash": seconds, "floor_per_s": floor,
                         "all_cores_per_s": together,
                         "seconds_per_hash_measured": [f[1] for f in floors]}
        log(f"argon2 floor: {floor:.1f} logins/s ({seconds * 1000:.1f} ms a hash, the faster of "
            f"{', '.join(f'{f[1] * 1000:.1f}' for f in floors)}); every core hashing at once: "
            f"{together:.1f} hashes/s")

    os.makedirs(os.path.join(BENCHES, "results"), exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H%M")
    path = os.path.join(BENCHES, "results", f"{stamp}{'-' + args.label if args.label else ''}.json")
    with open(path, "w") as f:
        json.dump(run, f, indent=1)
    log(f"results: {os.path.relpath(path, ROOT)}")
    print(report.table(run))
    if not args.no_write and not args.quick:
        report.write(run, ROOT)


if __name__ == "__main__":
    main()
