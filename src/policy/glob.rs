//! Glob matching for rule conditions: `*` (not across `/`), `**` (across `/`), `?`, and
//! `{a,b}` alternatives. Small and allocation-free on the match path; no compile step,
//! because rule globs are few and short and most events test only a handful.

/// Whether `text` matches `pattern` as a whole.
pub fn matches(pattern: &str, text: &str) -> bool {
    // Most patterns are plain names (flag names, programs, subcommands): one pass decides.
    if !pattern.bytes().any(|c| matches!(c, b'{' | b'*' | b'?')) {
        return pattern == text;
    }
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
    if !p.iter().any(|&c| c == b'*' || c == b'?') {
        return p == t;
    }
    // Recursive with a memo of failed (pattern, text) positions: O(|p|·|t|) whatever the stars.
    let mut failed = vec![false; (p.len() + 1) * (t.len() + 1)];
    step(p, t, 0, 0, &mut failed)
}

fn step(p: &[u8], t: &[u8], pi: usize, ti: usize, failed: &mut [bool]) -> bool {
    let key = pi * (t.len() + 1) + ti;
    if failed[key] {
        return false;
    }
    let ok = if pi == p.len() {
        ti == t.len()
    } else if p[pi] == b'*' && p.get(pi + 1) == Some(&b'*') {
        // `**` crosses `/`; `**/` may also stand for no directory at all.
        let rest = pi + 2;
        (p.get(rest) == Some(&b'/') && step(p, t, rest + 1, ti, failed))
            || (ti..=t.len()).any(|k| step(p, t, rest, k, failed))
    } else if p[pi] == b'*' {
        let mut k = ti;
        loop {
            if step(p, t, pi + 1, k, failed) {
                break true;
            }
            if k == t.len() || t[k] == b'/' {
                break false;
            }
            k += 1;
        }
    } else if ti < t.len() && ((p[pi] == b'?' && t[ti] != b'/') || p[pi] == t[ti]) {
        step(p, t, pi + 1, ti + 1, failed)
    } else {
        false
    };
    if !ok {
        failed[key] = true;
    }
    ok
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
