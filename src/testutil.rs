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
