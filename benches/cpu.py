"""Where a login pass's CPU goes: the time each part of the machine spent on the cores
during the pass, per login, from the kernel's own accounting (/proc, and the rusage of
the benchmark's children).

The login rate moves with how fast this host hashes at that moment (a lone hash took
11 to 28 ms within one hour on one host), so two builds' rates differ by more than most
changes are worth. CPU time per login moves far less (a tenth or so between passes
where the rate's share of the floor moved by a third): it says what sigil spends beside
each hash, and what a change to that is worth, on any host.
"""

import os
import resource

HZ = os.sysconf("SC_CLK_TCK")

# What each part is called in the results, in the order they are reported.
PARTS = ("argon2", "http", "sigil_other", "postgres", "redis", "load")


def _ticks(stat_path):
    """User plus system time, in clock ticks, of the process or thread at `stat_path`."""
    with open(stat_path) as f:
        # The name, in parentheses, may hold spaces: the fields start after its end.
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _comm(path):
    with open(path) as f:
        return f.read().strip()


def _sigil_part(thread_name):
    if thread_name.startswith("argon2-"):
        return "argon2"
    if thread_name.startswith("actix-server w"):
        return "http"
    return "sigil_other"


def snapshot(server_pid):
    """Seconds of CPU each part has used so far. The load generators (wrk and the probe)
    count once they have exited and been waited for, so take the second snapshot after
    both have."""
    used = dict.fromkeys(PARTS, 0.0)
    task = f"/proc/{server_pid}/task"
    for tid in os.listdir(task):
        try:
            part = _sigil_part(_comm(f"{task}/{tid}/comm"))
            used[part] += _ticks(f"{task}/{tid}/stat") / HZ
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that ended while being read
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            comm = _comm(f"/proc/{pid}/comm")
            if comm in ("postgres", "redis-server"):
                part = "postgres" if comm == "postgres" else "redis"
                used[part] += _ticks(f"/proc/{pid}/stat") / HZ
        except (FileNotFoundError, ProcessLookupError):
            pass
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used["load"] = children.ru_utime + children.ru_stime
    return used


def per_login(before, after, logins):
    """Milliseconds of CPU per login for each part, between two snapshots."""
    if logins <= 0:
        return None
    return {part: (after[part] - before[part]) * 1000 / logins for part in PARTS}
