//! Keyword search for the signals' prefilters, without an automaton to build.
//!
//! A hook process scans one text and exits, so what a search costs to set up matters as much
//! as its speed per byte: an Aho-Corasick NFA over the secret keywords took about 0.7 ms to
//! build and then ran at ~6 ns/byte in overlapping mode; its DFA scanned faster but took 2.5 ms
//! to build. Here every keyword is reached through one two-byte *anchor* inside it, chosen to
//! be rare in tool output. One pass tests each byte pair of the text against a 64 Kbit set of
//! anchors (a shift, a load and a bit test per byte); only where an anchor occurs are the few
//! keywords holding it compared in place.
//!
//! Every keyword set the signals search is fixed, so its [`Table`] is built by the compiler
//! (`const fn`), anchors chosen, sorted and indexed: a process pays nothing to set it up, not
//! even the page faults of allocating it. [`Prefilter`] is a coarser compile-time set for
//! short texts, to skip a search altogether.
//!
//! The search is exact: every occurrence of every keyword is reported, overlapping ones
//! included, because each occurrence contains its keyword's anchor at a fixed offset.

/// ASCII case folding, as a table so the scan loop has no branches for it.
const FOLD: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u8).to_ascii_lowercase();
        i += 1;
    }
    t
};

/// A keyword as the search holds it.
#[derive(Debug, Clone, Copy)]
struct Entry {
    word: &'static [u8],
    /// Whether ASCII case is ignored.
    folded: bool,
    /// Offset of the anchor in `word`, and the anchor (folded pair, `(b0 << 8) | b1`).
    anchor_at: usize,
    anchor: u16,
    /// What a hit reports: the keyword's index, or the caller's id for it.
    id: usize,
}

impl Entry {
    const EMPTY: Entry = Entry {
        word: b"",
        folded: false,
        anchor_at: 0,
        anchor: 0,
        id: 0,
    };
}

/// A keyword set built at compile time ([`Table::build`] in a `static`): nothing to allocate or
/// compute when a process first searches it. `N` is the number of keywords.
pub struct Table<const N: usize> {
    /// Every byte pair, as it stands in a text, that is some keyword's anchor: both cases of
    /// a case-blind keyword's letters, the keyword's own case otherwise. The scan tests pairs
    /// against this set without folding a byte.
    raw: [u64; 1024],
    anchors: [u64; 1024],
    rank: [u16; 1024],
    entries: [Entry; N],
    group_start: [u32; N],
    groups: usize,
}

/// How common a byte (folded) is in tool output: logs, code, JSON, paths. Rough, and only
/// used to rank a keyword's pairs against each other.
const WEIGHT: [u32; 256] = {
    let mut t = [8u32; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = match i as u8 {
            b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' | b' ' => 40,
            b'l' | b'c' | b'd' | b'u' | b'h' | b'm' | b'p' => 25,
            b'/' | b'.' | b'_' | b'"' | b'\n' | b'0'..=b'9' => 20,
            // Every command line is full of `-`.
            b'-' => 30,
            b'f' | b'g' | b'b' | b'y' | b'w' | b'v' | b'k' | b'=' | b':' | b',' => 12,
            b'x' | b'j' | b'q' | b'z' => 4,
            _ => 8,
        };
        i += 1;
    }
    t
};

/// Pairs so frequent in English and code that a keyword should anchor elsewhere if it can,
/// as a bit set over `(b0 << 8) | b1`.
const COMMON: [u64; 1024] = {
    const PAIRS: &[&[u8; 2]] = &[
        b"th", b"he", b"in", b"er", b"an", b"re", b"on", b"at", b"en", b"nd", b"ti", b"es", b"or",
        b"te", b"of", b"ed", b"is", b"it", b"al", b"ar", b"st", b"to", b"nt", b"ng", b"se", b"ha",
        b"as", b"ou", b"io", b"le", b"ve", b"co", b"me", b"de", b"hi", b"ri", b"ro", b"ic", b"ne",
        b"ea", b"ra", b"ce", b"et", b"ke", b"--", b" -",
    ];
    let mut t = [0u64; 1024];
    let mut i = 0;
    while i < PAIRS.len() {
        t = with_bit(t, pair(PAIRS[i][0], PAIRS[i][1]));
        i += 1;
    }
    t
};

/// A byte pair as an index into the 64 Kbit sets: `(b0 << 8) | b1`.
const fn pair(b0: u8, b1: u8) -> usize {
    ((b0 as usize) << 8) | b1 as usize
}

/// `set` with bit `i` set.
const fn with_bit(mut set: [u64; 1024], i: usize) -> [u64; 1024] {
    set[i >> 6] |= 1 << (i & 63);
    set
}

const fn has_bit(set: &[u64; 1024], i: usize) -> bool {
    set[i >> 6] & (1 << (i & 63)) != 0
}

/// Where the first byte pair of `set` at or after `from` starts. Its own function, never
/// inlined: inlined into a scanner's big loop, the position lived on the stack, and the
/// store and reload of it each byte were half of a scan's time.
#[inline(never)]
fn next_pair(set: &[u64; 1024], text: &[u8], from: usize) -> Option<usize> {
    let rest = text.get(from..)?;
    let next = rest.get(1..)?;
    rest.iter()
        .zip(next)
        .position(|(&a, &b)| has_bit(set, pair(a, b)))
        .map(|p| from + p)
}

const fn pair_cost(a: u8, b: u8) -> u32 {
    let common = has_bit(&COMMON, pair(a, b));
    WEIGHT[a as usize] * WEIGHT[b as usize] * if common { 4 } else { 1 }
}

/// A keyword's anchor: the offset of its rarest byte pair and the pair, folded, as
/// `(b0 << 8) | b1`. `None` for a keyword shorter than two bytes.
const fn anchor(word: &[u8]) -> Option<(usize, u16)> {
    if word.len() < 2 {
        return None;
    }
    let mut best = 0;
    let mut best_cost = u32::MAX;
    let mut i = 0;
    while i + 1 < word.len() {
        let c = pair_cost(FOLD[word[i] as usize], FOLD[word[i + 1] as usize]);
        if c < best_cost {
            best = i;
            best_cost = c;
        }
        i += 1;
    }
    Some((
        best,
        pair(FOLD[word[best] as usize], FOLD[word[best + 1] as usize]) as u16,
    ))
}

/// A compile-time prefilter for a fixed catalogue: for each keyword its rarest three bytes
/// (folded for a case-blind keyword), hashed into a 64 Kbit set, plus the two-byte keywords
/// as they are. A text in which [`Prefilter::may_match`] finds none of them holds no keyword,
/// and the caller need not search it for the many short texts — a command, a path — that
/// hold none.
/// Three bytes, not the search's two-byte anchors: commands are short and full of common
/// pairs, and a two-byte set let most of them through.
pub struct Prefilter {
    grams: [u64; 1024],
    pairs: [(u8, u8, bool); 8],
    n_pairs: usize,
    /// False when a keyword fits neither (a one-byte keyword, or more two-byte ones than
    /// `pairs` holds): every text may then match.
    complete: bool,
}

const fn fold_if(c: u8, folded: bool) -> u8 {
    if folded {
        FOLD[c as usize]
    } else {
        c
    }
}

const fn gram_hash(a: u8, b: u8, c: u8) -> usize {
    let h = (a as u32).wrapping_mul(0x9E37_79B1)
        ^ (b as u32).wrapping_mul(0x85EB_CA77)
        ^ (c as u32).wrapping_mul(0xC2B2_AE3D);
    (h >> 16) as usize
}

impl Prefilter {
    pub const EMPTY: Prefilter = Prefilter {
        grams: [0; 1024],
        pairs: [(0, 0, false); 8],
        n_pairs: 0,
        complete: true,
    };

    /// Adds a keyword (`const`, for catalogues known at compile time).
    pub const fn add(mut self, word: &[u8], folded: bool) -> Prefilter {
        if word.len() == 2 {
            if self.n_pairs < self.pairs.len() {
                self.pairs[self.n_pairs] =
                    (fold_if(word[0], folded), fold_if(word[1], folded), folded);
                self.n_pairs += 1;
            } else {
                self.complete = false;
            }
            return self;
        }
        if word.len() < 2 {
            self.complete = false;
            return self;
        }
        let mut best = 0;
        let mut best_cost = u64::MAX;
        let mut i = 0;
        while i + 2 < word.len() {
            let (a, b, c) = (
                FOLD[word[i] as usize],
                FOLD[word[i + 1] as usize],
                FOLD[word[i + 2] as usize],
            );
            let cost = pair_cost(a, b) as u64 * pair_cost(b, c) as u64;
            if cost < best_cost {
                best = i;
                best_cost = cost;
            }
            i += 1;
        }
        let h = gram_hash(
            fold_if(word[best], folded),
            fold_if(word[best + 1], folded),
            fold_if(word[best + 2], folded),
        );
        self.grams = with_bit(self.grams, h);
        self
    }

    /// A prefilter of `words` as [`Table::build`] takes them (`const`).
    pub const fn build(words: &[(&'static str, bool, usize)]) -> Prefilter {
        let mut p = Prefilter::EMPTY;
        let mut i = 0;
        while i < words.len() {
            p = p.add(words[i].0.as_bytes(), words[i].1);
            i += 1;
        }
        p
    }

    /// Whether `text` may hold one of the keywords; false is certain.
    pub fn may_match(&self, text: &[u8]) -> bool {
        if !self.complete {
            return true;
        }
        let hit = |h: usize| has_bit(&self.grams, h);
        let grams = text.windows(3).any(|w| {
            hit(gram_hash(w[0], w[1], w[2]))
                || hit(gram_hash(
                    FOLD[w[0] as usize],
                    FOLD[w[1] as usize],
                    FOLD[w[2] as usize],
                ))
        });
        grams
            || self.pairs[..self.n_pairs].iter().any(|&(a, b, folded)| {
                text.windows(2).any(|w| {
                    if folded {
                        FOLD[w[0] as usize] == a && FOLD[w[1] as usize] == b
                    } else {
                        w[0] == a && w[1] == b
                    }
                })
            })
    }
}

/// `(keyword, ignore case, id)` for the keywords of `lists` one after another, ids counting
/// from 0 across them: the input [`Table::build`] takes, for keyword lists known at compile
/// time. `N` must be their total length.
pub const fn list<const N: usize>(
    lists: &[&'static [&'static str]],
    folded: bool,
) -> [(&'static str, bool, usize); N] {
    let mut out = [("", false, 0); N];
    let mut n = 0;
    let mut i = 0;
    while i < lists.len() {
        let mut j = 0;
        while j < lists[i].len() {
            out[n] = (lists[i][j], folded, n);
            n += 1;
            j += 1;
        }
        i += 1;
    }
    assert!(n == N, "list: N is not the number of keywords");
    out
}

impl<const N: usize> Table<N> {
    /// Builds the table at compile time from `(keyword, ignore case, id)`; a hit reports the
    /// id. Every keyword must be at least two bytes long (a compile error otherwise).
    // The panic is a compile error: tables are built in `static`s, which the compiler evaluates.
    #[allow(clippy::panic)]
    pub const fn build(words: [(&'static str, bool, usize); N]) -> Table<N> {
        let mut entries = [Entry::EMPTY; N];
        let mut i = 0;
        while i < N {
            let (w, folded, id) = words[i];
            let (anchor_at, anchor) = match anchor(w.as_bytes()) {
                Some(a) => a,
                None => panic!("a compile-time keyword needs at least two bytes"),
            };
            entries[i] = Entry {
                word: w.as_bytes(),
                folded,
                anchor_at,
                anchor,
                id,
            };
            i += 1;
        }
        // Insertion sort by anchor: a few hundred keywords, once, at compile time.
        let mut i = 1;
        while i < N {
            let mut j = i;
            while j > 0 && entries[j - 1].anchor > entries[j].anchor {
                let t = entries[j - 1];
                entries[j - 1] = entries[j];
                entries[j] = t;
                j -= 1;
            }
            i += 1;
        }
        let mut anchors = [0u64; 1024];
        let mut raw = [0u64; 1024];
        let mut group_start = [0u32; N];
        let mut groups = 0;
        let mut i = 0;
        while i < N {
            let a = entries[i].anchor;
            anchors = with_bit(anchors, a as usize);
            let e = entries[i];
            let (b0, b1) = (e.word[e.anchor_at], e.word[e.anchor_at + 1]);
            if e.folded {
                let (l0, l1) = (FOLD[b0 as usize], FOLD[b1 as usize]);
                let (u0, u1) = (l0.to_ascii_uppercase(), l1.to_ascii_uppercase());
                raw = with_bit(raw, pair(l0, l1));
                raw = with_bit(raw, pair(l0, u1));
                raw = with_bit(raw, pair(u0, l1));
                raw = with_bit(raw, pair(u0, u1));
            } else {
                raw = with_bit(raw, pair(b0, b1));
            }
            if i == 0 || entries[i - 1].anchor != a {
                group_start[groups] = i as u32;
                groups += 1;
            }
            i += 1;
        }
        let mut rank = [0u16; 1024];
        let mut seen = 0u16;
        let mut i = 0;
        while i < 1024 {
            rank[i] = seen;
            seen += anchors[i].count_ones() as u16;
            i += 1;
        }
        Table {
            raw,
            anchors,
            rank,
            entries,
            group_start,
            groups,
        }
    }

    /// Calls `hit(id, start, end)` for every occurrence in `text`, overlapping ones included.
    pub fn for_each(&self, text: &[u8], mut hit: impl FnMut(usize, usize, usize)) {
        self.search(text, &mut |k, s, e| {
            hit(k, s, e);
            true
        });
    }

    /// Whether any keyword occurs in `text`.
    pub fn is_match(&self, text: &[u8]) -> bool {
        !self.search(text, &mut |_, _, _| false)
    }

    /// The search; `hit` returns whether to go on, and so does this.
    fn search(&self, text: &[u8], hit: &mut dyn FnMut(usize, usize, usize) -> bool) -> bool {
        if text.len() < 2 || self.entries.is_empty() {
            return true;
        }
        let mut from = 0;
        while let Some(i) = next_pair(&self.raw, text, from) {
            let folded = pair(FOLD[text[i] as usize], FOLD[text[i + 1] as usize]) as u16;
            if !self.verify(text, i, folded, hit) {
                return false;
            }
            from = i + 1;
        }
        true
    }

    /// Compares the keywords anchored on `pair` at `at`; false when `hit` says stop.
    fn verify(
        &self,
        text: &[u8],
        at: usize,
        pair: u16,
        hit: &mut dyn FnMut(usize, usize, usize) -> bool,
    ) -> bool {
        let (word, bit) = (usize::from(pair >> 6), pair & 63);
        let group = usize::from(self.rank[word])
            + (self.anchors[word] & ((1u64 << bit) - 1)).count_ones() as usize;
        let from = self.group_start[group] as usize;
        let to = if group + 1 < self.groups {
            self.group_start[group + 1] as usize
        } else {
            N
        };
        for e in &self.entries[from..to] {
            let Some(start) = at.checked_sub(e.anchor_at) else {
                continue;
            };
            let end = start + e.word.len();
            let Some(found) = text.get(start..end) else {
                continue;
            };
            // First and last bytes before the whole word: most candidates differ there, and
            // a byte test is cheaper than a call to compare.
            let (a, z) = (found[0], found[found.len() - 1]);
            let (wa, wz) = (e.word[0], e.word[e.word.len() - 1]);
            let same = if e.folded {
                FOLD[a as usize] == FOLD[wa as usize]
                    && FOLD[z as usize] == FOLD[wz as usize]
                    && found.eq_ignore_ascii_case(e.word)
            } else {
                a == wa && z == wz && found == e.word
            };
            if same && !hit(e.id, start, end) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(words: &[(&'static str, bool)], text: &str) -> Vec<(usize, usize, usize)> {
        crate::testutil::occurrences(words, text)
    }

    fn found<const N: usize>(
        words: &[(&'static str, bool); N],
        text: &str,
    ) -> Vec<(usize, usize, usize)> {
        let mut list = [("", false, 0); N];
        for (i, &(w, f)) in words.iter().enumerate() {
            list[i] = (w, f, i);
        }
        let table = Table::build(list);
        let mut out = Vec::new();
        table.for_each(text.as_bytes(), |k, s, e| out.push((k, s, e)));
        out.sort_unstable();
        out
    }

    #[test]
    fn finds_every_occurrence_overlapping_ones_included() {
        let words = [
            ("token", true),
            ("api_key", true),
            ("key", true),
            ("ghp_", false),
            ("AKIA", false),
            ("aa", false),
        ];
        let text = "API_KEY=1 Token: ghp_x akia AKIA aaaa KEYkey xtokenx ghp_ GHP_";
        let got = found(&words, text);
        assert_eq!(got, naive(&words, text));
        // Case: exact keywords keep it, folded ones ignore it.
        assert!(got.contains(&(4, 28, 32)), "{got:?}");
        assert!(!got.iter().any(|&(k, s, _)| k == 4 && s == 23), "{got:?}");
        // `aaaa` holds `aa` three times.
        assert_eq!(got.iter().filter(|h| h.0 == 5).count(), 3);
    }

    #[test]
    fn is_match_and_lists() {
        const A: &[&str] = &["secret", "key"];
        const B: &[&str] = &["Token"];
        let table: Table<3> = Table::build(list(&[A, B], true));
        assert!(table.is_match(b"xTOKENx"));
        assert!(table.is_match(b"monkey"));
        assert!(!table.is_match(b"nothing here"));
        let mut ids = Vec::new();
        table.for_each(b"token secret key", |k, _, _| ids.push(k));
        ids.sort_unstable();
        assert_eq!(ids, [0, 1, 2]);
    }

    #[test]
    fn prefilter_passes_what_holds_a_keyword() {
        let p = Prefilter::EMPTY
            .add(b"password", true)
            .add(b"ghp_", false)
            .add(b"-u", true)
            .add(b"SK", false);
        for yes in ["PASSWORD=", "my_PassWord", "ghp_abc", "curl -U x", "xSKy"] {
            assert!(p.may_match(yes.as_bytes()), "{yes}");
        }
        for no in ["git status", "sk", "ls -la"] {
            assert!(!p.may_match(no.as_bytes()), "{no}");
        }
        // A keyword it cannot hold makes it pass everything.
        assert!(Prefilter::EMPTY.add(b"@", false).may_match(b"anything"));
    }

    #[test]
    fn keywords_at_the_edges_of_the_text() {
        let words = [("secret", true), ("-u", true), ("://", false)];
        for text in ["secret", "-u", "x://", "://", "SECRET-u://"] {
            assert_eq!(found(&words, text), naive(&words, text), "{text}");
        }
        assert!(found(&words, "").is_empty());
        assert!(found(&words, "s").is_empty());
    }

    #[test]
    fn agrees_with_a_plain_search_on_generated_text() {
        let words = [
            ("passw", true),
            ("pwd", true),
            ("auth", true),
            ("authorization", true),
            ("sk_live_", false),
            ("xox", false),
            ("eyJ", false),
            ("kind: secret", true),
            ("é", false),
        ];
        let alphabet = [
            "pass", "w", "PWD", "au", "th", "AUTH", "or", "iz", "ation", "sk_", "live_", "xo", "x",
            "eyJ", "EYJ", "kind: ", "Secret", " ", "\n", "é", "ß",
        ];
        for text in crate::testutil::texts_from(&alphabet, 300, 40, 0x2545_f491_4f6c_dd1d) {
            assert_eq!(found(&words, &text), naive(&words, &text), "{text}");
        }
    }
}
