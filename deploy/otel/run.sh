#!/usr/bin/env sh
# Starts the OpenTelemetry Collector with hookwarden's pipeline (deploy/otel/collector.yaml).
#   OTLP_ENDPOINT=https://otlp.example.internal:4318 deploy/otel/run.sh
# Defaults: the audit log `hookwarden` writes for this user, this machine's name as host.name.
# OTELCOL names the collector binary (default: otelcol-contrib on PATH). With a build that has
# the file_storage extension, set HOOKWARDEN_OTEL_STATE to keep read offsets across restarts.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
: "${OTLP_ENDPOINT:?set OTLP_ENDPOINT to the backend OTLP/HTTP base URL}"
if [ -z "${HOOKWARDEN_AUDIT_LOG:-}" ]; then
  HOOKWARDEN_AUDIT_LOG="${HOOKWARDEN_AUDIT:-${XDG_DATA_HOME:-$HOME/.local/share}/hookwarden/audit.jsonl}"
fi
HOOKWARDEN_HOST_NAME="${HOOKWARDEN_HOST_NAME:-$(hostname)}"
export OTLP_ENDPOINT HOOKWARDEN_AUDIT_LOG HOOKWARDEN_HOST_NAME
set -- --config "$here/collector.yaml"
if [ -n "${HOOKWARDEN_OTEL_STATE:-}" ]; then
  export HOOKWARDEN_OTEL_STATE
  set -- "$@" --config "$here/checkpoint.yaml"
fi
exec "${OTELCOL:-otelcol-contrib}" "$@"
