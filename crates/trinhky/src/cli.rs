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
    /// Inspect the tamper-evident audit trail and anchor it outside the database.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// The key-encryption key (KEK) that wraps every signing key stored in the database.
    #[command(subcommand)]
    Keys(KeysCmd),
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
    /// keys are PKCS#12 protected by --pin (at least 6 digits) and stored in the database wrapped
    /// with the KEK (TRINHKY_KEK_FILE). The CA key gets its own random passphrase (ca.pass).
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
        /// File holding the development CA's passphrase. Default: its own passphrase file
        /// (`ca.pass` next to it, written by `pki init`), else $TRINHKY_PIN or stdin.
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
    /// Allow --demo (public passwords, PIN 123456) on an address other than loopback.
    #[arg(long, requires = "demo")]
    pub demo_public: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeysCmd {
    /// Write a new random key-encryption key (32 bytes, base64) to FILE with mode 0600; refuses
    /// to overwrite. Then set TRINHKY_KEK_FILE=FILE for every trinhky command, and keep a copy
    /// apart from the database backups.
    InitKek {
        /// Where to write it, e.g. /etc/trinhky/kek.
        file: PathBuf,
    },
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
    /// Recompute the hash chain and check it against the checkpoints file with the KEK; exit 0
    /// if intact, 1 naming the first broken event or checkpoint, 2 if it could not check.
    Verify {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
        /// Checkpoints file (e.g. a copy shipped elsewhere). Default: TRINHKY_AUDIT_CHECKPOINTS.
        #[arg(long, value_name = "FILE")]
        checkpoints: Option<PathBuf>,
    },
    /// Append a checkpoint of the chain head (HMAC with a key derived from the KEK) to the
    /// checkpoints file, after checking the events since the last one. `trinhky serve` does this
    /// every minute when the chain grew.
    Checkpoint,
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

/// `--demo` publishes its passwords and PIN: refused on a non-loopback address unless
/// `--demo-public` says so.
pub fn check_demo_bind(settings: &Settings, args: &ServeArgs) -> Result<()> {
    if args.demo && !args.demo_public && !settings.bind.ip().is_loopback() {
        bail!(
            "refusing to start the demo on {}: --demo prints its passwords and signing PIN for everyone, so it listens on loopback only. Use --bind 127.0.0.1:8080, or add --demo-public to expose the demo on purpose",
            settings.bind
        );
    }
    Ok(())
}

/// The key-encryption key, or an error saying how to create one (see `trinhky keys init-kek`).
pub fn load_kek(settings: &Settings, demo: bool) -> Result<trinhky_app::kek::Kek> {
    let kek = settings.load_kek(demo)?;
    tracing::debug!(kek = %kek.id(), "key-encryption key loaded");
    Ok(kek)
}

/// Wraps keys stored before wrapping existed (audited), and says so.
pub async fn wrap_stored_keys(store: &Store, kek: &trinhky_app::kek::Kek) -> Result<()> {
    let n = trinhky_app::signing::wrap_stored_keys(store, kek, "system:kek")
        .await
        .context("wrapping the stored signing keys with the KEK")?;
    if n > 0 {
        tracing::warn!(
            keys = n,
            kek = %kek.id(),
            "signing keys stored as bare PKCS#12 were wrapped with the KEK; backups made before now still hold them protected by the PIN only"
        );
    }
    Ok(())
}

pub async fn open_store(settings: &Settings) -> Result<Store> {
    Ok(trinhky_app::app::open_store(settings).await?)
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
        }) => token_issue(&settings, &username, &name, expires_days).await,
        Command::User(UserCmd::Tokens { username, json }) => {
            token_list(&settings, &username, json).await
        }
        Command::User(UserCmd::RevokeToken { id }) => token_revoke(&settings, id).await,
        Command::Audit(AuditCmd::Verify { json, checkpoints }) => {
            audit_verify(&settings, json, checkpoints).await
        }
        Command::Audit(AuditCmd::Checkpoint) => audit_checkpoint(&settings).await,
        Command::Keys(KeysCmd::InitKek { file }) => init_kek(&file),
        Command::Pki(PkiCmd::Init { dir, pin }) => {
            let kek = load_kek(&settings, false)?;
            let store = open_store(&settings).await?;
            store.migrate().await?;
            wrap_stored_keys(&store, &kek).await?;
            crate::pdfcmd::pki_init(&settings, &store, &kek, dir, &pin).await
        }
        Command::Pki(PkiCmd::Import {
            file,
            user,
            agency,
            pin_file,
        }) => {
            let kek = load_kek(&settings, false)?;
            let store = open_store(&settings).await?;
            store.migrate().await?;
            wrap_stored_keys(&store, &kek).await?;
            crate::pdfcmd::pki_import(&store, &kek, &file, user, agency, pin_file.as_deref()).await
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
        Command::Workflow(WorkflowCmd::Check { paths }) => workflow_check(&settings, paths),
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
            let cpu = trinhky_app::cpu::CpuPool::new(settings.server.cpu_workers);
            crate::directive::import(&store, &cpu, &file, yes, &cli_actor()).await
        }
    }
}

/// `trinhky user token`: issues an API token and prints it once.
async fn token_issue(
    settings: &Settings,
    username: &str,
    name: &str,
    expires_days: i64,
) -> Result<ExitCode> {
    let store = open_store(settings).await?;
    store.migrate().await?;
    let (token, view) = trinhky_app::tokens::issue(
        &store,
        &cli_actor(),
        username,
        name,
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

/// `trinhky user tokens`: the API tokens of a user.
async fn token_list(settings: &Settings, username: &str, json: bool) -> Result<ExitCode> {
    let store = open_store(settings).await?;
    store.migrate().await?;
    let list = trinhky_app::tokens::list(&store, username, chrono::Utc::now()).await?;
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

/// `trinhky user revoke-token`.
async fn token_revoke(settings: &Settings, id: i32) -> Result<ExitCode> {
    let store = open_store(settings).await?;
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
            bail!("no API token with id {id}; list them with `trinhky user tokens USERNAME`")
        }
    }
}

/// `trinhky keys init-kek`: writes a new key-encryption key, never over an existing one.
fn init_kek(file: &Path) -> Result<ExitCode> {
    if file.exists() {
        bail!(
            "{} exists: refusing to overwrite a KEK (keys wrapped with it could no longer be used). Choose another file",
            file.display()
        );
    }
    let kek = trinhky_app::kek::Kek::create_file(&file)?;
    println!(
        "key-encryption key {} written to {} (mode 0600)",
        kek.id(),
        file.display()
    );
    println!(
        "  set TRINHKY_KEK_FILE={} for trinhky (or kek_file in the settings file),",
        file.display()
    );
    println!("  make it readable by the service user only, and keep a copy apart from the");
    println!("  database backups: without it no stored signing key can be used.");
    Ok(ExitCode::SUCCESS)
}

/// `trinhky workflow check`: every error of the definitions, or a line per definition.
fn workflow_check(settings: &Settings, paths: Vec<PathBuf>) -> Result<ExitCode> {
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
    match trinhky_app::user_add::user_add(
        &store,
        &trinhky_app::cpu::CpuPool::new(settings.server.cpu_workers),
        &cli_actor(),
        new,
    )
    .await
    {
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

async fn audit_verify(
    settings: &Settings,
    json: bool,
    checkpoints: Option<PathBuf>,
) -> Result<ExitCode> {
    let store = open_store(settings).await?;
    if !store.is_migrated().await? {
        bail!(
            "the database at {} has pending migrations; run `trinhky migrate` first",
            settings.database_url
        );
    }
    let path = checkpoints.unwrap_or_else(|| settings.audit_checkpoints.clone());
    let lines = trinhky_app::audit_anchor::read_file(&path)?.len();
    let kek = settings.find_kek()?;
    if lines > 0 && kek.is_none() {
        eprintln!(
            "error: {lines} checkpoint(s) in {} cannot be checked without the KEK: set TRINHKY_KEK_FILE (or TRINHKY_KEK)",
            path.display()
        );
        return Ok(ExitCode::from(2));
    }
    let pb = progress(0, "verifying");
    let report = trinhky_store::audit::verify(store.db(), |done, total| {
        pb.set_length(total);
        pb.set_position(done);
    })
    .await?;
    pb.finish_and_clear();
    let anchors = match &kek {
        Some(k) => trinhky_app::audit_anchor::verify(&store, k, &path).await?,
        None => trinhky_app::audit_anchor::AnchorReport::default(),
    };
    let ok = report.broken.is_none() && anchors.problems.is_empty();
    if json {
        let mut v = serde_json::to_value(&report)?;
        v["checkpoints_file"] = serde_json::json!(path.display().to_string());
        v["anchors"] = serde_json::to_value(&anchors)?;
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    match &report.broken {
        None => println!("audit chain intact: {} events verified", report.events),
        Some(b) => {
            println!("audit chain BROKEN: {b}");
            println!(
                "(checked {} events before the break)",
                report.events.saturating_sub(1)
            );
        }
    }
    for p in &anchors.problems {
        println!("audit checkpoint MISMATCH: {p}");
    }
    if anchors.problems.is_empty() {
        match (anchors.anchored_seq, anchors.anchored_at) {
            (Some(seq), Some(at)) => println!(
                "checkpoints match: {} checkpoint(s) in {}; events up to #{seq} anchored (last checkpoint {at})",
                anchors.checkpoints,
                path.display()
            ),
            _ => println!(
                "not anchored: no checkpoint in {} (`trinhky audit checkpoint` writes one; `trinhky serve` every minute). Without one, a rewrite of the whole chain in the database cannot be told apart",
                path.display()
            ),
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn audit_checkpoint(settings: &Settings) -> Result<ExitCode> {
    use trinhky_app::audit_anchor::Written;
    let kek = match settings.find_kek()? {
        Some(k) => k,
        None => load_kek(settings, false)?,
    };
    let store = open_store(settings).await?;
    if !store.is_migrated().await? {
        bail!(
            "the database at {} has pending migrations; run `trinhky migrate` first",
            settings.database_url
        );
    }
    let path = &settings.audit_checkpoints;
    match trinhky_app::audit_anchor::checkpoint(&store, &kek, path, chrono::Utc::now()).await {
        Ok(Written::Empty) => println!("the audit chain is empty: nothing to anchor"),
        Ok(Written::Unchanged(c)) => println!(
            "event #{} is already anchored in {} (checkpoint of {})",
            c.seq,
            path.display(),
            c.at
        ),
        Ok(Written::New(c)) => println!(
            "checkpoint of event #{} appended to {}; ship this file elsewhere (or keep the log line)",
            c.seq,
            path.display()
        ),
        Err(trinhky_app::AppError::Conflict(m)) => {
            eprintln!("error: {m}");
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(ExitCode::SUCCESS)
}
