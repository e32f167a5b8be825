//! Set-based reads across documents: inboxes, scans, and the definitions in use.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::instance_of;
use crate::Result;
use crate::entities::{document, document_version, workflow_definition, workflow_instance};

/// Instances not in one of `terminal` states (for SLA and reminder scans).
pub async fn running_instances<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<workflow_instance::Model>> {
    Ok(workflow_instance::Entity::find()
        .order_by_asc(workflow_instance::Column::Id)
        .all(conn)
        .await?)
}

/// Documents of the given agencies whose instance is in one of `states`.
pub async fn documents_in_states<C: ConnectionTrait>(
    conn: &C,
    agency_ids: &[i32],
    states: &[String],
) -> Result<Vec<(document::Model, workflow_instance::Model)>> {
    if agency_ids.is_empty() || states.is_empty() {
        return Ok(Vec::new());
    }
    let insts = workflow_instance::Entity::find()
        .filter(workflow_instance::Column::State.is_in(states.iter().cloned()))
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for i in insts {
        if let Some(d) = document::Entity::find_by_id(i.document_id)
            .one(conn)
            .await?
            && agency_ids.contains(&d.agency_id)
        {
            out.push((d, i));
        }
    }
    out.sort_by_key(|(d, i)| (i.due_date.is_none(), i.due_date, d.id));
    Ok(out)
}

/// Documents a user drafts.
pub async fn documents_drafted_by<C: ConnectionTrait>(
    conn: &C,
    user_id: i32,
) -> Result<Vec<(document::Model, workflow_instance::Model)>> {
    let docs = document::Entity::find()
        .filter(document::Column::DrafterId.eq(user_id))
        .order_by_desc(document::Column::Id)
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for d in docs {
        if let Some(i) = instance_of(conn, d.id).await? {
            out.push((d, i));
        }
    }
    Ok(out)
}

/// Documents of other agencies that may concern these agencies as recipients or consulted
/// parties (the engine decides whether the caller may act on each).
pub async fn documents_for_recipient_clerk<C: ConnectionTrait>(
    conn: &C,
    agency_ids: &[i32],
) -> Result<Vec<(document::Model, workflow_instance::Model)>> {
    use crate::entities::consultation;
    let mut out = Vec::new();
    let consulted = consultation::Entity::find()
        .filter(consultation::Column::AgencyId.is_in(agency_ids.iter().copied()))
        .filter(consultation::Column::AnsweredAt.is_null())
        .all(conn)
        .await?;
    for c in consulted {
        if let Some(i) = workflow_instance::Entity::find_by_id(c.instance_id)
            .one(conn)
            .await?
            && let Some(d) = document::Entity::find_by_id(i.document_id)
                .one(conn)
                .await?
        {
            out.push((d, i));
        }
    }
    // Dispatched documents: recipients are resolved from the Nơi nhận lines by the caller.
    let dispatched = workflow_instance::Entity::find()
        .filter(workflow_instance::Column::State.is_in(["dispatched", "received"]))
        .all(conn)
        .await?;
    for i in dispatched {
        if let Some(d) = document::Entity::find_by_id(i.document_id)
            .one(conn)
            .await?
        {
            out.push((d, i));
        }
    }
    Ok(out)
}

/// What an inbox asks for: per agency the states the user's roles act in, the user's own drafts
/// in drafter states, and (as a recipient or consulted agency) documents sent to or awaiting an
/// answer from their agencies in the given states.
#[derive(Debug, Default, Clone)]
pub struct InboxQuery {
    pub agency_states: Vec<(i32, Vec<String>)>,
    pub drafter: Option<(i32, Vec<String>)>,
    pub recipient_agencies: Vec<i32>,
    pub recipient_states: Vec<String>,
    pub consulted_agencies: Vec<i32>,
}

/// Candidates for an inbox in a few set-based queries (no per-document round trips): documents
/// with their instances, newest first by nothing in particular (the caller sorts).
pub async fn inbox_candidates<C: ConnectionTrait>(
    conn: &C,
    q: &InboxQuery,
) -> Result<Vec<(document::Model, workflow_instance::Model)>> {
    use crate::entities::{consultation, outbox_message};
    use sea_orm::sea_query::Query;
    use std::collections::{BTreeSet, HashMap};
    let mut wanted: HashMap<i32, workflow_instance::Model> = HashMap::new();
    // 1. Own agencies (and own drafts): instances in the relevant states of their documents.
    let agency_ids: BTreeSet<i32> = q.agency_states.iter().map(|(a, _)| *a).collect();
    let mut states: BTreeSet<String> = q
        .agency_states
        .iter()
        .flat_map(|(_, s)| s.iter().cloned())
        .collect();
    if let Some((_, s)) = &q.drafter {
        states.extend(s.iter().cloned());
    }
    if !states.is_empty() && (!agency_ids.is_empty() || q.drafter.is_some()) {
        let mut docs = Query::select();
        docs.column(document::Column::Id).from(document::Entity);
        let mut cond = sea_orm::Condition::any();
        if !agency_ids.is_empty() {
            cond = cond.add(document::Column::AgencyId.is_in(agency_ids.iter().copied()));
        }
        if let Some((uid, _)) = &q.drafter {
            cond = cond.add(document::Column::DrafterId.eq(*uid));
        }
        docs.cond_where(cond);
        for i in workflow_instance::Entity::find()
            .filter(workflow_instance::Column::State.is_in(states.iter().cloned()))
            .filter(workflow_instance::Column::DocumentId.in_subquery(docs.to_owned()))
            .all(conn)
            .await?
        {
            wanted.insert(i.document_id, i);
        }
    }
    // 2. Sent to one of the user's agencies (the outbox records each recipient agency).
    if !q.recipient_agencies.is_empty() && !q.recipient_states.is_empty() {
        let mut sent = Query::select();
        sent.column(outbox_message::Column::DocumentId)
            .from(outbox_message::Entity)
            .and_where(
                outbox_message::Column::AgencyId.is_in(q.recipient_agencies.iter().copied()),
            );
        for i in workflow_instance::Entity::find()
            .filter(workflow_instance::Column::State.is_in(q.recipient_states.iter().cloned()))
            .filter(workflow_instance::Column::DocumentId.in_subquery(sent.to_owned()))
            .all(conn)
            .await?
        {
            wanted.insert(i.document_id, i);
        }
    }
    // 3. Consultations awaiting an answer from one of the user's agencies.
    if !q.consulted_agencies.is_empty() {
        let mut open = Query::select();
        open.column(consultation::Column::InstanceId)
            .from(consultation::Entity)
            .and_where(consultation::Column::AgencyId.is_in(q.consulted_agencies.iter().copied()))
            .and_where(consultation::Column::AnsweredAt.is_null());
        for i in workflow_instance::Entity::find()
            .filter(workflow_instance::Column::Id.in_subquery(open.to_owned()))
            .all(conn)
            .await?
        {
            wanted.insert(i.document_id, i);
        }
    }
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(wanted.len());
    let ids: Vec<i32> = wanted.keys().copied().collect();
    for chunk in ids.chunks(500) {
        for d in document::Entity::find()
            .filter(document::Column::Id.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            if let Some(i) = wanted.remove(&d.id) {
                out.push((d, i));
            }
        }
    }
    Ok(out)
}

/// Latest versions of several documents, by document id.
pub async fn latest_versions<C: ConnectionTrait>(
    conn: &C,
    docs: &[(i32, i32)],
) -> Result<std::collections::HashMap<i32, document_version::Model>> {
    let mut out = std::collections::HashMap::new();
    for chunk in docs.chunks(300) {
        let mut cond = sea_orm::Condition::any();
        for (doc, no) in chunk {
            cond = cond.add(
                sea_orm::Condition::all()
                    .add(document_version::Column::DocumentId.eq(*doc))
                    .add(document_version::Column::VersionNo.eq(*no)),
            );
        }
        for v in document_version::Entity::find()
            .filter(cond)
            .all(conn)
            .await?
        {
            out.insert(v.document_id, v);
        }
    }
    Ok(out)
}

/// Distinct (definition id, version) pairs that instances run on.
pub async fn definitions_in_use<C: ConnectionTrait>(conn: &C) -> Result<Vec<(String, u32)>> {
    use sea_orm::QuerySelect;
    let rows: Vec<(String, i32)> = workflow_instance::Entity::find()
        .select_only()
        .column(workflow_instance::Column::DefinitionId)
        .column(workflow_instance::Column::DefinitionVersion)
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, v)| (id, u32::try_from(v).unwrap_or(0)))
        .collect())
}

/// Every registered workflow definition version (sources included), by id and version.
pub async fn definitions<C: ConnectionTrait>(conn: &C) -> Result<Vec<workflow_definition::Model>> {
    Ok(workflow_definition::Entity::find()
        .order_by_asc(workflow_definition::Column::DefinitionId)
        .order_by_asc(workflow_definition::Column::Version)
        .all(conn)
        .await?)
}

/// How many documents sit in each state of each definition version:
/// (definition id, version, state, documents).
pub async fn instance_counts<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<(String, i32, String, i64)>> {
    use sea_orm::QuerySelect;
    Ok(workflow_instance::Entity::find()
        .select_only()
        .column(workflow_instance::Column::DefinitionId)
        .column(workflow_instance::Column::DefinitionVersion)
        .column(workflow_instance::Column::State)
        .column_as(workflow_instance::Column::Id.count(), "n")
        .group_by(workflow_instance::Column::DefinitionId)
        .group_by(workflow_instance::Column::DefinitionVersion)
        .group_by(workflow_instance::Column::State)
        .into_tuple()
        .all(conn)
        .await?)
}
