//! The secret catalogue: one entry per kind, written from the public token formats.
//!
//! Each rule names the keywords that must occur for it to be tried (`exact`: case-sensitive
//! literals such as a token prefix; `folded`: ASCII case-insensitive words such as a variable
//! name), the pattern (capture group 1, when present, is the secret; otherwise the whole
//! match), how far around a keyword hit a match can reach, and which value checks apply.

/// Which checks a candidate value must pass after the pattern matched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Check {
    /// A token with a distinctive prefix: placeholder check and a minimum entropy.
    Token(f32),
    /// A value found by its name or place (`AWS_SECRET_ACCESS_KEY=`, a `.npmrc` line): placeholder
    /// and variable-reference checks and a minimum entropy; UUIDs and hex are allowed.
    Assigned(f32),
    /// A password inside a URL, a `.netrc` entry or a `-u user:pass`: placeholder and reference
    /// checks only (passwords are often low-entropy).
    Password,
    /// A high-entropy value assigned to a secret-like name: the strictest checks.
    Generic,
    /// A JSON Web Token: the header must decode to a JSON object naming `alg` or `typ`.
    Jwt,
    /// A PEM/OpenSSH/PGP private key block: the body must hold key material.
    PemBlock,
    /// A value in the `data:` map of a Kubernetes `kind: Secret`.
    K8sSecret,
    /// A value whose only mark is its place (a bare `-u KEY:`, an `AP…` password): placeholder
    /// and reference checks, a minimum entropy, and at least three character classes.
    KeyLike(f32),
    /// A literal a name or a command line calls a password (`-Password '...'`,
    /// `<password>...</password>`): placeholder and reference checks, and not a word that only
    /// describes one (`required`, `true`, a type name).
    NamedPassword,
    /// Base64 of a PEM private key: the decoded text opens a `PRIVATE KEY` block.
    Base64Pem,
    /// Base64 of `user:password` (a Docker registry `auth`): it decodes to a user, a colon and
    /// a password that passes the password checks.
    Base64Credentials,
}

/// A check a token's own characters carry, which a random string passes once in billions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Checksum {
    None,
    /// GitHub's and npm's formats: the last six characters are the CRC32 of the random part
    /// (after the `xxx_` prefix), in base62, zero-padded.
    Crc32Base62,
}

/// One detector of the catalogue.
///
/// The fields are plain data so the catalogue can be a `const` (its keywords feed tables the
/// compiler builds). A detector declared in a policy at run time carries the same facts in
/// owned form: see [`super::custom::Detector`].
#[derive(Debug, Clone, Copy)]
pub struct RuleDef {
    /// What the detector is called (unique in the catalogue); empty means the same as `kind`.
    pub id: &'static str,
    /// What a finding reports: several detectors may report one kind.
    pub kind: &'static str,
    pub exact: &'static [&'static str],
    pub folded: &'static [&'static str],
    pub pattern: &'static str,
    /// Bytes before the keyword a match may start at.
    pub back: usize,
    /// Bytes after the keyword start a match may end at.
    pub fwd: usize,
    pub check: Check,
    /// Whether the secret must not touch a letter or digit on either side.
    pub edges: bool,
    /// Whether every match starts where one of the keywords does. Such a rule is matched
    /// once per keyword hit, anchored there, instead of over a window around it: windows of
    /// a common keyword merge until they cover the whole text, and a search over all of it
    /// cost more than the rest of a scan together.
    pub anchored: bool,
    /// A checksum in the token: one that verifies is reported whatever the value checks say
    /// (a real token whose random part happens to spell `todo`); one that does not verify
    /// still goes through them (test fixtures and documentation carry no valid checksums).
    pub checksum: Checksum,
    /// A fake example, as a template the catalogue test expands: `{a36}` is 36 random
    /// characters of class `a` (the classes are listed in `tests/secrets_catalogue.rs`), and
    /// `«` `»` mark the secret in the text (the whole text when absent). Every detector has
    /// one, and the test checks that each expansion is found and masked whole.
    pub example: &'static str,
}

/// The defaults of the fields most detectors leave alone.
pub const BASE: RuleDef = RuleDef {
    id: "",
    kind: "",
    exact: &[],
    folded: &[],
    pattern: "",
    back: 0,
    fwd: 0,
    check: Check::Token(3.0),
    edges: true,
    anchored: false,
    checksum: Checksum::None,
    example: "",
};

impl RuleDef {
    /// The detector's name: its id, or its kind when it has none of its own.
    pub const fn name(&self) -> &'static str {
        if self.id.is_empty() {
            self.kind
        } else {
            self.id
        }
    }

    /// The same detector with example `example`.
    pub const fn ex(self, example: &'static str) -> RuleDef {
        RuleDef { example, ..self }
    }

    /// The same detector named `id`.
    pub const fn id(self, id: &'static str) -> RuleDef {
        RuleDef { id, ..self }
    }

    /// The same detector with a checksum to verify.
    pub const fn checksum(self, checksum: Checksum) -> RuleDef {
        RuleDef { checksum, ..self }
    }
}

const fn token(
    kind: &'static str,
    exact: &'static [&'static str],
    pattern: &'static str,
    fwd: usize,
    entropy: f32,
) -> RuleDef {
    RuleDef {
        kind,
        exact,
        pattern,
        fwd,
        check: Check::Token(entropy),
        anchored: true,
        ..BASE
    }
}

const fn assigned(
    kind: &'static str,
    folded: &'static [&'static str],
    pattern: &'static str,
    entropy: f32,
) -> RuleDef {
    RuleDef {
        kind,
        folded,
        pattern,
        back: 80,
        fwd: 400,
        check: Check::Assigned(entropy),
        ..BASE
    }
}

/// Separator between a name and its value: `=`, `:`, `:=`, `?=`, `=>`, with optional quotes.
macro_rules! sep {
    () => {
        r#"["']?[ \t]*(?:[:?]{0,3}=|=>|:)[ \t]*["']?"#
    };
}

/// A token known by the name it is assigned to: `name` (a regex, case-blind), up to 24 more
/// name characters, a separator, and `value` (a regex, case-sensitive).
macro_rules! named {
    ($kind:expr, $keywords:expr, $name:expr, $value:expr, $entropy:expr) => {
        assigned(
            $kind,
            $keywords,
            concat!(
                "(?i)(?:",
                $name,
                r")[A-Za-z0-9_.\-]{0,24}",
                sep!(),
                "((?-i:",
                $value,
                "))"
            ),
            $entropy,
        )
    };
}

/// The catalogue, as a `const` so compile-time tables can be built from it (see the scanner's
/// keyword anchors); [`RULES`] is its one runtime copy.
pub const CATALOGUE: &[RuleDef] = &[
    // ---------------------------------------------------------------- cloud providers
    token(
        "aws-access-key-id",
        &["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
        r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}",
        24,
        3.0,
    ).ex(r#"aws_access_key_id = «AKIA{S16}»"#),
    assigned(
        "aws-secret-access-key",
        &[
            "secret_access_key",
            "secretaccesskey",
            "aws_secret",
            "aws-secret",
            "awssecret",
            "secret-access-key",
        ],
        concat!(
            r"(?i)(?:aws)?[_.\-]?secret[_.\-]?(?:access)?[_.\-]?key",
            sep!(),
            r"([A-Za-z0-9/+]{40})"
        ),
        3.5,
    ).ex(r#"aws_secret_access_key = «{a30}/{a9}»"#),
    assigned(
        "aws-session-token",
        &[
            "session_token",
            "sessiontoken",
            "security-token",
            "security_token",
        ],
        concat!(
            r"(?i)(?:aws[_.\-]?)?(?:session|security)[_.\-]?token",
            sep!(),
            r"([A-Za-z0-9/+=]{100,})"
        ),
        4.0,
    ).ex(r#"aws_session_token = «{b200}»"#),
    token(
        "aws-bedrock-api-key",
        &["ABSK"],
        r"ABSK[A-Za-z0-9+/]{109,269}={0,2}",
        300,
        4.0,
    ).ex(r#"«ABSK{b150}»"#),
    token("gcp-api-key", &["AIza"], r"AIza[0-9A-Za-z_\-]{35}", 40, 3.5).ex(r#"key=«AIza{a35}»"#),
    RuleDef {
        kind: "gcp-service-account-key-id",
        exact: &["private_key_id"],
        folded: &[],
        pattern: r#""private_key_id"\s*:\s*"([a-f0-9]{40})""#,
        back: 2,
        fwd: 80,
        check: Check::Assigned(3.0),
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#""private_key_id": "«{h40}»","#),
    token(
        "gcp-oauth-client-secret",
        &["GOCSPX-"],
        r"GOCSPX-[A-Za-z0-9_\-]{28}",
        40,
        3.5,
    ).ex(r#""client_secret": "«GOCSPX-{a28}»""#),
    token(
        "google-oauth-refresh-token",
        &["1//0"],
        r"1//0[A-Za-z0-9_\-]{40,300}",
        310,
        3.5,
    ).ex(r#"refresh_token: «1//0{a60}»"#),
    RuleDef {
        kind: "azure-storage-key",
        exact: &[],
        folded: &["accountkey=", "sharedaccesskey=", "accesskey="],
        pattern: r"(?i)(?:AccountKey|SharedAccessKey|AccessKey)=([A-Za-z0-9+/]{40,100}={0,2})",
        back: 20,
        fwd: 140,
        check: Check::Assigned(3.5),
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=«{a86}==»;EndpointSuffix=core.windows.net"#),
    RuleDef {
        kind: "azure-sas-token",
        exact: &["sig="],
        folded: &[],
        pattern: r"[?&;]sig=((?:[A-Za-z0-9+/_\-]|%2[bBfF]|%3[dD]){30,120})",
        back: 2,
        fwd: 130,
        check: Check::Assigned(3.5),
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"https://acct.blob.core.windows.net/c/f?sv=2022-11-02&sp=r&sig=«{a43}%3D»"#),
    RuleDef {
        kind: "azure-ad-client-secret",
        exact: &["Q~"],
        folded: &[],
        pattern: r"[A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34}",
        back: 4,
        fwd: 40,
        check: Check::Token(3.5),
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"AZURE_CLIENT_SECRET=«{a3}{d1}Q~{a34}»"#),
    token(
        "digitalocean-token",
        &["dop_v1_", "doo_v1_", "dor_v1_"],
        r"do[opr]_v1_[a-f0-9]{64}",
        72,
        3.0,
    ).ex(r#"«dop_v1_{h64}»"#),
    token(
        "heroku-api-key",
        &["HRKU-"],
        r"HRKU-AA[0-9A-Za-z_\-]{58}",
        70,
        3.5,
    ).ex(r#"«HRKU-AA{a58}»"#),
    assigned(
        "heroku-api-key",
        &["heroku"],
        concat!(
            r"(?i)heroku[A-Za-z0-9_.\-]{0,24}",
            sep!(),
            r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
        ),
        2.5,
    ).ex(r#"HEROKU_API_KEY=«{h8}-{h4}-{h4}-{h4}-{h12}»"#).id("heroku-api-key-uuid"),
    // ---------------------------------------------------------------- code hosts
    token(
        "github-pat",
        &["ghp_"],
        r"ghp_[A-Za-z0-9]{36,251}",
        256,
        3.0,
    ).checksum(Checksum::Crc32Base62).ex(r#"«ghp_{a36}»"#),
    token(
        "github-oauth-token",
        &["gho_"],
        r"gho_[A-Za-z0-9]{36,251}",
        256,
        3.0,
    ).checksum(Checksum::Crc32Base62).ex(r#"«gho_{a36}»"#),
    token(
        "github-app-token",
        &["ghu_", "ghs_"],
        r"gh[us]_[A-Za-z0-9]{36,251}",
        256,
        3.0,
    ).checksum(Checksum::Crc32Base62).ex(r#"«ghs_{a36}»"#),
    token(
        "github-refresh-token",
        &["ghr_"],
        r"ghr_[A-Za-z0-9]{36,251}",
        256,
        3.0,
    ).checksum(Checksum::Crc32Base62).ex(r#"«ghr_{a36}»"#),
    token(
        "github-fine-grained-pat",
        &["github_pat_"],
        r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}",
        96,
        3.0,
    ).ex(r#"«github_pat_{a22}_{a59}»"#),
    // GitLab prefixes (docs: "Token prefixes"); legacy bodies are 20 characters, newer ones
    // longer, and routable tokens end in `.<2 version><7 crc>`.
    token(
        "gitlab-pat",
        &["glpat-"],
        r"glpat-[A-Za-z0-9_\-]{20,300}(?:\.[0-9a-z]{2}\.?[0-9a-z]{7})?",
        320,
        3.0,
    ).ex(r#"«glpat-{a20}»"#),
    token(
        "gitlab-token",
        &["gldt-", "glrt-", "glft-", "glsoat-", "glffct-", "GR1348941"],
        r"(?:gldt-|glrt-|glft-|glsoat-|glffct-|GR1348941)[A-Za-z0-9_\-]{20,50}(?:\.[0-9a-z]{9})?",
        72,
        3.0,
    ).ex(r#"«glrt-{a20}»"#),
    token(
        "gitlab-token",
        &["glcbt-", "glagent-", "glimt-", "glptt-", "gloas-"],
        r"glcbt-(?:[0-9a-fA-F]{1,5}_)?[A-Za-z0-9_\-]{20,50}|glagent-[A-Za-z0-9_\-]{50}|glimt-[A-Za-z0-9_\-]{25}|glptt-[A-Za-z0-9_\-]{40}|gloas-[A-Za-z0-9_\-]{64}",
        80,
        3.0,
    ).ex(r#"«glptt-{a40}»"#).id("gitlab-token-ci"),
    // ---------------------------------------------------------------- chat
    token(
        "slack-bot-token",
        &["xoxb-"],
        r"xoxb-(?:[0-9]{1,2}-)?[0-9]{8,}-[0-9A-Za-z\-]{8,250}",
        260,
        3.0,
    ).ex(r#"«xoxb-{d12}-{d13}-{a24}»"#),
    token(
        "slack-user-token",
        &["xoxp-", "xoxe-"],
        r"xox[pe]-(?:[0-9]{1,2}-)?[0-9]{6,}-[0-9A-Za-z\-]{8,250}",
        260,
        3.0,
    ).ex(r#"«xoxp-{d12}-{d12}-{d12}-{h32}»"#),
    token(
        "slack-legacy-token",
        &["xoxa-", "xoxr-", "xoxs-", "xoxo-"],
        r"xox[aros]-(?:[0-9]{1,2}-)?[0-9]{6,}-[0-9A-Za-z\-]{8,250}",
        260,
        2.8,
    ).ex(r#"«xoxs-{d12}-{d12}-{a24}»"#),
    token(
        "slack-config-token",
        &["xoxe.xox", "xoxe-1-"],
        r"xoxe\.xox[bp]-1-[A-Za-z0-9]{100,300}|xoxe-1-[A-Za-z0-9]{100,300}",
        320,
        3.5,
    ).ex(r#"«xoxe.xoxp-1-{a150}»"#),
    token(
        "slack-app-token",
        &["xapp-"],
        r"xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,14}-[A-Za-z0-9]{60,70}",
        110,
        3.0,
    ).ex(r#"«xapp-1-A{x10}-{d13}-{h64}»"#),
    RuleDef {
        kind: "slack-webhook-url",
        exact: &[],
        folded: &["hooks.slack.com/"],
        pattern: r"(?i)hooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9+/_\-]{30,160})",
        back: 0,
        fwd: 200,
        check: Check::Token(3.0),
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"https://hooks.slack.com/services/«T{x10}/B{x10}/{a24}»"#),
    RuleDef {
        kind: "discord-webhook-url",
        exact: &[],
        folded: &["discord.com/api/webhooks/", "discordapp.com/api/webhooks/"],
        pattern: r"(?i)discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/([A-Za-z0-9_\-]{60,70})",
        back: 0,
        fwd: 130,
        check: Check::Token(3.5),
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"https://discord.com/api/webhooks/{d18}/«{a68}»"#),
    assigned(
        "discord-bot-token",
        &["discord"],
        concat!(
            r"(?i)discord[A-Za-z0-9_.\-]{0,24}",
            sep!(),
            r"([MNO][A-Za-z0-9_\-]{23,25}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,38})"
        ),
        3.5,
    ).ex(r#"DISCORD_TOKEN=«M{a25}.{a6}.{a38}»"#),
    RuleDef {
        kind: "telegram-bot-token",
        exact: &[":AA"],
        folded: &[],
        pattern: r"[0-9]{8,10}:AA[A-Za-z0-9_\-]{33}",
        back: 10,
        fwd: 40,
        check: Check::Token(3.0),
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"TELEGRAM_BOT_TOKEN=«{d10}:AA{a33}»"#),
    // ---------------------------------------------------------------- payments, commerce
    token(
        "stripe-secret-key",
        &["sk_live_", "sk_test_", "sk_prod_"],
        r"sk_(?:live|test|prod)_[0-9A-Za-z]{10,247}",
        256,
        3.0,
    ).ex(r#"«sk_live_{a99}»"#),
    token(
        "stripe-restricted-key",
        &["rk_live_", "rk_test_", "rk_prod_"],
        r"rk_(?:live|test|prod)_[0-9A-Za-z]{10,247}",
        256,
        3.0,
    ).ex(r#"«rk_live_{a24}»"#),
    token(
        "stripe-webhook-secret",
        &["whsec_"],
        r"whsec_[A-Za-z0-9+/]{32,64}",
        72,
        3.5,
    ).ex(r#"«whsec_{a32}»"#),
    token(
        "shopify-token",
        &["shpat_", "shpca_", "shppa_", "shpss_"],
        r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}",
        40,
        3.0,
    ).ex(r#"«shpat_{h32}»"#),
    token(
        "square-token",
        &["sq0atp-", "sq0csp-", "EAAA"],
        r"sq0atp-[0-9A-Za-z_\-]{22,60}|sq0csp-[0-9A-Za-z_\-]{43,60}|EAAA[A-Za-z0-9_\-+=]{60}",
        70,
        3.0,
    ).ex(r#"«sq0csp-{a43}»"#),
    // ---------------------------------------------------------------- AI providers
    RuleDef {
        kind: "openai-api-key",
        exact: &["T3BlbkFJ"],
        folded: &[],
        pattern: r"sk-(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_\-]{16,200}T3BlbkFJ[A-Za-z0-9_\-]{16,200}",
        back: 220,
        fwd: 220,
        check: Check::Token(3.5),
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"«sk-proj-{a74}T3BlbkFJ{a74}»"#),
    token(
        "anthropic-api-key",
        &["sk-ant-api", "sk-ant-sid"],
        r"sk-ant-(?:api|sid)[0-9]{2}-[A-Za-z0-9_\-]{80,120}AA",
        140,
        3.5,
    ).ex(r#"«sk-ant-api03-{a93}AA»"#),
    token(
        "anthropic-admin-key",
        &["sk-ant-admin"],
        r"sk-ant-admin[0-9]{2}-[A-Za-z0-9_\-]{80,120}AA",
        140,
        3.5,
    ).ex(r#"«sk-ant-admin01-{a93}AA»"#),
    token("huggingface-token", &["hf_"], r"hf_[A-Za-z]{34}", 40, 3.5).ex(r#"«hf_{L34}»"#),
    token(
        "huggingface-org-token",
        &["api_org_"],
        r"api_org_[A-Za-z]{34}",
        44,
        3.5,
    ).ex(r#"«api_org_{L34}»"#),
    token("groq-api-key", &["gsk_"], r"gsk_[A-Za-z0-9]{52}", 60, 3.5).ex(r#"«gsk_{a52}»"#),
    token(
        "perplexity-api-key",
        &["pplx-"],
        r"pplx-[A-Za-z0-9]{48}",
        56,
        3.5,
    ).ex(r#"«pplx-{a48}»"#),
    token(
        "replicate-api-token",
        &["r8_"],
        r"r8_[A-Za-z0-9]{37}",
        44,
        3.5,
    ).ex(r#"«r8_{a37}»"#),
    // ---------------------------------------------------------------- package registries
    token("npm-token", &["npm_"], r"npm_[A-Za-z0-9]{36}", 44, 3.0).checksum(Checksum::Crc32Base62).ex(r#"«npm_{a36}»"#),
    RuleDef {
        kind: "npm-token",
        exact: &[":_authToken=", ":_auth=", ":_password="],
        folded: &[],
        pattern: r#"//[A-Za-z0-9.\-]+(?::[0-9]+)?(?:/[^\s:'"]*)?/:_(?:authToken|auth|password)=[ \t]*([^\s'"${}]{8,512})"#,
        back: 200,
        fwd: 540,
        check: Check::Assigned(2.5),
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"//registry.npmjs.org/:_authToken=«{h8}-{h4}-4{h3}-{h4}-{h12}»"#).id("npm-token-npmrc"),
    token(
        "pypi-token",
        &["pypi-AgEIcHlwaS5vcmc", "pypi-AgENdGVzdC5weXBpLm9yZw"],
        r"pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_\-]{70,300}",
        330,
        3.5,
    ).ex(r#"«pypi-AgEIcHlwaS5vcmc{a120}»"#),
    token(
        "rubygems-api-key",
        &["rubygems_"],
        r"rubygems_[a-f0-9]{48}",
        60,
        3.0,
    ).ex(r#"«rubygems_{h48}»"#),
    token(
        "docker-hub-pat",
        &["dckr_pat_"],
        r"dckr_pat_[A-Za-z0-9_\-]{27}",
        40,
        3.0,
    ).ex(r#"«dckr_pat_{a27}»"#),
    token(
        "artifactory-api-key",
        &["AKCp"],
        r"AKCp[A-Za-z0-9]{69}",
        76,
        3.5,
    ).ex(r#"«AKCp{a69}»"#),
    // Encrypted passwords: `AP` and a hex digit; the body has no fixed length.
    RuleDef {
        kind: "artifactory-password",
        exact: &[
            "AP0", "AP1", "AP2", "AP3", "AP4", "AP5", "AP6", "AP7", "AP8", "AP9", "APA", "APB",
            "APC", "APD", "APE", "APF",
        ],
        folded: &[],
        pattern: r"AP[0-9A-F][A-Za-z0-9]{10,120}",
        back: 0,
        fwd: 124,
        check: Check::KeyLike(3.2),
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"«AP6{u2}{l2}{a50}»"#),
    token(
        "artifactory-reference-token",
        &["cmVmdGtuOjAxOj"],
        r"cmVmdGtuOjAxOj[A-Za-z0-9]{50}",
        70,
        3.5,
    ).ex(r#"«cmVmdGtuOjAxOj{a50}»"#),
    // ---------------------------------------------------------------- email, messaging, SaaS
    token(
        "sendgrid-api-key",
        &["SG."],
        r"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}",
        72,
        3.5,
    ).ex(r#"«SG.{a22}.{a43}»"#),
    token("twilio-api-key", &["SK"], r"SK[0-9a-f]{32}", 36, 3.0).ex(r#"«SK{h32}»"#),
    assigned(
        "twilio-auth-token",
        &["twilio"],
        concat!(
            r"(?i)twilio[A-Za-z0-9_.\-]{0,24}(?:token|secret|auth)[A-Za-z0-9_.\-]{0,8}",
            sep!(),
            r"([a-f0-9]{32})"
        ),
        3.0,
    ).ex(r#"TWILIO_AUTH_TOKEN=«{h32}»"#),
    token("mailgun-api-key", &["key-"], r"key-[a-f0-9]{32}", 40, 3.0).ex(r#"«key-{h32}»"#),
    RuleDef {
        kind: "mailchimp-api-key",
        exact: &["-us"],
        folded: &[],
        pattern: r"[0-9a-f]{32}-us[0-9]{1,2}",
        back: 34,
        fwd: 8,
        check: Check::Token(3.0),
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"«{h32}-us{d2}»"#),
    token(
        "postman-api-key",
        &["PMAK-"],
        r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}",
        70,
        3.0,
    ).ex(r#"«PMAK-{h24}-{h34}»"#),
    token(
        "linear-api-key",
        &["lin_api_"],
        r"lin_api_[A-Za-z0-9]{40}",
        50,
        3.5,
    ).ex(r#"«lin_api_{a40}»"#),
    token(
        "notion-api-token",
        &["ntn_"],
        r"ntn_[0-9]{11}[A-Za-z0-9]{35}",
        52,
        3.5,
    ).ex(r#"«ntn_{d11}{a35}»"#),
    token(
        "newrelic-api-key",
        &["NRAK-", "NRJS-", "NRII-"],
        r"NR(?:AK|JS|II)-[A-Z0-9]{27}|NRJS-[a-f0-9]{19}",
        36,
        3.0,
    ).ex(r#"«NRAK-{x27}»"#),
    token(
        "airtable-pat",
        &["pat"],
        r"pat[A-Za-z0-9]{14}\.[a-f0-9]{64}",
        84,
        3.5,
    ).ex(r#"«pat{a14}.{h64}»"#),
    token(
        "atlassian-api-token",
        &["ATATT3"],
        r"ATATT3[A-Za-z0-9_\-=]{186,190}",
        200,
        3.5,
    ).ex(r#"«ATATT3{a186}»"#),
    token(
        "sentry-token",
        &["sntrys_eyJ", "sntryu_"],
        r"sntrys_eyJ[A-Za-z0-9+/=_\-]{60,400}_[A-Za-z0-9+/]{43}|sntryu_[a-f0-9]{64}",
        480,
        3.5,
    ).ex(r#"«sntryu_{h64}»"#),
    token(
        "grafana-token",
        &["glc_", "glsa_"],
        r"glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}",
        420,
        3.5,
    ).ex(r#"«glsa_{a32}_{h8}»"#),
    token(
        "databricks-token",
        &["dapi"],
        r"dapi[a-f0-9]{32}(?:-[0-9])?",
        40,
        3.0,
    ).ex(r#"«dapi{h32}»"#),
    token(
        "doppler-token",
        &[
            "dp.pt.",
            "dp.st.",
            "dp.sa.",
            "dp.ct.",
            "dp.scim.",
            "dp.audit.",
        ],
        r"dp\.(?:pt|st|sa|ct|scim|audit)\.(?:[A-Za-z0-9_\-]{2,35}\.)?[A-Za-z0-9]{40,44}",
        60,
        3.5,
    ).ex(r#"«dp.pt.{a43}»"#),
    token(
        "pulumi-access-token",
        &["pul-"],
        r"pul-[a-f0-9]{40}",
        48,
        3.0,
    ).ex(r#"«pul-{h40}»"#),
    RuleDef {
        kind: "terraform-cloud-token",
        exact: &[".atlasv1."],
        folded: &[],
        pattern: r"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-=]{60,70}",
        back: 16,
        fwd: 90,
        check: Check::Token(3.5),
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"«{a14}.atlasv1.{a67}»"#),
    token(
        "flyio-token",
        &["fo1_", "FlyV1 "],
        r"fo1_[A-Za-z0-9_\-]{43}|FlyV1 fm[12][ar]?_[A-Za-z0-9+/=,_\-]{100,}",
        1240,
        3.5,
    ).ex(r#"«fo1_{a43}»"#),
    token(
        "onepassword-token",
        &["ops_eyJ"],
        r"ops_eyJ[A-Za-z0-9+/=_\-]{250,}",
        2400,
        4.0,
    ).ex(r#"«ops_eyJ{a300}»"#),
    token(
        "onepassword-secret-key",
        &["A3-"],
        r"A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}",
        48,
        3.0,
    ).ex(r#"«A3-{x6}-{x11}-{x5}-{x5}-{x5}»"#),
    token(
        "age-secret-key",
        &["AGE-SECRET-KEY-1"],
        r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
        80,
        3.0,
    ).ex(r#"«AGE-SECRET-KEY-1{e58}»"#),
    token(
        "infracost-api-token",
        &["ico-"],
        r"ico-[A-Za-z0-9]{32}",
        40,
        3.5,
    ).ex(r#"«ico-{a32}»"#),
    token(
        "scalingo-api-token",
        &["tk-us-"],
        r"tk-us-[A-Za-z0-9_\-]{48}",
        60,
        3.5,
    ).ex(r#"«tk-us-{a48}»"#),
    token(
        "intra42-client-secret",
        &["s-s4t2"],
        r"s-s4t2(?:ud|af)-[a-f0-9]{64}",
        80,
        3.0,
    ).ex(r#"«s-s4t2ud-{h64}»"#),
    token(
        "openshift-token",
        &["sha256~"],
        r"sha256~[A-Za-z0-9_\-]{43}",
        52,
        3.5,
    ).ex(r#"«sha256~{a43}»"#),
    token(
        "sourcegraph-token",
        &["sgp_"],
        r"sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}",
        72,
        3.0,
    ).ex(r#"«sgp_{h40}»"#),
    token(
        "sonar-token",
        &["squ_", "sqp_", "sqa_"],
        r"sq[upa]_[A-Za-z0-9]{40}",
        48,
        3.0,
    ).ex(r#"«squ_{a40}»"#),
    token(
        "octopus-deploy-api-key",
        &["API-"],
        r"API-[A-Z0-9]{26}",
        32,
        3.5,
    ).ex(r#"«API-{x26}»"#),
    token(
        "readme-api-token",
        &["rdme_"],
        r"rdme_[a-z0-9]{70}",
        80,
        3.5,
    ).ex(r#"«rdme_{z70}»"#),
    token(
        "vault-token",
        &["hvs.", "hvb.", "hvr."],
        r"hvs\.[A-Za-z0-9_\-]{90,300}|hvb\.[A-Za-z0-9_\-]{138,400}|hvr\.[A-Za-z0-9_\-]{90,300}",
        410,
        3.5,
    ).ex(r#"«hvs.{a100}»"#),
    // Starts at its keyword: anchored, or `token` in every log line grows a window over it all.
    RuleDef {
        anchored: true,
        ..assigned(
            "vault-token",
            &["vault", "token"],
            concat!(
                r"(?i)(?:vault|token)[A-Za-z0-9_.\-]{0,16}",
                r#"["']?[ \t]*(?:[:?]{0,3}=|=>|:|[ \t])[ \t]*["']?"#,
                r"(s\.[A-Za-z0-9]{24})"
            ),
            3.5,
        )
    }.ex(r#"vault token: «s.{a24}»"#).id("vault-token-legacy"),
    // ---------------------------------------------------------------- more prefixed tokens
    token(
        "google-oauth-access-token",
        &["ya29."],
        r"ya29\.[A-Za-z0-9_\-]{30,}",
        2010,
        3.5,
    ).ex(r#"«ya29.{a150}»"#),
    token(
        "adafruit-io-key",
        &["aio_"],
        r"aio_[A-Za-z0-9]{28}",
        34,
        3.5,
    ).ex(r#"«aio_{a28}»"#),
    token(
        "alibaba-access-key-id",
        &["LTAI"],
        r"LTAI[A-Za-z0-9]{20}",
        26,
        3.5,
    ).ex(r#"«LTAI{a20}»"#),
    token(
        "atlassian-api-token",
        &["ATBB", "ATCTT3"],
        r"ATBB[A-Za-z0-9_=.\-]{28,80}|ATCTT3[A-Za-z0-9_=\-]{180,200}",
        210,
        3.5,
    ).ex(r#"«ATBB{a32}»"#).id("atlassian-api-token-bitbucket"),
    token("buildkite-token", &["bkua_"], r"bkua_[a-f0-9]{40}", 48, 3.0).ex(r#"«bkua_{h40}»"#),
    token(
        "circleci-token",
        &["CCIPAT_", "CCIPRJ_"],
        r"CCIP(?:AT|RJ)_[A-Za-z0-9]{22}_[a-f0-9]{40}",
        72,
        3.5,
    ).ex(r#"«CCIPAT_{a22}_{h40}»"#),
    token(
        "clojars-token",
        &["CLOJARS_"],
        r"CLOJARS_[a-z0-9]{60}",
        70,
        3.0,
    ).ex(r#"«CLOJARS_{z60}»"#),
    token(
        "contentful-token",
        &["CFPAT-"],
        r"CFPAT-[A-Za-z0-9_\-]{43}",
        50,
        3.5,
    ).ex(r#"«CFPAT-{a43}»"#),
    token(
        "cloudflare-origin-ca-key",
        &["v1.0-"],
        r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}",
        180,
        3.0,
    ).ex(r#"«v1.0-{h24}-{h146}»"#),
    token(
        "defined-networking-token",
        &["dnkey-"],
        r"dnkey-[a-z0-9=_\-]{26}-[a-z0-9=_\-]{52}",
        90,
        3.5,
    ).ex(r#"«dnkey-{z26}-{z52}»"#),
    token(
        "duffel-token",
        &["duffel_test_", "duffel_live_"],
        r"duffel_(?:test|live)_[A-Za-z0-9_\-=]{43}",
        60,
        3.5,
    ).ex(r#"«duffel_live_{a43}»"#),
    token(
        "dynatrace-token",
        &["dt0c01."],
        r"dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}",
        100,
        3.5,
    ).ex(r#"«dt0c01.{x24}.{x64}»"#),
    token(
        "easypost-token",
        &["EZAK", "EZTK"],
        r"EZ[AT]K[A-Za-z0-9]{54}",
        60,
        3.5,
    ).ex(r#"«EZAK{a54}»"#),
    token(
        "figma-token",
        &["figd_"],
        r"figd_[A-Za-z0-9_\-]{40}",
        48,
        3.5,
    ).ex(r#"«figd_{a40}»"#),
    token(
        "flutterwave-secret-key",
        &["FLWSECK"],
        r"FLWSECK(?:_TEST)?-[a-hA-H0-9]{32}-X",
        50,
        3.0,
    ).ex(r#"«FLWSECK-{h32}-X»"#),
    token(
        "frameio-token",
        &["fio-u-"],
        r"fio-u-[A-Za-z0-9_\-=]{64}",
        72,
        3.5,
    ).ex(r#"«fio-u-{a64}»"#),
    RuleDef {
        kind: "grafana-token",
        exact: &["eyJrIjoi"],
        folded: &[],
        pattern: r"eyJrIjoi[A-Za-z0-9]{70,400}={0,3}",
        back: 0,
        fwd: 410,
        check: Check::Token(3.5),
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"«eyJrIjoi{a100}»"#).id("grafana-api-key-legacy"),
    token(
        "harness-token",
        &["pat.", "sat."],
        r"(?:pat|sat)\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}",
        80,
        3.5,
    ).ex(r#"«pat.{a22}.{a24}.{a20}»"#),
    token(
        "hubspot-api-key",
        &["pat-na", "pat-eu"],
        r"pat-(?:na|eu)[0-9]-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        56,
        3.0,
    ).ex(r#"«pat-na1-{h8}-{h4}-{h4}-{h4}-{h12}»"#),
    token(
        "langsmith-api-key",
        &["lsv2_pt_", "lsv2_sk_"],
        r"lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}",
        60,
        3.0,
    ).ex(r#"«lsv2_pt_{h32}_{h10}»"#),
    token(
        "mapbox-secret-token",
        &["sk.eyJ"],
        r"sk\.eyJ[A-Za-z0-9_\-]{20,400}\.[A-Za-z0-9_\-]{20,100}",
        510,
        3.5,
    ).ex(r#"«sk.eyJ{a60}.{a22}»"#),
    token(
        "planetscale-token",
        &["pscale_tkn_", "pscale_pw_", "pscale_oauth_"],
        r"pscale_(?:tkn|pw|oauth)_[A-Za-z0-9=\-_.]{32,64}",
        80,
        3.5,
    ).ex(r#"«pscale_tkn_{a43}»"#),
    token(
        "prefect-api-key",
        &["pnu_"],
        r"pnu_[A-Za-z0-9]{36}",
        42,
        3.5,
    ).ex(r#"«pnu_{a36}»"#),
    token(
        "sendinblue-api-key",
        &["xkeysib-"],
        r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}",
        92,
        3.0,
    ).ex(r#"«xkeysib-{h64}-{a16}»"#),
    token(
        "shippo-api-token",
        &["shippo_live_", "shippo_test_"],
        r"shippo_(?:live|test)_[a-f0-9]{40}",
        56,
        3.0,
    ).ex(r#"«shippo_live_{h40}»"#),
    token(
        "supabase-token",
        &["sbp_", "sb_secret_"],
        r"sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_\-]{31,64}",
        76,
        3.0,
    ).ex(r#"«sbp_{h40}»"#),
    token(
        "tailscale-key",
        &["tskey-"],
        r"tskey-(?:auth|api|client|scim|webhook)-[A-Za-z0-9]{6,24}-[A-Za-z0-9]{20,64}",
        110,
        3.5,
    ).ex(r#"«tskey-auth-{a12}-{a33}»"#),
    token(
        "typeform-token",
        &["tfp_"],
        r"tfp_[A-Za-z0-9_\-.=]{59}",
        66,
        3.5,
    ).ex(r#"«tfp_{a59}»"#),
    token(
        "twitter-bearer-token",
        &["AAAAAAAAAAAAAAAAAAAAA"],
        r"A{22}[A-Za-z0-9%]{80,100}",
        130,
        3.0,
    ).ex(r#"«AAAAAAAAAAAAAAAAAAAAAA{a90}»"#),
    token("xai-api-key", &["xai-"], r"xai-[A-Za-z0-9]{80}", 88, 3.5).ex(r#"«xai-{a80}»"#),
    token(
        "yandex-api-key",
        &["AQVN"],
        r"AQVN[A-Za-z0-9_\-]{35,38}",
        44,
        3.5,
    ).ex(r#"«AQVN{a36}»"#),
    RuleDef {
        kind: "msteams-webhook-url",
        exact: &[],
        folded: &["webhook.office.com/webhookb2/"],
        pattern: r"(?i)webhook\.office\.com/webhookb2/([a-z0-9\-]{36}@[a-z0-9\-]{36}/IncomingWebhook/[a-z0-9]{32}/[a-z0-9\-]{36}(?:/[A-Za-z0-9_\-]{20,80})?)",
        back: 0,
        fwd: 260,
        check: Check::Token(3.0),
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"https://corp.webhook.office.com/webhookb2/«{h8}-{h4}-{h4}-{h4}-{h12}@{h8}-{h4}-{h4}-{h4}-{h12}/IncomingWebhook/{h32}/{h8}-{h4}-{h4}-{h4}-{h12}»"#),
    // Context-named tokens whose value has no prefix of its own.
    assigned(
        "datadog-api-key",
        &[
            "datadog", "dd_api", "dd_app", "dd-api", "dd-app", "ddapi", "ddapp",
        ],
        concat!(
            r"(?i)(?:datadog|dd)[_.\-]?(?:api|app(?:lication)?)?[_.\-]?key",
            sep!(),
            r"([a-f0-9]{40}|[a-f0-9]{32})"
        ),
        3.0,
    ).ex(r#"DD_API_KEY=«{h32}»"#),
    assigned(
        "snyk-token",
        &["snyk"],
        concat!(
            r"(?i)snyk[A-Za-z0-9_.\-]{0,24}",
            r#"["']?[ \t]*(?:[:?]{0,3}=|=>|:)[ \t]*["']?"#,
            r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
        ),
        2.5,
    ).ex(r#"SNYK_TOKEN=«{h8}-{h4}-{h4}-{h4}-{h12}»"#),
    assigned(
        "hubspot-api-key",
        &["hubspot"],
        concat!(
            r"(?i)hubspot[A-Za-z0-9_.\-]{0,24}",
            sep!(),
            r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|pat-[a-z0-9]{2,4}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
        ),
        2.5,
    ).ex(r#"HUBSPOT_API_KEY=«{h8}-{h4}-{h4}-{h4}-{h12}»"#).id("hubspot-api-key-named"),
    assigned(
        "sourcegraph-token",
        &["sourcegraph"],
        concat!(
            r"(?i)sourcegraph[A-Za-z0-9_.\-]{0,24}",
            sep!(),
            r"([0-9a-fA-F]{40})"
        ),
        3.0,
    ).ex(r#"SOURCEGRAPH_TOKEN=«{h40}»"#).id("sourcegraph-token-named"),
    assigned(
        "sonar-token",
        &["sonar"],
        concat!(
            r"(?i)sonar[A-Za-z0-9_.\-]{0,16}(?:login|token)",
            r#"["']?[ \t]*(?:[:?]{0,3}=|=>|:)[ \t]*["']?"#,
            r"([A-Za-z0-9]{40})"
        ),
        3.0,
    ).ex(r#"sonar.login=«{a40}»"#).id("sonar-token-named"),
    assigned(
        "sumologic-key",
        &["sumo"],
        concat!(
            r"(?i)sumo(?:logic)?[A-Za-z0-9_.\-]{0,12}access[_.\-]?(?:id|key)",
            sep!(),
            r"((?:su[A-Za-z0-9]{12})|[A-Za-z0-9]{64})"
        ),
        3.0,
    ).ex(r#"SUMO_ACCESS_KEY=«{a64}»"#),
    assigned(
        "okta-api-token",
        &["okta"],
        concat!(
            r"(?i)okta[A-Za-z0-9_.\-]{0,24}",
            sep!(),
            r"(00[A-Za-z0-9_\-]{40})"
        ),
        3.5,
    ).ex(r#"OKTA_API_TOKEN=«00{a40}»"#),
    assigned(
        "facebook-secret",
        &["facebook"],
        concat!(
            r"(?i)facebook[A-Za-z0-9_.\- ]{0,24}(?:secret|token|key)[A-Za-z0-9_]{0,8}",
            sep!(),
            r"([a-f0-9]{32}|[0-9]{15,16}\|[A-Za-z0-9_\-]{27}|EAA[A-Za-z0-9]{60,})"
        ),
        3.0,
    ).ex(r#"facebook_app_secret = "«{h32}»""#),
    RuleDef {
        kind: "facebook-secret",
        exact: &[],
        folded: &["facebook "],
        pattern: r"(?i)facebook ([0-9]{15,16}\|[A-Za-z0-9_\-]{27})",
        back: 0,
        fwd: 60,
        check: Check::Assigned(3.0),
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"facebook «{d15}|{a27}»"#).id("facebook-secret-pair"),
    token(
        "facebook-access-token",
        &["EAAC", "EAAM", "EAAG", "EAAB"],
        r"EAA[CMGB][A-Za-z0-9]{100,400}",
        410,
        3.5,
    ).ex(r#"«EAAB{a150}»"#),
    assigned(
        "mailchimp-api-key",
        &["mailchimp"],
        concat!(
            r"(?i)mailchimp[A-Za-z0-9_.\-]{0,24}",
            sep!(),
            r"([0-9a-f]{32}-us[0-9]{1,2})"
        ),
        3.0,
    ).ex(r#"MAILCHIMP_API_KEY=«{h32}-us{d1}»"#).id("mailchimp-api-key-named"),
    assigned(
        "sidekiq-secret",
        &["contribsys__com"],
        r#"(?i)BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM[ \t]*[:=][ \t]*["']?([a-f0-9]{8}:[a-f0-9]{8})"#,
        2.0,
    ).ex(r#"BUNDLE_ENTERPRISE__CONTRIBSYS__COM=«{h8}:{h8}»"#),
    RuleDef {
        kind: "nuget-password",
        exact: &[],
        folded: &["password\""],
        pattern: r#"(?i)<add\s+key="(?:ClearText)?Password"\s+value="([^"]{8,})""#,
        back: 40,
        fwd: 200,
        check: Check::Password,
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"<add key="ClearTextPassword" value="«{p16}»" />"#),
    // ---------------------------------------------------------------- password hashes
    // A hash is not the password, but it is what a cracker needs: crypt(3) and friends.
    token(
        "password-hash",
        &["$2a$", "$2b$", "$2y$", "$2x$"],
        r"\$2[abxy]\$[0-9]{2}\$[./A-Za-z0-9]{53}",
        64,
        3.0,
    )
    .id("bcrypt-hash")
    .ex(r#"admin:«$2b$12${c53}»"#),
    token(
        "password-hash",
        &["$1$", "$apr1$"],
        r"\$(?:1|apr1)\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}",
        40,
        3.0,
    )
    .id("md5crypt-hash")
    .ex(r#"root:«$1${c8}${c22}»:19000:0:99999:7:::"#),
    token(
        "password-hash",
        &["$5$", "$6$"],
        r"\$[56]\$(?:rounds=[0-9]{1,9}\$)?[./A-Za-z0-9]{1,16}\$(?:[./A-Za-z0-9]{86}|[./A-Za-z0-9]{43})",
        130,
        3.0,
    )
    .id("sha-crypt-hash")
    .ex(r#"root:«$5$rounds=80000${c16}${c43}»:19000:0:99999:7:::"#),
    token(
        "password-hash",
        &["$8$", "$9$"],
        r"\$[89]\$[./A-Za-z0-9]{14}\$[./A-Za-z0-9]{43}",
        64,
        3.0,
    )
    .id("cisco-type8-type9-hash")
    .ex(r#"username admin privilege 15 secret 9 «$9${c14}${c43}»"#),
    token(
        "password-hash",
        &["$y$"],
        r"\$y\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{8,86}\$[./A-Za-z0-9]{43}",
        150,
        3.0,
    )
    .id("yescrypt-hash")
    .ex(r#"dev:«$y$j9T${c22}${c43}»:19500:0:99999:7:::"#),
    token(
        "password-hash",
        &["$argon2"],
        r"\$argon2(?:id|i|d)\$v=[0-9]+\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]{11,64}\$[A-Za-z0-9+/]{16,128}",
        250,
        3.0,
    )
    .id("argon2-hash")
    .ex(r#"«$argon2id$v=19$m=65536,t=3,p=4${b22}${b43}»"#),
    token(
        "password-hash",
        &["pbkdf2_sha", "$pbkdf2-sha"],
        r"pbkdf2_sha(?:1|256)\$[0-9]{4,7}\$[A-Za-z0-9]{4,64}\$[A-Za-z0-9+/]{27,64}={0,2}|\$pbkdf2-sha(?:1|256|512)\$[0-9]{3,7}\$[./A-Za-z0-9]{4,64}\$[./A-Za-z0-9]{27,86}",
        200,
        3.0,
    )
    .id("pbkdf2-hash")
    .ex(r#"«pbkdf2_sha256$600000${a22}${b43}=»"#),
    token(
        "password-hash",
        &["$krb5asrep$"],
        r"\$krb5asrep\$(?:[0-9]{2}\$)?[^\s:$]{1,256}:[0-9a-f]{32}\$[0-9a-f]{64,8192}",
        8500,
        3.0,
    )
    .id("kerberos-asrep-hash")
    .ex(r#"«$krb5asrep$23$svc@CORP.LOCAL:{h32}${h200}»"#),
    token(
        "password-hash",
        &["$krb5tgs$"],
        r"\$krb5tgs\$[0-9]{2}\$[^\s]{1,512}?\$[0-9a-f]{24,32}\$[0-9a-f]{64,8192}",
        8800,
        3.0,
    )
    .id("kerberos-tgs-hash")
    .ex(r#"«$krb5tgs$23$*svc_sql$CORP.LOCAL$MSSQLSvc/db.corp.local:1433*${h32}${h300}»"#),
    token(
        "password-hash",
        &["{SSHA}", "{SSHA256}", "{SSHA512}", "{SHA}", "{SMD5}", "{SHA256}", "{SHA512}"],
        r"\{S?(?:SHA(?:256|384|512)?|MD5)\}[A-Za-z0-9+/]{20,200}={0,2}",
        220,
        3.0,
    )
    .id("ldap-password-hash")
    .ex(r#"userPassword: «{SSHA}{b32}»"#),
    // ---------------------------------------------------------------- encoded key material
    // A PEM private key, base64-encoded once more (Kubernetes `client-key-data`, JSON configs).
    RuleDef {
        kind: "private-key",
        exact: &["LS0tLS1CRUdJTi"],
        pattern: r"LS0tLS1CRUdJTi[A-Za-z0-9+/]{40,16000}={0,2}",
        fwd: 16100,
        check: Check::Base64Pem,
        anchored: true,
        ..BASE
    }
    .id("base64-private-key")
    .ex(r#""privateKey": "«LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t{b300}»","#),
    // Docker's config.json: `"auth"` is base64 of `user:password`.
    RuleDef {
        kind: "docker-registry-auth",
        exact: &["\"auth\""],
        pattern: r#""auth"[ \t]*:[ \t]*"([A-Za-z0-9+/]{6,400}={0,2})""#,
        fwd: 420,
        check: Check::Base64Credentials,
        anchored: true,
        ..BASE
    }
    .ex(r#"{"auths": {"registry.corp.io": {"auth": "«ZGVwbG95ZXI6{b24}»"}}}"#),
    // ---------------------------------------------------------------- Microsoft
    // Azure DevOps PATs of the current format: 84 characters with `AZDO` at 76.
    RuleDef {
        kind: "azure-devops-pat",
        exact: &["AZDO"],
        pattern: r"[A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4}",
        back: 76,
        fwd: 8,
        check: Check::Token(3.5),
        ..BASE
    }
    .ex(r#"AZURE_DEVOPS_EXT_PAT=«{a76}AZDO{a4}»"#),
    assigned(
        "azure-devops-pat",
        &["devops", "vsts", "azdo", "ado_pat"],
        concat!(
            r"(?i)(?:azure[_.\-]?devops|devops|vsts|azdo|ado)[A-Za-z0-9_.\-]{0,24}",
            sep!(),
            r"((?-i:[a-z2-7]{52}))"
        ),
        3.5,
    )
    .id("azure-devops-pat-legacy")
    .ex(r#"AZURE_DEVOPS_PAT=«{s52}»"#),
    RuleDef {
        kind: "azure-logic-app-webhook",
        folded: &["logic.azure.com"],
        pattern: r#"(?i)logic\.azure\.com(?::443)?/workflows/[0-9a-f]{32}/triggers/[^\s'"?]+\?[^\s'"]*?sig=([A-Za-z0-9_\-]{43})"#,
        back: 0,
        fwd: 400,
        check: Check::Token(3.5),
        anchored: true,
        ..BASE
    }
    .ex(r#"https://prod-12.westus.logic.azure.com:443/workflows/{h32}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=«{a43}»"#),
    RuleDef {
        kind: "msteams-webhook-url",
        folded: &["outlook.office.com/webhook/", "outlook.office365.com/webhook/"],
        pattern: r"(?i)outlook\.office(?:365)?\.com/webhook/([0-9a-f\-]{36}@[0-9a-f\-]{36}/IncomingWebhook/[0-9a-f]{32}/[0-9a-f\-]{36})",
        fwd: 200,
        check: Check::Token(3.0),
        anchored: true,
        ..BASE
    }
    .id("outlook-webhook-url")
    .ex(r#"https://outlook.office.com/webhook/«{h8}-{h4}-{h4}-{h4}-{h12}@{h8}-{h4}-{h4}-{h4}-{h12}/IncomingWebhook/{h32}/{h8}-{h4}-{h4}-{h4}-{h12}»"#),
    RuleDef {
        kind: "azure-function-key",
        folded: &["x-functions-key"],
        pattern: r#"(?i)x-functions-key["']?[ \t]*[:=][ \t]*["']?([A-Za-z0-9_\-]{40,64}={0,2})"#,
        fwd: 120,
        check: Check::Assigned(3.5),
        anchored: true,
        ..BASE
    }
    .ex(r#"curl -H "x-functions-key: «{a54}==»" https://fn.azurewebsites.net/api/run"#),
    RuleDef {
        kind: "azure-app-config-secret",
        folded: &["azconfig.io;"],
        pattern: r"(?i)azconfig\.io;Id=[^;\s]{1,64};Secret=([A-Za-z0-9+/]{40,64}={0,2})",
        fwd: 200,
        check: Check::Assigned(3.5),
        anchored: true,
        ..BASE
    }
    .ex(r#"Endpoint=https://cfg.azconfig.io;Id=AbCd-l0-s0:{a20};Secret=«{a44}=»"#),
    // ---------------------------------------------------------------- New Relic
    token("newrelic-api-key", &["NRAA-"], r"NRAA-[A-Za-z0-9]{27,42}", 50, 3.0)
        .id("newrelic-admin-key")
        .ex(r#"«NRAA-{x27}»"#),
    RuleDef {
        kind: "newrelic-license-key",
        exact: &["NRAL"],
        pattern: r"[a-f0-9]{36}NRAL",
        back: 36,
        fwd: 4,
        check: Check::Token(3.0),
        ..BASE
    }
    .ex(r#"license_key: «{h36}NRAL»"#),
    assigned(
        "newrelic-license-key",
        &["newrelic", "new_relic", "new-relic"],
        concat!(
            r"(?i)new[_.\-]?relic[A-Za-z0-9_.\-]{0,20}(?:license|ingest|insert|api)[A-Za-z0-9_.\-]{0,12}",
            sep!(),
            r"((?-i:[a-f0-9]{40}))"
        ),
        3.0,
    )
    .id("newrelic-license-key-named")
    .ex(r#"NEW_RELIC_LICENSE_KEY=«{h40}»"#),
    // ---------------------------------------------------------------- more SaaS tokens
    token(
        "salesforce-access-token",
        &["00D"],
        r"00D[A-Za-z0-9]{12,15}![A-Za-z0-9_.]{80,120}",
        140,
        3.5,
    )
    .ex(r#"Authorization: OAuth «00D{a15}!{a96}»"#),
    token("segment-api-token", &["sgp_"], r"sgp_[A-Za-z0-9]{64}", 70, 3.5)
        .ex(r#"«sgp_{a64}»"#),
    token("tavily-api-key", &["tvly-"], r"tvly-(?:dev-|prod-)?[A-Za-z0-9]{32}", 45, 3.5)
        .ex(r#"TAVILY_API_KEY=«tvly-dev-{a32}»"#),
    token(
        "doppler-token",
        &["dp.st."],
        r"dp\.st\.[A-Za-z0-9_\-]{2,35}\.[A-Za-z0-9]{40,44}",
        90,
        3.5,
    )
    .id("doppler-service-token")
    .ex(r#"DOPPLER_TOKEN=«dp.st.prd.{a40}»"#),
    RuleDef {
        kind: "vault-unseal-key",
        folded: &["unseal key", "recovery key"],
        pattern: r"(?i)(?:unseal|recovery) key(?: [0-9]{1,2})?:[ \t]*([A-Za-z0-9+/]{43,44}={0,2}|[a-f0-9]{64})",
        fwd: 140,
        check: Check::Assigned(3.5),
        anchored: true,
        ..BASE
    }
    .ex(r#"Unseal Key 1: «{a43}=»"#),
    token("vault-token", &["b.AAAAAQ"], r"b\.AAAAAQ[A-Za-z0-9_\-]{80,400}", 420, 3.5)
        .id("vault-batch-token-legacy")
        .ex(r#"«b.AAAAAQ{a150}»"#),
    assigned(
        "telegram-bot-token",
        &["telegram"],
        concat!(
            r"(?i)telegram[A-Za-z0-9_.\-]{0,24}",
            sep!(),
            r"((?-i:[0-9]{8,10}:[A-Za-z0-9_\-]{35}))"
        ),
        3.5,
    )
    .id("telegram-bot-token-named")
    .ex(r#"TELEGRAM_TOKEN=«{d10}:{a35}»"#),
    RuleDef {
        kind: "telegram-bot-token",
        folded: &["telegram.org/bot"],
        pattern: r"(?i)telegram\.org/bot((?-i:[0-9]{8,10}:[A-Za-z0-9_\-]{35}))",
        fwd: 70,
        check: Check::Token(3.5),
        anchored: true,
        ..BASE
    }
    .id("telegram-bot-token-url")
    .ex(r#"https://api.telegram.org/bot«{d10}:{a35}»/sendMessage"#),
    token("twitch-stream-key", &["live_"], r"live_[0-9]{6,12}_[A-Za-z0-9]{30}", 50, 3.5)
        .ex(r#"stream_key = «live_{d9}_{a30}»"#),
    token("twitch-oauth-token", &["oauth:"], r"oauth:[a-z0-9]{30}", 40, 3.5)
        .ex(r#"PASS «oauth:{z30}»"#),
    RuleDef {
        kind: "okta-api-token",
        exact: &["SSWS "],
        pattern: r"SSWS (00[A-Za-z0-9_\-]{40})",
        fwd: 50,
        check: Check::Token(3.5),
        anchored: true,
        ..BASE
    }
    .id("okta-ssws-token")
    .ex(r#"Authorization: SSWS «00{a40}»"#),
    token("crates-io-token", &["cio"], r"cio[A-Za-z0-9]{32}", 36, 3.5)
        .ex(r#"CARGO_REGISTRY_TOKEN=«cio{a32}»"#),
    RuleDef {
        kind: "pypi-token",
        exact: &["__token__"],
        pattern: r#"__token__["']?[ \t]*(?:\r?\n[ \t]*password[ \t]*[=:][ \t]*|[,;:][ \t]*|[ \t]+-p[ \t]+)["']?([^\s"']{8,})"#,
        fwd: 400,
        check: Check::Password,
        edges: false,
        anchored: true,
        ..BASE
    }
    .id("pypirc-password")
    .ex("[pypi]\nusername = __token__\npassword = «{a40}»\n"),
    RuleDef {
        kind: "pypi-token",
        folded: &["twine_password"],
        pattern: r#"(?i)twine_password["']?[ \t]*[:=][ \t]*["']?([^\s"'$]{8,})"#,
        fwd: 300,
        check: Check::Password,
        edges: false,
        anchored: true,
        ..BASE
    }
    .id("twine-password")
    .ex(r#"TWINE_PASSWORD=«{p20}»"#),
    // ---------------------------------------------------------------- Jenkins
    assigned(
        "jenkins-token",
        &["jenkins_", "jenkins-api", "jenkins-token", "jenkins-pass", "jenkins.api", "jenkins.token", "jenkinsapi", "jenkinstoken", "jenkinspass"],
        concat!(
            r"(?i)jenkins[A-Za-z0-9_.\-]{0,24}(?:token|api[_.\-]?key|password|pass)",
            sep!(),
            r"((?-i:11[0-9a-f]{32}|[0-9a-f]{32,34}))"
        ),
        3.0,
    )
    .ex(r#"JENKINS_API_TOKEN=«11{h32}»"#),
    RuleDef {
        kind: "jenkins-token",
        folded: &["jenkins-crumb"],
        pattern: r#"(?i)jenkins-crumb["']?[ \t]*[:=][ \t]*["']?([0-9a-f]{32,64})"#,
        fwd: 100,
        check: Check::Assigned(3.0),
        anchored: true,
        ..BASE
    }
    .id("jenkins-crumb")
    .ex(r#"curl -H "Jenkins-Crumb: «{h64}»" https://ci.corp.internal/job/x/build"#),
    RuleDef {
        kind: "jenkins-setup-password",
        folded: &["proceed to installation"],
        pattern: r"(?i)proceed to installation:?\s+(?:\*+\s+)?([0-9a-f]{32})",
        fwd: 200,
        check: Check::Assigned(3.0),
        anchored: true,
        ..BASE
    }
    .ex("Please use the following password to proceed to installation:\n\n«{h32}»\n\nThis may also be found at: /var/jenkins_home/secrets/initialAdminPassword"),
    RuleDef {
        kind: "jenkins-setup-password",
        folded: &["initialadminpassword"],
        pattern: r"(?i)initialAdminPassword[^\n]{0,80}\r?\n\s*([0-9a-f]{32})",
        fwd: 200,
        check: Check::Assigned(3.0),
        anchored: true,
        ..BASE
    }
    .id("jenkins-initial-admin-password")
    .ex("$ cat /var/jenkins_home/secrets/initialAdminPassword\n«{h32}»\n"),
    assigned(
        "truenas-api-key",
        &["truenas", "freenas"],
        concat!(
            r"(?i)(?:true|free)nas[A-Za-z0-9_.\-]{0,24}",
            sep!(),
            r"((?-i:[0-9]{1,4}-[A-Za-z0-9]{64}))"
        ),
        3.5,
    )
    .ex(r#"TRUENAS_API_KEY=«{d1}-{a64}»"#),
    token(
        "anthropic-oauth-token",
        &["sk-ant-oat", "sk-ant-ort"],
        r"sk-ant-o[ar]t[0-9]{2}-[A-Za-z0-9_\-]{40,300}",
        320,
        3.5,
    )
    .ex(r#"CLAUDE_CODE_OAUTH_TOKEN=«sk-ant-oat01-{a95}AA»"#),
    // ---------------------------------------------------------------- AI and developer platforms
    token("openrouter-api-key", &["sk-or-v1-"], r"sk-or-v1-[a-f0-9]{64}", 75, 3.0)
        .ex(r#"«sk-or-v1-{h64}»"#),
    token("pinecone-api-key", &["pcsk_"], r"pcsk_[A-Za-z0-9]{4,8}_[A-Za-z0-9]{50,80}", 95, 3.5)
        .ex(r#"«pcsk_{a5}_{a63}»"#),
    token("nvidia-api-key", &["nvapi-"], r"nvapi-[A-Za-z0-9_\-]{64}", 72, 3.5)
        .ex(r#"«nvapi-{a64}»"#),
    token(
        "langfuse-secret-key",
        &["sk-lf-"],
        r"sk-lf-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}",
        45,
        3.0,
    )
    .ex(r#"LANGFUSE_SECRET_KEY=«sk-lf-{h8}-{h4}-{h4}-{h4}-{h12}»"#),
    token("cerebras-api-key", &["csk-"], r"csk-[a-z0-9]{48}", 55, 3.5).ex(r#"«csk-{z48}»"#),
    token("anyscale-api-key", &["esecret_"], r"esecret_[A-Za-z0-9]{26}", 36, 3.5)
        .ex(r#"«esecret_{a26}»"#),
    token("together-api-key", &["tgp_v1_"], r"tgp_v1_[A-Za-z0-9_\-]{43}", 52, 3.5)
        .ex(r#"«tgp_v1_{a43}»"#),
    token("posthog-personal-api-key", &["phx_"], r"phx_[A-Za-z0-9]{43}", 50, 3.5)
        .ex(r#"«phx_{a43}»"#),
    token("netlify-token", &["nfp_"], r"nfp_[A-Za-z0-9]{36}", 42, 3.5).ex(r#"«nfp_{a36}»"#),
    token("render-api-key", &["rnd_"], r"rnd_[A-Za-z0-9]{32}", 38, 3.5).ex(r#"«rnd_{a32}»"#),
    token(
        "plaid-access-token",
        &["access-sandbox-", "access-development-", "access-production-"],
        r"access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        60,
        3.0,
    )
    .ex(r#"«access-production-{h8}-{h4}-{h4}-{h4}-{h12}»"#),
    token(
        "braintree-access-token",
        &["access_token$production$", "access_token$sandbox$"],
        r"access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32}",
        80,
        3.0,
    )
    .ex(r#"«access_token$production${z16}${h32}»"#),
    RuleDef {
        kind: "firebase-cloud-messaging-key",
        exact: &[":APA91b"],
        pattern: r"AAAA[A-Za-z0-9_\-]{7}:APA91b[A-Za-z0-9_\-]{134}",
        back: 12,
        fwd: 150,
        check: Check::Token(3.5),
        ..BASE
    }
    .ex(r#"Authorization: key=«AAAA{a7}:APA91b{a134}»"#),
    token("clickup-api-key", &["pk_"], r"pk_[0-9]{6,9}_[A-Z0-9]{32}", 48, 3.5)
        .ex(r#"«pk_{d8}_{x32}»"#),
    token("zoho-oauth-token", &["1000."], r"1000\.[a-f0-9]{32}\.[a-f0-9]{32}", 72, 3.0)
        .ex(r#"«1000.{h32}.{h32}»"#),
    token("sendinblue-api-key", &["xsmtpsib-"], r"xsmtpsib-[a-f0-9]{64}-[A-Za-z0-9]{16}", 92, 3.0)
        .id("brevo-smtp-key")
        .ex(r#"«xsmtpsib-{h64}-{a16}»"#),
    token("notion-api-token", &["secret_"], r"secret_[A-Za-z0-9]{43}", 52, 3.5)
        .id("notion-api-token-legacy")
        .ex(r#"NOTION_KEY=«secret_{a43}»"#),
    token("dropbox-token", &["sl."], r"sl\.(?:u\.)?[A-Za-z0-9_\-]{130,1400}", 1410, 4.0)
        .ex(r#"«sl.{a140}»"#),
    token("launchdarkly-sdk-key", &["sdk-"], r"sdk-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}", 45, 3.0)
        .ex(r#"LD_SDK_KEY=«sdk-{h8}-{h4}-{h4}-{h4}-{h12}»"#),
    token("scaleway-access-key", &["SCW"], r"SCW[A-Z0-9]{17}", 22, 3.0)
        .ex(r#"SCW_ACCESS_KEY=«SCW{x17}»"#),
    // ---------------------------------------------------------------- more key files
    RuleDef {
        kind: "putty-private-key",
        exact: &["PuTTY-User-Key-File-"],
        pattern: r"PuTTY-User-Key-File-[23]:[^\n]*\r?\n(?:[^\n]*\r?\n){0,40}?Private-Lines:[ \t]*[0-9]+\r?\n((?:[A-Za-z0-9+/=]{4,}\r?\n){1,64}?)Private-MAC",
        fwd: 8000,
        check: Check::Token(3.5),
        edges: false,
        anchored: true,
        ..BASE
    }
    .ex("PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\n{b64}\n{b4}\nPrivate-Lines: 1\n«{b43}=»\nPrivate-MAC: {h64}\n"),
    RuleDef {
        kind: "openvpn-static-key",
        exact: &["OpenVPN Static key V1"],
        pattern: r"-----BEGIN OpenVPN Static key V1-----((?:\r?\n[0-9a-f]{32}){4,16})",
        back: 11,
        fwd: 700,
        check: Check::Assigned(3.0),
        edges: false,
        ..BASE
    }
    .ex("-----BEGIN OpenVPN Static key V1-----«\n{h32}\n{h32}\n{h32}\n{h32}\n{h32}\n{h32}\n{h32}\n{h32}»\n-----END OpenVPN Static key V1-----\n"),
    RuleDef {
        kind: "wireguard-private-key",
        folded: &["privatekey"],
        pattern: r"(?i)PrivateKey[ \t]*=[ \t]*((?-i:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=))",
        fwd: 70,
        check: Check::Assigned(3.5),
        anchored: true,
        ..BASE
    }
    .ex("[Interface]\nAddress = 10.8.0.2/24\nPrivateKey = «{a42}A=»\n"),
    // ---------------------------------------------------------------- passwords in commands and code
    // Connection strings: `Server=...;User ID=...;Password=...;` (ADO.NET, ODBC `Pwd=`).
    RuleDef {
        kind: "connection-string-password",
        folded: &["password=", "pwd=", "password =", "pwd ="],
        pattern: r#"(?i)(?:server|data source|host|hostname|address|addr|uid|user id|userid|user|username|database|initial catalog|dsn|driver|provider|port)[ \t]*=[^;\n]{1,200};(?:[^;\n]{0,200};){0,12}?[ \t]*(?:password|pwd)[ \t]*=[ \t]*([^;"'\s]{1,128})"#,
        back: 400,
        fwd: 200,
        check: Check::Password,
        edges: false,
        ..BASE
    }
    .ex(r#"<add name="db" connectionString="Server=tcp:db.corp.internal,1433;Initial Catalog=app;User ID=app;Password=«{p16}»;Encrypt=True;" />"#),
    // libpq keyword form: `host=... user=... password=...`.
    RuleDef {
        kind: "connection-string-password",
        folded: &["password="],
        pattern: r#"(?i)\b(?:host|hostaddr|dbname|user|port)=[^\s'"]+(?:[ \t]+[a-z_]+=[^\s'"]+){0,12}?[ \t]+password=([^\s'"]{1,128})"#,
        back: 400,
        fwd: 200,
        check: Check::Password,
        edges: false,
        ..BASE
    }
    .id("libpq-password")
    .ex(r#"psql "host=db.internal port=5432 dbname=app user=app password=«{p16}» sslmode=require""#),
    RuleDef {
        kind: "url-password-param",
        folded: &["password=", "passwd=", "pwd="],
        pattern: r##"(?i)[?&](?:password|passwd|pwd)=([^&\s'"#<>]{3,128})"##,
        back: 2,
        fwd: 140,
        check: Check::Password,
        edges: false,
        ..BASE
    }
    .ex(r#"jdbc:mysql://db.internal:3306/app?user=app&password=«{p16}»&useSSL=true"#),
    // `<password>...</password>` (Maven settings, Tomcat users, app configs).
    RuleDef {
        kind: "xml-secret",
        folded: &["password>", "passwd>", "pwd>", "secret>", "token>", "apikey>", "api_key>", "secretkey>"],
        pattern: r"(?i)<(?:[a-z0-9_.\-]*:)?[a-z0-9_.\-]*(?:password|passwd|pwd|secret|token|apikey|api_key|secretkey)>[ \t]*([^<\s][^<\n]{0,200}?)[ \t]*</",
        back: 60,
        fwd: 300,
        check: Check::NamedPassword,
        edges: false,
        ..BASE
    }
    .ex("<server>\n  <id>corp</id>\n  <username>deploy</username>\n  <password>«{p16}»</password>\n</server>"),
    // `<add key="SmtpPassword" value="..."/>`, `<property name="db.password" value="..."/>`.
    RuleDef {
        kind: "xml-secret",
        folded: &[
            "password\" value=",
            "passwd\" value=",
            "pwd\" value=",
            "secret\" value=",
            "apikey\" value=",
            "api_key\" value=",
        ],
        pattern: r#"(?i)(?:key|name)[ \t]*=[ \t]*"[A-Za-z0-9_.:\-]*(?:password|passwd|pwd|secret|token|apikey|api_key)"[ \t]+value[ \t]*=[ \t]*"([^"]{3,200})""#,
        back: 100,
        fwd: 300,
        check: Check::NamedPassword,
        edges: false,
        ..BASE
    }
    .id("xml-secret-attribute")
    .ex(r#"<add key="SmtpPassword" value="«{p16}»" />"#),
    // PowerShell parameters: `Connect-VIServer ... -Password '...'`, `-Token x`.
    RuleDef {
        kind: "powershell-password",
        folded: &["-password", "-pwd ", "-secret ", "-apikey ", "-clientsecret "],
        pattern: r#"(?i)(?:^|[\s(])-(?:Password|Pwd|Secret|ApiKey|ClientSecret)[ \t]+(?:\(?ConvertTo-SecureString[ \t]+(?:-String[ \t]+)?)?(?:"([^"$\s][^"$]{2,127})"|'([^'\s][^']{2,127})'|([^\s"'$(\-][^\s"'`]{2,127}))"#,
        back: 2,
        fwd: 300,
        check: Check::NamedPassword,
        edges: false,
        ..BASE
    }
    .ex(r#"Connect-VIServer -Server vc.corp.internal -User administrator@vsphere.local -Password '«{p16}»'"#),
    RuleDef {
        kind: "powershell-password",
        folded: &["convertto-securestring"],
        pattern: r#"(?i)ConvertTo-SecureString[ \t]+(?:-String[ \t]+)?["']([^"'$]{3,128})["'][ \t]+-AsPlainText"#,
        fwd: 220,
        check: Check::NamedPassword,
        edges: false,
        anchored: true,
        ..BASE
    }
    .id("powershell-securestring")
    .ex(r#"$pw = ConvertTo-SecureString "«{p16}»" -AsPlainText -Force"#),
    RuleDef {
        kind: "cli-password",
        folded: &["psexec"],
        pattern: r#"(?i)psexec(?:64)?(?:\.exe)?[^\n]{0,200}?[ \t]-p[ \t]+(?:"([^"]{3,128})"|([^\s"]{3,128}))"#,
        fwd: 330,
        check: Check::NamedPassword,
        edges: false,
        anchored: true,
        ..BASE
    }
    .id("psexec-password")
    .ex(r#"psexec \\fs01 -u CORP\admin -p «{p16}» cmd.exe"#),
    RuleDef {
        kind: "cli-password",
        folded: &["docker login"],
        pattern: r#"(?i)docker login[^\n]{0,200}?[ \t](?:-p|--password)(?:[ \t]+|=)["']?([^\s"'$]{3,128})"#,
        fwd: 330,
        check: Check::NamedPassword,
        edges: false,
        anchored: true,
        ..BASE
    }
    .id("docker-login-password")
    .ex(r#"docker login -u deploy -p «{p16}» registry.corp.internal"#),
    RuleDef {
        kind: "cli-password",
        folded: &["mysql", "mysqldump", "mysqladmin"],
        pattern: r#"(?i)mysql(?:dump|admin)?[ \t][^\n|;&]{0,200}?(?:[ \t]-p([^\s"'$\-][^\s"']{2,127})|[ \t]--password=["']?([^\s"'$]{3,128}))"#,
        fwd: 330,
        check: Check::NamedPassword,
        edges: false,
        anchored: true,
        ..BASE
    }
    .id("mysql-cli-password")
    .ex(r#"mysql -h db.internal -u root -p«{p16}» app"#),
    RuleDef {
        kind: "cli-password",
        folded: &["sshpass"],
        pattern: r#"(?i)sshpass[ \t]+-p[ \t]*["']?([^\s"'$]{3,128})"#,
        fwd: 160,
        check: Check::NamedPassword,
        edges: false,
        anchored: true,
        ..BASE
    }
    .id("sshpass-password")
    .ex(r#"sshpass -p '«{p16}»' ssh deploy@10.0.0.5"#),
    RuleDef {
        kind: "cli-password",
        folded: &["redis-cli"],
        pattern: r#"(?i)redis-cli[^\n|;&]{0,200}?[ \t]-a[ \t]+["']?([^\s"'$]{3,128})"#,
        fwd: 330,
        check: Check::NamedPassword,
        edges: false,
        anchored: true,
        ..BASE
    }
    .id("redis-cli-password")
    .ex(r#"redis-cli -h cache.internal -a «{p16}» ping"#),
    RuleDef {
        kind: "cli-password",
        folded: &["requirepass", "masterauth"],
        pattern: r#"(?i)(?:requirepass|masterauth)[ \t]+["']?([^\s"']{3,128})"#,
        fwd: 150,
        check: Check::NamedPassword,
        edges: false,
        anchored: true,
        ..BASE
    }
    .id("redis-requirepass")
    .ex(r#"requirepass «{p16}»"#),
    RuleDef {
        kind: "cli-password",
        folded: &["sqlcmd"],
        pattern: r#"(?:sqlcmd|SQLCMD)[^\n|;&]{0,200}?[ \t]-P[ \t]*["']?([^\s"'$]{3,128})"#,
        fwd: 330,
        check: Check::NamedPassword,
        edges: false,
        anchored: true,
        ..BASE
    }
    .id("sqlcmd-password")
    .ex(r#"sqlcmd -S db.internal -U sa -P «{p16}» -Q "SELECT 1""#),
    RuleDef {
        kind: "cli-password",
        folded: &["-passin pass:", "-passout pass:", "-pass pass:"],
        pattern: r#"(?i)-pass(?:in|out)?[ \t]+pass:([^\s"']{3,128})"#,
        fwd: 150,
        check: Check::NamedPassword,
        edges: false,
        anchored: true,
        ..BASE
    }
    .id("openssl-pass-argument")
    .ex(r#"openssl pkcs12 -export -in c.pem -out c.p12 -passout pass:«{p16}»"#),
    RuleDef {
        kind: "cli-password",
        folded: &["storepass", "keypass"],
        pattern: r#"(?i)-(?:src|dest)?(?:store|key)pass[ \t]+["']?([^\s"'$]{3,128})"#,
        back: 8,
        fwd: 150,
        check: Check::NamedPassword,
        edges: false,
        ..BASE
    }
    .id("keytool-password")
    .ex(r#"keytool -importkeystore -srckeystore a.p12 -srcstorepass «{p16}» -destkeystore b.jks"#),
    RuleDef {
        kind: "dotnet-credential",
        folded: &["networkcredential"],
        pattern: r#"(?i)NetworkCredential[ \t]*\([ \t]*(?:"[^"\n]*"|[A-Za-z_][A-Za-z0-9_.]*)[ \t]*,[ \t]*"([^"\n]{3,128})""#,
        fwd: 330,
        check: Check::NamedPassword,
        edges: false,
        anchored: true,
        ..BASE
    }
    .id("dotnet-network-credential")
    .ex(r#"var cred = new NetworkCredential("svc_backup", "«{p16}»", "CORP");"#),
    RuleDef {
        kind: "dotnet-credential",
        folded: &["directoryentry"],
        pattern: r#"(?i)DirectoryEntry[ \t]*\([ \t]*(?:"[^"\n]*"|[A-Za-z_][A-Za-z0-9_.]*)[ \t]*,[ \t]*(?:"[^"\n]*"|[A-Za-z_][A-Za-z0-9_.]*)[ \t]*,[ \t]*"([^"\n]{3,128})""#,
        fwd: 400,
        check: Check::NamedPassword,
        edges: false,
        anchored: true,
        ..BASE
    }
    .id("dotnet-directory-entry")
    .ex(r#"var de = new DirectoryEntry("LDAP://dc01.corp.internal", "CORP\\svc_ldap", "«{p16}»");"#),
    RuleDef {
        kind: "gradle-credentials",
        folded: &["credentials {", "credentials{"],
        pattern: r#"(?i)credentials[ \t]*\{[^}]{0,300}?\bpassword[ \t]*=?[ \t]*["']([^"'$\n]{3,128})["']"#,
        fwd: 420,
        check: Check::NamedPassword,
        edges: false,
        anchored: true,
        ..BASE
    }
    .ex("maven {\n  url \"https://repo.corp.internal/releases\"\n  credentials {\n    username \"deploy\"\n    password \"«{p16}»\"\n  }\n}"),
    // ---------------------------------------------------------------- tokens known by their name
    named!("cohere-api-key", &["cohere", "co_api_key"], r"cohere|co_api", r"[A-Za-z0-9]{40}", 3.5)
        .ex(r#"COHERE_API_KEY=«{a40}»"#),
    named!("mistral-api-key", &["mistral"], r"mistral", r"[A-Za-z0-9]{32}", 3.5)
        .ex(r#"MISTRAL_API_KEY=«{a32}»"#),
    named!("deepseek-api-key", &["deepseek"], r"deepseek", r"sk-[a-f0-9]{32}", 3.0)
        .ex(r#"DEEPSEEK_API_KEY=«sk-{h32}»"#),
    named!("elevenlabs-api-key", &["elevenlabs", "xi-api-key", "xi_api_key"], r"elevenlabs|xi[_\-]api", r"(?:sk_)?[a-f0-9]{32,48}", 3.0)
        .ex(r#"ELEVENLABS_API_KEY=«sk_{h48}»"#),
    named!("wandb-api-key", &["wandb"], r"wandb", r"[a-f0-9]{40}", 3.0)
        .ex(r#"WANDB_API_KEY=«{h40}»"#),
    named!("deepgram-api-key", &["deepgram"], r"deepgram", r"[a-f0-9]{40}", 3.0)
        .ex(r#"DEEPGRAM_API_KEY=«{h40}»"#),
    named!("assemblyai-api-key", &["assemblyai"], r"assemblyai", r"[a-f0-9]{32}", 3.0)
        .ex(r#"ASSEMBLYAI_API_KEY=«{h32}»"#),
    named!("azure-openai-api-key", &["azure_openai", "azure-openai", "azureopenai"], r"azure[_\-]?openai", r"[a-f0-9]{32}|[A-Za-z0-9]{84}", 3.0)
        .ex(r#"AZURE_OPENAI_API_KEY=«{h32}»"#),
    named!("vercel-token", &["vercel"], r"vercel", r"[A-Za-z0-9]{24}", 3.5)
        .ex(r#"VERCEL_TOKEN=«{a24}»"#),
    named!("linode-token", &["linode"], r"linode", r"[a-f0-9]{64}", 3.0)
        .ex(r#"LINODE_TOKEN=«{h64}»"#),
    named!("vultr-api-key", &["vultr"], r"vultr", r"[A-Z0-9]{36}", 3.0)
        .ex(r#"VULTR_API_KEY=«{x36}»"#),
    named!("hetzner-token", &["hcloud", "hetzner"], r"hcloud|hetzner", r"[A-Za-z0-9]{64}", 3.5)
        .ex(r#"HCLOUD_TOKEN=«{a64}»"#),
    named!("cloudflare-api-token", &["cloudflare", "cf_api"], r"cloudflare|cf_api", r"[A-Za-z0-9_\-]{40}|[a-f0-9]{37}", 3.5)
        .ex(r#"CLOUDFLARE_API_TOKEN=«{a40}»"#),
    named!("fastly-api-token", &["fastly"], r"fastly", r"[A-Za-z0-9_\-]{32}", 3.5)
        .ex(r#"FASTLY_API_TOKEN=«{a32}»"#),
    named!("algolia-api-key", &["algolia"], r"algolia", r"[a-f0-9]{32}", 3.0)
        .ex(r#"ALGOLIA_ADMIN_KEY=«{h32}»"#),
    named!("mailgun-api-key", &["mailgun"], r"mailgun", r"[a-f0-9]{32}-[a-f0-9]{8}-[a-f0-9]{8}", 3.0)
        .id("mailgun-api-key-named")
        .ex(r#"MAILGUN_API_KEY=«{h32}-{h8}-{h8}»"#),
    named!("postmark-token", &["postmark"], r"postmark", r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", 2.5)
        .ex(r#"POSTMARK_SERVER_TOKEN=«{h8}-{h4}-{h4}-{h4}-{h12}»"#),
    named!("zendesk-api-token", &["zendesk"], r"zendesk", r"[A-Za-z0-9]{40}", 3.5)
        .ex(r#"ZENDESK_API_TOKEN=«{a40}»"#),
    named!("asana-token", &["asana"], r"asana", r"[0-9]/[0-9]{10,20}(?:/[0-9]{10,20})?:[a-f0-9]{32}", 3.0)
        .ex(r#"ASANA_ACCESS_TOKEN=«2/{d16}/{d16}:{h32}»"#),
    named!("pipedrive-api-token", &["pipedrive"], r"pipedrive", r"[a-f0-9]{40}", 3.0)
        .ex(r#"PIPEDRIVE_API_TOKEN=«{h40}»"#),
    named!("rollbar-token", &["rollbar"], r"rollbar", r"[a-f0-9]{32}", 3.0)
        .ex(r#"ROLLBAR_ACCESS_TOKEN=«{h32}»"#),
    named!("pagerduty-api-key", &["pagerduty"], r"pagerduty", r"[A-Za-z0-9_+\-]{20}", 3.5)
        .ex(r#"PAGERDUTY_TOKEN=«{a20}»"#),
    named!("honeycomb-api-key", &["honeycomb"], r"honeycomb", r"[A-Za-z0-9]{32}|[A-Za-z0-9]{22}", 3.5)
        .ex(r#"HONEYCOMB_API_KEY=«{a22}»"#),
    named!(
        "gitea-token",
        &["itea_t", "itea-t", "forgejo"], r"gitea|forgejo", r"[a-f0-9]{40}", 3.0)
        .ex(r#"GITEA_TOKEN=«{h40}»"#),
    named!("codecov-token", &["codecov"], r"codecov", r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", 2.5)
        .ex(r#"CODECOV_TOKEN=«{h8}-{h4}-{h4}-{h4}-{h12}»"#),
    named!(
        "consul-token",
        &["consul_h", "consul-h", "consul_t", "consul-t", "x-consul"], r"consul[_\-]http[_\-]token|x-consul-token|consul[_\-]token", r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", 2.5)
        .ex(r#"CONSUL_HTTP_TOKEN=«{h8}-{h4}-{h4}-{h4}-{h12}»"#),
    named!("infura-api-key", &["infura"], r"infura", r"[a-f0-9]{32}", 3.0)
        .ex(r#"INFURA_PROJECT_SECRET=«{h32}»"#),
    named!("etherscan-api-key", &["etherscan"], r"etherscan", r"[A-Z0-9]{34}", 3.0)
        .ex(r#"ETHERSCAN_API_KEY=«{x34}»"#),
    named!("intercom-token", &["intercom"], r"intercom", r"[A-Za-z0-9=_\-]{60}", 3.5)
        .ex(r#"INTERCOM_ACCESS_TOKEN=«{a60}»"#),
    named!("travis-token", &["travis"], r"travis", r"[A-Za-z0-9_\-]{22}", 3.5)
        .ex(r#"TRAVIS_TOKEN=«{a22}»"#),
    assigned(
        "discord-client-secret",
        &["discord"],
        concat!(
            r"(?i)discord[A-Za-z0-9_.\-]{0,16}(?:client)?[_.\-]?secret",
            sep!(),
            r"((?-i:[A-Za-z0-9_\-]{32}))"
        ),
        3.5,
    )
    .ex(r#"DISCORD_CLIENT_SECRET=«{a32}»"#),
    assigned(
        "twitter-api-secret",
        &["twitter_", "twitter-api", "twitter-consumer", "twitter-secret", "twitter.", "twitterapi", "twitterconsumer"],
        concat!(
            r"(?i)twitter[A-Za-z0-9_.\-]{0,20}(?:secret|key)",
            sep!(),
            r"((?-i:[A-Za-z0-9]{50}|[A-Za-z0-9]{25}))"
        ),
        3.5,
    )
    .ex(r#"TWITTER_API_SECRET=«{a50}»"#),
    named!("twitch-client-secret", &["twitch"], r"twitch", r"[a-z0-9]{30}", 3.5)
        .ex(r#"TWITCH_CLIENT_SECRET=«{z30}»"#),
    named!("spotify-client-secret", &["spotify_", "spotify-client", "spotify-secret", "spotifyclient", "spotifysecret"], r"spotify", r"[a-f0-9]{32}", 3.0)
        .ex(r#"SPOTIFY_CLIENT_SECRET=«{h32}»"#),
    assigned(
        "github-client-secret",
        &["github_client", "github_oauth", "github_app", "github-client", "github-oauth", "githubclient", "githuboauth", "githubapp"],
        concat!(
            r"(?i)github[A-Za-z0-9_.\-]{0,16}(?:client|oauth|app)[_.\-]?secret",
            sep!(),
            r"((?-i:[a-f0-9]{40}))"
        ),
        3.0,
    )
    .ex(r#"GITHUB_CLIENT_SECRET=«{h40}»"#),
    named!("linkedin-client-secret", &["linkedin_", "linkedin-client", "linkedin-secret", "linkedinclient", "linkedinsecret"], r"linkedin", r"[A-Za-z0-9]{16}", 3.3)
        .ex(r#"LINKEDIN_CLIENT_SECRET=«{a16}»"#),
    assigned(
        "slack-signing-secret",
        &["slack_signing", "slack_client", "slack_verification", "slack-signing", "slacksigning", "slack.signing"],
        concat!(
            r"(?i)slack[A-Za-z0-9_.\-]{0,16}(?:signing|client|verification)[_.\-]?(?:secret|token)",
            sep!(),
            r"((?-i:[a-f0-9]{32}|[A-Za-z0-9]{24}))"
        ),
        3.0,
    )
    .ex(r#"SLACK_SIGNING_SECRET=«{h32}»"#),
    assigned(
        "scaleway-secret-key",
        &["scw_secret"],
        concat!(
            r"(?i)scw_secret[_.\-]?key",
            sep!(),
            r"((?-i:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))"
        ),
        2.5,
    )
    .ex(r#"SCW_SECRET_KEY=«{h8}-{h4}-4{h3}-{h4}-{h12}»"#),
    // ---------------------------------------------------------------- structured secrets
    RuleDef {
        kind: "jwt",
        exact: &["eyJ"],
        folded: &[],
        pattern: r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{4,}(?:\.[A-Za-z0-9_\-]*)?",
        back: 0,
        fwd: 12100,
        check: Check::Jwt,
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"Authorization: Bearer «eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOi{a40}.{a43}»"#),
    RuleDef {
        kind: "private-key",
        exact: &["PRIVATE KEY"],
        folded: &[],
        pattern: r"-----BEGIN[ A-Z0-9]{0,24}PRIVATE KEY(?: BLOCK)?-----(?:(?s:.)*?-----END[ A-Z0-9]{0,24}PRIVATE KEY(?: BLOCK)?-----|(?:[A-Za-z0-9+/=\s:,\-]|\\[nrt])*)",
        back: 60,
        fwd: 16200,
        check: Check::PemBlock,
        edges: false,
        anchored: false,
        ..BASE
    }.ex("«-----BEGIN RSA PRIVATE KEY-----\n{b64}\n{b64}\n{b64}\n-----END RSA PRIVATE KEY-----»"),
    RuleDef {
        kind: "kubernetes-secret",
        exact: &[],
        folded: &[
            "kind: secret",
            "kind: 'secret",
            "kind: \"secret",
            "kind:secret",
        ],
        pattern: r#"(?m)^[ \t]+[A-Za-z0-9._\-]+:[ \t]*(?:[|>][-+]?[ \t]*\r?\n[ \t]+)?["']?([A-Za-z0-9+/]{8,}={0,2})["']?[ \t]*\r?$"#,
        back: 3000,
        fwd: 3000,
        check: Check::K8sSecret,
        edges: true,
        anchored: false,
        ..BASE
    }.ex("apiVersion: v1\nkind: Secret\ndata:\n  password: «{b24}»\n"),
    // ---------------------------------------------------------------- URLs and credential files
    RuleDef {
        kind: "database-url",
        exact: &[],
        folded: &[
            "postgres://",
            "postgresql://",
            "mysql://",
            "mariadb://",
            "mongodb://",
            "mongodb+srv://",
            "redis://",
            "rediss://",
            "amqp://",
            "amqps://",
            "mssql://",
            "sqlserver://",
            "jdbc:",
            "clickhouse://",
            "cockroachdb://",
            "nats://",
            "kafka://",
        ],
        pattern: r"(?i)(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|clickhouse|cockroachdb|nats|kafka)(?:\+[a-z0-9]+)?://[^:/?#@\s'\x22]*:([^@/\s'\x22]+)@",
        back: 12,
        fwd: 600,
        check: Check::Password,
        edges: false,
        anchored: false,
        ..BASE
    }.ex(r#"DATABASE_URL=postgres://app:«{p16}»@db.internal:5432/app"#),
    RuleDef {
        kind: "url-credentials",
        exact: &["://"],
        folded: &[],
        pattern: r"(?i)\b(?:https?|ftps?|sftp|ssh|git|svn|smtps?|imaps?|ldaps?|wss?)://[^:/?#@\s'\x22<>]+:([^@/\s'\x22<>]{3,})@[A-Za-z0-9\[]",
        back: 10,
        fwd: 420,
        check: Check::Password,
        edges: false,
        anchored: false,
        ..BASE
    }.ex(r#"remote: https://deploy:«{p16}»@git.corp.internal/repo.git"#),
    RuleDef {
        kind: "netrc-password",
        exact: &[],
        folded: &["machine"],
        pattern: r"(?-u:\b)machine[ \t]+\S+(?:\s+(?:login|account)[ \t]+\S+)*\s+password[ \t]+(\S+)",
        back: 2,
        fwd: 600,
        check: Check::Password,
        edges: false,
        anchored: false,
        ..BASE
    }.ex("machine api.heroku.com\n  login me@corp.io\n  password «{p16}»\n"),
    RuleDef {
        kind: "curl-credentials",
        exact: &[],
        folded: &["-u", "--user"],
        // The user part never starts with `+` nor holds `%`: `date -u +%H:%M`, not credentials.
        pattern: r#"(?:^|[\s;|&(])(?:-u|--user)(?:[ \t]+|=)["']?(?:(?:[^\s:'"$%+][^\s:'"$%]*)?|"\{[^}\s]*\}")["']?:["']?([^\s'"$]{4,})"#,
        back: 2,
        fwd: 400,
        check: Check::Password,
        edges: false,
        anchored: false,
        ..BASE
    }.ex(r#"curl -u admin:«{p16}» https://jenkins.internal/api/json"#),
    // `curl -u KEY:` — an API key as the user name, with an empty password.
    RuleDef {
        kind: "curl-credentials",
        exact: &[],
        folded: &["-u", "--user"],
        pattern: r#"(?:^|[\s;|&(])(?:-u|--user)(?:[ \t]+|=)["']?([^\s:'"$]{10,}):["']?(?:[\s'"]|$)"#,
        back: 2,
        fwd: 300,
        check: Check::KeyLike(3.0),
        edges: false,
        anchored: false,
        ..BASE
    }.ex(r#"curl -u "«{u4}{d4}{l16}»:" https://api.pay.internal/v1/charges"#).id("curl-credentials-key"),
    // Anchored: a match that starts at `x-` (`x-goog-api-key:`) also matches, with the same
    // value, from the `api-key:` inside it.
    RuleDef {
        kind: "authorization-header",
        exact: &[],
        folded: &[
            "authorization",
            "api-token:",
            "apikey:",
            "api-key:",
            "x-api-key",
            "token:",
            "apiKey",
            "-apikey:",
        ],
        pattern: r#"(?i)(?:authorization|x-[a-z\-]*api-?key|api-?key|api-token|token)["']?[ \t]*[:=][ \t]*["']?(?:(?:bearer|basic|token|api-token|apikey|digest|sso-key)[ \t]+)?([A-Za-z0-9._~+/\-]{8,}={0,2})"#,
        back: 20,
        fwd: 4200,
        check: Check::Assigned(2.8),
        edges: true,
        anchored: true,
        ..BASE
    }.ex(r#"curl -H 'Authorization: Bearer «{a40}»' https://api.internal"#),
    // ---------------------------------------------------------------- the rest: names
    RuleDef {
        kind: "generic-secret",
        exact: &[],
        folded: &[
            "secret",
            "token",
            "passw",
            "pwd",
            "credential",
            "api_key",
            "apikey",
            "api-key",
            "key",
            "auth",
        ],
        pattern: concat!(
            r#"(?i)([A-Za-z0-9_.\-]{0,60}(?:secret|token|passw(?:or)?d|pwd|credentials?|key|auth)[A-Za-z0-9_.\-]{0,40})"#,
            r#"(?:["']?[ \t]*(?:[:?]{0,3}=|=>|:)|["'][ \t]*,)[ \t]*(?:[rbf]?["'`])?"#,
            r#"([^\s"'`<>;,()\[\]{}]{6,})"#
        ),
        back: 110,
        fwd: 360,
        check: Check::Generic,
        edges: true,
        anchored: false,
        ..BASE
    }.ex(r#"DB_PASSWORD=«{a20}»"#),
];

pub static RULES: &[RuleDef] = CATALOGUE;
