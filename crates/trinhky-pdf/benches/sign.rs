//! Sign and verify a two-page document in-process (issue 6 targets: sign
//! ≤ 1 ms, verify ≤ 2 ms median). Writes the key, CA and signed file to
//! `$TRINHKY_BENCH_DIR` (default: a temp dir) so `benches/compare_pyhanko.py`
//! can time pyHanko on exactly the same inputs in the same run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;

use chrono::TimeZone;
use criterion::{Criterion, criterion_group, criterion_main};
use trinhky_domain::time::VN_OFFSET;
use trinhky_pdf::pki::{DevPki, NewIdentity, load_p12};
use trinhky_pdf::sign::{Placement, SignOptions, SignatureImage, SignatureKind, sign_pdf};
use trinhky_pdf::verify::{Verifier, VerifyOptions, verify_pdf_with};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bench(c: &mut Criterion) {
    let dir = std::env::var_os("TRINHKY_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("trinhky-sign-bench"));
    let _ = std::fs::remove_dir_all(&dir);
    let pki = DevPki::create(
        &dir.join("pki"),
        "bench-ca",
        &[NewIdentity::rsa("Ủy ban nhân dân tỉnh Mẫu", "1111")],
        &[NewIdentity::rsa("Nguyễn Văn An", "2468")],
    )
    .unwrap();
    let pdf = std::fs::read(root().join("tests/fixtures/sign/two-page.pdf")).unwrap();
    std::fs::write(dir.join("two-page.pdf"), &pdf).unwrap();
    let person = load_p12(
        &std::fs::read(&pki.get("Nguyễn Văn An").unwrap().p12_path).unwrap(),
        "2468",
    )
    .unwrap();
    let org = load_p12(
        &std::fs::read(&pki.get("Ủy ban nhân dân tỉnh Mẫu").unwrap().p12_path).unwrap(),
        "1111",
    )
    .unwrap();
    let png = |n: &str| std::fs::read(root().join("../../templates/signatures").join(n)).unwrap();
    let time = VN_OFFSET.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap();
    let personal_at = Placement {
        page: 2,
        rect: [365.0, 591.0, 485.0, 639.0],
    };
    let personal = SignOptions {
        kind: SignatureKind::Personal,
        placement: personal_at,
        image: Some(SignatureImage::from_png(&png("demo-signature.png")).unwrap()),
        reason: Some("Phê duyệt".into()),
        location: Some("Hà Nội".into()),
        name: Some("Nguyễn Văn An".into()),
        time,
        tsa_url: None,
        trust: Vec::new(),
    };
    let invisible = SignOptions {
        image: None,
        placement: Placement {
            page: 1,
            rect: [0.0; 4],
        },
        ..personal.clone()
    };
    let organisation = SignOptions {
        kind: SignatureKind::Organization,
        placement: Placement::seal_over(personal_at, 102.0, 20.0),
        image: Some(SignatureImage::from_png(&png("demo-seal.png")).unwrap()),
        name: Some("Ủy ban nhân dân tỉnh Mẫu".into()),
        ..personal.clone()
    };
    let signed1 = sign_pdf(&pdf, &person, &personal).unwrap();
    let signed2 = sign_pdf(&signed1, &org, &organisation).unwrap();
    std::fs::write(dir.join("signed-personal.pdf"), &signed1).unwrap();
    std::fs::write(dir.join("signed-both.pdf"), &signed2).unwrap();
    let trust = [pki.ca_cert().clone()];
    let crl = std::fs::read(pki.crl_path()).unwrap();
    let crls = [crl];
    let cache = std::sync::Arc::new(trinhky_pdf::verify::VerifyCache::default());
    let vopts = VerifyOptions {
        trust: &trust,
        crls: &crls,
        local_crl_dp: false,
        cache: Some(&cache),
    };

    let mut g = c.benchmark_group("two-page");
    g.bench_function("sign personal (visible, image)", |b| {
        b.iter(|| sign_pdf(black_box(&pdf), &person, &personal).unwrap())
    });
    g.bench_function("sign invisible", |b| {
        b.iter(|| sign_pdf(black_box(&pdf), &person, &invisible).unwrap())
    });
    g.bench_function("sign organisation (seal + text, checks personal)", |b| {
        b.iter(|| sign_pdf(black_box(&signed1), &org, &organisation).unwrap())
    });
    g.bench_function("verify 1 signature", |b| {
        b.iter(|| verify_pdf_with(black_box(&signed1), &vopts).unwrap())
    });
    g.bench_function("verify 2 signatures", |b| {
        b.iter(|| verify_pdf_with(black_box(&signed2), &vopts).unwrap())
    });
    g.bench_function("verify 2 signatures, first sight (caches cleared)", |b| {
        b.iter(|| {
            cache.clear();
            verify_pdf_with(black_box(&signed2), &vopts).unwrap()
        })
    });
    g.bench_function(
        "verify 2 signatures (full lopdf parse, reused Verifier)",
        |b| {
            let v = Verifier::new(&vopts).unwrap();
            b.iter(|| v.verify_parsed(black_box(&signed2)).unwrap())
        },
    );
    g.bench_function("lopdf load_mem (2 signatures)", |b| {
        b.iter(|| lopdf::Document::load_mem(black_box(&signed2)).unwrap())
    });
    let verifier = Verifier::new(&vopts).unwrap();
    g.bench_function("verify 2 signatures (reused Verifier)", |b| {
        b.iter(|| verifier.verify(black_box(&signed2)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);

fn parts(c: &mut Criterion) {
    let pdf = std::fs::read(root().join("tests/fixtures/sign/two-page.pdf")).unwrap();
    c.bench_function("parts/lopdf load_mem two-page", |b| {
        b.iter(|| lopdf::Document::load_mem(black_box(&pdf)).unwrap())
    });
    let dir = std::env::temp_dir().join("trinhky-sign-bench-parts");
    let _ = std::fs::remove_dir_all(&dir);
    let pki = DevPki::create(&dir, "bench-ca", &[], &[NewIdentity::rsa("A", "1")]).unwrap();
    let signer = load_p12(
        &std::fs::read(&pki.get("A").unwrap().p12_path).unwrap(),
        "1",
    )
    .unwrap();
    use trinhky_pdf::sign::Signer;
    c.bench_function("parts/rsa2048 sign (Signer::sign)", |b| {
        b.iter(|| signer.sign(black_box(b"0123456789abcdef")).unwrap())
    });
    c.bench_function("parts/cms build", |b| {
        b.iter(|| {
            trinhky_pdf::sign::cms::build_signed_data(black_box(&[7u8; 32]), &signer).unwrap()
        })
    });
    let cert = signer.certificate().clone();
    let der = cert.to_der().unwrap();
    c.bench_function("parts/X509::from_der", |b| {
        b.iter(|| openssl::x509::X509::from_der(black_box(&der)).unwrap())
    });
    c.bench_function("parts/X509::public_key", |b| {
        b.iter(|| black_box(&cert).public_key().unwrap())
    });
    let spki = cert.public_key().unwrap().public_key_to_der().unwrap();
    c.bench_function("parts/PKey::public_key_from_der", |b| {
        b.iter(|| openssl::pkey::PKey::public_key_from_der(black_box(&spki)).unwrap())
    });
    let rsa = cert.public_key().unwrap().rsa().unwrap();
    let (n, e) = (rsa.n().to_vec(), rsa.e().to_vec());
    c.bench_function("parts/Rsa::from_public_components", |b| {
        b.iter(|| {
            let r = openssl::rsa::Rsa::from_public_components(
                openssl::bn::BigNum::from_slice(&n).unwrap(),
                openssl::bn::BigNum::from_slice(&e).unwrap(),
            )
            .unwrap();
            openssl::pkey::PKey::from_rsa(r).unwrap()
        })
    });
    let key = cert.public_key().unwrap();
    let sig = signer.sign(b"abc").unwrap();
    c.bench_function("parts/rsa verify (Verifier::new + verify_oneshot)", |b| {
        b.iter(|| {
            let mut v =
                openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha256(), &key).unwrap();
            v.verify_oneshot(&sig, b"abc").unwrap()
        })
    });
    let mut sb = openssl::x509::store::X509StoreBuilder::new().unwrap();
    sb.add_cert(pki.ca_cert().clone()).unwrap();
    let store = sb.build();
    let chain = openssl::stack::Stack::new().unwrap();
    c.bench_function("parts/X509StoreContext verify_cert", |b| {
        b.iter(|| {
            let mut ctx = openssl::x509::X509StoreContext::new().unwrap();
            ctx.init(&store, &cert, &chain, |c| c.verify_cert())
                .unwrap()
        })
    });
    let crl = openssl::x509::X509Crl::from_der(&std::fs::read(pki.crl_path()).unwrap()).unwrap();
    let ca_key = pki.ca_cert().public_key().unwrap();
    c.bench_function("parts/crl verify", |b| {
        b.iter(|| crl.verify(&ca_key).unwrap())
    });
    let mut inc = trinhky_pdf::incremental::open(&pdf).unwrap();
    c.bench_function("parts/incremental open+save", |b| {
        b.iter(|| {
            inc = trinhky_pdf::incremental::open(black_box(&pdf)).unwrap();
            let mut out = Vec::new();
            inc.save_to(&mut out).unwrap();
            out
        })
    });
}
criterion_group!(parts_group, parts);
criterion_main!(benches, parts_group);
