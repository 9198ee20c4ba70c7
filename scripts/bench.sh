#!/usr/bin/env bash
# Whole-process benchmark: runs the release hookwarden binary as a runtime does — a fresh
# process per event, the event JSON written to its stdin — interleaved with a floor (a process
# that only reads stdin) and, in the same run, the hooks a user would pick instead.
#
# Usage: scripts/bench.sh [--rounds N] [--no-build] [--peers DIR] [--out DIR] [--md FILE]
#   --rounds N   calls per case (default 300; every case runs once per round, interleaved)
#   --no-build   use the existing release binary (target/<triple>/release when static)
#   --peers DIR  where peer hooks are installed (DIR/bin/dcg, DIR/bin/rippy);
#                default $HW_PEERS or /tmp/hw-peers. Missing peers are skipped, with a note.
#   --out DIR    work dir for payloads and raw results (default: a fresh temp dir)
#   --against BIN  also run BIN (another hookwarden build, e.g. an earlier commit's) on the
#                same events with the embedded default policy, interleaved, as
#                "hookwarden (before)", with its own data dir; the report compares the two
#   --md FILE    also write the results section to FILE. If FILE holds the lines
#                `<!-- bench:results:begin -->` and `<!-- bench:results:end -->`, only the
#                text between them is replaced (so `--md BENCHMARKS.md` regenerates its
#                results); otherwise FILE is overwritten with the section.
#
# Needs: cargo, rustc, python3 (payload generation). Optional: node, the peers.
# Peers are installed outside the repo, e.g. (low priority, one job, so other builds go on):
#   nice -n 19 cargo install --locked -j 1 --root /tmp/hw-peers rippy-cli
#   nice -n 19 cargo install --locked -j 1 --root /tmp/hw-peers destructive_command_guard
# Every hook runs with HOME and hookwarden's config, data and audit paths inside the work dir:
# a run never reads or touches the user's own configuration or logs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS=300
BUILD=1
PEERS="${HW_PEERS:-/tmp/hw-peers}"
OUT=""
MD=""
AGAINST=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --peers) PEERS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --md) MD="$2"; shift 2 ;;
    --against) AGAINST="$2"; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$OUT" ] || OUT="$(mktemp -d "${TMPDIR:-/tmp}/hookwarden-bench.XXXXXX")"
OUT="$(mkdir -p "$OUT" && cd "$OUT" && pwd)"
mkdir -p "$OUT/home" "$OUT/data" "$OUT/data-before" "$OUT/project/.git"
# A project for the events to happen in: a git checkout, as an agent's cwd usually is.
echo "ref: refs/heads/main" > "$OUT/project/.git/HEAD"

# The binary as install.sh builds it (static on Linux with glibc: scripts/release-build.sh).
. "$ROOT/scripts/release-build.sh"
if [ "$BUILD" = 1 ]; then
  # shellcheck disable=SC2086 # HW_TARGET_ARGS is empty or one `--target TRIPLE` pair
  (cd "$ROOT" && cargo build --release --locked --quiet --bin hookwarden $HW_TARGET_ARGS)
fi
HW="$ROOT/$HW_RELEASE_DIR/hookwarden"
[ -x "$HW" ] || { echo "bench.sh: $HW missing (run without --no-build)" >&2; exit 1; }
if [ -n "$AGAINST" ]; then
  AGAINST="$(cd "$(dirname "$AGAINST")" && pwd)/$(basename "$AGAINST")"
  [ -x "$AGAINST" ] || { echo "bench.sh: --against $AGAINST is not an executable" >&2; exit 1; }
fi
# How much of link/hot-symbols.txt the binary still has (a stale list packs fewer of the
# functions a call runs; scripts/hot-symbols.sh regenerates it).
HOT_FOUND=""
if command -v nm >/dev/null && [ -f "$ROOT/link/hot-symbols.txt" ]; then
  HOT_FOUND="$(nm "$HW" 2>/dev/null | awk 'NR==FNR { have[$NF]=1; next } ($1 in have) { n++ } END { printf "%d of %d", n, FNR }' - "$ROOT/link/hot-symbols.txt")"
fi

# The floor and the runner: plain rustc, no dependencies, optimized like a release build.
# The floor is linked the way hookwarden is, so the ratio measures hookwarden's own work
# and not a linking choice; when that is static, the default dynamic floor runs beside it.
if [ -n "$HW_STATIC_FLAGS" ]; then
  rustc -O -C panic=abort -C strip=symbols "$ROOT/scripts/floor/floor.rs" -o "$OUT/floor-dynamic"
fi
# shellcheck disable=SC2086 # HW_STATIC_FLAGS and HW_CPU_FLAGS are lists of rustc flags
rustc -O -C panic=abort -C strip=symbols $HW_STATIC_FLAGS $HW_CPU_FLAGS "$ROOT/scripts/floor/floor.rs" -o "$OUT/floor"
# With the musl target installed, the same floor linked against musl: it shows what the C
# library's own start-up costs on this machine (glibc probes the CPU's caches with CPUID,
# which a hypervisor traps); hookwarden is not built this way (see BENCHMARKS.md).
MUSL_TARGET="$(uname -m)-unknown-linux-musl"
if [ -d "$(rustc --print sysroot)/lib/rustlib/$MUSL_TARGET/lib" ]; then
  rustc -O -C panic=abort -C strip=symbols --target "$MUSL_TARGET" -C relocation-model=static \
    "$ROOT/scripts/floor/floor.rs" -o "$OUT/floor-musl" 2>/dev/null || rm -f "$OUT/floor-musl"
fi
rustc -O "$ROOT/scripts/bench/runner.rs" -o "$OUT/runner"

# Payloads: the real Claude Code payloads in tests/fixtures (the shape every peer reads),
# with the command, output or prompt replaced; and a generated 500-rule user policy.
python3 - "$ROOT/tests/fixtures/claude" "$OUT" <<'PY'
import json, os, sys
fx, out = sys.argv[1], sys.argv[2]

def load(name):
    with open(os.path.join(fx, name)) as f:
        ev = json.load(f)
    ev["cwd"] = os.path.join(out, "project")
    ev["session_id"] = "bench-session-0001"
    return ev

def save(name, ev):
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(ev, f)

LINES = [
    "   Compiling serde_json v1.0.140",
    "   Compiling hookwarden v0.1.0 (/home/dev/src/hookwarden)",
    "test policy::eval::tests::strictest_effect_wins ... ok",
    "test runtime::codex::tests::apply_patch_paths ... ok",
    "warning: unused variable: `ctx` --> src/signals/paths.rs:42:9",
    "2026-11-23T10:15:02.331Z INFO request completed status=200 latency_ms=12 route=/api/v1/items",
    "{\"id\": 4711, \"name\": \"widget\", \"tags\": [\"a\", \"b\"], \"price\": 12.5, \"active\": true}",
    "drwxr-xr-x  5 dev dev 4096 Nov 23 10:14 Cargo.lock  README.md  benches  src  tests",
    "Finished `test` profile [unoptimized + debuginfo] target(s) in 4.21s; all 128 tests passed",
]
SECRETS = [
    "export GITHUB_TOKEN=ghp_R8kXv2LmQ9wZt4YpN7cJ3bH6gF1dS5aE0uIo",
    "aws_access_key_id = AKIAQ3EGUWXR7NFZ4KPD",
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz\nc2gtZWQyNTUxOQAAACBbZXhhbXBsZWtleWZvcmJlbmNobWFya2luZ29ubHkAAAAA\n-----END OPENSSH PRIVATE KEY-----",
]

def output(size, secrets):
    parts, n, i = [], 0, 0
    while n < size:
        if secrets and i % 500 == 250:
            line = SECRETS[(i // 500) % len(SECRETS)]
        else:
            line = LINES[i % len(LINES)]
        parts.append(line); n += len(line) + 1; i += 1
    return "\n".join(parts)[:size]

for name, cmd in (("pre_short", "git status"), ("pre_deny", "rm -rf /")):
    ev = load("PreToolUse_Bash.json")
    ev["tool_input"]["command"] = cmd
    save(name, ev)
for name, secrets in (("post_100k_clean", False), ("post_100k_secret", True)):
    ev = load("PostToolUse_Bash.json")
    ev["tool_input"]["command"] = "cargo test 2>&1"
    ev["tool_response"]["stdout"] = output(100 * 1024, secrets)
    save(name, ev)
# The same output with lines the hard policy's output regexes match (benches/regexes.rs uses
# the same ones), once as it is and once with a non-ASCII mark starting each of the other
# lines (a non-ASCII text is where a Unicode word boundary stops a compiled DFA).
HITS = ["connected to db-3.falcon0.corp.example:5432",
        "ran: DROP TABLE atlas_users; -- see ticket ABC-1234",
        "header says Internal-Use-Only-quasar"]
for name, mark in (("post_100k_hits", ""), ("post_100k_hits_non_ascii", "\u2713 ")):
    lines = output(100 * 1024, False).split("\n")
    lines = [HITS[(i // 400) % len(HITS)] if i % 400 == 200 else mark + l
             for i, l in enumerate(lines)]
    ev = load("PostToolUse_Bash.json")
    ev["tool_input"]["command"] = "cargo test 2>&1"
    ev["tool_response"]["stdout"] = "\n".join(lines)
    save(name, ev)
# 1 MiB of the output agents really see, varied: build and test logs, JSON API responses
# full of ids, shas and checksums, access logs, source code; a secret every ~200 KB.
MIXED = [
    "   Compiling tokio v1.41.1",
    "test auth::token::tests::refresh_token_expires ... ok",
    "warning: unused variable: `secret_name` --> src/vault.rs:88:13",
    "2026-11-23T10:15:02.514Z WARN token refresh skipped: cache hit key=session:96bd369a ttl=3600",
    "{\"request_id\": \"0736f5ef-7e88-499a-80cc-90c85d2a5180\", \"status\": \"ok\", \"items\": [1, 2, 3]}",
    "{\"sha\": \"9fceb02d0ae598e95dc970b74767f19372d61af8\", \"node_id\": \"C_kwDOAJy2KtoAKDlmY2ViMDJkMGFlNTk4ZTk1ZGM5NzBiNzQ3NjdmMTkzNzJkNjFhZjg\", \"tree\": {\"sha\": \"b4eecafa9be2f2006ce1b709d6857b07069b4608\"}}",
    "{\"name\": \"app-linux-x64.tar.gz\", \"size\": 48213377, \"digest\": \"sha256:3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855a\", \"id\": 190233871}",
    "10.0.3.7 - - [23/Nov/2026:10:15:02 +0000] \"GET /api/v1/orders/7d1f3c9a-52be-4b8e-9e0f-3a6c2d81b4f5?page=2 HTTP/1.1\" 200 5123 \"-\" \"okhttp/4.12.0\"",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  dist/app-1.4.2.tar.gz",
    "  image: registry.example.org/payments@sha256:eaaa7b11777babe28e6133a8b19ff71cea687e0d7f05158dee95a71f76ce3d00",
    "\"integrity\": \"sha512-3Dpl8yPLnRZ4ZaLhtOMzHpTt5M3p7+QtGvmEy8hp0lsS4ApBZE9j6zEN7ufo8phTbY0bPvuthV/ULIrMr1Fjg==\"",
    "    let token = store.get_token(&user).await?;",
    "    if key.is_empty() { return Err(Error::MissingKey); }",
    "def authenticate(username, password):",
    "    return hmac.compare_digest(stored_hash, hash_password(password))",
    "commit 43fc912ef59a83054ea7f6706df4d53a7dea4d80",
    "Author: Dev Eloper <dev@users.noreply.github.com>",
    "PATH=/usr/local/bin:/usr/bin:/bin HOME=/home/dev LANG=C.UTF-8 TERM=xterm-256color SHLVL=1",
]
def mixed(size):
    parts, n, i = [], 0, 0
    while n < size:
        line = SECRETS[(i // 2000) % len(SECRETS)] if i % 2000 == 1000 else MIXED[i % len(MIXED)]
        parts.append(line)
        n += len(line) + 1
        i += 1
    return "\n".join(parts)
ev = load("PostToolUse_Bash.json")
ev["tool_input"]["command"] = "make test 2>&1"
ev["tool_response"]["stdout"] = mixed(1024 * 1024)
save("post_1m_mixed", ev)
ev = load("UserPromptSubmit.json")
ev["prompt"] = "Refactor the argument parser into its own module, keep the public API, and run the tests."
save("prompt", ev)

# A 500-rule user policy of the kinds people write, on every boundary.
rules = []
for i in range(500):
    k = i % 5
    if k == 0:
        body = f'boundary = "tool_request"\neffect = "deny"\nrisk = 70\nwhen = {{ program = ["tool{i}", "tool{i}-cli"], args_any = ["--danger-{i}"] }}\n'
    elif k == 1:
        body = f'boundary = "tool_request"\neffect = "ask"\nwhen = {{ flag = "file.read", path_glob = "/srv/data{i}/**" }}\n'
    elif k == 2:
        body = f'boundary = "tool_request"\neffect = "alert"\nwhen = {{ program = "curl", args_any = ["-X{i}"] }}\n'
    elif k == 3:
        body = f'boundary = "tool_output"\neffect = "alert"\nwhen = {{ text_regex = "internal-marker-{i}\\\\b" }}\n'
    else:
        body = f'boundary = "prompt"\neffect = "alert"\nwhen = {{ text_regex = "(?i)project-codename-{i}" }}\n'
    rules.append(f'[[rule]]\nid = "bench.rule-{i}"\ndescription = "Generated rule {i}."\nreason = "Rule {i} matched."\n{body}')
with open(os.path.join(out, "policy-500.toml"), "w") as f:
    f.write('[policy]\nname = "bench-500"\nversion = "1.0.0"\n\n' + "\n".join(rules))

# The same 500 rules with the regexes teams really write in place of the literal markers:
# case-insensitive, word boundaries, alternations, no literal prefix (benches/regexes.rs
# generates the same shapes). 100 output rules, 100 prompt rules, and 50 command rules
# (args_regex) instead of half of the curl rules.
WORDS = ["falcon", "orion", "vega", "atlas", "nebula", "quasar", "pulsar", "zephyr", "kestrel",
         "osprey", "lyra", "draco", "phoenix", "hydra", "cygnus", "aquila", "perseus", "andromeda",
         "cassini", "juno", "titan", "rhea", "europa", "ganymede", "callisto", "io", "triton",
         "nereid", "proteus", "miranda"]
def hard(i):
    w = lambda j: WORDS[j % len(WORDS)]
    k = i % 10
    if k == 0: return r"(?i)[a-z0-9-]+\.%s%d\.corp\.example" % (w(i), i)
    if k == 1: return r"(?i)\b(project|codename)[-_ ]?(%s|%s|%s)\b" % (w(i), w(i + 1), w(i + 2))
    if k == 2 and i % 20 == 2: return r"\b[A-Z]{2,%d}-\d{3,6}\b" % (5 + i // 20)
    if k == 2: return r"\b%s-\d{3,6}\b" % w(i).upper()
    if k == 3: return r"(?i)(drop|truncate)\s+table\s+%s_\w+" % w(i)
    if k == 4: return r"(?i)\b(ignore|disregard)\s+(all\s+)?(previous|prior)\s+%s\b" % w(i)
    if k == 5: return r"(?i)internal[-_ ]use[-_ ]only[-_ ]%s" % w(i)
    if k == 6: return r"(?i)\bcustomer[_-]?%s[_-]?id\s*[:=]\s*\d{6,}" % w(i)
    if k == 7: return r"(?i)https?://[a-z0-9.-]*%s\.internal\b" % w(i)
    if k == 8: return r"10\.%d\.\d{1,3}\.\d{1,3}" % (i % 250)
    return r"(?i)(secret|confidential)[-_ ]%s[-_ ]\w+" % w(i)
def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
rules = []
for i in range(500):
    k = i % 5
    if k == 0:
        body = f'boundary = "tool_request"\neffect = "deny"\nrisk = 70\nwhen = {{ program = ["tool{i}", "tool{i}-cli"], args_any = ["--danger-{i}"] }}\n'
    elif k == 1:
        body = f'boundary = "tool_request"\neffect = "ask"\nwhen = {{ flag = "file.read", path_glob = "/srv/data{i}/**" }}\n'
    elif k == 2 and i % 10 == 2:
        body = f'boundary = "tool_request"\neffect = "alert"\nwhen = {{ program = "psql", args_regex = {toml_str(hard(i // 5))} }}\n'
    elif k == 2:
        body = f'boundary = "tool_request"\neffect = "alert"\nwhen = {{ program = "curl", args_any = ["-X{i}"] }}\n'
    elif k == 3:
        body = f'boundary = "tool_output"\neffect = "alert"\nwhen = {{ text_regex = {toml_str(hard(i // 5))} }}\n'
    else:
        body = f'boundary = "prompt"\neffect = "alert"\nwhen = {{ text_regex = {toml_str(hard(i // 5 + 7))} }}\n'
    rules.append(f'[[rule]]\nid = "bench.rule-{i}"\ndescription = "Generated rule {i}."\nreason = "Rule {i} matched."\n{body}')
with open(os.path.join(out, "policy-500-hard.toml"), "w") as f:
    f.write('[policy]\nname = "bench-500-hard"\nversion = "1.0.0"\n\n' + "\n".join(rules))
PY

# Recorded before HOME moves (rustup finds its toolchains through HOME).
RUSTC_VERSION="$(rustc -V)"
export HOME="$OUT/home"
export HOOKWARDEN_AUDIT="$OUT/data/audit.jsonl"
export HOOKWARDEN_DATA_DIR="$OUT/data"
export HOOKWARDEN_CONFIG_DIR="$OUT/home/.config/hookwarden"
export HOOKWARDEN_ORG_POLICY="$OUT/no-org-policy.toml"
export HOOKWARDEN_USER_POLICY="$OUT/no-user-policy.toml"

# The 500-rule policies must load: a broken one would make every answer a fail-closed denial.
for pol in policy-500 policy-500-hard; do
  if ! "$HW" policy validate "$OUT/$pol.toml" > "$OUT/$pol.validate" 2>&1; then
    echo "bench.sh: the generated policy $pol.toml does not validate:" >&2
    cat "$OUT/$pol.validate" >&2
    exit 1
  fi
done

DCG="$PEERS/bin/dcg"
RIPPY="$PEERS/bin/rippy"
NODE="$(command -v node || true)"
# The interpreter itself, not a version-manager shim (pyenv's adds a shell script per call).
PY="$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || true)"
# Decided once, so the cases, the notes and the verdicts agree even if a peer appears mid-run.
HAVE_DCG=0; [ -x "$DCG" ] && HAVE_DCG=1
HAVE_RIPPY=0; [ -x "$RIPPY" ] && HAVE_RIPPY=1
notes=()
[ "$HAVE_DCG" = 1 ] || notes+=("destructive_command_guard (dcg) not found at $DCG: skipped, so the dcg comparison is missing from this run")
[ "$HAVE_RIPPY" = 1 ] || notes+=("rippy not found at $RIPPY: skipped")
[ -n "$NODE" ] || notes+=("node not found: the minimal Node hook is skipped")

SPEC="$OUT/spec.tsv"
: > "$SPEC"
T=$'\t'
add() { # event tool payload argv...
  local ev="$1" tool="$2" payload="$3"; shift 3
  local line="$ev$T$tool$T$payload"
  for a in "$@"; do line="$line$T$a"; done
  echo "$line" >> "$SPEC"
}
EVENTS="pre_short pre_deny post_100k_clean post_100k_secret post_100k_hits post_100k_hits_non_ascii post_1m_mixed prompt"
for ev in $EVENTS; do
  p="$OUT/$ev.json"
  add "$ev" floor "$p" "$OUT/floor"
  [ -x "$OUT/floor-dynamic" ] && add "$ev" "floor (dynamically linked)" "$p" "$OUT/floor-dynamic"
  [ -x "$OUT/floor-musl" ] && add "$ev" "floor (musl)" "$p" "$OUT/floor-musl"
  add "$ev" "hookwarden" "$p" "$HW" hook --runtime claude
  [ -n "$AGAINST" ] && add "$ev" "hookwarden (before)" "$p" "env:HOOKWARDEN_DATA_DIR=$OUT/data-before" "env:HOOKWARDEN_AUDIT=$OUT/data-before/audit.jsonl" "$AGAINST" hook --runtime claude
  add "$ev" "hookwarden (500 rules)" "$p" "env:HOOKWARDEN_USER_POLICY=$OUT/policy-500.toml" "$HW" hook --runtime claude
  add "$ev" "hookwarden (500 rules, hard regexes)" "$p" "env:HOOKWARDEN_USER_POLICY=$OUT/policy-500-hard.toml" "$HW" hook --runtime claude
  # dcg and rippy are pre-tool hooks (their installers register PreToolUse only), invoked as
  # their docs register them: dcg with no arguments, rippy with its mode.
  case "$ev" in
    pre_*)
      [ "$HAVE_DCG" = 1 ] && add "$ev" dcg "$p" "$DCG"
      [ "$HAVE_RIPPY" = 1 ] && add "$ev" rippy "$p" "$RIPPY" --mode claude
      ;;
  esac
  # The least a hook written in Node or Python costs: start, read stdin, parse, answer.
  [ -n "$NODE" ] && add "$ev" "node (minimal hook)" "$p" "$NODE" "$ROOT/scripts/floor/floor.js"
  [ -n "$PY" ] && add "$ev" "python (minimal hook)" "$p" "$PY" "$ROOT/scripts/floor/floor.py"
done

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench.sh: $(grep -c . "$SPEC") cases x $ROUNDS rounds, interleaved; work dir $OUT" >&2
(cd "$OUT/project" && "$OUT/runner" "$SPEC" "$ROUNDS" 5) > "$OUT/results.tsv"
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

# The results section: machine, then one table per event (times in ms), ratios to the
# floor of the same event, hookwarden's speed-up over each peer, and the targets.
report() {
  echo "Run $(date -u +%Y-%m-%dT%H:%MZ), \`scripts/bench.sh --rounds $ROUNDS\`:"
  echo
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, Linux $(uname -r)"
  echo "- load average (1/5/15 min): $LOAD_START at start, $LOAD_END at end"
  echo "- hookwarden $("$HW" --version 2>/dev/null | head -1 | awk '{print $NF}') ($(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')), $RUSTC_VERSION"
  echo "- build flags: ${HW_STATIC_FLAGS:-(default linking)} ${HW_CPU_FLAGS:-(any CPU of the architecture)}"
  [ -n "$HOT_FOUND" ] && echo "- link/hot-symbols.txt: $HOT_FOUND names found in the binary (scripts/hot-symbols.sh regenerates it when few are)"
  [ -n "$AGAINST" ] && echo "- hookwarden (before): $AGAINST ($("$AGAINST" --version 2>/dev/null | head -1 | awk '{print $NF}'))"
  [ "$HAVE_DCG" = 1 ] && echo "- dcg $("$DCG" --version 2>/dev/null | head -1 | awk '{print $NF}')"
  [ "$HAVE_RIPPY" = 1 ] && echo "- rippy $("$RIPPY" --version 2>/dev/null | head -1 | awk '{print $NF}')"
  [ -n "$NODE" ] && echo "- node $("$NODE" --version)"
  [ -n "$PY" ] && echo "- $("$PY" --version 2>&1)"
  echo "- $ROUNDS calls per case after 5 warm-up calls; every case once per round, in an order that rotates each round; a fresh process per call, the payload piped to its stdin, timed from spawn to exit"
  for n in "${notes[@]}"; do echo "- note: $n"; done
  echo
  # Under load, scheduling delays swamp the medians (the floor's median far above its
  # minimum); the minimum is then the better estimate of what a call itself costs.
  awk -v cores="$(nproc)" -v load="$LOAD_END" 'BEGIN { split(load, l, " "); if (l[1] > cores / 2) printf "- warning: the machine was busy (load %s on %d cores): medians and p95 include time spent waiting for a CPU; compare the min columns, and rerun on a quiet machine for the medians\n", l[1], cores }'
  echo
  echo "| event | hook | median ms | p95 ms | min ms | median / floor | min / floor min | answer |"
  echo "|---|---|---:|---:|---:|---:|---:|---|"
  awk -F'\t' '
    { row[NR]=$0; if ($2=="floor") fmin[$1]=$5 }
    END { for (i=1; i<=NR; i++) { split(row[i], f, "\t")
      printf "| %s | %s | %.2f | %.2f | %.2f | %.2fx | %.2fx | %s |\n", f[1], f[2], f[3]/1000, f[4]/1000, f[5]/1000, f[7], (fmin[f[1]] > 0 ? f[5]/fmin[f[1]] : 0), f[9] } }' "$OUT/results.tsv"
  echo
  echo "hookwarden (embedded default policy) against the others on the same events, median over median (min over min):"
  echo
  echo "| event | vs dcg | vs rippy | vs node (minimal) | vs python (minimal) |"
  echo "|---|---:|---:|---:|---:|"
  awk -F'\t' '
    $2=="hookwarden" { hw[$1]=$3; hwmin[$1]=$5; order[++n]=$1 }
    { t[$1 "|" $2]=$3; m[$1 "|" $2]=$5 }
    function cell(e, tool) { return ((e "|" tool) in t) ? sprintf("%.1fx (%.1fx)", t[e "|" tool]/hw[e], m[e "|" tool]/hwmin[e]) : "n/a" }
    END {
      for (i=1; i<=n; i++) { e=order[i]
        printf "| %s | %s | %s | %s | %s |\n", e, cell(e, "dcg"), cell(e, "rippy"), cell(e, "node (minimal hook)"), cell(e, "python (minimal hook)") }
    }' "$OUT/results.tsv"
  echo
  if [ -n "$AGAINST" ]; then
    echo "hookwarden against hookwarden (before), both on the embedded default policy, interleaved in this run:"
    echo
    echo "| event | median ms | before ms | median ratio | min ms | before min ms | min ratio |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    awk -F'\t' '
      $2=="hookwarden" { hw[$1]=$3; hwmin[$1]=$5; order[++n]=$1 }
      $2=="hookwarden (before)" { b[$1]=$3; bmin[$1]=$5 }
      END { for (i=1; i<=n; i++) { e=order[i]; if (!(e in b)) continue
        printf "| %s | %.2f | %.2f | %.2fx | %.2f | %.2f | %.2fx |\n", e, hw[e]/1000, b[e]/1000, hw[e]/b[e], hwmin[e]/1000, bmin[e]/1000, hwmin[e]/bmin[e] } }' "$OUT/results.tsv"
    echo
  fi
  echo "Targets:"
  echo
  awk -F'\t' -v dcg_present="$HAVE_DCG" '
    { t[$1 "|" $2]=$3; r[$1 "|" $2]=$7; m[$1 "|" $2]=$5 }
    function verdict(ok) { return ok ? "met" : "MISSED" }
    END {
      a=r["pre_short|hookwarden"]; b=r["pre_deny|hookwarden"]
      printf "- pre-tool within 1.5x of the floor (medians): %.2fx (git status), %.2fx (rm -rf /): %s (min over min: %.2fx, %.2fx)\n", a, b, verdict(a<=1.5 && b<=1.5), m["pre_short|hookwarden"]/m["pre_short|floor"], m["pre_deny|hookwarden"]/m["pre_deny|floor"]
      c=r["post_100k_clean|hookwarden"]
      printf "- post-tool with 100 KB of output within 3x of the floor (medians): %.2fx: %s (min over min: %.2fx)\n", c, verdict(c<=3), m["post_100k_clean|hookwarden"]/m["post_100k_clean|floor"]
      if (dcg_present == 1) {
        s1=t["pre_short|dcg"]/t["pre_short|hookwarden"]; s2=t["pre_deny|dcg"]/t["pre_deny|hookwarden"]
        printf "- at least 10x faster than dcg on the same events: %.1fx (git status), %.1fx (rm -rf /): %s\n", s1, s2, verdict(s1>=10 && s2>=10)
        printf "  (min over min: %.1fx, %.1fx)\n", m["pre_short|dcg"]/m["pre_short|hookwarden"], m["pre_deny|dcg"]/m["pre_deny|hookwarden"]
      } else {
        printf "- at least 10x faster than dcg: not measured in this run (dcg not installed)\n"
      }
      e=r["post_1m_mixed|hookwarden"]
      printf "- post-tool with 1 MiB of ordinary output and a few secrets within 3x the floor (medians): %.2fx: %s (min over min: %.2fx)\n", e, verdict(e<=3), m["post_1m_mixed|hookwarden"]/m["post_1m_mixed|floor"]
      d=r["pre_short|hookwarden (500 rules)"]
      printf "- with a 500-rule user policy, pre-tool: %.2fx the floor\n", d
      worst=0; at=""
      for (k in r) { split(k, kk, "|"); if (kk[2]=="hookwarden (500 rules, hard regexes)" && r[k]>worst) { worst=r[k]; at=kk[1] } }
      printf "- with the 500-rule policy of hard regexes, every event within 2x the floor (medians): worst %.2fx (%s): %s\n", worst, at, verdict(worst<=2)
    }' "$OUT/results.tsv"
}
report > "$OUT/report.md"
cat "$OUT/report.md"

if [ -n "$MD" ]; then
  begin='<!-- bench:results:begin -->'
  end='<!-- bench:results:end -->'
  if [ -f "$MD" ] && grep -qF "$begin" "$MD" && grep -qF "$end" "$MD"; then
    python3 - "$MD" "$OUT/report.md" "$begin" "$end" <<'PY'
import sys
path, report, begin, end = sys.argv[1:5]
text = open(path).read()
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
body = open(report).read().rstrip("\n")
open(path, "w").write(f"{head}{begin}\n{body}\n{end}{tail}")
PY
  else
    cp "$OUT/report.md" "$MD"
  fi
  echo "bench.sh: results written to $MD" >&2
fi
echo "bench.sh: report in $OUT/report.md, raw figures in $OUT/results.tsv" >&2
