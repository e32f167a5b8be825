//! Issue 15: revocation by OCSP — real responders (`openssl ocsp`) on loopback, responses embedded
//! in the DSS, the online cache, delegated and unauthorised responders, a silent responder.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use openssl::x509::X509;
use trinhky_domain::time::VN_OFFSET;
use trinhky_pdf::pki::{DevPki, NewIdentity, load_p12};
use trinhky_pdf::sign::{
    LocalSigner, Placement, SignOptions, SignatureKind, add_dss_with_ocsp, sign_pdf,
};
use trinhky_pdf::verify::{Report, Revocation, Status, Verifier, VerifyCache, VerifyOptions};

use crate::fixture;
use crate::sign_pades::run;

fn ok(cmd: &str, args: &[&str]) {
    let (rc, out) = run(cmd, args);
    assert_eq!(rc, 0, "{cmd} {args:?}: {out}");
}

/// Some socket listens on `port` (Linux: /proc/net/tcp, tcp6).
fn listening(port: u16) -> bool {
    let local = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|f| {
        std::fs::read_to_string(f)
            .unwrap_or_default()
            .lines()
            .any(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                cols.len() > 3 && cols[1].ends_with(&local) && cols[3] == "0A"
            })
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A CA made with the openssl CLI whose certificates name an OCSP responder on a loopback port.
struct Pki {
    dir: PathBuf,
    port: u16,
    ca: X509,
}

/// A running `openssl ocsp` responder.
struct Responder(Child);

impl Drop for Responder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Responder {
    /// The process has exited (after its `-nrequest` answers).
    fn exited_within(&mut self, wait: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < wait {
            if self.0.try_wait().unwrap().is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

/// `t` as an index.txt / ASN.1 UTCTime (`YYMMDDHHMMSSZ`).
fn utc_time(t: chrono::DateTime<Utc>) -> String {
    t.format("%y%m%d%H%M%SZ").to_string()
}

impl Pki {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("trinhky-ocsp-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let p = |n: &str| dir.join(n).to_str().unwrap().to_owned();
        ok(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &p("ca.key"),
                "-out",
                &p("ca.pem"),
                "-days",
                "3650",
                "-subj",
                "/C=VN/O=OCSP test/CN=OCSP Test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        let ca = X509::from_pem(&std::fs::read(dir.join("ca.pem")).unwrap()).unwrap();
        std::fs::write(dir.join("index.txt.attr"), "unique_subject = no\n").unwrap();
        Self {
            port: free_port(),
            dir,
            ca,
        }
    }

    fn path(&self, n: &str) -> String {
        self.dir.join(n).to_str().unwrap().to_owned()
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Issue `name` (serial `serial`, hex) from `issuer` (`ca` or another name) with extensions.
    fn issue_by(&self, issuer: &str, name: &str, serial: &str, ext: &str) {
        ok(
            "openssl",
            &[
                "req",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &self.path(&format!("{name}.key")),
                "-subj",
                &format!("/C=VN/CN={name}"),
                "-out",
                &self.path(&format!("{name}.csr")),
            ],
        );
        std::fs::write(self.dir.join(format!("{name}.cnf")), format!("[v3]\n{ext}")).unwrap();
        let cert = self.path(&format!("{issuer}.pem"));
        let key = self.path(&format!("{issuer}.key"));
        ok(
            "openssl",
            &[
                "x509",
                "-req",
                "-in",
                &self.path(&format!("{name}.csr")),
                "-CA",
                &cert,
                "-CAkey",
                &key,
                "-set_serial",
                &format!("0x{serial}"),
                "-days",
                "3650",
                "-sha256",
                "-extfile",
                &self.path(&format!("{name}.cnf")),
                "-extensions",
                "v3",
                "-out",
                &self.path(&format!("{name}.pem")),
            ],
        );
    }

    /// A signer certificate naming this PKI's OCSP responder (and no CRL).
    fn signer(&self, name: &str, serial: &str) {
        let ext = format!(
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n\
             authorityInfoAccess=OCSP;URI:{}\n",
            self.url()
        );
        self.issue_by("ca", name, serial, &ext);
    }

    /// A responder certificate issued by `issuer`, with or without id-kp-OCSPSigning.
    fn responder_cert(&self, issuer: &str, name: &str, serial: &str, ocsp_signing: bool) {
        let eku = if ocsp_signing {
            "extendedKeyUsage=critical,OCSPSigning\n"
        } else {
            ""
        };
        let ext = format!("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n{eku}");
        self.issue_by(issuer, name, serial, &ext);
    }

    /// index.txt: each (serial, name, revoked at).
    fn index(&self, entries: &[(&str, &str, Option<chrono::DateTime<Utc>>)]) {
        let expiry = utc_time(Utc::now() + chrono::Duration::days(3650));
        let mut s = String::new();
        for (serial, name, revoked) in entries {
            let (flag, at) = match revoked {
                Some(t) => ("R", utc_time(*t)),
                None => ("V", String::new()),
            };
            s.push_str(&format!(
                "{flag}\t{expiry}\t{at}\t{serial}\tunknown\t/C=VN/CN={name}\n"
            ));
        }
        std::fs::write(self.dir.join("index.txt"), s).unwrap();
    }

    /// Start `openssl ocsp` signing with `rsigner` (`ca` or a responder's name); `requests`:
    /// exit after that many.
    fn responder(&self, rsigner: &str, requests: Option<u32>) -> Responder {
        let port = self.port.to_string();
        let (index, ca) = (self.path("index.txt"), self.path("ca.pem"));
        let (cert, key) = (
            self.path(&format!("{rsigner}.pem")),
            self.path(&format!("{rsigner}.key")),
        );
        let mut args = vec![
            "ocsp", "-index", &index, "-port", &port, "-CA", &ca, "-rsigner", &cert, "-rkey", &key,
            "-nmin", "5",
        ];
        let n = requests.map(|n| n.to_string());
        if let Some(n) = &n {
            args.extend(["-nrequest", n.as_str()]);
        }
        let child = Command::new("openssl")
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut r = Responder(child);
        let start = Instant::now();
        // Wait for the listening socket without connecting (a probe would count as a request).
        while !listening(self.port) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the responder did not start"
            );
            assert!(
                !r.exited_within(Duration::from_millis(20)),
                "openssl ocsp exited"
            );
        }
        r
    }

    /// A PDF signed by `name` at the claimed time 2025-03-14 09:30 +07:00.
    fn signed(&self, name: &str, tsa_url: Option<String>) -> Vec<u8> {
        let p12 = self.path(&format!("{name}.p12"));
        ok(
            "openssl",
            &[
                "pkcs12",
                "-export",
                "-in",
                &self.path(&format!("{name}.pem")),
                "-inkey",
                &self.path(&format!("{name}.key")),
                "-certfile",
                &self.path("ca.pem"),
                "-passout",
                "pass:1",
                "-out",
                &p12,
            ],
        );
        let signer = load_p12(&std::fs::read(&p12).unwrap(), "1").unwrap();
        sign_with(&signer, tsa_url)
    }

    /// Verify trusting only this CA, no CRL, online with `online` (through `cache`).
    fn verify(&self, pdf: &[u8], online: Option<Duration>, cache: &Arc<VerifyCache>) -> Report {
        verify_with(&self.ca, pdf, online, cache)
    }
}

/// A PDF signed by `signer` at the claimed time 2025-03-14 09:30 +07:00.
fn sign_with(signer: &LocalSigner, tsa_url: Option<String>) -> Vec<u8> {
    let o = SignOptions {
        kind: SignatureKind::Personal,
        placement: Placement {
            page: 2,
            rect: [365.0, 591.0, 485.0, 639.0],
        },
        image: None,
        reason: None,
        location: None,
        name: None,
        time: VN_OFFSET.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap(),
        tsa_url,
        trust: Vec::new(),
    };
    sign_pdf(&fixture("sign/two-page.pdf"), signer, &o).unwrap()
}

/// Verify trusting only `ca`, no CRL given, online with `online` (through `cache`).
fn verify_with(
    ca: &X509,
    pdf: &[u8],
    online: Option<Duration>,
    cache: &Arc<VerifyCache>,
) -> Report {
    let trust = [ca.clone()];
    let opts = VerifyOptions {
        trust: &trust,
        crls: &[],
        local_crl_dp: false,
        cache: Some(cache),
    };
    let v = Verifier::new(&opts).unwrap().online_revocation(online);
    let report = v.verify(pdf).unwrap();
    assert_eq!(report.signatures.len(), 1, "{report:#?}");
    report
}

impl Pki {
    /// An OCSP response fetched by the openssl CLI client for `name`.
    fn fetch(&self, name: &str) -> Vec<u8> {
        let out = self.path(&format!("{name}.ocsp.der"));
        ok(
            "openssl",
            &[
                "ocsp",
                "-issuer",
                &self.path("ca.pem"),
                "-cert",
                &self.path(&format!("{name}.pem")),
                "-url",
                &self.url(),
                "-CAfile",
                &self.path("ca.pem"),
                "-respout",
                &out,
            ],
        );
        std::fs::read(out).unwrap()
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const SECOND: Duration = Duration::from_secs(3);

fn d(y: i32, m: u32, day: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, 0, 0, 0).unwrap()
}

fn has(list: &[String], what: &str) -> bool {
    list.iter().any(|p| p.contains(what))
}

#[test]
fn online_good_revoked_and_unknown_certificates() {
    let pki = Pki::new("online");
    pki.signer("good", "1001");
    pki.signer("before", "1002");
    pki.signer("after", "1003");
    pki.signer("stranger", "1004");
    pki.index(&[
        ("1001", "good", None),
        ("1002", "before", Some(d(2025, 1, 1))),
        ("1003", "after", Some(d(2025, 6, 1))),
    ]);
    let docs: Vec<Vec<u8>> = ["good", "before", "after", "stranger"]
        .iter()
        .map(|n| pki.signed(n, None))
        .collect();
    let _responder = pki.responder("ca", None);
    let cache = Arc::new(VerifyCache::default());

    // Online is off unless asked for: no request, no revocation data.
    let r = pki.verify(&docs[0], None, &cache);
    assert_eq!(r.signatures[0].revocation, Revocation::Unknown);
    assert_eq!(r.signatures[0].status, Status::Indeterminate);
    assert_eq!(cache.online_requests(), 0);

    let cold = Instant::now();
    let good = pki.verify(&docs[0], Some(SECOND), &cache);
    let cold = cold.elapsed();
    let s = &good.signatures[0];
    assert_eq!(s.revocation, Revocation::Good, "{s:#?}");
    assert_eq!(s.status, Status::Valid, "{s:#?}");
    let warm = Instant::now();
    let again = pki.verify(&docs[0], Some(SECOND), &cache);
    let warm = warm.elapsed();
    assert_eq!(again.signatures[0].status, Status::Valid);
    assert_eq!(
        cache.online_requests(),
        1,
        "the second check is answered from the cache"
    );
    eprintln!("OCSP verification: cold {cold:?}, warm {warm:?}");

    // Revoked before the claimed signing time: invalid.
    let s = &pki.verify(&docs[1], Some(SECOND), &cache).signatures[0];
    assert!(s.revoked(), "{s:#?}");
    assert_eq!(s.status, Status::Invalid, "{s:#?}");
    assert!(
        has(&s.problems, "before the claimed signing time"),
        "{s:#?}"
    );

    // Revoked after the claimed time, no time-stamp to prove it: indeterminate.
    let s = &pki.verify(&docs[2], Some(SECOND), &cache).signatures[0];
    assert!(s.revoked(), "{s:#?}");
    assert_eq!(s.status, Status::Indeterminate, "{s:#?}");
    assert!(has(&s.problems, "REVOKED_NO_POE"), "{s:#?}");

    // Not in the responder's index: "unknown" is no revocation data.
    let s = &pki.verify(&docs[3], Some(SECOND), &cache).signatures[0];
    assert_eq!(s.revocation, Revocation::Unknown, "{s:#?}");
    assert_eq!(s.status, Status::Indeterminate, "{s:#?}");
    assert!(has(&s.warnings, "does not know"), "{s:#?}");
    assert_eq!(cache.online_requests(), 4);
}

#[test]
fn a_cached_answer_needs_no_responder() {
    let pki = Pki::new("cache");
    pki.signer("good", "2001");
    pki.index(&[("2001", "good", None)]);
    let doc = pki.signed("good", None);
    let mut responder = pki.responder("ca", Some(1));
    let cache = Arc::new(VerifyCache::default());
    let first = pki.verify(&doc, Some(SECOND), &cache);
    assert_eq!(first.signatures[0].status, Status::Valid, "{first:#?}");
    // The responder answered its one request and is gone.
    assert!(responder.exited_within(Duration::from_secs(5)));
    let second = pki.verify(&doc, Some(SECOND), &cache);
    assert_eq!(second.signatures[0].revocation, Revocation::Good);
    assert_eq!(cache.online_requests(), 1);
    // Another cache asks again, and finds nobody.
    let fresh = Arc::new(VerifyCache::default());
    let third = pki.verify(&doc, Some(SECOND), &fresh);
    assert_eq!(third.signatures[0].revocation, Revocation::Unknown);
    assert!(
        has(&third.signatures[0].warnings, "cannot connect"),
        "{third:#?}"
    );
}

#[test]
fn delegated_responders_need_ocsp_signing_from_the_issuer() {
    let pki = Pki::new("delegated");
    pki.signer("good", "3001");
    pki.responder_cert("ca", "delegate", "3002", true);
    pki.responder_cert("ca", "rogue", "3003", false);
    // A responder with id-kp-OCSPSigning, but from another CA.
    ok(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &pki.path("other.key"),
            "-out",
            &pki.path("other.pem"),
            "-days",
            "30",
            "-subj",
            "/CN=Other CA",
        ],
    );
    pki.responder_cert("other", "foreign", "3004", true);
    pki.index(&[("3001", "good", None)]);
    let doc = pki.signed("good", None);

    let delegated = pki.responder("delegate", None);
    let cache = Arc::new(VerifyCache::default());
    let s = &pki.verify(&doc, Some(SECOND), &cache).signatures[0];
    assert_eq!(s.revocation, Revocation::Good, "{s:#?}");
    assert_eq!(s.status, Status::Valid, "{s:#?}");
    drop(delegated);

    for name in ["rogue", "foreign"] {
        let _r = pki.responder(name, None);
        let cache = Arc::new(VerifyCache::default());
        let s = &pki.verify(&doc, Some(SECOND), &cache).signatures[0];
        assert_eq!(s.revocation, Revocation::Unknown, "{name}: {s:#?}");
        assert_eq!(s.status, Status::Indeterminate, "{name}: {s:#?}");
        assert!(has(&s.warnings, "responder is not valid"), "{name}: {s:#?}");
    }
}

#[test]
fn a_silent_responder_costs_its_timeout_once() {
    let pki = Pki::new("silent");
    pki.signer("good", "4001");
    let doc = pki.signed("good", None);
    // Accepts connections, reads, never answers.
    let listener = TcpListener::bind(("127.0.0.1", pki.port)).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let cache = Arc::new(VerifyCache::default());
    let start = Instant::now();
    let r = pki.verify(&doc, Some(Duration::from_secs(1)), &cache);
    let took = start.elapsed();
    let s = &r.signatures[0];
    assert_eq!(s.revocation, Revocation::Unknown, "{s:#?}");
    assert_eq!(s.status, Status::Indeterminate, "{s:#?}");
    assert!(
        has(&s.warnings, "no complete response within 1 s"),
        "{s:#?}"
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    // The failure is remembered: no second wait.
    let start = Instant::now();
    let _ = pki.verify(&doc, Some(Duration::from_secs(1)), &cache);
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(cache.online_requests(), 1);
}

#[test]
fn responses_in_the_dss_are_used_offline() {
    let pki = Pki::new("dss");
    pki.signer("good", "5001");
    pki.signer("before", "5002");
    pki.index(&[
        ("5001", "good", None),
        ("5002", "before", Some(d(2025, 1, 1))),
    ]);
    let (good, before) = (pki.signed("good", None), pki.signed("before", None));
    let responder = pki.responder("ca", None);
    let (good_resp, before_resp) = (pki.fetch("good"), pki.fetch("before"));
    drop(responder);

    let cache = Arc::new(VerifyCache::default());
    let with = add_dss_with_ocsp(&good, &[], &[], std::slice::from_ref(&good_resp)).unwrap();
    let r = pki.verify(&with, None, &cache);
    let s = &r.signatures[0];
    assert_eq!(s.revocation, Revocation::Good, "{s:#?}");
    assert_eq!(s.status, Status::Valid, "{s:#?}");
    // Online allowed, but the DSS answers first: no request goes out.
    let _ = pki.verify(&with, Some(SECOND), &cache);
    assert_eq!(cache.online_requests(), 0);

    let revoked = add_dss_with_ocsp(&before, &[], &[], &[before_resp]).unwrap();
    let s = &pki.verify(&revoked, None, &cache).signatures[0];
    assert!(s.revoked(), "{s:#?}");
    assert_eq!(s.status, Status::Invalid, "{s:#?}");

    // Another certificate's response says nothing about this one.
    let wrong = add_dss_with_ocsp(&before, &[], &[], &[good_resp]).unwrap();
    let s = &pki.verify(&wrong, None, &cache).signatures[0];
    assert_eq!(s.revocation, Revocation::Unknown, "{s:#?}");
    assert!(has(&s.warnings, "not about this certificate"), "{s:#?}");

    // The DSS holds the response, and a second DSS update keeps it.
    let twice = trinhky_pdf::sign::add_dss(&with, &[], &[]).unwrap();
    let s = &pki.verify(&twice, None, &cache).signatures[0];
    assert_eq!(s.revocation, Revocation::Good, "{s:#?}");
    assert!(add_dss_with_ocsp(&good, &[], &[], &[b"junk".to_vec()]).is_err());
}

/// pyHanko, another producer, embeds the responder's answer: in the CMS's
/// adbe-revocationInfoArchival attribute (adbe.pkcs7.detached), or in the DSS (PAdES).
#[test]
fn responses_pyhanko_embeds_are_read() {
    let pki = Pki::new("pyhanko");
    pki.signer("good", "6001");
    pki.index(&[("6001", "good", None)]);
    let input = pki.dir.join("in.pdf");
    std::fs::write(&input, fixture("sign/two-page.pdf")).unwrap();
    let responder = pki.responder("ca", None);
    let mut signed = Vec::new();
    for pades in [false, true] {
        let out = pki.path(&format!("pyhanko-{pades}.pdf"));
        let mut args = vec![
            "sign",
            "addsig",
            "--field",
            "1/100,100,200,150/Sig1",
            "--with-validation-info",
        ];
        if pades {
            args.push("--use-pades");
        }
        let (ca, key, cert) = (
            pki.path("ca.pem"),
            pki.path("good.key"),
            pki.path("good.pem"),
        );
        args.extend([
            "--trust",
            &ca,
            "--trust-replace",
            "pemder",
            "--key",
            &key,
            "--cert",
            &cert,
            "--no-pass",
            input.to_str().unwrap(),
            &out,
        ]);
        ok("pyhanko", &args);
        signed.push(std::fs::read(&out).unwrap());
    }
    drop(responder);
    let cache = Arc::new(VerifyCache::default());
    for (pdf, dss) in signed.iter().zip([false, true]) {
        let has_dss = String::from_utf8_lossy(pdf).contains("/OCSPs");
        assert_eq!(has_dss, dss, "the response sits in the DSS only for PAdES");
        let s = &pki.verify(pdf, Some(SECOND), &cache).signatures[0];
        assert_eq!(s.revocation, Revocation::Good, "dss {dss}: {s:#?}");
        assert_eq!(s.status, Status::Valid, "dss {dss}: {s:#?}");
    }
    assert_eq!(
        cache.online_requests(),
        0,
        "answered from the document alone"
    );
}

/// A time-stamping authority (tests/it/tsa_server.py) with a certificate from `pki`'s CA.
fn tsa(pki: &Pki) -> (Responder, String) {
    pki.issue_by(
        "ca",
        "tsa",
        "7FFF",
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n\
         extendedKeyUsage=critical,timeStamping\n",
    );
    std::fs::write(pki.dir.join("tsa-serial"), "01\n").unwrap();
    std::fs::write(
        pki.dir.join("ts.cnf"),
        format!(
            "[tsa]\ndefault_tsa = tsa1\n[tsa1]\nserial = {serial}\ncrypto_device = builtin\n\
             signer_cert = {cert}\ncerts = {ca}\nsigner_key = {key}\nsigner_digest = sha256\n\
             default_policy = 1.2.3.4.1\ndigests = sha256, sha384, sha512\naccuracy = secs:1\n\
             ordering = no\ntsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
            serial = pki.path("tsa-serial"),
            cert = pki.path("tsa.pem"),
            ca = pki.path("ca.pem"),
            key = pki.path("tsa.key"),
        ),
    )
    .unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/tsa_server.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(pki.dir.join("ts.cnf"))
        .arg("unused")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let port: u16 = line.trim().parse().unwrap();
    (Responder(child), format!("http://127.0.0.1:{port}/tsa"))
}

/// With a valid signature time-stamp, its genTime is the signing time that counts.
#[test]
fn a_time_stamp_decides_revoked_before_or_after_signing() {
    let pki = Pki::new("timestamp");
    pki.signer("later", "7001");
    pki.signer("meanwhile", "7002");
    let (_tsa, url) = tsa(&pki);
    let later = pki.signed("later", Some(url.clone()));
    let meanwhile = pki.signed("meanwhile", Some(url));
    // Revoked one second after the time-stamps (index.txt has one-second precision)…
    std::thread::sleep(Duration::from_millis(1500));
    let now = Utc::now();
    // …and, for the other, after the claimed /M time (2025-03-14) but before the time-stamp.
    pki.index(&[
        ("7001", "later", Some(now)),
        ("7002", "meanwhile", Some(d(2025, 6, 1))),
    ]);
    let _responder = pki.responder("ca", None);
    let cache = Arc::new(VerifyCache::default());

    let s = &pki.verify(&later, Some(SECOND), &cache).signatures[0];
    assert!(s.timestamp.as_ref().is_some_and(|t| t.valid()), "{s:#?}");
    assert!(s.revoked(), "{s:#?}");
    assert_eq!(s.status, Status::Valid, "{s:#?}");
    assert!(
        has(&s.warnings, "after the signature's time-stamp"),
        "{s:#?}"
    );

    let s = &pki.verify(&meanwhile, Some(SECOND), &cache).signatures[0];
    assert!(s.revoked(), "{s:#?}");
    assert_eq!(s.status, Status::Invalid, "{s:#?}");
    assert!(
        has(&s.problems, "before the signature's time-stamp"),
        "{s:#?}"
    );
}

/// No OCSP responder: online, the CRL at the certificate's `http://` distribution point is
/// fetched once and reused.
#[test]
fn a_crl_is_fetched_online_once() {
    let dir = std::env::temp_dir().join(format!("trinhky-ocsp-crl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/ca.crl");
    let pki = DevPki::create_with_crl_url(
        &dir,
        Some(&url),
        "ca-pass",
        &[],
        &[NewIdentity::rsa("Người ký", "1")],
    )
    .unwrap();
    let p12 = std::fs::read(&pki.issued[0].p12_path).unwrap();
    let doc = sign_with(&load_p12(&p12, "1").unwrap(), None);
    let cache = Arc::new(VerifyCache::default());
    let ca = pki.ca_cert().clone();

    let r = verify_with(&ca, &doc, None, &cache);
    assert_eq!(r.signatures[0].revocation, Revocation::Unknown, "{r:#?}");
    let server = Command::new("python3")
        .args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
        ])
        .arg("--directory")
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Responder(server);
    let start = Instant::now();
    while !listening(port) {
        assert!(start.elapsed() < Duration::from_secs(10), "no HTTP server");
        std::thread::sleep(Duration::from_millis(20));
    }
    let r = verify_with(&ca, &doc, Some(SECOND), &cache);
    let s = &r.signatures[0];
    assert_eq!(s.revocation, Revocation::Good, "{s:#?}");
    assert_eq!(s.status, Status::Valid, "{s:#?}");
    drop(server);
    let r = verify_with(&ca, &doc, Some(SECOND), &cache);
    assert_eq!(r.signatures[0].revocation, Revocation::Good, "{r:#?}");
    assert_eq!(cache.online_requests(), 1);
    // Without the cache the server is missed.
    let r = verify_with(&ca, &doc, Some(SECOND), &Arc::new(VerifyCache::default()));
    assert_eq!(r.signatures[0].revocation, Revocation::Unknown, "{r:#?}");
    assert!(has(&r.signatures[0].warnings, "CRL: "), "{r:#?}");
    let _ = std::fs::remove_dir_all(&dir);
}
