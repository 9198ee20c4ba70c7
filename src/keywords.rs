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
//!
//! A keyword set known only when the process runs (a policy's regex literals) is a
//! [`DynTable`]: the same anchors and sets, built in microseconds.

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

/// A keyword's first eight bytes as one compare: `head` is them (lowercase when case is
/// ignored), little-endian, zero past the word's end; `case` has 0x20 in each letter's byte
/// when case is ignored, `mask` 0xff in each byte the word has. Eight text bytes `x` start
/// the word when `(x | case) & mask == head`: or-ing 0x20 lowers a capital and turns no other
/// byte into a lowercase letter.
#[derive(Debug, Clone, Copy)]
struct Head {
    head: u64,
    case: u64,
    mask: u64,
}

impl Head {
    const EMPTY: Head = Head {
        head: 0,
        case: 0,
        mask: 0,
    };

    const fn new(word: &[u8], folded: bool) -> Head {
        let (mut head, mut case, mut mask) = (0u64, 0u64, 0u64);
        let mut i = 0;
        while i < word.len() && i < 8 {
            let b = word[i];
            let letter = folded && b.is_ascii_alphabetic();
            head |= (if letter { b.to_ascii_lowercase() } else { b } as u64) << (8 * i);
            if letter {
                case |= 0x20 << (8 * i);
            }
            mask |= 0xff << (8 * i);
            i += 1;
        }
        Head { head, case, mask }
    }

    /// Whether `word` (whose head this is) stands in `text` at `start`.
    #[inline(always)]
    fn at(&self, word: &[u8], folded: bool, text: &[u8], start: usize) -> bool {
        let n = word.len();
        let x = match text
            .get(start..start + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
        {
            Some(b) => u64::from_le_bytes(b),
            None => match text.get(start..start + n) {
                // The text's last bytes: assembled one by one.
                Some(found) => found
                    .iter()
                    .take(8)
                    .enumerate()
                    .fold(0, |x, (i, &b)| x | u64::from(b) << (8 * i)),
                None => return false,
            },
        };
        if (x | self.case) & self.mask != self.head {
            return false;
        }
        if n <= 8 {
            return true;
        }
        let (Some(tail), Some(word_tail)) = (text.get(start + 8..start + n), word.get(8..)) else {
            return false;
        };
        if folded {
            tail.eq_ignore_ascii_case(word_tail)
        } else {
            tail == word_tail
        }
    }
}

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
    head: Head,
    /// Whether the entry before it in its group is the same word with the same folding: a
    /// catalogue names a word once per rule that needs it, and it is compared once.
    repeat: bool,
}

impl Entry {
    const EMPTY: Entry = Entry {
        word: b"",
        folded: false,
        anchor_at: 0,
        anchor: 0,
        id: 0,
        head: Head::EMPTY,
        repeat: false,
    };

    const fn new(
        word: &'static [u8],
        folded: bool,
        anchor_at: usize,
        anchor: u16,
        id: usize,
    ) -> Entry {
        Entry {
            word,
            folded,
            anchor_at,
            anchor,
            id,
            head: Head::new(word, folded),
            repeat: false,
        }
    }

    /// Whether the word stands in `text` at `start`.
    #[inline(always)]
    fn at(&self, text: &[u8], start: usize) -> bool {
        self.head.at(self.word, self.folded, text, start)
    }
}

/// `a` sorts before `b`: by anchor, then word, then folding (so repeats are neighbours).
const fn entry_before(a: &Entry, b: &Entry) -> bool {
    if a.anchor != b.anchor {
        return a.anchor < b.anchor;
    }
    let (x, y) = (a.word, b.word);
    let mut i = 0;
    while i < x.len() && i < y.len() {
        if x[i] != y[i] {
            return x[i] < y[i];
        }
        i += 1;
    }
    if x.len() != y.len() {
        return x.len() < y.len();
    }
    !a.folded && b.folded
}

const fn same_word(a: &Entry, b: &Entry) -> bool {
    if a.folded != b.folded || a.word.len() != b.word.len() {
        return false;
    }
    let mut i = 0;
    while i < a.word.len() {
        if a.word[i] != b.word[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A keyword set built at compile time ([`Table::build`] in a `static`): nothing to allocate or
/// compute when a process first searches it. `N` is the number of keywords.
pub struct Table<const N: usize> {
    /// Every byte pair, as it stands in a text, that is some keyword's anchor: both cases of
    /// a case-blind keyword's letters, the keyword's own case otherwise. The scan tests pairs
    /// against this set without folding a byte.
    raw: [u64; 1024],
    /// The entries by anchor, hashed: where each anchor's run of entries lies.
    groups: [Group; GROUP_SLOTS],
    entries: [Entry; N],
    /// For each group, at its first entry's index: the bytes its keywords can have right
    /// after the anchor, as a bit set over `FOLD[byte] & 63` (every bit when a keyword ends
    /// with its anchor). A common pair (`ok`, `pa`) is an anchor every few bytes of a log;
    /// this test and the next turn four in five such hits away before any keyword is
    /// compared.
    after: [u64; N],
    /// The same for the byte right before the anchor (every bit when a keyword starts with it).
    before: [u64; N],
}

/// The run `entries[from..to]` of keywords sharing `anchor`; `to == 0` marks a free slot.
#[derive(Debug, Clone, Copy)]
struct Group {
    anchor: u16,
    from: u16,
    to: u16,
}

/// Slots of a table's anchor hash: a power of two, at least twice any table's keyword count,
/// so a lookup probes one or two slots. A table of more keywords does not compile (the
/// secret catalogue holds about 500 of the 1024 this allows).
const GROUP_SLOTS: usize = 2048;

/// Where `anchor`'s probe starts in a hash of `slots` slots, a power of two (Fibonacci
/// hashing: the top bits of a multiply).
const fn group_slot(anchor: u16, slots: usize) -> usize {
    ((anchor as u32).wrapping_mul(0x9E37_79B1) >> (32 - slots.trailing_zeros())) as usize
}

/// The group of `pair` in `groups` (a hash whose length is a power of two, never full):
/// every pair of a table's `raw` set folds to some group's anchor, so the probe ends on it;
/// a free slot ends it otherwise (never, but no loop without an end).
#[inline(always)]
fn find_group(groups: &[Group], pair: u16) -> Group {
    let mut slot = group_slot(pair, groups.len());
    loop {
        match groups.get(slot) {
            Some(&g) if g.anchor == pair || g.to == 0 => return g,
            Some(_) => slot = (slot + 1) & (groups.len() - 1),
            None => {
                return Group {
                    anchor: pair,
                    from: 0,
                    to: 0,
                }
            }
        }
    }
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

/// The pairs, as they may stand in a text, of the anchor `(b0, b1)`: both cases of its
/// letters when case is ignored (four, some perhaps equal), its own case otherwise.
const fn anchor_pairs(b0: u8, b1: u8, folded: bool) -> [usize; 4] {
    if !folded {
        return [raw_pair(b0, b1); 4];
    }
    let (l0, l1) = (FOLD[b0 as usize], FOLD[b1 as usize]);
    let (u0, u1) = (l0.to_ascii_uppercase(), l1.to_ascii_uppercase());
    [
        raw_pair(l0, l1),
        raw_pair(l0, u1),
        raw_pair(u0, l1),
        raw_pair(u0, u1),
    ]
}

/// Sets in `raw` the pairs of the anchor at `at` in `word` ([`anchor_pairs`]).
const fn set_anchor(raw: &mut [u64; 1024], word: &[u8], at: usize, folded: bool) {
    let pairs = anchor_pairs(word[at], word[at + 1], folded);
    let mut i = 0;
    while i < pairs.len() {
        raw[pairs[i] >> 6] |= 1 << (pairs[i] & 63);
        i += 1;
    }
}

/// The bytes a word can have right after its anchor at `at`, and right before it, as bit
/// sets over `FOLD[byte] & 63`: every bit on a side where the word ends with its anchor.
const fn neighbours(word: &[u8], at: usize) -> (u64, u64) {
    let after = if at + 2 < word.len() {
        1 << (FOLD[word[at + 2] as usize] & 63)
    } else {
        u64::MAX
    };
    let before = if at > 0 {
        1 << (FOLD[word[at - 1] as usize] & 63)
    } else {
        u64::MAX
    };
    (after, before)
}

/// Whether the bytes around an anchor at `at` rule out every keyword of a group whose
/// neighbour sets are `after` and `before` (see [`neighbours`]).
#[inline(always)]
fn turned_away(after: u64, before: u64, text: &[u8], at: usize) -> bool {
    let away = |set: u64, byte: Option<&u8>| {
        byte.is_some_and(|&b| set & (1 << (FOLD[b as usize] & 63)) == 0)
    };
    away(after, text.get(at + 2)) || away(before, at.checked_sub(1).and_then(|p| text.get(p)))
}

const fn has_bit(set: &[u64; 1024], i: usize) -> bool {
    set[i >> 6] & (1 << (i & 63)) != 0
}

/// A byte pair as the scan loads it, for [`Table`]'s `raw` set: two bytes read as one
/// little-endian `u16`, `b0 | (b1 << 8)` (one load, no shift to form the index).
const fn raw_pair(b0: u8, b1: u8) -> usize {
    (b0 as usize) | ((b1 as usize) << 8)
}

/// Where the first byte pair of `set` (indexed as [`raw_pair`]) at or after `from` starts.
/// Its own function, never inlined: inlined into a scanner's big loop, the position lived on
/// the stack, and the store and reload of it each byte were half of a scan's time. Two pairs
/// a round, each with its own branch (testing four with one branch cost more: an anchor
/// every ~15 bytes of log text sent most rounds back over their pairs one by one).
#[inline(never)]
fn next_pair(set: &[u64; 1024], text: &[u8], from: usize) -> Option<usize> {
    let rest = text.get(from..)?;
    let mut i = 0;
    while let Some(&[a, b, c]) = rest.get(i..i + 3) {
        if has_bit(set, raw_pair(a, b)) {
            return Some(from + i);
        }
        if has_bit(set, raw_pair(b, c)) {
            return Some(from + i + 1);
        }
        i += 2;
    }
    match rest.get(i..i + 2) {
        Some(&[a, b]) if has_bit(set, raw_pair(a, b)) => Some(from + i),
        _ => None,
    }
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
            entries[i] = Entry::new(w.as_bytes(), folded, anchor_at, anchor, id);
            i += 1;
        }
        // Insertion sort: a few hundred keywords, once, at compile time.
        let mut i = 1;
        while i < N {
            let mut j = i;
            while j > 0 && entry_before(&entries[j], &entries[j - 1]) {
                let t = entries[j - 1];
                entries[j - 1] = entries[j];
                entries[j] = t;
                j -= 1;
            }
            i += 1;
        }
        let mut i = 1;
        while i < N {
            entries[i].repeat = same_word(&entries[i - 1], &entries[i]);
            i += 1;
        }
        assert!(
            N * 2 <= GROUP_SLOTS && N < u16::MAX as usize,
            "too many keywords for one table"
        );
        let mut raw = [0u64; 1024];
        let mut groups = [Group {
            anchor: 0,
            from: 0,
            to: 0,
        }; GROUP_SLOTS];
        let mut i = 0;
        while i < N {
            let a = entries[i].anchor;
            let e = entries[i];
            set_anchor(&mut raw, e.word, e.anchor_at, e.folded);
            if i == 0 || entries[i - 1].anchor != a {
                let mut to = i + 1;
                while to < N && entries[to].anchor == a {
                    to += 1;
                }
                let mut slot = group_slot(a, GROUP_SLOTS);
                while groups[slot].to != 0 {
                    slot = (slot + 1) % GROUP_SLOTS;
                }
                groups[slot] = Group {
                    anchor: a,
                    from: i as u16,
                    to: to as u16,
                };
            }
            i += 1;
        }
        let mut after = [0u64; N];
        let mut before = [0u64; N];
        // Entries are sorted by anchor: a group's sets gather at its first entry.
        let mut first = 0;
        let mut i = 0;
        while i < N {
            let x = entries[i];
            if entries[first].anchor != x.anchor {
                first = i;
            }
            let (a, b) = neighbours(x.word, x.anchor_at);
            after[first] |= a;
            before[first] |= b;
            i += 1;
        }
        Table {
            raw,
            groups,
            entries,
            after,
            before,
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
        let group = find_group(&self.groups, pair);
        let first = usize::from(group.from);
        if turned_away(self.after[first], self.before[first], text, at) {
            return true;
        }
        let entries = self
            .entries
            .get(first..usize::from(group.to))
            .unwrap_or_default();
        // Whether the entry before matched: a repeat of it is not compared again.
        let mut last = false;
        for e in entries {
            let Some(start) = at.checked_sub(e.anchor_at) else {
                continue;
            };
            if !e.repeat {
                last = e.at(text, start);
            }
            if last && !hit(e.id, start, start + e.word.len()) {
                return false;
            }
        }
        true
    }
}

/// A keyword set known only when the process runs (a policy's regex literals, read from its
/// compiled artifact), searched as a [`Table`] is: anchors chosen the same way, the same pair
/// set and neighbour sets. Building it for a few hundred words takes microseconds. It answers
/// which words occur, each once, so a group whose words were all found stops being tested:
/// its anchor leaves the search's pair set.
pub struct DynTable {
    raw: Box<[u64; 1024]>,
    /// The entries by anchor, hashed; a power of two, at least twice the entries.
    groups: Vec<Group>,
    /// Sorted by anchor.
    entries: Vec<DynEntry>,
    /// Per group, at its first entry's index, as in [`Table`].
    after: Vec<u64>,
    before: Vec<u64>,
    /// The words, by the index [`DynTable::new`] was given them in.
    words: Vec<(Vec<u8>, bool)>,
}

#[derive(Debug, Clone, Copy)]
struct DynEntry {
    id: usize,
    anchor_at: usize,
    anchor: u16,
    head: Head,
}

impl DynTable {
    /// A table of `words` (`(bytes, ignore case)`); [`DynTable::present`] answers by their
    /// index here. A word shorter than two bytes has no anchor and is always reported present.
    pub fn new(words: Vec<(Vec<u8>, bool)>) -> DynTable {
        let mut entries: Vec<DynEntry> = words
            .iter()
            .enumerate()
            .filter_map(|(id, (w, folded))| {
                let (anchor_at, anchor) = anchor(w)?;
                Some(DynEntry {
                    id,
                    anchor_at,
                    anchor,
                    head: Head::new(w, *folded),
                })
            })
            .collect();
        entries.sort_by_key(|e| e.anchor);
        // Group bounds are `u16`: words past that many are not searched and always reported
        // present, which keeps every pattern they select a candidate.
        entries.truncate(usize::from(u16::MAX) - 1);
        let slots = (entries.len() * 2).next_power_of_two().max(16);
        let mut groups = vec![
            Group {
                anchor: 0,
                from: 0,
                to: 0,
            };
            slots
        ];
        let mut raw = Box::new([0u64; 1024]);
        let mut after = vec![0u64; entries.len()];
        let mut before = vec![0u64; entries.len()];
        let mut first = 0;
        for (i, e) in entries.iter().enumerate() {
            let (w, folded) = &words[e.id];
            set_anchor(&mut raw, w, e.anchor_at, *folded);
            if entries[first].anchor != e.anchor {
                first = i;
            }
            if first == i {
                let to = entries[i..].partition_point(|x| x.anchor == e.anchor) + i;
                let mut slot = group_slot(e.anchor, slots);
                while groups[slot].to != 0 {
                    slot = (slot + 1) & (slots - 1);
                }
                groups[slot] = Group {
                    anchor: e.anchor,
                    from: i as u16,
                    to: to as u16,
                };
            }
            let (a, b) = neighbours(w, e.anchor_at);
            after[first] |= a;
            before[first] |= b;
        }
        DynTable {
            raw,
            groups,
            entries,
            after,
            before,
            words,
        }
    }

    /// Which words occur in `text`, by index.
    pub fn present(&self, text: &[u8]) -> Vec<bool> {
        let mut found = vec![true; self.words.len()];
        for e in &self.entries {
            found[e.id] = false;
        }
        let mut left = self.entries.len();
        if left == 0 || text.len() < 2 {
            return found;
        }
        let mut raw: [u64; 1024] = *self.raw;
        let mut from = 0;
        while let Some(at) = next_pair(&raw, text, from) {
            from = at + 1;
            let pair = pair(FOLD[text[at] as usize], FOLD[text[at + 1] as usize]) as u16;
            let group = find_group(&self.groups, pair);
            let first = usize::from(group.from);
            if turned_away(self.after[first], self.before[first], text, at) {
                continue;
            }
            let mut open = false;
            for e in self
                .entries
                .get(first..usize::from(group.to))
                .unwrap_or_default()
            {
                if found[e.id] {
                    continue;
                }
                let (w, folded) = &self.words[e.id];
                let hit = at
                    .checked_sub(e.anchor_at)
                    .is_some_and(|start| e.head.at(w, *folded, text, start));
                if hit {
                    found[e.id] = true;
                    left -= 1;
                } else {
                    open = true;
                }
            }
            if left == 0 {
                break;
            }
            if !open {
                // Every word of the group is found: its anchor, in every case, leaves the set.
                for p in anchor_pairs((pair >> 8) as u8, pair as u8, true) {
                    raw[p >> 6] &= !(1 << (p & 63));
                }
            }
        }
        found
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
            // One word under several ids (a catalogue names it once per rule), in both foldings.
            ("auth", true),
            ("auth", false),
            ("secret_access_key", true),
            ("x{_", true),
        ];
        // Bytes 0x20 apart from a keyword's non-letters (`[` and `{`, `_` and DEL, `@` and
        // a backtick) must not match them.
        let alphabet = [
            "pass", "w", "PWD", "au", "th", "AUTH", "or", "iz", "ation", "sk_", "live_", "xo", "x",
            "eyJ", "EYJ", "kind: ", "Secret", " ", "\n", "é", "ß", "_access", "_KEY", "X[", "{",
            "_", "\u{7f}", "@", "`",
        ];
        for text in crate::testutil::texts_from(&alphabet, 300, 40, 0x2545_f491_4f6c_dd1d) {
            assert_eq!(found(&words, &text), naive(&words, &text), "{text}");
        }
    }
    #[test]
    fn dyn_table_finds_what_a_plain_search_finds() {
        let words: Vec<(&'static str, bool)> = vec![
            ("corp.example", true),
            ("table", true),
            ("TABLE", false),
            ("atlas_", true),
            ("10.8.", false),
            ("ab", true),
            ("b", true),
            ("é", false),
            ("internal", true),
            ("nal-use", true),
        ];
        let table = DynTable::new(
            words
                .iter()
                .map(|&(w, f)| (w.as_bytes().to_vec(), f))
                .collect(),
        );
        let alphabet = [
            "corp", ".", "example", "Table", "TABLE", "atlas", "_", "10", "8", "a", "b", "AB", " ",
            "é", "inter", "nal", "-use", "\n", "x",
        ];
        for text in crate::testutil::texts_from(&alphabet, 400, 30, 0x9e37_79b9_7f4a_7c15) {
            let want = naive(&words, &text);
            let got = table.present(text.as_bytes());
            for (k, &(w, _)) in words.iter().enumerate() {
                let occurs = w.len() < 2 || want.iter().any(|h| h.0 == k);
                assert_eq!(got[k], occurs, "{w:?} in {text:?}");
            }
        }
        assert_eq!(
            DynTable::new(Vec::new()).present(b"anything"),
            Vec::<bool>::new()
        );
    }
}
