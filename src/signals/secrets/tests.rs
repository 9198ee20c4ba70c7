#![allow(clippy::unwrap_used)]

use super::scan::{candidate, run_anchored, KEYWORDS};
use super::*;
use regex::Regex;

fn kinds_in(text: &str) -> Vec<String> {
    scan(text).into_iter().map(|f| f.kind).collect()
}

#[test]
fn finds_prefixed_tokens_with_exact_spans() {
    let tok = "ghp_Zk3xQ9mW2vB7nR4tY8pL1sD6fG0hJ5cA3eKu";
    let text = format!("token: {tok}\n");
    let f = scan(&text);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].kind, "github-pat");
    assert_eq!(&text[f[0].start..f[0].end], tok);
    assert!(!f[0].hash.is_empty());
}

#[test]
fn placeholders_and_examples_are_not_secrets() {
    for t in [
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "API_KEY=${API_KEY}",
        "password = changeme",
        "token: <your-token-here>",
        "postgres://user:password@localhost/db",
    ] {
        assert!(kinds_in(t).is_empty(), "{t}: {:?}", scan(t));
    }
}

#[test]
fn hashes_uuids_and_public_keys_are_not_secrets() {
    for t in [
        "commit 43fc912ef59a83054ea7f6706df4d53a7dea4d80",
        "integrity sha512-Zk3xQ9mW2vB7nR4tY8pL1sD6fG0hJ5cA3eKuZk3xQ9mW2vB7nR4tY8pL1sD6fG0hJ5cA3eKu==",
        "image@sha256:eaaa7b11777babe28e6133a8b19ff71cea687e0d7f05158dee95a71f76ce3d00",
        "request_id: 0736f5ef-7e88-499a-80cc-90c85d2a5180",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----",
    ] {
        assert!(kinds_in(t).is_empty(), "{t}: {:?}", scan(t));
    }
}

#[test]
fn over_the_bound_the_rest_is_withheld() {
    let mut text = "a".repeat(MAX_SCAN_BYTES + 100);
    text.push_str(" ghp_Zk3xQ9mW2vB7nR4tY8pL1sD6fG0hJ5cA3eKu");
    let f = scan(&text);
    let last = f.last().unwrap();
    assert_eq!(last.kind, UNSCANNED);
    assert_eq!(last.end, text.len());
    assert!(last.start <= MAX_SCAN_BYTES);
}

#[test]
fn every_rule_compiles() {
    for r in rules::RULES {
        assert!(
            regex::Regex::new(r.pattern).is_ok(),
            "{}: {:?}",
            r.kind,
            regex::Regex::new(r.pattern).err()
        );
    }
}

fn spans(text: &str) -> Vec<(String, &str)> {
    scan(text)
        .into_iter()
        .map(|f| (f.kind.clone(), &text[f.start..f.end]))
        .collect()
}

#[test]
fn discord_bot_tokens_are_found_by_shape_alone() {
    let tok = "MTk4NjIyNDgzNDcxOTI1MjQ4.Gh7kQz.Vb2nW8pY3cD6fG0jK5sA1eUq9rT4xZ7";
    assert_eq!(
        spans(&format!("client.login(\"{tok}\")")),
        vec![("discord-bot-token".to_string(), tok)]
    );
    // Wrong part lengths, or a first part that does not open like a base64 decimal id.
    for t in [
        "MTk4NjIyNDgzNDcxOTI1MjQ.Gh7kQz.Vb2nW8pY3cD6fG0jK5sA1eUq9rT4xZ7",
        "MTk4NjIyNDgzNDcxOTI1MjQ4.Gh7kQ.Vb2nW8pY3cD6fG0jK5sA1eUq9rT4xZ7",
        "MTk4NjIyNDgzNDcxOTI1MjQ4.Gh7kQz.Vb2nW8pY3cD6fG0jK5sA1eU",
        "PTk4NjIyNDgzNDcxOTI1MjQ4.Gh7kQz.Vb2nW8pY3cD6fG0jK5sA1eUq9rT4xZ7",
        "see www.example.com/docs.html and api.v2.internal.corp.example.org.",
    ] {
        assert!(scan(t).is_empty(), "{t}: {:?}", scan(t));
    }
}

#[test]
fn gitlab_tokens_have_their_lengths() {
    for t in [
        "glpat-Zq8xY3vT6pK1mN4rS7wB",
        "glptt-Zq8xY3vT6pK1mN4rS7wBZq8xY3vT6pK1mN4rS7wB",
        "GR1348941Zq8xY3vT6pK1mN4rS7wB",
    ] {
        assert_eq!(spans(t).len(), 1, "{t}");
    }
    for t in [
        "glptt-Zq8xY3vT6pK1mN4rS7wBZq8xY3vT6pK1mN4rS7wBxyz",
        "gldt-Zq8xY3vT6pK1mN4rS7w",
        "GR1348941Zq8xY3vT6pK1mN4rS7wBZq8xY3vT6pK1mN4rS7wBZq8xY3vT6pK1_",
    ] {
        assert!(scan(t).is_empty(), "{t}: {:?}", scan(t));
    }
}

#[test]
fn curl_user_that_is_a_key() {
    let t = "curl -u \"Vb2nW8pY3cD6fG0j:\" https://api.example-pay.com/v1/charges";
    assert_eq!(
        spans(t),
        vec![("curl-credentials".to_string(), "Vb2nW8pY3cD6fG0j")]
    );
    assert!(scan("curl -u deploy-bot: https://ci.internal/").is_empty());
    // `-u` of other programs: a date format is not a user:password pair.
    assert!(scan("date -u +%Y-%m-%dT%H:%M:%SZ").is_empty());
}

#[test]
fn only_random_uuids_are_generic_tokens() {
    // A time-based (v1) UUID holds a timestamp and a MAC address, not a secret.
    assert!(scan("_authToken=743b294a-cd03-11ec-9d64-0242ac120002").is_empty());
    assert_eq!(
        spans("_authToken=5b0e6f4a-2c1d-4e8f-9a7b-3c5d1e2f4a6b").len(),
        1
    );
    // The npm config syntax names the token whatever it looks like.
    assert_eq!(
        spans("//registry.npmjs.org/:_authToken=743b294a-cd03-11ec-9d64-0242ac120002").len(),
        1
    );
}

#[test]
fn telegram_token_in_its_api_url() {
    let tok = "7213808860:AAH1bjqpKKW3maRSPAxzIU-0v6xNuq2-NjM";
    let t = format!("curl https://api.telegram.org/bot{tok}/getMe");
    assert_eq!(spans(&t), vec![("telegram-bot-token".to_string(), tok)]);
}

#[test]
fn code_that_mentions_tokens_is_not_a_secret() {
    for t in [
        "  File \"/srv/app/auth.py\", line 42, in verify_token: jwt.exceptions.ExpiredSignatureError",
        "test auth::token::tests::refresh_token_expires ... ok",
        "    let token = store.get_token(&user).await?;",
        "WARN token refresh skipped: cache hit key=session:96bd369a ttl=3600",
    ] {
        assert!(scan(t).is_empty(), "{t}: {:?}", scan(t));
    }
}

/// An anchored rule is matched at each keyword hit; a search over the whole text must find
/// nothing more that overlaps a hit of the rule. (Anchoring may find more: in `xapi-token: v`
/// a whole-text search starts inside a word and is rejected, the hit `token:` is not.)
/// Random texts from every anchored rule's keywords, separators and value pieces.
#[test]
fn anchored_rules_find_what_a_search_around_their_keywords_finds() {
    let mut pieces: Vec<&str> = vec![
        ": ",
        "=",
        " = ",
        "\"",
        "'",
        ":",
        "::",
        " ",
        "\n",
        "x-",
        "my_",
        "Bearer ",
        "token ",
        "s.",
        "Zk3xQ9mW2vB7nR4t",
        "Y8pL1sD6",
        "fG0hJ5cA3eKu",
        "AbCd",
        "7f05158d",
        "_",
        "-",
        ".",
        "/",
        "+",
        "==",
        "[REDACTED:x]",
    ];
    for r in RULES.iter().filter(|r| r.anchored) {
        pieces.extend(r.exact.iter().chain(r.folded));
    }
    let upper: Vec<String> = pieces.iter().map(|p| p.to_ascii_uppercase()).collect();
    pieces.extend(upper.iter().map(String::as_str));
    let whole_text: Vec<Option<Regex>> = RULES
        .iter()
        .map(|r| r.anchored.then(|| Regex::new(r.pattern).unwrap()))
        .collect();
    let mut compared = 0;
    for text in crate::testutil::texts_from(&pieces, 3000, 14, 0x5eed_a4c4) {
        for (i, r) in RULES.iter().enumerate().filter(|(_, r)| r.anchored) {
            let mut hits = Vec::new();
            KEYWORDS.for_each(text.as_bytes(), |rule, s, _| {
                if rule == i {
                    hits.push(s);
                }
            });
            if hits.is_empty() {
                continue;
            }
            let mut expected = Vec::new();
            for caps in whole_text[i].as_ref().unwrap().captures_iter(&text) {
                let m = caps.get(0).unwrap();
                if hits.iter().any(|&h| m.start() <= h && h < m.end()) {
                    let secret = caps.get(1).unwrap_or(m);
                    candidate(&text, i, 0, m.range(), secret.range(), &mut expected);
                }
            }
            let mut got = Vec::new();
            let mut locs = Vec::new();
            for &h in &hits {
                run_anchored(&text, i, h, &mut locs, &mut got);
            }
            let key = |f: &Finding| (f.start, f.end, f.kind.clone());
            let mut expected: Vec<_> = expected.iter().map(key).collect();
            let mut got: Vec<_> = got.iter().map(key).collect();
            for v in [&mut expected, &mut got] {
                v.sort();
                v.dedup();
            }
            compared += expected.len();
            let missed: Vec<_> = expected.iter().filter(|f| !got.contains(f)).collect();
            assert!(missed.is_empty(), "{}: {missed:?} in {text:?}", r.kind);
        }
    }
    assert!(compared > 100, "the texts hold matches: {compared}");
}

/// Passwords written out in code and config, in the syntaxes they come in: found whatever
/// their entropy; placeholders, references and describing words are left alone.
#[test]
fn password_literals_in_every_syntax() {
    for (t, secret) in [
        ("if password == 'logmein':", "logmein"),
        ("if (pwd === \"tr0ub4dor\") {", "tr0ub4dor"),
        ("$mail->Password = 'mailpass42';", "mailpass42"),
        ("DB_PASSWORD=hunter22\n", "hunter22"),
        ("\"password\": \"sunshine7\",", "sunshine7"),
        ("smtp_password: 'letmein!'", "letmein!"),
        ("define('DB_PASSWORD', 'wp-s3cret');", "wp-s3cret"),
        ("<password>mavenpass1</password>", "mavenpass1"),
        (
            "<add key=\"SmtpPassword\" value=\"Sm7p-pass\" />",
            "Sm7p-pass",
        ),
        (
            "Connect-VIServer -Server vc01 -User admin -Password 'VMware1!'",
            "VMware1!",
        ),
        (
            "$p = ConvertTo-SecureString 'Winter2024!' -AsPlainText -Force",
            "Winter2024!",
        ),
        ("psexec \\\\host -u admin -p Passw0rd1 cmd", "Passw0rd1"),
        ("new NetworkCredential(\"svc\", \"Netw0rkPw\")", "Netw0rkPw"),
        (
            "new DirectoryEntry(\"LDAP://dc\", \"CORP\\\\svc\", \"LdapPw99\")",
            "LdapPw99",
        ),
        (
            "credentials {\n  username 'deploy'\n  password 'gradlepw1'\n}",
            "gradlepw1",
        ),
        (
            "Server=db;Database=app;User Id=sa;Password=Sql2019pw;",
            "Sql2019pw",
        ),
        ("Driver={ODBC};Server=db;Uid=app;Pwd=0dbcPass;", "0dbcPass"),
        (
            "postgresql://app:pgpass99@db1:5432,db2:5432/app?target_session_attrs=any",
            "pgpass99",
        ),
        ("mysql -u root -pR00tpass app", "R00tpass"),
    ] {
        let f = spans(t);
        assert!(f.iter().any(|(_, s)| s.contains(secret)), "{t}: {f:?}");
    }
    for t in [
        "if password == '':",
        "password = 'password'",
        "DB_PASSWORD=${DB_PASSWORD}",
        "\"password\": \"<your-password>\",",
        "<password>${env.MAVEN_PASSWORD}</password>",
        "<password>required</password>",
        "Connect-VIServer -Server vc01 -Password $cred",
        "password: str = Field(...)",
        "bypass = 'cache'",
        "cvkey = r'SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'",
        "<input type=\"hidden\" name=\"authenticity_token\" value=\"7SWa-Fo1_hsC6oovfBsJ\">",
        "docker login --password-stdin registry.corp.io",
    ] {
        assert!(scan(t).is_empty(), "{t}: {:?}", scan(t));
    }
}

/// Password hashes, base64 PEM keys and Docker registry auths are secrets too.
#[test]
fn hashes_encoded_keys_and_registry_auths() {
    let bcrypt = "$2y$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";
    assert_eq!(spans(&format!("admin:{bcrypt}"))[0].1, bcrypt);
    let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\nMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n-----END PRIVATE KEY-----\n";
    let encoded = b64(pem.as_bytes());
    let t = format!("{{\"privateKey\": \"{encoded}\"}}");
    let f = spans(&t);
    assert_eq!(f, vec![("private-key".to_string(), encoded.as_str())]);
    let cert = b64(b"-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----\n");
    assert!(scan(&format!("\"cert\": \"{cert}\"")).is_empty());
    let auth = b64(b"deploy:Regi5try!pw");
    let t = format!("{{\"auths\":{{\"r.io\":{{\"auth\":\"{auth}\"}}}}}}");
    let f = spans(&t);
    assert_eq!(f, vec![("docker-registry-auth".to_string(), auth.as_str())]);
    assert!(scan(&format!("\"auth\": \"{}\"", b64(b"user:password"))).is_empty());
}

/// A GitHub token whose checksum verifies is reported even when its random part would fail
/// the placeholder check.
#[test]
fn github_checksum_vouches_for_a_token() {
    let random = "todoAbCdEfGhIjKlMnOpQrStUvWxYz";
    let crc = values::crc32(random.as_bytes());
    assert_eq!(values::crc32(b"123456789"), 0xCBF4_3926);
    let check = values::base62(
        u64::from(crc),
        b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    );
    let tok = format!("ghp_{random}{check}");
    assert_eq!(spans(&tok), vec![("github-pat".to_string(), tok.as_str())]);
}

fn b64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
