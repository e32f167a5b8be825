//! `assign_number`: số, ký hiệu taken from the agency's register inside the issuing
//! transaction (a failed issuing gives it back), with its outgoing-register entry.

use serde::Serialize;
use trinhky_store::{DatabaseTransaction, accounts};

use super::{Carry, Context, Prepared};
use crate::Result;

/// The number given.
#[derive(Debug, Clone, Serialize)]
pub struct Done {
    pub number: String,
}

/// The full name of the document's signer, if it has one.
pub(super) async fn signer_name(txn: &DatabaseTransaction, cx: &Context<'_>) -> Result<String> {
    Ok(match cx.loaded.instance.signer_id {
        Some(id) => accounts::user_by_id(txn, id)
            .await?
            .map(|u| u.full_name)
            .unwrap_or_default(),
        None => String::new(),
    })
}

/// The register's note: lines sent on paper and internal distribution, as the clerk issued them.
fn register_note(prep: &Prepared) -> String {
    let Some(r) = &prep.recipients else {
        return String::new();
    };
    let mut parts = Vec::new();
    if !r.paper.is_empty() {
        parts.push(format!("Gửi bản giấy: {}.", r.paper.join("; ")));
    }
    if !r.internal.is_empty() {
        parts.push(format!("Gửi nội bộ: {}.", r.internal.join("; ")));
    }
    parts.join(" ")
}

pub async fn perform(
    txn: &DatabaseTransaction,
    cx: &Context<'_>,
    prep: &Prepared,
    carry: &mut Carry,
) -> Result<Done> {
    let l = cx.loaded;
    let today = trinhky_domain::workflow::local_date(cx.now);
    let register = trinhky_domain::numbering::register_for(
        cx.registry.numbering_per_type,
        &l.document.doc_type,
        l.document.classification.is_some(),
    );
    let seq = trinhky_store::numbering::next_number(
        txn,
        l.document.agency_id,
        chrono::Datelike::year(&today),
        &register,
    )
    .await?;
    let number = trinhky_domain::numbering::format_number(
        seq,
        Some(&l.document.doc_type),
        &l.agency_code,
        None,
    );
    let copies = l
        .version
        .recipients
        .lines()
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .count();
    trinhky_store::numbering::register_outgoing(
        txn,
        &cx.actor(),
        &trinhky_store::numbering::Entry {
            agency_id: l.document.agency_id,
            register,
            seq,
            number: number.clone(),
            document_id: Some(l.document.id),
            doc_type: l.document.doc_type.clone(),
            issued_on: today,
            title: l.version.title.clone(),
            signer: signer_name(txn, cx).await?,
            recipients: l.version.recipients.clone(),
            copies: i32::try_from(copies).unwrap_or(0),
            note: register_note(prep),
        },
    )
    .await?;
    carry.number = Some(number.clone());
    Ok(Done { number })
}
