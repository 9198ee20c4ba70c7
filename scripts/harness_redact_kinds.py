#!/usr/bin/env python3
"""Redaction of many secret kinds in a real CLI, via ../shared/harness.

The harness's redact scenarios hold one made-up `sk-harness-…` value. This driver reuses the
harness's wiring (config, fake model server, hook wrappers, captures) with a file that holds
freshly generated secrets in the public formats of several providers, mixed with ordinary
lines that must reach the model unchanged (including a git SHA and a UUID, which are not
secrets). The scripted model runs `cat deploy.txt`; the pre-tool hook is the harness's
allow.sh, the post-tool hook is hookwarden.

    python3 scripts/harness_redact_kinds.py claude|codex|gemini [path/to/hookwarden]

Checks: the tool ran (every secret is in the post hook's input); no secret, and no
8-character piece of one, reached any request to the model; every ordinary line reached the
model unchanged; a `[REDACTED:` marker stands where each secret was.
"""
import os
import random
import shutil
import string
import sys
import uuid

sys.path.insert(0, os.environ.get("HARNESS_DIR", "/work/shared/harness"))
import harness as h  # noqa: E402

HOOK = """#!/bin/sh
export HOOKWARDEN_DATA_DIR=%(root)s/data HOOKWARDEN_AUDIT=%(root)s/audit.jsonl
export HOOKWARDEN_ORG_POLICY=%(root)s/no-org.toml HOOKWARDEN_CONFIG_DIR=%(root)s/config
exec %(bin)s hook --runtime %(runtime)s
"""

ALNUM = string.ascii_letters + string.digits


def rnd(n, alphabet=ALNUM):
    return "".join(random.choice(alphabet) for _ in range(n))


def secrets():
    """(label, line holding it, the secret value, its part that must not leak), freshly made."""
    b64 = string.ascii_letters + string.digits + "+/"
    b64url = string.ascii_letters + string.digits + "-_"
    key_body = "\n".join(rnd(64, b64) for _ in range(5))
    jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.%s.%s" % (
        "eyJzdWIiOiI" + rnd(40, b64url), rnd(43, b64url))
    out = [
        ("github-pat", "GITHUB_TOKEN=%s", "ghp_" + rnd(36)),
        ("github-fine-grained", "token: github_pat_%s", "github_pat_" + rnd(22) + "_" + rnd(59)),
        ("aws-access-key-id", "aws_access_key_id = %s",
         "AKIA" + rnd(16, string.ascii_uppercase + "234567")),
        ("aws-secret-key", "aws_secret_access_key = %s", rnd(40, b64)),
        ("slack-bot-token", "SLACK_BOT_TOKEN=%s",
         "xoxb-%s-%s-%s" % (rnd(12, string.digits), rnd(13, string.digits), rnd(24))),
        ("stripe-live-key", "stripe.api_key = \"%s\"", "sk_live_" + rnd(32)),
        ("openai-key", "OPENAI_API_KEY=%s", "sk-proj-" + rnd(48, b64url)),
        ("anthropic-key", "ANTHROPIC_API_KEY=%s", "sk-ant-api03-" + rnd(93, b64url) + "AA"),
        ("database-url-password", "DATABASE_URL=postgres://billing:%s@db.internal:5432/billing",
         rnd(20)),
        ("jwt", "Authorization: Bearer %s", jwt),
        ("private-key", "%s", "-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n-----END OPENSSH PRIVATE KEY-----"
         % key_body),
    ]
    # The key block's BEGIN/END lines are public; what must not leak is its body.
    return [(label, fmt % value, value, key_body if label == "private-key" else value)
            for label, fmt, value in out]


def plain_lines():
    return [
        "service: billing-api",
        "replicas: 3",
        "image: registry.internal/billing@sha256:" + "".join(random.choice("0123456789abcdef") for _ in range(64)),
        "commit: " + "".join(random.choice("0123456789abcdef") for _ in range(40)),
        "request_id: " + str(uuid.uuid4()),
        "healthcheck: GET /healthz every 10s",
    ]


def pieces(value, n=8):
    """Every n-character substring of the value's letters and digits, to catch fragments."""
    flat = "".join(c for c in value if c.isalnum())
    return {flat[i:i + n] for i in range(0, max(1, len(flat) - n + 1))}


def main():
    client_name = sys.argv[1] if len(sys.argv) > 1 else "claude"
    binary = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "target/debug/hookwarden")
    client = h.CLIENTS[client_name]
    run = h.make_run(os.environ.get("KEEP_RUN") == "1")
    root = run["root"]
    print("== %s redaction of %d secret kinds; run dir %s" % (client_name, len(secrets()), root))
    sec = secrets()
    plain = plain_lines()
    lines = []
    for i, (_, line, _, _) in enumerate(sec):
        lines.append(line)
        if i < len(plain):
            lines.append(plain[i])
    with open(os.path.join(run["work"], "deploy.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    hook = os.path.join(root, "hookwarden_hook.sh")
    h.write_script(hook, HOOK % {"root": h.shq(root), "bin": h.shq(binary), "runtime": client_name})
    os.makedirs(os.path.join(root, "capture_post"))
    h.write_script(os.path.join(root, "hook_wrapper.sh"),
                   h.WRAPPER % {"capture": h.shq(run["capture"]),
                                "hook": h.shq(os.path.join(h.HERE, "hooks", "allow.sh"))})
    h.write_script(os.path.join(root, "post_wrapper.sh"),
                   h.WRAPPER % {"capture": h.shq(os.path.join(root, "capture_post")), "hook": h.shq(hook)})
    call = client.shell_call("cat deploy.txt")
    tool = client.hook_tool_name(call[0])
    client.configure(run, {client.pre_event: [(tool, os.path.join(root, "hook_wrapper.sh"))],
                           client.post_event: [(tool, os.path.join(root, "post_wrapper.sh"))]})
    proc = None
    try:
        proc, port = h.start_server(client, run, [[call]], "HARNESS_FINAL tool result was: {last_tool_result}")
        rc, out, err, dt = h.run_cli(client, run, port, "Please do the scripted task.")
    finally:
        h.stop(proc)
    h.check("cli finished (exit 0) in %.1fs" % dt, rc == 0, "rc=%s %s" % (rc, h.short(err)))
    pcaps = [c for c in h.read_captures(os.path.join(root, "capture_post"))
             if client.event_tool(c["event"] or {})[1] == tool]
    h.check("post hook ran for %s (%s)" % (tool, client.post_event), bool(pcaps))
    h.check("the tool really ran (every secret is in the post hook's input)",
            bool(pcaps) and all(json_text(v) in pcaps[0]["raw"] for _, _, v, _ in sec))
    reqs = h.load_requests(run)
    bodies = "\n".join(h.json.dumps(r.get("body")) for r in reqs)
    raw_bodies = bodies + "\n" + "\n".join(str(r.get("body")) for r in reqs)
    ex = [x for x in client.tool_exchanges(reqs) if x[0] in client.wire_tool_names(call[0])]
    seen = (ex[-1][2] or "") if ex else ""
    h.check("the model received a tool result", bool(seen), h.short(seen, 200))
    for label, _, _, part in sec:
        leaked = [p for p in pieces(part) if p in raw_bodies]
        h.check("%s: no piece of the secret reached the model" % label, not leaked,
                "leaked pieces: %s" % leaked[:3] if leaked else "")
    kept = [p for p in plain[:len(sec)] if p in seen]
    h.check("ordinary lines reached the model unchanged (%d/%d)" % (len(kept), len(plain)),
            len(kept) == len(plain), "missing: %s" % [p for p in plain if p not in seen])
    n_markers = seen.count("[REDACTED:")
    h.check("a [REDACTED:…] marker per secret (%d markers, %d secrets)" % (n_markers, len(sec)),
            n_markers >= len(sec))
    h.info("model saw: %s" % h.short(seen, 2000))
    n_fail = sum(1 for s, _ in h.RESULTS if s == "FAIL")
    print("%d passed, %d failed" % (len(h.RESULTS) - n_fail, n_fail))
    print("OVERALL: %s" % ("PASS" if n_fail == 0 else "FAIL"))
    if not run["keep"]:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if n_fail == 0 else 1


def json_text(value):
    """The value as it appears inside a JSON string (newlines escaped)."""
    return h.json.dumps(value)[1:-1]


if __name__ == "__main__":
    sys.exit(main())
