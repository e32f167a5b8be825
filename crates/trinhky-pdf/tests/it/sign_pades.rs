//! Issue 6: PAdES signing by person then organisation, checked by pyHanko,
//! poppler's pdfsig, OpenSSL, qpdf and our own verifier; then tampering.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::TimeZone;
use lopdf::{Document, IncrementalDocument, Object, Stream, dictionary};
use trinhky_domain::time::VN_OFFSET;
use trinhky_pdf::pki::{self, DevPki, NewIdentity, PkiError};
use trinhky_pdf::sign::{
    Placement, SignError, SignOptions, SignatureImage, SignatureKind, sign_pdf,
};
use trinhky_pdf::verify::{Coverage, Revocation, Verdict, VerifyOptions, verify_pdf};

use crate::fixture;

pub const ORG: &str = "Ủy ban nhân dân tỉnh Mẫu";
pub const HEAD: &str = "Nguyễn Văn An";
pub const CA_PASSPHRASE: &str = "dev-ca-passphrase";

pub struct Env {
    pub dir: PathBuf,
    pub http: std::process::Child,
    pub pki: DevPki,
    pub nssdb: String,
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = self.http.kill();
        let _ = self.http.wait();
    }
}

/// Verify with the CA as trust root and the CA's current CRL.
pub fn verify(env: &Env, pdf: &[u8]) -> trinhky_pdf::verify::Report {
    let crl = std::fs::read(env.pki.crl_path()).unwrap();
    let trust = [env.pki.ca_cert().clone()];
    let opts = VerifyOptions {
        trust: &trust,
        crls: &[crl],
        local_crl_dp: false,
        cache: None,
    };
    let report = trinhky_pdf::verify::verify_pdf_with(pdf, &opts).unwrap();
    assert_same_as_full_parse(&opts, pdf, &report);
    report
}

/// The lazy reader gives exactly the report of lopdf's full parse.
pub fn assert_same_as_full_parse(
    opts: &VerifyOptions<'_>,
    pdf: &[u8],
    report: &trinhky_pdf::verify::Report,
) {
    let full = trinhky_pdf::verify::Verifier::new(opts)
        .unwrap()
        .verify_parsed(pdf)
        .unwrap();
    assert_eq!(format!("{report:#?}"), format!("{full:#?}"));
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("trinhky-sign-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn env(tag: &str) -> Env {
    env_with(tag, NewIdentity::rsa(HEAD, "2468"))
}

pub fn env_with(tag: &str, head: NewIdentity) -> Env {
    let dir = tmpdir(tag);
    // Serve the CRL over HTTP on loopback: pyHanko fetches CRLs over HTTP only.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::create_dir_all(dir.join("pki")).unwrap();
    let http = Command::new("python3")
        .args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
            "--directory",
            dir.join("pki").to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let url = format!("http://127.0.0.1:{port}/ca.crl");
    let pki = DevPki::create_with_crl_url(
        &dir.join("pki"),
        Some(&url),
        CA_PASSPHRASE,
        &[NewIdentity::rsa(ORG, "1111")],
        &[head],
    )
    .unwrap();
    let db = dir.join("nss");
    std::fs::create_dir_all(&db).unwrap();
    let nssdb = format!("sql:{}", db.display());
    run("certutil", &["-N", "-d", &nssdb, "--empty-password"]);
    let ca = pki.ca_pem_path();
    run(
        "certutil",
        &[
            "-A",
            "-d",
            &nssdb,
            "-n",
            "root",
            "-t",
            "CT,C,C",
            "-i",
            ca.to_str().unwrap(),
        ],
    );
    Env {
        dir,
        http,
        pki,
        nssdb,
    }
}

pub fn run(cmd: &str, args: &[&str]) -> (i32, String) {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

pub fn personal_placement() -> Placement {
    Placement {
        page: 2,
        rect: [365.0, 591.0, 485.0, 639.0],
    }
}

pub fn opts(kind: SignatureKind) -> SignOptions {
    let time = VN_OFFSET.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap();
    let png = |n: &str| {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../templates/signatures")
                .join(n),
        )
        .unwrap()
    };
    match kind {
        SignatureKind::Personal => SignOptions {
            kind,
            placement: personal_placement(),
            image: Some(SignatureImage::from_png(&png("demo-signature.png")).unwrap()),
            reason: Some("Phê duyệt".into()),
            location: Some("Hà Nội".into()),
            name: Some(HEAD.into()),
            time,
            tsa_url: None,
            trust: Vec::new(),
        },
        SignatureKind::Organization => SignOptions {
            kind,
            placement: Placement::seal_over(personal_placement(), 102.0, 20.0),
            image: Some(SignatureImage::from_png(&png("demo-seal.png")).unwrap()),
            reason: Some("Phát hành".into()),
            location: Some("Hà Nội".into()),
            name: Some(ORG.into()),
            time: time + chrono::Duration::minutes(5),
            tsa_url: None,
            trust: Vec::new(),
        },
        SignatureKind::Attachment => SignOptions {
            kind,
            placement: trinhky_pdf::sign::attachment_placement(&fixture("sign/two-page.pdf"))
                .unwrap(),
            image: None,
            reason: Some("Phát hành phụ lục".into()),
            location: None,
            name: Some("05/BC-SNV".into()),
            time: time + chrono::Duration::minutes(5),
            tsa_url: None,
            trust: Vec::new(),
        },
    }
}

pub fn signer(env: &Env, name: &str, pin: &str) -> trinhky_pdf::sign::LocalSigner {
    let p12 = std::fs::read(&env.pki.get(name).unwrap().p12_path).unwrap();
    pki::load_p12(&p12, pin).unwrap()
}

/// (personal only, personal + organisation)
pub fn sign_both(env: &Env) -> (Vec<u8>, Vec<u8>) {
    let pdf = fixture("sign/two-page.pdf");
    let personal = sign_pdf(
        &pdf,
        &signer(env, HEAD, "2468"),
        &opts(SignatureKind::Personal),
    )
    .unwrap();
    assert_eq!(
        &personal[..pdf.len()],
        &pdf[..],
        "earlier bytes must be untouched"
    );
    let mut o = opts(SignatureKind::Organization);
    o.trust = vec![env.pki.ca_cert().clone()];
    let both = sign_pdf(&personal, &signer(env, ORG, "1111"), &o).unwrap();
    assert_eq!(&both[..personal.len()], &personal[..]);
    (personal, both)
}

pub fn save(env: &Env, name: &str, pdf: &[u8]) -> String {
    let p = env.dir.join(name);
    std::fs::write(&p, pdf).unwrap();
    p.to_str().unwrap().to_string()
}

/// pyHanko's status line per signature, in file order (e.g. `INTACT:TRUSTED,UNTOUCHED`).
pub fn pyhanko(env: &Env, file: &str) -> (i32, Vec<String>, String) {
    let ca = env.pki.ca_pem_path();
    let (rc, out) = run(
        "pyhanko",
        &[
            "sign",
            "validate",
            "--trust",
            ca.to_str().unwrap(),
            "--trust-replace",
            file,
        ],
    );
    // One line per signature: `field:hash:STATUS`.
    let statuses = out
        .lines()
        .filter(|l| l.split(':').nth(1).is_some_and(|h| h.len() == 64))
        .map(|l| l.splitn(3, ':').nth(2).unwrap_or("").to_string())
        .collect();
    (rc, statuses, out)
}

pub fn pdfsig(env: &Env, file: &str) -> String {
    run("pdfsig", &["-nssdir", &env.nssdb, file]).1
}

fn cms_of(pdf: &[u8], range: &[i64]) -> Vec<u8> {
    let hex = &pdf[range[1] as usize + 1..range[2] as usize - 1];
    let mut bytes: Vec<u8> = hex
        .chunks(2)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap())
        .collect();
    let len = if bytes[1] < 0x80 {
        2 + bytes[1] as usize
    } else {
        let n = (bytes[1] & 0x7f) as usize;
        2 + n
            + bytes[2..2 + n]
                .iter()
                .fold(0usize, |a, &b| (a << 8) | b as usize)
    };
    bytes.truncate(len);
    bytes
}

#[test]
fn r6_personal_then_organisation_validates_everywhere() {
    let env = env("both");
    let (personal, both) = sign_both(&env);
    let pfile = save(&env, "personal.pdf", &personal);
    let file = save(&env, "signed.pdf", &both);

    // pyHanko
    let (rc, statuses, out) = pyhanko(&env, &file);
    assert_eq!(statuses.len(), 2, "{out}");
    assert!(statuses[0].starts_with("INTACT:TRUSTED"), "{out}");
    assert!(
        out.contains("ACCEPTABLE_MODIFICATIONS") || out.contains("EXTENDED_WITH_FORM_FILLING"),
        "{out}"
    );
    assert!(!out.contains("ILLEGAL"), "{out}");
    assert_eq!(statuses[1], "INTACT:TRUSTED,UNTOUCHED", "{out}");
    assert_eq!(rc, 0, "{out}");
    let (_, st, out) = pyhanko(&env, &pfile);
    assert_eq!(st, vec!["INTACT:TRUSTED,UNTOUCHED".to_string()], "{out}");

    // pdfsig
    let out = pdfsig(&env, &file);
    assert_eq!(out.matches("Signature is Valid").count(), 2, "{out}");
    assert_eq!(out.matches("Certificate is Trusted").count(), 2, "{out}");

    // ours
    let report = verify(&env, &both);
    assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
    assert_eq!(report.signatures.len(), 2);
    let [first, second] = &report.signatures[..] else {
        unreachable!()
    };
    assert!(first.valid() && second.valid(), "{report:#?}");
    assert!(
        matches!(first.coverage, Coverage::RevisionThenAllowed { .. }),
        "{report:#?}"
    );
    assert_eq!(second.coverage, Coverage::WholeFile);
    assert_eq!(first.revocation, Revocation::Good);
    assert!(first.signer.as_deref().unwrap().contains(HEAD));
    assert!(second.signer.as_deref().unwrap().contains(ORG));
    assert_eq!(
        first.signing_time.as_deref(),
        Some("D:20250314093000+07'00'")
    );

    // CMS: signing-certificate-v2, no signingTime
    for s in &report.signatures {
        let cms = cms_of(&both, &s.byte_range);
        let p = env.dir.join("sig.der");
        std::fs::write(&p, &cms).unwrap();
        let (rc, out) = run(
            "openssl",
            &[
                "cms",
                "-cmsout",
                "-print",
                "-inform",
                "DER",
                "-in",
                p.to_str().unwrap(),
            ],
        );
        assert_eq!(rc, 0, "{out}");
        assert!(
            out.contains("id-smime-aa-signingCertificateV2")
                || out.contains("signingCertificateV2"),
            "{out}"
        );
        assert!(!out.contains("signingTime"), "{out}");
    }

    // qpdf
    for f in [&pfile, &file] {
        let (rc, out) = run("qpdf", &["--check", f]);
        assert_eq!(rc, 0, "{out}");
    }
}

fn assert_all_fail(env: &Env, name: &str, pdf: &[u8], reason: &str) {
    let file = save(env, name, pdf);
    let (rc, statuses, out) = pyhanko(env, &file);
    assert!(
        rc != 0 || statuses.iter().any(|s| !s.starts_with("INTACT:TRUSTED")),
        "pyHanko accepted {name}: {out}"
    );
    let out = pdfsig(env, &file);
    if reason == "changed after signing" {
        // pdfsig does not check what changed after a signature (NOTES.md); its
        // only signal is that the last signature no longer covers the file.
        let last = out.rsplit("Signature #").next().unwrap();
        assert!(last.contains("Not total document signed"), "pdfsig: {out}");
    } else {
        let bad = out.contains("Digest Mismatch")
            || out.contains("Unknown Validation Failure")
            || out.contains("Signature is Invalid")
            || out.contains("Certificate is not Trusted")
            || out.matches("Signature is Valid").count() < 2;
        assert!(bad, "pdfsig accepted {name}: {out}");
    }
    let report = verify(env, pdf);
    assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
    let problems: Vec<&String> = report.signatures.iter().flat_map(|s| &s.problems).collect();
    assert!(
        problems.iter().any(|p| p.contains(reason)),
        "expected '{reason}' in {problems:#?}"
    );
}

#[test]
fn r6_tampering_is_detected() {
    let env = env("tamper");
    let (_, both) = sign_both(&env);

    // 1. one byte inside the first signed range (page content of the original).
    let mut flipped = both.clone();
    let at = flipped.windows(6).position(|w| w == b"stream").unwrap() + 20;
    flipped[at] ^= 0x01;
    assert_all_fail(&env, "flipped.pdf", &flipped, "digest mismatch");

    // 2. an unsigned incremental update that changes page content.
    let doc = Document::load_mem(&both).unwrap();
    let mut inc = IncrementalDocument::create_from(both.clone(), doc);
    let page = *inc.get_prev_documents().get_pages().get(&1).unwrap();
    let content = inc.new_document.add_object(Stream::new(
        dictionary! {},
        b"BT /F1 40 Tf 100 400 Td (FORGED) Tj ET".to_vec(),
    ));
    inc.opt_clone_object_to_new_document(page).unwrap();
    let page_dict = inc
        .new_document
        .get_object_mut(page)
        .unwrap()
        .as_dict_mut()
        .unwrap();
    let old = page_dict.get(b"Contents").unwrap().clone();
    let mut arr = match old {
        Object::Array(a) => a,
        o => vec![o],
    };
    arr.push(Object::Reference(content));
    page_dict.set("Contents", arr);
    let mut changed = Vec::new();
    inc.save_to(&mut changed).unwrap();
    assert_all_fail(&env, "changed.pdf", &changed, "changed after signing");

    // 3. the signer certificate swapped for another one in the CMS.
    let report = verify_pdf(&both, &[]).unwrap();
    let last = &report.signatures[1];
    let cms = cms_of(&both, &last.byte_range);
    let personal_cert = env.pki.get(HEAD).unwrap().cert.to_der().unwrap();
    let org_cert = env.pki.get(ORG).unwrap().cert.to_der().unwrap();
    let pos = cms
        .windows(org_cert.len())
        .position(|w| w == org_cert.as_slice())
        .unwrap();
    // Same-size swap keeps every DER length valid: both are RSA-2048 certificates
    // of the same CA; pad or trim the name difference inside the TLV lengths otherwise.
    let swapped_cms = if personal_cert.len() == org_cert.len() {
        let mut c = cms.clone();
        c[pos..pos + org_cert.len()].copy_from_slice(&personal_cert);
        c
    } else {
        // Rebuild with the cms crate.
        use der::{Decode, Encode};
        let mut ci = cms::content_info::ContentInfo::from_der(&cms).unwrap();
        let mut sd: cms::signed_data::SignedData = ci.content.decode_as().unwrap();
        let mut set = der::asn1::SetOfVec::new();
        set.insert(cms::cert::CertificateChoices::Certificate(
            x509_cert::Certificate::from_der(&personal_cert).unwrap(),
        ))
        .unwrap();
        sd.certificates = Some(cms::signed_data::CertificateSet(set));
        ci.content = der::Any::encode_from(&sd).unwrap();
        ci.to_der().unwrap()
    };
    let mut swapped = both.clone();
    let start = last.byte_range[1] as usize + 1;
    let hex: String = swapped_cms.iter().map(|b| format!("{b:02X}")).collect();
    let room = last.byte_range[2] as usize - 1 - start;
    assert!(hex.len() <= room);
    let mut padded = hex.into_bytes();
    padded.resize(room, b'0');
    swapped[start..start + room].copy_from_slice(&padded);
    let report = verify(&env, &swapped);
    // A signer certificate that is no longer in the CMS cannot be checked at all (ETSI's
    // NO_SIGNING_CERTIFICATE_FOUND: indeterminate); one that is there but is not the certificate
    // the signed attributes name is evidence of a swap (invalid).
    let reason = if report.signatures[1]
        .problems
        .iter()
        .any(|p| p.contains("not in the CMS"))
    {
        assert_eq!(report.verdict, Verdict::Indeterminate, "{report:#?}");
        "not in the CMS"
    } else {
        assert_eq!(report.verdict, Verdict::Invalid, "{report:#?}");
        "swapped"
    };
    assert_all_fail(&env, "swapped.pdf", &swapped, reason);
}

#[test]
fn r6_revoked_signer_is_reported() {
    let mut env = env("revoked");
    let (_, both) = sign_both(&env);
    let cert = env.pki.get(HEAD).unwrap().cert.clone();
    env.pki.revoke(&cert).unwrap();
    let report = verify(&env, &both);
    assert_eq!(report.verdict, Verdict::Invalid);
    assert!(report.signatures[0].revoked(), "{report:#?}");
    assert!(
        report.signatures[0]
            .problems
            .iter()
            .any(|p| p.contains("revoked"))
    );
    assert_eq!(report.signatures[1].revocation, Revocation::Good);
}

#[test]
fn r6_organisation_signature_needs_a_personal_one() {
    let env = env("refuse");
    let pdf = fixture("sign/two-page.pdf");
    let err = sign_pdf(
        &pdf,
        &signer(&env, ORG, "1111"),
        &opts(SignatureKind::Organization),
    )
    .unwrap_err();
    assert!(matches!(err, SignError::NoPersonalSignature(_)), "{err}");
}

#[test]
fn r6_wrong_pin_is_a_specific_error() {
    let env = env("pin");
    let p12 = std::fs::read(&env.pki.get(HEAD).unwrap().p12_path).unwrap();
    assert!(matches!(
        pki::load_p12(&p12, "0000"),
        Err(PkiError::WrongPin)
    ));
    assert!(pki::load_p12(&p12, "2468").is_ok());
}

#[test]
fn r6_unsigned_pdf_has_no_signatures() {
    let report = verify_pdf(&fixture("sign/two-page.pdf"), &[]).unwrap();
    assert_eq!(report.verdict, Verdict::NoSignatures);
    assert!(verify_pdf(b"not a pdf", &[]).is_err());
}

#[test]
fn r6_ecdsa_p256_signer_validates() {
    let env = env_with("p256", NewIdentity::p256(HEAD, "2468"));
    let pdf = fixture("sign/two-page.pdf");
    let signed = sign_pdf(
        &pdf,
        &signer(&env, HEAD, "2468"),
        &opts(SignatureKind::Personal),
    )
    .unwrap();
    let file = save(&env, "p256.pdf", &signed);
    let (rc, statuses, out) = pyhanko(&env, &file);
    assert_eq!(
        (rc, statuses),
        (0, vec!["INTACT:TRUSTED,UNTOUCHED".to_string()]),
        "{out}"
    );
    let out = pdfsig(&env, &file);
    assert!(
        out.contains("Signature is Valid") && out.contains("Certificate is Trusted"),
        "{out}"
    );
    assert_eq!(verify(&env, &signed).verdict, Verdict::Valid);
}

/// A phụ lục issued as a separate file carries only the organisation's signature: no image, the
/// number/code and the ISO 8601 time in 10 pt at the top right of page 1 (Phụ lục I, II.8b).
#[test]
fn r6_attachment_gets_the_organisation_signature_top_right() {
    let env = env("attachment");
    let pdf = fixture("sign/two-page.pdf");
    let o = opts(SignatureKind::Attachment);
    let signed = sign_pdf(&pdf, &signer(&env, ORG, "1111"), &o).unwrap();
    let file = save(&env, "attachment.pdf", &signed);
    let (rc, statuses, out) = pyhanko(&env, &file);
    assert_eq!(
        (rc, statuses),
        (0, vec!["INTACT:TRUSTED,UNTOUCHED".to_string()]),
        "{out}"
    );
    let out = pdfsig(&env, &file);
    assert!(
        out.contains("Signature is Valid") && out.contains("Certificate is Trusted"),
        "{out}"
    );
    assert_eq!(verify(&env, &signed).verdict, Verdict::Valid);
    // The widget sits in the top right corner of page 1 and draws black 10 pt text, no image.
    let doc = Document::load_mem(&signed).unwrap();
    let widgets = trinhky_pdf::form::signature_widgets(&signed).unwrap();
    assert_eq!(widgets.len(), 1);
    let (name, page, rect) = &widgets[0];
    assert!(name.starts_with("ChuKyToChucPhuLuc"), "{name}");
    assert_eq!(*page, 1);
    let mm = 72.0 / 25.4;
    assert!(
        (rect[2] - (595.28 - 20.0 * mm)).abs() < 2.0
            && (rect[3] - (841.89 - 20.0 * mm)).abs() < 2.0,
        "{rect:?}"
    );
    let ap = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter(|st| st.dict.get(b"Subtype").ok().and_then(|x| x.as_name().ok()) == Some(b"Form"))
        .map(|st| String::from_utf8_lossy(&st.content).into_owned())
        .find(|c| c.contains("10 Tf"))
        .expect("an appearance with 10 pt text");
    assert!(ap.contains("q 0 g") && !ap.contains(" Do "), "{ap}");
}
