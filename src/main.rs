//! The `hookwarden` binary: argument parsing and exit codes; everything else is the library.

mod cli;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // The hook runs on every tool call: it skips the full argument parser.
    if args.get(1).map(String::as_str) == Some("hook") {
        std::process::exit(cli::hook::run(&args[2..]));
    }
    std::process::exit(cli::main(args));
}
