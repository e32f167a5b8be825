//! PAdES B-LT: a document security store (`/DSS` in the catalog) with the
//! certificates and CRLs a verifier needs, appended as one more incremental
//! update so the signatures validate offline, years later.

use std::collections::HashSet;

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode};
use lopdf::{Dictionary, Document, Object, Stream, dictionary};
use x509_cert::Certificate;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};

use super::SignError;
use super::cms::ID_AA_TIME_STAMP_TOKEN;
use crate::incremental::{self, resolve};

fn pdf_err(e: impl std::fmt::Display) -> SignError {
    SignError::Pdf(e.to_string())
}

/// The CMS blobs (`/Contents`) of every signature dictionary in `doc`.
fn signature_contents(doc: &Document) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for obj in doc.objects.values() {
        let Ok(d) = obj.as_dict() else { continue };
        if !d.has(b"ByteRange") {
            continue;
        }
        if let Ok(Object::String(c, _)) = d.get(b"Contents") {
            out.push(c.clone());
        }
    }
    out
}

/// Certificates of a SignedData, plus those of its signature time-stamp tokens.
fn certificates_of(sd: &SignedData, out: &mut Vec<Vec<u8>>) {
    for c in sd.certificates.iter().flat_map(|s| s.0.iter()) {
        if let CertificateChoices::Certificate(c) = c
            && let Ok(der) = c.to_der()
        {
            out.push(der);
        }
    }
    for si in sd.signer_infos.0.iter() {
        for attr in si.unsigned_attrs.iter().flat_map(|a| a.iter()) {
            if attr.oid != ID_AA_TIME_STAMP_TOKEN {
                continue;
            }
            for v in attr.values.iter() {
                if let Ok(ci) = v.decode_as::<ContentInfo>()
                    && let Ok(tsd) = ci.content.decode_as::<SignedData>()
                {
                    certificates_of(&tsd, out);
                }
            }
        }
    }
}

/// DER of every certificate embedded in the signatures of `pdf`: signers,
/// their chains, and the TSAs of signature time-stamps (deduplicated).
pub fn embedded_certificates(pdf: &[u8]) -> Result<Vec<Vec<u8>>, SignError> {
    let doc = Document::load_mem(pdf).map_err(pdf_err)?;
    let mut out = Vec::new();
    for contents in signature_contents(&doc) {
        let Some(len) = der_len(&contents) else {
            continue;
        };
        let Some(ci) = contents
            .get(..len)
            .and_then(|b| ContentInfo::from_der(b).ok())
        else {
            continue;
        };
        if let Ok(sd) = ci.content.decode_as::<SignedData>() {
            certificates_of(&sd, &mut out);
        }
    }
    let mut seen = HashSet::new();
    out.retain(|c| seen.insert(openssl::sha::sha256(c)));
    Ok(out)
}

fn der_len(b: &[u8]) -> Option<usize> {
    let first = *b.get(1)?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | usize::from(*b.get(2 + i)?);
    }
    Some(2 + n + len)
}

/// URIs of the CRL distribution points of a certificate.
pub fn crl_urls(cert_der: &[u8]) -> Vec<String> {
    let Ok(cert) = Certificate::from_der(cert_der) else {
        return Vec::new();
    };
    let Ok(Some((_, dps))) = cert
        .tbs_certificate
        .get::<x509_cert::ext::pkix::CrlDistributionPoints>()
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for DistributionPoint {
        distribution_point, ..
    } in dps.0
    {
        if let Some(DistributionPointName::FullName(names)) = distribution_point {
            for n in names {
                if let GeneralName::UniformResourceIdentifier(uri) = n {
                    out.push(uri.to_string());
                }
            }
        }
    }
    out
}

/// Current CRLs for `certs`, from their distribution points: `http://` and
/// `https://` (10 s timeout each) and `file://`. A certificate whose every
/// distribution point fails is an error naming the URLs; certificates
/// without distribution points (roots) are skipped.
pub fn fetch_crls(certs: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, SignError> {
    let mut crls: Vec<Vec<u8>> = Vec::new();
    let mut fetched: HashSet<String> = HashSet::new();
    for cert in certs {
        let urls = crl_urls(cert);
        if urls.is_empty() || urls.iter().any(|u| fetched.contains(u)) {
            continue;
        }
        let mut errors = Vec::new();
        for url in &urls {
            let got = if let Some(path) = url.strip_prefix("file://") {
                std::fs::read(path).map_err(|e| format!("{url}: {e}"))
            } else {
                crate::http::get(url, "application/pkix-crl, */*").map(|r| r.body)
            };
            match got.and_then(|b| crl_der(&b).ok_or_else(|| format!("{url}: not a CRL"))) {
                Ok(der) => {
                    fetched.insert(url.clone());
                    crls.push(der);
                    errors.clear();
                    break;
                }
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(SignError::Revocation(errors.join("; ")));
        }
    }
    Ok(crls)
}

/// DER of a CRL given as DER or PEM.
fn crl_der(b: &[u8]) -> Option<Vec<u8>> {
    openssl::x509::X509Crl::from_der(b)
        .or_else(|_| openssl::x509::X509Crl::from_pem(b))
        .ok()
        .and_then(|c| c.to_der().ok())
}

/// References held in `/DSS /key` of the current DSS, if any.
fn existing(doc: &Document, dss: Option<&Dictionary>, key: &[u8]) -> Vec<Object> {
    dss.and_then(|d| d.get(key).ok())
        .and_then(|a| resolve(doc, a).as_array().ok())
        .cloned()
        .unwrap_or_default()
}

fn stream_bytes(doc: &Document, o: &Object) -> Option<Vec<u8>> {
    let s = resolve(doc, o).as_stream().ok()?;
    s.decompressed_content()
        .ok()
        .or_else(|| Some(s.content.clone()))
}

/// Append an incremental update that adds `/DSS` to the catalog (PAdES
/// B-LT): `/Certs` holds every certificate embedded in the signatures (signer
/// chains, TSA certificates) plus `certs`, `/CRLs` holds `crls` (DER or PEM);
/// entries of an existing DSS are kept. The earlier revisions — and so every
/// signature — stay byte-for-byte intact; verifiers treat a DSS update as an
/// allowed change.
pub fn add_dss(pdf: &[u8], certs: &[Vec<u8>], crls: &[Vec<u8>]) -> Result<Vec<u8>, SignError> {
    add_dss_with_ocsp(pdf, certs, crls, &[])
}

/// [`add_dss`] that also stores OCSP responses (DER `OCSPResponse`) in `/DSS /OCSPs`.
pub fn add_dss_with_ocsp(
    pdf: &[u8],
    certs: &[Vec<u8>],
    crls: &[Vec<u8>],
    ocsps: &[Vec<u8>],
) -> Result<Vec<u8>, SignError> {
    for o in ocsps {
        openssl::ocsp::OcspResponse::from_der(o).map_err(|_| {
            SignError::Revocation("an OCSP response given for the DSS is not DER".into())
        })?;
    }
    let mut all_certs = embedded_certificates(pdf)?;
    all_certs.extend(certs.iter().cloned());
    let mut inc = incremental::open(pdf).map_err(pdf_err)?;
    let prev = inc.get_prev_documents();
    if prev.is_encrypted() || prev.trailer.has(b"Encrypt") {
        return Err(SignError::Encrypted);
    }
    let root_id = prev
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(pdf_err)?;
    let old_dss = prev
        .catalog()
        .ok()
        .and_then(|c| c.get(b"DSS").ok())
        .and_then(|d| resolve(prev, d).as_dict().ok());

    // Keep what the DSS already holds; add only new blobs.
    let mut seen = HashSet::new();
    let mut cert_refs = existing(prev, old_dss, b"Certs");
    let mut crl_refs = existing(prev, old_dss, b"CRLs");
    let mut ocsp_refs = existing(prev, old_dss, b"OCSPs");
    for o in cert_refs
        .iter()
        .chain(crl_refs.iter())
        .chain(ocsp_refs.iter())
    {
        if let Some(b) = stream_bytes(prev, o) {
            seen.insert(openssl::sha::sha256(&b));
        }
    }
    let mut rest = Dictionary::new();
    if let Some(d) = old_dss {
        for (k, v) in d.iter() {
            if !matches!(k.as_slice(), b"Certs" | b"CRLs" | b"OCSPs") {
                rest.set(k.clone(), v.clone());
            }
        }
    }
    let mut crl_ders = Vec::new();
    for c in crls {
        crl_ders.push(crl_der(c).ok_or_else(|| {
            SignError::Revocation("a CRL given for the DSS is not a DER or PEM CRL".into())
        })?);
    }

    let doc = &mut inc.new_document;
    for der in all_certs {
        if seen.insert(openssl::sha::sha256(&der)) {
            cert_refs.push(doc.add_object(Stream::new(dictionary! {}, der)).into());
        }
    }
    for der in crl_ders {
        if seen.insert(openssl::sha::sha256(&der)) {
            crl_refs.push(doc.add_object(Stream::new(dictionary! {}, der)).into());
        }
    }
    for der in ocsps {
        if seen.insert(openssl::sha::sha256(der)) {
            ocsp_refs.push(
                doc.add_object(Stream::new(dictionary! {}, der.clone()))
                    .into(),
            );
        }
    }
    let mut dss = rest;
    dss.set("Type", Object::Name(b"DSS".to_vec()));
    if !cert_refs.is_empty() {
        dss.set("Certs", cert_refs);
    }
    if !crl_refs.is_empty() {
        dss.set("CRLs", crl_refs);
    }
    if !ocsp_refs.is_empty() {
        dss.set("OCSPs", ocsp_refs);
    }
    // Always a new object: an existing DSS object stays as it was.
    let dss_id = doc.add_object(dss);
    inc.opt_clone_object_to_new_document(root_id)
        .map_err(pdf_err)?;
    inc.new_document
        .get_object_mut(root_id)
        .and_then(Object::as_dict_mut)
        .map_err(pdf_err)?
        .set("DSS", dss_id);
    let mut out = Vec::with_capacity(pdf.len() + 16 * 1024);
    inc.save_to(&mut out).map_err(pdf_err)?;
    Ok(out)
}
