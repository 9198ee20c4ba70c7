#!/usr/bin/env bash
# Regenerates link/hot-symbols.txt: the functions a hook call runs and the tables it reads,
# which build.rs asks the linker to place together at the start of their sections.
#
# A hook process touches a few hundred functions spread over ~5 MB of code; each 64 KB
# window of code it touches costs a page fault (~4.5 us on the KVM guests we measure on),
# some 20 of them per call. Packed together they fit in a few windows (pre-tool: 82 -> 63
# faults, 1.11 -> 0.99 ms; scripts/bench.sh). The list names mangled symbols, which stay the
# same across edits of other code; a stale line is skipped by the linker, and a function
# missing from the list only lands where it would have anyway. Rerun after a toolchain
# update or a big change of the hook path.
#
# Usage: scripts/hot-symbols.sh   (needs valgrind; builds the release binary first)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
command -v valgrind >/dev/null || { echo "hot-symbols.sh: needs valgrind" >&2; exit 1; }
. scripts/release-build.sh
# valgrind does not execute the SHA extensions' instructions, so the profiled build goes
# without them (its hot functions are the same; SHA-256 runs its portable code instead).
RUSTFLAGS="${RUSTFLAGS:-}"
RUSTFLAGS="${RUSTFLAGS//-C target-feature=+sha/}"
export RUSTFLAGS
# shellcheck disable=SC2086 # HW_TARGET_ARGS is empty or one `--target TRIPLE` pair
HOOKWARDEN_SYMBOL_ORDER=0 cargo build --release --locked --quiet --bin hookwarden $HW_TARGET_ARGS
HW="$ROOT/$HW_RELEASE_DIR/hookwarden"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export HOME="$WORK/home" HOOKWARDEN_DATA_DIR="$WORK/data" HOOKWARDEN_AUDIT="$WORK/audit.jsonl"
export HOOKWARDEN_CONFIG_DIR="$WORK/config" HOOKWARDEN_ORG_POLICY="$WORK/none.toml"
export HOOKWARDEN_USER_POLICY="$WORK/none.toml"
mkdir -p "$HOME"
n=0
for f in tests/fixtures/claude/*.json tests/fixtures/codex/*.json tests/fixtures/gemini/*.json \
  tests/fixtures/demo/*.json; do
  dir="$(basename "$(dirname "$f")")"
  runtime="$dir"
  [ "$dir" = demo ] && runtime=claude
  # The first call of a policy compiles and caches it; the calls that matter read the cache.
  "$HW" hook --runtime "$runtime" < "$f" > /dev/null 2>&1 || true
  valgrind --tool=callgrind --demangle=no --callgrind-out-file="$WORK/cg.$n" \
    "$HW" hook --runtime "$runtime" < "$f" > /dev/null 2>&1 || true
  # Every load and store of the call, for the tables it reads (below).
  valgrind --tool=lackey --trace-mem=yes --log-file="$WORK/mem.$n" \
    "$HW" hook --runtime "$runtime" < "$f" > /dev/null 2>&1 || true
  n=$((n + 1))
done
# Function names of every profile (fn= and cfn= lines name them on first use), the ones
# most calls run first: what every call runs (start-up, JSON, policy loading) is then one
# dense block, and what only some events run follows it instead of splitting it.
for f in "$WORK"/cg.*; do
  sed -n 's/^c\{0,1\}fn=([0-9]*) \(.*\)$/\1/p' "$f" | sed "s/'[0-9]*$//" | LC_ALL=C sort -u
done | grep -v -e '^0x' -e '^(' | LC_ALL=C sort | uniq -c | LC_ALL=C sort -k1,1nr -k2 \
  | awk '{ print $2 }' > link/hot-symbols.txt
# The named tables and constants the calls read (keyword tables, profiles, serde's escape
# table, libc's locale tables), the most read first: the linker packs them at the start of
# their sections as it does the functions. Read-only data is touched in as many 64 KB
# windows as code, each a page fault. Anonymous constants have no symbol and stay put.
nm -S "$HW" | python3 -c '
import bisect, collections, glob, sys
syms = []
for line in sys.stdin:
    p = line.split()
    if len(p) == 4 and p[2] in "rRdDbB":
        syms.append((int(p[0], 16), int(p[1], 16), p[3]))
syms.sort()
starts = [s[0] for s in syms]
calls = collections.Counter()
for path in sorted(glob.glob(sys.argv[1] + "/mem.*")):
    seen = set()
    for line in open(path, errors="replace"):
        if line[:2] not in (" L", " S", " M"):
            continue
        a = int(line.split()[1].split(",")[0], 16)
        i = bisect.bisect_right(starts, a) - 1
        if i >= 0 and syms[i][0] <= a < syms[i][0] + max(syms[i][1], 1):
            seen.add(syms[i][2])
    calls.update(seen)
for name, _ in sorted(calls.items(), key=lambda kv: (-kv[1], kv[0])):
    print(name)
' "$WORK" > "$WORK/data.txt"
cat "$WORK/data.txt" >> link/hot-symbols.txt
echo "link/hot-symbols.txt: $(wc -l < link/hot-symbols.txt) functions and tables ($(wc -l < "$WORK/data.txt") tables) from $n hook calls"
