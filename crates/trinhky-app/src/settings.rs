//! Settings: defaults, then a TOML file, then `TRINHKY_*` environment variables. Validated once
//! at start-up; a wrong value stops start-up with a message that names the setting and the fix.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// A secret that never prints.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How the session cookie's `Secure` flag is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecureCookies {
    /// Secure when the request came over TLS (`X-Forwarded-Proto: https` from the proxy) or
    /// `base_url` is https.
    Auto,
    Always,
    Never,
}

/// SMTP transport security.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (port 587).
    Starttls,
    /// Implicit TLS (port 465).
    Tls,
    /// No TLS (only for a relay on loopback).
    None,
}

#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// Extra CA certificate (PEM) to trust for the SMTP server, e.g. a private relay's.
    pub ca_file: Option<PathBuf>,
    /// Bound in seconds on each network operation of an SMTP exchange (TRINHKY_SMTP_TIMEOUT_SECS,
    /// default 30). The dispatcher's lease on a message is derived from it.
    pub timeout_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Limits of the HTTP server against slow or hostile clients (`[server]` in the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    /// Time a client has to send a request's headers, and how long an idle keep-alive connection
    /// stays open (TRINHKY_HEADER_TIMEOUT_SECS, default 10).
    pub header_timeout: Duration,
    /// Time a request may take, body included, before it is answered 503
    /// (TRINHKY_REQUEST_TIMEOUT_SECS, default 60).
    pub request_timeout: Duration,
    /// The same for uploads (multipart bodies: directives, attachments, PKCS#12 files), which may
    /// come over slow links (TRINHKY_UPLOAD_TIMEOUT_SECS, default 600).
    pub upload_timeout: Duration,
    /// Open connections at most; further clients wait in the listen backlog
    /// (TRINHKY_MAX_CONNECTIONS, default 1024).
    pub max_connections: usize,
    /// Largest request body of an ordinary route (forms, JSON), in bytes; upload routes have their
    /// own limits (TRINHKY_BODY_MAX_KB, default 1024).
    pub body_max_bytes: usize,
    /// At shutdown, how long requests in flight may still take before their connections are
    /// closed; idle connections close at once (TRINHKY_SHUTDOWN_GRACE_SECS, default 10).
    pub shutdown_grace: Duration,
    /// CPU-bound jobs (layout, rasterising, signing, argon2) that run at once
    /// (TRINHKY_CPU_WORKERS, default: the number of cores less one, at least one).
    pub cpu_workers: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            upload_timeout: Duration::from_secs(600),
            max_connections: 1024,
            body_max_bytes: 1024 * 1024,
            shutdown_grace: Duration::from_secs(10),
            cpu_workers: crate::cpu::default_workers(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileServer {
    header_timeout_secs: Option<u64>,
    request_timeout_secs: Option<u64>,
    upload_timeout_secs: Option<u64>,
    max_connections: Option<u64>,
    body_max_kb: Option<u64>,
    shutdown_grace_secs: Option<u64>,
    cpu_workers: Option<u64>,
}

impl ServerSettings {
    fn load(
        file: FileServer,
        pick: impl Fn(&str, Option<String>) -> Option<String>,
    ) -> Result<ServerSettings, SettingsError> {
        let d = ServerSettings::default();
        let number = |var: &str,
                      from_file: Option<u64>,
                      range: std::ops::RangeInclusive<u64>,
                      default: u64,
                      unit: &str|
         -> Result<u64, SettingsError> {
            match pick(var, from_file.map(|v| v.to_string())) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| range.contains(n))
                    .ok_or_else(|| {
                        err(
                            var,
                            format!(
                                "\"{v}\" is not a whole number of {unit} between {} and {}",
                                range.start(),
                                range.end()
                            ),
                            format!("e.g. {default}"),
                        )
                    }),
            }
        };
        let secs = |n: u64| Duration::from_secs(n);
        let usize_of = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Ok(ServerSettings {
            header_timeout: secs(number(
                "TRINHKY_HEADER_TIMEOUT_SECS",
                file.header_timeout_secs,
                1..=3600,
                d.header_timeout.as_secs(),
                "seconds",
            )?),
            request_timeout: secs(number(
                "TRINHKY_REQUEST_TIMEOUT_SECS",
                file.request_timeout_secs,
                1..=3600,
                d.request_timeout.as_secs(),
                "seconds",
            )?),
            upload_timeout: secs(number(
                "TRINHKY_UPLOAD_TIMEOUT_SECS",
                file.upload_timeout_secs,
                1..=86_400,
                d.upload_timeout.as_secs(),
                "seconds",
            )?),
            max_connections: usize_of(number(
                "TRINHKY_MAX_CONNECTIONS",
                file.max_connections,
                1..=1_000_000,
                1024,
                "connections",
            )?),
            body_max_bytes: usize_of(number(
                "TRINHKY_BODY_MAX_KB",
                file.body_max_kb,
                16..=1_048_576,
                1024,
                "KiB",
            )?)
            .saturating_mul(1024),
            shutdown_grace: secs(number(
                "TRINHKY_SHUTDOWN_GRACE_SECS",
                file.shutdown_grace_secs,
                0..=3600,
                d.shutdown_grace.as_secs(),
                "seconds",
            )?),
            cpu_workers: usize_of(number(
                "TRINHKY_CPU_WORKERS",
                file.cpu_workers,
                1..=1024,
                u64::try_from(d.cpu_workers).unwrap_or(2),
                "jobs",
            )?),
        })
    }
}

/// Validated settings, passed down from `main`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub bind: SocketAddr,
    pub base_url: Option<String>,
    pub secure_cookies: SecureCookies,
    pub session_ttl_minutes: i64,
    pub log_format: LogFormat,
    pub mail_from: String,
    pub smtp: Option<SmtpSettings>,
    /// Folder of workflow definitions (`*.toml`).
    pub workflows_dir: PathBuf,
    /// Holiday calendar used for working-day SLAs.
    pub calendar_file: PathBuf,
    /// Numbering: one counter per document type instead of one shared counter.
    pub numbering_per_type: bool,
    /// Document templates (`*.typ`) and their fonts (`fonts/`).
    pub templates_dir: PathBuf,
    /// RFC 3161 time-stamping service: signatures become PAdES B-T when set.
    pub tsa_url: Option<String>,
    /// Largest attachment (tệp đính kèm) accepted, in bytes (TRINHKY_ATTACHMENT_MAX_MB).
    pub attachment_max_bytes: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the client (TRINHKY_TRUSTED_PROXIES).
    pub trusted_proxies: crate::client_addr::TrustedProxies,
    /// The key-encryption key's file (TRINHKY_KEK_FILE); see [`crate::kek`].
    pub kek_file: Option<PathBuf>,
    /// The key-encryption key itself, base64 (TRINHKY_KEK; environment only).
    pub kek: Option<Secret>,
    /// Where audit checkpoints are appended (TRINHKY_AUDIT_CHECKPOINTS).
    pub audit_checkpoints: PathBuf,
    /// Where the settings came from, for `--help`-style diagnostics.
    pub source: Option<PathBuf>,
    /// Timeouts and limits of the HTTP server.
    pub server: ServerSettings,
}

/// A setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid setting {setting}: {problem}. Fix: {fix}")]
pub struct SettingsError {
    pub setting: String,
    pub problem: String,
    pub fix: String,
}

fn err(setting: &str, problem: impl Into<String>, fix: impl Into<String>) -> SettingsError {
    SettingsError {
        setting: setting.to_owned(),
        problem: problem.into(),
        fix: fix.into(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    bind: Option<String>,
    base_url: Option<String>,
    secure_cookies: Option<String>,
    session_ttl_minutes: Option<i64>,
    log_format: Option<String>,
    mail_from: Option<String>,
    workflows_dir: Option<PathBuf>,
    calendar_file: Option<PathBuf>,
    numbering: Option<String>,
    templates_dir: Option<PathBuf>,
    tsa_url: Option<String>,
    attachment_max_mb: Option<u32>,
    trusted_proxies: Option<String>,
    kek_file: Option<PathBuf>,
    audit_checkpoints: Option<PathBuf>,
    smtp: Option<FileSmtp>,
    server: Option<FileServer>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSmtp {
    host: Option<String>,
    port: Option<u16>,
    tls: Option<String>,
    username: Option<String>,
    password: Option<Secret>,
    ca_file: Option<PathBuf>,
}

/// Looks a setting up: the environment variable when set and not empty, else the file's value.
type Pick<'a> = &'a dyn Fn(&str, Option<String>) -> Option<String>;

impl Settings {
    /// Loads settings: `config` (or `TRINHKY_CONFIG`, or `./trinhky.toml` when present), then
    /// the environment `env` (a lookup function, so tests need not touch the process env).
    pub fn load(
        config: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, SettingsError> {
        let (path, file) = read_config(config, &env)?;
        let pick_fn =
            |var: &str, from_file: Option<String>| env(var).filter(|v| !v.is_empty()).or(from_file);
        let pick: Pick<'_> = &pick_fn;
        let data_dir = path_setting(pick, "TRINHKY_DATA_DIR", file.data_dir, "./data");
        let database_url = database_url(pick, file.database_url, &data_dir)?;
        let bind = bind(pick, file.bind)?;
        let base_url = http_url(
            pick("TRINHKY_BASE_URL", file.base_url).map(|u| u.trim_end_matches('/').to_owned()),
            "TRINHKY_BASE_URL",
            "write it like https://trinhky.example.gov.vn",
        )?;
        let secure_cookies = choice(
            pick("TRINHKY_SECURE_COOKIES", file.secure_cookies),
            "TRINHKY_SECURE_COOKIES",
            "choice",
            &[
                ("auto", SecureCookies::Auto),
                ("always", SecureCookies::Always),
                ("never", SecureCookies::Never),
            ],
            "use auto, always or never",
        )?;
        let session_ttl_minutes = session_ttl_minutes(pick, file.session_ttl_minutes)?;
        let log_format = choice(
            pick("TRINHKY_LOG_FORMAT", file.log_format),
            "TRINHKY_LOG_FORMAT",
            "format",
            &[("text", LogFormat::Text), ("json", LogFormat::Json)],
            "use text or json",
        )?;
        let mail_from = pick("TRINHKY_MAIL_FROM", file.mail_from);
        let fsmtp = file.smtp.unwrap_or_default();
        let smtp = match pick("TRINHKY_SMTP_HOST", fsmtp.host.clone()) {
            None => None,
            Some(host) => Some(smtp(pick, &env, host, fsmtp, mail_from.is_some())?),
        };
        let mail_from = mail_from.unwrap_or_else(|| "trinhky <no-reply@trinhky.invalid>".into());
        let workflows_dir = path_setting(
            pick,
            "TRINHKY_WORKFLOWS_DIR",
            file.workflows_dir,
            "workflows",
        );
        let calendar_file = path_setting(
            pick,
            "TRINHKY_CALENDAR",
            file.calendar_file,
            "deploy/calendar/vn.toml",
        );
        let templates_dir = path_setting(
            pick,
            "TRINHKY_TEMPLATES_DIR",
            file.templates_dir,
            "templates",
        );
        let tsa_url = http_url(
            pick("TRINHKY_TSA_URL", file.tsa_url).filter(|u| !u.trim().is_empty()),
            "TRINHKY_TSA_URL",
            "give the time-stamping service's URL, e.g. http://tsa.example.vn/tsr, or leave it unset",
        )?;
        let numbering_per_type = choice(
            pick("TRINHKY_NUMBERING", file.numbering),
            "TRINHKY_NUMBERING",
            "choice",
            &[("single", false), ("per_type", true)],
            "use single (one counter) or per_type (one per document type)",
        )?;
        let attachment_max_bytes = attachment_max_bytes(pick, file.attachment_max_mb)?;
        let server = ServerSettings::load(file.server.unwrap_or_default(), pick)?;
        let trusted_proxies = trusted_proxies(pick, file.trusted_proxies)?;
        let (kek_file, kek) = kek(pick, &env, file.kek_file)?;
        let audit_checkpoints = pick(
            "TRINHKY_AUDIT_CHECKPOINTS",
            file.audit_checkpoints.map(|p| p.display().to_string()),
        )
        .map(PathBuf::from)
        .unwrap_or_else(|| data_dir.join("audit-checkpoints.jsonl"));
        Ok(Settings {
            server,
            trusted_proxies,
            kek_file,
            kek,
            audit_checkpoints,
            attachment_max_bytes,
            data_dir,
            database_url,
            bind,
            base_url,
            secure_cookies,
            session_ttl_minutes,
            log_format,
            mail_from,
            smtp,
            workflows_dir,
            calendar_file,
            numbering_per_type,
            templates_dir,
            tsa_url,
            source: path,
        })
    }

    /// Settings from the process environment.
    pub fn from_env(config: Option<&Path>) -> Result<Settings, SettingsError> {
        Settings::load(config, |k| std::env::var(k).ok())
    }

    /// The key-encryption key: `TRINHKY_KEK`, else the file `TRINHKY_KEK_FILE`. With `demo`
    /// and neither set, `$TRINHKY_DATA_DIR/kek` is used, and created (0600) when missing.
    /// Without one, outside the demo, the error says how to create one.
    pub fn load_kek(&self, demo: bool) -> Result<crate::kek::Kek, crate::kek::KekError> {
        use crate::kek::{Kek, KekError};
        if let Some(k) = &self.kek {
            return Kek::parse(k.expose(), "TRINHKY_KEK");
        }
        if let Some(p) = &self.kek_file {
            return Kek::load_file(p);
        }
        let demo_file = self.data_dir.join("kek");
        if demo {
            return if demo_file.exists() {
                Kek::load_file(&demo_file)
            } else {
                match Kek::create_file(&demo_file) {
                    // Another demo process sharing the folder made it first.
                    Err(KekError::Io { source, .. })
                        if source.kind() == std::io::ErrorKind::AlreadyExists =>
                    {
                        Kek::load_file(&demo_file)
                    }
                    other => other,
                }
            };
        }
        Err(KekError::Missing {
            hint: if demo_file.exists() {
                format!(
                    " (the demo's KEK is {}: set TRINHKY_KEK_FILE to it to keep using the demo's keys)",
                    demo_file.display()
                )
            } else {
                String::new()
            },
        })
    }

    /// Makes the demo's KEK (`$TRINHKY_DATA_DIR/kek`, created when missing) the configured
    /// one, unless `TRINHKY_KEK` or `TRINHKY_KEK_FILE` names one already.
    pub fn use_demo_kek(&mut self) -> Result<(), crate::kek::KekError> {
        if self.kek.is_none() && self.kek_file.is_none() {
            self.load_kek(true)?;
            self.kek_file = Some(self.data_dir.join("kek"));
        }
        Ok(())
    }

    /// The KEK when one is configured or the demo's exists (`$TRINHKY_DATA_DIR/kek`); never
    /// creates one. For commands that can work without it (`trinhky audit verify`).
    pub fn find_kek(&self) -> Result<Option<crate::kek::Kek>, crate::kek::KekError> {
        if self.kek.is_some() || self.kek_file.is_some() || self.data_dir.join("kek").exists() {
            self.load_kek(true).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Creates the data directory (mode 0700) when the database lives in it.
    pub fn prepare_data_dir(&self) -> Result<(), SettingsError> {
        crate::kek::create_private_dir(&self.data_dir).map_err(|e| {
            err(
                "TRINHKY_DATA_DIR",
                format!("cannot create {}: {e}", self.data_dir.display()),
                "point TRINHKY_DATA_DIR at a writable directory",
            )
        })
    }

    /// Where `.eml` files go when no SMTP server is configured.
    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}

/// The settings file: `config`, else `TRINHKY_CONFIG`, else `./trinhky.toml` when present (with
/// no file, every setting has its default).
fn read_config(
    config: Option<&Path>,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(Option<PathBuf>, FileSettings), SettingsError> {
    let explicit = config
        .map(Path::to_path_buf)
        .or_else(|| env("TRINHKY_CONFIG").map(PathBuf::from));
    let path = explicit.or_else(|| {
        let p = PathBuf::from("trinhky.toml");
        p.exists().then_some(p)
    });
    let Some(p) = &path else {
        return Ok((None, FileSettings::default()));
    };
    let text = std::fs::read_to_string(p).map_err(|e| {
        err(
            "TRINHKY_CONFIG",
            format!("cannot read {}: {e}", p.display()),
            "point --config or TRINHKY_CONFIG at a readable TOML file",
        )
    })?;
    let file = toml::from_str(&text).map_err(|e| {
        err(
            &format!("config file {}", p.display()),
            e.message().trim_end().to_owned(),
            "correct the file; the keys are listed in README.md (Configuration)",
        )
    })?;
    Ok((path, file))
}

/// A folder or file setting, `default` when unset.
fn path_setting(pick: Pick<'_>, var: &str, from_file: Option<PathBuf>, default: &str) -> PathBuf {
    pick(var, from_file.map(|p| p.display().to_string()))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

/// One of `choices` by name; unset is the first.
fn choice<T: Copy>(
    value: Option<String>,
    var: &str,
    what: &str,
    choices: &[(&str, T)],
    fix: &str,
) -> Result<T, SettingsError> {
    let Some(v) = value else {
        return choices
            .first()
            .map(|(_, c)| *c)
            .ok_or_else(|| err(var, "no choices", fix));
    };
    choices
        .iter()
        .find(|(name, _)| *name == v)
        .map(|(_, c)| *c)
        .ok_or_else(|| err(var, format!("\"{v}\" is not a {what}"), fix))
}

/// An http(s) URL, when set.
fn http_url(value: Option<String>, var: &str, fix: &str) -> Result<Option<String>, SettingsError> {
    match value {
        Some(u) if !(u.starts_with("http://") || u.starts_with("https://")) => {
            Err(err(var, format!("\"{u}\" is not an http(s) URL"), fix))
        }
        other => Ok(other),
    }
}

fn database_url(
    pick: Pick<'_>,
    from_file: Option<String>,
    data_dir: &Path,
) -> Result<String, SettingsError> {
    let Some(u) = pick("TRINHKY_DATABASE_URL", from_file) else {
        return Ok(format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("trinhky.db").display()
        ));
    };
    if !(u.starts_with("sqlite:") || u.starts_with("postgres://") || u.starts_with("postgresql://"))
    {
        return Err(err(
            "TRINHKY_DATABASE_URL",
            format!(
                "unsupported database URL \"{}\"",
                u.split("://").next().unwrap_or_default()
            ),
            "use sqlite://PATH?mode=rwc or postgres://USER:PASSWORD@HOST:5432/DB",
        ));
    }
    Ok(u)
}

fn bind(pick: Pick<'_>, from_file: Option<String>) -> Result<SocketAddr, SettingsError> {
    let text = pick("TRINHKY_BIND", from_file).unwrap_or_else(|| "127.0.0.1:8080".into());
    text.parse().map_err(|_| {
        err(
            "TRINHKY_BIND",
            format!("\"{text}\" is not an address:port"),
            "write it like 127.0.0.1:8080 or 0.0.0.0:8080",
        )
    })
}

fn session_ttl_minutes(pick: Pick<'_>, from_file: Option<i64>) -> Result<i64, SettingsError> {
    let Some(v) = pick(
        "TRINHKY_SESSION_TTL_MINUTES",
        from_file.map(|m| m.to_string()),
    ) else {
        return Ok(8 * 60);
    };
    v.parse::<i64>()
        .ok()
        .filter(|m| (5..=7 * 24 * 60).contains(m))
        .ok_or_else(|| {
            err(
                "TRINHKY_SESSION_TTL_MINUTES",
                format!("\"{v}\" is not a number of minutes between 5 and 10080"),
                "e.g. 480 for a working day",
            )
        })
}

/// The SMTP transport to `host` (`TRINHKY_SMTP_*`, `[smtp]` in the file); `has_from`: whether
/// `TRINHKY_MAIL_FROM` is set, which SMTP requires.
fn smtp(
    pick: Pick<'_>,
    env: &impl Fn(&str) -> Option<String>,
    host: String,
    fsmtp: FileSmtp,
    has_from: bool,
) -> Result<SmtpSettings, SettingsError> {
    let tls = choice(
        pick("TRINHKY_SMTP_TLS", fsmtp.tls),
        "TRINHKY_SMTP_TLS",
        "choice",
        &[
            ("starttls", SmtpTls::Starttls),
            ("tls", SmtpTls::Tls),
            ("none", SmtpTls::None),
        ],
        "use starttls, tls or none",
    )?;
    let port = match pick("TRINHKY_SMTP_PORT", fsmtp.port.map(|p| p.to_string())) {
        None => match tls {
            SmtpTls::Tls => 465,
            SmtpTls::Starttls => 587,
            SmtpTls::None => 25,
        },
        Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
            err(
                "TRINHKY_SMTP_PORT",
                format!("\"{p}\" is not a port number"),
                "use 587 (STARTTLS), 465 (TLS) or your relay's port",
            )
        })?,
    };
    let username = pick("TRINHKY_SMTP_USERNAME", fsmtp.username);
    let password = env("TRINHKY_SMTP_PASSWORD")
        .filter(|v| !v.is_empty())
        .map(Secret::new)
        .or(fsmtp.password);
    if username.is_some() != password.is_some() {
        return Err(err(
            if username.is_some() {
                "TRINHKY_SMTP_PASSWORD"
            } else {
                "TRINHKY_SMTP_USERNAME"
            },
            "SMTP authentication needs both a username and a password",
            "set both TRINHKY_SMTP_USERNAME and TRINHKY_SMTP_PASSWORD, or neither",
        ));
    }
    if !has_from {
        return Err(err(
            "TRINHKY_MAIL_FROM",
            "TRINHKY_SMTP_HOST is set but TRINHKY_MAIL_FROM is not",
            "set TRINHKY_MAIL_FROM to the sender address, e.g. \"Văn thư <vanthu@tinh.gov.vn>\"",
        ));
    }
    let ca_file = pick(
        "TRINHKY_SMTP_CA_FILE",
        fsmtp.ca_file.map(|p| p.display().to_string()),
    )
    .map(PathBuf::from);
    let timeout_secs = match pick("TRINHKY_SMTP_TIMEOUT_SECS", None) {
        None => 30,
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if (1..=600).contains(&n) => n,
            _ => {
                return Err(err(
                    "TRINHKY_SMTP_TIMEOUT_SECS",
                    format!("\"{v}\" is not a number of seconds between 1 and 600"),
                    "give a whole number of seconds, e.g. 30",
                ));
            }
        },
    };
    Ok(SmtpSettings {
        host,
        port,
        tls,
        username,
        password,
        ca_file,
        timeout_secs,
    })
}

fn attachment_max_bytes(pick: Pick<'_>, from_file: Option<u32>) -> Result<usize, SettingsError> {
    let Some(v) = pick(
        "TRINHKY_ATTACHMENT_MAX_MB",
        from_file.map(|m| m.to_string()),
    ) else {
        return Ok(20 * 1024 * 1024);
    };
    v.trim()
        .parse::<usize>()
        .ok()
        .filter(|m| (1..=1024).contains(m))
        .map(|m| m * 1024 * 1024)
        .ok_or_else(|| {
            err(
                "TRINHKY_ATTACHMENT_MAX_MB",
                format!("\"{v}\" is not a size in MiB between 1 and 1024"),
                "e.g. 20 for 20 MiB per attachment",
            )
        })
}

fn trusted_proxies(
    pick: Pick<'_>,
    from_file: Option<String>,
) -> Result<crate::client_addr::TrustedProxies, SettingsError> {
    match pick("TRINHKY_TRUSTED_PROXIES", from_file) {
        None => Ok(crate::client_addr::TrustedProxies::default()),
        Some(v) => crate::client_addr::TrustedProxies::parse(&v).map_err(|problem| {
            err(
                "TRINHKY_TRUSTED_PROXIES",
                problem,
                "list the reverse proxies' addresses or CIDR ranges, comma-separated, e.g. 127.0.0.1, 10.0.0.0/24 (network addresses only)",
            )
        }),
    }
}

/// The KEK's file (`TRINHKY_KEK_FILE`) or the KEK itself (`TRINHKY_KEK`, environment only); not
/// both.
fn kek(
    pick: Pick<'_>,
    env: &impl Fn(&str) -> Option<String>,
    from_file: Option<PathBuf>,
) -> Result<(Option<PathBuf>, Option<Secret>), SettingsError> {
    let kek_file = pick(
        "TRINHKY_KEK_FILE",
        from_file.map(|p| p.display().to_string()),
    )
    .map(PathBuf::from);
    let kek = env("TRINHKY_KEK")
        .filter(|v| !v.trim().is_empty())
        .map(Secret::new);
    if kek.is_some() && kek_file.is_some() {
        return Err(err(
            "TRINHKY_KEK",
            "both TRINHKY_KEK and TRINHKY_KEK_FILE are set",
            "set only one of them",
        ));
    }
    Ok((kek_file, kek))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::HashMap;

    use super::*;

    fn load(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load(None, |k| m.get(k).cloned())
    }

    #[test]
    fn defaults_are_sqlite_under_data() {
        let s = load(&[]).unwrap();
        assert_eq!(s.database_url, "sqlite://./data/trinhky.db?mode=rwc");
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert!(s.smtp.is_none());
    }

    #[test]
    fn attachment_size_limit_defaults_to_20_mib_and_is_checked() {
        assert_eq!(load(&[]).unwrap().attachment_max_bytes, 20 * 1024 * 1024);
        let s = load(&[("TRINHKY_ATTACHMENT_MAX_MB", "5")]).unwrap();
        assert_eq!(s.attachment_max_bytes, 5 * 1024 * 1024);
        let e = load(&[("TRINHKY_ATTACHMENT_MAX_MB", "0")]).unwrap_err();
        assert_eq!(e.setting, "TRINHKY_ATTACHMENT_MAX_MB");
    }

    #[test]
    fn trusted_proxies_are_parsed_strictly() {
        assert!(load(&[]).unwrap().trusted_proxies.is_empty());
        let s = load(&[("TRINHKY_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/24")]).unwrap();
        assert!(s.trusted_proxies.contains("10.0.0.7".parse().unwrap()));
        let e = load(&[("TRINHKY_TRUSTED_PROXIES", "10.0.0.1/24")]).unwrap_err();
        assert_eq!(e.setting, "TRINHKY_TRUSTED_PROXIES");
        assert!(e.to_string().contains("host bits"), "{e}");
        let e = load(&[("TRINHKY_TRUSTED_PROXIES", "nginx")]).unwrap_err();
        assert_eq!(e.setting, "TRINHKY_TRUSTED_PROXIES");
    }

    #[test]
    fn data_dir_moves_the_database() {
        let s = load(&[("TRINHKY_DATA_DIR", "/srv/tk")]).unwrap();
        assert_eq!(s.database_url, "sqlite:///srv/tk/trinhky.db?mode=rwc");
    }

    #[test]
    fn wrong_values_name_the_setting() {
        let e = load(&[("TRINHKY_BIND", "localhost")]).unwrap_err();
        assert_eq!(e.setting, "TRINHKY_BIND");
        let e = load(&[("TRINHKY_DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(e.setting, "TRINHKY_DATABASE_URL");
        let e = load(&[("TRINHKY_SMTP_HOST", "mail.example")]).unwrap_err();
        assert_eq!(e.setting, "TRINHKY_MAIL_FROM");
        assert!(
            e.to_string()
                .contains("TRINHKY_SMTP_HOST is set but TRINHKY_MAIL_FROM is not")
        );
        let e = load(&[
            ("TRINHKY_SMTP_HOST", "m.example"),
            ("TRINHKY_MAIL_FROM", "a@b.example"),
            ("TRINHKY_SMTP_USERNAME", "u"),
        ])
        .unwrap_err();
        assert_eq!(e.setting, "TRINHKY_SMTP_PASSWORD");
    }

    #[test]
    fn secrets_do_not_print() {
        let s = load(&[
            ("TRINHKY_SMTP_HOST", "m.example"),
            ("TRINHKY_MAIL_FROM", "a@b.example"),
            ("TRINHKY_SMTP_USERNAME", "u"),
            ("TRINHKY_SMTP_PASSWORD", "hunter2-very-secret"),
        ])
        .unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.smtp.unwrap().port, 587);
    }

    #[test]
    fn server_limits_have_defaults_env_and_file_keys() {
        let s = load(&[]).unwrap().server;
        assert_eq!(s.header_timeout, Duration::from_secs(10));
        assert_eq!(s.request_timeout, Duration::from_secs(60));
        assert_eq!(s.max_connections, 1024);
        assert_eq!(s.body_max_bytes, 1024 * 1024);
        let s = load(&[
            ("TRINHKY_HEADER_TIMEOUT_SECS", "2"),
            ("TRINHKY_REQUEST_TIMEOUT_SECS", "5"),
            ("TRINHKY_MAX_CONNECTIONS", "200"),
            ("TRINHKY_BODY_MAX_KB", "64"),
            ("TRINHKY_SHUTDOWN_GRACE_SECS", "0"),
            ("TRINHKY_CPU_WORKERS", "1"),
        ])
        .unwrap()
        .server;
        assert_eq!(s.header_timeout, Duration::from_secs(2));
        assert_eq!(s.request_timeout, Duration::from_secs(5));
        assert_eq!(s.max_connections, 200);
        assert_eq!(s.body_max_bytes, 64 * 1024);
        assert_eq!(s.shutdown_grace, Duration::ZERO);
        assert_eq!(s.cpu_workers, 1);
        let e = load(&[("TRINHKY_HEADER_TIMEOUT_SECS", "0")]).unwrap_err();
        assert_eq!(e.setting, "TRINHKY_HEADER_TIMEOUT_SECS");
        let e = load(&[("TRINHKY_MAX_CONNECTIONS", "many")]).unwrap_err();
        assert_eq!(e.setting, "TRINHKY_MAX_CONNECTIONS");

        let dir = std::env::temp_dir().join(format!("tk-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("trinhky.toml");
        std::fs::write(
            &file,
            "[server]\nheader_timeout_secs = 3\nmax_connections = 50\n",
        )
        .unwrap();
        let s = Settings::load(Some(&file), |k| {
            (k == "TRINHKY_MAX_CONNECTIONS").then(|| "60".to_owned())
        })
        .unwrap()
        .server;
        assert_eq!(s.header_timeout, Duration::from_secs(3));
        assert_eq!(s.max_connections, 60, "the environment wins over the file");
    }
}

impl Settings {
    /// The mail transport these settings describe: SMTP when configured, else `.eml` files.
    pub fn mail_transport(&self) -> Result<trinhky_mail::TransportConfig, SettingsError> {
        let Some(s) = &self.smtp else {
            return Ok(trinhky_mail::TransportConfig::Files(self.outbox_dir()));
        };
        let ca_pem = match &s.ca_file {
            Some(p) => Some(std::fs::read(p).map_err(|e| {
                err(
                    "TRINHKY_SMTP_CA_FILE",
                    format!("cannot read {}: {e}", p.display()),
                    "point it at a PEM certificate file",
                )
            })?),
            None => None,
        };
        Ok(trinhky_mail::TransportConfig::Smtp(
            trinhky_mail::SmtpConfig {
                host: s.host.clone(),
                port: s.port,
                security: match s.tls {
                    SmtpTls::Starttls => trinhky_mail::Security::Starttls,
                    SmtpTls::Tls => trinhky_mail::Security::ImplicitTls,
                    SmtpTls::None => trinhky_mail::Security::None,
                },
                credentials: match (&s.username, &s.password) {
                    (Some(u), Some(p)) => Some((u.clone(), p.expose().to_owned())),
                    _ => None,
                },
                ca_pem,
                timeout: std::time::Duration::from_secs(s.timeout_secs),
            },
        ))
    }

    /// How long the dispatcher holds a claimed message before another worker may take it over
    /// (after a crash): longer than any SMTP exchange can take, because the dispatcher abandons
    /// an exchange after half of it ([`crate::dispatch::dispatch_once`]).
    pub fn dispatch_lease(&self) -> chrono::Duration {
        let secs = self.smtp.as_ref().map_or(30, |s| s.timeout_secs);
        chrono::Duration::seconds(i64::try_from(secs).unwrap_or(30) * 4 + 10)
    }
}
