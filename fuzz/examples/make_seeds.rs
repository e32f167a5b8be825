//! Writes the signed seed PDFs of the `verify` and `lazy_xref` fuzz targets
//! into `fuzz/seeds/signed/`, and their CA into `fuzz/seeds/ca.pem` (the
//! trust root of the `verify` target), signed by our own signer:
//!
//!     cargo run --manifest-path fuzz/Cargo.toml --example make_seeds
//!
//! The outputs are committed; run it again only to refresh them.

use std::path::{Path, PathBuf};

use chrono::{Duration, FixedOffset, TimeZone};
use trinhky_pdf::pki::{self, DevPki, NewIdentity};
use trinhky_pdf::sign::{
    LocalSigner, Placement, SignOptions, SignatureKind, add_dss, embedded_certificates, sign_pdf,
};

const ORG: &str = "Ủy ban nhân dân tỉnh Mẫu";
const HEAD: &str = "Nguyễn Văn An";
const DEPUTY: &str = "Trần Thị Bình";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn opts(kind: SignatureKind, name: &str, minutes: i64) -> Result<SignOptions> {
    let personal = Placement {
        page: 2,
        rect: [365.0, 591.0, 485.0, 639.0],
    };
    let placement = match kind {
        SignatureKind::Personal => personal,
        _ => Placement::seal_over(personal, 102.0, 20.0),
    };
    let time = FixedOffset::east_opt(7 * 3600)
        .ok_or("offset")?
        .with_ymd_and_hms(2025, 3, 14, 9, 30, 0)
        .single()
        .ok_or("time")?;
    Ok(SignOptions {
        kind,
        placement,
        image: None,
        reason: Some("Phê duyệt".into()),
        location: Some("Hà Nội".into()),
        name: Some(name.into()),
        time: time + Duration::minutes(minutes),
        tsa_url: None,
        trust: Vec::new(),
    })
}

fn signer(pki: &DevPki, name: &str, pin: &str) -> Result<LocalSigner> {
    let issued = pki.get(name).ok_or("identity")?;
    Ok(pki::load_p12(&std::fs::read(&issued.p12_path)?, pin)?)
}

fn main() -> Result<()> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = fuzz.join("seeds/signed");
    std::fs::create_dir_all(&out)?;
    let tmp: PathBuf =
        std::env::temp_dir().join(format!("trinhky-fuzz-seeds-{}", std::process::id()));
    let pki = DevPki::create(
        &tmp,
        "fuzz-seed-ca",
        &[NewIdentity::rsa(ORG, "1111")],
        &[
            NewIdentity::rsa(HEAD, "2468"),
            NewIdentity::p256(DEPUTY, "1357"),
        ],
    )?;
    let pdf = std::fs::read(fuzz.join("../crates/trinhky-pdf/tests/fixtures/sign/two-page.pdf"))?;

    let personal = sign_pdf(
        &pdf,
        &signer(&pki, HEAD, "2468")?,
        &opts(SignatureKind::Personal, HEAD, 0)?,
    )?;
    let mut org = opts(SignatureKind::Organization, ORG, 5)?;
    org.trust = vec![pki.ca_cert().clone()];
    let both = sign_pdf(&personal, &signer(&pki, ORG, "1111")?, &org)?;
    let ecdsa = sign_pdf(
        &pdf,
        &signer(&pki, DEPUTY, "1357")?,
        &opts(SignatureKind::Personal, DEPUTY, 0)?,
    )?;
    let crl = std::fs::read(pki.crl_path())?;
    let lt = add_dss(&both, &embedded_certificates(&both)?, &[crl])?;
    // A byte of the signed content changed, and bytes appended after signing.
    let mut tampered = personal.clone();
    let at = tampered.len() / 3;
    tampered[at] ^= 0x01;
    let mut appended = both.clone();
    appended.extend_from_slice(b"\n% appended after signing\n");

    for (name, bytes) in [
        ("personal-rsa.pdf", &personal),
        ("personal-org.pdf", &both),
        ("personal-ecdsa.pdf", &ecdsa),
        ("b-lt-dss.pdf", &lt),
        ("tampered.pdf", &tampered),
        ("appended.pdf", &appended),
    ] {
        std::fs::write(out.join(name), bytes)?;
    }
    std::fs::copy(pki.ca_pem_path(), fuzz.join("seeds/ca.pem"))?;
    std::fs::remove_dir_all(&tmp)?;
    println!("wrote {}", out.display());
    Ok(())
}
