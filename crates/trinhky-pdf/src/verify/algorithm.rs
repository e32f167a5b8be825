//! Digest and signature algorithms as a CMS signer declares them (RFC 5652, RFC 5754 for SHA-2,
//! RFC 4056 for RSASSA-PSS, RFC 5758 for ECDSA and DSA, RFC 8419 for EdDSA, RFC 8702 for SHAKE,
//! NIST's SHA-3 OIDs), verified with OpenSSL.
//!
//! Hand-written because no crate maps CMS algorithm identifiers onto OpenSSL: RustCrypto's
//! `cms` crate parses the structures but leaves verification to per-algorithm crates, and
//! OpenSSL's own `CMS_verify` insists on its own view of PAdES (signing time, content type) and
//! cannot tell "cannot check" from "does not verify". The split matters here: an algorithm we do
//! not know or a key we cannot decode is *indeterminate*, a signature value that does not verify
//! is *invalid* (ETSI EN 319 102-1).

use const_oid::ObjectIdentifier as Oid;
use der::{Decode, Encode};
use openssl::hash::{Hasher, MessageDigest};
use openssl::pkey::{Id, PKey, Public};
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Verifier};
use spki::AlgorithmIdentifierOwned;

const fn oid(s: &str) -> Oid {
    Oid::new_unwrap(s)
}

const MD5: Oid = oid("1.2.840.113549.2.5");
const SHA1: Oid = oid("1.3.14.3.2.26");
const SHA256: Oid = oid("2.16.840.1.101.3.4.2.1");
const SHA384: Oid = oid("2.16.840.1.101.3.4.2.2");
const SHA512: Oid = oid("2.16.840.1.101.3.4.2.3");
const SHA224: Oid = oid("2.16.840.1.101.3.4.2.4");
const SHA512_224: Oid = oid("2.16.840.1.101.3.4.2.5");
const SHA512_256: Oid = oid("2.16.840.1.101.3.4.2.6");
const SHA3_224: Oid = oid("2.16.840.1.101.3.4.2.7");
const SHA3_256: Oid = oid("2.16.840.1.101.3.4.2.8");
const SHA3_384: Oid = oid("2.16.840.1.101.3.4.2.9");
const SHA3_512: Oid = oid("2.16.840.1.101.3.4.2.10");
const SHAKE256: Oid = oid("2.16.840.1.101.3.4.2.12");
/// id-shake256-len (RFC 8419's digest for Ed448): the output length, in bits, is a parameter.
const SHAKE256_LEN: Oid = oid("2.16.840.1.101.3.4.2.18");

const RSA: Oid = oid("1.2.840.113549.1.1.1");
const RSA_PSS: Oid = oid("1.2.840.113549.1.1.10");
const MGF1: Oid = oid("1.2.840.113549.1.1.8");
const EC_PUBLIC_KEY: Oid = oid("1.2.840.10045.2.1");
const ED25519: Oid = oid("1.3.101.112");
const ED448: Oid = oid("1.3.101.113");
const DSA: Oid = oid("1.2.840.10040.4.1");
const P256: Oid = oid("1.2.840.10045.3.1.7");

/// A digest algorithm the signer declared.
#[derive(Clone, Copy)]
pub(crate) struct Digest {
    pub md: MessageDigest,
    /// `SHA-256`, `SHA3-512`…
    pub name: &'static str,
    /// No longer acceptable for signatures (MD5, SHA-1): computed, but the outcome is at best
    /// indeterminate (ETSI's CRYPTO_CONSTRAINTS_FAILURE).
    pub weak: bool,
    /// Output length of an extendable-output function (SHAKE256 in CMS: 64 bytes).
    xof_len: Option<usize>,
}

impl Digest {
    fn of(md: MessageDigest, name: &'static str) -> Self {
        Digest {
            md,
            name,
            weak: false,
            xof_len: None,
        }
    }

    /// The digest of `parts`, concatenated.
    pub fn hash(&self, parts: &[&[u8]]) -> Result<Vec<u8>, String> {
        let e = |e: openssl::error::ErrorStack| format!("{} cannot be computed: {e}", self.name);
        let mut h = Hasher::new(self.md).map_err(e)?;
        for p in parts {
            h.update(p).map_err(e)?;
        }
        match self.xof_len {
            Some(n) => {
                let mut out = vec![0; n];
                h.finish_xof(&mut out).map_err(e)?;
                Ok(out)
            }
            None => Ok(h.finish().map_err(e)?.to_vec()),
        }
    }
}

/// The digest algorithm `alg` names, with its parameters (the output length of
/// id-shake256-len).
pub(crate) fn digest_alg(alg: &AlgorithmIdentifierOwned) -> Result<Digest, String> {
    if alg.oid != SHAKE256_LEN {
        return digest(alg.oid);
    }
    let bits = alg
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<u32>().ok())
        .unwrap_or(512);
    if bits == 0 || bits % 8 != 0 || bits > 8192 {
        return Err(format!(
            "the SHAKE256 output length {bits} is not supported"
        ));
    }
    Ok(Digest {
        xof_len: Some(bits as usize / 8),
        ..Digest::of(MessageDigest::shake_256(), "SHAKE256")
    })
}

/// The digest algorithm `oid` names (some producers write a signature algorithm such as
/// sha256WithRSAEncryption there; its hash is meant).
pub(crate) fn digest(oid: Oid) -> Result<Digest, String> {
    let d = match oid {
        SHA256 => Digest::of(MessageDigest::sha256(), "SHA-256"),
        SHA384 => Digest::of(MessageDigest::sha384(), "SHA-384"),
        SHA512 => Digest::of(MessageDigest::sha512(), "SHA-512"),
        SHA224 => Digest::of(MessageDigest::sha224(), "SHA-224"),
        SHA512_224 => Digest::of(
            MessageDigest::from_name("SHA512-224").ok_or("SHA-512/224 is not available")?,
            "SHA-512/224",
        ),
        SHA512_256 => Digest::of(
            MessageDigest::from_name("SHA512-256").ok_or("SHA-512/256 is not available")?,
            "SHA-512/256",
        ),
        SHA3_224 => Digest::of(MessageDigest::sha3_224(), "SHA3-224"),
        SHA3_256 => Digest::of(MessageDigest::sha3_256(), "SHA3-256"),
        SHA3_384 => Digest::of(MessageDigest::sha3_384(), "SHA3-384"),
        SHA3_512 => Digest::of(MessageDigest::sha3_512(), "SHA3-512"),
        SHAKE256 => Digest {
            xof_len: Some(64),
            ..Digest::of(MessageDigest::shake_256(), "SHAKE256")
        },
        SHA1 => Digest {
            weak: true,
            ..Digest::of(MessageDigest::sha1(), "SHA-1")
        },
        MD5 => Digest {
            weak: true,
            ..Digest::of(MessageDigest::md5(), "MD5")
        },
        other => match hash_of_signature_oid(other) {
            Some(h) => digest(h)?,
            None => return Err(format!("the digest algorithm {other} is not supported")),
        },
    };
    Ok(d)
}

/// The hash a combined signature algorithm OID names (sha384WithRSAEncryption → SHA-384).
fn hash_of_signature_oid(o: Oid) -> Option<Oid> {
    Some(match o.to_string().as_str() {
        "1.2.840.113549.1.1.4" => MD5,
        "1.2.840.113549.1.1.5" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3" => SHA1,
        "1.2.840.113549.1.1.14" | "1.2.840.10045.4.3.1" | "2.16.840.1.101.3.4.3.1" => SHA224,
        "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" | "2.16.840.1.101.3.4.3.2" => SHA256,
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => SHA384,
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => SHA512,
        "2.16.840.1.101.3.4.3.9" | "2.16.840.1.101.3.4.3.13" => SHA3_224,
        "2.16.840.1.101.3.4.3.10" | "2.16.840.1.101.3.4.3.14" => SHA3_256,
        "2.16.840.1.101.3.4.3.11" | "2.16.840.1.101.3.4.3.15" => SHA3_384,
        "2.16.840.1.101.3.4.3.12" | "2.16.840.1.101.3.4.3.16" => SHA3_512,
        _ => return None,
    })
}

/// The family of a signature algorithm OID.
fn family(o: Oid) -> Option<Family> {
    let s = o.to_string();
    Some(match s.as_str() {
        _ if o == RSA => Family::Rsa,
        _ if o == RSA_PSS => Family::RsaPss,
        _ if o == EC_PUBLIC_KEY => Family::Ecdsa,
        _ if o == ED25519 => Family::Ed25519,
        _ if o == ED448 => Family::Ed448,
        _ if o == DSA => Family::Dsa,
        "1.2.840.113549.1.1.4"
        | "1.2.840.113549.1.1.5"
        | "1.2.840.113549.1.1.11"
        | "1.2.840.113549.1.1.12"
        | "1.2.840.113549.1.1.13"
        | "1.2.840.113549.1.1.14"
        | "2.16.840.1.101.3.4.3.13"
        | "2.16.840.1.101.3.4.3.14"
        | "2.16.840.1.101.3.4.3.15"
        | "2.16.840.1.101.3.4.3.16" => Family::Rsa,
        "1.2.840.10045.4.1"
        | "1.2.840.10045.4.3.1"
        | "1.2.840.10045.4.3.2"
        | "1.2.840.10045.4.3.3"
        | "1.2.840.10045.4.3.4"
        | "2.16.840.1.101.3.4.3.9"
        | "2.16.840.1.101.3.4.3.10"
        | "2.16.840.1.101.3.4.3.11"
        | "2.16.840.1.101.3.4.3.12" => Family::Ecdsa,
        "1.2.840.10040.4.3" | "2.16.840.1.101.3.4.3.1" | "2.16.840.1.101.3.4.3.2" => Family::Dsa,
        _ => return None,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Rsa,
    RsaPss,
    Ecdsa,
    Ed25519,
    Ed448,
    Dsa,
}

/// `RSASSA-PSS-params` (RFC 4055), every field with its default.
#[derive(der::Sequence)]
struct PssParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_length: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer_field: Option<u32>,
}

/// How a signature value is checked.
#[derive(Clone, Copy)]
pub(crate) enum Scheme {
    /// PKCS#1 v1.5, ECDSA or DSA over the digest `md`.
    Hashed {
        md: MessageDigest,
        family: &'static str,
    },
    /// RSASSA-PSS with its parameters.
    Pss {
        md: MessageDigest,
        mgf1: MessageDigest,
        salt: i32,
    },
    /// Pure EdDSA: the message itself is signed.
    Pure { name: &'static str },
}

impl Scheme {
    /// A name for reports (`RSA`, `RSA-PSS`, `ECDSA P-384`, `Ed25519`).
    pub fn name(&self, key: &PKey<Public>) -> String {
        match self {
            Scheme::Hashed { family, .. } if *family == "ECDSA" => match key.ec_key() {
                Ok(ec) => format!("ECDSA {}", curve_name(&ec)),
                Err(_) => "ECDSA".into(),
            },
            Scheme::Hashed { family, .. } => (*family).to_owned(),
            Scheme::Pss { .. } => "RSA-PSS".into(),
            Scheme::Pure { name, .. } => (*name).to_owned(),
        }
    }
}

fn curve_name(ec: &openssl::ec::EcKey<Public>) -> String {
    let Some(nid) = ec.group().curve_name() else {
        return "(explicit curve)".into();
    };
    match nid {
        openssl::nid::Nid::X9_62_PRIME256V1 => "P-256".into(),
        openssl::nid::Nid::SECP384R1 => "P-384".into(),
        openssl::nid::Nid::SECP521R1 => "P-521".into(),
        n => n
            .short_name()
            .map(str::to_owned)
            .unwrap_or_else(|_| format!("{n:?}")),
    }
}

/// The scheme for `alg` (the SignerInfo's signatureAlgorithm) with `digest` (its digestAlgorithm),
/// checked against the key's type. `Err` when it cannot be checked.
pub(crate) fn scheme(
    alg: &AlgorithmIdentifierOwned,
    digest: &Digest,
    key: &PKey<Public>,
) -> Result<Scheme, String> {
    let fam = family(alg.oid)
        .ok_or_else(|| format!("the signature algorithm {} is not supported", alg.oid))?;
    let md = match hash_of_signature_oid(alg.oid) {
        Some(h) => self::digest(h)?.md,
        None => digest.md,
    };
    let key_ok = match fam {
        Family::Rsa | Family::RsaPss => matches!(key.id(), Id::RSA | Id::RSA_PSS),
        Family::Ecdsa => key.id() == Id::EC,
        Family::Ed25519 => key.id() == Id::ED25519,
        Family::Ed448 => key.id() == Id::ED448,
        Family::Dsa => key.id() == Id::DSA,
    };
    if !key_ok {
        return Err(format!(
            "the signature algorithm {} does not fit the certificate's key",
            alg.oid
        ));
    }
    Ok(match fam {
        Family::Rsa => Scheme::Hashed { md, family: "RSA" },
        Family::Ecdsa => Scheme::Hashed {
            md,
            family: "ECDSA",
        },
        Family::Dsa => Scheme::Hashed { md, family: "DSA" },
        Family::RsaPss => pss(alg)?,
        Family::Ed25519 => Scheme::Pure { name: "Ed25519" },
        Family::Ed448 => Scheme::Pure { name: "Ed448" },
    })
}

fn pss(alg: &AlgorithmIdentifierOwned) -> Result<Scheme, String> {
    let params = match &alg.parameters {
        Some(p) => p
            .decode_as::<PssParams>()
            .map_err(|e| format!("the RSASSA-PSS parameters cannot be read: {e}"))?,
        None => PssParams {
            hash: None,
            mask_gen: None,
            salt_length: None,
            trailer_field: None,
        },
    };
    if params.trailer_field.unwrap_or(1) != 1 {
        return Err("the RSASSA-PSS trailer field is not 1".into());
    }
    let md = match &params.hash {
        Some(h) => digest(h.oid)?.md,
        None => MessageDigest::sha1(),
    };
    let mgf1 = match &params.mask_gen {
        None => MessageDigest::sha1(),
        Some(m) if m.oid == MGF1 => {
            let h = m
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<AlgorithmIdentifierOwned>().ok())
                .ok_or("the RSASSA-PSS MGF1 hash cannot be read")?;
            digest(h.oid)?.md
        }
        Some(m) => {
            return Err(format!(
                "the mask generation function {} is not supported",
                m.oid
            ));
        }
    };
    let salt = i32::try_from(params.salt_length.unwrap_or(20))
        .map_err(|_| "the RSASSA-PSS salt length is out of range".to_owned())?;
    Ok(Scheme::Pss { md, mgf1, salt })
}

/// Checks `sig` over the concatenation of `parts`. `Ok(false)`: it does not verify (or the value
/// is malformed); `Err`: it could not be checked.
pub(crate) fn verify(
    scheme: &Scheme,
    key: &PKey<Public>,
    parts: &[&[u8]],
    sig: &[u8],
) -> Result<bool, String> {
    let e = |e: openssl::error::ErrorStack| format!("the signature cannot be checked: {e}");
    match *scheme {
        Scheme::Pure { .. } => {
            let mut v = Verifier::new_without_digest(key).map_err(e)?;
            let message: Vec<u8> = parts.concat();
            Ok(v.verify_oneshot(sig, &message).unwrap_or(false))
        }
        Scheme::Hashed { md, .. } => {
            let mut v = Verifier::new(md, key).map_err(e)?;
            if matches!(key.id(), Id::RSA) {
                v.set_rsa_padding(Padding::PKCS1).map_err(e)?;
            }
            for p in parts {
                v.update(p).map_err(e)?;
            }
            Ok(v.verify(sig).unwrap_or(false))
        }
        Scheme::Pss { md, mgf1, salt } => {
            let mut v = Verifier::new(md, key).map_err(e)?;
            v.set_rsa_padding(Padding::PKCS1_PSS).map_err(e)?;
            v.set_rsa_mgf1_md(mgf1).map_err(e)?;
            v.set_rsa_pss_saltlen(RsaPssSaltlen::custom(salt))
                .map_err(e)?;
            for p in parts {
                v.update(p).map_err(e)?;
            }
            Ok(v.verify(sig).unwrap_or(false))
        }
    }
}

/// `RSAPublicKey` of PKCS#1.
#[derive(der::Sequence)]
struct RsaPublicKey<'a> {
    modulus: der::asn1::UintRef<'a>,
    public_exponent: der::asn1::UintRef<'a>,
}

/// The certificate's public key. RSA and P-256 keys are built from their parts (OpenSSL 3's
/// generic decoder takes 0.1–0.3 ms, more than the rest of a verification); every other key
/// OpenSSL knows goes through that decoder. `Err`: the key cannot be decoded (indeterminate).
pub(crate) fn public_key(cert: &x509_cert::Certificate) -> Result<PKey<Public>, String> {
    use openssl::bn::{BigNum, BigNumContext};
    use openssl::ec::{EcGroup, EcKey, EcPoint};
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let e = |e: openssl::error::ErrorStack| {
        format!("the certificate's public key cannot be decoded: {e}")
    };
    let bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or("the certificate's public key is not whole bytes")?;
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<Oid>().ok());
    if spki.algorithm.oid == RSA {
        let k = RsaPublicKey::from_der(bits)
            .map_err(|er| format!("the certificate's RSA key cannot be decoded: {er}"))?;
        let rsa = openssl::rsa::Rsa::from_public_components(
            BigNum::from_slice(k.modulus.as_bytes()).map_err(e)?,
            BigNum::from_slice(k.public_exponent.as_bytes()).map_err(e)?,
        )
        .map_err(e)?;
        PKey::from_rsa(rsa).map_err(e)
    } else if spki.algorithm.oid == EC_PUBLIC_KEY && curve == Some(P256) {
        let group = EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).map_err(e)?;
        let mut ctx = BigNumContext::new().map_err(e)?;
        let point = EcPoint::from_bytes(&group, bits, &mut ctx).map_err(e)?;
        PKey::from_ec_key(EcKey::from_public_key(&group, &point).map_err(e)?).map_err(e)
    } else {
        let der = spki
            .to_der()
            .map_err(|er| format!("the certificate's public key cannot be encoded: {er}"))?;
        PKey::public_key_from_der(&der).map_err(|er| {
            format!(
                "the certificate's public key ({}) cannot be decoded: {er}",
                spki.algorithm.oid
            )
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn digests_by_oid() {
        for (o, name, len) in [
            (SHA256, "SHA-256", 32),
            (SHA384, "SHA-384", 48),
            (SHA512, "SHA-512", 64),
            (SHA224, "SHA-224", 28),
            (SHA3_256, "SHA3-256", 32),
            (SHA3_512, "SHA3-512", 64),
            (SHAKE256, "SHAKE256", 64),
            (SHA1, "SHA-1", 20),
            (oid("1.2.840.113549.1.1.12"), "SHA-384", 48),
        ] {
            let d = digest(o).unwrap();
            assert_eq!(d.name, name);
            assert_eq!(d.hash(&[b"ab", b"c"]).unwrap().len(), len);
            assert_eq!(d.hash(&[b"abc"]).unwrap(), d.hash(&[b"a", b"bc"]).unwrap());
        }
        assert!(digest(SHA1).unwrap().weak);
        assert!(!digest(SHA512).unwrap().weak);
        let Err(unknown) = digest(oid("1.2.643.7.1.1.2.2")) else {
            panic!("a GOST digest is not supported")
        };
        assert!(unknown.contains("not supported"), "{unknown}");
    }

    #[test]
    fn every_curve_and_edwards_key_signs_and_verifies() {
        use openssl::ec::{EcGroup, EcKey};
        use openssl::nid::Nid;
        let keys = [
            PKey::from_ec_key(
                EcKey::generate(&EcGroup::from_curve_name(Nid::SECP384R1).unwrap()).unwrap(),
            )
            .unwrap(),
            PKey::from_ec_key(
                EcKey::generate(&EcGroup::from_curve_name(Nid::BRAINPOOL_P256R1).unwrap()).unwrap(),
            )
            .unwrap(),
            PKey::generate_ed25519().unwrap(),
            PKey::generate_ed448().unwrap(),
        ];
        let sha384 = digest(SHA384).unwrap();
        for k in keys {
            let public = PKey::public_key_from_der(&k.public_key_to_der().unwrap()).unwrap();
            let alg = AlgorithmIdentifierOwned {
                oid: match k.id() {
                    Id::ED25519 => ED25519,
                    Id::ED448 => ED448,
                    _ => oid("1.2.840.10045.4.3.3"),
                },
                parameters: None,
            };
            let s = scheme(&alg, &sha384, &public).unwrap();
            let mut signer = match s {
                Scheme::Pure { .. } => openssl::sign::Signer::new_without_digest(&k).unwrap(),
                _ => openssl::sign::Signer::new(MessageDigest::sha384(), &k).unwrap(),
            };
            let sig = signer.sign_oneshot_to_vec(b"signed attributes").unwrap();
            assert!(verify(&s, &public, &[b"signed ", b"attributes"], &sig).unwrap());
            assert!(!verify(&s, &public, &[b"signed attributez"], &sig).unwrap());
            assert!(!verify(&s, &public, &[b"signed attributes"], &sig[1..]).unwrap());
        }
        let rsa = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let wrong = AlgorithmIdentifierOwned {
            oid: ED25519,
            parameters: None,
        };
        let rsa = PKey::public_key_from_der(&rsa.public_key_to_der().unwrap()).unwrap();
        assert!(scheme(&wrong, &sha384, &rsa).is_err());
    }
}
