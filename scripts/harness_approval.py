#!/usr/bin/env python3
"""Approval round trip with a real CLI (Codex or Gemini), via ../shared/harness; for Claude,
the ask path.

The harness's fixed scenarios make one tool call per session, but an approval needs the
model to retry the same call in the same session. This driver reuses the harness's wiring
(config, fake model server, hook wrapper, captures) with one extra scenario: the scripted
model runs `rm -r ./victim_dir` twice. The hook under test is hookwarden with a policy that
asks for that command; a person's approval is simulated by a wrapper that runs
`hookwarden approve <code>` as soon as hookwarden answers with a code.

    python3 scripts/harness_approval.py codex|gemini|claude [path/to/hookwarden]
Checks: call 1 denied with a code that reached the model; call 2 (same session, same
input) allowed; the directory is gone; the audit log holds the grant and the allowed call.

Claude shows an `ask` to a person in its interactive modes. Headless `claude -p` runs with
bypassPermissions, where no ask is ever shown: hookwarden then denies with an approval code
(the payload's `permission_mode` says so), and the round trip is the same as on Codex and
Gemini. `HW_HARNESS_ASK=1 ... claude` checks the ask answer instead (one call): an ask naming
the approver role, the tool did not run, the audit log holds the ask with its approver role.
"""
import getpass, json, os, shutil, sys

PTY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "common", "pty_drive.py")

sys.path.insert(0, os.environ.get("HARNESS_DIR", "/work/shared/harness"))
import harness as h  # noqa: E402

POLICY = """
[policy]
name = "harness-approval"
inherit_default = false

[[rule]]
id = "rm-needs-approval"
effect = "ask"
approver_role = "repo owner"
reason = "Deleting directories needs the repo owner's approval."
when = { program = "rm" }
"""

HOOK = """#!/bin/sh
# The policy is the org's: only an org policy may leave the default policy out.
export HOOKWARDEN_DATA_DIR=%(data)s HOOKWARDEN_AUDIT=%(audit)s HOOKWARDEN_USER_POLICY=%(root)s/no-user.toml
export HOOKWARDEN_ORG_POLICY=%(policy)s HOOKWARDEN_CONFIG_DIR=%(root)s/config HOOKWARDEN_USER=harness-approver
out=$(%(bin)s hook --runtime %(runtime)s); rc=$?
code=$(printf '%%s' "$out" | grep -o 'hookwarden approve [A-Z0-9]*' | head -n1 | cut -d' ' -f3)
# The "person": approves as soon as a code is shown, before the model retries.
# `approve` needs a person at a terminal: a pseudo-terminal types the nonce it shows.
# The person's terminal is not the agent's: none of the agent's environment reaches it.
if [ -n "$code" ]; then env -i PATH="$PATH" HOME="$HOME" USER="$(id -un)" \
    HOOKWARDEN_DATA_DIR=%(data)s HOOKWARDEN_AUDIT=%(audit)s HOOKWARDEN_CONFIG_DIR=%(root)s/config \
    HOOKWARDEN_ORG_POLICY=%(policy)s HOOKWARDEN_USER_POLICY=%(root)s/no-user.toml \
    python3 %(pty)s nonce %(bin)s approve "$code" --note "approved by harness driver" >> %(root)s/approvals.log 2>&1; fi
printf '%%s\\n' "$out"
exit $rc
"""


def main():
    client_name = sys.argv[1] if len(sys.argv) > 1 else "codex"
    binary = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "target/debug/hookwarden")
    client = h.CLIENTS[client_name]
    run = h.make_run(os.environ.get("KEEP_RUN") == "1")
    root = run["root"]
    # Headless Claude runs with bypassPermissions, where an ask is never shown: hookwarden then
    # denies with an approval code as on Codex and Gemini, so the round trip is the same.
    # HW_HARNESS_ASK=1 checks the ask answer of a mode that shows asks instead (nothing runs).
    asks = client_name == "claude" and os.environ.get("HW_HARNESS_ASK") == "1"
    print("== %s approval %s; run dir %s" % (client_name, "ask path" if asks else "round trip", root))
    os.makedirs(os.path.join(run["work"], "victim_dir"))
    open(os.path.join(run["work"], "victim_dir", "keep.txt"), "w").write("precious\n")
    policy = os.path.join(root, "policy.toml")
    open(policy, "w").write(POLICY)
    audit = os.path.join(root, "audit.jsonl")
    hook = os.path.join(root, "hookwarden_hook.sh")
    h.write_script(hook, HOOK % {"data": h.shq(os.path.join(root, "data")), "audit": h.shq(audit),
                                 "policy": h.shq(policy), "root": h.shq(root), "bin": h.shq(binary),
                                 "pty": h.shq(PTY), "runtime": client_name})
    h.write_script(os.path.join(root, "hook_wrapper.sh"),
                   h.WRAPPER % {"capture": h.shq(run["capture"]), "hook": h.shq(hook)})
    call = client.shell_call("rm -r ./victim_dir")
    tool = client.hook_tool_name(call[0])
    client.configure(run, {client.pre_event: [(tool, os.path.join(root, "hook_wrapper.sh"))]})
    proc = None
    try:
        proc, port = h.start_server(client, run, [[call]] if asks else [[call], [call]],
                                    "HARNESS_FINAL tool result was: {last_tool_result}")
        rc, out, err, dt = h.run_cli(client, run, port, "Please do the scripted task.")
    finally:
        h.stop(proc)
    caps = [c for c in h.read_captures(run["capture"]) if client.event_tool(c["event"] or {})[1] == tool]
    h.check("cli finished (exit 0) in %.1fs" % dt, rc == 0, "rc=%s %s" % (rc, h.short(err)))
    if asks:
        check_ask(client, run, caps, tool, audit, call)
    else:
        check_round_trip(client, run, caps, tool, audit, call)
    h.info("final answer: %s" % h.short(client.final_text(out), 300))
    n_fail = sum(1 for s, _ in h.RESULTS if s == "FAIL")
    print("%d passed, %d failed" % (len(h.RESULTS) - n_fail, n_fail))
    print("OVERALL: %s" % ("PASS" if n_fail == 0 else "FAIL"))
    if not run["keep"]:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if n_fail == 0 else 1


def audit_records(audit):
    return [json.loads(l) for l in open(audit)] if os.path.exists(audit) else []


def check_ask(client, run, caps, tool, audit, call):
    h.check("the hook ran once for %s" % tool, len(caps) == 1, "%d calls" % len(caps))
    if caps:
        try:
            hso = json.loads(caps[0]["stdout"] or "").get("hookSpecificOutput") or {}
        except ValueError:
            hso = {}
        reason = hso.get("permissionDecisionReason") or ""
        h.check("call 1 answered ask, naming the approver role",
                hso.get("permissionDecision") == "ask" and "repo owner" in reason, h.short(reason, 300))
        reqs = h.load_requests(run)
        ex = [x for x in client.tool_exchanges(reqs) if x[0] in client.wire_tool_names(call[0])]
        h.check("the model saw the approval reason in the tool result",
                any("Approval required from repo owner" in (x[2] or "") for x in ex),
                h.short(ex[0][2] if ex else "", 300))
    h.check("headless Claude did not run the asked call (the directory survives)",
            os.path.exists(os.path.join(run["work"], "victim_dir", "keep.txt")))
    h.check("audit: the ask is recorded with its approver role",
            any(r["effect"] == "ask" and r.get("approver_role") == "repo owner"
                and "rm-needs-approval" in r["rule_ids"] for r in audit_records(audit)))


def check_round_trip(client, run, caps, tool, audit, call):
    root = run["root"]
    h.check("the hook ran twice for %s" % tool, len(caps) == 2, "%d calls" % len(caps))
    if len(caps) >= 2:
        first, second = caps[0], caps[1]
        reason = client.hook_reason(first) or ""
        h.check("call 1 denied with an approval code", "hookwarden approve" in reason, h.short(reason, 300))
        h.check("call 2 is the same session and input",
                first["event"].get("session_id") == second["event"].get("session_id")
                and first["event"].get("tool_input") == second["event"].get("tool_input"))
        h.check("call 2 allowed (hook printed nothing, exit 0)",
                (second["stdout"] or "").strip() == "" and (second["rc"] or "").strip() == "0",
                "stdout=%s rc=%s" % (h.short(second["stdout"] or ""), second["rc"]))
        reqs = h.load_requests(run)
        ex = [x for x in client.tool_exchanges(reqs) if x[0] in client.wire_tool_names(call[0])]
        h.check("the model saw the code in the first tool result",
                any("hookwarden approve" in (x[2] or "") for x in ex))
    h.check("the directory is gone (the approved call ran)",
            not os.path.exists(os.path.join(run["work"], "victim_dir", "keep.txt")))
    recs = audit_records(audit)
    # The approver is the person at the terminal as the OS knows them, not HOOKWARDEN_USER
    # (which the agent could set).
    h.check("audit: the grant is recorded with its approver (the OS user)",
            any(r["event"]["event_name"] == "hookwarden approve"
                and r["context"].get("approved_by") == getpass.getuser() for r in recs))
    h.check("audit: the retry passed by approval",
            any("hookwarden.approval" in r["rule_ids"] and r["effect"] == "allow" for r in recs))
    h.info("approve said: %s" % h.short(open(os.path.join(root, "approvals.log")).read()
                                        if os.path.exists(os.path.join(root, "approvals.log")) else "", 300))


if __name__ == "__main__":
    sys.exit(main())
