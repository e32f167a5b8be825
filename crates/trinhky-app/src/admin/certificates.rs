//! Signing keys and certificates (chứng thư số) per key holder: heads and deputies (personal
//! certificates) and organisations with a clerk (the seal's certificate). The web pages and the
//! CLI (`trinhky pki import`, `trinhky pki revoke`) call the same functions. PINs and the
//! development CA's passphrase are parameters only: never stored, never logged.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use openssl::x509::{X509, X509NameRef};
use trinhky_domain::Role;
use trinhky_pdf::pki::{PkiError, load_p12};
use trinhky_pdf::sign::KeyAlgorithm;
use trinhky_store::entities::signing_key;
use trinhky_store::keys::{self, Owner};
use trinhky_store::{Store, accounts, directory};

use super::commit_err;
use crate::signing::Holder;
use crate::{AppError, Result};

/// Names a key holder: a person by username, an organisation by agency code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HolderRef {
    User(String),
    Agency(String),
}

impl HolderRef {
    /// From the URL's kind (`user` or `agency`) and handle.
    pub fn parse(kind: &str, handle: &str) -> Option<HolderRef> {
        match kind {
            "user" => Some(HolderRef::User(handle.to_owned())),
            "agency" => Some(HolderRef::Agency(handle.to_owned())),
            _ => None,
        }
    }
}

/// The owner and the holder's name; an unknown user or agency is an [`AppError::Invalid`].
pub async fn resolve(store: &Store, who: &HolderRef) -> Result<(Owner, String)> {
    match who {
        HolderRef::User(u) => {
            let m = accounts::user_by_username(store.db(), u)
                .await?
                .ok_or_else(|| AppError::Invalid(format!("no user \"{u}\": check the username")))?;
            Ok((Owner::User(m.id), m.full_name))
        }
        HolderRef::Agency(code) => {
            let a = directory::agency_by_code(store.db(), code)
                .await?
                .ok_or_else(|| {
                    AppError::Invalid(format!("no agency with code \"{code}\" in the directory"))
                })?;
            Ok((Owner::Agency(a.id), a.name))
        }
    }
}

fn name_line(n: &X509NameRef) -> String {
    n.entries()
        .map(|e| e.data().to_string().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(", ")
}

fn asn1_time(t: &openssl::asn1::Asn1TimeRef) -> Option<DateTime<Utc>> {
    let epoch = openssl::asn1::Asn1Time::from_unix(0).ok()?;
    let d = epoch.diff(t).ok()?;
    DateTime::from_timestamp(i64::from(d.days) * 86_400 + i64::from(d.secs), 0)
}

/// What a certificate says, for the page and the API.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CertInfo {
    pub key_id: i32,
    pub subject: String,
    pub issuer: String,
    /// Serial number, hexadecimal.
    pub serial: String,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_to: Option<DateTime<Utc>>,
    /// `valid`, `expired`, `not_yet_valid` or `revoked`.
    pub status: &'static str,
    pub stored_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl CertInfo {
    pub fn status_label(&self) -> &'static str {
        match self.status {
            "valid" => "Còn hiệu lực",
            "expired" => "Hết hạn",
            "not_yet_valid" => "Chưa có hiệu lực",
            "revoked" => "Đã thu hồi",
            _ => "Không đọc được",
        }
    }
}

/// Reads a stored key's certificate.
pub fn cert_info(key: &signing_key::Model, now: DateTime<Utc>) -> CertInfo {
    let cert = X509::from_pem(key.certificate_pem.as_bytes()).ok();
    let from = cert.as_ref().and_then(|c| asn1_time(c.not_before()));
    let to = cert.as_ref().and_then(|c| asn1_time(c.not_after()));
    let status = if cert.is_none() {
        "unreadable"
    } else if key.revoked_at.is_some() {
        "revoked"
    } else if to.is_some_and(|t| t < now) {
        "expired"
    } else if from.is_some_and(|f| f > now) {
        "not_yet_valid"
    } else {
        "valid"
    };
    CertInfo {
        key_id: key.id,
        subject: cert
            .as_ref()
            .map_or_else(|| key.subject.clone(), |c| name_line(c.subject_name())),
        issuer: cert
            .as_ref()
            .map(|c| name_line(c.issuer_name()))
            .unwrap_or_default(),
        serial: cert
            .as_ref()
            .and_then(|c| c.serial_number().to_bn().ok())
            .and_then(|b| b.to_hex_str().ok().map(|s| s.to_string()))
            .unwrap_or_default(),
        valid_from: from,
        valid_to: to,
        status,
        stored_at: key.created_at,
        revoked_at: key.revoked_at,
    }
}

/// One key holder with its current certificate.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct HolderView {
    /// `agency` or `user`.
    pub kind: &'static str,
    /// Agency code or username.
    pub handle: String,
    pub name: String,
    /// Where the holder signs: "Giám đốc, SNV" or the organisation's code.
    pub position: String,
    pub current: Option<CertInfo>,
    /// Keys of this holder that were revoked.
    pub revoked: usize,
}

/// Every key holder: organisations with a clerk and heads and deputies (as the development CA
/// serves them), plus anyone else who has a key, organisations first.
pub async fn holders(store: &Store, now: DateTime<Utc>) -> Result<Vec<HolderView>> {
    let db = store.db();
    let all_keys = keys::all_keys(db).await?;
    let of = |owner: Owner| -> (Option<CertInfo>, usize) {
        let mine: Vec<&signing_key::Model> = all_keys
            .iter()
            .filter(|k| Owner::of(k) == Some(owner))
            .collect();
        (
            mine.iter()
                .find(|k| k.revoked_at.is_none())
                .map(|k| cert_info(k, now)),
            mine.iter().filter(|k| k.revoked_at.is_some()).count(),
        )
    };
    let mut orgs = Vec::new();
    let mut people: Vec<HolderView> = Vec::new();
    for a in directory::agencies(db).await? {
        let members = accounts::agency_members(db, a.id).await?;
        let (current, revoked) = of(Owner::Agency(a.id));
        if members.iter().any(|(_, r, _)| *r == Role::Clerk) || current.is_some() || revoked > 0 {
            orgs.push(HolderView {
                kind: "agency",
                handle: a.code.clone(),
                name: a.name.clone(),
                position: a.code.clone(),
                current,
                revoked,
            });
        }
        for (u, r, title) in members {
            let (current, revoked) = of(Owner::User(u.id));
            let signs = matches!(r, Role::AgencyHead | Role::DeputyHead);
            if let Some(p) = people.iter_mut().find(|p| p.handle == u.username) {
                if signs {
                    p.position = format!("{}; {title}, {}", p.position, a.code);
                }
                continue;
            }
            if signs || current.is_some() || revoked > 0 {
                people.push(HolderView {
                    kind: "user",
                    handle: u.username.clone(),
                    name: u.full_name.clone(),
                    position: if signs {
                        format!("{title}, {}", a.code)
                    } else {
                        a.code.clone()
                    },
                    current,
                    revoked,
                });
            }
        }
    }
    people.sort_by(|a, b| a.handle.cmp(&b.handle));
    orgs.extend(people);
    Ok(orgs)
}

/// Issues development certificates (the CA in `pki_dir`, created when absent) to the holders
/// without a key, or only to `only`. Returns the holders served.
#[allow(clippy::too_many_arguments)]
pub async fn issue_dev(
    store: &Store,
    kek: &crate::kek::Kek,
    actor: &str,
    pki_dir: &Path,
    ca_passphrase: &str,
    pin: &str,
    alg: KeyAlgorithm,
    only: Option<&HolderRef>,
) -> Result<Vec<Holder>> {
    if ca_passphrase.is_empty() {
        return Err(AppError::Invalid(
            "Nhập mật khẩu của CA phát triển (mật khẩu đã dùng khi tạo CA, ví dụ khi chạy trinhky pki init)."
                .into(),
        ));
    }
    crate::signing::check_new_pin(pin)?;
    let mut wanted = crate::signing::holders_without_keys(store).await?;
    if let Some(who) = only {
        let (owner, name) = resolve(store, who).await?;
        wanted.retain(|h| h.owner == owner);
        if wanted.is_empty() {
            return Err(AppError::Conflict(format!(
                "{name} đã có chứng thư số đang dùng, hoặc không phải người ký hay cơ quan có văn thư: thu hồi chứng thư cũ trước khi cấp mới."
            )));
        }
    }
    if wanted.is_empty() {
        return Err(AppError::Conflict(
            "Mọi người ký và cơ quan đều đã có chứng thư số: không có gì để cấp.".into(),
        ));
    }
    crate::signing::issue_dev_keys_to(
        store,
        kek,
        pki_dir,
        ca_passphrase,
        pin,
        alg,
        actor,
        wanted,
        |_| {},
    )
    .await
}

/// What an import stored.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Imported {
    pub holder: String,
    pub subject: String,
    pub valid_to: Option<DateTime<Utc>>,
    /// Certificates of the chain embedded with each signature.
    pub chain: usize,
}

/// Makes a PKCS#12 the holder's signing key: unlocked with `pin` to check it (the PIN is not
/// stored; the file stays encrypted with it and is stored wrapped with the KEK of `signing`), refused when
/// expired or when its PIN is shorter than the policy allows.
pub async fn import_p12(
    store: &Store,
    signing: &crate::signing::Signing,
    actor: &str,
    who: &HolderRef,
    p12: &[u8],
    pin: &str,
    now: DateTime<Utc>,
) -> Result<Imported> {
    use trinhky_pdf::sign::Signer as _;
    let (owner, holder) = resolve(store, who).await?;
    if p12.is_empty() {
        return Err(AppError::Invalid(
            "Chưa chọn tệp PKCS#12 (.p12, .pfx).".into(),
        ));
    }
    crate::signing::check_import_pin(pin)?;
    let (bytes, pin_owned) = (p12.to_vec(), pin.to_owned());
    let signer = signing
        .cpu
        .run(move || load_p12(&bytes, &pin_owned))
        .await
        .map_err(|e| match e {
            PkiError::WrongPin => AppError::Invalid(
                "Mã PIN không mở được tệp PKCS#12: kiểm tra lại mã PIN; chưa nhập gì.".into(),
            ),
            PkiError::InvalidP12(why) => AppError::Invalid(format!(
                "Tệp không phải PKCS#12 đọc được (.p12, .pfx): {why}"
            )),
            PkiError::Incomplete(what) => {
                AppError::Invalid(format!("Tệp PKCS#12 không chứa {what}."))
            }
            other => AppError::Invalid(format!("Tệp PKCS#12 không dùng để ký được: {other}")),
        })?;
    let cert = signer.certificate();
    let subject = name_line(cert.subject_name());
    let valid_to = asn1_time(cert.not_after());
    if valid_to.is_some_and(|t| t < now) {
        return Err(AppError::Invalid(format!(
            "Chứng thư trong tệp đã hết hạn ngày {}: đề nghị tổ chức cung cấp dịch vụ chứng thực cấp chứng thư mới.",
            valid_to
                .map(|t| trinhky_domain::time::dmy(t.date_naive()))
                .unwrap_or_default()
        )));
    }
    let pem = cert
        .to_pem()
        .map_err(|e| AppError::Internal(format!("certificate to PEM: {e}")))?;
    let pem = String::from_utf8_lossy(&pem).into_owned();
    let txn = store.begin_write().await?;
    crate::signing::store_key(&txn, signing.kek()?, actor, owner, &subject, &pem, p12).await?;
    txn.commit().await.map_err(commit_err)?;
    Ok(Imported {
        holder,
        subject,
        valid_to,
        chain: signer.chain_der().len(),
    })
}

/// Whether the holder's current certificate was issued by the development CA in `pki_dir` (its
/// revocation then goes into that CA's CRL, which needs the CA's passphrase). Checked by the
/// CA's signature, not by name.
pub async fn issued_by_dev_ca(store: &Store, who: &HolderRef, pki_dir: &Path) -> Result<bool> {
    let (owner, _) = resolve(store, who).await?;
    let Some(key) = keys::current_key(store.db(), owner).await? else {
        return Ok(false);
    };
    dev_ca_of(&key, pki_dir).map(|c| c.is_some())
}

fn dev_ca_of(key: &signing_key::Model, pki_dir: &Path) -> Result<Option<X509>> {
    let ca_path = pki_dir.join("ca.pem");
    if !ca_path.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(&ca_path).map_err(|e| AppError::Io {
        path: ca_path.display().to_string(),
        reason: e.to_string(),
    })?;
    let ca = X509::from_pem(&bytes).map_err(|e| AppError::Io {
        path: ca_path.display().to_string(),
        reason: format!("not a PEM certificate: {e}"),
    })?;
    let cert = X509::from_pem(key.certificate_pem.as_bytes())
        .map_err(|e| AppError::Internal(format!("stored certificate {}: {e}", key.id)))?;
    let signed_by_ca = ca
        .public_key()
        .and_then(|k| cert.verify(&k))
        .unwrap_or(false);
    Ok(signed_by_ca.then_some(ca))
}

/// What a revocation did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Revoked {
    pub holder: String,
    pub subject: String,
    /// The development CA's new CRL, when it issued the certificate.
    pub crl: Option<PathBuf>,
}

/// Retires the holder's current key (kept for verifying old documents). A certificate of the
/// development CA in `pki_dir` is first listed in a new CRL, which needs `ca_passphrase`; when
/// that fails nothing changes.
pub async fn revoke(
    store: &Store,
    actor: &str,
    who: &HolderRef,
    pki_dir: &Path,
    ca_passphrase: Option<&str>,
) -> Result<Revoked> {
    let (owner, holder) = resolve(store, who).await?;
    let Some(key) = keys::current_key(store.db(), owner).await? else {
        return Err(AppError::Invalid(format!(
            "{holder} không có chứng thư số đang dùng để thu hồi."
        )));
    };
    let mut crl = None;
    if dev_ca_of(&key, pki_dir)?.is_some() {
        let Some(pass) = ca_passphrase.filter(|p| !p.is_empty()) else {
            return Err(AppError::Invalid(
                "Chứng thư do CA phát triển cấp: nhập mật khẩu của CA để đưa chứng thư vào danh sách thu hồi (CRL)."
                    .into(),
            ));
        };
        let cert = X509::from_pem(key.certificate_pem.as_bytes())
            .map_err(|e| AppError::Internal(format!("stored certificate {}: {e}", key.id)))?;
        let mut pki = trinhky_pdf::pki::DevPki::open(pki_dir, pass).map_err(|e| match e {
            PkiError::WrongPassphrase(_) => AppError::Invalid(
                "Mật khẩu của CA phát triển không đúng: chứng thư chưa bị thu hồi.".into(),
            ),
            other => {
                AppError::Internal(format!("development CA in {}: {other}", pki_dir.display()))
            }
        })?;
        crl = Some(
            pki.revoke(&cert)
                .map_err(|e| AppError::Internal(format!("revoking in the development CA: {e}")))?,
        );
    }
    let txn = store.begin_write().await?;
    keys::revoke_current(&txn, actor, owner).await?;
    txn.commit().await.map_err(commit_err)?;
    Ok(Revoked {
        holder,
        subject: key.subject,
        crl,
    })
}
