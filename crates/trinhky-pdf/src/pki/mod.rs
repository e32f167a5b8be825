//! Keys and certificates: a development PKI for demos and tests (root CA, a
//! certificate per organisation and per signer, a CRL), and unlocking a
//! PKCS#12 file with its PIN into a [`LocalSigner`].
//!
//! The dev CA key is stored in its directory as encrypted PKCS#8
//! (AES-256-CBC, key derived from the caller's passphrase); every signer's key
//! is stored only inside its PKCS#12, encrypted with the signer's PIN.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use der::asn1::BitString;
use der::{Decode, Encode};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Builder, X509Extension, X509NameBuilder};
use spki::AlgorithmIdentifierOwned;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use crate::sign::{KeyAlgorithm, LocalSigner, SignError};

/// PKI failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    #[error("wrong PIN for this key file")]
    WrongPin,
    #[error("the PKCS#12 file is not readable: {0}")]
    InvalidP12(String),
    #[error("the PKCS#12 file holds no {0}")]
    Incomplete(&'static str),
    #[error("file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cryptography failed: {0}")]
    Crypto(String),
    #[error("the key and certificate do not form a usable signer: {0}")]
    Signer(#[from] SignError),
    #[error("{0} is not a certificate issued by this CA")]
    UnknownCertificate(String),
    #[error("wrong passphrase for the CA key {0}")]
    WrongPassphrase(PathBuf),
    #[error("the CA key needs a non-empty passphrase")]
    EmptyPassphrase,
}

fn crypto(e: impl std::fmt::Display) -> PkiError {
    PkiError::Crypto(e.to_string())
}

/// Writes a file readable by its owner only (0600, also when it existed with a wider mode):
/// keys, PKCS#12 files and everything else of the CA.
fn write(path: &Path, bytes: &[u8]) -> Result<(), PkiError> {
    use std::io::Write;
    let io = |source| PkiError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io)?;
    }
    f.write_all(bytes).map_err(io)
}

/// Creates the CA's folder (and parents) with mode 0700 when it does not exist.
fn create_dir(dir: &Path) -> Result<(), PkiError> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|source| PkiError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

fn read(path: &Path) -> Result<Vec<u8>, PkiError> {
    std::fs::read(path).map_err(|source| PkiError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Unlock a PKCS#12 (`.p12`/`.pfx`) with `pin`.
pub fn load_p12(bytes: &[u8], pin: &str) -> Result<LocalSigner, PkiError> {
    let p12 = Pkcs12::from_der(bytes).map_err(|e| PkiError::InvalidP12(e.to_string()))?;
    let parsed = p12.parse2(pin).map_err(|e| {
        let s = e.to_string();
        if s.contains("mac verify failure") || s.contains("decrypt") {
            PkiError::WrongPin
        } else {
            PkiError::InvalidP12(s)
        }
    })?;
    let key = parsed.pkey.ok_or(PkiError::Incomplete("private key"))?;
    let cert = parsed.cert.ok_or(PkiError::Incomplete("certificate"))?;
    let chain = parsed
        .ca
        .map(|s| s.into_iter().collect())
        .unwrap_or_default();
    Ok(LocalSigner::new(key, cert, chain)?)
}

/// A name, its PIN and key type, for [`DevPki::create`].
#[derive(Clone, Debug)]
pub struct NewIdentity {
    pub name: String,
    pub pin: String,
    pub key: KeyAlgorithm,
}

impl NewIdentity {
    pub fn rsa(name: &str, pin: &str) -> Self {
        Self {
            name: name.into(),
            pin: pin.into(),
            key: KeyAlgorithm::Rsa,
        }
    }
    pub fn p256(name: &str, pin: &str) -> Self {
        Self {
            name: name.into(),
            pin: pin.into(),
            key: KeyAlgorithm::EcdsaP256,
        }
    }
}

/// Organisation (seal) or person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityKind {
    Organization,
    Person,
}

/// A certificate issued by the dev CA and where its PKCS#12 lives.
#[derive(Clone, Debug)]
pub struct Issued {
    pub name: String,
    pub kind: IdentityKind,
    pub cert: X509,
    pub p12_path: PathBuf,
    pub cert_path: PathBuf,
}

/// A development certificate authority in a directory:
/// `ca.pem`, `ca.key.pem`, `ca.crl` (DER), `revoked.txt`, and per identity
/// `<slug>.pem` + `<slug>.p12`.
pub struct DevPki {
    dir: PathBuf,
    crl_url: String,
    ca_cert: X509,
    ca_key: PKey<Private>,
    pub issued: Vec<Issued>,
}

impl std::fmt::Debug for DevPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevPki")
            .field("dir", &self.dir)
            .field("issued", &self.issued.len())
            .finish_non_exhaustive()
    }
}

/// File name for an identity: ASCII, Vietnamese diacritics removed
/// ("Nguyễn Văn An" → "nguyen-van-an").
fn slug(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::new();
    for c in s.nfd().map(|c| match c {
        'đ' => 'd',
        'Đ' => 'D',
        c => c,
    }) {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !c.is_ascii() && !c.is_whitespace() {
            // combining marks left by NFD, other letters
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        format!("id-{:x}", s.len())
    } else {
        out
    }
}

/// Development certificates are valid from 1 January 2020 (Unix time), so a demo can replay a
/// past directive (the 2023 seed) with signing times in its own year.
const DEV_NOT_BEFORE: i64 = 1_577_836_800;

fn new_key(alg: KeyAlgorithm) -> Result<PKey<Private>, PkiError> {
    match alg {
        KeyAlgorithm::Rsa => PKey::from_rsa(Rsa::generate(2048).map_err(crypto)?).map_err(crypto),
        KeyAlgorithm::EcdsaP256 => {
            let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).map_err(crypto)?;
            PKey::from_ec_key(EcKey::generate(&group).map_err(crypto)?).map_err(crypto)
        }
    }
}

fn serial() -> Result<Asn1Integer, PkiError> {
    let mut bn = BigNum::new().map_err(crypto)?;
    bn.rand(127, MsbOption::MAYBE_ZERO, false).map_err(crypto)?;
    bn.to_asn1_integer().map_err(crypto)
}

impl DevPki {
    /// Create a fresh CA in `dir` and issue one certificate per organisation
    /// and per signer (10 years, keyUsage digitalSignature + nonRepudiation,
    /// CRL distribution point `file://<dir>/ca.crl`), then publish an empty CRL.
    ///
    /// The CA key is written as `ca.key.pem`, encrypted PKCS#8 protected by
    /// `ca_passphrase` (needed again by [`DevPki::open`]).
    pub fn create(
        dir: &Path,
        ca_passphrase: &str,
        orgs: &[NewIdentity],
        signers: &[NewIdentity],
    ) -> Result<Self, PkiError> {
        Self::create_with_crl_url(dir, None, ca_passphrase, orgs, signers)
    }

    /// [`DevPki::create`] with the CRL published at `crl_url` (for example
    /// `http://127.0.0.1:8080/ca.crl` served from the directory) instead of
    /// `file://<dir>/ca.crl`. External validators such as pyHanko fetch CRLs
    /// over HTTP only.
    pub fn create_with_crl_url(
        dir: &Path,
        crl_url: Option<&str>,
        ca_passphrase: &str,
        orgs: &[NewIdentity],
        signers: &[NewIdentity],
    ) -> Result<Self, PkiError> {
        if ca_passphrase.is_empty() {
            return Err(PkiError::EmptyPassphrase);
        }
        create_dir(dir)?;
        let dir = dir.canonicalize().map_err(|source| PkiError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let crl_url = crl_url.map_or_else(
            || format!("file://{}", dir.join("ca.crl").display()),
            str::to_string,
        );
        let ca_key = new_key(KeyAlgorithm::Rsa)?;
        let mut name = X509NameBuilder::new().map_err(crypto)?;
        name.append_entry_by_nid(Nid::COUNTRYNAME, "VN")
            .map_err(crypto)?;
        name.append_entry_by_nid(Nid::ORGANIZATIONNAME, "trinhky dev")
            .map_err(crypto)?;
        name.append_entry_by_nid(Nid::COMMONNAME, "trinhky Dev Root CA")
            .map_err(crypto)?;
        let name = name.build();
        let mut b = X509Builder::new().map_err(crypto)?;
        b.set_version(2).map_err(crypto)?;
        let sn = serial()?;
        b.set_serial_number(&sn).map_err(crypto)?;
        b.set_subject_name(&name).map_err(crypto)?;
        b.set_issuer_name(&name).map_err(crypto)?;
        b.set_pubkey(&ca_key).map_err(crypto)?;
        let t = Asn1Time::from_unix(DEV_NOT_BEFORE).map_err(crypto)?;
        b.set_not_before(&t).map_err(crypto)?;
        let t = Asn1Time::days_from_now(3650 * 2).map_err(crypto)?;
        b.set_not_after(&t).map_err(crypto)?;
        b.append_extension(
            BasicConstraints::new()
                .critical()
                .ca()
                .build()
                .map_err(crypto)?,
        )
        .map_err(crypto)?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .map_err(crypto)?,
        )
        .map_err(crypto)?;
        let ski = SubjectKeyIdentifier::new()
            .build(&b.x509v3_context(None, None))
            .map_err(crypto)?;
        b.append_extension(ski).map_err(crypto)?;
        b.sign(&ca_key, MessageDigest::sha256()).map_err(crypto)?;
        let ca_cert = b.build();
        write(&dir.join("ca.pem"), &ca_cert.to_pem().map_err(crypto)?)?;
        write(
            &dir.join("ca.key.pem"),
            &ca_key
                .private_key_to_pem_pkcs8_passphrase(
                    openssl::symm::Cipher::aes_256_cbc(),
                    ca_passphrase.as_bytes(),
                )
                .map_err(crypto)?,
        )?;
        write(&dir.join("revoked.txt"), b"")?;
        let mut pki = Self {
            dir,
            crl_url,
            ca_cert,
            ca_key,
            issued: Vec::new(),
        };
        for o in orgs {
            pki.issue(o, IdentityKind::Organization)?;
        }
        for s in signers {
            pki.issue(s, IdentityKind::Person)?;
        }
        pki.publish_crl()?;
        Ok(pki)
    }

    /// Open an existing dev CA (for revocation) with the passphrase given to
    /// [`DevPki::create`].
    pub fn open(dir: &Path, ca_passphrase: &str) -> Result<Self, PkiError> {
        let ca_cert = X509::from_pem(&read(&dir.join("ca.pem"))?).map_err(crypto)?;
        let key_path = dir.join("ca.key.pem");
        let key_pem = read(&key_path)?;
        if !key_pem.starts_with(b"-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            // Never fall back to reading an unencrypted key silently.
            return Err(PkiError::Crypto(format!(
                "{} is not an encrypted PKCS#8 key",
                key_path.display()
            )));
        }
        let ca_key = PKey::private_key_from_pem_passphrase(&key_pem, ca_passphrase.as_bytes())
            .map_err(|_| PkiError::WrongPassphrase(key_path.clone()))?;
        let crl_url = format!("file://{}", dir.join("ca.crl").display());
        Ok(Self {
            dir: dir.to_path_buf(),
            crl_url,
            ca_cert,
            ca_key,
            issued: Vec::new(),
        })
    }

    /// Re-encrypts the CA key under a new passphrase (the CA gets its own, not a holder's PIN).
    pub fn set_passphrase(&self, ca_passphrase: &str) -> Result<(), PkiError> {
        if ca_passphrase.is_empty() {
            return Err(PkiError::EmptyPassphrase);
        }
        let pem = self
            .ca_key
            .private_key_to_pem_pkcs8_passphrase(
                openssl::symm::Cipher::aes_256_cbc(),
                ca_passphrase.as_bytes(),
            )
            .map_err(crypto)?;
        let path = self.dir.join("ca.key.pem");
        let tmp = self.dir.join("ca.key.pem.new");
        write(&tmp, &pem)?;
        std::fs::rename(&tmp, &path).map_err(|source| PkiError::Io { path, source })
    }

    pub fn ca_cert(&self) -> &X509 {
        &self.ca_cert
    }
    pub fn ca_pem_path(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
    pub fn crl_path(&self) -> PathBuf {
        self.dir.join("ca.crl")
    }
    /// The identity issued under `name`.
    pub fn get(&self, name: &str) -> Option<&Issued> {
        self.issued.iter().find(|i| i.name == name)
    }

    /// Issue one more certificate (kept in [`DevPki::issued`]).
    pub fn issue(&mut self, id: &NewIdentity, kind: IdentityKind) -> Result<(), PkiError> {
        let key = new_key(id.key)?;
        let mut name = X509NameBuilder::new().map_err(crypto)?;
        name.append_entry_by_nid(Nid::COUNTRYNAME, "VN")
            .map_err(crypto)?;
        if kind == IdentityKind::Organization {
            name.append_entry_by_nid(Nid::ORGANIZATIONNAME, &id.name)
                .map_err(crypto)?;
        }
        name.append_entry_by_nid(Nid::COMMONNAME, &id.name)
            .map_err(crypto)?;
        let name = name.build();
        let mut b = X509Builder::new().map_err(crypto)?;
        b.set_version(2).map_err(crypto)?;
        let sn = serial()?;
        b.set_serial_number(&sn).map_err(crypto)?;
        b.set_subject_name(&name).map_err(crypto)?;
        b.set_issuer_name(self.ca_cert.subject_name())
            .map_err(crypto)?;
        b.set_pubkey(&key).map_err(crypto)?;
        let t = Asn1Time::from_unix(DEV_NOT_BEFORE).map_err(crypto)?;
        b.set_not_before(&t).map_err(crypto)?;
        let t = Asn1Time::days_from_now(3650).map_err(crypto)?;
        b.set_not_after(&t).map_err(crypto)?;
        b.append_extension(BasicConstraints::new().build().map_err(crypto)?)
            .map_err(crypto)?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .non_repudiation()
                .build()
                .map_err(crypto)?,
        )
        .map_err(crypto)?;
        let ski = SubjectKeyIdentifier::new()
            .build(&b.x509v3_context(Some(&self.ca_cert), None))
            .map_err(crypto)?;
        b.append_extension(ski).map_err(crypto)?;
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&b.x509v3_context(Some(&self.ca_cert), None))
            .map_err(crypto)?;
        b.append_extension(aki).map_err(crypto)?;
        let dp = format!("URI:{}", self.crl_url);
        #[allow(deprecated)] // the typed builder has no CRL distribution points
        let dp = X509Extension::new_nid(None, None, Nid::CRL_DISTRIBUTION_POINTS, &dp)
            .map_err(crypto)?;
        b.append_extension(dp).map_err(crypto)?;
        b.sign(&self.ca_key, MessageDigest::sha256())
            .map_err(crypto)?;
        let cert = b.build();
        let s = slug(&id.name);
        let cert_path = self.dir.join(format!("{s}.pem"));
        let p12_path = self.dir.join(format!("{s}.p12"));
        write(&cert_path, &cert.to_pem().map_err(crypto)?)?;
        let mut ca = openssl::stack::Stack::new().map_err(crypto)?;
        ca.push(self.ca_cert.clone()).map_err(crypto)?;
        let p12 = Pkcs12::builder()
            .name(&id.name)
            .pkey(&key)
            .cert(&cert)
            .ca(ca)
            .build2(&id.pin)
            .map_err(crypto)?;
        write(&p12_path, &p12.to_der().map_err(crypto)?)?;
        self.issued.push(Issued {
            name: id.name.clone(),
            kind,
            cert,
            p12_path,
            cert_path,
        });
        Ok(())
    }

    /// Revoke `cert` (issued by this CA) and republish the CRL; returns its path.
    pub fn revoke(&mut self, cert: &X509) -> Result<PathBuf, PkiError> {
        if cert.issuer_name().try_cmp(self.ca_cert.subject_name()).ok()
            != Some(std::cmp::Ordering::Equal)
        {
            return Err(PkiError::UnknownCertificate(format!(
                "{:?}",
                cert.subject_name()
            )));
        }
        let serial = cert
            .serial_number()
            .to_bn()
            .map_err(crypto)?
            .to_hex_str()
            .map_err(crypto)?
            .to_string();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(crypto)?
            .as_secs();
        let path = self.dir.join("revoked.txt");
        let mut list = String::from_utf8_lossy(&read(&path)?).into_owned();
        list.push_str(&format!("{serial} {now}\n"));
        write(&path, list.as_bytes())?;
        self.publish_crl()
    }

    /// Write `ca.crl` (DER) listing every revoked serial; valid for 30 days.
    pub fn publish_crl(&self) -> Result<PathBuf, PkiError> {
        let list = String::from_utf8_lossy(&read(&self.dir.join("revoked.txt"))?).into_owned();
        let time = |secs: u64| -> Result<Time, PkiError> {
            Time::try_from(UNIX_EPOCH + Duration::from_secs(secs)).map_err(crypto)
        };
        let mut revoked = Vec::new();
        for line in list.lines() {
            let mut parts = line.split_whitespace();
            let (Some(hex), Some(at)) = (parts.next(), parts.next()) else {
                continue;
            };
            let bn = BigNum::from_hex_str(hex).map_err(crypto)?;
            let mut bytes = bn.to_vec();
            if bytes.first().is_some_and(|b| b & 0x80 != 0) {
                bytes.insert(0, 0);
            }
            revoked.push(RevokedCert {
                serial_number: SerialNumber::new(&bytes).map_err(crypto)?,
                revocation_date: time(at.parse().map_err(crypto)?)?,
                crl_entry_extensions: None,
            });
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(crypto)?
            .as_secs();
        let issuer =
            x509_cert::name::Name::from_der(&self.ca_cert.subject_name().to_der().map_err(crypto)?)
                .map_err(crypto)?;
        let alg = AlgorithmIdentifierOwned {
            oid: const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
            parameters: Some(der::Any::from(der::asn1::Null)),
        };
        let tbs = TbsCertList {
            version: x509_cert::Version::V2,
            signature: alg.clone(),
            issuer,
            this_update: time(now.saturating_sub(60))?,
            next_update: Some(time(now + 30 * 86_400)?),
            revoked_certificates: if revoked.is_empty() {
                None
            } else {
                Some(revoked)
            },
            crl_extensions: None,
        };
        let tbs_der = tbs.to_der().map_err(crypto)?;
        let mut s =
            openssl::sign::Signer::new(MessageDigest::sha256(), &self.ca_key).map_err(crypto)?;
        let sig = s.sign_oneshot_to_vec(&tbs_der).map_err(crypto)?;
        let crl = CertificateList {
            tbs_cert_list: tbs,
            signature_algorithm: alg,
            signature: BitString::from_bytes(&sig).map_err(crypto)?,
        };
        let path = self.crl_path();
        write(&path, &crl.to_der().map_err(crypto)?)?;
        Ok(path)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn slugs_drop_vietnamese_diacritics() {
        assert_eq!(slug("Nguyễn Văn An"), "nguyen-van-an");
        assert_eq!(
            slug("Ủy ban nhân dân tỉnh Đồng Nai"),
            "uy-ban-nhan-dan-tinh-dong-nai"
        );
        for (name, want) in [
            ("Nguyễn Văn Đức", "nguyen-van-duc"),
            (
                "Ủy ban nhân dân tỉnh Đắk Nông",
                "uy-ban-nhan-dan-tinh-dak-nong",
            ),
        ] {
            // Precomposed (NFC) and decomposed (NFD) input give the same slug.
            assert_eq!(slug(name), want, "{name}");
            let nfd: String = name.nfd().collect();
            assert_eq!(slug(&nfd), want, "NFD {name}");
        }
        assert_eq!(slug("  Sở Tư pháp / Phòng 2 "), "so-tu-phap-phong-2");
    }

    #[cfg(unix)]
    #[test]
    fn keys_and_the_ca_are_written_for_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("trinhky-pki-mode-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let pki = DevPki::create(
            &dir.join("pki"),
            "ca-secret",
            &[NewIdentity::p256("Sở Nội vụ", "123456")],
            &[NewIdentity::p256("Nguyễn Văn An", "123456")],
        )
        .unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.join("pki")), 0o700);
        let mut files = 0;
        for e in std::fs::read_dir(dir.join("pki")).unwrap() {
            let p = e.unwrap().path();
            assert_eq!(mode(&p), 0o600, "{}", p.display());
            files += 1;
        }
        assert!(
            files >= 7,
            "ca.pem, ca.key.pem, revoked.txt, ca.crl, 2 × (.pem, .p12)"
        );
        assert!(pki.issued.iter().all(|i| mode(&i.p12_path) == 0o600));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_ca_key_is_encrypted_at_rest() {
        let dir = std::env::temp_dir().join(format!("trinhky-pki-enc-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let pki = DevPki::create(&dir, "ca-secret", &[], &[]).unwrap();
        let pem = std::fs::read_to_string(dir.join("ca.key.pem")).unwrap();
        assert!(
            pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
            "{pem}"
        );
        assert!(!pem.contains("BEGIN PRIVATE KEY"));
        // PBES2 with AES-256-CBC.
        let der = openssl::base64::decode_block(
            &pem.lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .unwrap();
        let aes256cbc = [
            0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2A,
        ];
        assert!(der.windows(aes256cbc.len()).any(|w| w == aes256cbc));
        assert!(matches!(
            DevPki::open(&dir, "wrong"),
            Err(PkiError::WrongPassphrase(_))
        ));
        let opened = DevPki::open(&dir, "ca-secret").unwrap();
        assert_eq!(
            opened.ca_cert().to_der().unwrap(),
            pki.ca_cert().to_der().unwrap()
        );
        opened.publish_crl().unwrap();
        opened.set_passphrase("new-secret").unwrap();
        assert!(DevPki::open(&dir, "ca-secret").is_err());
        DevPki::open(&dir, "new-secret").unwrap();
        assert!(matches!(
            DevPki::create(&dir.join("x"), "", &[], &[]),
            Err(PkiError::EmptyPassphrase)
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
