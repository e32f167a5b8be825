//! OCSP (RFC 6960): what a responder says about the signer's certificate.
//!
//! Responses come from the document first (`/DSS /OCSPs`, the CMS's
//! adbe-revocationInfoArchival attribute), then — only when the verifier was
//! told to go online — from the responder named in the certificate's
//! authority information access, asked with a short deadline.
//!
//! A response counts only when it is signed by the certificate's issuer, or
//! by a delegated responder whose certificate the issuer signed with
//! id-kp-OCSPSigning (OpenSSL's `OCSP_basic_verify` checks both), and when it
//! is about this very certificate (issuer name and key hash, serial).
//!
//! Online, a CRL from the certificate's `http(s)://` distribution points is
//! fetched too when OCSP gives no answer.
//!
//! Both the checks and the online answers are kept in the [`VerifyCache`]:
//! a checked response per (response, certificate, issuer), an online answer
//! per (issuer key hash, serial) until its nextUpdate, a fetched CRL per URL
//! until its nextUpdate, and a failed online attempt for [`FAILURE_TTL`] so
//! that a dead server does not cost its timeout on every verification.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use der::Decode;
use openssl::hash::MessageDigest;
use openssl::ocsp::{
    OcspBasicResponseRef, OcspCertId, OcspCertStatus, OcspFlag, OcspRequest, OcspResponse,
    OcspResponseStatus,
};
use openssl::stack::Stack;
use openssl::x509::{X509, X509Ref};
use x509_cert::Certificate;

use super::{CACHE_LIMIT, Crl, Verifier, VerifyCache};

/// How long a failed online request is remembered (no new attempt before).
pub(crate) const FAILURE_TTL: Duration = Duration::from_secs(60);
/// How long an online answer without nextUpdate is reused.
const NO_NEXT_UPDATE_TTL: Duration = Duration::from_secs(300);
/// Longest an online answer is reused, whatever its nextUpdate says.
const MAX_TTL: Duration = Duration::from_secs(24 * 3600);
/// Clock skew allowed on thisUpdate / nextUpdate.
fn skew() -> chrono::Duration {
    chrono::Duration::minutes(5)
}
/// At most this many responder URLs are tried per certificate.
const MAX_URLS: usize = 2;

/// What a checked response says about the certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CertStatus {
    Good,
    /// Revoked at the given time (OpenSSL's text, as for CRLs; and parsed).
    Revoked {
        at: String,
        time: Option<DateTime<Utc>>,
    },
    /// The responder does not know the certificate.
    Unknown,
}

/// A response that verified and is about the certificate.
#[derive(Clone, Debug)]
pub(crate) struct Checked {
    pub status: CertStatus,
    pub next_update: Option<DateTime<Utc>>,
}

type Key = [u8; 32];

/// (issuer key hash, serial): a certificate as a CertID names it.
type CertKey = (Vec<u8>, Vec<u8>);

/// An online answer (DER) or why there is none, and until when it is reused.
type OnlineAnswer = (Result<Vec<u8>, String>, SystemTime);

/// The OCSP part of [`VerifyCache`].
#[derive(Default)]
pub(crate) struct OcspCache {
    /// sha256(response ‖ certificate ‖ issuer) → the check's outcome.
    checked: Mutex<HashMap<Key, Result<Checked, String>>>,
    /// (issuer key hash, serial) → the online answer (DER) or why none, and until when.
    online: Mutex<HashMap<CertKey, OnlineAnswer>>,
    /// CRL URL → the CRL fetched there (DER) or why none, and until when.
    crls: Mutex<HashMap<String, OnlineAnswer>>,
    /// Online requests actually sent, OCSP and CRL (for tests and figures).
    requests: std::sync::atomic::AtomicUsize,
}

impl OcspCache {
    pub(crate) fn clear(&self) {
        if let Ok(mut c) = self.checked.lock() {
            c.clear();
        }
        if let Ok(mut c) = self.online.lock() {
            c.clear();
        }
        if let Ok(mut c) = self.crls.lock() {
            c.clear();
        }
    }
}

impl VerifyCache {
    /// How many online requests (OCSP, CRL) went out through this cache (hits send none).
    pub fn online_requests(&self) -> usize {
        self.ocsp
            .requests
            .load(std::sync::atomic::Ordering::Relaxed)
    }
}

fn insert<K: std::hash::Hash + Eq, V>(m: &Mutex<HashMap<K, V>>, k: K, v: V) {
    if let Ok(mut m) = m.lock() {
        if m.len() >= CACHE_LIMIT {
            m.clear();
        }
        m.insert(k, v);
    }
}

/// A time OpenSSL printed (`Mar 14 09:30:00 2025 GMT`, fraction optional) in UTC.
pub(crate) fn openssl_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim().strip_suffix(" GMT")?;
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    chrono::NaiveDateTime::parse_from_str(&s, "%b %d %H:%M:%S%.f %Y")
        .ok()
        .map(|t| t.and_utc())
}

fn now_utc() -> DateTime<Utc> {
    DateTime::<Utc>::from(SystemTime::now())
}

/// The status of `cert` in `bs`, under a SHA-1 or SHA-256 certificate id.
fn find(bs: &OcspBasicResponseRef, cert: &X509Ref, issuer: &X509Ref) -> Result<Checked, String> {
    for md in [MessageDigest::sha1(), MessageDigest::sha256()] {
        let id = OcspCertId::from_cert(md, cert, issuer).map_err(|e| e.to_string())?;
        let Some(s) = bs.find_status(&id) else {
            continue;
        };
        openssl_time(&s.this_update.to_string())
            .filter(|t| *t <= now_utc() + skew())
            .ok_or("the response's thisUpdate is unreadable or in the future")?;
        let status = if s.status == OcspCertStatus::GOOD {
            CertStatus::Good
        } else if s.status == OcspCertStatus::REVOKED {
            let at = s.revocation_time.map(|t| t.to_string()).unwrap_or_default();
            CertStatus::Revoked {
                time: openssl_time(&at),
                at,
            }
        } else {
            CertStatus::Unknown
        };
        return Ok(Checked {
            status,
            next_update: s.next_update().and_then(|t| openssl_time(&t.to_string())),
        });
    }
    Err("the response is not about this certificate".into())
}

impl Verifier {
    /// Check the OCSP response `der` for `cert` issued by `issuer`; `extra` are certificates that
    /// may hold a delegated responder's. Remembered in the cache.
    pub(crate) fn ocsp_check(
        &self,
        der: &[u8],
        cert: &X509,
        issuer: &X509,
        extra: &[X509],
    ) -> Result<Checked, String> {
        let mut h = openssl::sha::Sha256::new();
        h.update(der);
        h.update(&cert.to_der().unwrap_or_default());
        h.update(&issuer.to_der().unwrap_or_default());
        let key = h.finish();
        if let Some(known) = self
            .cache
            .ocsp
            .checked
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned())
        {
            return known;
        }
        let checked = self.ocsp_check_uncached(der, cert, issuer, extra);
        insert(&self.cache.ocsp.checked, key, checked.clone());
        checked
    }

    fn ocsp_check_uncached(
        &self,
        der: &[u8],
        cert: &X509,
        issuer: &X509,
        extra: &[X509],
    ) -> Result<Checked, String> {
        let e = |e: openssl::error::ErrorStack| e.to_string();
        let resp = OcspResponse::from_der(der).map_err(|_| "not an OCSP response".to_owned())?;
        if resp.status() != OcspResponseStatus::SUCCESSFUL {
            return Err(format!(
                "the responder answered status {}",
                resp.status().as_raw()
            ));
        }
        let bs = resp.basic().map_err(e)?;
        let checked = find(&bs, cert, issuer)?;
        // Signed by the issuer itself: its key verifies the response (the issuer is already
        // known to have issued the certificate, whatever the time).
        let mut only_issuer = Stack::new().map_err(e)?;
        only_issuer.push(issuer.clone()).map_err(e)?;
        let by_issuer = bs.verify(
            &only_issuer,
            &self.store,
            OcspFlag::TRUST_OTHER | OcspFlag::NO_INTERN,
        );
        if by_issuer.is_err() {
            // A delegated responder: its certificate (in the response or given) chains to a
            // trust root, was issued by the issuer and carries id-kp-OCSPSigning.
            let mut certs = Stack::new().map_err(e)?;
            for c in extra.iter().chain(std::iter::once(issuer)) {
                certs.push(c.clone()).map_err(e)?;
            }
            bs.verify(&certs, &self.store, OcspFlag::empty())
                .map_err(|e| format!("the response's signature or responder is not valid: {e}"))?;
        }
        Ok(checked)
    }

    /// Ask the responders in `cert`'s authority information access about it, through the
    /// cache; `Ok(None)` when the certificate names no responder.
    pub(crate) fn ocsp_online(
        &self,
        cert: &X509,
        issuer: &X509,
        extra: &[X509],
        timeout: Duration,
    ) -> Result<Option<Checked>, String> {
        let urls: Vec<String> = cert
            .ocsp_responders()
            .map(|s| s.iter().map(|u| u.to_string()).collect())
            .unwrap_or_default();
        let urls: Vec<String> = urls
            .into_iter()
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
            .take(MAX_URLS)
            .collect();
        if urls.is_empty() {
            return Ok(None);
        }
        let key = (
            issuer_key_hash(issuer),
            cert.serial_number()
                .to_bn()
                .map(|b| b.to_vec())
                .unwrap_or_default(),
        );
        let now = SystemTime::now();
        let cached = self
            .cache
            .ocsp
            .online
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned())
            .filter(|(_, until)| *until > now);
        let (answer, fresh) = match cached {
            Some((answer, _)) => (answer, false),
            None => (self.ask(&urls, cert, issuer, timeout), true),
        };
        let checked = answer.and_then(|der| {
            let c = self.ocsp_check(&der, cert, issuer, extra)?;
            // Online answers must be current.
            if c.next_update.is_some_and(|n| n + skew() < now_utc()) {
                return Err("the responder's answer is out of date (nextUpdate passed)".to_owned());
            }
            Ok((der, c))
        });
        if fresh {
            let entry = match &checked {
                Ok((der, c)) => {
                    let ttl = c
                        .next_update
                        .and_then(|n| (n - now_utc()).to_std().ok())
                        .unwrap_or(NO_NEXT_UPDATE_TTL)
                        .min(MAX_TTL);
                    (Ok(der.clone()), now + ttl)
                }
                Err(why) => (Err(why.clone()), now + FAILURE_TTL),
            };
            insert(&self.cache.ocsp.online, key, entry);
        }
        checked.map(|(_, c)| Some(c))
    }

    /// The CRL at the first `http(s)://` distribution point of `cert` that gives one, through
    /// the cache; `Ok(None)` when the certificate names none.
    pub(super) fn crl_online(&self, cert: &X509, timeout: Duration) -> Result<Option<Crl>, String> {
        let der = cert.to_der().unwrap_or_default();
        let urls: Vec<String> = crate::sign::dss::crl_urls(&der)
            .into_iter()
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
            .take(MAX_URLS)
            .collect();
        let mut errors = Vec::new();
        for url in &urls {
            let now = SystemTime::now();
            let cached = self
                .cache
                .ocsp
                .crls
                .lock()
                .ok()
                .and_then(|c| c.get(url).cloned())
                .filter(|(_, until)| *until > now);
            let got = match cached {
                Some((got, _)) => got,
                None => {
                    self.cache
                        .ocsp
                        .requests
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let got = crate::http::get_within(url, "application/pkix-crl, */*", timeout)
                        .and_then(|r| {
                            openssl::x509::X509Crl::from_der(&r.body)
                                .or_else(|_| openssl::x509::X509Crl::from_pem(&r.body))
                                .map_err(|_| format!("{url}: the answer is not a CRL"))
                        });
                    let entry = match &got {
                        Ok(crl) => {
                            let ttl = crl
                                .next_update()
                                .and_then(|t| openssl_time(&t.to_string()))
                                .and_then(|n| (n - now_utc()).to_std().ok())
                                .unwrap_or(NO_NEXT_UPDATE_TTL)
                                .min(MAX_TTL);
                            (crl.to_der().map_err(|e| e.to_string()), now + ttl)
                        }
                        Err(why) => (Err(why.clone()), now + FAILURE_TTL),
                    };
                    insert(&self.cache.ocsp.crls, url.clone(), entry.clone());
                    entry.0
                }
            };
            match got.map(|der| self.cache.parse_crl(&der)) {
                Ok(Some(crl)) => return Ok(Some(crl)),
                Ok(None) => errors.push(format!("{url}: the CRL cannot be read")),
                Err(why) => errors.push(why),
            }
        }
        if errors.is_empty() {
            Ok(None)
        } else {
            Err(errors.join("; "))
        }
    }

    /// POST an OCSP request for `cert` to each URL until one answers successfully.
    fn ask(
        &self,
        urls: &[String],
        cert: &X509,
        issuer: &X509,
        timeout: Duration,
    ) -> Result<Vec<u8>, String> {
        let e = |e: openssl::error::ErrorStack| e.to_string();
        let mut req = OcspRequest::new().map_err(e)?;
        req.add_id(OcspCertId::from_cert(MessageDigest::sha1(), cert, issuer).map_err(e)?)
            .map_err(e)?;
        let body = req.to_der().map_err(e)?;
        let mut errors = Vec::new();
        for url in urls {
            self.cache
                .ocsp
                .requests
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let got = crate::http::post_within(
                url,
                "application/ocsp-request",
                "application/ocsp-response",
                &body,
                timeout,
            )
            .and_then(|r| {
                let resp = OcspResponse::from_der(&r.body)
                    .map_err(|_| format!("{url}: the answer is not an OCSP response"))?;
                if resp.status() == OcspResponseStatus::SUCCESSFUL {
                    Ok(r.body)
                } else {
                    Err(format!(
                        "{url}: the responder answered status {}",
                        resp.status().as_raw()
                    ))
                }
            });
            match got {
                Ok(der) => return Ok(der),
                Err(why) => errors.push(why),
            }
        }
        Err(errors.join("; "))
    }
}

/// SHA-1 of the issuer's public key bits (the issuerKeyHash of a CertID).
fn issuer_key_hash(issuer: &X509) -> Vec<u8> {
    issuer
        .to_der()
        .ok()
        .and_then(|d| Certificate::from_der(&d).ok())
        .map(|c| {
            let bits = &c.tbs_certificate.subject_public_key_info.subject_public_key;
            openssl::sha::sha1(bits.raw_bytes()).to_vec()
        })
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn openssl_times_are_read() {
        let t = openssl_time("Mar 14 09:30:00 2025 GMT").unwrap();
        assert_eq!(t.to_rfc3339(), "2025-03-14T09:30:00+00:00");
        let t = openssl_time("Mar  4 09:30:00.5 2025 GMT").unwrap();
        assert_eq!(t.to_rfc3339(), "2025-03-04T09:30:00.500+00:00");
        assert_eq!(openssl_time("2025-03-14"), None);
        let asn1 = openssl::asn1::Asn1Time::from_unix(1_741_944_600).unwrap();
        assert_eq!(
            openssl_time(&asn1.to_string()).unwrap().timestamp(),
            1_741_944_600
        );
    }
}
