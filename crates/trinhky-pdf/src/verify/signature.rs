//! One signature's CMS: the byte range it covers, the SignedData in /Contents, the signer's
//! certificate and the signed attributes (message digest, signing certificate, signature).

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use const_oid::db::rfc5911;
use der::{Decode, Encode};
use openssl::hash::MessageDigest;
use x509_cert::Certificate;

use super::{Coverage, Lookup, SignatureReport, der_len, public_key, strip_zero};
use crate::sign::cms::{ID_AA_SIGNING_CERTIFICATE_V2, SigningCertificateV2};

/// The byte range: it must start at 0 and surround /Contents; sets the coverage and returns the
/// SHA-256 of the signed bytes.
pub(super) fn signed_digest(
    pdf: &[u8],
    l: &dyn Lookup,
    cov: &dyn Fn(usize) -> Coverage,
    v: &lopdf::Dictionary,
    r: &mut SignatureReport,
) -> Option<[u8; 32]> {
    let range: Vec<i64> = v
        .get(b"ByteRange")
        .ok()
        .map(|a| l.resolve(a))
        .and_then(|a| {
            a.as_array()
                .ok()
                .map(|a| a.iter().filter_map(|o| o.as_i64().ok()).collect())
        })
        .unwrap_or_default();
    r.byte_range = range.clone();
    let len = pdf.len() as i64;
    let ok_range = range.len() == 4
        && range[0] == 0
        && range.iter().all(|&x| x >= 0)
        && range[1] < range[2]
        && range[2] + range[3] <= len
        && pdf.get(range[1] as usize) == Some(&b'<')
        && pdf.get(range[2] as usize - 1) == Some(&b'>');
    if !ok_range {
        r.fail("the /ByteRange is malformed or does not surround /Contents");
        return None;
    }
    let (b, c, d) = (range[1] as usize, range[2] as usize, range[3] as usize);
    r.coverage = cov(c + d);
    if let Coverage::OtherChanges { changes } = &r.coverage {
        r.problems.push(format!(
            "the document was changed after signing: {}",
            changes.join("; ")
        ));
    }
    let mut h = openssl::sha::Sha256::new();
    h.update(&pdf[..b]);
    h.update(&pdf[c..c + d]);
    Some(h.finish())
}

/// The CMS SignedData in /Contents.
pub(super) fn signed_data(v: &lopdf::Dictionary, r: &mut SignatureReport) -> Option<SignedData> {
    let Some(contents) = v.get(b"Contents").ok().and_then(|o| o.as_str().ok()) else {
        r.undecided("the signature has no /Contents");
        return None;
    };
    let Some(cms_der) = der_len(contents).and_then(|n| contents.get(..n)) else {
        r.undecided("/Contents is not a DER CMS structure");
        return None;
    };
    match ContentInfo::from_der(cms_der).and_then(|ci| ci.content.decode_as::<SignedData>()) {
        Ok(sd) => Some(sd),
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

/// The signed attributes: the message digest of the signed bytes, the signing certificate, and
/// the signature over them. True when nothing was modified.
pub(super) fn intact(
    si: &cms::signed_data::SignerInfo,
    attrs: &cms::signed_data::SignedAttributes,
    signer_cert: &Certificate,
    cert_der: &[u8],
    digest: &[u8],
    r: &mut SignatureReport,
) -> bool {
    let attr = |oid| {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.iter().next())
    };
    let mut intact = true;
    match attr(rfc5911::ID_MESSAGE_DIGEST)
        .and_then(|v| v.decode_as::<der::asn1::OctetString>().ok())
    {
        Some(m) if m.as_bytes() == digest => {}
        Some(_) => {
            intact = false;
            r.fail("digest mismatch: the signed bytes were modified");
        }
        None => {
            intact = false;
            r.undecided("the CMS has no messageDigest attribute");
        }
    }
    match attr(ID_AA_SIGNING_CERTIFICATE_V2)
        .and_then(|v| v.decode_as::<SigningCertificateV2>().ok())
    {
        Some(s)
            if s.certs.first().map(|c| c.cert_hash.as_bytes())
                == Some(openssl::sha::sha256(cert_der).as_slice()) => {}
        Some(_) => {
            intact = false;
            r.fail("signing-certificate-v2 does not match the signer's certificate (certificate swapped)");
        }
        None => r
            .problems
            .push("no signing-certificate-v2 attribute (not PAdES baseline)".into()),
    }
    let sig_ok = public_key(signer_cert).and_then(|key| {
        let signed = attrs.to_der().map_err(|e| e.to_string())?;
        let mut verifier = openssl::sign::Verifier::new(MessageDigest::sha256(), &key)
            .map_err(|e| e.to_string())?;
        verifier
            .verify_oneshot(si.signature.as_bytes(), &signed)
            .map_err(|e| e.to_string())
    });
    match sig_ok {
        Ok(true) => {}
        Ok(false) => {
            intact = false;
            r.fail("the CMS signature does not verify with the signer's certificate");
        }
        Err(e) => {
            intact = false;
            r.undecided(format!("the CMS signature could not be checked: {e}"));
        }
    }
    intact
}
