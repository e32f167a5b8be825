//! Acting on a document (submit, return, approve, issue …): plan → perform. The engine decides
//! and returns the plan ([`workflow::Outcome`]); the slow work is prepared before the write
//! transaction ([`crate::effects::prepare`]); the transaction performs the effects in the
//! declared order and records the transition with one row per effect, and its audit event.

use chrono::{DateTime, NaiveDate, Utc};
use trinhky_domain::workflow::{self, ActionInput, ActorRole, Denied, Outcome};
use trinhky_store::documents::{self as repo, TransitionRecord};
use trinhky_store::entities::workflow_instance;
use trinhky_store::{Store, directory, intake};

use super::{Loaded, actor, load, store_err};
use crate::access::{self, Standing, Want};
use crate::effects::{self, Context};
use crate::registry::Registry;
use crate::{AppError, Principal, Result};

/// What the caller sends with an action.
#[derive(Debug, Clone, Default)]
pub struct ActRequest {
    pub comment: Option<String>,
    pub pin: Option<String>,
    pub attachments: usize,
    pub expected_version: i64,
    /// At issuing: Nơi nhận lines the clerk sends on paper (lines the system cannot deliver to),
    /// recorded in the outgoing register.
    pub paper: Vec<String>,
}

/// A denial as a use-case error, with its `WFD…` code (see [`AppError::kind`]).
pub fn denied(d: Denied) -> AppError {
    AppError::Denied(d)
}

/// Performs an action on a document as `p`, atomically with history, effects and audit.
pub async fn act(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    doc_id: i32,
    action: &str,
    req: ActRequest,
    now: DateTime<Utc>,
) -> Result<workflow_instance::Model> {
    let l = load(store, registry, p, doc_id, Want::Step).await?;
    // A recipient takes the recipients' steps (receive, archive) and nothing else.
    if l.standing == Standing::Recipient
        && !l
            .definition
            .actions_from(&l.instance.state)
            .iter()
            .any(|t| t.action == action && t.by.contains(&ActorRole::RecipientClerk))
    {
        return Err(access::refused());
    }
    let input = ActionInput {
        comment: req
            .comment
            .clone()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty()),
        pin_provided: req.pin.as_deref().is_some_and(|x| !x.trim().is_empty()),
        // A workflow may require an attachment: the files stored with the document count.
        attachments: req.attachments.max(
            trinhky_store::attachments::of_document(store.db(), l.document.id)
                .await?
                .len(),
        ),
        expected_version: req.expected_version,
    };
    let actor = actor(store, p).await?;
    let outcome =
        workflow::apply(&l.definition, &l.domain, &actor, action, &input, now).map_err(denied)?;
    let cx = Context {
        store,
        registry,
        principal: p,
        loaded: &l,
        outcome: &outcome,
        now,
        place: directory::settings(store.db())
            .await?
            .map(|s| s.place)
            .unwrap_or_default(),
        due: step_due(store, registry, &l, &outcome, now).await?,
        paper: req.paper.clone(),
    };
    if leaves_drafting(&l, &outcome) {
        check_recipients_before_submit(store, &l).await?;
    }
    // Slow work first, outside the transaction: keys, rendering, signing, recipients.
    let pin = req.pin.as_deref().map(str::trim).unwrap_or_default();
    let prepared = effects::prepare(&cx, pin).await?;

    let txn = store.begin_write().await?;
    let rows = effects::perform(&txn, &cx, &prepared).await?;
    let record = transition_record(&cx, input.comment.clone());
    let (inst, _) = repo::record_transition(
        &txn,
        &p.actor(),
        &l.instance,
        req.expected_version,
        &record,
        &rows,
        now,
    )
    .await
    .map_err(store_err)?;
    if outcome.acted_as == ActorRole::Consulted {
        let comment = input.comment.as_deref().unwrap_or_default();
        effects::consult::answer(&txn, &cx, comment, now).await?;
    }
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(inst)
}

/// Whether the action takes a draft out of drafting towards issuing (not cancelling it).
fn leaves_drafting(l: &Loaded, outcome: &Outcome) -> bool {
    outcome.from == l.definition.initial
        && outcome.to != l.definition.initial
        && !l.definition.is_terminal(&outcome.to)
        && l.definition
            .transitions
            .iter()
            .any(|t| t.has_effect(workflow::EffectKind::Dispatch))
}

/// Before a draft is submitted: every Nơi nhận line must name someone the system can deliver
/// to, or be internal or the archive note (the editor shows the same check while typing).
async fn check_recipients_before_submit(store: &Store, l: &Loaded) -> Result<()> {
    let resolved = crate::recipients::resolve_lines(
        store,
        &l.version.recipients,
        &l.version.addressees,
        &l.agency_code,
    )
    .await?;
    let unresolved = resolved.unresolved();
    if unresolved.is_empty() {
        Ok(())
    } else {
        Err(crate::recipients::unresolved_error(&unresolved, false))
    }
}

/// The new step's due date: its SLA in working days, never later than the assignment's
/// deadline, which the document inherits.
async fn step_due(
    store: &Store,
    registry: &Registry,
    l: &Loaded,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<Option<NaiveDate>> {
    let deadline = match l.document.assignment_id {
        Some(aid) => intake::assignment_by_id(store.db(), aid)
            .await?
            .and_then(|a| a.last_day),
        None => None,
    };
    let sla = match l
        .definition
        .state(&outcome.to)
        .and_then(|s| s.sla_working_days)
    {
        Some(n) => Some(workflow::sla_due(
            &*registry.calendar_now(store).await?,
            now,
            n,
        )),
        None => None,
    };
    Ok(match (sla, deadline) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

/// The history entry of the action and the instance's new signature flags.
fn transition_record(cx: &Context<'_>, comment: Option<String>) -> TransitionRecord {
    let (l, outcome) = (cx.loaded, cx.outcome);
    let signing = outcome.signing.as_ref();
    let signs_org = outcome
        .effects
        .contains(&workflow::Effect::SignOrganization);
    let back_to_draft = outcome.to == l.definition.initial;
    TransitionRecord {
        action: outcome.action.clone(),
        from: outcome.from.clone(),
        to: outcome.to.clone(),
        actor_id: cx.principal.user.id,
        acted_as: outcome.acted_as.as_str().to_owned(),
        comment,
        authority: signing.and_then(|s| s.authority.clone()),
        position: signing.map(|s| s.position.clone()),
        document_version: l.version.version_no,
        // The engine sets `signing` exactly when the transition signs personally. Back in
        // drafting (returned after signing), the signatures are void: the text changes and is
        // signed again.
        personal_signed: !back_to_draft && (l.instance.personal_signed || signing.is_some()),
        organization_signed: !back_to_draft && (l.instance.organization_signed || signs_org),
        signer_id: signing.map(|_| cx.principal.user.id),
        due_date: cx.due,
    }
}
