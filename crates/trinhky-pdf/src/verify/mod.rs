//! Signature validation: for every signature, is it intact, who signed, does
//! the chain reach a trusted root, is the certificate revoked, and what
//! happened to the document after it was signed.
//!
//! A broken or untrusted signature is a *finding* in the [`Report`], never an
//! error; [`VerifyError`] means verification could not run at all.

mod algorithm;
mod changes;
mod fields;
mod ocsp;
pub(crate) mod revisions;
mod revocation;
pub(crate) mod scan;
mod signature;
mod timestamp;

use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use der::{Decode, Encode};
use lopdf::{Document, Object};
use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::{X509, X509Crl, X509StoreContext};
use x509_cert::Certificate;

use crate::incremental::resolve;
use fields::{load_bounded, signature_fields};

pub use changes::Coverage;
pub use timestamp::TimestampReport;

/// Verification could not run (the input is not a readable PDF).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("the file is not a readable PDF: {0}")]
    Pdf(String),
    #[error("the trust store could not be built: {0}")]
    Trust(String),
    /// The file exceeded the bounds of [`crate::limits`] (time, memory,
    /// nesting, decompression): an indeterminate outcome, never a verdict.
    #[error("file too complex ({0})")]
    TooComplex(&'static str),
}

/// Revocation status of the signer's certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revocation {
    /// A CRL signed by the issuer lists no revocation of this certificate.
    Good,
    /// Listed in the issuer's CRL, revoked at the given time.
    Revoked { at: String },
    /// No CRL from the issuer was available (embedded, provided or local).
    Unknown,
}

/// The outcome of validating one signature (or a whole file), as ETSI EN 319 102-1 names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// TOTAL-PASSED: intact, trusted, not revoked, nothing but allowed changes after it.
    Valid,
    /// TOTAL-FAILED: evidence against it — the signed bytes changed, the signature value is
    /// wrong, a disallowed change after signing, revoked before signing, a malformed byte range.
    Invalid,
    /// INDETERMINATE: it cannot be decided — an unsupported algorithm, an unknown or expired
    /// chain, no revocation data, a file too complex to check in bounded time and memory.
    Indeterminate,
}

impl Status {
    /// `valid`, `invalid` or `indeterminate` (JSON, CSS classes).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Invalid => "invalid",
            Status::Indeterminate => "indeterminate",
        }
    }
}

/// Findings for one signature.
#[derive(Clone, Debug)]
pub struct SignatureReport {
    /// Field name (`/T`).
    pub field: String,
    /// Signer certificate subject, one line (`CN=…, O=…`), when it could be found.
    pub signer: Option<String>,
    /// Signer certificate serial number in hex.
    pub serial: Option<String>,
    /// `/SubFilter`.
    pub sub_filter: String,
    /// `/M` as written (PDF date), the claimed signing time.
    pub signing_time: Option<String>,
    /// Digest over `/ByteRange` matches and the CMS signature verifies.
    pub intact: bool,
    /// The certificate chains to one of the trust roots.
    pub trusted: bool,
    pub revocation: Revocation,
    pub coverage: Coverage,
    pub byte_range: Vec<i64>,
    /// The signature time-stamp (PAdES B-T), when the CMS carries one.
    pub timestamp: Option<TimestampReport>,
    /// The digest algorithm the signer declared (`SHA-256`…), when the CMS could be read.
    pub digest_algorithm: Option<String>,
    /// The signature algorithm and key (`RSA`, `RSA-PSS`, `ECDSA P-384`, `Ed25519`…).
    pub signature_algorithm: Option<String>,
    /// The outcome: see [`Status`].
    pub status: Status,
    /// Why the signature is not valid (empty when it is), evidence and open questions alike.
    pub problems: Vec<String>,
    /// Remarks that do not change the outcome (a weak digest, a CMS that is not PAdES).
    pub warnings: Vec<String>,
    /// Some finding is evidence that the signature is wrong.
    failed: bool,
    /// Some finding leaves the outcome undecided.
    undecided: bool,
}

impl SignatureReport {
    fn new(field: String, sub_filter: String, signing_time: Option<String>) -> Self {
        Self {
            field,
            signer: None,
            serial: None,
            sub_filter,
            signing_time,
            intact: false,
            trusted: false,
            revocation: Revocation::Unknown,
            coverage: Coverage::WholeFile,
            byte_range: Vec::new(),
            timestamp: None,
            digest_algorithm: None,
            signature_algorithm: None,
            status: Status::Indeterminate,
            problems: Vec::new(),
            warnings: Vec::new(),
            failed: false,
            undecided: false,
        }
    }

    /// Evidence against the signature: its outcome is [`Status::Invalid`].
    pub(crate) fn fail(&mut self, why: impl Into<String>) {
        self.failed = true;
        self.problems.push(why.into());
    }

    /// The outcome cannot be decided (at best [`Status::Indeterminate`]).
    pub(crate) fn undecided(&mut self, why: impl Into<String>) {
        self.undecided = true;
        self.problems.push(why.into());
    }

    /// Sets [`SignatureReport::status`] from the findings.
    fn conclude(&mut self) {
        if self.trusted && self.revocation == Revocation::Unknown && !self.failed {
            self.problems.push(
                "no revocation information (CRL or OCSP) for the signer's certificate".into(),
            );
        }
        let timestamp_failed = self.timestamp.as_ref().is_some_and(|t| !t.imprint_matches);
        let timestamp_undecided = self.timestamp.as_ref().is_some_and(|t| !t.valid());
        self.status = if self.failed
            || !matches!(
                self.coverage,
                Coverage::WholeFile | Coverage::RevisionThenAllowed { .. }
            )
            || timestamp_failed
        {
            Status::Invalid
        } else if self.undecided
            || !self.intact
            || !self.trusted
            || self.revocation == Revocation::Unknown
            || timestamp_undecided
        {
            Status::Indeterminate
        } else {
            Status::Valid
        };
    }

    pub fn revoked(&self) -> bool {
        matches!(self.revocation, Revocation::Revoked { .. })
    }

    /// The signature's outcome is [`Status::Valid`].
    pub fn valid(&self) -> bool {
        self.status == Status::Valid
    }
}

/// Overall verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every signature is valid.
    Valid,
    /// Some signature is invalid.
    Invalid,
    /// None is invalid, but some cannot be decided.
    Indeterminate,
    NoSignatures,
}

impl Verdict {
    /// `valid`, `invalid`, `indeterminate` or `no_signatures`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Invalid => "invalid",
            Verdict::Indeterminate => "indeterminate",
            Verdict::NoSignatures => "no_signatures",
        }
    }
}

/// Result of [`verify_pdf`].
#[derive(Clone, Debug)]
pub struct Report {
    pub signatures: Vec<SignatureReport>,
    pub verdict: Verdict,
}

/// Extra inputs for [`verify_pdf_with`].
#[derive(Clone, Copy, Debug, Default)]
pub struct VerifyOptions<'a> {
    pub trust: &'a [X509],
    /// CRLs (DER) supplied by the caller, in addition to the document's DSS.
    pub crls: &'a [Vec<u8>],
    /// Read CRLs named by `file://` distribution points in certificates.
    pub local_crl_dp: bool,
    /// Parsed certificates and CRLs kept between verifications; `None`: this verification's own.
    pub cache: Option<&'a Arc<VerifyCache>>,
}

/// Verify every signature against `trust`, using embedded (DSS) CRLs and
/// CRLs at local (`file://`) distribution points.
pub fn verify_pdf(pdf: &[u8], trust: &[X509]) -> Result<Report, VerifyError> {
    verify_pdf_with(
        pdf,
        &VerifyOptions {
            trust,
            crls: &[],
            local_crl_dp: true,
            cache: None,
        },
    )
}

/// [`verify_pdf`] with explicit CRLs and options.
pub fn verify_pdf_with(pdf: &[u8], opts: &VerifyOptions<'_>) -> Result<Report, VerifyError> {
    Verifier::new(opts)?.verify(pdf)
}

/// A reusable verifier: the trust store and CRLs are built once. Hold one per
/// trust configuration in a long-running process.
///
/// Parsed certificates and CRLs, and CRL signature checks, are kept in a
/// [`VerifyCache`] keyed by the SHA-256 of their DER (OpenSSL 3.0 takes about
/// 0.1–0.3 ms to decode a certificate's public key, more than everything else
/// a verification does). The caller owns the cache and passes it in
/// [`VerifyOptions::cache`], so a fresh `Verifier` sharing it does not decode
/// the same certificate twice; without one, each verifier has its own.
pub struct Verifier {
    cache: Arc<VerifyCache>,
    store: X509Store,
    trust_der: Vec<Vec<u8>>,
    trust: Vec<X509>,
    crls: Vec<Crl>,
    local_crl_dp: bool,
    /// Deadline of an online OCSP request; `None`: never online.
    online: Option<std::time::Duration>,
}

/// A parsed CRL and the SHA-256 of its DER.
#[derive(Clone)]
struct Crl {
    hash: [u8; 32],
    crl: Arc<X509Crl>,
}

/// (CRL hash, issuer certificate hash) → the CRL's signature verifies.
type CrlSignatures = Mutex<HashMap<([u8; 32], [u8; 32]), bool>>;

/// Parsed certificates, parsed CRLs and CRL signature checks, each keyed by
/// the SHA-256 of the DER and bounded to [`CACHE_LIMIT`] entries (emptied when
/// full). Owned by whoever verifies many files (the app holds one for its
/// lifetime) and shared by the verifiers it creates.
#[derive(Default)]
pub struct VerifyCache {
    certificates: Mutex<HashMap<[u8; 32], X509>>,
    crls: Mutex<HashMap<[u8; 32], Arc<X509Crl>>>,
    crl_signatures: CrlSignatures,
    ocsp: ocsp::OcspCache,
}

impl std::fmt::Debug for VerifyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = |m: &Mutex<HashMap<[u8; 32], X509>>| m.lock().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("VerifyCache")
            .field("certificates", &len(&self.certificates))
            .finish_non_exhaustive()
    }
}

impl VerifyCache {
    /// Empties the cache (to measure a first verification, or to bound memory by hand).
    pub fn clear(&self) {
        if let Ok(mut c) = self.certificates.lock() {
            c.clear();
        }
        if let Ok(mut c) = self.crls.lock() {
            c.clear();
        }
        if let Ok(mut c) = self.crl_signatures.lock() {
            c.clear();
        }
        self.ocsp.clear();
    }

    fn parse_crl(&self, der: &[u8]) -> Option<Crl> {
        cached(&self.crls, der, |d| X509Crl::from_der(d).ok().map(Arc::new))
            .map(|(hash, crl)| Crl { hash, crl })
    }

    /// Whether `crl` is signed by the issuer key, remembered per (CRL, issuer).
    fn crl_signed(&self, key: ([u8; 32], [u8; 32]), check: impl FnOnce() -> bool) -> bool {
        if let Some(known) = self
            .crl_signatures
            .lock()
            .ok()
            .and_then(|c| c.get(&key).copied())
        {
            return known;
        }
        let ok = check();
        if let Ok(mut c) = self.crl_signatures.lock() {
            if c.len() >= CACHE_LIMIT {
                c.clear();
            }
            c.insert(key, ok);
        }
        ok
    }
}

fn cached<V: Clone>(
    cache: &Mutex<HashMap<[u8; 32], V>>,
    der: &[u8],
    parse: impl FnOnce(&[u8]) -> Option<V>,
) -> Option<([u8; 32], V)> {
    let key = openssl::sha::sha256(der);
    if let Ok(cache) = cache.lock()
        && let Some(c) = cache.get(&key)
    {
        return Some((key, c.clone()));
    }
    let v = parse(der)?;
    if let Ok(mut cache) = cache.lock() {
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, v.clone());
    }
    Some((key, v))
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("roots", &self.trust.len())
            .field("crls", &self.crls.len())
            .finish_non_exhaustive()
    }
}

const CACHE_LIMIT: usize = 1024;

impl Verifier {
    pub fn new(opts: &VerifyOptions<'_>) -> Result<Self, VerifyError> {
        let mut store = X509StoreBuilder::new().map_err(|e| VerifyError::Trust(e.to_string()))?;
        for root in opts.trust {
            store
                .add_cert(root.clone())
                .map_err(|e| VerifyError::Trust(e.to_string()))?;
        }
        let trust_der = opts.trust.iter().filter_map(|c| c.to_der().ok()).collect();
        let cache = opts.cache.cloned().unwrap_or_default();
        let crls = opts
            .crls
            .iter()
            .filter_map(|d| cache.parse_crl(d))
            .collect();
        Ok(Self {
            cache,
            store: store.build(),
            trust_der,
            trust: opts.trust.to_vec(),
            crls,
            local_crl_dp: opts.local_crl_dp,
            online: None,
        })
    }

    /// Parse (or reuse) an OpenSSL certificate.
    fn x509(&self, der: &[u8]) -> Option<X509> {
        cached(&self.cache.certificates, der, |d| X509::from_der(d).ok()).map(|(_, c)| c)
    }

    /// Verify every signature in `pdf`.
    ///
    /// Files with classic cross-reference tables are read lazily (only the
    /// form, the signature dictionaries and the DSS are parsed, and only the
    /// objects that later revisions replaced are compared); anything else —
    /// or a file where some object the report needs cannot be read that way —
    /// is parsed whole with lopdf. Both give the same report.
    pub fn verify(&self, pdf: &[u8]) -> Result<Report, VerifyError> {
        let budget = std::rc::Rc::new(crate::limits::Budget::default());
        let too_complex =
            |b: &crate::limits::Budget| b.exceeded().map(|e| VerifyError::TooComplex(e.as_str()));
        if let Some(xref) = scan::xref_chain_with(pdf, &budget) {
            let objs = scan::Objects::with_budget(pdf, xref, budget.clone());
            if objs.catalog().is_some() {
                let whole: OnceCell<Option<Document>> = OnceCell::new();
                let cov = |end: usize| {
                    revisions::coverage(pdf, &objs, end).unwrap_or_else(|| {
                        match whole.get_or_init(|| load_bounded(pdf).ok()) {
                            Some(doc) => changes::coverage(pdf, doc, end),
                            None => Coverage::OtherChanges {
                                changes: vec!["the document cannot be read as a whole".into()],
                            },
                        }
                    })
                };
                let report = self.report(pdf, &objs, &cov);
                if let Some(e) = too_complex(&budget) {
                    return Err(e);
                }
                if !objs.failed() {
                    return Ok(report);
                }
            }
        }
        if let Some(e) = too_complex(&budget) {
            return Err(e);
        }
        self.verify_parsed(pdf)
    }

    /// [`Verifier::verify`] always through lopdf's full parse (the reference
    /// the lazy reader is tested against).
    #[doc(hidden)]
    pub fn verify_parsed(&self, pdf: &[u8]) -> Result<Report, VerifyError> {
        let doc = load_bounded(pdf).map_err(|e| VerifyError::Pdf(e.to_string()))?;
        let cov = |end: usize| changes::coverage(pdf, &doc, end);
        Ok(self.report(pdf, &Full(&doc), &cov))
    }

    fn report(&self, pdf: &[u8], l: &dyn Lookup, cov: &dyn Fn(usize) -> Coverage) -> Report {
        let (dss_certs, dss_rev) = dss(l, &self.cache);
        let dss_certs: Vec<X509> = dss_certs.iter().filter_map(|d| self.x509(d)).collect();
        let mut signatures = Vec::new();
        for (field, v) in signature_fields(l) {
            let mut r = SignatureReport::new(
                field,
                name(l, v.get(b"SubFilter").ok()).unwrap_or_default(),
                v.get(b"M")
                    .ok()
                    .and_then(|o| o.as_str().ok())
                    .map(|b| String::from_utf8_lossy(b).into_owned()),
            );
            self.check_signature(pdf, l, cov, &v, &dss_certs, &dss_rev, &mut r);
            r.conclude();
            signatures.push(r);
        }
        // Earliest signature first.
        signatures.sort_by_key(|s| {
            s.byte_range.get(2).copied().unwrap_or(0) + s.byte_range.get(3).copied().unwrap_or(0)
        });
        let verdict = if signatures.is_empty() {
            Verdict::NoSignatures
        } else if signatures.iter().any(|s| s.status == Status::Invalid) {
            Verdict::Invalid
        } else if signatures.iter().any(|s| s.status == Status::Indeterminate) {
            Verdict::Indeterminate
        } else {
            Verdict::Valid
        };
        Report {
            signatures,
            verdict,
        }
    }
}

/// Object access for the report: the full lopdf parse or the lazy reader.
trait Lookup {
    /// `o`, or the object it references.
    fn resolve(&self, o: &Object) -> Object;
    fn catalog(&self) -> Option<lopdf::Dictionary>;
    /// The budget streams are decoded against (the lazy reader's), if any.
    fn budget(&self) -> Option<&crate::limits::Budget> {
        None
    }
}

struct Full<'a>(&'a Document);

impl Lookup for Full<'_> {
    fn resolve(&self, o: &Object) -> Object {
        resolve(self.0, o).clone()
    }
    fn catalog(&self) -> Option<lopdf::Dictionary> {
        self.0.catalog().ok().cloned()
    }
}

impl Lookup for scan::Objects<'_> {
    fn resolve(&self, o: &Object) -> Object {
        scan::Objects::resolve(self, o)
    }
    fn budget(&self) -> Option<&crate::limits::Budget> {
        Some(scan::Objects::budget(self))
    }
    fn catalog(&self) -> Option<lopdf::Dictionary> {
        let root = self.xref.trailer.get(b"Root").ok()?.as_reference().ok()?;
        match self.get(root)? {
            Object::Dictionary(d) => Some(d),
            _ => None,
        }
    }
}

fn name(l: &dyn Lookup, o: Option<&Object>) -> Option<String> {
    o.map(|o| l.resolve(o)).and_then(|o| {
        o.as_name()
            .ok()
            .map(|n| String::from_utf8_lossy(n).into_owned())
    })
}

/// Certificates, CRLs and OCSP responses in the document security store (`/DSS`).
fn dss(l: &dyn Lookup, cache: &VerifyCache) -> (Vec<Vec<u8>>, revocation::RevocationData) {
    let mut certs = Vec::new();
    let mut rev = revocation::RevocationData::default();
    let Some(d) = l
        .catalog()
        .and_then(|c| c.get(b"DSS").ok().map(|d| l.resolve(d)))
        .and_then(|d| d.as_dict().ok().cloned())
    else {
        return (certs, rev);
    };
    let streams = |key: &[u8]| -> Vec<Vec<u8>> {
        d.get(key)
            .ok()
            .map(|a| l.resolve(a))
            .and_then(|a| a.as_array().ok().cloned())
            .map(|a| {
                a.iter()
                    .filter_map(|o| match l.resolve(o) {
                        Object::Stream(s) => Some(s),
                        _ => None,
                    })
                    .map(|s| {
                        let own = crate::limits::Budget::default();
                        crate::limits::stream_content(&s, l.budget().unwrap_or(&own))
                            .unwrap_or(s.content)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    certs.extend(streams(b"Certs"));
    rev.crls
        .extend(streams(b"CRLs").iter().filter_map(|b| cache.parse_crl(b)));
    rev.ocsps.extend(streams(b"OCSPs"));
    (certs, rev)
}

/// Length of the DER TLV at the start of `b` (the /Contents is zero-padded).
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

impl Verifier {
    #[allow(clippy::too_many_arguments)]
    fn check_signature(
        &self,
        pdf: &[u8],
        l: &dyn Lookup,
        cov: &dyn Fn(usize) -> Coverage,
        v: &lopdf::Dictionary,
        dss_certs: &[X509],
        dss_rev: &revocation::RevocationData,
        r: &mut SignatureReport,
    ) {
        let Some(parts) = signature::signed_ranges(pdf, l, cov, v, r) else {
            return;
        };
        let Some((cms_der, sd)) = signature::signed_data(v, r) else {
            return;
        };
        let doc_timestamp = r.sub_filter == "ETSI.RFC3161"
            || name(l, v.get(b"Type").ok()).as_deref() == Some("DocTimeStamp");
        let Some(si) = sd.signer_infos.0.iter().next() else {
            r.undecided("the CMS has no SignerInfo");
            return;
        };
        if sd.signer_infos.0.len() > 1 {
            r.warnings
                .push("the CMS has more than one SignerInfo: only the first is checked".into());
        }
        let certs: Vec<&Certificate> = sd
            .certificates
            .iter()
            .flat_map(|s| s.0.iter())
            .filter_map(|c| match c {
                cms::cert::CertificateChoices::Certificate(c) => Some(c),
                _ => None,
            })
            .collect();
        let Some(signer_cert) = certs
            .iter()
            .copied()
            .find(|c| signature::issued_for(c, &si.sid))
        else {
            r.undecided("the signer's certificate is not in the CMS");
            return;
        };
        r.signer = Some(signer_cert.tbs_certificate.subject.to_string());
        r.serial = Some(
            strip_zero(signer_cert.tbs_certificate.serial_number.as_bytes())
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect(),
        );
        let cert_der = signer_cert.to_der().unwrap_or_default();
        let chain = |leaf: &[u8], others: &[Vec<u8>]| self.chain_ok(leaf, others, dss_certs);
        if doc_timestamp {
            // ETSI.RFC3161 (PAdES B-LTA): /Contents is a time-stamp token whose imprint is the
            // hash of the signed bytes; the TSA is the "signer".
            let ts =
                der::Any::from_der(&cms_der).map(|token| timestamp::check(&token, &parts, &chain));
            match ts {
                Ok(ts) => {
                    r.intact = ts.imprint_matches && ts.signature_verifies;
                    if !ts.imprint_matches {
                        r.fail("digest mismatch: the time-stamped bytes were modified");
                    } else if !ts.signature_verifies {
                        r.fail("the document time-stamp's signature does not verify");
                    }
                    r.problems.extend(
                        ts.problems
                            .iter()
                            .map(|p| format!("document time-stamp: {p}")),
                    );
                    r.timestamp = Some(ts);
                }
                Err(e) => r.undecided(format!("the document time-stamp cannot be read: {e}")),
            }
        } else {
            r.intact = signature::check_cms(&sd, si, signer_cert, &cert_der, &parts, r);
            // Signature time-stamp (PAdES B-T).
            if let Some(token) = timestamp::token_of(si) {
                let ts = timestamp::check(token, &[si.signature.as_bytes()], &chain);
                r.problems
                    .extend(ts.problems.iter().map(|p| format!("time-stamp: {p}")));
                r.timestamp = Some(ts);
            }
        }

        let Some((signer_x509, issuer)) = self.trust_chain(&certs, &cert_der, dss_certs, r) else {
            return;
        };
        if let Some(issuer) = issuer {
            let cms_rev = revocation::from_cms(&sd, si, &self.cache);
            self.revocation(&signer_x509, &issuer, [dss_rev, &cms_rev], dss_certs, r);
        }
    }

    /// Chain and trust (OpenSSL's path validation): the signer's certificate and its issuer, if
    /// one is known (from the validated chain, else from the certificates at hand).
    fn trust_chain(
        &self,
        certs: &[&Certificate],
        cert_der: &[u8],
        dss_certs: &[X509],
        r: &mut SignatureReport,
    ) -> Option<(X509, Option<X509>)> {
        let Some(signer_x509) = self.x509(cert_der) else {
            r.undecided("the signer's certificate is not valid DER");
            return None;
        };
        let mut untrusted = Stack::new().ok()?;
        for c in certs {
            let Ok(der) = c.to_der() else { continue };
            if der == cert_der || self.trust_der.contains(&der) {
                continue;
            }
            if let Some(x) = self.x509(&der) {
                let _ = untrusted.push(x);
            }
        }
        for c in dss_certs {
            let _ = untrusted.push(c.clone());
        }
        let chain = X509StoreContext::new().and_then(|mut ctx| {
            ctx.init(&self.store, &signer_x509, &untrusted, |ctx| {
                let ok = ctx.verify_cert()?;
                let chain: Vec<X509> = ctx
                    .chain()
                    .map(|s| s.iter().map(|c| c.to_owned()).collect())
                    .unwrap_or_default();
                Ok((ok, ctx.error().error_string().to_string(), chain))
            })
        });
        let issuer = match chain {
            Ok((true, _, chain)) => {
                r.trusted = true;
                chain.get(1).cloned()
            }
            Ok((false, why, _)) => {
                r.undecided(format!("the certificate chain is not trusted: {why}"));
                untrusted
                    .iter()
                    .map(|c| c.to_owned())
                    .chain(self.trust.iter().cloned())
                    .find(|c| c.issued(&signer_x509) == openssl::x509::X509VerifyResult::OK)
            }
            Err(e) => {
                r.undecided(format!("the certificate chain could not be checked: {e}"));
                None
            }
        };
        Some((signer_x509, issuer))
    }
}

impl Verifier {
    /// Does `leaf` chain to a trust root (with `others` and the DSS as
    /// intermediates)? The reason when not.
    fn chain_ok(&self, leaf: &[u8], others: &[Vec<u8>], dss_certs: &[X509]) -> Result<(), String> {
        let leaf = self.x509(leaf).ok_or("the certificate is not valid DER")?;
        let mut untrusted = Stack::new().map_err(|e| e.to_string())?;
        for d in others {
            if self.trust_der.contains(d) {
                continue;
            }
            if let Some(x) = self.x509(d) {
                untrusted.push(x).map_err(|e| e.to_string())?;
            }
        }
        for c in dss_certs {
            untrusted.push(c.clone()).map_err(|e| e.to_string())?;
        }
        let (ok, why) = X509StoreContext::new()
            .and_then(|mut ctx| {
                ctx.init(&self.store, &leaf, &untrusted, |ctx| {
                    Ok((ctx.verify_cert()?, ctx.error().error_string().to_string()))
                })
            })
            .map_err(|e| e.to_string())?;
        if ok { Ok(()) } else { Err(why) }
    }
}

fn strip_zero(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&x| x == 0).count();
    &b[n.min(b.len().saturating_sub(1))..]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::pki::{DevPki, NewIdentity, load_p12};
    use crate::sign::{Placement, SignOptions, SignatureKind, sign_pdf};

    /// Our own signed files take the lazy path all the way: classic xref
    /// tables, and the earlier signature's coverage decided without lopdf.
    #[test]
    fn signed_files_are_read_lazily() {
        let dir = std::env::temp_dir().join(format!("trinhky-verify-lazy-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let pki = DevPki::create(
            &dir,
            "pass",
            &[NewIdentity::rsa("Org", "1")],
            &[NewIdentity::rsa("Person", "1")],
        )
        .unwrap();
        let load = |n: &str| {
            load_p12(&std::fs::read(&pki.get(n).unwrap().p12_path).unwrap(), "1").unwrap()
        };
        let pdf = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sign/two-page.pdf"
        ))
        .unwrap();
        let mut o = SignOptions {
            kind: SignatureKind::Personal,
            placement: Placement {
                page: 2,
                rect: [365.0, 591.0, 485.0, 639.0],
            },
            image: None,
            reason: None,
            location: None,
            name: None,
            time: chrono::DateTime::parse_from_rfc3339("2025-03-14T09:30:00+07:00").unwrap(),
            tsa_url: None,
            trust: Vec::new(),
        };
        let one = sign_pdf(&pdf, &load("Person"), &o).unwrap();
        o.kind = SignatureKind::Organization;
        o.trust = vec![pki.ca_cert().clone()];
        let two = sign_pdf(&one, &load("Org"), &o).unwrap();

        let objs = scan::Objects::new(&two, scan::xref_chain(&two).unwrap());
        assert!(objs.catalog().is_some());
        assert_eq!(signature_fields(&objs).len(), 2);
        assert_eq!(
            revisions::coverage(&two, &objs, one.len()),
            Some(Coverage::RevisionThenAllowed { revisions_after: 1 })
        );
        assert_eq!(
            revisions::coverage(&two, &objs, two.len()),
            Some(Coverage::WholeFile)
        );
        assert!(!objs.failed(), "every object was read lazily");
        let v = Verifier::new(&VerifyOptions {
            trust: &[pki.ca_cert().clone()],
            crls: &[],
            local_crl_dp: true,
            cache: None,
        })
        .unwrap();
        let (lazy, full) = (v.verify(&two).unwrap(), v.verify_parsed(&two).unwrap());
        assert_eq!(lazy.verdict, Verdict::Valid, "{lazy:#?}");
        assert_eq!(format!("{lazy:?}"), format!("{full:?}"));

        // Damaged files never panic, whichever path reads them.
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        for round in 0..300 {
            let mut bad = two.clone();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            if round % 10 == 0 {
                bad.truncate(usize::try_from(seed % two.len() as u64).unwrap());
            } else {
                for k in 0..4 {
                    let at = usize::try_from((seed >> (k * 8)) % two.len() as u64).unwrap();
                    bad[at] = (seed >> (k * 3)) as u8;
                }
            }
            let _ = v.verify(&bad);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
