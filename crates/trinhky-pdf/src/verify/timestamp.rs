//! Signature time-stamps (PAdES B-T): the RFC 3161 token in the SignerInfo's
//! unsigned attribute id-aa-signatureTimeStampToken.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5911;
use der::{Any, Encode};
use x509_cert::Certificate;

use crate::sign::tsa::{ID_CT_TST_INFO, ID_KP_TIME_STAMPING, tst_info_of};

/// What a signature time-stamp says and whether it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimestampReport {
    /// `genTime`, RFC 3339 UTC (`2025-03-14T02:30:00Z`).
    pub time: Option<String>,
    /// The TSA certificate's subject (`CN=…, O=…`), else the token's TSA name.
    pub tsa: Option<String>,
    /// The token's message imprint is the hash of this signature's value.
    pub imprint_matches: bool,
    /// The TSA's signature over the token verifies with its certificate.
    pub signature_verifies: bool,
    /// The TSA certificate chains to a trust root and is for time-stamping.
    pub trusted: bool,
    /// Why the time-stamp is not valid (empty when it is).
    pub problems: Vec<String>,
}

impl TimestampReport {
    /// Imprint matches, signature verifies, TSA trusted.
    pub fn valid(&self) -> bool {
        self.imprint_matches && self.signature_verifies && self.trusted
    }
}

/// The token DER of `si`'s signature time-stamp, if it has one.
pub(crate) fn token_of(si: &SignerInfo) -> Option<&Any> {
    si.unsigned_attrs
        .iter()
        .flat_map(|a| a.iter())
        .find(|a| a.oid == crate::sign::cms::ID_AA_TIME_STAMP_TOKEN)
        .and_then(|a| a.values.iter().next())
}

/// Checks a certificate chain: (leaf DER, other certificates' DER) → Ok or why not.
pub(crate) type ChainCheck<'a> = &'a dyn Fn(&[u8], &[Vec<u8>]) -> Result<(), String>;

/// Check `token` against the signature value it time-stamps. The chain of
/// the TSA certificate is checked by `chain`, which gets its DER, the DER of
/// the other certificates in the token and says whether it is trusted (or why
/// not).
pub(crate) fn check(token: &Any, imprinted: &[&[u8]], chain: ChainCheck<'_>) -> TimestampReport {
    let mut r = TimestampReport {
        time: None,
        tsa: None,
        imprint_matches: false,
        signature_verifies: false,
        trusted: false,
        problems: Vec::new(),
    };
    let sd = match token
        .decode_as::<ContentInfo>()
        .and_then(|ci| ci.content.decode_as::<SignedData>())
    {
        Ok(sd) => sd,
        Err(e) => {
            r.problems
                .push(format!("the time-stamp token cannot be parsed: {e}"));
            return r;
        }
    };
    let tst = match tst_info_of(&sd) {
        Ok(t) => t,
        Err(e) => {
            r.problems.push(e);
            return r;
        }
    };
    r.time = tst.time();
    if r.time.is_none() {
        r.problems
            .push("the time-stamp's genTime is not a valid GeneralizedTime".into());
    }
    if let Some(x509_cert::ext::pkix::name::GeneralName::DirectoryName(n)) = &tst.tsa {
        r.tsa = Some(n.to_string());
    }
    match imprint(&tst, imprinted) {
        Ok(()) => r.imprint_matches = true,
        Err(e) => r.problems.push(e),
    }
    let Some(si) = sd.signer_infos.0.iter().next() else {
        r.problems
            .push("the time-stamp token has no SignerInfo".into());
        return r;
    };
    let certs = certificates(&sd);
    let Some(tsa_cert) = certs.iter().copied().find(|c| issued_for(c, &si.sid)) else {
        r.problems.push(
            "the TSA's certificate is not in the time-stamp token (requested with certReq)".into(),
        );
        return r;
    };
    r.tsa = Some(tsa_cert.tbs_certificate.subject.to_string());
    match verify_signature(&sd, si, tsa_cert) {
        Ok(()) => r.signature_verifies = true,
        Err(e) => r.problems.push(e),
    }
    check_tsa(tsa_cert, &certs, chain, &mut r);
    r
}

/// The token's message imprint is the hash of `imprinted` (the signature value it time-stamps,
/// or the document's signed bytes for a document time-stamp).
fn imprint(tst: &crate::sign::tsa::TstInfo, imprinted: &[&[u8]]) -> Result<(), String> {
    let d = super::algorithm::digest_alg(&tst.message_imprint.hash_algorithm)
        .map_err(|e| format!("the time-stamp's imprint: {e}"))?;
    if d.hash(imprinted)?.as_slice() == tst.message_imprint.hashed_message.as_bytes() {
        Ok(())
    } else {
        Err(
            "the time-stamp is for other data (its imprint does not match the time-stamped bytes)"
                .into(),
        )
    }
}

/// The certificates carried in the token.
fn certificates(sd: &SignedData) -> Vec<&Certificate> {
    sd.certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// Whether `c` is the certificate `sid` names.
fn issued_for(c: &Certificate, sid: &SignerIdentifier) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            c.tbs_certificate.serial_number == ias.serial_number
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

/// The TSA's signature over the signed attributes, which must name TSTInfo as the content type
/// and carry the digest of the TSTInfo.
fn verify_signature(
    sd: &SignedData,
    si: &SignerInfo,
    tsa_cert: &Certificate,
) -> Result<(), String> {
    let attrs = si
        .signed_attrs
        .as_ref()
        .ok_or("the time-stamp token has no signed attributes")?;
    let attr = |oid| {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.iter().next())
    };
    if attr(rfc5911::ID_CONTENT_TYPE).and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
        != Some(ID_CT_TST_INFO)
    {
        return Err("the time-stamp token's content type is not TSTInfo".into());
    }
    let digest = super::algorithm::digest_alg(&si.digest_alg)
        .map_err(|e| format!("the time-stamp token: {e}"))?;
    let content = sd
        .encap_content_info
        .econtent
        .as_ref()
        .and_then(|c| c.decode_as::<der::asn1::OctetString>().ok())
        .ok_or("the time-stamp token has no TSTInfo")?;
    let message_digest = attr(rfc5911::ID_MESSAGE_DIGEST)
        .and_then(|v| v.decode_as::<der::asn1::OctetString>().ok())
        .ok_or("the time-stamp token has no messageDigest")?;
    if digest.hash(&[content.as_bytes()])?.as_slice() != message_digest.as_bytes() {
        return Err("the time-stamp's TSTInfo was modified (digest mismatch)".into());
    }
    let key = super::algorithm::public_key(tsa_cert)?;
    let scheme = super::algorithm::scheme(&si.signature_algorithm, &digest, &key)?;
    let signed = attrs.to_der().map_err(|e| e.to_string())?;
    if super::algorithm::verify(&scheme, &key, &[&signed], si.signature.as_bytes())? {
        Ok(())
    } else {
        Err("the TSA's signature on the time-stamp does not verify".into())
    }
}

/// The TSA certificate: the critical time-stamping EKU and a chain `chain` trusts.
fn check_tsa(
    tsa_cert: &Certificate,
    certs: &[&Certificate],
    chain: ChainCheck<'_>,
    r: &mut TimestampReport,
) {
    let eku_ok = tsa_cert
        .tbs_certificate
        .get::<x509_cert::ext::pkix::ExtendedKeyUsage>()
        .ok()
        .flatten()
        .is_some_and(|(critical, eku)| critical && eku.0.contains(&ID_KP_TIME_STAMPING));
    if !eku_ok {
        r.problems
            .push("the TSA certificate lacks the critical extended key usage timeStamping".into());
    }
    let Ok(tsa_der) = tsa_cert.to_der() else {
        return;
    };
    let others: Vec<Vec<u8>> = certs
        .iter()
        .filter_map(|c| c.to_der().ok())
        .filter(|d| *d != tsa_der)
        .collect();
    match chain(&tsa_der, &others) {
        Ok(()) => r.trusted = eku_ok,
        Err(why) => r
            .problems
            .push(format!("the TSA certificate is not trusted: {why}")),
    }
}
