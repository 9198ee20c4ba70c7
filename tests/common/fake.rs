//! Freshly generated fake secrets of every kind, from the public token formats.
//!
//! Each generator returns the text a secret appears in and the secret itself, so a test can
//! check that exactly that value is found and masked. Values are random on every seed; none is
//! a real credential.

#![allow(dead_code)]

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    pub fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn pick(&mut self, alphabet: &str, n: usize) -> String {
        let a = alphabet.as_bytes();
        (0..n)
            .map(|_| a[(self.next() % a.len() as u64) as usize] as char)
            .collect()
    }
}

pub const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
pub const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
pub const DIGITS: &str = "0123456789";
pub const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const HEX: &str = "0123456789abcdef";
pub const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub const PASSWORD: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!%^*_+=~";

fn uuid(r: &mut Rng) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        r.pick(HEX, 8),
        r.pick(HEX, 4),
        r.pick(HEX, 4),
        r.pick(HEX, 4),
        r.pick(HEX, 12)
    )
}

fn b64url_encode(data: &[u8]) -> String {
    let a = B64URL.as_bytes();
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(a[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// A fake secret: the expected kind, the text around it, and the value.
pub struct Fake {
    pub kind: &'static str,
    pub text: String,
    pub secret: String,
}

fn fake(kind: &'static str, secret: String, context: &str) -> Fake {
    Fake {
        kind,
        text: context.replace("{}", &secret),
        secret,
    }
}

/// Every generator, by kind.
pub fn all(r: &mut Rng) -> Vec<Fake> {
    let pw = |r: &mut Rng| {
        format!(
            "{}{}{}",
            r.pick(PASSWORD, 10),
            r.pick(DIGITS, 2),
            r.pick(LOWER, 4)
        )
    };
    let pem_body = |r: &mut Rng| {
        (0..8)
            .map(|_| r.pick(B64, 64))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let jwt = |r: &mut Rng| {
        let header = b64url_encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let body = format!(
            r#"{{"sub":"{}","iat":{}}}"#,
            r.pick(ALNUM, 12),
            1_700_000_000 + r.next() % 1000
        );
        format!(
            "{header}.{}.{}",
            b64url_encode(body.as_bytes()),
            r.pick(B64URL, 43)
        )
    };
    vec![
        fake("aws-access-key-id", format!("AKIA{}", r.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)), "aws_access_key_id = {}"),
        fake("aws-access-key-id", format!("ASIA{}", r.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)), "export AWS_ACCESS_KEY_ID={}"),
        fake("aws-secret-access-key", r.pick(ALNUM, 30) + &r.pick("/+", 2) + &r.pick(ALNUM, 8), "aws_secret_access_key = {}"),
        fake("aws-session-token", r.pick(B64, 300), "aws_session_token = {}"),
        fake("gcp-api-key", format!("AIzaSy{}", r.pick(ALNUM, 33)), "const firebase = { apiKey: \"{}\" };"),
        fake("gcp-oauth-client-secret", format!("GOCSPX-{}", r.pick(B64URL, 28)), "\"client_secret\": \"{}\","),
        fake("private-key", format!("-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----", r.pick(B64, 120)), "{\"type\": \"service_account\", \"private_key\": \"{}\", \"client_email\": \"x@y.iam.gserviceaccount.com\"}"),
        fake("azure-storage-key", r.pick(B64, 86) + "==", "DefaultEndpointsProtocol=https;AccountName=prodstore;AccountKey={};EndpointSuffix=core.windows.net"),
        fake("azure-storage-key", r.pick(B64, 43) + "=", "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey={}"),
        fake("azure-sas-token", r.pick(ALNUM, 43) + "%3D", "https://acct.blob.core.windows.net/c/f.txt?sv=2022-11-02&ss=b&sp=r&sig={}"),
        fake("azure-ad-client-secret", format!("{}{}Q~{}", r.pick(ALNUM, 3), r.pick(DIGITS, 1), r.pick(ALNUM, 34)), "AZURE_CLIENT_SECRET={}"),
        fake("digitalocean-token", format!("dop_v1_{}", r.pick(HEX, 64)), "DIGITALOCEAN_TOKEN={}"),
        fake("heroku-api-key", format!("HRKU-AA{}", r.pick(ALNUM, 58)), "heroku: {}"),
        fake("heroku-api-key", uuid(r), "HEROKU_API_KEY={}"),
        fake("github-pat", format!("ghp_{}", r.pick(ALNUM, 36)), "token: {}"),
        fake("github-oauth-token", format!("gho_{}", r.pick(ALNUM, 36)), "oauth_token: {}"),
        fake("github-app-token", format!("ghs_{}", r.pick(ALNUM, 36)), "GH_TOKEN={}"),
        fake("github-app-token", format!("ghu_{}", r.pick(ALNUM, 36)), "{}"),
        fake("github-refresh-token", format!("ghr_{}", r.pick(ALNUM, 76)), "refresh={}"),
        fake("github-fine-grained-pat", format!("github_pat_{}_{}", r.pick(ALNUM, 22), r.pick(ALNUM, 59)), "git clone https://{}@github.com/o/r"),
        fake("gitlab-pat", format!("glpat-{}", r.pick(B64URL, 20)), "PRIVATE-TOKEN: {}"),
        fake("gitlab-token", format!("glrt-{}", r.pick(ALNUM, 20)), "runner token {}"),
        fake("slack-bot-token", format!("xoxb-{}-{}-{}", r.pick(DIGITS, 12), r.pick(DIGITS, 13), r.pick(ALNUM, 24)), "SLACK_BOT_TOKEN={}"),
        fake("slack-user-token", format!("xoxp-{}-{}-{}-{}", r.pick(DIGITS, 12), r.pick(DIGITS, 12), r.pick(DIGITS, 12), r.pick(HEX, 32)), "{}"),
        fake("slack-app-token", format!("xapp-1-A{}-{}-{}", r.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10), r.pick(DIGITS, 13), r.pick(HEX, 64)), "app_token: {}"),
        fake("slack-webhook-url", format!("T{}/B{}/{}", r.pick(UPPER, 10), r.pick(UPPER, 10), r.pick(ALNUM, 24)), "curl -X POST https://hooks.slack.com/services/{}"),
        fake("discord-webhook-url", r.pick(B64URL, 68), "https://discord.com/api/webhooks/123456789012345678/{}"),
        fake("telegram-bot-token", format!("{}:AA{}", r.pick(DIGITS, 10), r.pick(B64URL, 33)), "TELEGRAM_BOT_TOKEN={}"),
        fake("stripe-secret-key", format!("sk_live_{}", r.pick(ALNUM, 99)), "Stripe.api_key = '{}'"),
        fake("stripe-restricted-key", format!("rk_live_{}", r.pick(ALNUM, 24)), "{}"),
        fake("stripe-webhook-secret", format!("whsec_{}", r.pick(ALNUM, 32)), "STRIPE_WEBHOOK_SECRET={}"),
        fake("shopify-token", format!("shpat_{}", r.pick(HEX, 32)), "X-Shopify-Access-Token: {}"),
        fake("square-token", format!("sq0atp-{}", r.pick(B64URL, 22)), "{}"),
        fake("openai-api-key", format!("sk-proj-{}T3BlbkFJ{}", r.pick(B64URL, 74), r.pick(B64URL, 74)), "OPENAI_API_KEY={}"),
        fake("openai-api-key", format!("sk-{}T3BlbkFJ{}", r.pick(ALNUM, 20), r.pick(ALNUM, 20)), "openai.api_key = \"{}\""),
        fake("anthropic-api-key", format!("sk-ant-api03-{}AA", r.pick(B64URL, 93)), "ANTHROPIC_API_KEY={}"),
        fake("anthropic-admin-key", format!("sk-ant-admin01-{}AA", r.pick(B64URL, 93)), "{}"),
        fake("huggingface-token", format!("hf_{}", r.pick(LETTERS, 34)), "huggingface-cli login --token {}"),
        fake("huggingface-org-token", format!("api_org_{}", r.pick(LETTERS, 34)), "{}"),
        fake("groq-api-key", format!("gsk_{}", r.pick(ALNUM, 52)), "GROQ_API_KEY={}"),
        fake("npm-token", format!("npm_{}", r.pick(ALNUM, 36)), "//registry.npmjs.org/:_authToken={}"),
        fake("npm-token", uuid(r), "//npm.pkg.github.com/:_authToken={}"),
        fake("pypi-token", format!("pypi-AgEIcHlwaS5vcmc{}", r.pick(B64URL, 120)), "password = {}"),
        fake("docker-hub-pat", format!("dckr_pat_{}", r.pick(B64URL, 27)), "docker login -u me -p {}"),
        fake("sendgrid-api-key", format!("SG.{}.{}", r.pick(B64URL, 22), r.pick(B64URL, 43)), "SENDGRID_API_KEY={}"),
        fake("twilio-api-key", format!("SK{}", r.pick(HEX, 32)), "TWILIO_API_KEY={}"),
        fake("twilio-auth-token", r.pick(HEX, 32), "TWILIO_AUTH_TOKEN={}"),
        fake("mailgun-api-key", format!("key-{}", r.pick(HEX, 32)), "api:{}"),
        fake("mailchimp-api-key", format!("{}-us{}", r.pick(HEX, 32), r.pick(DIGITS, 2)), "{}"),
        fake("datadog-api-key", r.pick(HEX, 32), "DD_API_KEY={}"),
        fake("postman-api-key", format!("PMAK-{}-{}", r.pick(HEX, 24), r.pick(HEX, 34)), "{}"),
        fake("linear-api-key", format!("lin_api_{}", r.pick(ALNUM, 40)), "{}"),
        fake("notion-api-token", format!("ntn_{}{}", r.pick(DIGITS, 11), r.pick(ALNUM, 35)), "NOTION_TOKEN={}"),
        fake("newrelic-api-key", format!("NRAK-{}", r.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 27)), "{}"),
        fake("sentry-token", format!("sntryu_{}", r.pick(HEX, 64)), "SENTRY_AUTH_TOKEN={}"),
        fake("grafana-token", format!("glsa_{}_{}", r.pick(ALNUM, 32), r.pick(HEX, 8)), "{}"),
        fake("databricks-token", format!("dapi{}", r.pick(HEX, 32)), "DATABRICKS_TOKEN={}"),
        fake("doppler-token", format!("dp.pt.{}", r.pick(ALNUM, 43)), "DOPPLER_TOKEN={}"),
        fake("pulumi-access-token", format!("pul-{}", r.pick(HEX, 40)), "{}"),
        fake("terraform-cloud-token", format!("{}.atlasv1.{}", r.pick(ALNUM, 14), r.pick(ALNUM, 67)), "token = \"{}\""),
        fake("flyio-token", format!("fo1_{}", r.pick(B64URL, 43)), "FLY_API_TOKEN={}"),
        fake("age-secret-key", format!("AGE-SECRET-KEY-1{}", r.pick("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)), "{}"),
        fake("sourcegraph-token", format!("sgp_{}", r.pick(HEX, 40)), "{}"),
        fake("sonar-token", format!("squ_{}", r.pick(HEX, 40)), "SONAR_TOKEN={}"),
        fake("vault-token", format!("hvs.{}", r.pick(B64URL, 100)), "VAULT_TOKEN={}"),
        fake("vault-token", format!("s.{}", r.pick(ALNUM, 24)), "vault token: {}"),
        fake("snyk-token", uuid(r), "SNYK_TOKEN={}"),
        fake("okta-api-token", format!("00{}", r.pick(B64URL, 40)), "OKTA_API_TOKEN={}"),
        fake("discord-bot-token", format!("{}{}.{}.{}", r.pick("MNO", 1), r.pick(B64URL, 25), r.pick(B64URL, 6), r.pick(B64URL, 38)), "client.login('{}')"),
        fake("artifactory-password", format!("AP{}{}{}{}", r.pick("0123456789ABCDEF", 1), r.pick(UPPER, 2), r.pick(LOWER, 2), r.pick(ALNUM, 50)), "artifactory_password={}"),
        fake("curl-credentials", format!("{}{}{}", r.pick(UPPER, 4), r.pick(DIGITS, 4), r.pick(LOWER, 16)), "curl -u \"{}:\" https://api.example-pay.com/v1/charges"),
        fake("google-oauth-access-token", format!("ya29.{}", r.pick(B64URL, 150)), "Authorization: Bearer {}"),
        fake("gitlab-pat", format!("glpat-{}.01{}", r.pick(B64URL, 27), r.pick("abcdefghijklmnopqrstuvwxyz0123456789", 7)), "GITLAB_TOKEN={}"),
        fake("gitlab-token", format!("glptt-{}", r.pick(ALNUM, 40)), "trigger: {}"),
        fake("tailscale-key", format!("tskey-auth-{}-{}", r.pick(ALNUM, 12), r.pick(ALNUM, 33)), "tailscale up --authkey={}"),
        fake("telegram-bot-token", format!("{}:AA{}", r.pick(DIGITS, 10), r.pick(B64URL, 33)), "curl https://api.telegram.org/bot{}/getMe"),
        fake("xai-api-key", format!("xai-{}", r.pick(ALNUM, 80)), "XAI_API_KEY={}"),
        fake("sendinblue-api-key", format!("xkeysib-{}-{}", r.pick(HEX, 64), r.pick(ALNUM, 16)), "{}"),
        fake("planetscale-token", format!("pscale_tkn_{}", r.pick(ALNUM, 43)), "PLANETSCALE_SERVICE_TOKEN={}"),
        fake("dynatrace-token", format!("dt0c01.{}.{}", r.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 24), r.pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 64)), "DT_API_TOKEN={}"),
        fake("jwt", jwt(r), "Authorization: Bearer {}"),
        fake("jwt", jwt(r), "{\"id_token\": \"{}\"}"),
        fake("private-key", format!("-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----", pem_body(r)), "$ cat key.pem\n{}\n$ "),
        fake("openssh-private-key", format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----", pem_body(r)), "{}"),
        fake("pgp-private-key", format!("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{}\n=AbCd\n-----END PGP PRIVATE KEY BLOCK-----", pem_body(r)), "{}"),
        fake("private-key", format!("-----BEGIN EC PRIVATE KEY-----\n{}", pem_body(r)), "output cut short:\n{}"),
        fake("kubernetes-secret", r.pick(B64, 24), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  password: {}\n"),
        fake("database-url", pw(r), "DATABASE_URL=postgres://app:{}@db.internal:5432/app"),
        fake("database-url", pw(r), "mysql://root:{}@127.0.0.1:3306/shop"),
        fake("database-url", pw(r), "mongodb+srv://svc:{}@cluster0.ab1cd.mongodb.net/?retryWrites=true"),
        fake("database-url", pw(r), "REDIS_URL=redis://:{}@cache:6379/0"),
        fake("database-url", pw(r), "amqp://guest:{}@rabbit:5672/"),
        fake("url-credentials", pw(r), "remote: https://deploy:{}@git.corp.example.org/repo.git"),
        fake("netrc-password", pw(r), "machine api.heroku.com\n  login me@corp.io\n  password {}\n"),
        fake("curl-credentials", pw(r), "curl -u admin:{} https://jenkins.internal/api/json"),
        fake("authorization-header", r.pick(ALNUM, 40), "curl -H 'Authorization: Bearer {}' https://api.internal"),
        fake("generic-secret", pw(r), "DB_PASSWORD={}"),
        fake("generic-secret", r.pick(ALNUM, 32), "client_secret: \"{}\""),
        fake("generic-secret", r.pick(ALNUM, 28), "  \"apiSecret\": \"{}\","),
    ]
}

/// The characters of a catalogue example's template class (see
/// `signals::secrets::rules::RuleDef::example`): `a` letters and digits, `l` lowercase, `u`
/// uppercase, `L` letters, `d` digits, `h` lowercase hex, `H` uppercase hex, `x` uppercase and
/// digits, `z` lowercase and digits, `b` base64, `B` base64url, `c` the crypt alphabet, `s`
/// lowercase base32, `S` uppercase base32, `e` uppercase bech32, `p` password characters.
pub fn class(c: char) -> Option<&'static str> {
    Some(match c {
        'a' => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        'l' => "abcdefghijklmnopqrstuvwxyz",
        'u' => "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        'L' => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        'd' => "0123456789",
        'h' => "0123456789abcdef",
        'H' => "0123456789ABCDEF",
        'x' => "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        'z' => "abcdefghijklmnopqrstuvwxyz0123456789",
        'b' => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        'B' => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        'c' => "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        's' => "abcdefghijklmnopqrstuvwxyz234567",
        'S' => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        'e' => "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
        'p' => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!%^*_+=~",
        _ => return None,
    })
}

/// Expands a catalogue example, `{<class><count>}` filled with random characters and `«`/`»`
/// marking the secret: `(text, secret)`.
pub fn expand(template: &str, r: &mut Rng) -> (String, String) {
    let mut out = String::new();
    let (mut s, mut e) = (None, None);
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if c == '«' {
            s = Some(out.len());
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '»' {
            e = Some(out.len());
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '{' {
            if let Some(close) = rest.find('}') {
                let inner = &rest[1..close];
                let mut chars = inner.chars();
                if let Some(alphabet) = chars.next().and_then(class) {
                    if let Ok(n) = chars.as_str().parse::<usize>() {
                        out.push_str(&r.pick(alphabet, n));
                        rest = &rest[close + 1..];
                        continue;
                    }
                }
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    let (s, e) = (s.unwrap_or(0), e.unwrap_or(out.len()));
    let secret = out[s..e].to_string();
    (out, secret)
}
