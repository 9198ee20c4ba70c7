//! Helpers shared by unit tests.

/// `count` texts, each `len` pieces picked from `pieces` by a xorshift generator from `seed`:
/// reproducible "random" text built from the fragments a test cares about.
pub fn texts_from(pieces: &[&str], count: usize, len: usize, mut seed: u64) -> Vec<String> {
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let mut text = String::new();
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
        }
        out.push(text);
    }
    out
}

/// Every occurrence of every word in `text` by a plain search, overlapping ones included, as
/// `(word index, start, end)`, sorted: the reference keyword searches are tested against.
/// `(word, true)` ignores ASCII case. Empty words are never found.
pub fn occurrences(words: &[(&str, bool)], text: &str) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    for (k, &(w, folded)) in words.iter().enumerate() {
        if w.is_empty() {
            continue;
        }
        let (hay, needle) = if folded {
            (lower.as_str(), w.to_ascii_lowercase())
        } else {
            (text, w.to_string())
        };
        let mut from = 0;
        while let Some(i) = hay.get(from..).and_then(|h| h.find(&needle)) {
            out.push((k, from + i, from + i + needle.len()));
            // On by one character, so overlapping occurrences are found too.
            from += i + hay[from + i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out.sort_unstable();
    out
}
