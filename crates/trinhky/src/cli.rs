use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use trinhky_app::Settings;
use trinhky_app::settings::LogFormat;
use trinhky_store::Store;

/// trinhky — document workflow and e-signature routing for Vietnamese government offices
/// (trình ký, ký số, phát hành và theo dõi văn bản theo Nghị định 30/2020/NĐ-CP).
///
/// Settings come from a TOML file (--config, TRINHKY_CONFIG or ./trinhky.toml) and TRINHKY_*
/// environment variables. By default the database is SQLite at ./data/trinhky.db.
#[derive(Debug, Parser)]
#[command(name = "trinhky", version, propagate_version = true)]
pub struct Cli {
    /// Settings file (TOML). Default: $TRINHKY_CONFIG, else ./trinhky.toml when present.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run migrations, start the web server and background workers; stop cleanly on Ctrl-C or SIGTERM.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage the directory of agencies and recipient groups.
    #[command(subcommand)]
    Directory(DirectoryCmd),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCmd),
    /// Inspect the tamper-evident audit trail.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Validate workflow definitions.
    #[command(subcommand)]
    Workflow(WorkflowCmd),
    /// Development certificates (dev CA, personal and organisation certificates).
    #[command(subcommand)]
    Pki(PkiCmd),
    /// The demo province: play the seed scenario end to end.
    #[command(subcommand)]
    Demo(DemoCmd),
    /// Sign a PDF (PAdES, incremental update): personally, or as the organisation after a personal signature.
    Sign(SignArgs),
    /// Render a document from JSON data with a template, laid out per Nghị định 30/2020 (PDF/A-2b).
    Render {
        /// Template: bao-cao, ke-hoach, to-trinh, thong-bao, quyet-dinh, cong-van.
        #[arg(long)]
        template: String,
        /// The document data (JSON; see crates/trinhky-render/examples/data/).
        #[arg(long, value_name = "FILE.json")]
        data: PathBuf,
        /// Where to write the PDF.
        #[arg(short, long, value_name = "OUT.pdf")]
        output: PathBuf,
        /// Also write one PNG per page into this folder.
        #[arg(long, value_name = "DIR")]
        png: Option<PathBuf>,
    },
    /// Verify every signature of a PDF. Exit 0 valid, 1 invalid, 2 could not verify.
    Verify {
        /// The PDF.
        file: PathBuf,
        /// Trust root (PEM), repeatable. Default: the dev CA of `trinhky pki init` under the data folder.
        #[arg(long, value_name = "CA.pem")]
        trust: Vec<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Read directives (thông báo kết luận, công văn …) and turn them into assignments.
    #[command(subcommand)]
    Directive(DirectiveCmd),
}

#[derive(Debug, Subcommand)]
pub enum DemoCmd {
    /// Import the seed directive, draft, sign (one "KT."), issue, dispatch, receive and archive
    /// every dated report of the demo agencies on the configured database and mail transport,
    /// then print one line per document. Exit 1 if a signature, a message or a step failed.
    Run {
        /// Play the scenario on this day (YYYY-MM-DD), e.g. 2023-06-12 for the 2023 seed's
        /// deadlines. Default: today.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<chrono::NaiveDate>,
    },
    /// Add N synthetic reports across the demo agencies in every workflow state (for load tests:
    /// scripts/bench-inbox).
    Fill {
        #[arg(long, default_value_t = 10_000)]
        documents: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum PkiCmd {
    /// Create a development CA and a certificate for every head, deputy and clerk's organisation;
    /// keys are PKCS#12 protected by --pin and stored in the database.
    Init {
        /// Folder for the CA files. Default: $TRINHKY_DATA_DIR/pki.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// PIN protecting every issued key (demo only; real keys are imported per person).
        #[arg(long, default_value = "123456")]
        pin: String,
    },
    /// Import a real PKCS#12 (from a licensed CA) as the signing key of a person or an
    /// organisation; it replaces their current key for new signatures. The PIN is checked now
    /// (from --pin-file, $TRINHKY_PIN or stdin) and never stored.
    Import {
        /// The .p12 / .pfx file.
        file: PathBuf,
        /// The person (username) who signs with it.
        #[arg(long, conflicts_with = "agency", required_unless_present = "agency")]
        user: Option<String>,
        /// The organisation (agency code) whose seal it is.
        #[arg(long)]
        agency: Option<String>,
        #[arg(long, value_name = "FILE")]
        pin_file: Option<PathBuf>,
    },
    /// Trust a root certificate (PEM) for verifying signatures: copied to $TRINHKY_DATA_DIR/trust.
    Trust {
        /// PEM file with one or more CA certificates.
        file: PathBuf,
    },
    /// Revoke the current key of a person or an organisation: no new signatures with it; when the
    /// development CA issued it, the CA lists it in a new CRL.
    Revoke {
        #[arg(long, conflicts_with = "agency", required_unless_present = "agency")]
        user: Option<String>,
        #[arg(long)]
        agency: Option<String>,
        /// Folder of the development CA. Default: $TRINHKY_DATA_DIR/pki.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// File holding the development CA's passphrase (the PIN given to `pki init`);
        /// else $TRINHKY_PIN or stdin.
        #[arg(long, value_name = "FILE")]
        pin_file: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The PDF to sign.
    pub input: PathBuf,
    /// Where to write the signed PDF.
    #[arg(short, long, value_name = "OUT.pdf")]
    pub output: PathBuf,
    /// The signer's PKCS#12 (.p12/.pfx).
    #[arg(long, value_name = "FILE")]
    pub p12: PathBuf,
    /// Read the PIN from this file (first line); else $TRINHKY_PIN or stdin.
    #[arg(long, value_name = "FILE")]
    pub pin_file: Option<PathBuf>,
    /// Sign as the organisation (requires a valid personal signature already in the file).
    #[arg(long)]
    pub organization: bool,
    /// Sign a phụ lục / attachment issued as a separate file as the organisation: no image, the
    /// given number and code (e.g. 05/BC-SNV) and the ISO 8601 time at the top right of page 1.
    #[arg(long, value_name = "NUMBER", conflicts_with = "organization")]
    pub attachment: Option<String>,
    /// Signature or seal image (transparent PNG) for the visible appearance.
    #[arg(long, value_name = "PNG")]
    pub image: Option<PathBuf>,
    /// RFC 3161 time-stamping service, http:// or https:// (PAdES B-T).
    #[arg(long, value_name = "URL")]
    pub tsa: Option<String>,
    /// Long-term validation (PAdES B-LT): append a DSS with the certificates of every signature
    /// and time-stamp and current CRLs (fetched from the distribution points unless --crl is
    /// given), so the file verifies offline.
    #[arg(long)]
    pub lt: bool,
    /// CRL (DER or PEM) to put in the DSS instead of fetching; repeatable. Implies --lt.
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// Page of the visible signature (1-based).
    #[arg(long, default_value_t = 1)]
    pub page: u32,
    /// Rectangle x1,y1,x2,y2 in points (origin bottom-left); empty = invisible.
    #[arg(long, value_name = "x1,y1,x2,y2")]
    pub rect: Option<String>,
    /// /Reason of the signature.
    #[arg(long)]
    pub reason: Option<String>,
    /// /Location of the signature.
    #[arg(long)]
    pub location: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum WorkflowCmd {
    /// Check definition files (default: the configured workflows folder). Prints every error as
    /// CODE file:line: message (hint); exits 1 if any.
    Check {
        /// Files or folders of *.toml definitions.
        paths: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DirectiveCmd {
    /// Extract metadata, tasks, deadlines and recipients from a .txt/.md/.docx/.pdf file; stores nothing.
    Parse {
        /// The directive file.
        file: PathBuf,
        /// Print exactly the JSON extraction instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Store the directive (original file kept) and create its assignments after review:
    /// prints the proposal, then asks for confirmation unless --yes.
    Import {
        /// The directive file.
        file: PathBuf,
        /// Confirm without asking.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Load the demo province and one demo account per role (passwords are printed at start-up).
    #[arg(long)]
    pub demo: bool,
    /// Folder with the demo's directory.toml and users.toml. Default: ./deploy/demo.
    #[arg(long, value_name = "DIR", requires = "demo")]
    pub demo_dir: Option<PathBuf>,
    /// Listen address; overrides TRINHKY_BIND (default 127.0.0.1:8080). Port 0 picks a free port.
    #[arg(long, value_name = "ADDR:PORT")]
    pub bind: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DirectoryCmd {
    /// Import agencies and groups from a TOML file. Idempotent; a file with any error imports nothing.
    Import {
        /// The directory file, e.g. deploy/demo/directory.toml.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Create an account with one or more roles. The password is read from --password-file or stdin.
    Add(UserAddArgs),
    /// Issue an API bearer token for a user (printed once; only its hash is stored).
    Token {
        /// The user the token acts as.
        username: String,
        /// What the token is for, e.g. "tích hợp cổng dịch vụ công".
        #[arg(long)]
        name: String,
        /// Days until the token expires (1–365).
        #[arg(long, value_name = "N", default_value_t = trinhky_app::tokens::DEFAULT_DAYS)]
        expires_days: i64,
    },
    /// List a user's API tokens: id, name, created, expires, last used, status (never the secret).
    Tokens {
        username: String,
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke an API token by id (see `trinhky user tokens`); it answers 401 from then on.
    RevokeToken {
        /// The token's id.
        id: i32,
    },
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Login name: 3–64 characters a-z, 0-9, '.', '_' or '-'.
    #[arg(long)]
    pub username: String,
    /// Full name with diacritics, as printed on documents.
    #[arg(long)]
    pub full_name: String,
    #[arg(long)]
    pub email: String,
    /// AGENCY:ROLE[:TITLE], repeatable. Roles: drafter, unit_head, agency_head, deputy_head, clerk, admin.
    /// Example: --role "SNV:agency_head:Giám đốc".
    #[arg(long = "role", value_name = "AGENCY:ROLE[:TITLE]", required = true)]
    pub roles: Vec<String>,
    /// Read the password from this file (first line). Without it, the password is read from stdin.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Recompute the hash chain; exit 0 if intact, 1 naming the first broken event.
    Verify {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TRINHKY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

pub async fn open_store(settings: &Settings) -> Result<Store> {
    if settings.database_url.starts_with("sqlite:") {
        settings.prepare_data_dir()?;
    }
    Ok(Store::connect(&settings.database_url).await?)
}

/// A progress bar on a terminal, hidden otherwise.
pub fn progress(len: u64, what: &str) -> ProgressBar {
    let pb = if std::io::stderr().is_terminal() {
        ProgressBar::new(len)
    } else {
        ProgressBar::hidden()
    };
    pb.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_owned());
    pb
}

fn cli_actor() -> String {
    let who = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{who}")
}

pub async fn run(cli: Cli) -> Result<ExitCode> {
    let mut settings = Settings::from_env(cli.config.as_deref())?;
    if let Command::Serve(ServeArgs { bind: Some(b), .. }) = &cli.command {
        settings.bind = b
            .parse()
            .map_err(|_| anyhow::anyhow!("invalid setting --bind: \"{b}\" is not an address:port. Fix: write it like 127.0.0.1:8080"))?;
    }
    init_logging(settings.log_format);
    match cli.command {
        Command::Serve(args) => crate::serve::serve(settings, args).await,
        Command::Migrate => {
            let store = open_store(&settings).await?;
            let n = store.migrate().await?;
            println!("migrations applied: {n} (database is up to date)");
            Ok(ExitCode::SUCCESS)
        }
        Command::Directory(DirectoryCmd::Import { file }) => {
            directory_import(&settings, &file).await
        }
        Command::User(UserCmd::Add(args)) => user_add(&settings, args).await,
        Command::User(UserCmd::Token {
            username,
            name,
            expires_days,
        }) => {
            let store = open_store(&settings).await?;
            store.migrate().await?;
            let (token, view) = trinhky_app::tokens::issue(
                &store,
                &cli_actor(),
                &username,
                &name,
                expires_days,
                chrono::Utc::now(),
            )
            .await?;
            println!("{token}");
            eprintln!(
                "API token {} for {username} created, valid until {}. It is shown once; send it as `Authorization: Bearer <token>`.",
                view.id,
                view.expires_at.map_or_else(
                    || "-".to_owned(),
                    |e| e.format("%Y-%m-%d %H:%M UTC").to_string()
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCmd::Tokens { username, json }) => {
            let store = open_store(&settings).await?;
            store.migrate().await?;
            let list = trinhky_app::tokens::list(&store, &username, chrono::Utc::now()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(ExitCode::SUCCESS);
            }
            let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map_or_else(
                    || "-".to_owned(),
                    |t| t.format("%Y-%m-%d %H:%M").to_string(),
                )
            };
            println!(
                "{:>5}  {:<30}  {:<16}  {:<16}  {:<16}  status",
                "id", "name", "created", "expires", "last used"
            );
            for t in &list {
                println!(
                    "{:>5}  {:<30}  {:<16}  {:<16}  {:<16}  {}",
                    t.id,
                    t.name,
                    when(Some(t.created_at)),
                    when(t.expires_at),
                    when(t.last_used_at),
                    t.status
                );
            }
            if list.is_empty() {
                eprintln!("{username} has no API tokens.");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCmd::RevokeToken { id }) => {
            let store = open_store(&settings).await?;
            store.migrate().await?;
            match trinhky_app::tokens::revoke(&store, &cli_actor(), id, chrono::Utc::now()).await? {
                trinhky_app::tokens::Revoked::Done(t) => {
                    println!("API token {id} (\"{}\" of {}) revoked.", t.name, t.username);
                    Ok(ExitCode::SUCCESS)
                }
                trinhky_app::tokens::Revoked::Already(t) => {
                    println!(
                        "API token {id} (\"{}\" of {}) was already revoked.",
                        t.name, t.username
                    );
                    Ok(ExitCode::SUCCESS)
                }
                trinhky_app::tokens::Revoked::NotFound => {
                    bail!(
                        "no API token with id {id}; list them with `trinhky user tokens USERNAME`"
                    )
                }
            }
        }
        Command::Audit(AuditCmd::Verify { json }) => audit_verify(&settings, json).await,
        Command::Pki(PkiCmd::Init { dir, pin }) => {
            let store = open_store(&settings).await?;
            store.migrate().await?;
            crate::pdfcmd::pki_init(&settings, &store, dir, &pin).await
        }
        Command::Pki(PkiCmd::Import {
            file,
            user,
            agency,
            pin_file,
        }) => {
            let store = open_store(&settings).await?;
            store.migrate().await?;
            crate::pdfcmd::pki_import(&store, &file, user, agency, pin_file.as_deref()).await
        }
        Command::Pki(PkiCmd::Trust { file }) => crate::pdfcmd::pki_trust(&settings, &file),
        Command::Pki(PkiCmd::Revoke {
            user,
            agency,
            dir,
            pin_file,
        }) => {
            let store = open_store(&settings).await?;
            store.migrate().await?;
            crate::pdfcmd::pki_revoke(&settings, &store, user, agency, dir, pin_file.as_deref())
                .await
        }
        Command::Sign(a) => crate::pdfcmd::sign(
            &a.input,
            &a.output,
            &a.p12,
            a.pin_file.as_deref(),
            a.organization,
            a.image.as_deref(),
            a.tsa,
            a.lt || !a.crl.is_empty(),
            &a.crl,
            a.page,
            a.rect.as_deref(),
            a.reason,
            a.location,
            a.attachment,
        ),
        Command::Render {
            template,
            data,
            output,
            png,
        } => crate::pdfcmd::render(&settings, &template, &data, &output, png.as_deref()),
        Command::Verify { file, trust, json } => {
            crate::pdfcmd::verify(&settings, &file, &trust, json)
        }
        Command::Workflow(WorkflowCmd::Check { paths }) => {
            let paths = if paths.is_empty() {
                vec![settings.workflows_dir.clone()]
            } else {
                paths
            };
            let (defs, errors) = trinhky_app::registry::check_paths(&paths)?;
            for e in &errors {
                println!("{e}");
            }
            if errors.is_empty() {
                for d in &defs {
                    println!(
                        "ok  {} (version {}, {} states, {} transitions) — {}",
                        d.id,
                        d.version,
                        d.states.len(),
                        d.transitions.len(),
                        d.file
                    );
                }
                Ok(ExitCode::SUCCESS)
            } else {
                println!("{} error(s)", errors.len());
                Ok(ExitCode::from(1))
            }
        }
        Command::Demo(DemoCmd::Run { date }) => crate::demo_run::run(settings, date).await,
        Command::Demo(DemoCmd::Fill { documents }) => {
            crate::demo_run::fill(settings, documents).await
        }
        Command::Directive(DirectiveCmd::Parse { file, json }) => {
            crate::directive::parse(&file, json)
        }
        Command::Directive(DirectiveCmd::Import { file, yes }) => {
            let store = open_store(&settings).await?;
            store.migrate().await?;
            crate::directive::import(&store, &file, yes, &cli_actor()).await
        }
    }
}

async fn directory_import(settings: &Settings, file: &Path) -> Result<ExitCode> {
    let store = open_store(settings).await?;
    store.migrate().await?;
    let pb = progress(0, "importing");
    let result = trinhky_app::directory_import::directory_import(
        &store,
        file,
        &cli_actor(),
        |done, total| {
            pb.set_length(total as u64);
            pb.set_position(done as u64);
        },
    )
    .await;
    pb.finish_and_clear();
    let (dir, s) = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("nothing was imported.");
            return Ok(ExitCode::from(1));
        }
    };
    println!(
        "directory \"{}\" imported from {}",
        dir.name,
        file.display()
    );
    println!(
        "  agencies: {} created, {} updated, {} unchanged",
        s.agencies_created, s.agencies_updated, s.agencies_unchanged
    );
    println!(
        "  groups:   {} created, {} updated, {} unchanged",
        s.groups_created, s.groups_updated, s.groups_unchanged
    );
    if !s.agencies_not_in_file.is_empty() {
        println!(
            "  kept (in the database, not in the file): {}",
            s.agencies_not_in_file.join(", ")
        );
    }
    if !s.changed() {
        println!("  nothing changed.");
    }
    Ok(ExitCode::SUCCESS)
}

async fn user_add(settings: &Settings, args: UserAddArgs) -> Result<ExitCode> {
    let password = match &args.password_file {
        Some(p) => std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the password file {}", p.display()))?
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
        None => {
            if std::io::stdin().is_terminal() {
                eprint!(
                    "Password for {} (input is shown; prefer --password-file): ",
                    args.username
                );
            }
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("cannot read the password from stdin")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    if password.is_empty() {
        bail!("no password given: pass --password-file FILE or pipe it on stdin");
    }
    let mut roles = Vec::new();
    for r in &args.roles {
        roles.push(trinhky_app::user_add::parse_role_arg(r)?);
    }
    let store = open_store(settings).await?;
    store.migrate().await?;
    let new = trinhky_app::user_add::NewUser {
        username: args.username,
        full_name: args.full_name,
        email: args.email,
        password,
        roles,
    };
    match trinhky_app::user_add::user_add(&store, &cli_actor(), new).await {
        Ok(u) => {
            println!("user {} ({}) created", u.username, u.full_name);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

async fn audit_verify(settings: &Settings, json: bool) -> Result<ExitCode> {
    let store = open_store(settings).await?;
    if !store.is_migrated().await? {
        bail!(
            "the database at {} has pending migrations; run `trinhky migrate` first",
            settings.database_url
        );
    }
    let pb = progress(0, "verifying");
    let report = trinhky_store::audit::verify(store.db(), |done, total| {
        pb.set_length(total);
        pb.set_position(done);
    })
    .await?;
    pb.finish_and_clear();
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    match &report.broken {
        None => {
            if !json {
                println!("audit chain intact: {} events verified", report.events);
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(b) => {
            if !json {
                println!("audit chain BROKEN: {b}");
                println!(
                    "(checked {} events before the break)",
                    report.events.saturating_sub(1)
                );
            }
            Ok(ExitCode::from(1))
        }
    }
}
