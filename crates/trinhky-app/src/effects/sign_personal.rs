//! `sign_personal`: the signer's own signature on the rendered PDF. The key is unlocked and the
//! PDF signed before the transaction; the signed file is stored by [`super::render`] (one file
//! per action) and this effect records who signed with which certificate.

use std::sync::Arc;

use serde::Serialize;
use trinhky_pdf::sign::LocalSigner;

use super::render::Rendered;
use super::{Carry, Context, Prepared};
use crate::signing::{self, Signed};
use crate::{AppError, Result};

/// A personal signature made before the transaction.
pub struct Signature {
    pub signed: Signed,
}

/// The recorded signature.
#[derive(Debug, Clone, Serialize)]
pub struct Done {
    pub pdf_sha256: Option<String>,
    pub certificate: String,
    pub serial: String,
    pub signed_at: String,
}

/// Unlocks the actor's personal key with the PIN.
pub async fn unlock(cx: &Context<'_>, pin: &str) -> Result<Arc<LocalSigner>> {
    let cfg = cx.signing()?;
    let p = cx.principal;
    let key = signing::unlock(
        cx.store,
        &cfg,
        signing::KeyOf::Person {
            user_id: p.user.id,
            username: &p.user.username,
        },
        pin,
        cx.now,
    )
    .await?;
    Ok(Arc::new(key))
}

/// Signs the PDF the `render` before it produced.
pub async fn prepare(
    cx: &Context<'_>,
    key: Option<Arc<LocalSigner>>,
    rendered: Option<&Rendered>,
) -> Result<Signature> {
    let (Some(key), Some(rendered)) = (key, rendered) else {
        return Err(AppError::Internal(
            "sign_personal needs the render effect before it and a renderer".into(),
        ));
    };
    let cfg = cx.signing()?;
    let (pdf, slots) = (rendered.pdf.clone(), rendered.slots);
    let p = cx.principal;
    let (username, full_name) = (p.user.username.clone(), p.user.full_name.clone());
    let (place, now) = (cx.place.clone(), cx.now);
    let signed = cx
        .registry
        .cpu()
        .run(move || {
            signing::sign_personal(&cfg, &key, &pdf, &slots, &username, &full_name, &place, now)
        })
        .await?;
    Ok(Signature { signed })
}

/// Records the signature on the file `render` stored.
pub fn perform(prep: &Prepared, carry: &Carry) -> Result<Done> {
    let s = prep.personal.as_ref().ok_or_else(|| {
        AppError::Internal("sign_personal was not prepared (no render before it)".into())
    })?;
    if carry.rendered_sha256.is_none() {
        return Err(AppError::Internal(
            "sign_personal needs the render effect before it".into(),
        ));
    }
    Ok(Done {
        pdf_sha256: carry.rendered_sha256.clone(),
        certificate: s.signed.subject.clone(),
        serial: s.signed.serial.clone(),
        signed_at: s.signed.time.clone(),
    })
}
