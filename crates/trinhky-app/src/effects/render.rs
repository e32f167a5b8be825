//! `render`: the version laid out per the decree (slow: done before the transaction), stored
//! with the transition. A draft (submit) carries the DỰ THẢO watermark; the text the head
//! approves does not, and is signed at once ([`super::sign_personal`]) with empty number and
//! date fields that the clerk's issuing fills in.

use serde::Serialize;
use trinhky_store::DatabaseTransaction;
use trinhky_store::documents as repo;

use super::{Carry, Context, Prepared};
use crate::Result;

/// A rendered PDF waiting to be stored.
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub pages: usize,
    /// Where the number, date and signature go.
    pub slots: trinhky_render::Slots,
}

/// The stored file.
#[derive(Debug, Clone, Serialize)]
pub struct Done {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdf_sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pages: Option<usize>,
}

/// Renders the loaded version.
pub async fn prepare(cx: &Context<'_>) -> Result<Rendered> {
    let renderer = cx.registry.renderer();
    let (l, p) = (cx.loaded, cx.principal);
    // The signature block of the person signing now, or of whoever will sign.
    let signer = match &cx.outcome.signing {
        Some(s) => trinhky_render::Signer {
            authority: s.authority.clone().into_iter().collect(),
            position: s.position.clone(),
            name: p.user.full_name.clone(),
        },
        None => crate::rendering::signer_block(cx.store, l).await?,
    };
    let draft = cx.outcome.signing.is_none();
    let data = crate::rendering::document_data(cx.store, l, signer, None, None, draft).await?;
    let (r, doc_type) = (renderer.clone(), l.document.doc_type.clone());
    let (pdf, pages, slots) = cx
        .registry
        .cpu()
        .run(move || crate::rendering::render_with_slots(&r, &doc_type, &data))
        .await?;
    Ok(Rendered { pdf, pages, slots })
}

/// Stores the rendered file: `signed` when this action signed it personally, else `draft`.
pub async fn perform(
    txn: &DatabaseTransaction,
    cx: &Context<'_>,
    prep: &Prepared,
    carry: &mut Carry,
) -> Result<Done> {
    let Some(rendered) = &prep.rendered else {
        return Ok(Done {
            pdf_sha256: None,
            pages: None,
        });
    };
    let (kind, pdf) = match &prep.personal {
        Some(s) => ("signed", &s.signed.pdf),
        None => ("draft", &rendered.pdf),
    };
    let l = cx.loaded;
    let sha = repo::add_file(
        txn,
        l.document.id,
        l.version.version_no,
        kind,
        pdf,
        rendered.pages,
        cx.now,
    )
    .await?;
    carry.rendered_sha256 = Some(sha.clone());
    Ok(Done {
        pdf_sha256: Some(sha),
        pages: Some(rendered.pages),
    })
}
