//! Performing a workflow action's effects. The engine's [`Outcome`] is the plan: its `effects`
//! list, in the order the definition declares (the order `workflow check` validates). Acting is
//! two phases:
//!
//! 1. [`prepare`], before the write transaction: the slow work — unlocking the signing keys (a
//!    wrong PIN stops the action before anything else), rendering, the personal signature,
//!    resolving the Nơi nhận lines — done once, in the declared order.
//! 2. [`perform`], inside the short write transaction: `for effect in &outcome.effects`, one
//!    module per effect kind, each returning a typed result that is recorded once as the
//!    effect row ([`Performed::row`]): `done` when the transaction did the work, `pending` when a
//!    worker finishes it ([`notify`]).
//!
//! [`reminder`] rows come from the deadline scan, not from an action; the reminder worker
//! ([`crate::reminders`]) consumes them.

pub mod assign_number;
pub mod consult;
pub mod dispatch;
pub mod notify;
pub mod reminder;
pub mod render;
pub mod sign_organization;
pub mod sign_personal;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use trinhky_domain::workflow::{Effect, Outcome};
use trinhky_pdf::sign::LocalSigner;
use trinhky_store::documents::EffectRow;
use trinhky_store::{DatabaseTransaction, Store};

use crate::documents::Loaded;
use crate::registry::Registry;
use crate::signing::Signing;
use crate::{Principal, Result};

/// Everything an effect may read: the action's plan and the document it acts on.
pub struct Context<'a> {
    pub store: &'a Store,
    pub registry: &'a Registry,
    pub principal: &'a Principal,
    pub loaded: &'a Loaded,
    pub outcome: &'a Outcome,
    pub now: DateTime<Utc>,
    /// The place printed before the date ("Hà Nội").
    pub place: String,
    /// The new step's due date (also the consultations' due date).
    pub due: Option<NaiveDate>,
    /// At issuing: Nơi nhận lines the clerk sends on paper.
    pub paper: Vec<String>,
}

impl Context<'_> {
    /// The actor as the audit trail names them.
    pub fn actor(&self) -> String {
        self.principal.actor()
    }

    fn signing(&self) -> Result<Arc<Signing>> {
        Ok(self.registry.signing().clone())
    }
}

/// The results of the slow work, ready for the transaction.
#[derive(Default)]
pub struct Prepared {
    personal_key: Option<Arc<LocalSigner>>,
    org_key: Option<Arc<LocalSigner>>,
    rendered: Option<render::Rendered>,
    personal: Option<sign_personal::Signature>,
    pub(crate) recipients: Option<dispatch::Recipients>,
}

/// Does the slow work of the plan before the transaction: keys first (a wrong PIN stops the
/// action before anything is rendered), then each effect's preparation in the declared order.
pub async fn prepare(cx: &Context<'_>, pin: &str) -> Result<Prepared> {
    let mut prep = Prepared::default();
    // Recipients first: an unresolved Nơi nhận line is told before the PIN is even tried.
    if cx.outcome.effects.contains(&Effect::Dispatch) {
        prep.recipients = Some(dispatch::prepare(cx).await?);
    }
    for effect in &cx.outcome.effects {
        match effect {
            Effect::SignPersonal { .. } => {
                prep.personal_key = Some(sign_personal::unlock(cx, pin).await?);
            }
            Effect::SignOrganization => {
                prep.org_key = Some(sign_organization::unlock(cx, pin).await?);
            }
            _ => {}
        }
    }
    for effect in &cx.outcome.effects {
        match effect {
            Effect::Render => prep.rendered = Some(render::prepare(cx).await?),
            Effect::SignPersonal { .. } => {
                let key = prep.personal_key.clone();
                prep.personal =
                    Some(sign_personal::prepare(cx, key, prep.rendered.as_ref()).await?);
            }
            Effect::Dispatch
            | Effect::AssignNumber
            | Effect::SignOrganization
            | Effect::Notify { .. }
            | Effect::OpenConsultations => {}
        }
    }
    Ok(prep)
}

/// What the effects performed so far produced, for the effects after them.
#[derive(Default)]
pub struct Carry {
    /// The number assigned ([`assign_number`]).
    pub number: Option<String>,
    /// The stored rendered (or personally signed) file.
    pub rendered_sha256: Option<String>,
    /// The organisation-signed file ([`sign_organization`]).
    pub issued_sha256: Option<String>,
}

/// What performing one effect did.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Performed {
    Render(render::Done),
    SignPersonal(sign_personal::Done),
    AssignNumber(assign_number::Done),
    SignOrganization(sign_organization::Done),
    Dispatch(dispatch::Done),
    OpenConsultations(consult::Done),
    Notify(notify::Queued),
}

impl Performed {
    /// `pending` when a worker finishes the effect, else `done`.
    pub fn status(&self) -> &'static str {
        match self {
            Performed::Notify(_) => "pending",
            _ => "done",
        }
    }

    /// The effect row: the effect's own fields with the result's.
    pub fn row(&self, effect: &Effect) -> EffectRow {
        let mut payload = serde_json::to_value(effect).unwrap_or_default();
        let kind = payload
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or("unknown")
            .to_owned();
        if let (Some(obj), Ok(serde_json::Value::Object(result))) =
            (payload.as_object_mut(), serde_json::to_value(self))
        {
            obj.extend(result);
        }
        EffectRow {
            kind,
            payload,
            status: self.status().to_owned(),
        }
    }
}

/// Performs the plan inside the transaction, `for effect in &outcome.effects` in the declared
/// order, and returns the effect rows to record with the transition.
pub async fn perform(
    txn: &DatabaseTransaction,
    cx: &Context<'_>,
    prep: &Prepared,
) -> Result<Vec<EffectRow>> {
    let mut carry = Carry::default();
    let mut rows = Vec::with_capacity(cx.outcome.effects.len());
    for effect in &cx.outcome.effects {
        let done = match effect {
            Effect::Render => Performed::Render(render::perform(txn, cx, prep, &mut carry).await?),
            Effect::SignPersonal { .. } => {
                Performed::SignPersonal(sign_personal::perform(prep, &carry)?)
            }
            Effect::AssignNumber => {
                Performed::AssignNumber(assign_number::perform(txn, cx, prep, &mut carry).await?)
            }
            Effect::SignOrganization => Performed::SignOrganization(
                sign_organization::perform(txn, cx, prep, &mut carry).await?,
            ),
            Effect::Dispatch => {
                Performed::Dispatch(dispatch::perform(txn, cx, prep, &carry).await?)
            }
            Effect::OpenConsultations => {
                Performed::OpenConsultations(consult::perform(txn, cx).await?)
            }
            Effect::Notify { .. } => Performed::Notify(notify::plan(cx)),
        };
        rows.push(done.row(effect));
    }
    Ok(rows)
}
