#!/usr/bin/env python3
"""Load on loopback: 200 request filings from concurrent hook-like clients (20 machines), then
20 approvers deciding at once while the hooks keep retrying, then 200 concurrent retry checks.
Checks nothing is lost or doubled (one request per action, one decision per request, the audit
trail agrees) and prints throughput and p50/p95 latency of filing and of the retry check.

Prints one `N passed, N failed` line; exits non-zero on any failure.
"""

import argparse
import http.client
import json
import random
import socket
import subprocess
import sys
import threading
import time

RESULTS = {"passed": 0, "failed": 0}


def check(ok, what):
    RESULTS["passed" if ok else "failed"] += 1
    print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)
    return ok


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, token, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    data = None if body is None else json.dumps(body)
    c.request(method, path, body=data, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    r = c.getresponse()
    text = r.read()
    c.close()
    return r.status, json.loads(text or b"null")


def filing(action):
    return {"action": action, "runtime": "codex", "session_id": "load", "tool": "Bash",
            "summary": f"make deploy {action}", "detail": f"make deploy {action}",
            "rule_ids": ["deploy.production"], "approver_role": "release-manager",
            "reason": "Deploying needs a release manager's approval.", "risk": 70,
            "repo": "/srv/shop", "cwd": "/srv/shop", "user": "dev"}


def at_once(jobs):
    """Runs every job in its own thread, released together; returns results and seconds."""
    start = threading.Barrier(len(jobs) + 1)
    out = [None] * len(jobs)

    def run(i, job):
        start.wait()
        out[i] = job()

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return out, time.perf_counter() - t0


def timed(f):
    t0 = time.perf_counter()
    r = f()
    return r, (time.perf_counter() - t0) * 1000


def pct(xs, p):
    xs = sorted(xs)
    return xs[max(0, min(len(xs) - 1, int(round(p / 100 * len(xs))) - 1))]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--serve", required=True, help="the hookwarden-serve binary")
    ap.add_argument("--database", required=True)
    ap.add_argument("--replicas", type=int, default=1)
    ap.add_argument("--machines", type=int, default=20)
    ap.add_argument("--per-machine", type=int, default=10)
    ap.add_argument("--approvers", type=int, default=20)
    a = ap.parse_args()

    base = [a.serve, "--database", a.database]
    tok = lambda *args: subprocess.run(base + list(args), capture_output=True, text=True,
                                       check=True).stdout.strip()
    machines = [tok("add-machine", f"load-{i}") for i in range(a.machines)]
    approvers = [tok("add-approver", f"approver-{i}", "--role", "release-manager")
                 for i in range(a.approvers)]
    ports, procs = [], []
    for _ in range(a.replicas):
        port = free_port()
        procs.append(subprocess.Popen(
            base + ["--listen", f"127.0.0.1:{port}", "--threads", "16",
                    "--intake-per-minute", "100000"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        ports.append(port)
    try:
        for p in ports:
            for _ in range(300):
                try:
                    call(p, "GET", "/healthz", "")
                    break
                except OSError:
                    time.sleep(0.1)
        actions = [(m, f"m{mi}a{k}") for mi, m in enumerate(machines) for k in range(a.per_machine)]
        n = len(actions)

        # 1. Filings, all at once, spread over the replicas.
        jobs = [lambda i=i, m=m, act=act: timed(lambda: call(ports[i % len(ports)], "POST",
                "/api/v1/requests", m, filing(act))) for i, (m, act) in enumerate(actions)]
        out, secs = at_once(jobs)
        lat = [ms for _, ms in out]
        ok = [r for (r, _) in out if r[0] in (200, 201)]
        ids = {r[1]["id"] for r in ok}
        check(len(ok) == n, f"{n} filings answered ({len(ok)} ok)")
        check(len(ids) == n and all(r[1]["filed"] for r in ok), f"{len(ids)} distinct requests filed, none merged or lost")
        filing_fig = (n / secs, pct(lat, 50), pct(lat, 95))
        print(f"filing: {n} in {secs:.2f} s = {filing_fig[0]:.0f}/s, p50 {filing_fig[1]:.1f} ms, p95 {filing_fig[2]:.1f} ms")

        # 2. Approvers race over every request while the hooks keep retrying.
        id_list = sorted(ids)
        won = [0] * len(approvers)
        statuses = []

        def approver(i):
            order = id_list[:]
            random.Random(i).shuffle(order)
            for rid in order:
                st, _ = call(ports[i % len(ports)], "POST", f"/api/v1/requests/{rid}/decision",
                             approvers[i], {"decision": "approve", "for_secs": 3600})
                if st == 200:
                    won[i] += 1
                statuses.append(st)

        def retrier(i):
            m, act = actions[i]
            return call(ports[i % len(ports)], "POST", "/api/v1/requests", m, filing(act))[0]

        jobs = [lambda i=i: approver(i) for i in range(len(approvers))]
        jobs += [lambda i=i: retrier(i) for i in range(0, n, 2)]
        out, secs = at_once(jobs)
        check(sum(won) == n, f"{len(approvers)} approvers at once: {sum(won)} decisions for {n} requests")
        check(set(statuses) <= {200, 409}, f"losers are told it was decided ({sorted(set(statuses))})")
        check(all(s in (200, 201) for s in out[len(approvers):]), "retries during the decisions are answered")
        print(f"deciding: {len(statuses)} decision attempts in {secs:.2f} s = {len(statuses) / secs:.0f}/s")

        # 3. The retry check, all at once: every action approved.
        jobs = [lambda i=i, m=m, act=act: timed(lambda: call(ports[i % len(ports)], "POST",
                "/api/v1/requests", m, filing(act))) for i, (m, act) in enumerate(actions)]
        out, secs = at_once(jobs)
        lat = [ms for _, ms in out]
        approved = [r for (r, _) in out if r[0] == 200 and r[1]["status"] == "approved"]
        check(len(approved) == n and {r[1]["id"] for r in approved} == ids,
              f"{len(approved)} retries see their own request approved")
        check_fig = (n / secs, pct(lat, 50), pct(lat, 95))
        print(f"retry check: {n} in {secs:.2f} s = {check_fig[0]:.0f}/s, p50 {check_fig[1]:.1f} ms, p95 {check_fig[2]:.1f} ms")

        # The trail agrees: one filing and one approval per request.
        st, trail = call(ports[0], "GET", "/api/v1/history?limit=5000", approvers[0])
        filed = [e for e in trail if e["what"] == "filed"]
        grants = [e for e in trail if e["what"].startswith("approved")]
        check(len(filed) == n and len({e["request_id"] for e in filed}) == n, f"the trail has {len(filed)} filings")
        check(len(grants) == n and len({e["request_id"] for e in grants}) == n, f"the trail has {len(grants)} approvals, one per request")
        print(json.dumps({"replicas": a.replicas, "database": a.database.split(":")[0],
                          "filing_per_s": round(filing_fig[0]), "filing_p50_ms": round(filing_fig[1], 1),
                          "filing_p95_ms": round(filing_fig[2], 1),
                          "check_per_s": round(check_fig[0]), "check_p50_ms": round(check_fig[1], 1),
                          "check_p95_ms": round(check_fig[2], 1)}))
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    sys.exit(1 if RESULTS["failed"] else 0)


if __name__ == "__main__":
    main()
