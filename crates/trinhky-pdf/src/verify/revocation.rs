//! Revocation of the signer's certificate: CRLs and OCSP responses, and what
//! a revocation means for the signature (ETSI EN 319 102-1).
//!
//! Sources, in order: CRLs given by the caller, the document's (`/DSS`) CRLs
//! and OCSP responses, those the CMS archives (adbe-revocationInfoArchival,
//! the SignedData's `crls`), CRLs at local (`file://`) distribution points,
//! and — when the verifier is allowed online — the certificate's OCSP
//! responder, then its `http(s)://` CRL distribution points. A revocation
//! found anywhere wins over a good status elsewhere.
//!
//! A revoked certificate makes the signature:
//! - invalid when it was revoked before the signing time — the signature
//!   time-stamp's genTime when a valid time-stamp proves it, else the claimed
//!   `/M` time;
//! - indeterminate (REVOKED_NO_POE) when revoked after the claimed time but no
//!   time-stamp proves the signature existed before the revocation;
//! - valid, with a warning, when a valid time-stamp proves the signature
//!   existed before the revocation.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use cms::signed_data::{SignedData, SignerInfo};
use const_oid::ObjectIdentifier;
use der::{Any, Encode};
use openssl::x509::{CrlStatus, X509, X509Crl};

use super::ocsp::{CertStatus, openssl_time};
use super::{Crl, Revocation, SignatureReport, Verifier, VerifyCache};

/// adbe-revocationInfoArchival (a signed attribute of Adobe's signatures).
const ADBE_REVOCATION_INFO_ARCHIVAL: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113583.1.1.8");

/// Most revocation values read from one source (a hostile file cannot make us check more).
const MAX_VALUES: usize = 64;

/// CRLs and OCSP responses (DER) from one place: the DSS or the CMS.
#[derive(Default)]
pub(super) struct RevocationData {
    pub(super) crls: Vec<Crl>,
    pub(super) ocsps: Vec<Vec<u8>>,
}

/// `RevocationInfoArchival ::= SEQUENCE { crl [0] EXPLICIT SEQUENCE OF CRL OPTIONAL,
/// ocsp [1] EXPLICIT SEQUENCE OF OCSPResponse OPTIONAL, otherRevInfo [2] … OPTIONAL }`.
#[derive(der::Sequence)]
struct RevocationInfoArchival {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    crl: Option<Vec<Any>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    ocsp: Option<Vec<Any>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    other: Option<Any>,
}

/// The CRLs and OCSP responses the CMS carries: the adbe-revocationInfoArchival signed
/// attribute and the SignedData's own `crls`.
pub(super) fn from_cms(sd: &SignedData, si: &SignerInfo, cache: &VerifyCache) -> RevocationData {
    let mut out = RevocationData::default();
    let mut crls = Vec::new();
    for attr in si.signed_attrs.iter().flat_map(|a| a.iter()) {
        if attr.oid != ADBE_REVOCATION_INFO_ARCHIVAL {
            continue;
        }
        for v in attr.values.iter() {
            let Ok(archive) = v.decode_as::<RevocationInfoArchival>() else {
                continue;
            };
            crls.extend(archive.crl.iter().flatten().filter_map(|c| c.to_der().ok()));
            out.ocsps.extend(
                archive
                    .ocsp
                    .iter()
                    .flatten()
                    .filter_map(|o| o.to_der().ok()),
            );
        }
    }
    for choice in sd.crls.iter().flat_map(|c| c.0.iter()) {
        if let cms::revocation::RevocationInfoChoice::Crl(c) = choice
            && let Ok(der) = c.to_der()
        {
            crls.push(der);
        }
    }
    crls.truncate(MAX_VALUES);
    out.ocsps.truncate(MAX_VALUES);
    out.crls = crls.iter().filter_map(|d| cache.parse_crl(d)).collect();
    out
}

/// What the sources say: the earliest revocation found, else whether any says good.
#[derive(Default)]
struct Found {
    revoked: Option<(String, Option<DateTime<Utc>>)>,
    good: bool,
    notes: Vec<String>,
}

impl Found {
    fn revoked(&mut self, at: String, time: Option<DateTime<Utc>>) {
        let earlier = match (&self.revoked, time) {
            (None, _) => true,
            (Some((_, Some(old))), Some(new)) => new < *old,
            (Some((_, None)), Some(_)) => true,
            (Some(_), None) => false,
        };
        if earlier {
            self.revoked = Some((at, time));
        }
    }

    fn decided(&self) -> bool {
        self.good || self.revoked.is_some()
    }
}

impl Verifier {
    /// Query the OCSP responder, then the `http(s)://` CRL distribution points, named by the
    /// signer's certificate (with this deadline per request) when the document and the given
    /// CRLs say nothing about it; `None`: never go online (the default). Answers are cached in
    /// the [`VerifyCache`] until their nextUpdate (at most a day), failures for a minute.
    pub fn online_revocation(mut self, timeout: Option<Duration>) -> Self {
        self.online = timeout;
        self
    }

    /// Revocation of `signer_x509` issued by `issuer`, from every source, and what it means for
    /// the signature (see the module documentation). `extra` are certificates that may hold a
    /// delegated OCSP responder's.
    pub(super) fn revocation(
        &self,
        signer_x509: &X509,
        issuer: &X509,
        sources: [&RevocationData; 2],
        extra: &[X509],
        r: &mut SignatureReport,
    ) {
        let mut found = Found::default();
        let local = if self.local_crl_dp {
            local_crls(signer_x509, &self.cache)
        } else {
            Vec::new()
        };
        let crls = self
            .crls
            .iter()
            .chain(sources.iter().flat_map(|s| s.crls.iter()))
            .chain(local.iter());
        self.crl_status(signer_x509, issuer, crls, &mut found);
        for der in sources.iter().flat_map(|s| s.ocsps.iter().take(MAX_VALUES)) {
            match self.ocsp_check(der, signer_x509, issuer, extra) {
                Ok(c) => record(&mut found, c.status),
                Err(why) => found
                    .notes
                    .push(format!("an embedded OCSP response: {why}")),
            }
        }
        if !found.decided()
            && let Some(timeout) = self.online
        {
            match self.ocsp_online(signer_x509, issuer, extra, timeout) {
                Ok(Some(c)) => record(&mut found, c.status),
                Ok(None) => {}
                Err(why) => found.notes.push(format!("OCSP: {why}")),
            }
            if !found.decided() {
                match self.crl_online(signer_x509, timeout) {
                    Ok(crl) => self.crl_status(signer_x509, issuer, crl.iter(), &mut found),
                    Err(why) => found.notes.push(format!("CRL: {why}")),
                }
            }
        }
        if let Some((at, time)) = found.revoked {
            judge(r, at, time);
        } else if found.good {
            r.revocation = Revocation::Good;
        } else {
            r.warnings.extend(found.notes);
        }
    }

    /// The CRLs among `crls` signed by `issuer`: does any list `signer_x509`?
    fn crl_status<'a>(
        &self,
        signer_x509: &X509,
        issuer: &X509,
        crls: impl Iterator<Item = &'a Crl>,
        found: &mut Found,
    ) {
        let Ok(issuer_key) = issuer.public_key() else {
            return;
        };
        let issuer_hash = issuer
            .to_der()
            .map(|d| openssl::sha::sha256(&d))
            .unwrap_or_default();
        for Crl { hash, crl } in crls {
            if crl.issuer_name().try_cmp(issuer.subject_name()).ok()
                != Some(std::cmp::Ordering::Equal)
            {
                continue;
            }
            let key = (*hash, issuer_hash);
            let signed = self
                .cache
                .crl_signed(key, || crl.verify(&issuer_key).unwrap_or(false));
            if !signed {
                continue;
            }
            match crl.get_by_cert(signer_x509) {
                CrlStatus::Revoked(rev) => {
                    let at = rev.revocation_date().to_string();
                    let time = openssl_time(&at);
                    found.revoked(at, time);
                }
                _ => found.good = true,
            }
        }
    }
}

fn record(found: &mut Found, status: CertStatus) {
    match status {
        CertStatus::Good => found.good = true,
        CertStatus::Revoked { at, time } => found.revoked(at, time),
        CertStatus::Unknown => found
            .notes
            .push("the OCSP responder does not know the signer's certificate".into()),
    }
}

/// Invalid, indeterminate or only a warning: the revocation time against the signing time.
fn judge(r: &mut SignatureReport, at: String, time: Option<DateTime<Utc>>) {
    let proven = r
        .timestamp
        .as_ref()
        .filter(|t| t.valid())
        .and_then(|t| t.time.as_deref())
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    let claimed = r.signing_time.as_deref().and_then(pdf_time);
    match (time, proven, claimed) {
        (Some(rev), Some(ts), _) if rev == ts => r.undecided(format!(
            "the signer's certificate was revoked at {at}, in the same second as the signature's \
             time-stamp ({}): which came first cannot be told",
            ts.to_rfc3339()
        )),
        (Some(rev), Some(ts), _) if rev < ts => r.fail(format!(
            "the signer's certificate was revoked at {at}, before the signature's time-stamp ({})",
            ts.to_rfc3339()
        )),
        (Some(_), Some(ts), _) => r.warnings.push(format!(
            "the signer's certificate was revoked at {at}, after the signature's time-stamp ({}) \
             proved the signature existed",
            ts.to_rfc3339()
        )),
        (Some(rev), None, Some(m)) if rev < m => r.fail(format!(
            "the signer's certificate was revoked at {at}, before the claimed signing time ({})",
            m.to_rfc3339()
        )),
        (Some(_), None, Some(m)) => r.undecided(format!(
            "the signer's certificate was revoked at {at}, after the claimed signing time ({}), \
             but no time-stamp proves the signature existed before (REVOKED_NO_POE)",
            m.to_rfc3339()
        )),
        _ => r.undecided(format!(
            "the signer's certificate was revoked at {at}; when it was signed is unknown"
        )),
    }
    r.revocation = Revocation::Revoked { at };
}

/// A PDF date (`D:YYYYMMDDHHmmSS+HH'mm'`, the later parts optional) in UTC.
pub(crate) fn pdf_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits = s.bytes().take_while(u8::is_ascii_digit).count().min(14);
    if digits < 4 || digits % 2 != 0 {
        return None;
    }
    let (num, rest) = s.split_at(digits);
    // Fill the missing parts: month and day 01, time 00.
    let full = format!("{num}{}", &"0101000000"[digits - 4..]);
    let naive = NaiveDateTime::parse_from_str(&full, "%Y%m%d%H%M%S").ok()?;
    let offset = match rest.as_bytes().first() {
        Some(sign @ (b'+' | b'-')) => {
            let d: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
            let h: i32 = d.get(..2)?.parse().ok()?;
            let m: i32 = d.get(2..4).map_or(Some(0), |m| m.parse().ok())?;
            let secs = (h * 3600 + m * 60) * if *sign == b'-' { -1 } else { 1 };
            FixedOffset::east_opt(secs)?
        }
        _ => FixedOffset::east_opt(0)?,
    };
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// CRLs at `file://` distribution points of `cert` (dev PKI, offline use).
fn local_crls(cert: &X509, cache: &VerifyCache) -> Vec<Crl> {
    let mut out = Vec::new();
    let Some(dps) = cert.crl_distribution_points() else {
        return out;
    };
    for dp in &dps {
        let Some(names) = dp.distpoint().and_then(|n| n.fullname()) else {
            continue;
        };
        for gn in names {
            if let Some(path) = gn.uri().and_then(|u| u.strip_prefix("file://"))
                && let Ok(bytes) = std::fs::read(path)
            {
                let der = X509Crl::from_pem(&bytes)
                    .and_then(|c| c.to_der())
                    .unwrap_or(bytes);
                if let Some(crl) = cache.parse_crl(&der) {
                    out.push(crl);
                }
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pdf_dates_are_read() {
        let t = |s| pdf_time(s).map(|t| t.to_rfc3339());
        assert_eq!(
            t("D:20250314093000+07'00'").as_deref(),
            Some("2025-03-14T02:30:00+00:00")
        );
        assert_eq!(
            t("D:20250314093000Z").as_deref(),
            Some("2025-03-14T09:30:00+00:00")
        );
        assert_eq!(
            t("D:20250314093000-05'30").as_deref(),
            Some("2025-03-14T15:00:00+00:00")
        );
        assert_eq!(t("D:2025").as_deref(), Some("2025-01-01T00:00:00+00:00"));
        assert_eq!(t("D:20251399"), None);
        assert_eq!(t("D:202"), None);
        assert_eq!(t("garbage"), None);
        assert_eq!(t("D:20250314093000+99'00'"), None);
    }
}
