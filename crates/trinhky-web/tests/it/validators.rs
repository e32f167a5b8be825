//! External PDF signature validators (pyHanko, poppler's pdfsig, qpdf), run as processes on a
//! file, with the test CA as the only trust root. `scripts/test` installs them.

use std::path::{Path, PathBuf};
use std::process::Command;

use trinhky_testkit::TestPki;

fn run(cmd: &str, args: &[&str]) -> (i32, String) {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e} (scripts/test installs it)"));
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A scratch folder for one test's files.
pub fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("trinhky-web-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// pyHanko's status per signature in file order (e.g. `INTACT:TRUSTED,UNTOUCHED`), its exit
/// code and full output. The test CA's CRL is served while it runs.
pub fn pyhanko(pki: &TestPki, file: &Path) -> (i32, Vec<String>, String) {
    let ca = pki.dir.join("ca.pem");
    let (rc, out) = pki.with_crl_server(
        "pyhanko",
        &[
            "sign",
            "validate",
            "--trust",
            ca.to_str().unwrap(),
            "--trust-replace",
            file.to_str().unwrap(),
        ],
    );
    let statuses = out
        .lines()
        .filter(|l| l.split(':').nth(1).is_some_and(|h| h.len() == 64))
        .map(|l| l.splitn(3, ':').nth(2).unwrap_or("").to_string())
        .collect();
    (rc, statuses, out)
}

/// pdfsig's report with an NSS database trusting the test CA (pdfsig exits 0 even on failure:
/// the caller parses the text). The CRL is served while it runs.
pub fn pdfsig(pki: &TestPki, dir: &Path, file: &Path) -> String {
    let ca = pki.dir.join("ca.pem");
    let db = dir.join("nssdb");
    if !db.exists() {
        std::fs::create_dir_all(&db).unwrap();
        let sql = format!("sql:{}", db.display());
        let (rc, out) = run("certutil", &["-N", "-d", &sql, "--empty-password"]);
        assert_eq!(rc, 0, "{out}");
        let (rc, out) = run(
            "certutil",
            &[
                "-A",
                "-d",
                &sql,
                "-n",
                "root",
                "-t",
                "CT,C,C",
                "-i",
                ca.to_str().unwrap(),
            ],
        );
        assert_eq!(rc, 0, "{out}");
    }
    run(
        "pdfsig",
        &[
            "-nssdir",
            &format!("sql:{}", db.display()),
            file.to_str().unwrap(),
        ],
    )
    .1
}

/// `qpdf --check` passes.
pub fn qpdf_ok(file: &Path) -> (bool, String) {
    let (rc, out) = run("qpdf", &["--check", file.to_str().unwrap()]);
    (rc == 0, out)
}

/// Asserts what issue 6 asks of an issued document: pyHanko rates the organisation's signature
/// (last) INTACT:TRUSTED,UNTOUCHED and the head's (first) INTACT:TRUSTED with acceptable
/// modifications; pdfsig calls both valid and trusted; qpdf finds the file sound.
pub fn assert_issued_pdf_valid(pki: &TestPki, dir: &Path, file: &Path) {
    let (rc, statuses, out) = pyhanko(pki, file);
    assert_eq!(rc, 0, "pyHanko: {out}");
    assert_eq!(statuses.len(), 2, "two signatures: {out}");
    assert!(
        statuses[0].starts_with("INTACT:TRUSTED")
            && statuses[0].contains("ACCEPTABLE_MODIFICATIONS"),
        "head's signature: {out}"
    );
    assert_eq!(
        statuses[1], "INTACT:TRUSTED,UNTOUCHED",
        "organisation's signature: {out}"
    );
    let sig = pdfsig(pki, dir, file);
    assert_eq!(
        sig.matches("Signature is Valid").count(),
        2,
        "pdfsig: {sig}"
    );
    assert_eq!(
        sig.matches("Certificate is Trusted").count(),
        2,
        "pdfsig: {sig}"
    );
    let (ok, out) = qpdf_ok(file);
    assert!(ok, "qpdf --check: {out}");
}
