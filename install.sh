#!/usr/bin/env sh
# Builds hookwarden and installs the binary into cargo's bin dir (usually ~/.cargo/bin).
# Then wire it into your coding agent: `hookwarden install --runtime claude` (or codex, gemini, ...).
set -eu
cd "$(dirname "$0")"
if ! command -v cargo >/dev/null 2>&1; then
    echo "install.sh: cargo not found; install Rust from your package manager or rustup first" >&2
    exit 1
fi
# Statically linked on Linux with glibc (faster start, see scripts/release-build.sh); if the
# static C library is missing (Debian: libc6-dev), the default dynamic build instead.
. ./scripts/release-build.sh
# shellcheck disable=SC2086 # HW_TARGET_ARGS is empty or one `--target TRIPLE` pair
if ! cargo install --path . --locked --force $HW_TARGET_ARGS; then
    if [ -z "$HW_TARGET_ARGS" ]; then
        exit 1
    fi
    echo "install.sh: the static build failed; building with the platform's default linking" >&2
    RUSTFLAGS="$HW_RUSTFLAGS_BEFORE" cargo install --path . --locked --force
fi
bin="$(command -v hookwarden || echo "${CARGO_HOME:-$HOME/.cargo}/bin/hookwarden")"
echo
echo "hookwarden installed at $bin"
if ! command -v hookwarden >/dev/null 2>&1; then
    echo "note: $(dirname "$bin") is not on your PATH: add it (a project's hook config runs \`hookwarden\` from PATH)"
fi
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
