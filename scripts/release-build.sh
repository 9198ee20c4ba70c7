# Sourced (POSIX sh) by install.sh and scripts/bench.sh: how the shipped binary is built.
#
# A hook is a fresh process per tool call, so start-up is most of its cost. On Linux with
# glibc a statically linked, fixed-address binary starts in about 0.6 of the time of the
# dynamically linked one: no loader, no shared libraries to map and relocate (measured with
# scripts/bench.sh: pre-tool 1.56 ms against 2.56 ms). Cargo applies RUSTFLAGS to build
# scripts and proc-macros too unless --target is given, and proc-macros cannot be static,
# so the static build names the host triple explicitly; the binary then lands under
# target/<triple>/release. HOOKWARDEN_DYNAMIC=1 keeps the platform's default linking.
#
# Sets HW_TARGET_ARGS (extra cargo arguments), HW_RELEASE_DIR (where the binary lands) and
# HW_STATIC_FLAGS (the rustc flags of the static link, empty when it does not apply), and
# exports RUSTFLAGS when the static build applies (HW_RUSTFLAGS_BEFORE keeps the caller's).
HW_RUSTFLAGS_BEFORE="${RUSTFLAGS:-}"
HW_STATIC_FLAGS=""
HW_TARGET_ARGS=""
HW_RELEASE_DIR="target/release"
if [ "${HOOKWARDEN_DYNAMIC:-0}" != 1 ]; then
    hw_host="$(rustc -vV 2>/dev/null | sed -n 's/^host: //p')"
    case "$hw_host" in
    x86_64-unknown-linux-gnu | aarch64-unknown-linux-gnu)
        HW_TARGET_ARGS="--target $hw_host"
        HW_RELEASE_DIR="target/$hw_host/release"
        HW_STATIC_FLAGS="-C target-feature=+crt-static -C relocation-model=static"
        RUSTFLAGS="${RUSTFLAGS:-} $HW_STATIC_FLAGS"
        export RUSTFLAGS
        ;;
    esac
fi
