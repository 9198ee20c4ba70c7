#!/usr/bin/env python3
"""Prints the `policy compile` coverage of a policy on every runtime as one Markdown table
(rows: rules, columns: runtimes), from `hookwarden policy compile --runtime R --markdown`.

usage: docs/compile_table.py [HOOKWARDEN_BINARY] [POLICY_FILE]

Prints a per-runtime summary (counts) first, then the full table.
"""
import subprocess
import sys

RUNTIMES = ["claude", "codex", "gemini", "cursor", "copilot", "qwen", "factory"]
binary = sys.argv[1] if len(sys.argv) > 1 else "hookwarden"
extra = sys.argv[2:3]
rows, order = {}, []
for r in RUNTIMES:
    out = subprocess.run([binary, "policy", "compile", "--runtime", r, "--markdown"] + extra,
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        key = tuple(cells[:3])
        if key not in rows:
            rows[key] = {}
            order.append(key)
        rows[key][r] = cells[3]
levels = ["enforced", "degraded", "not enforceable", "inactive"]
print("| Runtime | " + " | ".join(levels) + " |")
print("|---|" + "---|" * len(levels))
for r in RUNTIMES:
    counts = [sum(1 for k in order if rows[k].get(r) == lv) for lv in levels]
    print("| %s | %s |" % (r, " | ".join(str(c) for c in counts)))
print()
print("| Rule | Boundary | Effect | " + " | ".join(RUNTIMES) + " |")
print("|---|---|---|" + "---|" * len(RUNTIMES))
for k in order:
    print("| %s | %s | %s | %s |" % (k + (" | ".join(rows[k].get(r, "") for r in RUNTIMES),)))
