//! Verification of signed PDFs for display (kiểm tra chữ ký số), bounded and cached.
//!
//! - Every verification runs on the application's [`crate::cpu::CpuPool`], never on an async
//!   worker, so at most its permits' worth of cores verify at once.
//! - An outcome is cached per (SHA-256 of the file, fingerprint of the trust configuration):
//!   later views of the same file show the cached badges without verifying again. The cache is
//!   bounded ([`RESULT_CACHE_ENTRIES`], least recently used out first) and an entry lives at
//!   most [`RESULT_TTL`], since time alone changes an outcome (an expiring certificate, a CRL
//!   past its next update).
//! - The trust configuration is read from the data folder (the development CA `pki/ca.pem`,
//!   every PEM in `trust/`, and the CRLs beside them) and re-read when one of those files
//!   changes, so a root an administrator adds takes effect on the next view: the fingerprint
//!   changes, and so does every cache key.
//!
//! Three outcomes per signature (ETSI EN 319 102-1): valid, invalid, indeterminate; the page
//! badge and the JSON carry them as [`Badge`].

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use hashlink::LruCache;
use openssl::x509::X509;
use sha2::{Digest, Sha256};
use trinhky_store::{Store, blobs};

use crate::Result;
use crate::signing::Signing;

/// Outcomes kept at most (each is a few hundred bytes per signature).
pub const RESULT_CACHE_ENTRIES: usize = 1024;

/// How long a cached outcome is shown before the file is verified again.
pub const RESULT_TTL: Duration = Duration::from_secs(600);

/// Bumped when what a verification computes for display changes (a new rule, a new label).
const FINGERPRINT_VERSION: &[u8] = b"trinhky verification for display v1";

/// The outcome of one signature (ETSI EN 319 102-1), as the badge class and the JSON name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Badge {
    /// Intact, by a trusted certificate, not revoked, no disallowed change after signing.
    Valid,
    /// Evidence that it is wrong: bytes changed, a bad signature value, a disallowed change
    /// after signing, a certificate revoked before signing.
    Invalid,
    /// It cannot be decided: an unknown chain, an unsupported algorithm, no revocation data, a
    /// file too complex.
    Indeterminate,
}

impl Badge {
    /// The CSS class and JSON value.
    pub fn as_str(self) -> &'static str {
        match self {
            Badge::Valid => "valid",
            Badge::Invalid => "invalid",
            Badge::Indeterminate => "indeterminate",
        }
    }

    /// The label users read.
    pub fn label(self) -> &'static str {
        match self {
            Badge::Valid => "Hợp lệ",
            Badge::Invalid => "Không hợp lệ",
            Badge::Indeterminate => "Chưa xác định được",
        }
    }
}

/// `badge == "valid"`: what callers compared before the badge had a type.
impl PartialEq<&str> for Badge {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for Badge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One signature as shown to users: who, when, and an outcome with its reason in Vietnamese.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SignatureView {
    pub signer: String,
    pub time: String,
    /// valid, invalid or indeterminate (ETSI EN 319 102-1).
    pub status: Badge,
    pub label: String,
    pub detail: String,
}

// ---- the trust configuration ----

/// The roots and CRL inputs verification uses now, and their fingerprint.
#[derive(Debug)]
pub struct TrustConfig {
    pub roots: Vec<X509>,
    /// The CRL files (DER) kept beside the roots: revocation data for offline deployments.
    pub crls: Vec<Vec<u8>>,
    /// SHA-256 over the roots' DER, the CRL files' bytes and the options.
    pub fingerprint: [u8; 32],
}

impl TrustConfig {
    fn new(roots: Vec<X509>, crls: &[Vec<u8>]) -> Self {
        let mut root_hashes: Vec<[u8; 32]> = roots
            .iter()
            .filter_map(|r| r.to_der().ok())
            .map(|d| Sha256::digest(&d).into())
            .collect();
        root_hashes.sort_unstable();
        root_hashes.dedup();
        let mut crl_hashes: Vec<[u8; 32]> = crls.iter().map(|c| Sha256::digest(c).into()).collect();
        crl_hashes.sort_unstable();
        let mut h = Sha256::new();
        h.update(FINGERPRINT_VERSION);
        // The options of `verify_for_display`: no caller CRLs, local distribution points read.
        h.update(b"local_crl_dp=1;crls=trust;");
        h.update((root_hashes.len() as u64).to_be_bytes());
        for r in &root_hashes {
            h.update(r);
        }
        h.update((crl_hashes.len() as u64).to_be_bytes());
        for c in &crl_hashes {
            h.update(c);
        }
        let crls = crls
            .iter()
            .map(|c| {
                openssl::x509::X509Crl::from_pem(c)
                    .and_then(|x| x.to_der())
                    .unwrap_or_else(|_| c.clone())
            })
            .collect();
        TrustConfig {
            roots,
            crls,
            fingerprint: h.finalize().into(),
        }
    }
}

/// What the trust files looked like when last read: path, size and modification time of each.
type Stamp = Vec<(PathBuf, u64, Option<SystemTime>)>;

/// The trust configuration, re-read from the data folder when its files change.
#[derive(Debug, Default)]
pub struct Trust {
    /// The data folder (`pki/`, `trust/` under it); `None`: the roots the caller holds.
    data_dir: Option<PathBuf>,
    current: Mutex<Option<(Stamp, Arc<TrustConfig>)>>,
}

fn is_cert(p: &Path) -> bool {
    p.extension().is_some_and(|x| x == "pem" || x == "crt")
}

fn is_crl(p: &Path) -> bool {
    p.extension().is_some_and(|x| x == "crl")
}

impl Trust {
    /// Roots read from `data_dir` (the development CA, `trust/`), re-read when they change.
    pub fn watching(data_dir: &Path) -> Self {
        Trust {
            data_dir: Some(data_dir.to_owned()),
            ..Default::default()
        }
    }

    /// The trust files: the development CA and its CRL, then `trust/` in name order.
    fn files(data_dir: &Path) -> Vec<PathBuf> {
        let pki = data_dir.join("pki");
        let mut out = vec![pki.join("ca.pem"), pki.join("ca.crl")];
        if let Ok(rd) = std::fs::read_dir(data_dir.join("trust")) {
            let mut more: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_cert(p) || is_crl(p))
                .collect();
            more.sort();
            out.extend(more);
        }
        out
    }

    fn stamp(files: &[PathBuf]) -> Stamp {
        files
            .iter()
            .filter_map(|p| {
                let m = std::fs::metadata(p).ok()?;
                Some((p.clone(), m.len(), m.modified().ok()))
            })
            .collect()
    }

    /// Reads the roots and CRLs named by `stamp`; an unreadable file is left out with a warning
    /// (the server keeps verifying with the rest).
    fn read(stamp: &Stamp) -> TrustConfig {
        let mut roots = Vec::new();
        let mut crls = Vec::new();
        for (path, _, _) in stamp {
            let bytes = match std::fs::read(path) {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "trust file unreadable");
                    continue;
                }
            };
            if is_crl(path) {
                crls.push(bytes);
                continue;
            }
            match X509::stack_from_pem(&bytes) {
                Ok(certs) => roots.extend(certs),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "not a PEM certificate file: left out of the trust roots");
                }
            }
        }
        TrustConfig::new(roots, &crls)
    }

    /// The configuration now: the last one read while the files are unchanged (a few `stat`
    /// calls), else read again. Without a data folder: exactly `held` (the roots the
    /// [`Signing`] was built with).
    pub fn current(&self, held: &[X509]) -> Arc<TrustConfig> {
        let Some(dir) = &self.data_dir else {
            return Arc::new(TrustConfig::new(held.to_vec(), &[]));
        };
        let mut guard = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let stamp = Self::stamp(&Self::files(dir));
        if let Some((seen, c)) = guard.as_ref()
            && *seen == stamp
        {
            return c.clone();
        }
        let c = Arc::new(Self::read(&stamp));
        *guard = Some((stamp, c.clone()));
        c
    }
}

// ---- the result cache ----

type Key = ([u8; 32], [u8; 32]);

struct Entry {
    views: Arc<Vec<SignatureView>>,
    at: Instant,
}

/// Outcomes per (file SHA-256, trust fingerprint), bounded, with a count of the verifications
/// actually run.
pub struct ResultCache {
    entries: Mutex<LruCache<Key, Entry>>,
    ttl: Duration,
    verifications: AtomicU64,
}

impl Default for ResultCache {
    fn default() -> Self {
        ResultCache::new(RESULT_CACHE_ENTRIES, RESULT_TTL)
    }
}

impl std::fmt::Debug for ResultCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultCache")
            .field("verifications", &self.verifications())
            .finish_non_exhaustive()
    }
}

impl ResultCache {
    /// At most `capacity` outcomes (at least one), each shown for at most `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        ResultCache {
            entries: Mutex::new(LruCache::new(capacity.max(1))),
            ttl,
            verifications: AtomicU64::new(0),
        }
    }

    /// How many verifications ran (cache misses) since start.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Outcomes kept now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Key, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, key: &Key) -> Option<Arc<Vec<SignatureView>>> {
        let mut c = self.lock();
        let found = c
            .get(key)
            .map(|e| (e.at.elapsed() < self.ttl, e.views.clone()));
        match found {
            Some((true, views)) => Some(views),
            Some((false, _)) => {
                c.remove(key);
                None
            }
            None => None,
        }
    }

    fn put(&self, key: Key, views: Arc<Vec<SignatureView>>) {
        self.lock().insert(
            key,
            Entry {
                views,
                at: Instant::now(),
            },
        );
    }
}

// ---- verifying ----

fn sha_from_hex(hex_sha: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_sha, &mut out).ok()?;
    Some(out)
}

/// Verifies `pdf` (whose SHA-256 is `sha`) on the CPU pool unless the outcome for this file
/// and trust configuration is cached.
async fn verify_cached(
    signing: &Arc<Signing>,
    sha: [u8; 32],
    trust: Arc<TrustConfig>,
    pdf: Vec<u8>,
) -> Vec<SignatureView> {
    let key = (sha, trust.fingerprint);
    if let Some(v) = signing.verified.get(&key) {
        return v.as_ref().clone();
    }
    let s = signing.clone();
    let views = Arc::new(
        signing
            .cpu
            .run(move || {
                s.verified.verifications.fetch_add(1, Ordering::Relaxed);
                verify_with(&s, &trust, &pdf)
            })
            .await,
    );
    signing.verified.put(key, views.clone());
    views.as_ref().clone()
}

/// The signatures of `pdf`, verified on the CPU pool (hashed there too), or from the cache.
pub async fn verify_in_pool(signing: &Arc<Signing>, pdf: Vec<u8>) -> Vec<SignatureView> {
    let trust = signing.trust_now();
    let (sha, pdf) = signing
        .cpu
        .run(move || {
            let sha: [u8; 32] = Sha256::digest(&pdf).into();
            (sha, pdf)
        })
        .await;
    verify_cached(signing, sha, trust, pdf).await
}

/// The signatures of the stored file `sha256` (hex): from the cache without reading the file,
/// else read and verified on the CPU pool. A missing file has no signatures.
pub async fn verify_blob(
    store: &Store,
    signing: &Arc<Signing>,
    sha256: &str,
) -> Result<Vec<SignatureView>> {
    let trust = signing.trust_now();
    let Some(sha) = sha_from_hex(sha256) else {
        return Err(crate::AppError::Internal(format!(
            "blob address {sha256:?} is not a SHA-256"
        )));
    };
    if let Some(v) = signing.verified.get(&(sha, trust.fingerprint)) {
        return Ok(v.as_ref().clone());
    }
    let Some(blob) = blobs::get(store.db(), sha256).await? else {
        return Ok(Vec::new());
    };
    Ok(verify_cached(signing, sha, trust, blob.data).await)
}

/// Verifies every signature of `pdf` against the trust configuration now (roots and the CRLs
/// embedded or beside the dev CA), for display, on the calling thread (the CLI, tests); the
/// web pages call [`verify_in_pool`] or [`verify_blob`]. An unreadable file gives one
/// "indeterminate" entry saying why.
pub fn verify_for_display(signing: &Signing, pdf: &[u8]) -> Vec<SignatureView> {
    let trust = signing.trust_now();
    verify_with(signing, &trust, pdf)
}

fn verify_with(signing: &Signing, trust: &TrustConfig, pdf: &[u8]) -> Vec<SignatureView> {
    use trinhky_pdf::verify::{VerifyOptions, verify_pdf_with};
    let report = match verify_pdf_with(
        pdf,
        &VerifyOptions {
            trust: &trust.roots,
            crls: &trust.crls,
            local_crl_dp: true,
            cache: Some(&signing.verify_cache),
        },
    ) {
        Ok(r) => r,
        Err(e) => {
            return vec![SignatureView {
                signer: String::new(),
                time: String::new(),
                status: Badge::Indeterminate,
                label: Badge::Indeterminate.label().to_owned(),
                detail: format!("Không kiểm tra được chữ ký số của tệp: {e}"),
            }];
        }
    };
    report
        .signatures
        .iter()
        .map(|s| {
            let signer = s
                .signer
                .as_deref()
                .and_then(|x| {
                    x.split(',')
                        .find_map(|p| p.trim().strip_prefix("CN="))
                        .map(str::to_owned)
                })
                .or_else(|| s.signer.clone())
                .unwrap_or_else(|| s.field.clone());
            let (status, detail) = display_status(s);
            SignatureView {
                signer,
                time: s.signing_time.as_deref().map(pdf_time).unwrap_or_default(),
                status,
                label: status.label().to_owned(),
                detail,
            }
        })
        .collect()
}

/// The badge for one signature and its reason, in Vietnamese.
fn display_status(s: &trinhky_pdf::verify::SignatureReport) -> (Badge, String) {
    use trinhky_pdf::verify::{Coverage, Revocation, Status};
    let cover = match &s.coverage {
        Coverage::WholeFile => "phủ toàn bộ tệp".to_owned(),
        Coverage::RevisionThenAllowed { .. } => {
            "sau chữ ký chỉ có các thay đổi được phép (điền số, ngày; ký tiếp)".to_owned()
        }
        Coverage::OtherChanges { changes } => changes.join("; "),
    };
    let algorithms = match (&s.digest_algorithm, &s.signature_algorithm) {
        (Some(d), Some(a)) => format!(" ({a}, {d})"),
        _ => String::new(),
    };
    match s.status {
        Status::Valid => {
            let rev = match s.revocation {
                Revocation::Good => "chứng thư chưa bị thu hồi",
                Revocation::Revoked { .. } => {
                    "chứng thư bị thu hồi sau thời điểm ký có dấu thời gian"
                }
                Revocation::Unknown => "",
            };
            (
                Badge::Valid,
                format!("Toàn vẹn{algorithms}, chứng thư tin cậy, {rev}; {cover}."),
            )
        }
        Status::Indeterminate => {
            let mut why: Vec<String> = Vec::new();
            if !s.trusted {
                why.push(
                    "chứng thư không thuộc tổ chức cung cấp dịch vụ tin cậy đã cấu hình".into(),
                );
            }
            if s.revocation == Revocation::Unknown && s.trusted {
                why.push("chưa có thông tin thu hồi (CRL/OCSP)".into());
            }
            why.extend(s.problems.iter().cloned());
            (
                Badge::Indeterminate,
                format!(
                    "Không đủ căn cứ để kết luận hợp lệ hay không{algorithms}: {}",
                    why.join("; ")
                ),
            )
        }
        Status::Invalid => {
            let mut why: Vec<String> = Vec::new();
            if s.problems.iter().any(|p| p.contains("bytes were modified")) {
                why.push("nội dung đã bị thay đổi sau khi ký".into());
            }
            if let Revocation::Revoked { at } = &s.revocation {
                why.push(format!("chứng thư đã bị thu hồi ({at})"));
            }
            if let Coverage::OtherChanges { changes } = &s.coverage {
                why.push(format!(
                    "có thay đổi không được phép sau chữ ký: {}",
                    changes.join("; ")
                ));
            }
            why.extend(s.problems.iter().cloned());
            (Badge::Invalid, why.join("; "))
        }
    }
}

fn pdf_time(m: &str) -> String {
    // D:YYYYMMDDHHmmSS+07'00' → dd/mm/yyyy HH:mm:ss +07:00
    let d = m.trim_start_matches("D:");
    if d.len() >= 14 && d[..14].bytes().all(|b| b.is_ascii_digit()) {
        let tz = d[14..].replace('\'', "");
        let tz = if tz.len() == 5 {
            format!(" {}:{}", &tz[..3], &tz[3..])
        } else {
            String::new()
        };
        format!(
            "{}/{}/{} {}:{}:{}{tz}",
            &d[6..8],
            &d[4..6],
            &d[..4],
            &d[8..10],
            &d[10..12],
            &d[12..14]
        )
    } else {
        m.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use trinhky_pdf::pki::{DevPki, NewIdentity, load_p12};
    use trinhky_pdf::sign::{Placement, SignOptions, SignatureKind, sign_pdf};

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "trinhky-verification-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A PDF signed by a person of a CA made in `dir` (with its CRL published beside it).
    fn signed_by_other_ca(dir: &Path) -> (Vec<u8>, X509) {
        let pki =
            DevPki::create(dir, "pass", &[], &[NewIdentity::rsa("Bộ Ngoại giao", "1")]).unwrap();
        let signer = load_p12(
            &std::fs::read(&pki.get("Bộ Ngoại giao").unwrap().p12_path).unwrap(),
            "1",
        )
        .unwrap();
        let pdf = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trinhky-pdf/tests/fixtures/sign/two-page.pdf"
        ))
        .unwrap();
        let opts = SignOptions {
            kind: SignatureKind::Personal,
            placement: Placement {
                page: 2,
                rect: [365.0, 591.0, 485.0, 639.0],
            },
            image: None,
            reason: None,
            location: None,
            name: None,
            time: trinhky_domain::time::vn(chrono::Utc::now()),
            tsa_url: None,
            trust: Vec::new(),
        };
        (
            sign_pdf(&pdf, &signer, &opts).unwrap(),
            pki.ca_cert().clone(),
        )
    }

    #[tokio::test]
    async fn a_second_view_does_not_verify_again_and_a_new_root_changes_the_outcome() {
        let base = scratch("cache");
        let data = base.join("data");
        std::fs::create_dir_all(&data).unwrap();
        let (pdf, ca) = signed_by_other_ca(&base.join("other-ca"));
        let signing = Arc::new(Signing::load(&data, &data, None).unwrap());

        let first = verify_in_pool(&signing, pdf.clone()).await;
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].status, Badge::Indeterminate, "{first:?}");
        assert_eq!(first[0].label, "Chưa xác định được");
        assert_eq!(signing.verified.verifications(), 1);
        let second = verify_in_pool(&signing, pdf.clone()).await;
        assert_eq!(signing.verified.verifications(), 1, "served from the cache");
        assert_eq!(format!("{first:?}"), format!("{second:?}"));

        // The administrator puts the CA in the trust folder: no restart, a new key.
        let before = signing.trust_now().fingerprint;
        std::fs::create_dir_all(data.join("trust")).unwrap();
        std::fs::write(data.join("trust/other-ca.pem"), ca.to_pem().unwrap()).unwrap();
        assert_ne!(signing.trust_now().fingerprint, before);
        let trusted = verify_in_pool(&signing, pdf.clone()).await;
        assert_eq!(signing.verified.verifications(), 2);
        assert_eq!(trusted[0].status, Badge::Valid, "{trusted:?}");
        assert_eq!(trusted[0].label, "Hợp lệ");
        verify_in_pool(&signing, pdf.clone()).await;
        assert_eq!(signing.verified.verifications(), 2);

        // Removing it again brings the old configuration (and its cached outcome) back.
        std::fs::remove_file(data.join("trust/other-ca.pem")).unwrap();
        assert_eq!(signing.trust_now().fingerprint, before);
        let again = verify_in_pool(&signing, pdf).await;
        assert_eq!(again[0].status, Badge::Indeterminate);
        assert_eq!(signing.verified.verifications(), 2);
        let _ = std::fs::remove_dir_all(&base);
    }

    #[tokio::test]
    async fn a_changed_crl_is_a_new_trust_configuration() {
        let base = scratch("crl");
        std::fs::create_dir_all(base.join("trust")).unwrap();
        let signing = Signing::load(&base, &base, None).unwrap();
        let empty = signing.trust_now().fingerprint;
        std::fs::write(base.join("trust/ca.crl"), b"one").unwrap();
        let one = signing.trust_now().fingerprint;
        std::fs::write(base.join("trust/ca.crl"), b"other").unwrap();
        let other = signing.trust_now().fingerprint;
        assert!(empty != one && one != other && empty != other);
        let _ = std::fs::remove_dir_all(&base);
    }

    #[tokio::test]
    async fn verification_waits_for_a_permit_of_the_cpu_pool() {
        let base = scratch("pool");
        let (pdf, _) = signed_by_other_ca(&base.join("ca"));
        let pool = crate::cpu::CpuPool::new(1);
        let signing = Arc::new(
            Signing::load(&base, &base, None)
                .unwrap()
                .with_cpu(pool.clone()),
        );
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let busy = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(move || wait.recv().ok()).await }
        });
        while pool.available() > 0 {
            tokio::task::yield_now().await;
        }
        let blocked = tokio::time::timeout(
            Duration::from_millis(300),
            verify_in_pool(&signing, pdf.clone()),
        )
        .await;
        assert!(blocked.is_err(), "verified while every permit was taken");
        assert_eq!(signing.verified.verifications(), 0);
        release.send(()).unwrap();
        busy.await.unwrap();
        assert_eq!(verify_in_pool(&signing, pdf).await.len(), 1);
        assert_eq!(signing.verified.verifications(), 1);
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn the_cache_is_bounded_and_entries_expire() {
        let view = |n: &str| {
            Arc::new(vec![SignatureView {
                signer: n.into(),
                time: String::new(),
                status: Badge::Valid,
                label: Badge::Valid.label().into(),
                detail: String::new(),
            }])
        };
        let c = ResultCache::new(2, Duration::from_secs(60));
        for i in 0..3u8 {
            c.put(([i; 32], [0; 32]), view(&i.to_string()));
        }
        assert_eq!(c.len(), 2);
        assert!(c.get(&([0; 32], [0; 32])).is_none(), "the oldest went out");
        assert_eq!(c.get(&([2; 32], [0; 32])).unwrap()[0].signer, "2");
        assert!(
            c.get(&([2; 32], [1; 32])).is_none(),
            "another trust configuration"
        );

        let expired = ResultCache::new(2, Duration::ZERO);
        expired.put(([0; 32], [0; 32]), view("x"));
        assert!(expired.get(&([0; 32], [0; 32])).is_none());
        assert!(expired.is_empty());
    }

    #[test]
    fn badges_serialize_as_their_names() {
        assert_eq!(
            serde_json::to_string(&[Badge::Valid, Badge::Invalid, Badge::Indeterminate]).unwrap(),
            r#"["valid","invalid","indeterminate"]"#
        );
        assert!(Badge::Invalid == "invalid");
    }
}
