#!/usr/bin/env sh
# Builds hookwarden and installs the binary into cargo's bin dir (usually ~/.cargo/bin).
# Then wire it into your coding agent: `hookwarden install --runtime claude` (or codex, gemini, ...).
set -eu
cd "$(dirname "$0")"
if ! command -v cargo >/dev/null 2>&1; then
    echo "install.sh: cargo not found; install Rust from your package manager or rustup first" >&2
    exit 1
fi
cargo install --path . --locked --force
bin="$(command -v hookwarden || echo "${CARGO_HOME:-$HOME/.cargo}/bin/hookwarden")"
echo
echo "hookwarden installed at $bin"
echo
echo "Wire it into your agent (run inside the repository to protect):"
echo "  hookwarden install --runtime claude     # Claude Code  (.claude/settings.json)"
echo "  hookwarden install --runtime codex      # Codex CLI    (~/.codex/hooks.json)"
echo "  hookwarden install --runtime gemini     # Gemini CLI   (.gemini/settings.json)"
echo "Or add the snippet from hooks/<runtime>.json to the runtime's config by hand."
echo
echo "See it work:"
echo "  hookwarden check -- rm -rf /"
echo "  hookwarden doctor"
