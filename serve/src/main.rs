//! `hookwarden-serve`: runs the team approval service, or adds an approver or a machine.

use anyhow::{bail, Context, Result};
use hookwarden_serve::db::{Conn, Location};
use hookwarden_serve::{store, web};

const USAGE: &str = "hookwarden-serve: the team approval service for hookwarden

USAGE:
  hookwarden-serve [--listen ADDR] [--database URL] [--threads N] [--intake-per-minute N] [--secure-cookies]
  hookwarden-serve add-approver NAME --role ROLE [--role ROLE ...] [--database URL]
  hookwarden-serve add-machine NAME [--database URL]
  hookwarden-serve revoke-approver NAME | revoke-machine NAME [--database URL]
  hookwarden-serve migrate [--database URL]

  --listen ADDR          address to serve on (default 127.0.0.1:8470)
  --database URL         sqlite:PATH (default sqlite:hookwarden-serve.db) or postgres://USER@HOST/DB
  --threads N            worker threads, one database connection each (default 8)
  --intake-per-minute N  requests one machine may file per minute (default 120)
  --secure-cookies       mark the session cookie Secure (serve behind a TLS proxy)

On its first start with no approver, the service adds `admin` (role `*`: any role) and prints
that approver's token once. Tokens are printed once and stored only as SHA-256 hashes.
";

fn main() {
    if let Err(e) = run(std::env::args().skip(1).collect()) {
        eprintln!("hookwarden-serve: {e:#}");
        std::process::exit(2);
    }
}

fn run(args: Vec<String>) -> Result<()> {
    let mut cfg = web::Config::default();
    let mut roles = Vec::new();
    let mut positional = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
        match a.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(());
            }
            "--listen" => cfg.listen = value("--listen")?,
            "--database" => cfg.database = Location::parse(&value("--database")?)?,
            "--threads" => cfg.threads = value("--threads")?.parse().context("--threads")?,
            "--intake-per-minute" => {
                cfg.intake_per_minute = value("--intake-per-minute")?
                    .parse()
                    .context("--intake-per-minute")?
            }
            "--secure-cookies" => cfg.secure_cookies = true,
            "--role" => roles.push(value("--role")?),
            s if s.starts_with('-') => bail!("unknown option `{s}`\n\n{USAGE}"),
            _ => positional.push(a),
        }
    }
    let open = |cfg: &web::Config| -> Result<Conn> {
        let mut c = Conn::open(&cfg.database)?;
        hookwarden_serve::db::migrate(&mut c)?;
        Ok(c)
    };
    match positional
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => serve(&cfg),
        ["add-approver", name] => {
            let token = store::add_approver(&mut open(&cfg)?, name, &roles)?;
            eprintln!(
                "approver `{name}` (roles: {}) added; the token, shown only now:",
                roles.join(", ")
            );
            println!("{token}");
            Ok(())
        }
        ["add-machine", name] => {
            let token = store::add_machine(&mut open(&cfg)?, name)?;
            eprintln!("machine `{name}` added; put this token in its credential file (e.g. /etc/hookwarden/machine.token), shown only now:");
            println!("{token}");
            Ok(())
        }
        [cmd @ ("revoke-approver" | "revoke-machine"), name] => {
            let kind = cmd.trim_start_matches("revoke-");
            store::revoke(&mut open(&cfg)?, kind, name)?;
            eprintln!("{kind} `{name}` revoked: its token no longer works");
            Ok(())
        }
        ["migrate"] => {
            let v = hookwarden_serve::db::migrate(&mut Conn::open(&cfg.database)?)?;
            println!("schema at version {v}");
            Ok(())
        }
        other => bail!("unknown command `{}`\n\n{USAGE}", other.join(" ")),
    }
}

fn serve(cfg: &web::Config) -> Result<()> {
    let running = web::start(cfg)?;
    let mut c = Conn::open(&cfg.database)?;
    if store::approver_count(&mut c)? == 0 {
        match store::add_approver(&mut c, "admin", &["*".to_string()]) {
            Ok(token) => eprintln!(
                "hookwarden-serve: no approver existed; added `admin` (any role). Sign in at http://{}/login with this token (shown only now):\n{token}",
                running.addr
            ),
            // Another replica added it first.
            Err(store::StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    drop(c);
    eprintln!("hookwarden-serve: listening on http://{}", running.addr);
    running.wait();
    Ok(())
}
