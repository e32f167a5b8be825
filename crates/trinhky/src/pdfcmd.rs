//! `trinhky pki init`, `trinhky sign`, `trinhky verify`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use openssl::x509::X509;
use trinhky_app::Settings;
use trinhky_app::admin::certificates::{self, HolderRef};
use trinhky_pdf::pki::load_p12;
use trinhky_pdf::sign::{
    Placement, SignOptions, SignatureImage, SignatureKind, add_dss, embedded_certificates,
    fetch_crls, sign_pdf,
};
use trinhky_pdf::verify::{Coverage, Revocation, Verdict, verify_pdf};
use trinhky_store::Store;

/// Where the dev PKI lives by default.
pub fn pki_dir(settings: &Settings) -> PathBuf {
    settings.data_dir.join("pki")
}

fn read_pin(pin_file: Option<&Path>, what: &str) -> Result<String> {
    if let Some(p) = pin_file {
        let s = std::fs::read_to_string(p)
            .with_context(|| format!("cannot read the PIN file {}", p.display()))?;
        return Ok(s.lines().next().unwrap_or_default().to_owned());
    }
    if let Ok(pin) = std::env::var("TRINHKY_PIN") {
        return Ok(pin);
    }
    if std::io::stdin().is_terminal() {
        eprint!("PIN for {what}: ");
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the PIN from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Creates a development CA, a personal certificate for every head and deputy and an
/// organisation certificate for every agency with a clerk, each PKCS#12 protected by `pin`, and
/// stores the keys in the database. Prints the CA path to trust.
pub async fn pki_init(
    settings: &Settings,
    store: &Store,
    kek: &trinhky_app::kek::Kek,
    dir: Option<PathBuf>,
    pin: &str,
) -> Result<ExitCode> {
    if pin.chars().count() < trinhky_app::signing::PIN_MIN_DIGITS
        || !pin.chars().all(|c| c.is_ascii_digit())
    {
        bail!(
            "the PIN must have at least {} digits and nothing else (--pin)",
            trinhky_app::signing::PIN_MIN_DIGITS
        );
    }
    let dir = dir.unwrap_or_else(|| pki_dir(settings));
    let holders = trinhky_app::signing::holders_without_keys(store).await?;
    if holders.is_empty() {
        let users = trinhky_store::accounts::user_count(store.db()).await?;
        if users == 0 {
            bail!(
                "no signers in the database: import the directory and add users (or run `trinhky serve --demo` once)"
            );
        }
        println!("every head, deputy and organisation already has a key; nothing to issue");
        return Ok(ExitCode::SUCCESS);
    }
    let existed = dir.join("ca.pem").exists();
    let pb = crate::cli::progress(holders.len() as u64, "issuing");
    let issued = trinhky_app::signing::issue_dev_keys(
        store,
        kek,
        &dir,
        pin,
        trinhky_pdf::sign::KeyAlgorithm::Rsa,
        "cli:pki-init",
        |_| pb.inc(1),
    )
    .await
    .context("issuing development keys")?;
    pb.finish_and_clear();
    let (orgs, people): (Vec<_>, Vec<_>) = issued.iter().partition(|h| h.organization);
    println!(
        "development CA {} {}",
        if existed { "reused in" } else { "created in" },
        dir.display()
    );
    println!("  organisation certificates: {}", orgs.len());
    println!(
        "  personal certificates:     {} ({})",
        people.len(),
        people
            .iter()
            .map(|p| p.handle.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "  trust this root to verify: {}",
        dir.join("ca.pem").display()
    );
    println!(
        "  every key is a PKCS#12 protected by the PIN you gave (not stored), wrapped with the KEK {}",
        kek.id()
    );
    println!(
        "  in the database; the CA key (ca.key.pem) is encrypted with its own passphrase, kept in {}",
        dir.join(trinhky_app::signing::CA_PASSPHRASE_FILE).display()
    );
    println!("  (mode 0600, like every file there).");
    Ok(ExitCode::SUCCESS)
}

/// Who a key belongs to, from `--user` / `--agency`.
fn holder_ref(user: Option<String>, agency: Option<String>) -> Result<HolderRef> {
    match (user, agency) {
        (Some(u), _) => Ok(HolderRef::User(u)),
        (None, Some(code)) => Ok(HolderRef::Agency(code)),
        (None, None) => bail!("name the key's holder with --user USERNAME or --agency CODE"),
    }
}

/// `trinhky pki import FILE.p12 --user U | --agency CODE` (the same use case as the
/// administration page).
pub async fn pki_import(
    store: &Store,
    kek: &trinhky_app::kek::Kek,
    file: &Path,
    user: Option<String>,
    agency: Option<String>,
    pin_file: Option<&Path>,
) -> Result<ExitCode> {
    let who = holder_ref(user, agency)?;
    // An unknown holder is reported before the PIN is asked for.
    certificates::resolve(store, &who).await?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let pin = read_pin(pin_file, &file.display().to_string())?;
    let imported = match certificates::import_p12(
        store,
        &trinhky_app::signing::Signing::default().with_kek(kek.clone()),
        "cli:pki-import",
        &who,
        &bytes,
        &pin,
        chrono::Utc::now(),
    )
    .await
    {
        Ok(i) => i,
        Err(trinhky_app::AppError::Invalid(m)) => {
            eprintln!("error: {}: {m}", file.display());
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    };
    println!("imported the signing key of {}", imported.holder);
    println!("  certificate: {}", imported.subject);
    if let Some(t) = imported.valid_to {
        println!("  valid until: {}", t.format("%Y-%m-%d %H:%M:%S UTC"));
    }
    println!(
        "  chain:       {} certificate(s) embedded with each signature",
        imported.chain
    );
    println!("  the PKCS#12 stays encrypted with its PIN; the PIN is not stored.");
    Ok(ExitCode::SUCCESS)
}

/// `trinhky pki trust CA.pem`: copies the roots into `<data>/trust/`.
pub fn pki_trust(settings: &Settings, file: &Path) -> Result<ExitCode> {
    let pem = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let certs = match X509::stack_from_pem(&pem) {
        Ok(c) if !c.is_empty() => c,
        _ => {
            eprintln!(
                "error: {} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)",
                file.display()
            );
            return Ok(ExitCode::from(1));
        }
    };
    let dir = settings.data_dir.join("trust");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for c in &certs {
        let digest = c.digest(openssl::hash::MessageDigest::sha256())?;
        let name: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        let path = dir.join(format!("{name}.pem"));
        std::fs::write(&path, c.to_pem()?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let subject = c
            .subject_name()
            .entries()
            .map(|e| e.data().to_string().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(", ");
        println!("trusted: {subject} → {}", path.display());
    }
    println!("restart `trinhky serve` to use the new roots for verification and signing checks.");
    Ok(ExitCode::SUCCESS)
}

/// `trinhky pki revoke --user U | --agency CODE` (the same use case as the administration page).
pub async fn pki_revoke(
    settings: &Settings,
    store: &Store,
    user: Option<String>,
    agency: Option<String>,
    dir: Option<PathBuf>,
    pin_file: Option<&Path>,
) -> Result<ExitCode> {
    let who = holder_ref(user, agency)?;
    let dir = dir.unwrap_or_else(|| pki_dir(settings));
    // Issued by the development CA: its passphrase lists the certificate in a new CRL first, so
    // a failure changes nothing.
    let own = dir.join(trinhky_app::signing::CA_PASSPHRASE_FILE);
    let pass = if certificates::issued_by_dev_ca(store, &who, &dir).await? {
        if pin_file.is_none() && own.exists() {
            Some(read_pin(Some(&own), "the development CA")?)
        } else {
            Some(read_pin(pin_file, "the development CA")?)
        }
    } else {
        None
    };
    let revoked =
        match certificates::revoke(store, "cli:pki-revoke", &who, &dir, pass.as_deref()).await {
            Ok(r) => r,
            Err(trinhky_app::AppError::Invalid(m)) => {
                eprintln!("error: {m}");
                return Ok(ExitCode::from(1));
            }
            Err(e) => return Err(e.into()),
        };
    println!(
        "revoked the signing key of {} ({})",
        revoked.holder, revoked.subject
    );
    match revoked.crl {
        Some(p) => println!("  the development CA published a new CRL: {}", p.display()),
        None => println!(
            "  the certificate was not issued by the development CA: ask its CA to revoke it too"
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_rect(s: &str) -> Result<[f64; 4]> {
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .context("--rect must be x1,y1,x2,y2 in points")?;
    let [a, b, c, d] = v.as_slice() else {
        bail!("--rect must have four numbers: x1,y1,x2,y2")
    };
    Ok([*a, *b, *c, *d])
}

#[allow(clippy::too_many_arguments)]
pub fn sign(
    input: &Path,
    output: &Path,
    p12: &Path,
    pin_file: Option<&Path>,
    organization: bool,
    image: Option<&Path>,
    tsa: Option<String>,
    lt: bool,
    crl_files: &[PathBuf],
    page: u32,
    rect: Option<&str>,
    reason: Option<String>,
    location: Option<String>,
    attachment: Option<String>,
) -> Result<ExitCode> {
    let pdf = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    let p12_bytes = std::fs::read(p12).with_context(|| format!("cannot read {}", p12.display()))?;
    let pin = read_pin(pin_file, &p12.display().to_string())?;
    let signer = match load_p12(&p12_bytes, &pin) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let image = match image {
        Some(p) => Some(SignatureImage::from_png(
            &std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
        )?),
        None => None,
    };
    let (page, rect) = match (rect, &attachment) {
        (Some(r), _) => (page, parse_rect(r)?),
        (None, Some(_)) => {
            let p = trinhky_pdf::sign::attachment_placement(&pdf)?;
            (p.page, p.rect)
        }
        (None, None) if image.is_some() => (page, [330.0, 180.0, 480.0, 240.0]),
        (None, None) => (page, [0.0, 0.0, 0.0, 0.0]),
    };
    let now = trinhky_domain::time::vn(chrono::Utc::now());
    let opts = SignOptions {
        kind: if attachment.is_some() {
            SignatureKind::Attachment
        } else if organization {
            SignatureKind::Organization
        } else {
            SignatureKind::Personal
        },
        placement: Placement { page, rect },
        image: if attachment.is_some() { None } else { image },
        reason,
        location,
        name: attachment.clone(),
        time: now,
        tsa_url: tsa,
        trust: Vec::new(),
    };
    let timestamped = opts.tsa_url.is_some();
    let mut out = match sign_pdf(&pdf, &signer, &opts) {
        Ok(out) => out,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let mut level = if timestamped { "B-T" } else { "B-B" }.to_owned();
    if lt {
        let mut crls = Vec::new();
        for f in crl_files {
            crls.push(std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?);
        }
        let with_dss = embedded_certificates(&out).and_then(|certs| {
            if crls.is_empty() {
                crls = fetch_crls(&certs)?;
            }
            add_dss(&out, &[], &crls).map(|pdf| (pdf, certs.len()))
        });
        match with_dss {
            Ok((pdf, certs)) => {
                out = pdf;
                level = format!(
                    "{}; DSS with {certs} certificate(s) and {} CRL(s)",
                    if timestamped {
                        "B-LT"
                    } else {
                        "B-B with a DSS: B-LT also needs --tsa"
                    },
                    crls.len()
                );
            }
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(1));
            }
        }
    }
    std::fs::write(output, out).with_context(|| format!("cannot write {}", output.display()))?;
    println!(
        "signed {} → {} (PAdES {level})",
        input.display(),
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Wall time the verification itself may take in `trinhky verify` (the process answers
/// within 2 s: start-up, reading the file and printing come on top).
const VERIFY_TIME: std::time::Duration = std::time::Duration::from_millis(1500);
/// Heap the verification may add; with the binary's own footprint the process stays
/// under 256 MB resident.
const VERIFY_HEAP: usize = 160 * 1024 * 1024;

/// Verify on a worker thread, bounded in time and memory whatever the parsers do (see
/// `trinhky_pdf::limits`): past [`VERIFY_TIME`] the answer is "file too complex", and the
/// global `trinhky_alloc::CappedAllocator`, armed here with [`VERIFY_HEAP`], ends
/// the process with exit 2 and the same message before the heap grows past it. A panic in
/// a parser is "could not verify" too.
fn verify_bounded(
    pdf: Vec<u8>,
    roots: Vec<X509>,
) -> Result<trinhky_pdf::verify::Report, trinhky_pdf::verify::VerifyError> {
    use std::sync::mpsc::{RecvTimeoutError, channel};
    use trinhky_pdf::verify::VerifyError;
    trinhky_alloc::arm_memory_ceiling(
        VERIFY_HEAP,
        "error: could not verify: file too complex (memory limit)",
    );
    let (tx, rx) = channel();
    let worker = std::thread::Builder::new()
        .name("verify".into())
        .spawn(move || {
            let _ = tx.send(verify_pdf(&pdf, &roots));
        });
    if worker.is_err() {
        return Err(VerifyError::TooComplex("no worker thread"));
    }
    match rx.recv_timeout(VERIFY_TIME) {
        Ok(r) => r,
        Err(RecvTimeoutError::Timeout) => Err(VerifyError::TooComplex("time limit")),
        Err(RecvTimeoutError::Disconnected) => Err(VerifyError::Pdf("the reader failed".into())),
    }
}

/// Exit 0 valid, 1 invalid, 2 could not verify.
pub fn verify(settings: &Settings, file: &Path, trust: &[PathBuf], json: bool) -> Result<ExitCode> {
    let mut roots = Vec::new();
    let mut paths: Vec<PathBuf> = trust.to_vec();
    if paths.is_empty() {
        let default = pki_dir(settings).join("ca.pem");
        if default.exists() {
            paths.push(default);
        }
    }
    for p in &paths {
        let pem = match std::fs::read(p) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: cannot read trust root {}: {e}", p.display());
                return Ok(ExitCode::from(2));
            }
        };
        match X509::stack_from_pem(&pem) {
            Ok(certs) if !certs.is_empty() => roots.extend(certs),
            _ => {
                eprintln!("error: {} holds no PEM certificate", p.display());
                return Ok(ExitCode::from(2));
            }
        }
    }
    let pdf = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            return Ok(ExitCode::from(2));
        }
    };
    let report = match verify_bounded(pdf, roots.clone()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: could not verify: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let sigs: Vec<serde_json::Value> = report
        .signatures
        .iter()
        .map(|s| {
            serde_json::json!({
                "field": s.field, "signer": s.signer, "serial": s.serial, "sub_filter": s.sub_filter,
                "signing_time": s.signing_time, "intact": s.intact, "trusted": s.trusted,
                "revocation": match &s.revocation { Revocation::Good => "good".to_owned(), Revocation::Revoked { at } => format!("revoked at {at}"), Revocation::Unknown => "unknown".to_owned() },
                "coverage": match &s.coverage { Coverage::WholeFile => "whole_file".to_owned(), Coverage::RevisionThenAllowed { revisions_after } => format!("revision followed by {revisions_after} allowed update(s)"), Coverage::OtherChanges { changes } => format!("followed by other changes: {}", changes.join("; ")) },
                "timestamp": s.timestamp.as_ref().map(|t| serde_json::json!({
                    "time": t.time, "tsa": t.tsa, "imprint_matches": t.imprint_matches,
                    "signature_verifies": t.signature_verifies, "trusted": t.trusted, "valid": t.valid(),
                })),
                "digest_algorithm": s.digest_algorithm, "signature_algorithm": s.signature_algorithm,
                "status": s.status.as_str(), "valid": s.valid(), "problems": s.problems, "warnings": s.warnings,
            })
        })
        .collect();
    let verdict = report.verdict.as_str();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"file": file.display().to_string(), "verdict": verdict, "signatures": sigs})
            )?
        );
    } else {
        println!("{}: {}", file.display(), verdict.to_uppercase());
        for (i, s) in report.signatures.iter().enumerate() {
            println!(
                "  #{} {} — {}: {}; {}; {}",
                i + 1,
                s.signer.as_deref().unwrap_or("?"),
                s.status.as_str().to_uppercase(),
                if s.intact { "intact" } else { "NOT intact" },
                if s.trusted { "trusted" } else { "NOT trusted" },
                sigs[i]["coverage"].as_str().unwrap_or_default()
            );
            if let Some(t) = &s.timestamp {
                println!(
                    "      time-stamp: {} by {} — {}",
                    t.time.as_deref().unwrap_or("?"),
                    t.tsa.as_deref().unwrap_or("?"),
                    if t.valid() { "valid" } else { "NOT valid" }
                );
            }
            for p in &s.problems {
                println!("      problem: {p}");
            }
            for w in &s.warnings {
                println!("      note: {w}");
            }
        }
        if roots.is_empty() {
            println!("  (no trust roots given: pass --trust CA.pem or run `trinhky pki init`)");
        }
    }
    // 0 valid, 1 invalid (or nothing signed), 2 indeterminate or not verifiable.
    Ok(match report.verdict {
        Verdict::Valid => ExitCode::SUCCESS,
        Verdict::Invalid | Verdict::NoSignatures => ExitCode::from(1),
        Verdict::Indeterminate => ExitCode::from(2),
    })
}

/// `trinhky render`.
pub fn render(
    settings: &Settings,
    template: &str,
    data: &Path,
    output: &Path,
    png: Option<&Path>,
) -> Result<ExitCode> {
    let text =
        std::fs::read_to_string(data).with_context(|| format!("cannot read {}", data.display()))?;
    let doc: trinhky_render::DocumentData = match serde_json::from_str(&text) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {}:{}:{}: {e}", data.display(), e.line(), e.column());
            return Ok(ExitCode::from(1));
        }
    };
    let renderer = trinhky_render::Renderer::new(&settings.templates_dir).with_context(|| {
        format!(
            "templates in {} (TRINHKY_TEMPLATES_DIR)",
            settings.templates_dir.display()
        )
    })?;
    let pdf = match renderer.render_pdf(template, &doc) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    std::fs::write(output, &pdf).with_context(|| format!("cannot write {}", output.display()))?;
    println!("{} ({} bytes)", output.display(), pdf.len());
    if let Some(dir) = png {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let pages = renderer
            .render_png(template, &doc, 150.0)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for (i, p) in pages.iter().enumerate() {
            let path = dir.join(format!("page-{}.png", i + 1));
            std::fs::write(&path, p).with_context(|| format!("cannot write {}", path.display()))?;
            println!("{}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
