//! `open_consultations`: the assignment's co-agencies are consulted (phối hợp, lấy ý kiến), each
//! with the new step's due date. A consulted agency's answer ([`answer`]) closes its
//! consultation in the same transaction as the `answer` transition.

use chrono::{DateTime, Utc};
use serde::Serialize;
use trinhky_store::documents as repo;
use trinhky_store::{DatabaseTransaction, directory, intake};

use super::Context;
use crate::Result;

/// The consultations opened.
#[derive(Debug, Clone, Serialize)]
pub struct Done {
    /// Codes of the consulted agencies.
    pub agencies: Vec<String>,
}

pub async fn perform(txn: &DatabaseTransaction, cx: &Context<'_>) -> Result<Done> {
    let l = cx.loaded;
    let mut done = Done {
        agencies: Vec::new(),
    };
    let Some(aid) = l.document.assignment_id else {
        return Ok(done);
    };
    let Some(a) = intake::assignment_by_id(txn, aid).await? else {
        return Ok(done);
    };
    let due = cx.due.unwrap_or_else(|| cx.now.date_naive());
    let codes: Vec<String> = serde_json::from_str(&a.co_agencies).unwrap_or_default();
    for code in codes {
        if let Some(ag) = directory::agency_by_code(txn, &code).await?
            && ag.id != l.document.agency_id
        {
            repo::open_consultation(txn, l.instance.id, ag.id, due).await?;
            done.agencies.push(code);
        }
    }
    Ok(done)
}

/// Records the consulted agency's answer (the engine chose the agency: `acting_agency`).
pub async fn answer(
    txn: &DatabaseTransaction,
    cx: &Context<'_>,
    comment: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let p = cx.principal;
    let agency = &cx.outcome.acting_agency;
    for m in p.memberships.iter().filter(|m| m.agency_code == *agency) {
        repo::answer_consultation(
            txn,
            cx.loaded.instance.id,
            m.agency_id,
            p.user.id,
            comment,
            now,
        )
        .await?;
    }
    Ok(())
}
