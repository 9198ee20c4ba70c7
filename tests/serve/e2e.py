#!/usr/bin/env python3
"""Team approvals end to end: a Codex-shaped hook call hits an approval rule, the request
appears in the inbox, an approver signs in and decides it in headless Chromium (driven by
chromedriver over plain WebDriver HTTP), and the hook's retry passes or is denied with the
note. Runs on each database given (--database, repeatable: sqlite:PATH or postgres://...).

Keeps screenshots of the inbox and the request page (--shots DIR). Prints one
`N passed, N failed` line; exits non-zero on any failure.
"""

import argparse
import base64
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

RESULTS = {"passed": 0, "failed": 0}
FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"


def check(ok, what):
    RESULTS["passed" if ok else "failed"] += 1
    print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)
    return ok


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, secs=30):
    end = time.time() + secs
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.status
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {secs} s")


# ---- WebDriver over plain HTTP -------------------------------------------------------------

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class Browser:
    def __init__(self, driver, chromium, profile):
        self.port = free_port()
        self.proc = subprocess.Popen([driver, f"--port={self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        wait_http(self.base + "/status")
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,900",
                "--hide-scrollbars"]}}}}
        self.sid = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read() or b"{}").get("value")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"WebDriver {method} {path}: {e.read()[:400]!r}") from None

    def s(self, path, method="POST", body=None):
        return self.call(method, f"/session/{self.sid}{path}", body if body is not None else {})

    def go(self, url):
        self.s("/url", body={"url": url})

    def find(self, css):
        return self.s("/element", body={"using": "css selector", "value": css})[ELEMENT]

    def type(self, css, text):
        self.s(f"/element/{self.find(css)}/value", body={"text": text})

    def click(self, css):
        self.s(f"/element/{self.find(css)}/click")

    def source(self):
        return self.s("/source", method="GET", body=None)

    def url(self):
        return self.s("/url", method="GET", body=None)

    def text(self, css):
        return self.s(f"/element/{self.find(css)}/text", method="GET", body=None)

    def wait_text(self, css, want, secs=15):
        """The text of `css` once it is `want` (pages load after a form is sent)."""
        end = time.time() + secs
        got = None
        while time.time() < end:
            try:
                got = self.text(css)
                if got == want:
                    return got
            except RuntimeError:
                pass
            time.sleep(0.1)
        return got

    def wait_url(self, part, secs=15):
        end = time.time() + secs
        while time.time() < end:
            if part in self.url():
                return True
            time.sleep(0.1)
        return False

    def shot(self, png):
        png = pathlib.Path(png)
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(base64.b64decode(self.s("/screenshot", method="GET", body=None)))

    def close(self):
        try:
            self.call("DELETE", f"/session/{self.sid}")
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=10)


# ---- the hook ------------------------------------------------------------------------------

ORG_POLICY = """
[policy]
name = "team-e2e"

[approvals.service]
url = "{url}"
credential_file = "{cred}"
timeout_ms = 2000

[[rule]]
id = "deploy.production"
description = "Production deploys need a release manager."
boundary = "tool_request"
effect = "ask"
risk = 70
approver_role = "release-manager"
reason = "Deploying needs a release manager's approval."
when = {{ program = ["make"], args_regex = '(^| )deploy( |$)' }}
"""


class Hook:
    """Runs `hookwarden hook --runtime codex` in its own sandbox (env built from nothing)."""

    def __init__(self, binary, root, url, cred):
        self.bin = binary
        self.root = pathlib.Path(root)
        for d in ["home", "tmp", "work", "data", "config", "system"]:
            (self.root / d).mkdir(parents=True, exist_ok=True)
        (self.root / "org-policy.toml").write_text(ORG_POLICY.format(url=url, cred=cred))
        # A recorded Codex PreToolUse payload (the shape Codex sends), with our command.
        self.payload = json.loads((FIXTURES / "codex/PreToolUse_Bash.json").read_text())
        self.payload["cwd"] = str(self.root / "work")

    def env(self):
        r = self.root
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(r / "home"),
            "TMPDIR": str(r / "tmp"), "USER": "dev", "HOOKWARDEN_USER": "dev",
            "HOOKWARDEN_CONFIG_DIR": str(r / "config"), "HOOKWARDEN_DATA_DIR": str(r / "data"),
            "HOOKWARDEN_AUDIT": str(r / "audit.jsonl"),
            "HOOKWARDEN_ORG_POLICY": str(r / "org-policy.toml"),
            "HOOKWARDEN_USER_POLICY": str(r / "user-policy.toml"),
            "HOOKWARDEN_SYSTEM_DIR": str(r / "system"),
        }

    def call(self, command):
        p = dict(self.payload)
        p["tool_input"] = {"command": command}
        r = subprocess.run([self.bin, "hook", "--runtime", "codex"], input=json.dumps(p),
                           capture_output=True, text=True, env=self.env(), cwd=self.root / "work",
                           timeout=60)
        return r.returncode, r.stdout, r.stderr

    def last_audit(self):
        lines = (self.root / "audit.jsonl").read_text().splitlines()
        return json.loads(lines[-1])


def denied(out):
    try:
        v = json.loads(out)
    except json.JSONDecodeError:
        return None
    spec = v.get("hookSpecificOutput", {})
    if spec.get("permissionDecision") == "deny":
        return spec.get("permissionDecisionReason", "")
    if v.get("decision") == "block":
        return v.get("reason", "")
    return None


# ---- one backend ---------------------------------------------------------------------------

def run_backend(a, database, label, shots):
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=f"hw-e2e-{label}-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    serve = [a.serve, "--database", database]
    machine = subprocess.run(serve + ["add-machine", "laptop-1"], capture_output=True, text=True,
                             check=True).stdout.strip()
    alice = subprocess.run(serve + ["add-approver", "alice", "--role", "release-manager"],
                           capture_output=True, text=True, check=True).stdout.strip()
    check(machine.startswith("hwm_") and alice.startswith("hwa_"),
          f"{label}: admin commands print a machine and an approver token")
    cred = tmp / "machine.token"
    cred.write_text(machine + "\n")
    cred.chmod(0o600)
    log = open(tmp / "serve.log", "w")
    proc = subprocess.Popen(serve + ["--listen", f"127.0.0.1:{port}"], stdout=log, stderr=log)
    browser = None
    try:
        wait_http(url + "/healthz")
        hook = Hook(a.hookwarden, tmp / "hook", url, cred)

        # 1. The hook files the request; Codex is told where it waits.
        rc, out, err = hook.call("make deploy ENV=prod")
        reason = denied(out) or ""
        m = re.search(re.escape(url) + r"/requests/(r[a-z0-9]+)", reason)
        check(m is not None and "Team approval pending" in reason,
              f"{label}: the first call is denied as pending, naming the request ({reason[:160]!r} {err[:200]!r})")
        if not m:
            return
        rid = m.group(1)
        rc, out, _ = hook.call("make deploy ENV=prod")
        check(rid in (denied(out) or ""), f"{label}: a retry before approval waits on the same request")

        # 2. The approver signs in and finds it in the inbox.
        profile = tmp / "chromium-profile"
        browser = Browser(a.chromedriver, a.chromium, profile)
        browser.go(url + "/requests")
        check(browser.url().endswith("/login"), f"{label}: the inbox asks for a sign-in")
        browser.type("#token", alice)
        browser.click("#signin")
        browser.wait_url("/requests")
        src = browser.source()
        check("/requests" in browser.url() and rid in src and "make deploy ENV=prod" in src,
              f"{label}: after signing in, the inbox lists the request")
        check("alice" in browser.text("#who"), f"{label}: the page says who is signed in")
        if shots:
            browser.shot(pathlib.Path(shots) / "team-inbox.png")
        browser.click(f'a[href="/requests/{rid}"]')
        browser.wait_url(f"/requests/{rid}")
        src = browser.source()
        check("deploy.production" in src and "release-manager" in src
              and "Deploying needs a release manager" in src and "laptop-1" in src,
              f"{label}: the request page shows rule, role, reason and machine")
        if shots:
            browser.shot(pathlib.Path(shots) / "team-request.png")

        # 3. Approve once: the retry passes, once.
        browser.click("#approve-once")
        check(browser.wait_text("#status", "approved") == "approved", f"{label}: the request shows approved")
        rc, out, err = hook.call("make deploy ENV=prod")
        check(rc == 0 and denied(out) is None, f"{label}: the retry after approval is allowed ({out[:200]!r})")
        rec = hook.last_audit()
        fired = json.dumps(rec)
        check(rec.get("effect") == "allow" and rec.get("would_effect") == "ask",
              f"{label}: the audit line records allow (would have been ask)")
        check("Approved by alice (role release-manager)" in fired and rid in fired,
              f"{label}: the audit line names the approver, the role and the request")
        rc, out, _ = hook.call("make deploy ENV=prod")
        r2 = denied(out) or ""
        check("Team approval pending" in r2 and rid not in r2,
              f"{label}: a once-grant allows one retry; the next files a new request")

        # 4. Reject with a note: the retry is denied with it.
        rc, out, _ = hook.call("make deploy ENV=staging")
        m = re.search(r"/requests/(r[a-z0-9]+)", denied(out) or "")
        check(m is not None, f"{label}: a second action files its own request")
        if m:
            browser.go(f"{url}/requests/{m.group(1)}")
            browser.type("#reject-note", "Freeze until Monday")
            browser.click("#reject")
            check(browser.wait_text("#status", "rejected") == "rejected", f"{label}: the request shows rejected")
            rc, out, _ = hook.call("make deploy ENV=staging")
            r3 = denied(out) or ""
            check("Rejected by alice" in r3 and "Freeze until Monday" in r3,
                  f"{label}: the retry after rejection is denied with the note ({r3[:160]!r})")
        browser.go(url + "/history")
        browser.wait_url("/history")
        src = browser.source()
        check("approved once" in src and "rejected" in src and "Freeze until Monday" in src,
              f"{label}: the history shows who approved and who rejected")

        # 5. The service stops: the hook fails closed, naming the URL.
        proc.terminate()
        proc.wait(timeout=10)
        rc, out, _ = hook.call("make deploy ENV=prod")
        r4 = denied(out) or ""
        check(f"team approval service at {url} cannot be reached" in r4,
              f"{label}: an unreachable service denies, naming its URL ({r4[:160]!r})")
    finally:
        if browser:
            browser.close()
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hookwarden", required=True)
    ap.add_argument("--serve", required=True)
    ap.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    ap.add_argument("--chromedriver", default=shutil.which("chromedriver") or "chromedriver")
    ap.add_argument("--database", action="append", required=True,
                    help="LABEL=URL, e.g. sqlite=sqlite:/tmp/x.db (repeatable)")
    ap.add_argument("--shots", help="directory for the screenshots (first database only)")
    a = ap.parse_args()
    a.hookwarden = str(pathlib.Path(a.hookwarden).resolve())
    a.serve = str(pathlib.Path(a.serve).resolve())
    for i, spec in enumerate(a.database):
        label, url = spec.split("=", 1)
        try:
            run_backend(a, url, label, a.shots if i == 0 else None)
        except Exception as e:  # a crash is a failure, not a silent pass
            check(False, f"{label}: {type(e).__name__}: {e}")
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    sys.exit(1 if RESULTS["failed"] else 0)


if __name__ == "__main__":
    main()
