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
}

/// One kind of secret.
pub struct RuleDef {
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
        folded: &[],
        pattern,
        back: 0,
        fwd,
        check: Check::Token(entropy),
        edges: true,
        anchored: true,
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
        exact: &[],
        folded,
        pattern,
        back: 80,
        fwd: 400,
        check: Check::Assigned(entropy),
        edges: true,
        anchored: false,
    }
}

/// Separator between a name and its value: `=`, `:`, `:=`, `?=`, `=>`, with optional quotes.
macro_rules! sep {
    () => {
        r#"["']?[ \t]*(?:[:?]{0,3}=|=>|:)[ \t]*["']?"#
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
    ),
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
    ),
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
    ),
    token(
        "aws-bedrock-api-key",
        &["ABSK"],
        r"ABSK[A-Za-z0-9+/]{109,269}={0,2}",
        300,
        4.0,
    ),
    token("gcp-api-key", &["AIza"], r"AIza[0-9A-Za-z_\-]{35}", 40, 3.5),
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
    },
    token(
        "gcp-oauth-client-secret",
        &["GOCSPX-"],
        r"GOCSPX-[A-Za-z0-9_\-]{28}",
        40,
        3.5,
    ),
    token(
        "google-oauth-refresh-token",
        &["1//0"],
        r"1//0[A-Za-z0-9_\-]{40,300}",
        310,
        3.5,
    ),
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
    },
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
    },
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
    },
    token(
        "digitalocean-token",
        &["dop_v1_", "doo_v1_", "dor_v1_"],
        r"do[opr]_v1_[a-f0-9]{64}",
        72,
        3.0,
    ),
    token(
        "heroku-api-key",
        &["HRKU-"],
        r"HRKU-AA[0-9A-Za-z_\-]{58}",
        70,
        3.5,
    ),
    assigned(
        "heroku-api-key",
        &["heroku"],
        concat!(
            r"(?i)heroku[A-Za-z0-9_.\-]{0,24}",
            sep!(),
            r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
        ),
        2.5,
    ),
    // ---------------------------------------------------------------- code hosts
    token(
        "github-pat",
        &["ghp_"],
        r"ghp_[A-Za-z0-9]{36,251}",
        256,
        3.0,
    ),
    token(
        "github-oauth-token",
        &["gho_"],
        r"gho_[A-Za-z0-9]{36,251}",
        256,
        3.0,
    ),
    token(
        "github-app-token",
        &["ghu_", "ghs_"],
        r"gh[us]_[A-Za-z0-9]{36,251}",
        256,
        3.0,
    ),
    token(
        "github-refresh-token",
        &["ghr_"],
        r"ghr_[A-Za-z0-9]{36,251}",
        256,
        3.0,
    ),
    token(
        "github-fine-grained-pat",
        &["github_pat_"],
        r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}",
        96,
        3.0,
    ),
    // GitLab prefixes (docs: "Token prefixes"); legacy bodies are 20 characters, newer ones
    // longer, and routable tokens end in `.<2 version><7 crc>`.
    token(
        "gitlab-pat",
        &["glpat-"],
        r"glpat-[A-Za-z0-9_\-]{20,300}(?:\.[0-9a-z]{2}\.?[0-9a-z]{7})?",
        320,
        3.0,
    ),
    token(
        "gitlab-token",
        &["gldt-", "glrt-", "glft-", "glsoat-", "glffct-", "GR1348941"],
        r"(?:gldt-|glrt-|glft-|glsoat-|glffct-|GR1348941)[A-Za-z0-9_\-]{20,50}(?:\.[0-9a-z]{9})?",
        72,
        3.0,
    ),
    token(
        "gitlab-token",
        &["glcbt-", "glagent-", "glimt-", "glptt-", "gloas-"],
        r"glcbt-(?:[0-9a-fA-F]{1,5}_)?[A-Za-z0-9_\-]{20,50}|glagent-[A-Za-z0-9_\-]{50}|glimt-[A-Za-z0-9_\-]{25}|glptt-[A-Za-z0-9_\-]{40}|gloas-[A-Za-z0-9_\-]{64}",
        80,
        3.0,
    ),
    // ---------------------------------------------------------------- chat
    token(
        "slack-bot-token",
        &["xoxb-"],
        r"xoxb-(?:[0-9]{1,2}-)?[0-9]{8,}-[0-9A-Za-z\-]{8,250}",
        260,
        3.0,
    ),
    token(
        "slack-user-token",
        &["xoxp-", "xoxe-"],
        r"xox[pe]-(?:[0-9]{1,2}-)?[0-9]{6,}-[0-9A-Za-z\-]{8,250}",
        260,
        3.0,
    ),
    token(
        "slack-legacy-token",
        &["xoxa-", "xoxr-", "xoxs-", "xoxo-"],
        r"xox[aros]-(?:[0-9]{1,2}-)?[0-9]{6,}-[0-9A-Za-z\-]{8,250}",
        260,
        2.8,
    ),
    token(
        "slack-config-token",
        &["xoxe.xox", "xoxe-1-"],
        r"xoxe\.xox[bp]-1-[A-Za-z0-9]{100,300}|xoxe-1-[A-Za-z0-9]{100,300}",
        320,
        3.5,
    ),
    token(
        "slack-app-token",
        &["xapp-"],
        r"xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,14}-[A-Za-z0-9]{60,70}",
        110,
        3.0,
    ),
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
    },
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
    },
    assigned(
        "discord-bot-token",
        &["discord"],
        concat!(
            r"(?i)discord[A-Za-z0-9_.\-]{0,24}",
            sep!(),
            r"([MNO][A-Za-z0-9_\-]{23,25}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,38})"
        ),
        3.5,
    ),
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
    },
    // ---------------------------------------------------------------- payments, commerce
    token(
        "stripe-secret-key",
        &["sk_live_", "sk_test_", "sk_prod_"],
        r"sk_(?:live|test|prod)_[0-9A-Za-z]{10,247}",
        256,
        3.0,
    ),
    token(
        "stripe-restricted-key",
        &["rk_live_", "rk_test_", "rk_prod_"],
        r"rk_(?:live|test|prod)_[0-9A-Za-z]{10,247}",
        256,
        3.0,
    ),
    token(
        "stripe-webhook-secret",
        &["whsec_"],
        r"whsec_[A-Za-z0-9+/]{32,64}",
        72,
        3.5,
    ),
    token(
        "shopify-token",
        &["shpat_", "shpca_", "shppa_", "shpss_"],
        r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}",
        40,
        3.0,
    ),
    token(
        "square-token",
        &["sq0atp-", "sq0csp-", "EAAA"],
        r"sq0atp-[0-9A-Za-z_\-]{22,60}|sq0csp-[0-9A-Za-z_\-]{43,60}|EAAA[A-Za-z0-9_\-+=]{60}",
        70,
        3.0,
    ),
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
    },
    token(
        "anthropic-api-key",
        &["sk-ant-api", "sk-ant-oat", "sk-ant-ort", "sk-ant-sid"],
        r"sk-ant-(?:api|oat|ort|sid)[0-9]{2}-[A-Za-z0-9_\-]{80,120}AA",
        140,
        3.5,
    ),
    token(
        "anthropic-admin-key",
        &["sk-ant-admin"],
        r"sk-ant-admin[0-9]{2}-[A-Za-z0-9_\-]{80,120}AA",
        140,
        3.5,
    ),
    token("huggingface-token", &["hf_"], r"hf_[A-Za-z]{34}", 40, 3.5),
    token(
        "huggingface-org-token",
        &["api_org_"],
        r"api_org_[A-Za-z]{34}",
        44,
        3.5,
    ),
    token("groq-api-key", &["gsk_"], r"gsk_[A-Za-z0-9]{52}", 60, 3.5),
    token(
        "perplexity-api-key",
        &["pplx-"],
        r"pplx-[A-Za-z0-9]{48}",
        56,
        3.5,
    ),
    token(
        "replicate-api-token",
        &["r8_"],
        r"r8_[A-Za-z0-9]{37}",
        44,
        3.5,
    ),
    // ---------------------------------------------------------------- package registries
    token("npm-token", &["npm_"], r"npm_[A-Za-z0-9]{36}", 44, 3.0),
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
    },
    token(
        "pypi-token",
        &["pypi-AgEIcHlwaS5vcmc", "pypi-AgENdGVzdC5weXBpLm9yZw"],
        r"pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_\-]{70,300}",
        330,
        3.5,
    ),
    token(
        "rubygems-api-key",
        &["rubygems_"],
        r"rubygems_[a-f0-9]{48}",
        60,
        3.0,
    ),
    token(
        "docker-hub-pat",
        &["dckr_pat_"],
        r"dckr_pat_[A-Za-z0-9_\-]{27}",
        40,
        3.0,
    ),
    token(
        "artifactory-api-key",
        &["AKCp"],
        r"AKCp[A-Za-z0-9]{69}",
        76,
        3.5,
    ),
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
    },
    token(
        "artifactory-reference-token",
        &["cmVmdGtuOjAxOj"],
        r"cmVmdGtuOjAxOj[A-Za-z0-9]{50}",
        70,
        3.5,
    ),
    // ---------------------------------------------------------------- email, messaging, SaaS
    token(
        "sendgrid-api-key",
        &["SG."],
        r"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}",
        72,
        3.5,
    ),
    token("twilio-api-key", &["SK"], r"SK[0-9a-f]{32}", 36, 3.0),
    assigned(
        "twilio-auth-token",
        &["twilio"],
        concat!(
            r"(?i)twilio[A-Za-z0-9_.\-]{0,24}(?:token|secret|auth)[A-Za-z0-9_.\-]{0,8}",
            sep!(),
            r"([a-f0-9]{32})"
        ),
        3.0,
    ),
    token("mailgun-api-key", &["key-"], r"key-[a-f0-9]{32}", 40, 3.0),
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
    },
    token(
        "postman-api-key",
        &["PMAK-"],
        r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}",
        70,
        3.0,
    ),
    token(
        "linear-api-key",
        &["lin_api_"],
        r"lin_api_[A-Za-z0-9]{40}",
        50,
        3.5,
    ),
    token(
        "notion-api-token",
        &["ntn_"],
        r"ntn_[0-9]{11}[A-Za-z0-9]{35}",
        52,
        3.5,
    ),
    token(
        "newrelic-api-key",
        &["NRAK-", "NRJS-", "NRII-"],
        r"NR(?:AK|JS|II)-[A-Z0-9]{27}|NRJS-[a-f0-9]{19}",
        36,
        3.0,
    ),
    token(
        "airtable-pat",
        &["pat"],
        r"pat[A-Za-z0-9]{14}\.[a-f0-9]{64}",
        84,
        3.5,
    ),
    token(
        "atlassian-api-token",
        &["ATATT3"],
        r"ATATT3[A-Za-z0-9_\-=]{186,190}",
        200,
        3.5,
    ),
    token(
        "sentry-token",
        &["sntrys_eyJ", "sntryu_"],
        r"sntrys_eyJ[A-Za-z0-9+/=_\-]{60,400}_[A-Za-z0-9+/]{43}|sntryu_[a-f0-9]{64}",
        480,
        3.5,
    ),
    token(
        "grafana-token",
        &["glc_", "glsa_"],
        r"glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}",
        420,
        3.5,
    ),
    token(
        "databricks-token",
        &["dapi"],
        r"dapi[a-f0-9]{32}(?:-[0-9])?",
        40,
        3.0,
    ),
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
        r"dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}",
        60,
        3.5,
    ),
    token(
        "pulumi-access-token",
        &["pul-"],
        r"pul-[a-f0-9]{40}",
        48,
        3.0,
    ),
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
    },
    token(
        "flyio-token",
        &["fo1_", "FlyV1 "],
        r"fo1_[A-Za-z0-9_\-]{43}|FlyV1 fm[12][ar]?_[A-Za-z0-9+/=,_\-]{100,}",
        1240,
        3.5,
    ),
    token(
        "onepassword-token",
        &["ops_eyJ"],
        r"ops_eyJ[A-Za-z0-9+/=_\-]{250,}",
        2400,
        4.0,
    ),
    token(
        "onepassword-secret-key",
        &["A3-"],
        r"A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}",
        48,
        3.0,
    ),
    token(
        "age-secret-key",
        &["AGE-SECRET-KEY-1"],
        r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
        80,
        3.0,
    ),
    token(
        "infracost-api-token",
        &["ico-"],
        r"ico-[A-Za-z0-9]{32}",
        40,
        3.5,
    ),
    token(
        "scalingo-api-token",
        &["tk-us-"],
        r"tk-us-[A-Za-z0-9_\-]{48}",
        60,
        3.5,
    ),
    token(
        "intra42-client-secret",
        &["s-s4t2"],
        r"s-s4t2(?:ud|af)-[a-f0-9]{64}",
        80,
        3.0,
    ),
    token(
        "openshift-token",
        &["sha256~"],
        r"sha256~[A-Za-z0-9_\-]{43}",
        52,
        3.5,
    ),
    token(
        "sourcegraph-token",
        &["sgp_"],
        r"sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}",
        72,
        3.0,
    ),
    token(
        "sonar-token",
        &["squ_", "sqp_", "sqa_"],
        r"sq[upa]_[A-Za-z0-9]{40}",
        48,
        3.0,
    ),
    token(
        "octopus-deploy-api-key",
        &["API-"],
        r"API-[A-Z0-9]{26}",
        32,
        3.5,
    ),
    token(
        "readme-api-token",
        &["rdme_"],
        r"rdme_[a-z0-9]{70}",
        80,
        3.5,
    ),
    token(
        "vault-token",
        &["hvs.", "hvb.", "hvr."],
        r"hvs\.[A-Za-z0-9_\-]{90,300}|hvb\.[A-Za-z0-9_\-]{138,400}|hvr\.[A-Za-z0-9_\-]{90,300}",
        410,
        3.5,
    ),
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
    },
    // ---------------------------------------------------------------- more prefixed tokens
    token(
        "google-oauth-access-token",
        &["ya29."],
        r"ya29\.[A-Za-z0-9_\-]{30,}",
        2010,
        3.5,
    ),
    token(
        "adafruit-io-key",
        &["aio_"],
        r"aio_[A-Za-z0-9]{28}",
        34,
        3.5,
    ),
    token(
        "alibaba-access-key-id",
        &["LTAI"],
        r"LTAI[A-Za-z0-9]{20}",
        26,
        3.5,
    ),
    token(
        "atlassian-api-token",
        &["ATBB", "ATCTT3"],
        r"ATBB[A-Za-z0-9_=.\-]{28,80}|ATCTT3[A-Za-z0-9_=\-]{180,200}",
        210,
        3.5,
    ),
    token("buildkite-token", &["bkua_"], r"bkua_[a-f0-9]{40}", 48, 3.0),
    token(
        "circleci-token",
        &["CCIPAT_", "CCIPRJ_"],
        r"CCIP(?:AT|RJ)_[A-Za-z0-9]{22}_[a-f0-9]{40}",
        72,
        3.5,
    ),
    token(
        "clojars-token",
        &["CLOJARS_"],
        r"CLOJARS_[a-z0-9]{60}",
        70,
        3.0,
    ),
    token(
        "contentful-token",
        &["CFPAT-"],
        r"CFPAT-[A-Za-z0-9_\-]{43}",
        50,
        3.5,
    ),
    token(
        "cloudflare-origin-ca-key",
        &["v1.0-"],
        r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}",
        180,
        3.0,
    ),
    token(
        "defined-networking-token",
        &["dnkey-"],
        r"dnkey-[a-z0-9=_\-]{26}-[a-z0-9=_\-]{52}",
        90,
        3.5,
    ),
    token(
        "duffel-token",
        &["duffel_test_", "duffel_live_"],
        r"duffel_(?:test|live)_[A-Za-z0-9_\-=]{43}",
        60,
        3.5,
    ),
    token(
        "dynatrace-token",
        &["dt0c01."],
        r"dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}",
        100,
        3.5,
    ),
    token(
        "easypost-token",
        &["EZAK", "EZTK"],
        r"EZ[AT]K[A-Za-z0-9]{54}",
        60,
        3.5,
    ),
    token(
        "figma-token",
        &["figd_"],
        r"figd_[A-Za-z0-9_\-]{40}",
        48,
        3.5,
    ),
    token(
        "flutterwave-secret-key",
        &["FLWSECK"],
        r"FLWSECK(?:_TEST)?-[a-hA-H0-9]{32}-X",
        50,
        3.0,
    ),
    token(
        "frameio-token",
        &["fio-u-"],
        r"fio-u-[A-Za-z0-9_\-=]{64}",
        72,
        3.5,
    ),
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
    },
    token(
        "harness-token",
        &["pat.", "sat."],
        r"(?:pat|sat)\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}",
        80,
        3.5,
    ),
    token(
        "hubspot-api-key",
        &["pat-na", "pat-eu"],
        r"pat-(?:na|eu)[0-9]-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        56,
        3.0,
    ),
    token(
        "langsmith-api-key",
        &["lsv2_pt_", "lsv2_sk_"],
        r"lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}",
        60,
        3.0,
    ),
    token(
        "mapbox-secret-token",
        &["sk.eyJ"],
        r"sk\.eyJ[A-Za-z0-9_\-]{20,400}\.[A-Za-z0-9_\-]{20,100}",
        510,
        3.5,
    ),
    token(
        "planetscale-token",
        &["pscale_tkn_", "pscale_pw_", "pscale_oauth_"],
        r"pscale_(?:tkn|pw|oauth)_[A-Za-z0-9=\-_.]{32,64}",
        80,
        3.5,
    ),
    token(
        "prefect-api-key",
        &["pnu_"],
        r"pnu_[A-Za-z0-9]{36}",
        42,
        3.5,
    ),
    token(
        "sendinblue-api-key",
        &["xkeysib-"],
        r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}",
        92,
        3.0,
    ),
    token(
        "shippo-api-token",
        &["shippo_live_", "shippo_test_"],
        r"shippo_(?:live|test)_[a-f0-9]{40}",
        56,
        3.0,
    ),
    token(
        "supabase-token",
        &["sbp_", "sb_secret_"],
        r"sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_\-]{31,64}",
        76,
        3.0,
    ),
    token(
        "tailscale-key",
        &["tskey-"],
        r"tskey-(?:auth|api|client|scim|webhook)-[A-Za-z0-9]{6,24}-[A-Za-z0-9]{20,64}",
        110,
        3.5,
    ),
    token(
        "typeform-token",
        &["tfp_"],
        r"tfp_[A-Za-z0-9_\-.=]{59}",
        66,
        3.5,
    ),
    token(
        "twitter-bearer-token",
        &["AAAAAAAAAAAAAAAAAAAAA"],
        r"A{22}[A-Za-z0-9%]{80,100}",
        130,
        3.0,
    ),
    token("xai-api-key", &["xai-"], r"xai-[A-Za-z0-9]{80}", 88, 3.5),
    token(
        "yandex-api-key",
        &["AQVN"],
        r"AQVN[A-Za-z0-9_\-]{35,38}",
        44,
        3.5,
    ),
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
    },
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
    ),
    assigned(
        "snyk-token",
        &["snyk"],
        concat!(
            r"(?i)snyk[A-Za-z0-9_.\-]{0,24}",
            r#"["']?[ \t]*(?:[:?]{0,3}=|=>|:)[ \t]*["']?"#,
            r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
        ),
        2.5,
    ),
    assigned(
        "hubspot-api-key",
        &["hubspot"],
        concat!(
            r"(?i)hubspot[A-Za-z0-9_.\-]{0,24}",
            sep!(),
            r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|pat-[a-z0-9]{2,4}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
        ),
        2.5,
    ),
    assigned(
        "sourcegraph-token",
        &["sourcegraph"],
        concat!(
            r"(?i)sourcegraph[A-Za-z0-9_.\-]{0,24}",
            sep!(),
            r"([0-9a-fA-F]{40})"
        ),
        3.0,
    ),
    assigned(
        "sonar-token",
        &["sonar"],
        concat!(
            r"(?i)sonar[A-Za-z0-9_.\-]{0,16}(?:login|token)",
            r#"["']?[ \t]*(?:[:?]{0,3}=|=>|:)[ \t]*["']?"#,
            r"([A-Za-z0-9]{40})"
        ),
        3.0,
    ),
    assigned(
        "sumologic-key",
        &["sumo"],
        concat!(
            r"(?i)sumo(?:logic)?[A-Za-z0-9_.\-]{0,12}access[_.\-]?(?:id|key)",
            sep!(),
            r"((?:su[A-Za-z0-9]{12})|[A-Za-z0-9]{64})"
        ),
        3.0,
    ),
    assigned(
        "okta-api-token",
        &["okta"],
        concat!(
            r"(?i)okta[A-Za-z0-9_.\-]{0,24}",
            sep!(),
            r"(00[A-Za-z0-9_\-]{40})"
        ),
        3.5,
    ),
    assigned(
        "facebook-secret",
        &["facebook"],
        concat!(
            r"(?i)facebook[A-Za-z0-9_.\- ]{0,24}(?:secret|token|key)[A-Za-z0-9_]{0,8}",
            sep!(),
            r"([a-f0-9]{32}|[0-9]{15,16}\|[A-Za-z0-9_\-]{27}|EAA[A-Za-z0-9]{60,})"
        ),
        3.0,
    ),
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
    },
    token(
        "facebook-access-token",
        &["EAAC", "EAAM", "EAAG", "EAAB"],
        r"EAA[CMGB][A-Za-z0-9]{100,400}",
        410,
        3.5,
    ),
    assigned(
        "mailchimp-api-key",
        &["mailchimp"],
        concat!(
            r"(?i)mailchimp[A-Za-z0-9_.\-]{0,24}",
            sep!(),
            r"([0-9a-f]{32}-us[0-9]{1,2})"
        ),
        3.0,
    ),
    assigned(
        "sidekiq-secret",
        &["contribsys__com"],
        r#"(?i)BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM[ \t]*[:=][ \t]*["']?([a-f0-9]{8}:[a-f0-9]{8})"#,
        2.0,
    ),
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
    },
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
    },
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
    },
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
    },
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
    },
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
    },
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
    },
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
    },
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
    },
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
    },
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
    },
];

pub static RULES: &[RuleDef] = CATALOGUE;
