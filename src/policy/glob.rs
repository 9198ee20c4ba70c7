//! Glob matching for rule conditions: `*` (not across `/`), `**` (across `/`), `?`, and
//! `{a,b}` alternatives. Small and allocation-free on the match path; no compile step,
//! because rule globs are few and short and most events test only a handful.

/// Whether `text` matches `pattern` as a whole.
pub fn matches(pattern: &str, text: &str) -> bool {
    if let Some(open) = pattern.find('{') {
        if let Some(close_rel) = pattern[open..].find('}') {
            let close = open + close_rel;
            let (head, tail) = (&pattern[..open], &pattern[close + 1..]);
            return pattern[open + 1..close]
                .split(',')
                .any(|alt| matches(&format!("{head}{alt}{tail}"), text));
        }
    }
    match_bytes(pattern.as_bytes(), text.as_bytes())
}

fn match_bytes(p: &[u8], t: &[u8]) -> bool {
    // Iterative matcher with backtracking points for `*` and `**`.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize, bool)> = None;
    while ti < t.len() {
        if pi < p.len() {
            if p[pi] == b'*' {
                let double = pi + 1 < p.len() && p[pi + 1] == b'*';
                let skip = if double { 2 } else { 1 };
                // `**/` also matches zero directories.
                let skip = if double && pi + 2 < p.len() && p[pi + 2] == b'/' {
                    3
                } else {
                    skip
                };
                star = Some((pi + skip, ti, double));
                pi += skip;
                continue;
            }
            if p[pi] == b'?' && t[ti] != b'/' || p[pi] == t[ti] {
                pi += 1;
                ti += 1;
                continue;
            }
        }
        match star {
            Some((sp, st, double)) if double || t[st] != b'/' => {
                star = Some((sp, st + 1, double));
                pi = sp;
                ti = st + 1;
            }
            _ => return false,
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn basics() {
        assert!(matches("git", "git"));
        assert!(!matches("git", "gitk"));
        assert!(matches("send_*", "send_email"));
        assert!(matches("*.github.com", "api.github.com"));
        assert!(!matches("*.github.com", "github.com"));
        assert!(matches("{,*.}github.com", "github.com"));
        assert!(matches("{,*.}github.com", "api.github.com"));
        assert!(matches("-*f*", "-rf"));
        assert!(matches(
            "**/.github/workflows/**",
            "/r/.github/workflows/ci.yml"
        ));
        assert!(matches("**/migrations/**", "/r/db/migrations/001.sql"));
        assert!(!matches("/src/*", "/src/a/b"));
        assert!(matches("/src/**", "/src/a/b"));
        assert!(matches("**/*.tf", "/r/infra/main.tf"));
        assert!(matches("**/*.tf", "main.tf"));
        assert!(matches("a?c", "abc"));
    }
}
