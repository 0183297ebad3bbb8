"""Turns a benchmark run (benches/results/*.json) into BENCHMARKS.md's tables and chart.

    python3 benches/report.py benches/results/<run>.json    # rewrite from a saved run
    python3 benches/report.py --compare BEFORE.json AFTER.json   # a before/after table
"""

import json
import math
import os
import sys

BEGIN = "<!-- results: written by benches/run; edit outside these markers -->"
END = "<!-- end of results -->"
ORDER = ["sigil-postgres", "sigil-embedded", "oidc-provider"]
COLOURS = {"sigil-postgres": "#1f5fa8", "sigil-embedded": "#6aa5e0", "oidc-provider": "#c8702a"}
SCENARIO_LABELS = {
    "issue": "client_credentials issuance",
    "introspect_hot": "introspection, one hot token",
    "introspect_10k": "introspection, 10 000 distinct tokens",
    "refresh": "refresh rotation",
    "login": "browser login",
    "jwks": "JWKS",
}


def servers(run):
    return [s for s in ORDER if s in run["servers"]]


def cell(r):
    if r is None:
        return "—"
    errors = r["errors"] + r["non_2xx"]
    rate = f"{r['rate'] / 1000:.1f} k/s" if r["rate"] >= 1000 else f"{r['rate']:.0f}/s"
    text = f"{rate}, p99 {r['p99_us'] / 1000:.1f} ms"
    return text + (f", **{errors} errors**" if errors else "")


def result(run, server, scenario, conns):
    return run["servers"].get(server, {}).get("scenarios", {}).get(scenario, {}).get(str(conns))


def conn_counts(run):
    counts = set()
    for s in run["servers"].values():
        for sc in s["scenarios"].values():
            counts.update(int(k) for k in sc if k.isdigit())
    return sorted(counts)


def mib(kib):
    return f"{kib / 1024:.0f} MiB"


def table(run):
    names = servers(run)
    labels = [run["servers"][s]["label"] for s in names]
    lines = []
    for conns in conn_counts(run):
        lines.append(f"**{conns} connections** ({'1 pass' if run['quick'] else 'medians of 3 passes, throughput and each percentile on its own'}):\n")
        head = ["scenario", *labels]
        if "oidc-provider" in names:
            head.append("sigil (Postgres + Redis) ÷ peer")
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + " --- |" * len(head))
        for scenario, label in SCENARIO_LABELS.items():
            row = [result(run, s, scenario, conns) for s in names]
            if all(r is None for r in row):
                continue
            cells = [label, *(cell(r) for r in row)]
            if "oidc-provider" in names:
                mine = result(run, "sigil-postgres", scenario, conns)
                peer = result(run, "oidc-provider", scenario, conns)
                cells.append(f"{mine['rate'] / peer['rate']:.1f}×" if mine and peer else "—")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines.append("Latency in detail (p50 / p99 / p99.9, ms) and the server's peak RSS during the run:\n")
    lines.append("| scenario | conns | " + " | ".join(labels) + " |")
    lines.append("|" + " --- |" * (len(labels) + 2))
    for scenario, label in SCENARIO_LABELS.items():
        for conns in conn_counts(run):
            row = [result(run, s, scenario, conns) for s in names]
            if all(r is None for r in row):
                continue
            cells = [label, str(conns)]
            for r in row:
                if r is None:
                    cells.append("—")
                    continue
                text = (f"{r['p50_us'] / 1000:.2f} / {r['p99_us'] / 1000:.2f} / "
                        f"{r['p999_us'] / 1000:.2f}, {mib(r['rss_peak_kib'])}")
                if "probe" in r:
                    p = r["probe"]
                    text += (f"; /introspect at {p['rate']:.0f}/s alongside: p99 "
                             f"{p['p99_us'] / 1000:.2f} ms, {p['errors']} errors")
                cells.append(text)
            lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| memory (RSS) | " + " | ".join(labels) + " |")
    lines.append("|" + " --- |" * (len(labels) + 1))
    lines.append("| idle, after start | " + " | ".join(mib(run["servers"][s]["rss_idle_kib"]) for s in names) + " |")
    peaks = []
    for s in names:
        scs = run["servers"][s]["scenarios"].values()
        peaks.append(max((r["rss_peak_kib"] for sc in scs for k, r in sc.items() if k.isdigit()), default=0))
    lines.append("| peak under load | " + " | ".join(mib(p) for p in peaks) + " |")
    lines.append("| after every scenario | " + " | ".join(mib(run["servers"][s]["rss_end_kib"]) for s in names) + " |")
    prop = run["servers"].get("sigil-postgres", {}).get("propagation")
    if prop:
        lines.append("")
        lines.append(
            f"Revocation between instances under load: a token revoked at a second instance "
            f"read inactive at the first after {prop['p50_ms']:.1f} ms (median of "
            f"{prop['samples']}; slowest {prop['max_ms']:.1f} ms), while the first "
            f"introspected {prop['load_rate']:,.0f} tokens/s for wrk at 64 connections."
        )
    if "argon2" in run:
        login = result(run, "sigil-postgres", "login", max(conn_counts(run)))
        if login:
            a = floor_of(run, login)
            lines.append("")
            lines.append(
                f"Login, the median pass at {max(conn_counts(run))} connections: one argon2id "
                f"hash took {a['seconds_per_hash'] * 1000:.1f} ms beside it (the faster of the "
                f"times just before and just after it), so the floor was "
                f"{a['floor_per_s']:.0f} logins/s on {run['machine']['cores']} cores; "
                f"sigil on Postgres + Redis reached {login['rate']:.0f}/s = "
                f"{login['rate'] / a['floor_per_s']:.0%} of it."
            )
            if "all_cores_per_s" in a:
                lines.append(
                    f"Every core hashing at once, with nothing else running, delivers "
                    f"{a['all_cores_per_s']:.0f} hashes/s "
                    f"({a['all_cores_per_s'] / a['floor_per_s']:.0%} of the floor): the "
                    f"ceiling no login flood can pass on this machine; sigil reached "
                    f"{login['rate'] / a['all_cores_per_s']:.0%} of it."
                )
            if login.get("cpu_ms_per_login"):
                lines.append(cpu_sentence(login["cpu_ms_per_login"], a["seconds_per_hash"]))
    return "\n".join(lines)


def cpu_sentence(ms, lone_hash_s):
    """Where the CPU of a login went, per login (medians over the passes)."""
    total = sum(ms.values())
    beside = total - ms["argon2"]
    return (
        f"CPU time per login (medians of the passes): the hash {ms['argon2']:.2f} ms on the "
        f"argon2 threads, against {lone_hash_s * 1000:.1f} ms for a lone hash; sigil's "
        f"HTTP workers {ms['http']:.2f} ms (the probe's introspections among them), its "
        f"other threads {ms['sigil_other']:.2f} ms, Postgres {ms['postgres']:.2f} ms, Redis "
        f"{ms['redis']:.2f} ms, and the load generators (wrk and the probe) "
        f"{ms['load']:.2f} ms: everything beside the hash is {beside / total:.0%} of "
        f"what a login costs the cores."
    )


def floor_of(run, login):
    """The argon2 floor a login result is held against: the one timed beside its pass,
    or, in results from before floors were timed per pass, the run's."""
    return login.get("argon2") or run["argon2"]


def targets(run):
    """Issue 15's targets, each with what this run measured."""
    out = []
    conns = max(conn_counts(run))

    def ratio(scenario, times, p99_ms=None):
        mine = result(run, "sigil-postgres", scenario, conns)
        peer = result(run, "oidc-provider", scenario, conns)
        if not (mine and peer):
            return
        got = mine["rate"] / peer["rate"]
        ok = got >= times and (p99_ms is None or mine["p99_us"] / 1000 < p99_ms)
        # Shown rounded down, so a ratio just short of its target never reads as the target.
        got = math.floor(got * 10) / 10
        p99 = f", p99 {mine['p99_us'] / 1000:.1f} ms" if p99_ms else ""
        out.append(f"| {SCENARIO_LABELS[scenario]} ≥ {times}× the peer{' , p99 < ' + str(p99_ms) + ' ms' if p99_ms else ''} "
                   f"| {got:.1f}×{p99} | {'met' if ok else '**not met**'} |")

    ratio("issue", 10, 5)
    ratio("introspect_10k", 15, 5)
    ratio("refresh", 2)
    login = result(run, "sigil-postgres", "login", conns)
    if login and "argon2" in run:
        share = login["rate"] / floor_of(run, login)["floor_per_s"]
        p99 = login["probe"]["p99_us"] / 1000
        ok = share >= 0.8 and p99 < 10
        out.append(f"| login ≥ 80 % of the argon2 floor, /introspect p99 < 10 ms alongside "
                   f"| {share:.0%}, p99 {p99:.1f} ms | {'met' if ok else '**not met**'} |")
    prop = run["servers"].get("sigil-postgres", {}).get("propagation")
    if prop:
        ok = prop["max_ms"] < 100
        out.append(f"| revocation reaches another instance within 100 ms, under load "
                   f"| slowest of {prop['samples']}: {prop['max_ms']:.1f} ms | {'met' if ok else '**not met**'} |")
    for s in ("sigil-postgres", "sigil-embedded"):
        if s not in run["servers"]:
            continue
        srv = run["servers"][s]
        idle = srv["rss_idle_kib"] / 1024
        peak = max((r["rss_peak_kib"] for sc in srv["scenarios"].values() for k, r in sc.items() if k.isdigit()), default=0) / 1024
        end = srv["rss_end_kib"] / 1024
        ok = idle < 32 and peak < 64 and end < 64
        out.append(f"| {srv['label']}: RSS idle < 32 MiB, under and after load < 64 MiB "
                   f"| {idle:.0f} / {peak:.0f} / {end:.0f} MiB | {'met' if ok else '**not met**'} |")
    if not out:
        return ""
    return "\n".join(["| target | this run | |", "| --- | --- | --- |", *out])


def chart(run):
    """A horizontal bar chart: throughput and p99 per scenario at the highest connection
    count, one bar per server."""
    names = servers(run)
    conns = max(conn_counts(run))
    rows = [(sc, lab) for sc, lab in SCENARIO_LABELS.items()
            if any(result(run, s, sc, conns) for s in names)]
    bar, gap, label_w, panel_w = 12, 14, 250, 300
    group = bar * len(names) + gap
    height = 60 + group * len(rows) + 30
    width = label_w + 2 * panel_w + 80
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="18" font-size="13" font-weight="bold">sigil beside oidc-provider, '
           f'{conns} connections, {run["date"]}</text>',
           f'<text x="{label_w}" y="40" font-weight="bold">throughput (requests/s, log scale)</text>',
           f'<text x="{label_w + panel_w + 40}" y="40" font-weight="bold">p99 latency (ms, log scale)</text>']

    def scale(value, lo, hi):
        value = max(value, lo)
        return (math.log10(value) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    rates = [r["rate"] for sc, _ in rows for s in names if (r := result(run, s, sc, conns))]
    p99s = [r["p99_us"] / 1000 for sc, _ in rows for s in names if (r := result(run, s, sc, conns))]
    r_lo, r_hi = 10 ** math.floor(math.log10(min(rates))), 10 ** math.ceil(math.log10(max(rates)))
    p_lo, p_hi = 10 ** math.floor(math.log10(min(p99s))), 10 ** math.ceil(math.log10(max(p99s)))
    y = 55
    for sc, lab in rows:
        svg.append(f'<text x="10" y="{y + group / 2}">{lab}</text>')
        for i, s in enumerate(names):
            r = result(run, s, sc, conns)
            yy = y + i * bar
            if r is None:
                continue
            w1 = max(1, scale(r["rate"], r_lo, r_hi) * panel_w)
            w2 = max(1, scale(r["p99_us"] / 1000, p_lo, p_hi) * panel_w)
            x2 = label_w + panel_w + 40
            svg.append(f'<rect x="{label_w}" y="{yy}" width="{w1:.1f}" height="{bar - 2}" fill="{COLOURS[s]}"/>')
            svg.append(f'<text x="{label_w + w1 + 3:.1f}" y="{yy + bar - 3}" font-size="9">{r["rate"]:,.0f}</text>')
            svg.append(f'<rect x="{x2}" y="{yy}" width="{w2:.1f}" height="{bar - 2}" fill="{COLOURS[s]}"/>')
            svg.append(f'<text x="{x2 + w2 + 3:.1f}" y="{yy + bar - 3}" font-size="9">{r["p99_us"] / 1000:.1f}</text>')
        y += group
    x = 10
    for s in names:
        svg.append(f'<rect x="{x}" y="{y + 8}" width="10" height="10" fill="{COLOURS[s]}"/>')
        svg.append(f'<text x="{x + 14}" y="{y + 17}">{run["servers"][s]["label"]}</text>')
        x += 200
    svg.append("</svg>")
    return "\n".join(svg) + "\n"


def compare(before, after, conns=64):
    """Before and after, per scenario, for each sigil backend both runs measured."""
    lines = [f"| scenario ({conns} connections) | backend | before | after | change |",
             "| --- | --- | --- | --- | --- |"]
    for scenario, label in SCENARIO_LABELS.items():
        for s in ("sigil-postgres", "sigil-embedded"):
            b, a = result(before, s, scenario, conns), result(after, s, scenario, conns)
            if not (a and b):
                continue
            lines.append(f"| {label} | {after['servers'][s]['label'].removeprefix('sigil, ')} "
                         f"| {cell(b)} | {cell(a)} | {a['rate'] / b['rate']:.1f}× |")
    for s in ("sigil-postgres", "sigil-embedded"):
        if s in before["servers"] and s in after["servers"]:
            b, a = before["servers"][s], after["servers"][s]
            lines.append(f"| RSS idle / after every scenario | {a['label'].removeprefix('sigil, ')} "
                         f"| {mib(b['rss_idle_kib'])} / {mib(b['rss_end_kib'])} "
                         f"| {mib(a['rss_idle_kib'])} / {mib(a['rss_end_kib'])} | |")
    return "\n".join(lines)


def write(run, root):
    m = run["machine"]
    body = [
        BEGIN,
        "",
        f"Run {run['date']}{' (' + run['label'] + ')' if run['label'] else ''}: `{run['command']}`, "
        f"on {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}; "
        f"load from {m['wrk']} (`-t1`) on the same cores; peer on Node {m['node']}.",
        "",
        "![throughput and p99 per scenario](benches/chart.svg)",
        "",
        table(run),
        "",
        targets(run),
        "",
        END,
    ]
    path = os.path.join(root, "BENCHMARKS.md")
    text = open(path).read() if os.path.exists(path) else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    start, end = text.index(BEGIN), text.index(END) + len(END)
    with open(path, "w") as f:
        f.write(text[:start] + "\n".join(body) + text[end:])
    with open(os.path.join(root, "benches", "chart.svg"), "w") as f:
        f.write(chart(run))


if __name__ == "__main__":
    if sys.argv[1] == "--compare":
        with open(sys.argv[2]) as f, open(sys.argv[3]) as g:
            print(compare(json.load(f), json.load(g)))
        sys.exit(0)
    with open(sys.argv[1]) as f:
        saved = json.load(f)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    write(saved, root)
    print(table(saved))
