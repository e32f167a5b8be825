//! One signature's CMS: the byte range it covers, the SignedData in /Contents, the signer's
//! certificate, the signed attributes (message digest, signing certificate) and the signature
//! value, with the algorithms the signer declared.

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911;
use der::asn1::OctetString;
use der::{Any, Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

use super::algorithm::{self, Digest};
use super::{Coverage, Lookup, SignatureReport, der_len, strip_zero};
use crate::sign::cms::ID_AA_SIGNING_CERTIFICATE_V2;

/// id-aa-signingCertificate (RFC 2634, ESS): the SHA-1 of the signer's certificate.
const ID_AA_SIGNING_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.12");
const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

/// `ESSCertIDv2` (RFC 5035) and `ESSCertID` (RFC 2634, no hash algorithm: SHA-1), read leniently.
#[derive(der::Sequence)]
struct EssCertId {
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<Any>,
}

/// `SigningCertificate` / `SigningCertificateV2`.
#[derive(der::Sequence)]
struct SigningCertificate {
    certs: Vec<EssCertId>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

/// The byte range: four non-negative integers, starting at 0, leaving out exactly this
/// signature's /Contents, within the file. Sets the coverage and returns the two signed parts;
/// each anomaly gets its own reason (evidence against the signature).
pub(super) fn signed_ranges<'a>(
    pdf: &'a [u8],
    l: &dyn Lookup,
    cov: &dyn Fn(usize) -> Coverage,
    v: &lopdf::Dictionary,
    r: &mut SignatureReport,
) -> Option<[&'a [u8]; 2]> {
    let Some(array) = v
        .get(b"ByteRange")
        .ok()
        .map(|a| l.resolve(a))
        .and_then(|a| a.as_array().ok().cloned())
    else {
        r.fail("the signature has no /ByteRange array");
        return None;
    };
    let range: Vec<i64> = array.iter().filter_map(|o| o.as_i64().ok()).collect();
    r.byte_range = range.clone();
    if range.len() != array.len() {
        r.fail("the /ByteRange holds something other than integers");
        return None;
    }
    let why = match range.as_slice() {
        [_, _] => Some("the /ByteRange is a single range: a PDF signature signs the two ranges around /Contents".to_owned()),
        [_, _, _, _] => None,
        other => Some(format!(
            "the /ByteRange has {} numbers: a PDF signature has four (two ranges)",
            other.len()
        )),
    };
    if let Some(why) = why {
        r.fail(why);
        return None;
    }
    let [a, n1, c, n2] = [range[0], range[1], range[2], range[3]];
    let len = pdf.len() as i64;
    let why = if range.iter().any(|&x| x < 0) {
        Some("the /ByteRange has a negative offset or length".to_owned())
    } else if a != 0 {
        Some(format!(
            "the signed bytes start at offset {a}, not at the start of the file"
        ))
    } else if n1 > c {
        Some(format!(
            "the /ByteRange's two ranges overlap (the first ends at {n1}, the second starts at {c})"
        ))
    } else if c.saturating_add(n2) > len {
        Some(format!(
            "the /ByteRange reaches {} bytes past the end of the file (the file was truncated or the range is wrong)",
            c.saturating_add(n2) - len
        ))
    } else {
        None
    };
    if let Some(why) = why {
        r.fail(why);
        return None;
    }
    let (b, c, d) = (n1 as usize, c as usize, n2 as usize);
    if let Err(why) = gap_is_contents(pdf, b, c, v) {
        r.fail(why);
        return None;
    }
    r.coverage = cov(c + d);
    if let Coverage::OtherChanges { changes } = &r.coverage {
        r.problems.push(format!(
            "the document was changed after signing: {}",
            changes.join("; ")
        ));
    }
    Some([&pdf[..b], &pdf[c..c + d]])
}

/// The bytes left out of the signature, `pdf[b..c]`, are exactly a hex string holding this
/// signature's /Contents.
fn gap_is_contents(pdf: &[u8], b: usize, c: usize, v: &lopdf::Dictionary) -> Result<(), String> {
    let gap = &pdf[b..c];
    let hex_string = gap.len() >= 2
        && gap[0] == b'<'
        && gap[gap.len() - 1] == b'>'
        && gap[1..gap.len() - 1]
            .iter()
            .all(|x| x.is_ascii_hexdigit() || x.is_ascii_whitespace());
    if !hex_string {
        return Err(format!(
            "the bytes left out of the signature (offsets {b}–{c}) are not just the /Contents hex string: unsigned bytes could hide content"
        ));
    }
    let decoded = super::scan::decode_hex(&gap[1..gap.len() - 1]);
    let contents = v.get(b"Contents").ok().and_then(|o| o.as_str().ok());
    match (decoded, contents) {
        (Some(d), Some(cs)) if d == cs => Ok(()),
        _ => Err(format!(
            "the bytes left out of the signature (offsets {b}–{c}) are not this signature's /Contents"
        )),
    }
}

/// The CMS in /Contents: its DER and the SignedData.
pub(super) fn signed_data<'v>(
    v: &'v lopdf::Dictionary,
    r: &mut SignatureReport,
) -> Option<(&'v [u8], SignedData)> {
    let Some(contents) = v.get(b"Contents").ok().and_then(|o| o.as_str().ok()) else {
        r.undecided("the signature has no /Contents");
        return None;
    };
    let Some(cms_der) = der_len(contents).and_then(|n| contents.get(..n)) else {
        r.undecided("/Contents is not a DER CMS structure");
        return None;
    };
    match ContentInfo::from_der(cms_der).and_then(|ci| ci.content.decode_as::<SignedData>()) {
        Ok(sd) => Some((cms_der, sd)),
        Err(e) => {
            r.undecided(format!("the CMS SignedData cannot be parsed: {e}"));
            None
        }
    }
}

/// Whether `c` is the certificate `sid` names (serial numbers compared without leading zeros).
pub(super) fn issued_for(c: &Certificate, sid: &SignerIdentifier) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            strip_zero(c.tbs_certificate.serial_number.as_bytes())
                == strip_zero(ias.serial_number.as_bytes())
                && c.tbs_certificate.issuer == ias.issuer
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => c
            .tbs_certificate
            .get::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .is_some_and(|(_, k)| k.0 == ski.0),
    }
}

/// The signature itself: the declared digest over the signed bytes (for adbe.pkcs7.sha1, over
/// the eContent that holds their SHA-1), the signed attributes and the signature value. True
/// when nothing was modified. Sets the algorithms in the report.
pub(super) fn check_cms(
    sd: &SignedData,
    si: &SignerInfo,
    cert: &Certificate,
    cert_der: &[u8],
    parts: &[&[u8]; 2],
    r: &mut SignatureReport,
) -> bool {
    let digest = match algorithm::digest_alg(&si.digest_alg) {
        Ok(d) => d,
        Err(e) => {
            r.undecided(e);
            return false;
        }
    };
    r.digest_algorithm = Some(digest.name.to_owned());
    let key = match algorithm::public_key(cert) {
        Ok(k) => k,
        Err(e) => {
            r.undecided(e);
            return false;
        }
    };
    let scheme = match algorithm::scheme(&si.signature_algorithm, &digest, &key) {
        Ok(s) => s,
        Err(e) => {
            r.undecided(e);
            return false;
        }
    };
    r.signature_algorithm = Some(scheme.name(&key));
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .map(|c| c.decode_as::<OctetString>());
    let legacy;
    let content: Vec<&[u8]> = if r.sub_filter == "adbe.pkcs7.sha1" {
        r.warnings.push(
            "adbe.pkcs7.sha1 is a legacy SubFilter: the CMS signs the SHA-1 of the document".into(),
        );
        let Some(Ok(ec)) = econtent else {
            r.fail("an adbe.pkcs7.sha1 signature without the document's SHA-1 in its content");
            return false;
        };
        let sha1 = algorithm::digest(SHA1).and_then(|d| d.hash(parts));
        if sha1.as_deref() != Ok(ec.as_bytes()) {
            r.fail("digest mismatch: the signed bytes were modified");
            return false;
        }
        r.undecided("SHA-1 is a weak digest: a signature made with it can no longer be relied on");
        legacy = ec;
        vec![legacy.as_bytes()]
    } else {
        if econtent.is_some() {
            r.fail(
                "the CMS carries encapsulated content (eContent): a PDF signature must be detached",
            );
            return false;
        }
        parts.to_vec()
    };
    if digest.weak {
        r.undecided(format!(
            "{} is a weak digest: a signature made with it can no longer be relied on",
            digest.name
        ));
    }
    let signed: Vec<u8>;
    let message: Vec<&[u8]> = match &si.signed_attrs {
        Some(attrs) => {
            if !signed_attributes(attrs, &digest, &content, cert_der, r) {
                return false;
            }
            signed = match attrs.to_der() {
                Ok(d) => d,
                Err(e) => {
                    r.undecided(format!("the signed attributes cannot be encoded: {e}"));
                    return false;
                }
            };
            vec![signed.as_slice()]
        }
        None => {
            r.warnings
                .push("the CMS has no signed attributes: a plain CMS signature, not PAdES".into());
            content
        }
    };
    match algorithm::verify(&scheme, &key, &message, si.signature.as_bytes()) {
        Ok(true) => true,
        Ok(false) => {
            r.fail("the CMS signature does not verify with the signer's certificate");
            false
        }
        Err(e) => {
            r.undecided(e);
            false
        }
    }
}

/// messageDigest, content type and signing certificate. False when they prove a change.
fn signed_attributes(
    attrs: &cms::signed_data::SignedAttributes,
    digest: &Digest,
    content: &[&[u8]],
    cert_der: &[u8],
    r: &mut SignatureReport,
) -> bool {
    let attr = |oid| {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.iter().next())
    };
    let computed = match digest.hash(content) {
        Ok(d) => d,
        Err(e) => {
            r.undecided(e);
            return false;
        }
    };
    match attr(rfc5911::ID_MESSAGE_DIGEST).and_then(|v| v.decode_as::<OctetString>().ok()) {
        Some(m) if m.as_bytes() == computed.as_slice() => {}
        Some(_) => {
            r.fail("digest mismatch: the signed bytes were modified");
            return false;
        }
        None => {
            r.fail("the signed attributes have no messageDigest: they do not bind the document");
            return false;
        }
    }
    if attr(rfc5911::ID_CONTENT_TYPE).and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
        != Some(ID_DATA)
    {
        r.warnings
            .push("the signed attributes do not declare the content type id-data".into());
    }
    let (v2, v1) = (
        attr(ID_AA_SIGNING_CERTIFICATE_V2),
        attr(ID_AA_SIGNING_CERTIFICATE),
    );
    let (value, default_hash) = match (v2, v1) {
        (Some(v), _) => (v, SHA256),
        (None, Some(v)) => (v, SHA1),
        (None, None) => {
            r.warnings
                .push("no signing-certificate attribute (not PAdES baseline)".into());
            return true;
        }
    };
    let Some(first) = value
        .decode_as::<SigningCertificate>()
        .ok()
        .and_then(|s| s.certs.into_iter().next())
    else {
        r.undecided("the signing-certificate attribute cannot be read");
        return true;
    };
    let hash_oid = first.hash_algorithm.map_or(default_hash, |a| a.oid);
    match algorithm::digest(hash_oid).and_then(|d| d.hash(&[cert_der])) {
        Ok(h) if h.as_slice() == first.cert_hash.as_bytes() => true,
        Ok(_) => {
            r.fail("the signing-certificate attribute does not match the signer's certificate (certificate swapped)");
            false
        }
        Err(e) => {
            r.undecided(format!("the signing-certificate attribute: {e}"));
            true
        }
    }
}
