//! Digital signatures inside the workflow (chữ ký số).
//!
//! - At approval (`sign_personal`) the head's PKCS#12 is unlocked with the PIN typed into the
//!   approval form, empty read-only fields are put over "Số:" and the date line, and the rendered
//!   PDF is signed with the head's signature image centred between position and name.
//! - At issuing (`sign_organization`) the clerk unlocks the organisation's key, the number and date
//!   are written into those fields (form filling, which the head's signature permits) and the
//!   organisation signs with its seal over the left third of the head's signature.
//!
//! Keys live in `signing_keys`: PKCS#12 blobs encrypted with the holder's PIN (never stored) and
//! wrapped with the key-encryption key ([`crate::kek`], never in the database); they are unwrapped
//! and unlocked in memory only, at signing time. New PINs have at least [`PIN_MIN_DIGITS`] digits.
//! A wrong PIN changes nothing and counts as a failed attempt. PINs are throttled like
//! passwords ([`crate::throttle`], [`Policy::PIN`]): per (key, person typing) a few free
//! failures, then a growing delay (capped at a few minutes) during which the PIN is not checked;
//! a much higher ceiling per key applies only to people who failed on it themselves, so one
//! clerk cannot keep the agency's seal key locked for the others. The start of a delay is
//! audited (`signing.pin_lockout`).
//!
//! Glossary: chữ ký số = digital signature; ký duyệt = approve and sign; dấu = seal;
//! văn thư = clerk; số, ký hiệu = number and code; chứng thư số = certificate.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use openssl::x509::X509;
use trinhky_domain::time;
use trinhky_pdf::form::{self, Fill, TextField};
use trinhky_pdf::pki::{self, PkiError};
use trinhky_pdf::sign::{
    LocalSigner, Placement, SignOptions, SignatureImage, SignatureKind, sign_pdf,
};
use trinhky_render::Slots;
use trinhky_store::audit::{self, AuditInput};
use trinhky_store::{Store, accounts, keys};

use crate::kek::Kek;
use crate::throttle::{self, Gate, Policy};
use crate::{AppError, Code, Result};

/// Shortest PIN accepted for a new key (digits only for keys issued here).
pub const PIN_MIN_DIGITS: usize = 6;

/// The PIN policy for keys issued here: at least [`PIN_MIN_DIGITS`] digits, nothing else.
pub fn check_new_pin(pin: &str) -> Result<()> {
    if pin.chars().count() < PIN_MIN_DIGITS || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::new(
            Code::PinPolicy,
            format!(
                "Mã PIN của khóa mới phải gồm ít nhất {PIN_MIN_DIGITS} chữ số (chỉ gồm các số 0–9)."
            ),
        ));
    }
    Ok(())
}

/// The PIN policy for an imported PKCS#12: its password has at least [`PIN_MIN_DIGITS`]
/// characters (a licensed CA may use letters too).
pub fn check_import_pin(pin: &str) -> Result<()> {
    if pin.chars().count() < PIN_MIN_DIGITS {
        return Err(AppError::new(
            Code::PinPolicy,
            format!(
                "Mã PIN của tệp PKCS#12 phải có ít nhất {PIN_MIN_DIGITS} ký tự: đổi mã PIN của tệp (ví dụ bằng công cụ của tổ chức cung cấp dịch vụ chứng thực) rồi nhập lại; chưa nhập gì."
            ),
        ));
    }
    Ok(())
}

/// The authenticated context a key is wrapped for: its holder, so a wrapped key copied into
/// another holder's row does not open.
pub fn key_context(owner: keys::Owner) -> Vec<u8> {
    let (kind, id) = owner.parts();
    format!("trinhky signing key {kind}:{id}").into_bytes()
}

/// Wraps a PKCS#12 for `owner` and stores it as the owner's new key.
#[allow(clippy::too_many_arguments)]
pub async fn store_key<C: sea_orm::ConnectionTrait>(
    conn: &C,
    kek: &Kek,
    actor: &str,
    owner: keys::Owner,
    subject: &str,
    certificate_pem: &str,
    p12: &[u8],
) -> Result<trinhky_store::entities::signing_key::Model> {
    let wrapped = kek.wrap(&key_context(owner), p12)?;
    Ok(keys::store_key(
        conn,
        actor,
        owner,
        subject,
        certificate_pem,
        &wrapped,
        &kek.id(),
    )
    .await?)
}

/// The PKCS#12 of a stored key, unwrapped in memory (still encrypted with the holder's PIN).
pub async fn key_p12(
    store: &Store,
    kek: &Kek,
    key: &trinhky_store::entities::signing_key::Model,
) -> Result<Vec<u8>> {
    let owner = keys::Owner::of(key)
        .ok_or_else(|| AppError::Internal(format!("key {} has an unknown owner", key.id)))?;
    let blob = trinhky_store::blobs::get(store.db(), &key.p12_sha256)
        .await?
        .ok_or_else(|| AppError::Internal(format!("key blob {} is missing", key.p12_sha256)))?;
    if key.kek_id.is_none() {
        return Err(AppError::Internal(format!(
            "key {} is not wrapped with the KEK yet: restart `trinhky serve` to wrap it",
            key.id
        )));
    }
    Ok(kek.unwrap(&key_context(owner), &blob.data)?)
}

/// Wraps every key stored before keys were wrapped (bare PKCS#12 blobs, protected by the PIN
/// only) with `kek`, deletes the bare blobs and audits each as `key.wrap`; on SQLite the file is
/// then compacted so the freed pages do not keep the bare bytes. Returns how many were wrapped.
pub async fn wrap_stored_keys(store: &Store, kek: &Kek, actor: &str) -> Result<usize> {
    let bare = keys::unwrapped_keys(store.db()).await?;
    if bare.is_empty() {
        return Ok(0);
    }
    let txn = store.begin_write().await?;
    for key in &bare {
        let owner = keys::Owner::of(key)
            .ok_or_else(|| AppError::Internal(format!("key {} has an unknown owner", key.id)))?;
        let blob = trinhky_store::blobs::get(&txn, &key.p12_sha256)
            .await?
            .ok_or_else(|| AppError::Internal(format!("key blob {} is missing", key.p12_sha256)))?;
        let wrapped = kek.wrap(&key_context(owner), &blob.data)?;
        keys::store_wrapped(&txn, actor, key, &wrapped, &kek.id()).await?;
    }
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    store.compact().await?;
    Ok(bare.len())
}

/// Name of the text field over "Số:" (box 3) and over the place and date (box 4).
pub const NUMBER_FIELD: &str = "so_ky_hieu";
pub const DATE_FIELD: &str = "ngay_ban_hanh";

/// What signing needs besides keys: the roots signatures must chain to, the images, and the
/// optional time-stamping service.
#[derive(Clone, Debug, Default)]
pub struct Signing {
    /// Trust roots as loaded at start: the dev CA (`<data>/pki/ca.pem`) and every PEM in
    /// `<data>/trust/`. Signing and verification use [`Signing::trust_now`], which follows
    /// changes of those files.
    pub trust: Vec<X509>,
    /// `templates/signatures`: `<username>.png` signature images, `seal-<agency code>.png` seals,
    /// with `demo-signature.png` / `demo-seal.png` as the fallback.
    pub images_dir: PathBuf,
    /// RFC 3161 service for PAdES B-T.
    pub tsa_url: Option<String>,
    /// The key-encryption key the stored keys are wrapped with.
    pub kek: Option<Kek>,
    /// Where PIN checks, signing and verification run (the [`crate::App`]'s pool).
    pub cpu: crate::cpu::CpuPool,
    /// PIN attempts in progress, one at a time per (key, person) (see [`throttle`]).
    pub pin_turns: throttle::Turns,
    /// Certificates and CRLs already parsed by verifications of this app.
    pub verify_cache: Arc<trinhky_pdf::verify::VerifyCache>,
    /// The trust configuration verification uses, re-read from the data folder when it
    /// changes (without a data folder: `trust`).
    pub trust_source: Arc<crate::verification::Trust>,
    /// Verification outcomes per (file, trust configuration), so page views do not verify again.
    pub verified: Arc<crate::verification::ResultCache>,
}

fn read_pems(path: &Path, out: &mut Vec<X509>) -> Result<()> {
    let pem = std::fs::read(path).map_err(|e| AppError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let certs = X509::stack_from_pem(&pem).map_err(|e| AppError::Io {
        path: path.display().to_string(),
        reason: format!("not a PEM certificate file: {e}"),
    })?;
    out.extend(certs);
    Ok(())
}

impl Signing {
    /// Loads the trust roots under `data_dir` and points at the images under `templates_dir`.
    pub fn load(data_dir: &Path, templates_dir: &Path, tsa_url: Option<String>) -> Result<Self> {
        let mut trust = Vec::new();
        let ca = data_dir.join("pki").join("ca.pem");
        if ca.exists() {
            read_pems(&ca, &mut trust)?;
        }
        let dir = data_dir.join("trust");
        if let Ok(rd) = std::fs::read_dir(&dir) {
            let mut files: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "pem" || x == "crt"))
                .collect();
            files.sort();
            for f in files {
                read_pems(&f, &mut trust)?;
            }
        }
        Ok(Signing {
            trust,
            images_dir: templates_dir.join("signatures"),
            tsa_url,
            kek: None,
            cpu: crate::cpu::CpuPool::default(),
            pin_turns: throttle::Turns::default(),
            verify_cache: Arc::default(),
            trust_source: Arc::new(crate::verification::Trust::watching(data_dir)),
            verified: Arc::default(),
        })
    }

    /// The trust configuration verification uses now (roots, CRL inputs, fingerprint).
    pub fn trust_now(&self) -> Arc<crate::verification::TrustConfig> {
        self.trust_source.current(&self.trust)
    }

    /// The same, with the CPU pool of the application.
    pub fn with_cpu(mut self, cpu: crate::cpu::CpuPool) -> Self {
        self.cpu = cpu;
        self
    }

    /// The same, with the key-encryption key that unwraps stored keys.
    pub fn with_kek(mut self, kek: Kek) -> Self {
        self.kek = Some(kek);
        self
    }

    /// The key-encryption key, or an error saying it is not configured.
    pub fn kek(&self) -> Result<&Kek> {
        self.kek.as_ref().ok_or_else(|| {
            AppError::Kek(crate::kek::KekError::Missing {
                hint: String::new(),
            })
        })
    }

    fn image(&self, own: &str, fallback: &str) -> Result<SignatureImage> {
        let own = self.images_dir.join(own);
        let path = if own.exists() {
            own
        } else {
            self.images_dir.join(fallback)
        };
        let bytes = std::fs::read(&path).map_err(|e| AppError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        SignatureImage::from_png(&bytes).map_err(|e| AppError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    }
}

/// Whose key to unlock.
#[derive(Clone, Copy, Debug)]
pub enum KeyOf<'a> {
    /// The person with authority (chữ ký số cá nhân).
    Person { user_id: i32, username: &'a str },
    /// The organisation (chữ ký số cơ quan), unlocked by its clerk.
    Agency {
        agency_id: i32,
        code: &'a str,
        clerk: &'a str,
    },
}

impl KeyOf<'_> {
    /// The throttling subject in `login_attempts` (never a real username: those have no colon).
    fn attempts_key(&self) -> String {
        match self {
            KeyOf::Person { username, .. } => format!("pin:user:{username}"),
            KeyOf::Agency { code, .. } => format!("pin:agency:{code}"),
        }
    }
}

/// Unlocks a signing key with `pin` (unwrapped with the KEK of `signing` first, in memory). A
/// wrong PIN is recorded (committed at once, outside any action) and answered with the attempts
/// left; too many lock the key for the window.
pub async fn unlock(
    store: &Store,
    signing: &Signing,
    who: KeyOf<'_>,
    pin: &str,
    now: DateTime<Utc>,
) -> Result<LocalSigner> {
    let db = store.db();
    let key = match who {
        KeyOf::Person { user_id, .. } => keys::current_key(db, keys::Owner::User(user_id)).await?,
        KeyOf::Agency { agency_id, .. } => {
            keys::current_key(db, keys::Owner::Agency(agency_id)).await?
        }
    };
    let Some(key) = key else {
        return Err(AppError::new(Code::KeyMissing, match who {
            KeyOf::Person { .. } => "Bạn chưa có chứng thư số để ký: đề nghị quản trị viên cấp (trinhky pki init) hoặc nhập tệp PKCS#12 của bạn.".into(),
            KeyOf::Agency { code, .. } => format!("Cơ quan {code} chưa có chứng thư số tổ chức: đề nghị quản trị viên cấp (trinhky pki init) hoặc nhập tệp PKCS#12 của cơ quan."),
        }));
    };
    let actor = match who {
        KeyOf::Person { username, .. } => username.to_owned(),
        KeyOf::Agency { clerk, .. } => clerk.to_owned(),
    };
    let attempts = who.attempts_key();
    let ticket = match throttle::admit(
        store,
        &signing.pin_turns,
        &Policy::PIN,
        &attempts,
        &actor,
        now,
    )
    .await?
    {
        Gate::Go(t) => t,
        Gate::Wait(wait) => {
            return Err(AppError::Throttled(format!(
                "Đã nhập sai mã PIN nhiều lần: khóa ký số tạm khóa, thử lại sau {}.",
                throttle::wait_vi(wait)
            )));
        }
    };
    let p12 = key_p12(store, signing.kek()?, &key).await?;
    let pin_owned = pin.to_owned();
    match signing
        .cpu
        .run(move || pki::load_p12(&p12, &pin_owned))
        .await
    {
        Ok(signer) => {
            let txn = store.begin_write().await?;
            ticket.succeeded(&txn).await?;
            txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
            Ok(signer)
        }
        Err(PkiError::WrongPin) => {
            if ticket.failure_locks() {
                let txn = store.begin_write().await?;
                audit::record_at(
                    &txn,
                    AuditInput::new(
                        &format!("user:{actor}"),
                        "signing.pin_lockout",
                        "signing_key",
                        &attempts,
                    )
                    .details(ticket.lockout_details(&attempts, &actor)),
                    now,
                )
                .await?;
                txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
            }
            let left = ticket.pair_left.saturating_sub(1);
            Err(if ticket.wait_if_failed > chrono::Duration::zero() {
                AppError::Throttled(format!(
                    "Mã PIN không đúng; văn bản chưa được ký. Đã sai nhiều lần: khóa ký số tạm khóa, thử lại sau {}.",
                    throttle::wait_vi(ticket.wait_if_failed)
                ))
            } else {
                AppError::new(
                    Code::PinWrong,
                    format!("Mã PIN không đúng; văn bản chưa được ký (còn {left} lần thử)."),
                )
            })
        }
        Err(e) => Err(AppError::Internal(format!(
            "the stored key cannot be read: {e}"
        ))),
    }
}

fn sign_failed(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("signing failed: {e}"))
}

/// What the personal signature was made with (stored with the `sign_personal` effect).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Signed {
    pub pdf: Vec<u8>,
    pub subject: String,
    pub serial: String,
    pub time: String,
}

fn describe(signer: &LocalSigner) -> (String, String) {
    let cert = signer.certificate();
    let subject = cert
        .subject_name()
        .entries()
        .map(|e| e.data().to_string().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(", ");
    let serial = cert
        .serial_number()
        .to_bn()
        .and_then(|b| b.to_hex_str().map(|s| s.to_string()))
        .unwrap_or_default();
    (subject, serial)
}

/// The head's signature on the freshly rendered PDF: number/date fields first, then the signature
/// with the head's image on the signature box of the layout.
#[allow(clippy::too_many_arguments)]
pub fn sign_personal(
    signing: &Signing,
    signer: &LocalSigner,
    rendered: &[u8],
    slots: &Slots,
    username: &str,
    full_name: &str,
    place: &str,
    now: DateTime<Utc>,
) -> Result<Signed> {
    let mut fields = Vec::new();
    if let Some(s) = slots.number {
        fields.push(TextField {
            name: NUMBER_FIELD.into(),
            page: s.page,
            rect: s.rect,
        });
    }
    if let Some(s) = slots.date {
        fields.push(TextField {
            name: DATE_FIELD.into(),
            page: s.page,
            rect: s.rect,
        });
    }
    let with_fields = form::add_text_fields(rendered, &fields).map_err(sign_failed)?;
    let slot = slots.signature.ok_or_else(|| {
        AppError::Internal("the template has no signature box (tk-signature marker)".into())
    })?;
    // The image: about 4 cm wide, centred in the signature column's free space.
    let [x1, y1, x2, y2] = slot.rect;
    let (cx, w, h) = ((x1 + x2) / 2.0, 120.0_f64.min(x2 - x1), (y2 - y1).max(20.0));
    let placement = Placement {
        page: slot.page,
        rect: [cx - w / 2.0, y1 + 2.0, cx + w / 2.0, y1 + h - 2.0],
    };
    let image = signing.image(&format!("{username}.png"), "demo-signature.png")?;
    let time = time::vn(now);
    let opts = SignOptions {
        kind: SignatureKind::Personal,
        placement,
        image: Some(image),
        reason: Some("Ký duyệt văn bản".into()),
        location: Some(place.to_owned()).filter(|p| !p.is_empty()),
        name: Some(full_name.to_owned()),
        time,
        tsa_url: signing.tsa_url.clone(),
        trust: Vec::new(),
    };
    let pdf = sign_pdf(&with_fields, signer, &opts).map_err(sign_failed)?;
    let (subject, serial) = describe(signer);
    Ok(Signed {
        pdf,
        subject,
        serial,
        time: time.to_rfc3339(),
    })
}

/// Appends a DSS with the chains of the signatures already in `pdf` plus `signer`'s, and their
/// CRLs. When a CRL cannot be fetched the file goes on without a DSS (a warning is logged):
/// issuing never fails because a distribution point is down.
fn with_validation_data(pdf: &[u8], signer: &LocalSigner) -> Vec<u8> {
    use trinhky_pdf::sign::{Signer as _, add_dss, embedded_certificates, fetch_crls};
    let mut certs = match embedded_certificates(pdf) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "no validation data: the signatures cannot be read");
            return pdf.to_vec();
        }
    };
    certs.push(signer.certificate_der().to_vec());
    certs.extend(signer.chain_der().iter().cloned());
    let crls = match fetch_crls(&certs) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "no validation data: a CRL could not be fetched");
            return pdf.to_vec();
        }
    };
    let extra = vec![signer.certificate_der().to_vec()];
    match add_dss(pdf, &extra, &crls) {
        Ok(out) => out,
        Err(e) => {
            tracing::warn!(error = %e, "no validation data: the DSS could not be written");
            pdf.to_vec()
        }
    }
}

/// The organisation's signature at issuing: the number and date written into their fields, then
/// the seal over the left third of the head's signature. Refused unless the head's signature is
/// intact and (when roots are configured) trusted.
#[allow(clippy::too_many_arguments)]
pub fn sign_organization(
    signing: &Signing,
    signer: &LocalSigner,
    signed: &[u8],
    number_line: &str,
    date_line: &str,
    agency_code: &str,
    agency_name: &str,
    now: DateTime<Utc>,
) -> Result<Signed> {
    let present: Vec<String> = form::text_fields(signed)
        .map_err(sign_failed)?
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let mut fills = Vec::new();
    if present.iter().any(|n| n == NUMBER_FIELD) {
        fills.push(Fill {
            name: NUMBER_FIELD.into(),
            value: number_line.to_owned(),
            size: 13.0,
            italic: false,
        });
    }
    if present.iter().any(|n| n == DATE_FIELD) {
        fills.push(Fill {
            name: DATE_FIELD.into(),
            value: date_line.to_owned(),
            size: 13.0,
            italic: true,
        });
    }
    let filled = if fills.is_empty() {
        signed.to_vec()
    } else {
        form::fill_text_fields(signed, &fills).map_err(sign_failed)?
    };
    // Validation data (PAdES B-LT): the certificate chains and the current CRLs, embedded before
    // the organisation signs so its signature covers them and the file verifies offline later.
    let filled = with_validation_data(&filled, signer);
    let widgets = form::signature_widgets(signed).map_err(sign_failed)?;
    let Some((_, page, rect)) = widgets.first() else {
        return Err(AppError::Conflict(
            "Văn bản chưa có chữ ký số của người có thẩm quyền: không thể ký số của cơ quan."
                .into(),
        ));
    };
    // A 36 mm seal (≈ 102 pt) with a band of two 7 pt lines for the name and time.
    let placement = Placement::seal_over(
        Placement {
            page: *page,
            rect: *rect,
        },
        102.0,
        20.0,
    );
    let image = signing.image(&format!("seal-{agency_code}.png"), "demo-seal.png")?;
    let opts = SignOptions {
        kind: SignatureKind::Organization,
        placement,
        image: Some(image),
        reason: Some(format!("Phát hành văn bản {number_line}")),
        location: None,
        name: Some(agency_name.to_owned()),
        time: time::vn(now),
        tsa_url: signing.tsa_url.clone(),
        trust: signing.trust_now().roots.clone(),
    };
    let pdf = sign_pdf(&filled, signer, &opts).map_err(|e| match e {
        trinhky_pdf::sign::SignError::NoPersonalSignature(why) => AppError::Conflict(format!(
            "Chữ ký số của người có thẩm quyền không hợp lệ ({why}): không thể ký số của cơ quan."
        )),
        other => sign_failed(other),
    })?;
    let (subject, serial) = describe(signer);
    Ok(Signed {
        pdf,
        subject,
        serial,
        time: opts.time.to_rfc3339(),
    })
}

/// The organisation's signature on a phụ lục issued as a separate PDF file (Nghị định 30/2020,
/// Phụ lục I, II.8b): no image; the number and code of the document and the signing time
/// (ISO 8601, +07:00) in 10 pt at the top right of page 1.
pub fn sign_attachment(
    signing: &Signing,
    signer: &LocalSigner,
    pdf: &[u8],
    number: &str,
    agency_name: &str,
    now: DateTime<Utc>,
) -> Result<Signed> {
    let placement = trinhky_pdf::sign::attachment_placement(pdf).map_err(sign_failed)?;
    let opts = SignOptions {
        kind: SignatureKind::Attachment,
        placement,
        image: None,
        reason: Some(format!(
            "Phụ lục kèm theo văn bản số {number} ({agency_name})"
        )),
        location: None,
        name: Some(number.to_owned()),
        time: time::vn(now),
        tsa_url: signing.tsa_url.clone(),
        trust: signing.trust_now().roots.clone(),
    };
    let pdf = sign_pdf(pdf, signer, &opts).map_err(sign_failed)?;
    let (subject, serial) = describe(signer);
    Ok(Signed {
        pdf,
        subject,
        serial,
        time: opts.time.to_rfc3339(),
    })
}

/// Someone who signs and has no key yet: an organisation with a clerk, or a head or deputy.
#[derive(Clone, Debug)]
pub struct Holder {
    pub owner: keys::Owner,
    /// Certificate subject (the organisation's or person's name).
    pub name: String,
    /// Stable key of the holder: the agency code or the username.
    pub handle: String,
    pub organization: bool,
}

/// Holders in the directory without a current key.
pub async fn holders_without_keys(store: &Store) -> Result<Vec<Holder>> {
    use trinhky_domain::Role;
    let db = store.db();
    let mut out: Vec<Holder> = Vec::new();
    let mut people: Vec<Holder> = Vec::new();
    for a in trinhky_store::directory::agencies(db).await? {
        let members = accounts::agency_members(db, a.id).await?;
        if members.iter().any(|(_, r, _)| *r == Role::Clerk)
            && keys::current_key(db, keys::Owner::Agency(a.id))
                .await?
                .is_none()
        {
            out.push(Holder {
                owner: keys::Owner::Agency(a.id),
                name: a.name.clone(),
                handle: a.code.clone(),
                organization: true,
            });
        }
        for (u, r, _) in members {
            if matches!(r, Role::AgencyHead | Role::DeputyHead)
                && !people.iter().any(|h| h.handle == u.username)
                && keys::current_key(db, keys::Owner::User(u.id))
                    .await?
                    .is_none()
            {
                people.push(Holder {
                    owner: keys::Owner::User(u.id),
                    name: u.full_name.clone(),
                    handle: u.username.clone(),
                    organization: false,
                });
            }
        }
    }
    out.extend(people);
    Ok(out)
}

/// The file next to the development CA that holds its own passphrase (random, mode 0600).
pub const CA_PASSPHRASE_FILE: &str = "ca.pass";

/// The development CA's own passphrase, kept in `<dir>/ca.pass` (0600): read when present, made
/// (random) for a new CA. A CA made before it had one has its key encrypted with the holders'
/// `legacy_pin`: it is opened with that PIN once and re-encrypted with a new passphrase.
pub fn dev_ca_passphrase(dir: &Path, legacy_pin: &str) -> Result<String> {
    let io = |path: &Path, e: std::io::Error| AppError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let file = dir.join(CA_PASSPHRASE_FILE);
    if file.exists() {
        let text = std::fs::read_to_string(&file).map_err(|e| io(&file, e))?;
        return Ok(text.trim().to_owned());
    }
    let mut raw = [0u8; 24];
    openssl::rand::rand_bytes(&mut raw).map_err(|e| AppError::Internal(e.to_string()))?;
    let pass = hex::encode(raw);
    crate::kek::create_private_dir(dir).map_err(|e| io(dir, e))?;
    if dir.join("ca.pem").exists() {
        let pki = trinhky_pdf::pki::DevPki::open(dir, legacy_pin).map_err(|e| match e {
            PkiError::WrongPassphrase(_) => AppError::Invalid(format!(
                "the development CA in {} has no {CA_PASSPHRASE_FILE} and its key does not open with this PIN: give the PIN it was created with, or move the folder away to create a new CA",
                dir.display()
            )),
            other => AppError::Internal(format!("development CA in {}: {other}", dir.display())),
        })?;
        pki.set_passphrase(&pass)
            .map_err(|e| AppError::Internal(format!("development CA in {}: {e}", dir.display())))?;
    }
    crate::kek::write_private_new(&file, format!("{pass}\n").as_bytes())
        .map_err(|e| io(&file, e))?;
    Ok(pass)
}

/// Issues a certificate from the development CA in `dir` (created when absent, its key encrypted
/// with its own random passphrase, [`dev_ca_passphrase`]) to every holder without a key, each
/// PKCS#12 protected by `pin` and wrapped with `kek`, and stores the keys. Returns the holders
/// served. For demos and tests: production imports real PKCS#12 files.
pub async fn issue_dev_keys(
    store: &Store,
    kek: &Kek,
    dir: &Path,
    pin: &str,
    alg: trinhky_pdf::sign::KeyAlgorithm,
    actor: &str,
    progress: impl FnMut(&Holder),
) -> Result<Vec<Holder>> {
    check_new_pin(pin)?;
    let holders = holders_without_keys(store).await?;
    if holders.is_empty() {
        return Ok(holders);
    }
    let ca_passphrase = dev_ca_passphrase(dir, pin)?;
    issue_dev_keys_to(
        store,
        kek,
        dir,
        &ca_passphrase,
        pin,
        alg,
        actor,
        holders,
        progress,
    )
    .await
}

/// Issues development certificates to `holders`: the CA in `dir` is unlocked with
/// `ca_passphrase` (or created with it when absent), each new PKCS#12 is protected by `pin`. Neither
/// secret is stored or logged. A wrong passphrase is an [`AppError::Invalid`] and issues nothing.
#[allow(clippy::too_many_arguments)]
pub async fn issue_dev_keys_to(
    store: &Store,
    kek: &Kek,
    dir: &Path,
    ca_passphrase: &str,
    pin: &str,
    alg: trinhky_pdf::sign::KeyAlgorithm,
    actor: &str,
    holders: Vec<Holder>,
    mut progress: impl FnMut(&Holder),
) -> Result<Vec<Holder>> {
    use trinhky_pdf::pki::{DevPki, IdentityKind, NewIdentity};
    check_new_pin(pin)?;
    if holders.is_empty() {
        return Ok(holders);
    }
    let pki_err = |e: PkiError| match e {
        PkiError::WrongPassphrase(_) | PkiError::EmptyPassphrase => AppError::Invalid(
            "Mật khẩu của CA phát triển không đúng: không cấp chứng thư nào.".into(),
        ),
        other => AppError::Internal(format!("development CA in {}: {other}", dir.display())),
    };
    let mut pki = if dir.join("ca.pem").exists() {
        DevPki::open(dir, ca_passphrase).map_err(pki_err)?
    } else {
        DevPki::create(dir, ca_passphrase, &[], &[]).map_err(pki_err)?
    };
    let mut issued = Vec::with_capacity(holders.len());
    for h in &holders {
        let id = NewIdentity {
            name: h.name.clone(),
            pin: pin.to_owned(),
            key: alg,
        };
        let kind = if h.organization {
            IdentityKind::Organization
        } else {
            IdentityKind::Person
        };
        pki.issue(&id, kind).map_err(pki_err)?;
        let Some(last) = pki.issued.last() else {
            return Err(AppError::Internal("the CA issued nothing".into()));
        };
        let p12 = std::fs::read(&last.p12_path).map_err(|e| AppError::Io {
            path: last.p12_path.display().to_string(),
            reason: e.to_string(),
        })?;
        let pem = last
            .cert
            .to_pem()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        issued.push((h, String::from_utf8_lossy(&pem).into_owned(), p12));
        progress(h);
    }
    let txn = store.begin_write().await?;
    for (h, pem, p12) in &issued {
        store_key(&txn, kek, actor, h.owner, &h.name, pem, p12).await?;
    }
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(holders)
}

pub use crate::verification::{
    Badge, SignatureView, verify_blob, verify_for_display, verify_in_pool,
};
