//! The floor: a process that reads its stdin to the end and prints `{}`.
//!
//! Whole-process hook timings are reported as ratios to this: it is the least any hook
//! written as a native program can cost (exec, loading, reading the payload). scripts/bench.sh
//! links it the way hookwarden is linked (static on Linux with glibc).

use std::io::{Read, Write};

fn main() {
    let mut buf = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut buf);
    let _ = std::io::stdout().write_all(b"{}\n");
}
