fn main() {
    let t = std::env::args()
        .nth(1)
        .unwrap_or_default()
        .replace("\\n", "\n");
    for f in hookwarden::signals::secrets::scan(&t) {
        println!("{} {}..{} {:?}", f.kind, f.start, f.end, &t[f.start..f.end]);
    }
}
