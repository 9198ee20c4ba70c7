#!/usr/bin/env python3
"""One shell command of your choice through a real CLI, via ../shared/harness.

The harness's fixed scenarios cover `rm -rf ./victim_dir` and `cat .env`. This driver reuses
its wiring (config, fake model server, hook wrapper, captures) for any shell command, with a
side effect to check:

    python3 scripts/harness_command.py CLIENT HOOK deny|allow SETUP COMMAND

SETUP:
  scratch  a directory outside the project in the system temp dir (`{scratch}` in COMMAND);
           the side effect is that its keep.txt is gone
  victim   ./victim_dir/keep.txt inside the project; the side effect is that it is gone
  git      the project is a git repo whose `main` was pushed to a bare remote `origin`, then
           amended locally; the side effect is that the remote's `main` moved
  none     no side effect is checked

Checks: the CLI exits 0; the hook got the command; deny: the side effect did not happen and the
hook's reason reached the model; allow: the hook did not block and the side effect happened.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.environ.get("HARNESS_DIR", "/work/shared/harness"))
import harness as h  # noqa: E402

GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="harness", GIT_AUTHOR_EMAIL="harness@example.invalid",
               GIT_COMMITTER_NAME="harness", GIT_COMMITTER_EMAIL="harness@example.invalid",
               GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, check=True,
                          capture_output=True, text=True).stdout.strip()


def setup(kind, run):
    """Prepares the side effect; returns (substitutions, a function telling if it happened)."""
    work = run["work"]
    if kind == "scratch":
        scratch = tempfile.mkdtemp(prefix="hw-scratch-")
        open(os.path.join(scratch, "keep.txt"), "w").write("scratch\n")
        run["scratch"] = scratch
        return {"scratch": scratch}, lambda: not os.path.exists(os.path.join(scratch, "keep.txt"))
    if kind == "victim":
        os.makedirs(os.path.join(work, "victim_dir"))
        open(os.path.join(work, "victim_dir", "keep.txt"), "w").write("precious\n")
        return {}, lambda: not os.path.exists(os.path.join(work, "victim_dir", "keep.txt"))
    if kind == "git":
        remote = os.path.join(run["root"], "remote.git")
        git(run["root"], "init", "-q", "--bare", "-b", "main", remote)
        git(work, "init", "-q", "-b", "main")
        open(os.path.join(work, "README"), "w").write("v1\n")
        git(work, "add", "README")
        git(work, "commit", "-q", "-m", "v1")
        git(work, "remote", "add", "origin", remote)
        git(work, "push", "-q", "origin", "main")
        before = git(remote, "rev-parse", "main")
        open(os.path.join(work, "README"), "w").write("v1 rewritten\n")
        git(work, "commit", "-q", "-a", "--amend", "-m", "v1 rewritten")
        return {}, lambda: git(remote, "rev-parse", "main") != before
    return {}, None


def blocked(cap):
    """Whether the hook's answer blocks, in any of the three clients' shapes."""
    if (cap["rc"] or "").strip() == "2":
        return True
    try:
        out = json.loads(cap["stdout"] or "{}")
    except ValueError:
        return False
    hso = out.get("hookSpecificOutput") or {}
    return (hso.get("permissionDecision") in ("deny", "ask")
            or out.get("decision") in ("deny", "block") or out.get("continue") is False)


def main():
    if len(sys.argv) != 6:
        raise SystemExit(__doc__)
    client_name, hook, expect, kind, template = sys.argv[1:]
    client = h.CLIENTS[client_name]
    run = h.make_run(os.environ.get("KEEP_RUN") == "1")
    root = run["root"]
    subs, happened = setup(kind, run)
    cmd = template.format(**subs)
    print("== %s | command %r | expect %s | setup %s | hook %s" % (client_name, cmd, expect, kind, hook))
    print("   run dir: %s" % root)
    h.write_script(os.path.join(root, "hook_wrapper.sh"),
                   h.WRAPPER % {"capture": h.shq(run["capture"]), "hook": h.shq(os.path.abspath(hook))})
    call = client.shell_call(cmd)
    tool = client.hook_tool_name(call[0])
    client.configure(run, {client.pre_event: [(tool, os.path.join(root, "hook_wrapper.sh"))]})
    proc = None
    try:
        proc, port = h.start_server(client, run, [[call]], "HARNESS_FINAL tool result was: {last_tool_result}")
        rc, out, err, dt = h.run_cli(client, run, port, "Please do the scripted task.")
    finally:
        h.stop(proc)
    h.check("cli finished (exit 0) in %.1fs" % dt, rc == 0, "rc=%s %s" % (rc, h.short(err)))
    caps = [c for c in h.read_captures(run["capture"]) if client.event_tool(c["event"] or {})[1] == tool]
    tin = client.event_tool(caps[0]["event"])[2] if caps else None
    h.check("the hook got the command", bool(caps) and isinstance(tin, dict) and tin.get("command") == cmd,
            h.short(tin or "", 200))
    reqs = h.load_requests(run)
    ex = [x for x in client.tool_exchanges(reqs) if x[0] in client.wire_tool_names(call[0])]
    result = ex[-1][2] if ex else None
    h.check("the model received a tool result", result is not None, h.short(result or "", 300))
    reason = client.hook_reason(caps[0]) if caps else None
    if expect == "deny":
        if happened:
            h.check("side effect did NOT happen", not happened())
        h.check("the hook's reason reached the model", bool(reason) and reason in (result or ""),
                h.short(reason or "(no reason)", 300))
    else:
        h.check("the hook did not block", bool(caps) and not blocked(caps[0]),
                h.short(caps[0]["stdout"] if caps else "", 300))
        if happened:
            h.check("side effect happened", happened())
    h.info("final answer: %s" % h.short(client.final_text(out), 300))
    n_fail = sum(1 for s, _ in h.RESULTS if s == "FAIL")
    print("%d passed, %d failed" % (len(h.RESULTS) - n_fail, n_fail))
    print("OVERALL: %s" % ("PASS" if n_fail == 0 else "FAIL"))
    if run.get("scratch"):
        shutil.rmtree(run["scratch"], ignore_errors=True)
    if not run["keep"]:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if n_fail == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
