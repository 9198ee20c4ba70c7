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
# The CPU level. The standard library and the SIMD crates (memchr, the regex engines, SHA-256)
# ask the CPU what it supports the first time they need to (the CPUID instruction). Under a
# hypervisor every CPUID traps to the host: about 9 us each on the machine BENCHMARKS.md
# reports, about 100 us of every hook call. An x86-64 build machine whose CPU has the
# x86-64-v3 level (AVX2, BMI2, ...; every x86-64 CPU since about 2015) builds for that level,
# and with the SHA extensions when it has them, so those answers are compiled in and never
# asked. Such a binary runs only on a CPU of that level: it is meant for the machine that
# built it (install.sh builds where it installs). HOOKWARDEN_PORTABLE=1 builds for any
# x86-64 CPU.
#
# Sets HW_TARGET_ARGS (extra cargo arguments), HW_RELEASE_DIR (where the binary lands),
# HW_STATIC_FLAGS (the rustc flags of the static link, empty when it does not apply) and
# HW_CPU_FLAGS (the rustc flags of the CPU level, empty when it does not apply), and exports
# RUSTFLAGS when either applies (HW_RUSTFLAGS_BEFORE keeps the caller's).
HW_RUSTFLAGS_BEFORE="${RUSTFLAGS:-}"
HW_STATIC_FLAGS=""
HW_CPU_FLAGS=""
HW_TARGET_ARGS=""
HW_RELEASE_DIR="target/release"
hw_host="$(rustc -vV 2>/dev/null | sed -n 's/^host: //p')"
if [ "${HOOKWARDEN_DYNAMIC:-0}" != 1 ]; then
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
if [ "${HOOKWARDEN_PORTABLE:-0}" != 1 ]; then
    case "$hw_host" in
    x86_64-*)
        hw_features() { rustc --print cfg -C target-cpu="$1" 2>/dev/null | sed -n 's/^target_feature="\(.*\)"$/\1/p'; }
        hw_native=" $(hw_features native | tr '\n' ' ') "
        hw_level=x86-64-v3
        for hw_f in $(hw_features x86-64-v3); do
            case "$hw_native" in
            *" $hw_f "*) ;;
            *) hw_level="" ;;
            esac
        done
        if [ -n "$hw_level" ]; then
            HW_CPU_FLAGS="-C target-cpu=$hw_level"
            case "$hw_native" in
            *" sha "*) HW_CPU_FLAGS="$HW_CPU_FLAGS -C target-feature=+sha" ;;
            esac
            RUSTFLAGS="${RUSTFLAGS:-} $HW_CPU_FLAGS"
            export RUSTFLAGS
        fi
        unset hw_native hw_level hw_f
        unset -f hw_features
        ;;
    esac
fi
