#!/usr/bin/env bash
# Whole-process benchmark: runs the release hookwarden binary as a runtime does — a fresh
# process per event, the event JSON written to its stdin — interleaved with a floor (a process
# that only reads stdin) and, in the same run, the tools a user would pick instead.
#
# Usage: scripts/bench.sh [--rounds N] [--no-build] [--peers DIR] [--out DIR]
#   --rounds N   calls per case (default 200; every case runs once per round, interleaved)
#   --no-build   use the existing target/release/hookwarden
#   --peers DIR  where peer hooks are installed (DIR/bin/dcg, DIR/bin/rippy);
#                default $HW_PEERS or /tmp/hw-peers. Missing peers are skipped, with a note.
#   --out DIR    work dir for payloads and results (default: a fresh temp dir)
#
# Needs: cargo, rustc, python3 (payload generation). Optional: node, peers.
# Install the peers outside the repo, e.g. (low priority, one job, so other builds go on):
#   nice -n 19 cargo install --locked -j 1 --root /tmp/hw-peers rippy-cli
#   nice -n 19 cargo install --locked -j 1 --root /tmp/hw-peers destructive_command_guard
# The hook's audit log and data dir point into the work dir: a run never touches the user's.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS=200
BUILD=1
PEERS="${HW_PEERS:-/tmp/hw-peers}"
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --peers) PEERS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$OUT" ] || OUT="$(mktemp -d "${TMPDIR:-/tmp}/hookwarden-bench.XXXXXX")"
mkdir -p "$OUT/home" "$OUT/data" "$OUT/project"
# A project for the events to happen in: a git checkout, as an agent's cwd usually is.
mkdir -p "$OUT/project/.git" && echo "ref: refs/heads/main" > "$OUT/project/.git/HEAD"

if [ "$BUILD" = 1 ]; then
  (cd "$ROOT" && cargo build --release --quiet)
fi
HW="$ROOT/target/release/hookwarden"
[ -x "$HW" ] || { echo "bench.sh: $HW missing (run without --no-build)" >&2; exit 1; }

# The floor and the runner: plain rustc, no dependencies, same flags as a release build.
rustc -O -C panic=abort -C strip=symbols "$ROOT/scripts/floor/floor.rs" -o "$OUT/floor"
rustc -O "$ROOT/scripts/bench/runner.rs" -o "$OUT/runner"

# Payloads: the real runtime payloads in tests/fixtures, with the command / output replaced.
python3 - "$ROOT/tests/fixtures" "$OUT" <<'PY'
import json, sys, os
fx, out = sys.argv[1], sys.argv[2]
cwd = os.path.join(out, "project")

def load(rt, name):
    with open(os.path.join(fx, rt, name)) as f:
        ev = json.load(f)
    ev["cwd"] = cwd
    return ev

def output(size):
    lines = [
        "   Compiling serde_json v1.0.140",
        "test policy::eval::tests::strictest_effect_wins ... ok",
        "warning: unused variable: `ctx` --> src/signals/paths.rs:42:9",
        "2026-11-23T10:15:02.331Z INFO request completed status=200 latency_ms=12 route=/api/v1/items",
        "{\"id\": 4711, \"name\": \"widget\", \"tags\": [\"a\", \"b\"], \"price\": 12.5, \"Active\": true}",
        "drwxr-xr-x  5 dev dev 4096 Nov 23 10:14 Cargo.lock  README.md  benches  src  tests",
    ]
    secrets = [
        "export GITHUB_TOKEN=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPL3",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz\n-----END OPENSSH PRIVATE KEY-----",
    ]
    parts, n, i = [], 0, 0
    while n < size:
        line = lines[i % len(lines)] if i % 400 != 200 else secrets[(i // 400) % len(secrets)]
        parts.append(line); n += len(line) + 1; i += 1
    return "\n".join(parts)[:size]

big = output(100 * 1024)
pre = {"claude": "PreToolUse_Bash.json", "codex": "PreToolUse_Bash.json",
       "gemini": "BeforeTool_run_shell_command.json"}
post = {"claude": "PostToolUse_Bash.json", "codex": "PostToolUse_Bash.json",
        "gemini": "AfterTool_run_shell_command.json"}
for rt in ("claude", "codex", "gemini"):
    for ev_name, cmd in (("git_status", "git status"), ("rm_rf_root", "rm -rf /")):
        ev = load(rt, pre[rt])
        ev["tool_input"]["command"] = cmd
        with open(os.path.join(out, f"{rt}-{ev_name}.json"), "w") as f:
            json.dump(ev, f)
    ev = load(rt, post[rt])
    ev["tool_input"]["command"] = "cargo test 2>&1"
    if rt == "claude":
        ev["tool_response"]["stdout"] = big
    elif rt == "codex":
        ev["tool_response"] = big
    else:
        ev["tool_response"]["llmContent"] = big
        ev["tool_response"]["returnDisplay"] = big
    with open(os.path.join(out, f"{rt}-post_100k.json"), "w") as f:
        json.dump(ev, f)
PY

export HOME="$OUT/home"
export HOOKWARDEN_AUDIT="$OUT/data/audit.jsonl"
export HOOKWARDEN_DATA_DIR="$OUT/data"
export HOOKWARDEN_CONFIG_DIR="$OUT/home/.config/hookwarden"

DCG="$PEERS/bin/dcg"
RIPPY="$PEERS/bin/rippy"
NODE="$(command -v node || true)"
# The interpreter itself, not a version-manager shim (pyenv's adds a shell script per call).
PY="$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || true)"
notes=()
[ -x "$DCG" ] || notes+=("destructive_command_guard not found at $DCG: skipped")
[ -x "$RIPPY" ] || notes+=("rippy not found at $RIPPY: skipped")
[ -n "$NODE" ] || notes+=("node not found: the Node floor is skipped")

SPEC="$OUT/spec.tsv"
: > "$SPEC"
T=$'\t'
add() { # event tool payload argv...
  local ev="$1" tool="$2" payload="$3"; shift 3
  local line="$ev$T$tool$T$payload"
  for a in "$@"; do line="$line$T$a"; done
  echo "$line" >> "$SPEC"
}
for rt in claude codex gemini; do
  for ev in git_status rm_rf_root post_100k; do
    p="$OUT/$rt-$ev.json"
    e="$rt/$ev"
    add "$e" floor "$p" "$OUT/floor"
    add "$e" hookwarden "$p" "$HW" hook --runtime "$rt"
    # Peers check commands only (pre-tool); dcg reads Claude-style payloads for every runtime.
    if [ "$ev" != post_100k ]; then
      [ -x "$DCG" ] && add "$e" dcg "$p" "$DCG"
      [ -x "$RIPPY" ] && add "$e" rippy "$p" "$RIPPY" --mode "$rt"
    fi
    # The ecosystems' own floors, once per event kind (they cost the same on every runtime).
    if [ "$rt" = claude ]; then
      [ -n "$NODE" ] && add "$e" node-floor "$p" "$NODE" "$ROOT/scripts/floor/floor.js"
      [ -n "$PY" ] && add "$e" python-floor "$p" "$PY" "$ROOT/scripts/floor/floor.py"
    fi
  done
done

echo "bench.sh: $(grep -c . "$SPEC") cases x $ROUNDS rounds, interleaved; work dir $OUT" >&2
(cd "$OUT/project" && "$OUT/runner" "$SPEC" "$ROUNDS" 5) > "$OUT/results.tsv"

# Report: machine, then one table (times in ms), ratios to the floor of the same event and
# hookwarden's speed-up over each peer on the same event.
{
  echo "## Run $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- hookwarden $("$HW" --version 2>/dev/null | head -1 || echo '?') ($(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')), rustc $(rustc --version | cut -d' ' -f2)"
  [ -x "$DCG" ] && echo "- dcg: $("$DCG" --version 2>/dev/null | head -1 || echo '?')"
  [ -x "$RIPPY" ] && echo "- rippy: $("$RIPPY" --version 2>/dev/null | head -1 || echo '?')"
  [ -n "$NODE" ] && echo "- node $("$NODE" --version)"
  [ -n "$PY" ] && echo "- $("$PY" --version 2>&1)"
  echo "- $ROUNDS calls per case, every case once per round (order rotating), fresh process per call, payload piped to stdin"
  for n in "${notes[@]}"; do echo "- note: $n"; done
  echo
  echo "| event | tool | median ms | p95 ms | min ms | x floor (median) | answer |"
  echo "|---|---|---:|---:|---:|---:|---|"
  awk -F'\t' '{ printf "| %s | %s | %.3f | %.3f | %.3f | %.2f | %s (exit %s) |\n", $1, $2, $3/1000, $4/1000, $5/1000, $7, $9, $8 }' "$OUT/results.tsv"
  echo
  echo "| event | hookwarden vs dcg (median) | hookwarden vs rippy (median) |"
  echo "|---|---:|---:|"
  awk -F'\t' '
    $2=="hookwarden" { hw[$1]=$3; order[++n]=$1 }
    $2=="dcg" { dcg[$1]=$3 }
    $2=="rippy" { rip[$1]=$3 }
    END {
      for (i=1; i<=n; i++) { e=order[i]
        a = (e in dcg) ? sprintf("%.1fx faster", dcg[e]/hw[e]) : "n/a"
        b = (e in rip) ? sprintf("%.1fx faster", rip[e]/hw[e]) : "n/a"
        printf "| %s | %s | %s |\n", e, a, b }
    }' "$OUT/results.tsv"
} | tee "$OUT/report.md"
echo >&2
echo "bench.sh: report in $OUT/report.md, raw figures in $OUT/results.tsv" >&2
