//! Issue 6, PAdES B-T and B-LT: signature time-stamps from a TSA on loopback
//! (`openssl ts -reply` behind a small Python HTTP server), and a DSS holding
//! certificates and CRLs so the document validates offline. Checked by
//! pyHanko, pdfsig, qpdf and our verifier.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use trinhky_pdf::sign::dss::crl_urls;
use trinhky_pdf::sign::{
    SignError, SignatureKind, add_dss, embedded_certificates, fetch_crls, sign_pdf,
};
use trinhky_pdf::verify::{Report, Revocation, Verdict, VerifyOptions, verify_pdf_with};

use crate::fixture;
use crate::sign_pades::{
    CA_PASSPHRASE, Env, HEAD, ORG, env, opts, pdfsig, pyhanko, run, save, signer,
};

/// A running time-stamping authority whose certificate the test CA issued.
pub struct Tsa {
    pub url: String,
    child: Child,
}

impl Drop for Tsa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ok(cmd: &str, args: &[&str]) {
    let (rc, out) = run(cmd, args);
    assert_eq!(rc, 0, "{cmd} {args:?}: {out}");
}

pub fn tsa(env: &Env) -> Tsa {
    tsa_with_extra_certs(env, 0)
}

/// A TSA whose tokens also carry `extra` unrelated certificates (to make
/// them bigger than the space reserved at first).
pub fn tsa_with_extra_certs(env: &Env, extra: usize) -> Tsa {
    let dir = env.dir.join("tsa");
    std::fs::create_dir_all(&dir).unwrap();
    let p = |n: &str| dir.join(n).to_str().unwrap().to_string();
    let mut bundle = std::fs::read(env.pki.ca_pem_path()).unwrap();
    for i in 0..extra {
        let (k, c) = (p(&format!("x{i}.key")), p(&format!("x{i}.pem")));
        ok(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &k,
                "-out",
                &c,
                "-days",
                "1",
                "-subj",
                &format!("/CN=extra certificate {i}"),
            ],
        );
        bundle.extend(std::fs::read(&c).unwrap());
    }
    std::fs::write(dir.join("bundle.pem"), bundle).unwrap();
    let head_cert = env.pki.get(HEAD).unwrap().cert.to_der().unwrap();
    let crl_url = crl_urls(&head_cert).remove(0);
    ok(
        "openssl",
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-keyout",
            &p("tsa.key"),
            "-passout",
            "pass:tsa-key-pass",
            "-subj",
            "/C=VN/O=trinhky dev/CN=trinhky Dev TSA",
            "-out",
            &p("tsa.csr"),
        ],
    );
    std::fs::write(
        dir.join("ext.cnf"),
        format!(
            "[v3]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n\
             extendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n\
             crlDistributionPoints=URI:{crl_url}\n"
        ),
    )
    .unwrap();
    let pki_dir = env.pki.ca_pem_path().parent().unwrap().to_path_buf();
    ok(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            &p("tsa.csr"),
            "-CA",
            env.pki.ca_pem_path().to_str().unwrap(),
            "-CAkey",
            pki_dir.join("ca.key.pem").to_str().unwrap(),
            "-passin",
            &format!("pass:{CA_PASSPHRASE}"),
            "-set_serial",
            "0x5A17",
            "-days",
            "3650",
            "-sha256",
            "-extfile",
            &p("ext.cnf"),
            "-extensions",
            "v3",
            "-out",
            &p("tsa.pem"),
        ],
    );
    std::fs::write(dir.join("serial"), "01\n").unwrap();
    std::fs::write(
        dir.join("ts.cnf"),
        format!(
            "[tsa]\ndefault_tsa = tsa1\n[tsa1]\nserial = {serial}\ncrypto_device = builtin\n\
             signer_cert = {cert}\ncerts = {ca}\nsigner_key = {key}\nsigner_digest = sha256\n\
             default_policy = 1.2.3.4.1\ndigests = sha256, sha384, sha512\naccuracy = secs:1\n\
             ordering = no\ntsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
            serial = p("serial"),
            cert = p("tsa.pem"),
            ca = p("bundle.pem"),
            key = p("tsa.key"),
        ),
    )
    .unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/tsa_server.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(dir.join("ts.cnf"))
        .arg("tsa-key-pass")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().parse().unwrap();
    Tsa {
        url: format!("http://127.0.0.1:{port}/tsa"),
        child,
    }
}

/// Verify with the CA as the only trust root and no CRL: revocation data can
/// come from the document's DSS only.
fn verify_offline(env: &Env, pdf: &[u8]) -> Report {
    let trust = [env.pki.ca_cert().clone()];
    let opts = VerifyOptions {
        trust: &trust,
        crls: &[],
        local_crl_dp: false,
        cache: None,
    };
    let report = verify_pdf_with(pdf, &opts).unwrap();
    crate::sign_pades::assert_same_as_full_parse(&opts, pdf, &report);
    report
}

/// Personal then organisation signature, both time-stamped.
fn sign_both_timestamped(env: &Env, tsa: &Tsa) -> Vec<u8> {
    let pdf = fixture("sign/two-page.pdf");
    let mut o = opts(SignatureKind::Personal);
    o.tsa_url = Some(tsa.url.clone());
    let personal = sign_pdf(&pdf, &signer(env, HEAD, "2468"), &o).unwrap();
    let mut o = opts(SignatureKind::Organization);
    o.tsa_url = Some(tsa.url.clone());
    o.trust = vec![env.pki.ca_cert().clone()];
    let both = sign_pdf(&personal, &signer(env, ORG, "1111"), &o).unwrap();
    assert_eq!(&both[..personal.len()], &personal[..]);
    both
}

#[test]
fn r6_b_t_signatures_carry_a_verified_timestamp() {
    let env = env("b-t");
    let tsa = tsa(&env);
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    let both = sign_both_timestamped(&env, &tsa);
    let after = chrono::Utc::now() + chrono::Duration::seconds(5);

    // Ours: both signatures valid, each with a valid time-stamp from our TSA.
    let report = crate::sign_pades::verify(&env, &both);
    assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
    assert_eq!(report.signatures.len(), 2);
    for s in &report.signatures {
        let ts = s.timestamp.as_ref().expect("a time-stamp");
        assert!(
            ts.imprint_matches && ts.signature_verifies && ts.trusted,
            "{ts:#?}"
        );
        assert!(ts.valid() && s.valid(), "{s:#?}");
        assert!(
            ts.tsa.as_deref().unwrap().contains("trinhky Dev TSA"),
            "{ts:#?}"
        );
        let t = chrono::DateTime::parse_from_rfc3339(ts.time.as_deref().unwrap()).unwrap();
        assert!(t >= before && t <= after, "{t} not in [{before}, {after}]");
    }

    // pyHanko: intact, trusted, and it reports the time-stamp.
    let file = save(&env, "b-t.pdf", &both);
    let (rc, statuses, out) = pyhanko(&env, &file);
    assert_eq!(rc, 0, "{out}");
    assert_eq!(statuses.len(), 2, "{out}");
    assert!(
        statuses.iter().all(|s| s.starts_with("INTACT:TRUSTED")),
        "{out}"
    );
    assert!(!out.contains("ILLEGAL"), "{out}");
    let ca = env.pki.ca_pem_path();
    let (rc, pretty) = run(
        "pyhanko",
        &[
            "sign",
            "validate",
            "--pretty-print",
            "--trust",
            ca.to_str().unwrap(),
            "--trust-replace",
            &file,
        ],
    );
    assert_eq!(rc, 0, "{pretty}");
    let lower = pretty.to_lowercase();
    assert!(lower.contains("timestamp"), "{pretty}");
    assert!(!lower.contains("not timestamped"), "{pretty}");
    // The TSA's time as we report it, to the second (pyHanko prints +00:00).
    for sig in &report.signatures {
        let time = sig.timestamp.as_ref().unwrap().time.clone().unwrap();
        assert!(
            pretty.contains(&format!("Signature timestamp token: {}", &time[..19])),
            "pyHanko does not show the TSA's time {time}: {pretty}"
        );
    }
    assert_eq!(
        pretty
            .matches("The timestamp token is cryptographically sound.")
            .count(),
        2,
        "{pretty}"
    );
    assert_eq!(
        pretty.matches("The TSA certificate is trusted.").count(),
        2,
        "{pretty}"
    );
    assert!(pretty.contains("trinhky Dev TSA"), "{pretty}");

    // pdfsig and qpdf still accept the file.
    let out = pdfsig(&env, &file);
    assert_eq!(out.matches("Signature is Valid").count(), 2, "{out}");
    let (rc, out) = run("qpdf", &["--check", &file]);
    assert_eq!(rc, 0, "{out}");
}

#[test]
fn r6_b_t_unreachable_tsa_is_a_clear_error() {
    let env = env("b-t-down");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/tsa");
    let mut o = opts(SignatureKind::Personal);
    o.tsa_url = Some(url.clone());
    let err = sign_pdf(
        &fixture("sign/two-page.pdf"),
        &signer(&env, HEAD, "2468"),
        &o,
    )
    .unwrap_err();
    assert!(matches!(err, SignError::Timestamp(_)), "{err}");
    assert!(err.to_string().contains(&url), "{err}");
}

#[test]
fn r6_b_lt_dss_gives_offline_revocation() {
    let mut env = env("b-lt");
    let tsa = tsa(&env);
    let both = sign_both_timestamped(&env, &tsa);

    // Without a DSS and without CRLs, revocation is unknown offline.
    let report = verify_offline(&env, &both);
    assert!(
        report
            .signatures
            .iter()
            .all(|s| s.revocation == Revocation::Unknown),
        "{report:#?}"
    );

    // B-LT: the signer chains, the TSA chain and the current CRL in a DSS.
    let certs = embedded_certificates(&both).unwrap();
    let tsa_cert = certs.iter().any(|c| {
        openssl::x509::X509::from_der(c)
            .unwrap()
            .subject_name()
            .entries()
            .any(|e| e.data().to_string().unwrap() == "trinhky Dev TSA")
    });
    assert!(tsa_cert, "the TSA certificate is collected");
    let crls = fetch_crls(&certs).unwrap();
    assert_eq!(crls.len(), 1, "one CA, one distribution point");
    let root = env.pki.ca_cert().to_der().unwrap();
    let lt = add_dss(&both, &[root], &crls).unwrap();
    assert_eq!(
        &lt[..both.len()],
        &both[..],
        "earlier bytes must be untouched"
    );

    let report = verify_offline(&env, &lt);
    assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
    for s in &report.signatures {
        assert_eq!(s.revocation, Revocation::Good, "{s:#?}");
        assert!(s.timestamp.as_ref().is_some_and(|t| t.valid()), "{s:#?}");
    }

    let file = save(&env, "b-lt.pdf", &lt);
    let (rc, statuses, out) = pyhanko(&env, &file);
    assert_eq!(rc, 0, "{out}");
    assert_eq!(statuses.len(), 2, "{out}");
    assert!(
        statuses.iter().all(|s| s.starts_with("INTACT:TRUSTED")),
        "{out}"
    );
    assert!(!out.contains("ILLEGAL"), "{out}");
    let out = pdfsig(&env, &file);
    assert_eq!(out.matches("Signature is Valid").count(), 2, "{out}");
    let (rc, out) = run("qpdf", &["--check", &file]);
    assert_eq!(rc, 0, "{out}");

    // The person's certificate is revoked; a later DSS update carries the new
    // CRL. With the CRL server gone and no CRL passed in, our verifier still
    // reports the revocation from the DSS.
    let cert = env.pki.get(HEAD).unwrap().cert.clone();
    // Revocation times have one-second resolution: revoke in a later second than the
    // time-stamp, so the order is known.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    env.pki.revoke(&cert).unwrap();
    let new_crl = std::fs::read(env.pki.crl_path()).unwrap();
    let _ = env.http.kill();
    let _ = env.http.wait();
    let revoked = add_dss(&lt, &[], &[new_crl]).unwrap();
    let report = verify_offline(&env, &revoked);
    // Revoked after the signature time-stamp proved the signature existed: still valid
    // (ETSI EN 319 102-1), with the revocation reported.
    assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
    assert!(report.signatures[0].revoked(), "{report:#?}");
    assert!(
        report.signatures[0]
            .warnings
            .iter()
            .any(|p| p.contains("revoked") && p.contains("after the signature's time-stamp")),
        "{report:#?}"
    );
    assert_eq!(report.signatures[1].revocation, Revocation::Good);
    // The second DSS keeps what the first one held.
    let doc = lopdf::Document::load_mem(&revoked).unwrap();
    let dss = doc
        .catalog()
        .unwrap()
        .get(b"DSS")
        .and_then(|d| doc.dereference(d))
        .unwrap()
        .1
        .as_dict()
        .unwrap()
        .clone();
    assert_eq!(dss.get(b"CRLs").unwrap().as_array().unwrap().len(), 2);
    assert!(dss.get(b"Certs").unwrap().as_array().unwrap().len() >= 4);
}

/// `https://` goes through OpenSSL with the system trust store and host name
/// checks: a TSA with a certificate nobody trusts is refused, naming the URL.
#[test]
fn r6_b_t_https_tsa_needs_a_trusted_certificate() {
    let env = env("b-t-tls");
    let dir = env.dir.join("tls");
    std::fs::create_dir_all(&dir).unwrap();
    let p = |n: &str| dir.join(n).to_str().unwrap().to_string();
    ok(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &p("key.pem"),
            "-out",
            &p("cert.pem"),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    let server = "import http.server, ssl, sys\n\
        s = http.server.HTTPServer(('127.0.0.1', 0), http.server.BaseHTTPRequestHandler)\n\
        c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(sys.argv[1], sys.argv[2])\n\
        s.socket = c.wrap_socket(s.socket, server_side=True)\n\
        print(s.server_address[1], flush=True)\n\
        s.serve_forever()\n";
    let mut child = Command::new("python3")
        .args(["-c", server, &p("cert.pem"), &p("key.pem")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = format!("https://127.0.0.1:{}/tsa", line.trim());
    let mut o = opts(SignatureKind::Personal);
    o.tsa_url = Some(url.clone());
    let err = sign_pdf(
        &fixture("sign/two-page.pdf"),
        &signer(&env, HEAD, "2468"),
        &o,
    )
    .unwrap_err();
    let _ = child.kill();
    let _ = child.wait();
    let msg = err.to_string();
    assert!(msg.contains(&url), "{msg}");
    assert!(msg.contains("TLS handshake failed"), "{msg}");
    assert!(msg.contains("certificate verify failed"), "{msg}");
}

/// A token bigger than the room reserved for it: the document is signed once
/// more with the exact size, and the result is valid.
#[test]
fn r6_b_t_large_token_is_retried_with_room() {
    let env = env("b-t-big");
    let tsa = tsa_with_extra_certs(&env, 6);
    let mut o = opts(SignatureKind::Personal);
    o.tsa_url = Some(tsa.url.clone());
    let signed = sign_pdf(
        &fixture("sign/two-page.pdf"),
        &signer(&env, HEAD, "2468"),
        &o,
    )
    .unwrap();
    let certs = embedded_certificates(&signed).unwrap();
    // Two time-stamps were issued (openssl ts counts them in its serial file).
    let serial = std::fs::read_to_string(env.dir.join("tsa/serial")).unwrap();
    assert_eq!(serial.trim(), "03", "one retry");
    // signer + CA + TSA + 6 extra certificates, all in the signature's CMS.
    assert!(certs.len() >= 9, "{}", certs.len());
    let report = crate::sign_pades::verify(&env, &signed);
    assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
    assert!(report.signatures[0].timestamp.as_ref().unwrap().valid());
    let file = save(&env, "b-t-big.pdf", &signed);
    let (rc, statuses, out) = pyhanko(&env, &file);
    assert_eq!((rc, statuses.len()), (0, 1), "{out}");
    assert!(statuses[0].starts_with("INTACT:TRUSTED"), "{out}");
}
