//! The hook parses the payload it owns (`Adapter::parse_owned`, which moves a big tool
//! response into the event); every other caller parses a borrowed one. Both must read the
//! same event from every recorded payload, whichever runtime's adapter reads it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hookwarden::runtime;
use serde_json::Value;

#[test]
fn owned_and_borrowed_parsing_read_the_same_event() {
    let mut compared = 0;
    for dir in ["claude", "codex", "gemini"] {
        let path = format!("{}/tests/fixtures/{dir}", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(path).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let raw: Value = serde_json::from_str(&text).unwrap();
            for profile in runtime::profiles() {
                let (kind, adapter) = (profile.kind, profile.adapter);
                let borrowed = adapter.parse(&raw).map(|ev| format!("{ev:?}"));
                let owned = adapter.parse_owned(raw.clone()).map(|ev| format!("{ev:?}"));
                assert_eq!(
                    borrowed.as_ref().map_err(|e| e.to_string()),
                    owned.as_ref().map_err(|e| e.to_string()),
                    "{kind:?} on {dir}: {text}"
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 100, "{compared}");
}
