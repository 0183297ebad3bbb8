#!/usr/bin/env python3
"""Instructions per request on the hot paths, counted by callgrind: repeatable for the same
binary and inputs whatever else the machine does, so two builds compare exactly.

    python3 benches/profile.py                      # the release build benches/run makes
    SIGIL_BIN=/path/to/old/sigil python3 benches/profile.py --label before

For each backend, sigil runs under `valgrind --tool=callgrind` with instrumentation off;
after a warm-up, it is switched on for exactly N requests over one kept-alive connection,
then off again. The load comes from this process, which callgrind does not count. Prints
instructions per request and the functions that cost the most (self cost), and saves both
in benches/results/profile-<date>[-label].json.
"""

import argparse
import datetime
import http.client
import json
import os
import re
import subprocess
import tempfile
import time

import bench

PATHS = {
    "issue": "client_credentials issuance",
    "introspect_distinct": "introspection, each token seen for the first time",
    "introspect_hot": "introspection, one hot token",
}


class Client:
    """One kept-alive connection, as a resource server's HTTP client holds it."""

    def __init__(self, server):
        self.server = server
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)

    def post(self, path, body):
        self.conn.request("POST", path, body=body, headers={
            "Authorization": self.server.auth,
            "Content-Type": "application/x-www-form-urlencoded",
        })
        res = self.conn.getresponse()
        text = res.read().decode()
        if res.status != 200:
            raise RuntimeError(f"POST {path}: {res.status} {text[:200]}")
        return text


def callgrind(pid, *args):
    subprocess.run(["callgrind_control", *args, str(pid)], check=True, capture_output=True)


def measure(server, out_dir, name, count, send):
    """Counts the instructions of `count` calls of `send(i)`."""
    pid = server.proc.pid
    callgrind(pid, "--zero")
    callgrind(pid, "--instr=on")
    for i in range(count):
        send(i)
    callgrind(pid, "--instr=off")
    callgrind(pid, f"--dump={name}")
    time.sleep(0.5)
    # Dumps are numbered callgrind.out.<pid>.<n>; the newest has the highest n.
    dumps = [f for f in os.listdir(out_dir) if re.fullmatch(r"callgrind\.out\.\d+\.\d+", f)]
    newest = max(dumps, key=lambda f: int(f.rsplit(".", 1)[1]))
    annotated = subprocess.run(
        ["callgrind_annotate", "--threshold=99", os.path.join(out_dir, newest)],
        capture_output=True, text=True,
        check=True,
    ).stdout
    total = int(re.search(r"^([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", annotated, re.M)
                .group(1).replace(",", ""))
    top = []
    for line in annotated.splitlines():
        m = re.match(r"^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(.*)$", line)
        if m and "PROGRAM TOTALS" not in line and len(top) < 10:
            top.append({"share": float(m.group(2)), "function": short(m.group(3))})
    return {"instructions_per_request": total / count, "requests": count, "top": top}


def short(symbol):
    """A function's name without its file and generic noise, for a table."""
    symbol = symbol.split(":", 1)[-1] if re.match(r"^[^ ]*\.(rs|c|h|S)\b", symbol) else symbol
    symbol = re.sub(r" \[[^\]]*\]$", "", symbol)
    return symbol[:110]


def profile(backend, count):
    server = bench.Sigil(backend)
    out_dir = tempfile.mkdtemp(prefix="sigil-callgrind-")
    server.wrapper = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                      f"--callgrind-out-file={out_dir}/callgrind.out.%p"]
    server.start()
    results = {}
    try:
        client = Client(server)
        issue_body = "grant_type=client_credentials&scope=read"
        # Warm: keys, the client cache, the revocation copy, allocator pools.
        for _ in range(200):
            client.post(server.token_path, issue_body)
        time.sleep(1)
        results["issue"] = measure(server, out_dir, "issue", count,
                                   lambda _: client.post(server.token_path, issue_body))
        tokens = [json.loads(client.post(server.token_path, issue_body))["access_token"]
                  for _ in range(count)]
        results["introspect_distinct"] = measure(
            server, out_dir, "introspect_distinct", count,
            lambda i: client.post(server.introspect_path, f"token={tokens[i]}"))
        results["introspect_hot"] = measure(
            server, out_dir, "introspect_hot", count,
            lambda _: client.post(server.introspect_path, f"token={tokens[0]}"))
    finally:
        server.stop()
    for path, r in results.items():
        bench.log(f"{server.label}, {PATHS[path]}: {r['instructions_per_request']:,.0f} instructions a request")
    return {"label": server.label, "paths": results}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--backends", default="embedded,postgres")
    p.add_argument("--label", default="")
    args = p.parse_args()
    run = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "label": args.label,
        "binary": bench.SIGIL,
        "backends": {b: profile(b, args.requests) for b in args.backends.split(",")},
    }
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H%M")
    path = os.path.join(bench.BENCHES, "results",
                        f"profile-{stamp}{'-' + args.label if args.label else ''}.json")
    with open(path, "w") as f:
        json.dump(run, f, indent=1)
    bench.log(f"results: {os.path.relpath(path, bench.ROOT)}")


if __name__ == "__main__":
    main()
