#!/usr/bin/env python3
"""Escalation with a real CLI, via ../shared/harness: repeated denials stop the session.

The scripted model tries `rm -rf ./victim_dir` three times in one session. hookwarden runs
the default policy plus `escalation = { max_denials = 2, window = "10m" }`, so the second
denial escalates: Claude and Gemini get `continue: false` (with a deny), Codex, which cannot
be stopped from a hook, gets a deny whose reason says the session was stopped, and so does
every later call of that session.

What the CLIs do with it (Claude Code 2.1.197, Gemini CLI 0.61.0, Codex 0.169.0): Gemini
stops. Claude ignores `continue: false` next to a deny at PreToolUse (without the deny it
stops, but only after running the tool), so there the session goes on and, like on Codex,
every later call is refused with the escalation reason.

    python3 scripts/harness_escalation.py claude|codex|gemini [path/to/hookwarden]

Checks: call 1 denied by the rule; call 2 answered with the escalation; the directory
survives; Gemini: the CLI stopped (no third call reached the hook, the model was not asked
again); Claude/Codex: every later call is refused with the escalation reason; the audit log
holds the escalation as its own decision (rule `hookwarden.escalation`, effect terminate).
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.environ.get("HARNESS_DIR", "/work/shared/harness"))
import harness as h  # noqa: E402

POLICY = """
[policy]
name = "harness-escalation"
escalation = { max_denials = 2, window = "10m" }
"""

HOOK = """#!/bin/sh
export HOOKWARDEN_DATA_DIR=%(root)s/data HOOKWARDEN_AUDIT=%(root)s/audit.jsonl
export HOOKWARDEN_USER_POLICY=%(root)s/policy.toml HOOKWARDEN_ORG_POLICY=%(root)s/no-org.toml
export HOOKWARDEN_CONFIG_DIR=%(root)s/config
exec %(bin)s hook --runtime %(runtime)s
"""

STOPPED = "This session was stopped by hookwarden"


def answer(cap):
    try:
        return json.loads(cap["stdout"] or "{}")
    except ValueError:
        return {}


def main():
    client_name = sys.argv[1] if len(sys.argv) > 1 else "claude"
    binary = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "target/debug/hookwarden")
    client = h.CLIENTS[client_name]
    run = h.make_run(os.environ.get("KEEP_RUN") == "1")
    root = run["root"]
    print("== %s escalation (2 denials stop the session); run dir %s" % (client_name, root))
    os.makedirs(os.path.join(run["work"], "victim_dir"))
    open(os.path.join(run["work"], "victim_dir", "keep.txt"), "w").write("precious\n")
    open(os.path.join(root, "policy.toml"), "w").write(POLICY)
    hook = os.path.join(root, "hookwarden_hook.sh")
    h.write_script(hook, HOOK % {"root": h.shq(root), "bin": h.shq(binary), "runtime": client_name})
    h.write_script(os.path.join(root, "hook_wrapper.sh"),
                   h.WRAPPER % {"capture": h.shq(run["capture"]), "hook": h.shq(hook)})
    call = client.shell_call("rm -rf ./victim_dir")
    tool = client.hook_tool_name(call[0])
    client.configure(run, {client.pre_event: [(tool, os.path.join(root, "hook_wrapper.sh"))]})
    proc = None
    try:
        proc, port = h.start_server(client, run, [[call], [call], [call]],
                                    "HARNESS_FINAL tool result was: {last_tool_result}")
        rc, out, err, dt = h.run_cli(client, run, port, "Please do the scripted task.")
    finally:
        h.stop(proc)
    caps = [c for c in h.read_captures(run["capture"]) if client.event_tool(c["event"] or {})[1] == tool]
    h.info("cli exit %s; stdout: %s; stderr: %s" % (rc, h.short(out, 300), h.short(err, 300)))
    h.check("the hook ran at least twice for %s" % tool, len(caps) >= 2, "%d calls" % len(caps))
    reasons = [client.hook_reason(c) or "" for c in caps]
    for i, c in enumerate(caps):
        h.info("call %d answer: %s" % (i + 1, h.short(c["stdout"] or "", 400)))
    if len(caps) >= 2:
        h.check("call 1 denied by the rule", "fs.recursive-delete" in reasons[0], h.short(reasons[0], 200))
        second = answer(caps[1])
        if client_name == "codex":
            h.check("call 2 denied with the escalation reason (Codex cannot be stopped)",
                    STOPPED in reasons[1] and "continue" not in second, h.short(caps[1]["stdout"] or "", 300))
        else:
            h.check("call 2 answered continue:false with the escalation reason",
                    second.get("continue") is False and STOPPED in (second.get("stopReason") or "")
                    and STOPPED in reasons[1], h.short(caps[1]["stdout"] or "", 300))
    h.check("the directory survives", os.path.exists(os.path.join(run["work"], "victim_dir", "keep.txt")))
    reqs = h.load_requests(run)
    ex = [x for x in client.tool_exchanges(reqs) if x[0] in client.wire_tool_names(call[0])]
    h.info("tool results the model got: %s" % h.short([x[2] for x in ex], 600))
    if client_name != "gemini":
        later = reasons[2:]
        h.check("later calls of the session refused with the escalation reason (%d)" % len(later),
                all(STOPPED in r for r in later))
    else:
        h.check("the CLI stopped: no third call reached the hook", len(caps) == 2, "%d calls" % len(caps))
        final = client.final_text(out)
        h.check("the model's scripted final answer was never produced", "HARNESS_FINAL" not in (final or ""),
                h.short(final or "", 200))
    audit = os.path.join(root, "audit.jsonl")
    recs = [json.loads(l) for l in open(audit)] if os.path.exists(audit) else []
    h.check("audit: the escalation is its own decision (terminate)",
            any("hookwarden.escalation" in r["rule_ids"] and r["effect"] == "terminate" for r in recs),
            "%d records: %s" % (len(recs), [(r["effect"], r["rule_ids"]) for r in recs][:6]))
    n_fail = sum(1 for s, _ in h.RESULTS if s == "FAIL")
    print("%d passed, %d failed" % (len(h.RESULTS) - n_fail, n_fail))
    print("OVERALL: %s" % ("PASS" if n_fail == 0 else "FAIL"))
    if not run["keep"]:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if n_fail == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
