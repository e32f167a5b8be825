//! `trinhky pki init`, `trinhky sign` and `trinhky verify` as a user runs them.

use std::process::Command;

use crate::{demo_file, text, trinhky};

fn run(url: &str, data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_trinhky"))
        .args(args)
        .current_dir(trinhky_testkit::repo_root())
        .env("TRINHKY_DATABASE_URL", url)
        .env("TRINHKY_DATA_DIR", data)
        .env("TRINHKY_LOG", "warn")
        .env("TRINHKY_KEK", trinhky_testkit::TEST_KEK_BASE64)
        .output()
        .unwrap()
}

#[tokio::test]
async fn pki_init_sign_personal_then_organisation_and_verify() {
    let url = trinhky_testkit::fresh_database_url().await;
    let data = std::env::temp_dir().join(format!("trinhky-pki-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    assert!(
        trinhky(&url, &["directory", "import", &demo_file("directory.toml")])
            .status
            .success()
    );
    // Demo accounts: a clerk and the heads exist once `serve --demo` ran; load them the same way.
    let store = trinhky_store::Store::connect(&url).await.unwrap();
    trinhky_app::demo::load(&store, &trinhky_testkit::repo_root().join("deploy/demo"))
        .await
        .unwrap();
    let o = run(&url, &data, &["pki", "init", "--pin", "246810"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("snv.giamdoc"), "{}", text(&o));
    let snv = trinhky_store::directory::agency_by_code(store.db(), "SNV")
        .await
        .unwrap()
        .unwrap();
    assert!(
        trinhky_store::keys::current_key(store.db(), trinhky_store::keys::Owner::Agency(snv.id))
            .await
            .unwrap()
            .is_some(),
        "keys are in the database"
    );

    let pki = data.join("pki");
    let p12s: Vec<std::path::PathBuf> = std::fs::read_dir(&pki)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "p12"))
        .collect();
    let org = p12s
        .iter()
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("so-no")
        })
        .unwrap();
    let person = p12s
        .iter()
        .find(|p| {
            !p.file_name().unwrap().to_string_lossy().starts_with("so-")
                && !p
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("va-n-pho")
        })
        .unwrap();
    std::fs::write(data.join("pin"), "246810\n").unwrap();
    std::fs::write(data.join("bad"), "000000\n").unwrap();
    let input = trinhky_testkit::repo_root().join("crates/trinhky-pdf/tests/fixtures/seed.pdf");
    let s1 = data.join("s1.pdf");
    let s2 = data.join("s2.pdf");
    let p = |x: &std::path::Path| x.display().to_string();

    // The organisation cannot sign first.
    let o = run(
        &url,
        &data,
        &[
            "sign",
            &p(&input),
            "-o",
            &p(&s2),
            "--p12",
            &p(org),
            "--pin-file",
            &p(&data.join("pin")),
            "--organization",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // A wrong PIN is refused.
    let o = run(
        &url,
        &data,
        &[
            "sign",
            &p(&input),
            "-o",
            &p(&s1),
            "--p12",
            &p(person),
            "--pin-file",
            &p(&data.join("bad")),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("wrong PIN"), "{}", text(&o));
    let o = run(
        &url,
        &data,
        &[
            "sign",
            &p(&input),
            "-o",
            &p(&s1),
            "--p12",
            &p(person),
            "--pin-file",
            &p(&data.join("pin")),
            "--reason",
            "Ký duyệt",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(
        &url,
        &data,
        &[
            "sign",
            &p(&s1),
            "-o",
            &p(&s2),
            "--p12",
            &p(org),
            "--pin-file",
            &p(&data.join("pin")),
            "--organization",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));

    let o = run(&url, &data, &["verify", &p(&s2), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verdict"], "valid");
    assert_eq!(v["signatures"].as_array().unwrap().len(), 2);
    assert_eq!(v["signatures"][1]["coverage"], "whole_file");

    // Flip one byte inside the signed range: invalid, exit 1.
    let mut bytes = std::fs::read(&s2).unwrap();
    let i = bytes.len() / 3;
    bytes[i] ^= 0x01;
    let t = data.join("tampered.pdf");
    std::fs::write(&t, bytes).unwrap();
    let o = run(&url, &data, &["verify", &p(&t)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // Not a PDF: could not verify, exit 2.
    let o = run(&url, &data, &["verify", &demo_file("directory.toml")]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    // --lt: a DSS with the chain and the CA's CRL (read from its file:// distribution point).
    let lt = data.join("lt.pdf");
    let o = run(
        &url,
        &data,
        &[
            "sign",
            &p(&input),
            "-o",
            &p(&lt),
            "--p12",
            &p(person),
            "--pin-file",
            &p(&data.join("pin")),
            "--lt",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("DSS with"), "{}", text(&o));
    let o = run(&url, &data, &["verify", &p(&lt), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["signatures"][0]["revocation"], "good");
    assert_eq!(
        v["signatures"][0]["coverage"],
        "revision followed by 1 allowed update(s)"
    );

    // The dev CA key is encrypted at rest.
    let key = std::fs::read_to_string(pki.join("ca.key.pem")).unwrap();
    assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
}

/// A real PKCS#12 imported for a person replaces their key; a trusted root is copied into the
/// data folder; revoking a dev-CA key lists it in a new CRL and `verify` then reports the
/// signature revoked (exit 1).
#[tokio::test]
async fn pki_import_trust_and_revoke() {
    let url = trinhky_testkit::fresh_database_url().await;
    let data = std::env::temp_dir().join(format!("trinhky-pki-ir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let store = trinhky_store::Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    trinhky_app::demo::load(&store, &trinhky_testkit::repo_root().join("deploy/demo"))
        .await
        .unwrap();
    let o = run(&url, &data, &["pki", "init", "--pin", "246810"]);
    assert!(o.status.success(), "{}", text(&o));
    std::fs::write(data.join("pin"), "246810\n").unwrap();
    std::fs::write(data.join("bad"), "111111\n").unwrap();
    let p = |x: &std::path::Path| x.display().to_string();
    let head = trinhky_store::accounts::user_by_username(store.db(), "snv.giamdoc")
        .await
        .unwrap()
        .unwrap();
    let owner = trinhky_store::keys::Owner::User(head.id);
    let before = trinhky_store::keys::current_key(store.db(), owner)
        .await
        .unwrap()
        .unwrap();

    // Import: a PKCS#12 from another CA (made here with openssl, as a licensed CA would).
    let ext = data.join("ext");
    std::fs::create_dir_all(&ext).unwrap();
    let sh = |args: &[&str]| {
        let o = Command::new("openssl").args(args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let key = ext.join("k.pem");
    let crt = ext.join("c.pem");
    let p12 = ext.join("giamdoc.p12");
    sh(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &p(&key),
        "-out",
        &p(&crt),
        "-days",
        "30",
        "-subj",
        "/C=VN/CN=Nguyen Van Thang (CA ngoai)",
    ]);
    sh(&[
        "pkcs12",
        "-export",
        "-inkey",
        &p(&key),
        "-in",
        &p(&crt),
        "-out",
        &p(&p12),
        "-passout",
        "pass:246810",
    ]);
    let o = run(
        &url,
        &data,
        &[
            "pki",
            "import",
            &p(&p12),
            "--user",
            "snv.giamdoc",
            "--pin-file",
            &p(&data.join("bad")),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "wrong PIN refused: {}", text(&o));
    let o = run(
        &url,
        &data,
        &[
            "pki",
            "import",
            &p(&p12),
            "--user",
            "snv.giamdoc",
            "--pin-file",
            &p(&data.join("pin")),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("CA ngoai"), "{}", text(&o));
    let now = trinhky_store::keys::current_key(store.db(), owner)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(now.id, before.id);
    assert!(now.subject.contains("CA ngoai"));
    let o = run(
        &url,
        &data,
        &["pki", "import", &p(&p12), "--user", "nobody.here"],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("no user"), "{}", text(&o));

    // Trust: the foreign root is copied under the data folder.
    let o = run(&url, &data, &["pki", "trust", &p(&crt)]);
    assert!(o.status.success(), "{}", text(&o));
    let trusted: Vec<_> = std::fs::read_dir(data.join("trust")).unwrap().collect();
    assert_eq!(trusted.len(), 1);
    let o = run(&url, &data, &["pki", "trust", &p(&data.join("pin"))]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    // Revoke the organisation's dev-CA key; a PDF it signed (after a personal signature) then
    // verifies as revoked.
    let pki = data.join("pki");
    let org_p12 = std::fs::read_dir(&pki)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|x| {
            let n = x.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with("so-noi-vu") && n.ends_with(".p12")
        })
        .unwrap();
    let input = trinhky_testkit::repo_root().join("crates/trinhky-pdf/tests/fixtures/seed.pdf");
    let (s1, s2) = (data.join("s1.pdf"), data.join("s2.pdf"));
    let o = run(
        &url,
        &data,
        &[
            "sign",
            &p(&input),
            "-o",
            &p(&s1),
            "--p12",
            &p(&p12),
            "--pin-file",
            &p(&data.join("pin")),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(
        &url,
        &data,
        &[
            "sign",
            &p(&s1),
            "-o",
            &p(&s2),
            "--p12",
            &p(&org_p12),
            "--pin-file",
            &p(&data.join("pin")),
            "--organization",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    // A phụ lục issued as its own file: the organisation's signature alone, top right.
    let annex = data.join("annex.pdf");
    let o = run(
        &url,
        &data,
        &[
            "sign",
            &p(&input),
            "-o",
            &p(&annex),
            "--p12",
            &p(&org_p12),
            "--pin-file",
            &p(&data.join("pin")),
            "--attachment",
            "05/BC-SNV",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(
        &url,
        &data,
        &["verify", &p(&annex), "--trust", &p(&pki.join("ca.pem"))],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // Issue 13: the development CA has its own passphrase (ca.pass), not the holders' PIN.
    let o = run(
        &url,
        &data,
        &[
            "pki",
            "revoke",
            "--agency",
            "SNV",
            "--pin-file",
            &p(&data.join("pin")),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("không đúng"), "{}", text(&o));
    let o = run(&url, &data, &["pki", "revoke", "--agency", "SNV"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("CRL"), "{}", text(&o));
    let snv = trinhky_store::directory::agency_by_code(store.db(), "SNV")
        .await
        .unwrap()
        .unwrap();
    assert!(
        trinhky_store::keys::current_key(store.db(), trinhky_store::keys::Owner::Agency(snv.id))
            .await
            .unwrap()
            .is_none(),
        "no current key after revocation"
    );
    let o = run(
        &url,
        &data,
        &[
            "verify",
            &p(&s2),
            "--trust",
            &p(&pki.join("ca.pem")),
            "--trust",
            &p(&crt),
        ],
    );
    // Revoked after the claimed signing time, with no time-stamp proving the signature came
    // first: indeterminate (ETSI EN 319 102-1 REVOKED_NO_POE), exit 2.
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).to_lowercase().contains("revoked"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&data);
}
