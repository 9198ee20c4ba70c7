#!/usr/bin/env bash
# Team approvals end to end, in one command:
#   tests/serve/run.sh                  # builds the debug binaries when not given
#   HOOKWARDEN_BIN=path HOOKWARDEN_SERVE_BIN=path tests/serve/run.sh
# Installs what it needs when missing (Debian's postgresql, chromium and chromium-driver),
# starts a private PostgreSQL cluster, then:
#   - the service's Rust suite against PostgreSQL (HOOKWARDEN_REQUIRE_POSTGRES=1: an
#     unreachable database fails, it does not skip);
#   - tests/serve/e2e.py on SQLite, then PostgreSQL: a Codex-shaped hook call hits an
#     approval rule, an approver approves / rejects in headless Chromium, the retry passes /
#     is denied with the note;
#   - tests/serve/load.py: concurrent filings and approvers, none lost or doubled.
# Writes the screenshots to docs/team-inbox.png and docs/team-request.png.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS
PY="${PYTHON:-python3}"

need=()
pg_bin=""
for v in 17 16 15 14 13; do
  if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then
    pg_bin="/usr/lib/postgresql/$v/bin"
    break
  fi
done
[ -n "$pg_bin" ] || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "tests/serve: missing ${need[*]}; install Debian's packages" >&2
    exit 1
  fi
fi
if [ -z "$pg_bin" ]; then
  pg_bin="$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")"
fi

# The binaries.
bin="${HOOKWARDEN_BIN:-}"
serve="${HOOKWARDEN_SERVE_BIN:-}"
if [ -z "$bin" ] || [ -z "$serve" ]; then
  cargo build --quiet -p hookwarden --bin hookwarden
  cargo build --quiet -p hookwarden-serve --bin hookwarden-serve
  bin="${bin:-target/debug/hookwarden}"
  serve="${serve:-target/debug/hookwarden-serve}"
fi

# A private PostgreSQL cluster on a free port, owned by an unprivileged user (the server
# refuses to run as root).
work="$(mktemp -d)"
chmod 755 "$work"
pg_port="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
as_pg=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$work"
  as_pg=(runuser -u postgres --)
fi
"${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg" -A trust -U postgres >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null
cleanup() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
pg="postgres://postgres@127.0.0.1:$pg_port/postgres"
createdb() {
  "$PY" - "$1" "$pg_port" <<'PY'
import subprocess, sys
subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-p", sys.argv[2], "-U", "postgres", "-d", "postgres",
                "-c", f"CREATE DATABASE {sys.argv[1]}"], check=True)
PY
}
echo "postgresql: $pg_bin on port $pg_port"
echo "chromium:   $(chromium --version 2>/dev/null | head -1); $(chromedriver --version | head -1)"

status=0
# The service's suite, PostgreSQL required.
HOOKWARDEN_TEST_POSTGRES="$pg" HOOKWARDEN_REQUIRE_POSTGRES=1 \
  cargo test --quiet -p hookwarden-serve --test service -- --ignored on_postgres || status=1

createdb hw_e2e
mkdir -p "$work/shots"
"$PY" tests/serve/e2e.py --hookwarden "$bin" --serve "$serve" \
  --database "sqlite=sqlite:$work/e2e.db" \
  --database "postgres=postgres://postgres@127.0.0.1:$pg_port/hw_e2e" \
  --shots "$work/shots" || status=1
for f in team-inbox.png team-request.png; do
  if [ -f "$work/shots/$f" ]; then
    cp "$work/shots/$f" "docs/$f"
  else
    echo "tests/serve: no screenshot $f" >&2
    status=1
  fi
done

createdb hw_load
"$PY" tests/serve/load.py --serve "$serve" \
  --database "postgres://postgres@127.0.0.1:$pg_port/hw_load" --replicas 2 || status=1

echo "tests/serve: $((SECONDS - started)) s in all"
exit $status
