//! What the shell signal knows about programs, as data: which programs run other commands and
//! how their options are shaped, which read, write or delete the files they are given, which
//! format disks, which run SQL, which subcommand a tool's global options hide.
//!
//! The walker ([`super::walk`]) and the mechanisms ([`super::wrappers`], [`super::effects`])
//! look programs up here; teaching the signal a new program is usually a line in a table.

/// Shells: their argv is a script, `-c` code or nothing (code on stdin).
pub(crate) const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish", "csh", "tcsh", "yash", "rbash",
];

/// A program that runs the rest of its argv as a command (`sudo -u x cmd`, `timeout 5 cmd`).
pub(super) struct Wrapper {
    pub name: &'static str,
    /// Options whose value is the next word.
    pub value_opts: &'static [&'static str],
    /// Operands the wrapper owns before the command (`timeout DURATION`, `chroot DIR`).
    pub operands: usize,
    /// Options after which no command follows (`ionice -p PID`, `npx -c 'string'`).
    pub no_command: &'static [&'static str],
    /// Takes `NAME=value` words before the command.
    pub assignments: bool,
    /// Passes its command's output on unchanged, so a pipeline stage behind it is classified
    /// by the command it wraps (`sudo cat f | sh`).
    pub transparent: bool,
}

const fn wrapper(name: &'static str, value_opts: &'static [&'static str]) -> Wrapper {
    Wrapper {
        name,
        value_opts,
        operands: 0,
        no_command: &[],
        assignments: false,
        transparent: false,
    }
}

const fn transparent(w: Wrapper) -> Wrapper {
    Wrapper {
        transparent: true,
        ..w
    }
}

const fn operands(w: Wrapper, n: usize) -> Wrapper {
    Wrapper { operands: n, ..w }
}

const fn assignments(w: Wrapper) -> Wrapper {
    Wrapper {
        assignments: true,
        ..w
    }
}

const fn no_command(w: Wrapper, opts: &'static [&'static str]) -> Wrapper {
    Wrapper {
        no_command: opts,
        ..w
    }
}

const SUDO_VALUE_OPTS: &[&str] = &[
    "-u",
    "-g",
    "-C",
    "-D",
    "-h",
    "-p",
    "-r",
    "-t",
    "-T",
    "-U",
    "--user",
    "--group",
    "--chdir",
    "--prompt",
    "--role",
    "--type",
    "--host",
    "--close-from",
    "--other-user",
];
const ENV_VALUE_OPTS: &[&str] = &[
    "-u",
    "--unset",
    "-C",
    "--chdir",
    "-P",
    "--default-signal",
    "--ignore-signal",
    "--block-signal",
];
const TIMEOUT_VALUE_OPTS: &[&str] = &["-s", "--signal", "-k", "--kill-after"];
const NPX_VALUE_OPTS: &[&str] = &["-p", "--package", "-c", "--call"];
const TRACE_VALUE_OPTS: &[&str] = &["-o", "-e", "-p", "-s", "-u", "-E", "-P"];

/// Every wrapper the walker sees through.
pub(super) const WRAPPERS: &[Wrapper] = &[
    transparent(assignments(wrapper("sudo", SUDO_VALUE_OPTS))),
    transparent(assignments(wrapper("doas", &["-u", "-C"]))),
    transparent(wrapper("nohup", &[])),
    transparent(wrapper("builtin", &[])),
    transparent(wrapper("exec", &["-a"])),
    transparent(wrapper("time", &["-f", "--format", "-o", "--output"])),
    transparent(wrapper("nice", &["-n", "--adjustment"])),
    no_command(
        wrapper("ionice", &["-c", "-n", "--class", "--classdata"]),
        &["-p", "-P", "-u"],
    ),
    transparent(operands(wrapper("timeout", TIMEOUT_VALUE_OPTS), 1)),
    transparent(wrapper(
        "stdbuf",
        &["-i", "-o", "-e", "--input", "--output", "--error"],
    )),
    wrapper("setsid", &[]),
    operands(wrapper("chroot", &["--userspec", "--groups"]), 1),
    transparent(assignments(wrapper("env", ENV_VALUE_OPTS))),
    transparent(wrapper("command", &[])),
    no_command(wrapper("npx", NPX_VALUE_OPTS), &["-c", "--call"]),
    wrapper("bunx", NPX_VALUE_OPTS),
    wrapper("pnpx", NPX_VALUE_OPTS),
    wrapper("busybox", &[]),
    wrapper("toybox", &[]),
    wrapper("unbuffer", &[]),
    wrapper("caffeinate", &[]),
    operands(
        wrapper("flock", &["-w", "--timeout", "-E", "--conflict-exit-code"]),
        1,
    ),
    wrapper("runuser", &["-u", "--user", "-g", "--group"]),
    wrapper("torsocks", &[]),
    wrapper("proxychains", &[]),
    wrapper("proxychains4", &[]),
    wrapper("chronic", &[]),
    wrapper(
        "systemd-run",
        &[
            "-p",
            "--property",
            "--unit",
            "-u",
            "--description",
            "--uid",
            "--gid",
            "-E",
            "--setenv",
        ],
    ),
    wrapper("strace", TRACE_VALUE_OPTS),
    wrapper("ltrace", TRACE_VALUE_OPTS),
    operands(wrapper("gtimeout", TIMEOUT_VALUE_OPTS), 1),
    wrapper("with-contenv", &[]),
];

/// The wrapper named `program`, if it is one.
pub(super) fn wrapper_named(program: &str) -> Option<&'static Wrapper> {
    WRAPPERS
        .iter()
        .chain(MORE_WRAPPERS)
        .find(|w| w.name == program)
}

/// Wrappers that give a root shell reading stdin with `-s` or `-i`.
pub(super) const ROOT_SHELL_WRAPPERS: &[&str] = &["sudo", "doas"];
pub(super) const ROOT_SHELL_OPTS: &[&str] = &["-s", "-i"];

/// Programs whose `--help` belongs to the command they run, not to themselves.
pub(super) const HELP_OF_WRAPPED: &[&str] = &["sudo", "env", "xargs", "bash", "sh"];

/// Tools whose `exec`/`run`/`dlx`/`x` subcommand runs the rest of the argv as a command
/// (`bundle exec rails …`, `poetry run alembic …`).
pub(super) const RUNNERS: &[&str] = &[
    "bundle",
    "poetry",
    "pipenv",
    "pdm",
    "uv",
    "rye",
    "hatch",
    "npm",
    "pnpm",
    "yarn",
    "conda",
    "mamba",
    "micromamba",
    "nix-shell",
];
pub(super) const RUNNER_SUBCOMMANDS: &[&str] = &["exec", "run", "dlx", "x"];
/// Tools whose subcommand runs a command with secrets or settings in its environment, after
/// this many operands of their own: `op run -- CMD`, `aws-vault exec PROFILE -- CMD`,
/// `direnv exec DIR CMD`. Anything after a `--` is the command.
pub(super) const EXEC_SUBCOMMANDS: &[(&str, &str, usize)] = &[
    ("op", "run", 0),
    ("aws-vault", "exec", 1),
    ("direnv", "exec", 1),
    ("doppler", "run", 0),
    ("infisical", "run", 0),
    ("dotenvx", "run", 0),
    ("dotenv", "run", 0),
    ("chamber", "exec", 1),
    ("envchain", "", 1),
    ("teller", "run", 0),
    ("berglas", "exec", 0),
    ("summon", "", 0),
    ("saml2aws", "exec", 0),
    ("granted", "exec", 1),
];
/// The subcommand (`""` for none) and own operand count of a tool of [`EXEC_SUBCOMMANDS`]
/// called with `args`.
pub(super) fn exec_subcommand(program: &str, args: &[String]) -> Option<(&'static str, usize)> {
    EXEC_SUBCOMMANDS
        .iter()
        .find(|(name, sub, _)| {
            *name == program && (sub.is_empty() || args.first().is_some_and(|a| a == sub))
        })
        .map(|&(_, sub, own)| (sub, own))
}
/// Runners whose `run` runs a package script, not a program (`npm run build`).
pub(super) const SCRIPT_RUNNERS: &[&str] = &["npm", "pnpm", "yarn"];

/// Container tools whose `exec` runs a command inside a container.
pub(super) const CONTAINER_TOOLS: &[&str] =
    &["docker", "podman", "docker-compose", "kubectl", "oc"];
/// Of those, the ones that take the command after `--` (`kubectl exec pod -- cmd`).
pub(super) const POD_TOOLS: &[&str] = &["kubectl", "oc"];
/// `docker exec` options whose value is the next word.
pub(super) const CONTAINER_EXEC_VALUE_OPTS: &[&str] = &[
    "-e",
    "--env",
    "-u",
    "--user",
    "-w",
    "--workdir",
    "--env-file",
    "--detach-keys",
    "--index",
];

/// Remote shells: the words after the host are a command line run there.
pub(super) const REMOTE_SHELLS: &[&str] = &["ssh", "mosh", "autossh"];
pub(super) const SSH_VALUE_OPTS: &[&str] = &[
    "-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o", "-p", "-Q",
    "-R", "-S", "-W", "-w", "-B",
];

/// `watch`: its operands are a command line, or an argv with `-x`.
pub(super) const WATCH_VALUE_OPTS: &[&str] = &["-n", "--interval", "-q", "--equexit"];
pub(super) const WATCH_EXEC_OPTS: &[&str] = &["-x", "--exec"];

/// `su -c CODE`.
pub(super) const SU_CODE_OPTS: &[&str] = &["-c", "--command"];
/// `env -S STRING`: the string is split into a command line.
pub(super) const ENV_SPLIT_OPTS: &[&str] = &["-S", "--split-string"];

/// `xargs` options whose value is the next word, and those naming its placeholder.
pub(super) const XARGS_VALUE_OPTS: &[&str] = &[
    "-n",
    "-L",
    "-P",
    "-d",
    "-E",
    "-s",
    "-a",
    "--arg-file",
    "--delimiter",
    "--max-args",
    "--max-procs",
    "--max-lines",
    "--eof",
];
pub(super) const XARGS_REPLACE_OPTS: &[&str] = &["-I", "--replace"];

/// `find` tests that narrow what it reaches, and actions that run a command per match.
pub(super) const FIND_FILTERS: &[&str] = &[
    "-name",
    "-iname",
    "-path",
    "-ipath",
    "-wholename",
    "-regex",
    "-iregex",
];
pub(super) const FIND_EXEC_ACTIONS: &[&str] = &["-exec", "-execdir", "-ok", "-okdir"];
/// `find` options that come before its start paths.
pub(super) const FIND_LEADING_OPTS: &[&str] = &["-H", "-L", "-P"];
/// `fd` and its options that run a command per match.
pub(super) const FD_PROGRAMS: &[&str] = &["fd", "fdfind"];
pub(super) const FD_EXEC_OPTS: &[&str] = &["-x", "--exec", "-X", "--exec-batch"];

/// `parallel` options whose value is the next word.
pub(super) const PARALLEL_VALUE_OPTS: &[&str] = &[
    "-j",
    "-S",
    "--jobs",
    "--sshlogin",
    "-a",
    "--arg-file",
    "-d",
    "--delimiter",
    "--joblog",
    "--results",
    "-I",
];

/// awk and its relatives: their program can run shell commands.
pub(super) const AWKS: &[&str] = &["awk", "gawk", "mawk", "nawk", "busybox-awk"];

/// Tools whose whole purpose is printing shell setup for `eval` (`eval "$(ssh-agent -s)"`):
/// their output is not attacker-controlled input.
pub(super) const ENV_SETUP_TOOLS: &[&str] = &[
    "ssh-agent",
    "pyenv",
    "rbenv",
    "nodenv",
    "goenv",
    "jenv",
    "plenv",
    "direnv",
    "starship",
    "zoxide",
    "fnm",
    "mise",
    "rtx",
    "conda",
    "micromamba",
    "opam",
    "dircolors",
    "thefuck",
    "keychain",
    "gpg-agent",
    "luarocks",
    "fzf",
    "atuin",
    "register-python-argcomplete",
    "kubectl",
    "helm",
    "gh",
    "rustup",
    "poetry",
    "pipenv",
    "uv",
    "just",
    "brew",
    "docker-machine",
    "minikube",
    "aws-vault",
    "op",
];

/// Programs whose output is their input transformed (decoded, decompressed, rewritten, or
/// code's output): what they print is not known here.
pub(super) const DECODERS: &[&str] = &[
    "base64", "base32", "xxd", "openssl", "gpg", "gunzip", "zcat", "gzip", "bzcat", "xzcat",
    "uudecode", "rev", "tr", "sed", "awk", "perl", "python", "python3", "node", "ruby", "eval",
    "jq",
];

/// Programs that pass (part of) their input on as it is: downloaded content through them is
/// still the download.
pub(super) const PASS_THROUGH: &[&str] = &[
    "tee", "cat", "head", "tail", "dos2unix", "iconv", "col", "cut", "grep",
];

/// Device files a redirection may use without touching a file.
pub(super) const HARMLESS_DEVICES: &[&str] = &[
    "/dev/null",
    "/dev/stdout",
    "/dev/stderr",
    "/dev/tty",
    "/dev/zero",
    "/dev/random",
    "/dev/urandom",
];
pub(super) const HARMLESS_DEVICE_DIRS: &[&str] = &["/dev/fd/", "/dev/pts/"];

/// Names under `/dev/` of block devices (disks, partitions, volumes).
pub(super) const BLOCK_DEVICES: &[&str] = &[
    "sd", "hd", "vd", "xvd", "nvme", "mmcblk", "disk", "rdisk", "md", "dm-", "mapper/", "loop",
    "sr",
];

/// Programs that delete their operands; `-r`/`-R` makes them recursive.
pub(super) const DELETERS: &[&str] =
    &["rm", "rimraf", "del", "trash-put", "unlink", "shred", "srm"];
/// Deleters that always remove whole trees.
pub(super) const TREE_DELETERS: &[&str] = &["rimraf"];
/// Deleters that overwrite files in place: no recursion, and a device operand is a disk write.
pub(super) const OVERWRITERS: &[&str] = &["shred"];

/// Programs that format or partition disks (besides every `mkfs*`).
pub(super) const DISK_TOOLS: &[&str] = &[
    "mke2fs",
    "mkswap",
    "wipefs",
    "fdisk",
    "sfdisk",
    "cfdisk",
    "parted",
    "sgdisk",
    "gdisk",
    "blkdiscard",
    "badblocks",
    "hdparm",
];
pub(super) const DISK_TOOL_PREFIX: &str = "mkfs";
/// Partition tools that only print with a listing option.
pub(super) const PARTITION_TOOLS: &[&str] = &["fdisk", "sfdisk", "parted", "sgdisk", "gdisk"];
pub(super) const PARTITION_LIST_ARGS: &[&str] = &["-l", "--list", "print", "-p"];
/// Disk tools that format a plain file as readily as a device.
pub(super) const FILE_FORMATTERS: &[&str] = &["mkswap"];

/// Whether `program` formats or partitions disks.
pub(super) fn is_disk_tool(program: &str) -> bool {
    program.starts_with(DISK_TOOL_PREFIX) || DISK_TOOLS.contains(&program)
}

/// Where a database client's operands hold SQL.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum SqlOperands {
    /// Operands are not SQL.
    None,
    /// The first operand is the database, the rest are statements (`sqlite3 db.sqlite "…"`).
    AfterDatabase,
    /// All operands together are one command (`redis-cli DEL k`).
    Joined,
}

/// A database client and where it takes statements.
pub(super) struct SqlClient {
    pub name: &'static str,
    /// Options whose value is a statement (`psql -c SQL`).
    pub sql_opts: &'static [&'static str],
    /// A short option that takes a statement attached (`mysql -eSQL`).
    pub attached: Option<&'static str>,
    /// `-p` alone prompts for a password instead of taking the next word.
    pub bare_password_flag: bool,
    pub operands: SqlOperands,
}

const fn sql(name: &'static str, sql_opts: &'static [&'static str]) -> SqlClient {
    SqlClient {
        name,
        sql_opts,
        attached: None,
        bare_password_flag: false,
        operands: SqlOperands::None,
    }
}

const fn attached(c: SqlClient, prefix: &'static str) -> SqlClient {
    SqlClient {
        attached: Some(prefix),
        ..c
    }
}

const fn bare_password_flag(c: SqlClient) -> SqlClient {
    SqlClient {
        bare_password_flag: true,
        ..c
    }
}

const fn sql_operands(c: SqlClient, operands: SqlOperands) -> SqlClient {
    SqlClient { operands, ..c }
}

/// Every database client whose statements the signal reads.
pub(super) const SQL_CLIENTS: &[SqlClient] = &[
    attached(sql("psql", &["-c", "--command"]), "-c"),
    attached(bare_password_flag(sql("mysql", &["-e", "--execute"])), "-e"),
    attached(
        bare_password_flag(sql("mariadb", &["-e", "--execute"])),
        "-e",
    ),
    sql_operands(sql("sqlite3", &[]), SqlOperands::AfterDatabase),
    sql_operands(sql("sqlite", &[]), SqlOperands::AfterDatabase),
    sql_operands(sql("duckdb", &["-c"]), SqlOperands::AfterDatabase),
    sql("clickhouse-client", &["-q", "--query"]),
    sql("clickhouse", &["-q", "--query"]),
    sql("sqlcmd", &["-Q", "-q"]),
    sql("cockroach", &["-e", "--execute"]),
    sql("mongosh", &["--eval"]),
    sql("mongo", &["--eval"]),
    sql_operands(sql("redis-cli", &[]), SqlOperands::Joined),
    sql("cqlsh", &["-e", "--execute"]),
    sql("snowsql", &["-q", "--query"]),
    sql_operands(sql("bq", &[]), SqlOperands::Joined),
    sql("usql", &["-c", "--command"]),
    sql("pgcli", &["-c", "--command"]),
    bare_password_flag(sql("mycli", &["-e", "--execute"])),
    sql_operands(sql("litecli", &[]), SqlOperands::AfterDatabase),
];

/// Long options of any client that carry a statement as `--option=SQL`.
pub(super) const SQL_LONG_OPTS: &[&str] = &["--command", "--execute", "--query", "--eval"];
/// Connection options of database clients whose value is the next word.
pub(super) const SQL_VALUE_OPTS: &[&str] = &[
    "-U",
    "-h",
    "-p",
    "-d",
    "-u",
    "-P",
    "-H",
    "-f",
    "--host",
    "--port",
    "--user",
    "--dbname",
    "--username",
    "-D",
    "--database",
    "-S",
    "-n",
    "-a",
    "--format",
    "-F",
];

/// Tools with global options before their subcommand (`git -C x push`, `kubectl -n ns
/// delete`): the options whose value is the next word.
pub(super) const SUBCOMMAND_TOOLS: &[(&[&str], &[&str])] = &[
    (
        &["git"],
        &[
            "-C",
            "-c",
            "--git-dir",
            "--work-tree",
            "--namespace",
            "--exec-path",
            "--config-env",
        ],
    ),
    (
        &["kubectl", "oc"],
        &[
            "-n",
            "--namespace",
            "--context",
            "--kubeconfig",
            "--cluster",
            "--user",
            "-s",
            "--server",
            "--token",
            "--as",
            "-l",
            "--selector",
            "-f",
            "--filename",
            "-o",
            "--output",
        ],
    ),
    (
        &["helm"],
        &[
            "-n",
            "--namespace",
            "--kube-context",
            "--kubeconfig",
            "--repository-config",
            "--registry-config",
        ],
    ),
    (
        &["docker", "podman"],
        &[
            "-H",
            "--host",
            "-c",
            "--context",
            "--config",
            "-l",
            "--log-level",
        ],
    ),
    // `terraform -chdir=x destroy`: single-token global options.
    (&["terraform", "tofu", "terragrunt"], &[]),
    (
        &["aws"],
        &[
            "--profile",
            "--region",
            "--output",
            "--endpoint-url",
            "--query",
            "--cli-read-timeout",
        ],
    ),
    (
        &["gcloud", "gsutil"],
        &["--project", "--account", "--configuration", "-o"],
    ),
    (
        &["npm", "pnpm", "yarn"],
        &[
            "--prefix",
            "-w",
            "--workspace",
            "-C",
            "--dir",
            "--filter",
            "--cwd",
        ],
    ),
    (&["cargo"], &["-Z", "--config", "--color"]),
    (&["gh"], &["-R", "--repo"]),
    (&["fly", "flyctl"], &["-a", "--app", "-c", "--config"]),
];

/// What a program does with its file operands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Role {
    /// Reads every operand (`cat`, `sha256sum`, `vim`).
    Reads,
    /// Reads `IN`, writes `OUT` when given two operands, else reads them (`xxd IN OUT`).
    ReadsThenWrites,
    /// Reads every operand, writes the value of `-o`/`--output` (`sort`).
    ReadsToOutputOpt,
    /// The first operand is a pattern unless `-e`/`-f` gives one; reads the rest (`grep`).
    PatternThenReads,
    /// The first operand is a script unless `-e`/`-f` gives one; reads the rest, writes them
    /// too with `-i` (`sed`).
    ScriptThenReads,
    /// The first operand is the program unless `-f` gives one; reads the rest except
    /// `var=value` assignments (`awk`).
    ProgramThenReads,
    /// The first operand is a filter; reads the rest (`jq`).
    FilterThenReads,
    /// Writes the last operand, reads the others (`cp`); `remote_dest`: a `host:path`
    /// destination is not a local write (`rsync`).
    CopyTo { remote_dest: bool },
    /// Writes the last operand, reads and writes (removes) the others (`mv`).
    MoveTo,
    /// Reads local sources, writes a local destination, skips `host:path` operands (`scp`).
    RemoteCopy,
    /// With two operands or more, writes the last (`ln`).
    LinkTo,
    /// Writes every operand (`tee`, `touch`).
    Writes,
    /// `tar`: creating reads the operands and writes the archive, else reads the archive.
    Archive,
    /// Writes the archive named by the first operand after `skip` command words, reads the
    /// rest (`zip`, `7z a`).
    ArchiveFirst { skip: usize },
    /// Reads the files named by `-in`/`-inkey`/`-key`, writes `-out` (`openssl`).
    OptionFiles,
}

/// Programs by the role of their file operands.
pub(super) const FILE_ROLES: &[(&[&str], Role)] = &[
    (
        &[
            "cat",
            "tac",
            "less",
            "more",
            "head",
            "tail",
            "nl",
            "od",
            "hexdump",
            "base64",
            "base32",
            "strings",
            "wc",
            "uniq",
            "paste",
            "column",
            "diff",
            "cmp",
            "md5sum",
            "sha1sum",
            "sha256sum",
            "sha512sum",
            "shasum",
            "md5",
            "bat",
            "batcat",
            "view",
            "vim",
            "vi",
            "nvim",
            "nano",
            "emacs",
            "pico",
            "source",
            ".",
            "fold",
            "fmt",
            "pr",
            "expand",
            "iconv",
            "zcat",
            "gunzip",
            "bzcat",
            "xzcat",
            "lzcat",
            "zless",
            "zmore",
            "cksum",
            "sum",
            "b2sum",
            "look",
            "rev",
            "tr",
            "unexpand",
            "dos2unix",
            "file",
            "clip",
            "pbcopy",
            "xclip",
            "xsel",
            "wl-copy",
            "gpg",
            "age",
            "sops",
            "split",
            "csplit",
            "cut",
            "join",
            "comm",
            "tsort",
        ],
        Role::Reads,
    ),
    (&["xxd"], Role::ReadsThenWrites),
    (&["sort"], Role::ReadsToOutputOpt),
    (
        &["grep", "egrep", "fgrep", "rg", "ag", "ack", "zgrep"],
        Role::PatternThenReads,
    ),
    (&["sed"], Role::ScriptThenReads),
    (&["awk", "gawk", "mawk"], Role::ProgramThenReads),
    (&["jq", "yq"], Role::FilterThenReads),
    (&["cp", "install"], Role::CopyTo { remote_dest: false }),
    (&["rsync"], Role::CopyTo { remote_dest: true }),
    (&["mv"], Role::MoveTo),
    (&["scp"], Role::RemoteCopy),
    (&["ln"], Role::LinkTo),
    (&["tee", "touch", "truncate"], Role::Writes),
    (&["tar", "bsdtar"], Role::Archive),
    (&["zip"], Role::ArchiveFirst { skip: 0 }),
    (&["7z"], Role::ArchiveFirst { skip: 1 }),
    (&["openssl"], Role::OptionFiles),
];

/// Options whose value is the next word, per program: that value is not a file operand.
pub(super) const FILE_VALUE_OPTS: &[(&[&str], &[&str])] = &[
    (
        &["head", "tail"],
        &["-n", "-c", "--lines", "--bytes", "--pid", "-s"],
    ),
    (
        &["grep", "egrep", "fgrep", "rg", "ag", "ack", "zgrep"],
        &[
            "-e",
            "-f",
            "-A",
            "-B",
            "-C",
            "-m",
            "-d",
            "-D",
            "--include",
            "--exclude",
            "--exclude-dir",
            "-g",
            "--glob",
            "-t",
            "--type",
            "-T",
            "--type-not",
            "--max-count",
            "--context",
            "--after-context",
            "--before-context",
            "--regexp",
            "--file",
            "-j",
            "--threads",
            "-M",
            "--max-columns",
            "--encoding",
            "--colors",
            "--replace",
            "--sort",
            "--sortr",
        ],
    ),
    (
        &["sort"],
        &[
            "-k",
            "-t",
            "-o",
            "-S",
            "-T",
            "--key",
            "--field-separator",
            "--output",
        ],
    ),
    (
        &["cut"],
        &["-d", "-f", "-c", "-b", "--delimiter", "--fields"],
    ),
    (&["xxd"], &["-l", "-s", "-c", "-g", "-o", "-n"]),
    (
        &["od", "hexdump"],
        &["-n", "-j", "-t", "-N", "-s", "-e", "-f"],
    ),
    (&["sed"], &["-e", "-f", "--expression", "--file", "-l"]),
    (&["awk", "gawk", "mawk"], &["-F", "-v", "-f"]),
    (
        &["jq", "yq"],
        &[
            "--arg",
            "--argjson",
            "--slurpfile",
            "--rawfile",
            "-f",
            "--from-file",
            "--indent",
        ],
    ),
    (
        &["cp", "mv", "install", "ln"],
        &[
            "-t",
            "--target-directory",
            "-S",
            "--suffix",
            "-m",
            "--mode",
            "-o",
            "-g",
            "--backup",
        ],
    ),
    (
        &["tar", "bsdtar"],
        &[
            "-f",
            "--file",
            "-C",
            "--directory",
            "-T",
            "--files-from",
            "-X",
            "--exclude-from",
            "--exclude",
            "--transform",
            "--owner",
            "--group",
            "--mode",
            "-I",
            "--use-compress-program",
        ],
    ),
    (&["zip"], &["-x", "-i", "-P", "--password", "-b", "-n"]),
    (
        &["less", "more", "bat", "cat", "nl", "tac"],
        &[
            "-n",
            "--line-range",
            "-r",
            "-l",
            "--language",
            "-p",
            "--style",
            "--theme",
            "-b",
            "-s",
        ],
    ),
    (&["base64", "base32"], &["-w", "--wrap"]),
    (&["strings"], &["-n", "-t", "-e"]),
    (
        &["diff", "cmp"],
        &["-U", "-C", "--label", "-L", "-x", "-X", "--exclude"],
    ),
    (
        &["openssl"],
        &[
            "-in",
            "-out",
            "-pass",
            "-passin",
            "-passout",
            "-k",
            "-K",
            "-iv",
            "-inkey",
            "-key",
            "-certfile",
        ],
    ),
];

/// `openssl` options naming a file it reads, and the one naming the file it writes.
pub(super) const OPENSSL_INPUT_OPTS: &[&str] = &["-in", "-inkey", "-key"];
pub(super) const OPENSSL_OUTPUT_OPT: &str = "-out";

/// The entry of a `(programs, value)` table that lists `program`.
pub(super) fn lookup<T: Copy>(table: &[(&[&str], T)], program: &str) -> Option<T> {
    table
        .iter()
        .find(|(names, _)| names.contains(&program))
        .map(|&(_, v)| v)
}

// ---------------------------------------------------------------------------------------
// Commands hidden in other programs: more wrappers, options whose value is a command line,
// git configuration that runs code, containers, and what makes a guess worth making.
// ---------------------------------------------------------------------------------------

/// Scheduling, sandboxing, namespace and privilege tools that run the rest of their argv.
pub(super) const MORE_WRAPPERS: &[Wrapper] = &[
    operands(
        no_command(
            wrapper(
                "chrt",
                &[
                    "-T",
                    "-P",
                    "-D",
                    "--sched-runtime",
                    "--sched-period",
                    "--sched-deadline",
                ],
            ),
            &["-p", "--pid", "-m", "--max"],
        ),
        1,
    ),
    operands(no_command(wrapper("taskset", &[]), &["-p", "--pid"]), 1),
    transparent(wrapper("pkexec", &["--user"])),
    wrapper("fakeroot", &["-l", "--lib", "--faked", "-s", "-i"]),
    wrapper("firejail", &[]),
    wrapper(
        "unshare",
        &[
            "-S", "--setuid", "-G", "--setgid", "-R", "--root", "-w", "--wd",
        ],
    ),
    wrapper(
        "nsenter",
        &["-t", "--target", "-S", "--setuid", "-G", "--setgid"],
    ),
    wrapper(
        "numactl",
        &[
            "-N",
            "-m",
            "-C",
            "-p",
            "-i",
            "--cpunodebind",
            "--membind",
            "--physcpubind",
            "--preferred",
            "--interleave",
        ],
    ),
    wrapper("cgexec", &["-g"]),
    no_command(wrapper("prlimit", &[]), &["-p", "--pid"]),
    transparent(wrapper(
        "run0",
        &[
            "-u", "--user", "-g", "--group", "-D", "--chdir", "--setenv", "--unit",
        ],
    )),
    wrapper(
        "xvfb-run",
        &[
            "-n",
            "--server-num",
            "-s",
            "--server-args",
            "-f",
            "--auth-file",
            "-e",
            "--error-file",
            "-p",
        ],
    ),
    wrapper("dbus-run-session", &["--config-file", "--dbus-daemon"]),
    wrapper("valgrind", &[]),
    wrapper("catchsegv", &[]),
    operands(wrapper("gosu", &[]), 1),
    operands(wrapper("su-exec", &[]), 1),
    wrapper("setpriv", &[]),
    wrapper(
        "chpst",
        &[
            "-u", "-U", "-b", "-e", "-n", "-l", "-L", "-m", "-d", "-o", "-p", "-f", "-c",
        ],
    ),
    wrapper("proot", &["-r", "-b", "-w", "-q", "-k"]),
    wrapper(
        "systemd-nspawn",
        &[
            "-D",
            "--directory",
            "-M",
            "--machine",
            "-u",
            "--user",
            "--bind",
            "--bind-ro",
        ],
    ),
    wrapper(
        "schroot",
        &["-c", "--chroot", "-u", "--user", "-d", "--directory"],
    ),
    wrapper(
        "watchexec",
        &[
            "-e",
            "--exts",
            "-w",
            "--watch",
            "-W",
            "-f",
            "--filter",
            "-i",
            "--ignore",
            "-d",
            "--debounce",
            "--shell",
            "--signal",
            "--stop-signal",
            "--stop-timeout",
            "--delay-run",
            "--on-busy-update",
            "-E",
            "--env",
            "--workdir",
            "--filter-file",
            "--ignore-file",
            "--project-origin",
            "--color",
        ],
    ),
    wrapper("entr", &[]),
    wrapper("ts-node-dev", &[]),
];

/// Options whose value is a command line the program runs through a shell
/// (`script -c CMD`, `tar --to-command=CMD`, `zip -TT CMD`, `rsync -e CMD`, `man -P CMD`).
pub(super) const COMMAND_OPTS: &[(&[&str], &[&str])] = &[
    (&["script"], &["-c", "--command"]),
    (
        &["tar", "bsdtar", "gtar"],
        &[
            "--to-command",
            "--use-compress-program",
            "-I",
            "--info-script",
            "-F",
            "--new-volume-script",
            "--rsh-command",
            "--rmt-command",
        ],
    ),
    (&["zip"], &["-TT", "--unzip-command"]),
    (&["rsync"], &["-e", "--rsh", "--rsync-path"]),
    (&["man"], &["-P", "--pager"]),
    (&["flock"], &["-c", "--command"]),
    (&["sg"], &["-c"]),
    (&["runuser"], &["-c", "--command"]),
    (&["nix-shell"], &["--run", "--command"]),
    (&["vagrant"], &["-c", "--command"]),
    (&["mosh"], &["--ssh"]),
    (&["fzf"], &["--preview"]),
    (&["tmux"], &["-c"]),
    (
        &["hyperfine"],
        &[
            "-p",
            "--prepare",
            "-c",
            "--cleanup",
            "-s",
            "--setup",
            "--conclude",
        ],
    ),
];

/// Options whose value is `KEY=CMD` or `KEY CMD`, where a key (any case) names a command the
/// program runs (`ssh -o ProxyCommand=CMD`, `tar --checkpoint-action=exec=CMD`).
pub(super) const KEYED_COMMAND_OPTS: &[(&[&str], &[&str], &[&str])] = &[
    (
        &["ssh", "scp", "sftp", "autossh", "sshfs"],
        &["-o"],
        &[
            "ProxyCommand",
            "LocalCommand",
            "KnownHostsCommand",
            "RemoteCommand",
        ],
    ),
    (
        &["tar", "bsdtar", "gtar"],
        &["--checkpoint-action"],
        &["exec"],
    ),
];

/// Programs whose operands are each a command line (`hyperfine 'cmd a' 'cmd b'`), with the
/// options whose value is not one.
pub(super) const OPERAND_SCRIPTS: &[(&[&str], &[&str])] = &[
    // `sg GROUP 'CMD'`: the group is read as a command line too, which runs nothing.
    (&["sg"], &[]),
    (
        &["hyperfine"],
        &[
            "-w",
            "--warmup",
            "-m",
            "--min-runs",
            "-M",
            "--max-runs",
            "-r",
            "--runs",
            "-S",
            "--shell",
            "-n",
            "--command-name",
            "-L",
            "--parameter-list",
            "--export-json",
            "--export-csv",
            "--export-markdown",
            "--export-asciidoc",
            "--export-orgmode",
            "--style",
            "-u",
            "--time-unit",
            "--output",
            "-N",
            "-i",
        ],
    ),
];

/// Wrappers whose flag makes the first operand a command line (`entr -s 'make test'`).
pub(super) const STRING_FLAG_WRAPPERS: &[(&str, &str)] = &[("entr", "-s")];

/// Environment variables whose value is a command line some program runs
/// (`GIT_SSH_COMMAND='…' git fetch`, `PAGER='…' man ls`).
pub(super) const COMMAND_ENV_VARS: &[&str] = &[
    "GIT_SSH_COMMAND",
    "GIT_SSH",
    "GIT_EDITOR",
    "GIT_SEQUENCE_EDITOR",
    "GIT_PAGER",
    "GIT_ASKPASS",
    "GIT_EXTERNAL_DIFF",
    "GIT_PROXY_COMMAND",
    "SSH_ASKPASS",
    "SUDO_ASKPASS",
    "EDITOR",
    "VISUAL",
    "FCEDIT",
    "PAGER",
    "MANPAGER",
    "SYSTEMD_PAGER",
    "LESSOPEN",
    "LESSCLOSE",
    "PROMPT_COMMAND",
    "RSYNC_RSH",
    "CVS_RSH",
    "BROWSER",
];

/// Editors whose `-c CMD`, `--cmd CMD` and `+CMD` are ex commands (`:!cmd` runs a shell).
pub(super) const VIM_PROGRAMS: &[&str] = &[
    "vim", "vi", "nvim", "gvim", "ex", "view", "vimdiff", "nvi", "evim", "gview",
];
pub(super) const VIM_COMMAND_OPTS: &[&str] = &["-c", "--cmd"];
/// Debuggers, with the options whose value is a debugger command (`gdb -ex 'shell rm …'`,
/// `lldb -o 'platform shell …'`).
pub(super) const DEBUGGERS: &[(&[&str], &[&str])] = &[
    (
        &["gdb", "gdb-multiarch", "cgdb", "rust-gdb"],
        &[
            "-ex",
            "--ex",
            "-eval-command",
            "--eval-command",
            "-iex",
            "--init-eval-command",
        ],
    ),
    (
        &["lldb", "rust-lldb"],
        &[
            "-o",
            "--one-line",
            "-O",
            "--one-line-before-file",
            "-k",
            "--one-line-on-crash",
        ],
    ),
];
/// Debugger commands that hand the rest of the line to a shell (`shell`, `!`, lldb's
/// `platform shell`) or to Python (`python`, `py`, `script`).
pub(super) const DEBUGGER_SHELL: &[&str] = &["shell ", "!", "platform shell ", "pipe "];
pub(super) const DEBUGGER_PYTHON: &[&str] =
    &["python ", "py ", "pi ", "script ", "python-interactive "];
/// Pagers whose `+CMD` is a pager command (`+!cmd` runs a shell).
pub(super) const PAGERS: &[&str] = &["less", "more", "most"];

/// `sed` implementations whose scripts may run commands (`e`, `s///e`) and write files (`w`).
pub(super) const SEDS: &[&str] = &["sed", "gsed"];
/// `make` and the options naming its makefile or adding makefile text.
pub(super) const MAKES: &[&str] = &["make", "gmake", "bmake"];
pub(super) const MAKE_FILE_OPTS: &[&str] = &["-f", "--file", "--makefile"];
pub(super) const MAKE_EVAL_OPTS: &[&str] = &["--eval", "-E"];
pub(super) const MAKEFILE_NAMES: &[&str] = &["GNUmakefile", "makefile", "Makefile"];

/// `tmux` subcommands whose trailing words are a shell command, and those typing keys into
/// a shell; the options of those subcommands that take a value.
pub(super) const TMUX_COMMAND_SUBCOMMANDS: &[&str] = &[
    "new",
    "new-session",
    "new-window",
    "neww",
    "split-window",
    "splitw",
    "respawn-pane",
    "respawnp",
    "respawn-window",
    "respawnw",
    "run-shell",
    "run",
    "display-popup",
    "popup",
    "pipe-pane",
    "pipep",
    "if-shell",
    "if",
];
pub(super) const TMUX_KEYS_SUBCOMMANDS: &[&str] = &["send-keys", "send"];
pub(super) const TMUX_VALUE_OPTS: &[&str] = &[
    "-s", "-n", "-t", "-c", "-e", "-x", "-y", "-F", "-l", "-p", "-w", "-f", "-L", "-S", "-T", "-N",
    "-b", "-h", "-d",
];
/// Of those, the switches that take no value for the subcommands above (`-d` detaches).
pub(super) const TMUX_SWITCHES: &[&str] = &["-d", "-P", "-A", "-D", "-E", "-X", "-h", "-v", "-b"];
/// Key names `send-keys` turns into keystrokes rather than text.
pub(super) const TMUX_KEY_NAMES: &[&str] = &["Enter", "C-m", "KPEnter", "C-j", "Space", "Tab"];

/// `screen` options with a value, those after which no command follows, and the `-X`
/// commands that type text into a window.
pub(super) const SCREEN_VALUE_OPTS: &[&str] =
    &["-S", "-c", "-e", "-h", "-p", "-t", "-T", "-Logfile"];
pub(super) const SCREEN_NO_COMMAND: &[&str] =
    &["-ls", "-list", "-r", "-R", "-x", "-wipe", "-v", "-Q"];
/// `at`/`batch`: they read the job's script from stdin or `-f FILE`.
pub(super) const AT_PROGRAMS: &[&str] = &["at", "batch"];
pub(super) const AT_VALUE_OPTS: &[&str] = &["-q", "-t"];
/// Builtins that run their first operand as a command line later (`trap 'cmd' EXIT`).
pub(super) const TRAP: &str = "trap";
/// Options of database clients naming a file of statements (`psql -f x.sql`).
pub(super) const SQL_FILE_OPTS: &[&str] = &[
    "-f",
    "--file",
    "-i",
    "--input-file",
    "--queries-file",
    "-init",
];
/// Builtins that assign variables from `NAME=value` operands.
pub(super) const DECLARERS: &[&str] = &["export", "declare", "typeset", "local", "readonly"];

/// Git config keys whose value is a command line git runs (`*` matches one segment);
/// `alias.*` only when the value starts with `!`.
pub(super) const GIT_COMMAND_KEYS: &[&str] = &[
    "core.pager",
    "core.editor",
    "core.sshcommand",
    "core.fsmonitor",
    "core.askpass",
    "core.gitproxy",
    "sequence.editor",
    "diff.external",
    "gpg.program",
    "gpg.ssh.program",
    "credential.helper",
    "credential.*.helper",
    "pager.*",
    "filter.*.clean",
    "filter.*.smudge",
    "filter.*.process",
    "merge.*.driver",
    "diff.*.textconv",
    "diff.*.command",
    "uploadpack.packobjectshook",
    "remote.*.uploadpack",
    "remote.*.receivepack",
    "mergetool.*.cmd",
    "difftool.*.cmd",
];
/// Git config keys that make git run files from a directory or include more config.
pub(super) const GIT_CODE_PATH_KEYS: &[&str] =
    &["core.hookspath", "include.path", "includeif.*.path"];
/// Values of boolean-or-command keys that are not commands.
pub(super) const GIT_BOOLEAN_VALUES: &[&str] =
    &["true", "false", "yes", "no", "on", "off", "1", "0", ""];
/// `git` subcommand options whose value is a command run on the other side of a transport.
pub(super) const GIT_COMMAND_SUBOPTS: &[&str] = &["--upload-pack", "--receive-pack", "--exec"];
/// `git config` options with a value, and those that read rather than set.
pub(super) const GIT_CONFIG_VALUE_OPTS: &[&str] =
    &["-f", "--file", "--blob", "--type", "--default", "--comment"];
pub(super) const GIT_CONFIG_READ_OPTS: &[&str] = &[
    "--get",
    "--get-all",
    "--get-regexp",
    "--get-urlmatch",
    "-l",
    "--list",
    "--unset",
    "--unset-all",
    "--remove-section",
    "--rename-section",
    "-e",
    "--edit",
    "get",
    "list",
    "unset",
];
/// `git push` options with a value.
pub(super) const GIT_PUSH_VALUE_OPTS: &[&str] =
    &["-o", "--push-option", "--receive-pack", "--exec", "--repo"];

/// `docker run`-style subcommands that start a fresh container, and their options with a
/// value (the command follows the image).
pub(super) const CONTAINER_RUN_SUBCOMMANDS: &[&str] = &["run", "create"];
pub(super) const CONTAINER_RUN_VALUE_OPTS: &[&str] = &[
    "-v",
    "--volume",
    "--mount",
    "-e",
    "--env",
    "--env-file",
    "-w",
    "--workdir",
    "--name",
    "-p",
    "--publish",
    "--network",
    "--net",
    "--entrypoint",
    "-u",
    "--user",
    "-l",
    "--label",
    "--platform",
    "--cpus",
    "-m",
    "--memory",
    "--add-host",
    "--device",
    "--cap-add",
    "--cap-drop",
    "--security-opt",
    "-h",
    "--hostname",
    "--restart",
    "--pull",
    "--log-driver",
    "--log-opt",
    "--tmpfs",
    "--ulimit",
    "--shm-size",
    "--gpus",
    "--ipc",
    "--pid",
    "--dns",
    "--runtime",
    "--cidfile",
    "--volumes-from",
    "--link",
    "--expose",
    "--group-add",
    "--mac-address",
    "--ip",
    "--stop-signal",
    "--stop-timeout",
    "--health-cmd",
    "--userns",
    "--uts",
    "--cgroupns",
    "--cgroup-parent",
    "--storage-opt",
    "--sysctl",
    "--label-file",
    "--annotation",
    "--attach",
    "-a",
    "--detach-keys",
    "--service-ports",
    "--project-name",
    "--file",
    "-f",
];
pub(super) const CONTAINER_BIND_OPT: &str = "--mount";
pub(super) const CONTAINER_ENTRYPOINT_OPT: &str = "--entrypoint";
pub(super) const CONTAINER_WORKDIR_OPTS: &[&str] = &["-w", "--workdir"];
/// Compose front ends whose `run`/`exec` take a service, not an image.
pub(super) const COMPOSE_TOOLS: &[&str] = &["docker-compose", "podman-compose"];

/// Programs that, named as an argument of an unknown program, make that argument worth
/// reading as a command: deleters, disk and database tools, shells, downloaders, cloud CLIs.
pub(super) const GUESS_HEADS: &[&str] = &[
    "rm",
    "rmdir",
    "shred",
    "dd",
    "wipefs",
    "mkfs",
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "fish",
    "curl",
    "wget",
    "nc",
    "ncat",
    "socat",
    "python",
    "python3",
    "perl",
    "ruby",
    "node",
    "php",
    "git",
    "kubectl",
    "terraform",
    "tofu",
    "aws",
    "gsutil",
    "gcloud",
    "az",
    "docker",
    "psql",
    "mysql",
    "mongosh",
    "redis-cli",
    "dropdb",
    "find",
    "xargs",
    "eval",
    "sudo",
    "su",
    "crontab",
    "chmod",
    "chown",
    "truncate",
    "systemctl",
    "scp",
    "rsync",
    "helm",
    "pulumi",
];
/// Options of any program whose value is prose (commit messages, titles, bodies): never read
/// as a command.
pub(super) const MESSAGE_OPTS: &[&str] = &[
    "-m",
    "--message",
    "--body",
    "--title",
    "--description",
    "--notes",
    "--comment",
    "--subject",
    "--summary",
    "--text",
    "--reason",
];
/// Switches after which the rest of an unknown program's argv is its own: it is not guessed at.
pub(super) const GUESS_STOP: &[&str] = &["--help", "-h", "--version", "-V"];
/// Programs known to take data, not commands, in their arguments: no guess is made for them.
pub(super) const DATA_PROGRAMS: &[&str] = &[
    "echo",
    "printf",
    "logger",
    "notify-send",
    "say",
    "wall",
    "write",
    "mail",
    "cowsay",
    "figlet",
    "man",
    "info",
    "tldr",
    "which",
    "type",
    "whereis",
    "whatis",
    "apropos",
    "help",
    "hash",
    "complete",
    "test",
    "[",
    "[[",
    "true",
    "false",
    "cd",
    "pushd",
    "popd",
    "read",
    "set",
    "unset",
    "shift",
    "return",
    "exit",
    "expr",
    "let",
    "mkdir",
    "ls",
    "stat",
    "realpath",
    "dirname",
    "basename",
    "readlink",
    "alias",
    "unalias",
    "export",
    "declare",
    "typeset",
    "local",
    "readonly",
    "trap",
    "jira",
    "glab",
    "hub",
    "tea",
    "svn",
    "hg",
    "jj",
    "sl",
    "apt",
    "apt-get",
    "brew",
    "dnf",
    "yum",
    "pacman",
    "apk",
    "zypper",
    "snap",
    "choco",
    "winget",
    "port",
    "pip",
    "pip3",
    "pipx",
    "gem",
    "go",
    "rustup",
    "asdf",
    "mise",
    "nvm",
    "sdk",
    "make",
    "cmake",
    "tmux",
    "screen",
    "at",
    "batch",
    "dig",
    "nslookup",
    "host",
    "ping",
    // Tools that check or explain a command line rather than run it.
    "hookwarden",
    "shellcheck",
    "shfmt",
    "explainshell",
];

// Which operands a program reads. Programs without a role in FILE_ROLES read the sensitive
// paths they are given unless a table below says otherwise.
// ---------------------------------------------------------------------------------------

/// Programs that look at a path without reading what is in it: they list, stat, move, link,
/// change modes or delete (deletion has its own flags), or print the path itself.
pub(super) const NOT_READERS: &[&str] = &[
    // History rewriters take file names as patterns to remove, not files to read.
    "bfg",
    "ls",
    "dir",
    "vdir",
    "exa",
    "eza",
    "lsd",
    "tree",
    "stat",
    "du",
    "df",
    "test",
    "[",
    "[[",
    "realpath",
    "readlink",
    "basename",
    "dirname",
    "which",
    "type",
    "whereis",
    "command",
    "mkdir",
    "rmdir",
    "chmod",
    "chown",
    "chgrp",
    "chattr",
    "lsattr",
    "setfacl",
    "getfacl",
    "xattr",
    "touch",
    "rm",
    "unlink",
    "shred",
    "srm",
    "rimraf",
    "del",
    "trash",
    "trash-put",
    "echo",
    "printf",
    "cd",
    "pushd",
    "popd",
    "export",
    "unset",
    "alias",
    "true",
    "false",
    "sleep",
    "mkfifo",
    "sync",
    "ssh-keyscan",
    "lsof",
    "fuser",
    "inotifywait",
    "watchman",
];

/// Programs that use the credential files they are given as credentials (a key to log in
/// with, a kubeconfig to reach a cluster, variables to fill a plan) and never print them.
pub(super) const CREDENTIAL_USERS: &[&str] = &[
    "ssh",
    "autossh",
    "mosh",
    "sftp",
    "ssh-add",
    "ssh-keygen",
    "ssh-copy-id",
    "kubectl",
    "oc",
    "helm",
    "k9s",
    "kubectx",
    "kubens",
    "terraform",
    "tofu",
    "terragrunt",
    "gcloud",
    "gsutil",
    "aws",
    "az",
    "ansible",
    "ansible-playbook",
    "ansible-inventory",
    "vault",
    "chezmoi",
    "direnv",
];

/// Subcommands of credential users that print what they are given: those read after all.
pub(super) const CREDENTIAL_USER_PRINTS: &[(&[&str], &[&str])] = &[
    (&["terraform", "tofu", "terragrunt"], &["show", "console"]),
    (&["kubectl", "oc"], &["cp"]),
    (&["ansible"], &["-m"]),
];

/// Options of wrappers and dispatchers that name a file they read themselves (the command
/// they run is analysed on its own): `xargs -a FILE`.
pub(super) const DISPATCHER_FILE_OPTS: &[(&[&str], &[&str])] = &[
    (&["xargs"], &["-a", "--arg-file"]),
    (&["parallel"], &["-a", "--arg-file"]),
];

/// Container tools: options whose value mounts a host path into the container (`-v
/// ~/.aws:/root/.aws`), where anything in it may read it, and subcommands that copy a host
/// path in (`docker cp ~/.ssh/id_rsa web:/tmp`).
pub(super) const CONTAINER_MOUNT_OPTS: &[&str] = &["-v", "--volume", "--mount"];
pub(super) const CONTAINER_COPY_SUBCOMMANDS: &[&str] = &["cp"];

/// git subcommands that print file content from the work tree or the object store, and the
/// options that make `git log` and its relatives do so (`git log -p -- .env`).
pub(super) const GIT_CONTENT_SUBCOMMANDS: &[&str] = &[
    "show",
    "cat-file",
    "diff",
    "blame",
    "annotate",
    "archive",
    "grep",
    "format-patch",
    "difftool",
    "bundle",
];
pub(super) const GIT_PATCH_SUBCOMMANDS: &[&str] = &["log", "whatchanged", "reflog", "stash"];
pub(super) const GIT_PATCH_OPTS: &[&str] =
    &["-p", "-u", "--patch", "--patch-with-stat", "--full-diff"];
/// Options that make a content command print names and counts only (`git diff --name-only`).
pub(super) const GIT_NAMES_ONLY_OPTS: &[&str] = &[
    "--name-only",
    "--name-status",
    "--stat",
    "--numstat",
    "--shortstat",
    "--summary",
    "--dirstat",
    "-s",
    "--no-patch",
];

/// Options of the grep family that narrow a recursive search to names matching a glob
/// (`grep -r "" --include='.env*' .`): the search then reads exactly those files.
pub(super) const GREP_NAME_FILTERS: &[&str] = &["--include", "-g", "--glob", "--iglob"];
/// Options of the grep family that make it search directories recursively.
pub(super) const GREP_RECURSIVE: &[&str] = &["-r", "-R", "--recursive", "--dereference-recursive"];
/// Members of the grep family that always search recursively.
pub(super) const RECURSIVE_GREPS: &[&str] = &["rg", "ag", "ack"];

/// `tar` options naming the directory its operands are relative to.
pub(super) const TAR_DIR_OPTS: &[&str] = &["-C", "--directory"];

#[cfg(test)]
mod tests {
    use super::*;

    /// A program listed twice in one table would make the second entry dead.
    #[test]
    fn each_program_is_listed_once_per_table() {
        fn once<T>(table: &[(&[&str], T)]) {
            let mut seen = std::collections::BTreeSet::new();
            for (names, _) in table {
                for n in *names {
                    assert!(seen.insert(*n), "{n} listed twice");
                }
            }
        }
        once(FILE_ROLES);
        once(FILE_VALUE_OPTS);
        once(SUBCOMMAND_TOOLS);
        once(COMMAND_OPTS);
        once(OPERAND_SCRIPTS);

        once(CREDENTIAL_USER_PRINTS);
        once(DISPATCHER_FILE_OPTS);
        let mut seen = std::collections::BTreeSet::new();
        for w in WRAPPERS.iter().chain(MORE_WRAPPERS) {
            assert!(seen.insert(w.name), "{} listed twice", w.name);
        }
        let mut seen = std::collections::BTreeSet::new();
        for c in SQL_CLIENTS {
            assert!(seen.insert(c.name), "{} listed twice", c.name);
        }
    }
}
