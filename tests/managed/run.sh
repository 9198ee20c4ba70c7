#!/usr/bin/env bash
# Managed mode for real, against an unprivileged agent user: run as root (CI runs it after
# `cargo test`; `sudo tests/managed/run.sh` locally). The host is left as it was: /etc/hookwarden,
# the runtimes' /etc dirs and the agent's home are bind-mounted from a temp dir inside a private
# mount namespace (`unshare -m`); only the agent user (useradd, if absent) and empty mount-point
# directories (removed afterwards) touch the host.
#
# As root it installs hookwarden with `install --managed` (the binary copied root-owned), writes
# an org policy and the managed approver key. Then, as the agent user, it runs the hook and the
# attacks: a forged grant, edits to the org policy, an org dir others can write, environment
# overrides; and a root approval through a pseudo-terminal that does let the retry pass.
# Prints `N passed, N failed`; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
BIN=${HW_BIN:-$REPO/target/debug/hookwarden}
AGENT=${HW_AGENT_USER:-hwagent}
MOUNTS=(/etc/hookwarden /etc/claude-code /etc/codex /etc/gemini-cli /etc/cursor)

if [ "$(id -u)" != 0 ]; then
  echo "tests/managed/run.sh: run as root (it creates a user and a mount namespace)" >&2
  exit 2
fi

if [ "${1:-}" != --inside ]; then
  [ -x "$BIN" ] || cargo build --quiet --bin hookwarden
  id "$AGENT" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$AGENT"
  created=()
  for d in "${MOUNTS[@]}"; do
    if [ ! -e "$d" ]; then
      mkdir -m 755 "$d"
      created+=("$d")
    fi
  done
  rc=0
  unshare -m --propagation private "$0" --inside || rc=$?
  for d in "${created[@]}"; do rmdir "$d"; done
  exit "$rc"
fi

# ---- inside the private mount namespace ----
T=$(mktemp -d)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
UHOME=$(getent passwd "$AGENT" | cut -d: -f6)
UID_A=$(id -u "$AGENT")
for d in "${MOUNTS[@]}"; do
  mkdir -p "$T/mnt$d"
  chmod 755 "$T/mnt$d"
  mount --bind "$T/mnt$d" "$d"
done
mkdir -p "$T/home"
chown "$AGENT:" "$T/home"
chmod 755 "$T/home"
mount --bind "$T/home" "$UHOME"
mkdir -p "$UHOME/proj"
chown "$AGENT:" "$UHOME/proj"

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && printf '       %s\n' "$2" | head -5; true; }

# As the agent: a clean environment, its own home, no terminal.
as_agent() {
  setpriv --reuid="$UID_A" --regid="$(id -g "$AGENT")" --init-groups -- \
    env -i HOME="$UHOME" USER="$AGENT" PATH=/usr/bin:/bin "$@" </dev/null
}
payload() {
  printf '{"session_id":"s1","turn_id":"t","cwd":"%s","hook_event_name":"PreToolUse","model":"gpt-5","tool_name":"Bash","tool_use_id":"c1","tool_input":{"command":"%s"}}' \
    "$UHOME/proj" "$1"
}
# The agent's hook call for a shell command; prints Codex's answer.
hook() {
  local cmd=$1
  shift
  payload "$cmd" | setpriv --reuid="$UID_A" --regid="$(id -g "$AGENT")" --init-groups -- \
    env -i HOME="$UHOME" USER="$AGENT" PATH=/usr/bin:/bin "$@" "$HW" hook --runtime codex 2>/dev/null || true
}
denied() { grep -q '"permissionDecision":"deny"' <<<"$1"; }
code_in() { grep -o 'hookwarden approve [A-Z0-9]*' <<<"$1" | head -1 | awk '{print $3}'; }

# 1. install --managed: refused for the agent, refused into a dir it can write, done by root.
cp "$BIN" "$UHOME/hookwarden"
chown "$AGENT:" "$UHOME/hookwarden"
out=$(as_agent "$UHOME/hookwarden" install --managed --runtime claude 2>&1 || true)
grep -q "run it as root" <<<"$out" && ok "install --managed refuses a non-root user" || bad "install --managed as the agent" "$out"
mkdir -p "$UHOME/bin" && chown "$AGENT:" "$UHOME/bin"
out=$("$BIN" install --managed --runtime claude --binary "$UHOME/hookwarden" --bin-dir "$UHOME/bin" 2>&1 || true)
grep -q "not root" <<<"$out" && ok "install --managed refuses a bin dir the agent owns" || bad "bin dir the agent owns" "$out"
for rt in claude codex gemini cursor; do
  out=$("$BIN" install --managed --runtime "$rt" --binary "$UHOME/hookwarden" --bin-dir "$T/bin" 2>&1) \
    && ok "install --managed --runtime $rt" || bad "install --managed --runtime $rt" "$out"
done
HW=$T/bin/hookwarden
[ "$(stat -c %u:%a "$HW")" = 0:755 ] && ok "the wired binary is a root-owned copy" || bad "binary owner/mode $(stat -c %u:%a "$HW")"
grep -q "\"$HW hook --runtime claude\"" /etc/claude-code/managed-settings.json \
  && grep -q '"allowManagedHooksOnly": true' /etc/claude-code/managed-settings.json \
  && ok "Claude managed settings wire the root-owned binary, managed hooks only" || bad "Claude managed settings" "$(cat /etc/claude-code/managed-settings.json)"
grep -q "allow_managed_hooks_only = true" /etc/codex/requirements.toml \
  && grep -q "command = \"$HW hook --runtime codex\"" /etc/codex/requirements.toml \
  && ok "Codex requirements.toml holds the managed hooks" || bad "Codex requirements.toml"
[ -f /etc/hookwarden/managed.toml ] && ok "/etc/hookwarden/managed.toml turns managed mode on" || bad "managed.toml"

# 2. The org policy and the managed approver key.
cat >/etc/hookwarden/policy.toml <<'EOF'
[[rule]]
id = "org.deploys-need-approval"
effect = "ask"
risk = 60
reason = "Deploys need a person's approval."
when = { program = "echo", args_any = ["deploy-prod"] }

[[rule]]
id = "org.forbidden-marker"
effect = "deny"
reason = "The org forbids this marker."
when = { program = "echo", args_any = ["org-forbidden"] }

[[rule]]
id = "org.agent-user-gated"
effect = "deny"
reason = "Not for the agent account."
when = { program = "echo", args_any = ["user-gated"], user = "hwagent" }
EOF
sed -i "s/user = \"hwagent\"/user = \"$AGENT\"/" /etc/hookwarden/policy.toml
chmod 644 /etc/hookwarden/policy.toml
"$BIN" approve --init-managed-key >/dev/null && ok "approve --init-managed-key" || bad "approve --init-managed-key"

# 3. The agent's hook calls.
out=$(hook "rm -rf /")
denied "$out" && ok "the agent's rm -rf / is denied" || bad "rm -rf / not denied" "$out"
out=$(hook "ls")
denied "$out" && bad "ls was denied" "$out" || ok "an ordinary command passes"
out=$(hook "echo org-forbidden")
denied "$out" && ok "the org policy's rule applies" || bad "org rule did not apply" "$out"
out=$(hook "echo deploy-prod")
CODE=$(code_in "$out")
[ -n "$CODE" ] && ok "an ask is denied with approval code $CODE" || bad "no approval code" "$out"

# 4. Environment overrides do not change decisions.
for kv in HOOKWARDEN_ORG_POLICY=/dev/null HOOKWARDEN_USER=root USER=root HOOKWARDEN_TEAM=release \
  TMPDIR=/ HOOKWARDEN_DATA_DIR="$UHOME/elsewhere" HOOKWARDEN_SYSTEM_DIR="$UHOME/sys"; do
  for c in "echo org-forbidden" "echo user-gated" "rm -rf /"; do
    out=$(hook "$c" "$kv")
    denied "$out" || { bad "$kv changed the decision on \`$c\`" "$out"; continue 2; }
  done
  ok "$kv changes no decision"
done

# 5. A grant the agent forges is ignored: one written into its state.json by hand, and one
# signed with a key pair of its own (named by HOOKWARDEN_SYSTEM_DIR, which its own commands
# honour but hook calls do not).
STATE=$UHOME/.local/share/hookwarden/state.json
as_agent python3 - "$STATE" "$CODE" <<'EOF'
import json, sys, time
path, code = sys.argv[1], sys.argv[2]
s = json.load(open(path))
a = s["approvals"][code]
a["grant"] = {"by": "root", "at": int(time.time()), "until": int(time.time()) + 3600,
              "once": False, "sig": "ed25519:" + "00" * 64}
json.dump(s, open(path, "w"))
EOF
out=$(hook "echo deploy-prod")
denied "$out" && ok "a grant written into state.json by hand is ignored" || bad "forged grant accepted" "$out"
CODE=$(code_in "$out")
mkdir -p "$UHOME/sys" && chown "$AGENT:" "$UHOME/sys"
as_agent env HOOKWARDEN_SYSTEM_DIR="$UHOME/sys" "$HW" approve --init-managed-key >/dev/null 2>&1 || true
shot=$(setpriv --reuid="$UID_A" --regid="$(id -g "$AGENT")" --init-groups -- \
  env -i HOME="$UHOME" USER="$AGENT" PATH=/usr/bin:/bin HOOKWARDEN_SYSTEM_DIR="$UHOME/sys" \
  /usr/bin/python3 "$REPO/tests/common/pty_drive.py" nonce "$HW" approve "$CODE" 2>&1 || true)
out=$(hook "echo deploy-prod" HOOKWARDEN_SYSTEM_DIR="$UHOME/sys")
if grep -q "__EXIT__=0" <<<"$shot"; then
  denied "$out" && ok "a grant signed with the agent's own key pair is ignored" || bad "self-signed grant accepted" "$out"
else
  denied "$out" && ok "the agent cannot sign a grant (its approve failed) and the retry is denied" || bad "retry passed" "$out"
fi
CODE=$(code_in "$out")

# 6. The org policy cannot be edited by the agent; an org dir others can write fails closed.
out=$(as_agent sh -c 'echo "# x" >> /etc/hookwarden/policy.toml' 2>&1 || true)
grep -qi "permission denied" <<<"$out" && ok "editing /etc/hookwarden/policy.toml: permission denied" || bad "the agent edited the org policy" "$out"
chmod 777 /etc/hookwarden
out=$(hook "ls")
denied "$out" && grep -q "org directory is refused" <<<"$out" \
  && ok "an org dir others can write makes the hook fail closed" || bad "writable org dir did not fail closed" "$out"
chmod 755 /etc/hookwarden
out=$(hook "ls")
denied "$out" && bad "ls still denied after the fix" "$out" || ok "fixed org dir: ordinary commands pass again"

# 7. A person's approval as root (through a pseudo-terminal, typing the nonce) lets the retry pass.
shot=$(SUDO_UID=$UID_A SUDO_USER=$AGENT /usr/bin/python3 tests/common/pty_drive.py nonce "$HW" approve "$CODE" 2>&1 || true)
grep -q "__EXIT__=0" <<<"$shot" && grep -q "managed key" <<<"$shot" \
  && ok "root approves $CODE with the managed key" || bad "root approval failed" "$shot"
out=$(hook "echo deploy-prod")
denied "$out" && bad "the approved retry was denied" "$out" || ok "the agent's retry passes after the root approval"

# 8. doctor, as the agent, tells the truth about this machine.
out=$(cd "$UHOME/proj" && as_agent "$HW" doctor --runtime codex 2>&1 || true)
grep -q "managed mode: /etc/hookwarden" <<<"$out" && grep -q "only root can replace it" <<<"$out" \
  && ok "doctor reports managed mode and the root-owned binary" || bad "doctor" "$out"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
