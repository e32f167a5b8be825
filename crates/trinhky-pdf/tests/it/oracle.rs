//! Issue 15: pyHanko as an external oracle. `tests/oracle/make_matrix.py` signs a matrix of
//! variants (every key type and digest, both subfilters, CMS without signed attributes or with
//! eContent, two signatures, time-stamps, a revoked and an untrusted signer, each kind of later
//! change, files signed by poppler's pdfsig) and writes pyHanko's judgement of each, mapped onto
//! our three outcomes. Our verdict and every signature's status must equal pyHanko's, file by file;
//! where poppler's pdfsig finds a digest mismatch, we must find that signature invalid; and the
//! lazy reader must give the same outcome as lopdf's full parse.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use openssl::x509::X509;
use trinhky_pdf::verify::{Report, Verifier, VerifyOptions};

/// Generation takes seconds; past this something hangs.
const GENERATION_LIMIT: Duration = Duration::from_secs(180);

/// One line of `expected.tsv`.
struct Expected {
    file: String,
    verdict: String,
    /// `field=status`, earliest signature first.
    signatures: Vec<String>,
    /// Fields whose digest poppler's pdfsig found not to match the signed bytes.
    pdfsig_mismatch: Vec<String>,
}

fn generate(out: &Path) {
    let has_pyhanko = Command::new("python3")
        .args(["-c", "import pyhanko, pyhanko_certvalidator, cryptography"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        has_pyhanko,
        "\n\n*** pyHanko is not installed: the oracle test cannot run. ***\n\
         Run scripts/test (it installs pyhanko, pyhanko-certvalidator and pyhanko-cli), or\n\
         python3 -m pip install pyhanko pyhanko-certvalidator pyhanko-cli\n"
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/make_matrix.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python3");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait for the generator").is_some() {
            break;
        }
        if start.elapsed() > GENERATION_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("make_matrix.py took more than {GENERATION_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("generator output");
    assert!(
        output.status.success(),
        "make_matrix.py failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("oracle matrix generated in {:?}", start.elapsed());
}

fn expected(dir: &Path) -> Vec<Expected> {
    let tsv = std::fs::read_to_string(dir.join("expected.tsv")).expect("expected.tsv");
    tsv.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            let file = cols.next().unwrap_or_default().to_owned();
            let verdict = cols.next().unwrap_or_default().to_owned();
            let signatures = cols
                .next()
                .unwrap_or_default()
                .split(';')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let pdfsig_mismatch = cols
                .next()
                .unwrap_or_default()
                .split(';')
                .filter_map(|s| s.strip_suffix("=digest-mismatch"))
                .map(str::to_owned)
                .collect();
            Expected {
                file,
                verdict,
                signatures,
                pdfsig_mismatch,
            }
        })
        .collect()
}

/// Our outcome in the expected.tsv shape: (verdict, `field=status` per signature).
fn ours(result: &Result<Report, trinhky_pdf::verify::VerifyError>) -> (String, Vec<String>) {
    match result {
        Err(_) => ("unreadable".into(), Vec::new()),
        Ok(r) => (
            r.verdict.as_str().to_owned(),
            r.signatures
                .iter()
                .map(|s| format!("{}={}", s.field, s.status.as_str()))
                .collect(),
        ),
    }
}

/// Why each of our signatures is not valid, for the disagreement table.
fn reasons(result: &Result<Report, trinhky_pdf::verify::VerifyError>) -> String {
    match result {
        Err(e) => e.to_string(),
        Ok(r) => r
            .signatures
            .iter()
            .filter(|s| !s.problems.is_empty())
            .map(|s| format!("{}: {}", s.field, s.problems.join("; ")))
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

#[test]
fn verdicts_equal_pyhankos_file_by_file() {
    let dir = std::env::temp_dir().join(format!("trinhky-oracle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    generate(&dir);
    let root = X509::from_pem(&std::fs::read(dir.join("root.pem")).unwrap()).unwrap();
    let crl = std::fs::read(dir.join("crl.der")).unwrap();
    let trust = [root];
    let crls = [crl];
    let verifier = Verifier::new(&VerifyOptions {
        trust: &trust,
        crls: &crls,
        local_crl_dp: false,
        cache: None,
    })
    .unwrap();

    let cases = expected(&dir);
    assert!(
        cases.len() >= 50,
        "the matrix shrank to {} files",
        cases.len()
    );
    let mut disagreements = Vec::new();
    for case in &cases {
        let pdf = std::fs::read(dir.join(&case.file)).unwrap();
        let lazy = verifier.verify(&pdf);
        let full = verifier.verify_parsed(&pdf);
        let (verdict, sigs) = ours(&lazy);
        let (full_verdict, full_sigs) = ours(&full);
        // pyHanko cannot open a truncated file; we may refuse it too, or find its signatures
        // invalid (the bytes they cover are gone): either way the file is rejected.
        let rejected_alike =
            case.verdict == "unreadable" && (verdict == "unreadable" || verdict == "invalid");
        if !rejected_alike && (verdict != case.verdict || sigs != case.signatures) {
            disagreements.push(format!(
                "{:<38} pyHanko {:<13} [{}]\n{:<38} ours    {:<13} [{}]\n{:<38} why: {}",
                case.file,
                case.verdict,
                case.signatures.join(", "),
                "",
                verdict,
                sigs.join(", "),
                "",
                reasons(&lazy)
            ));
        }
        // Where poppler's pdfsig finds a digest mismatch, that signature is invalid for us too.
        for field in &case.pdfsig_mismatch {
            if !sigs.contains(&format!("{field}=invalid")) {
                disagreements.push(format!(
                    "{:<38} pdfsig finds a digest mismatch in {field}, we say [{}]",
                    case.file,
                    sigs.join(", ")
                ));
            }
        }
        // The lazy reader and lopdf's full parse give the same outcome, whatever pyHanko says.
        if (full_verdict.as_str(), &full_sigs) != (verdict.as_str(), &sigs) {
            disagreements.push(format!(
                "{:<38} the full parse says {full_verdict} [{}], the lazy reader {verdict} [{}]",
                case.file,
                full_sigs.join(", "),
                sigs.join(", ")
            ));
        }
    }
    let disagreeing: std::collections::BTreeSet<&str> = disagreements
        .iter()
        .filter_map(|d| d.split_whitespace().next())
        .collect();
    let agree = cases.len() - disagreeing.len();
    eprintln!(
        "pyHanko oracle: {agree} of {} files agree (files in {})",
        cases.len(),
        dir.display()
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} files disagree with pyHanko (see {}/expected.json for pyHanko's facts):\n{}",
        disagreeing.len(),
        cases.len(),
        dir.display(),
        disagreements.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
