#!/usr/bin/env python3
"""Drive a real CLI through ../shared/harness with the hook config that `hookwarden install`
writes, instead of the harness's own entries.

The harness still writes its non-hook settings (auth, offline switches) with an empty hooks
block; then `hookwarden install` merges its entries into those very files (Codex: into
$CODEX_HOME/hooks.json, and `[features] hooks = true` back into the harness's config.toml,
from which this script first removes it). `--binary` is the harness's capture wrapper, which
runs HOOK (a 2-line script that execs `hookwarden hook --runtime R`), so the harness can still
check what the hook received and answered.

usage: run_installed.py CLIENT HOOK SCENARIO [deny|allow] [--hookwarden PATH] [--keep]
"""
import argparse
import os
import subprocess
import sys
import tempfile

HARNESS = os.environ.get("HARNESS_DIR", "/work/shared/harness")
sys.path.insert(0, HARNESS)
import harness  # noqa: E402


ROUTER = r"""#!/bin/sh
in=$(cat)
if printf '%%s' "$in" | grep -q '"hook_event_name": *"%(event)s"'; then
    printf '%%s' "$in" | %(capture)s
    exit $?
fi
printf '%%s' "$in" | grep -o '"hook_event_name": *"[A-Za-z]*"' | head -n 1 >> %(seen)s
printf '%%s' "$in" | %(hook)s
"""


def install(hw, runtime, run, scope, binary):
    env = dict(os.environ, HOME=run["home"], CODEX_HOME=os.path.join(run["home"], ".codex"))
    cmd = [hw, "install", "--runtime", runtime, "--scope", scope, "--binary", binary,
           "--dir", run["work"]]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    sys.stdout.write("   [install] " + p.stdout.replace("\n", "\n   [install] ").rstrip() + "\n")
    if p.returncode != 0:
        raise SystemExit("hookwarden install failed: %s" % p.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("client", choices=sorted(harness.CLIENTS))
    ap.add_argument("hook")
    ap.add_argument("scenario")
    ap.add_argument("expect", nargs="?", default="deny")
    ap.add_argument("--hookwarden", default=os.environ.get("HOOKWARDEN_BIN", "hookwarden"))
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    client = harness.CLIENTS[a.client]
    orig_configure, orig_prepare = client.configure, client.prepare
    scope = "user" if a.client == "codex" else "project"
    state = {}
    fd, seen = tempfile.mkstemp(prefix="hw-events-")
    os.close(fd)

    def configure(run, hooks):
        # the harness's own files, minus its hook entries
        orig_configure(run, {})
        capture = hooks[client.pre_event][0][1]
        router = os.path.join(run["root"], "router.sh")
        harness.write_script(router, ROUTER % {
            "event": client.pre_event, "capture": harness.shq(capture),
            "hook": harness.shq(os.path.abspath(a.hook)), "seen": harness.shq(seen)})
        state["wrapper"] = router
        install(a.hookwarden, a.client, run, scope, router)

    def prepare(run, port):
        orig_prepare(run, port)
        if a.client == "codex":
            cfg = os.path.join(run["home"], ".codex", "config.toml")
            text = open(cfg).read()
            assert "hooks = true" in text
            open(cfg, "w").write(text.replace("hooks = true\n", ""))
            install(a.hookwarden, a.client, run, scope, state["wrapper"])
            text2 = open(cfg).read()
            print("   [install] config.toml [features] now: %s" %
                  text2[text2.index("[features]"):].split("\n\n")[0].replace("\n", " | "))

    client.configure, client.prepare = configure, prepare
    ns = argparse.Namespace(client=a.client, hook=a.hook, scenario=a.scenario, expect=a.expect,
                            keep=a.keep, post_hook=None, strace=False, matcher=None)
    rc = harness.cmd_test(ns)
    events = sorted(set(l.split('"')[-2] for l in open(seen) if l.strip()))
    os.unlink(seen)
    expected = {"claude": ["Stop", "UserPromptSubmit"], "codex": ["Stop", "UserPromptSubmit"],
                "gemini": ["AfterAgent", "BeforeAgent"]}[a.client]
    ok = all(e in events for e in expected)
    print("%s  the other installed events ran hookwarden too: %s" % ("PASS" if ok else "FAIL", ", ".join(events)))
    rc = rc if ok else 1
    print("OVERALL: %s" % ("PASS" if rc == 0 else "FAIL"))
    sys.exit(rc)


if __name__ == "__main__":
    main()
