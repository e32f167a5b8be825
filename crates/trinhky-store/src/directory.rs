//! The directory in the database: agencies, recipient groups and their members.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use trinhky_domain::directory::{Agency, AgencyKind, Directory, RecipientGroup};

use crate::audit::{self, AuditInput};
use crate::entities::{agency, directory_settings, group_member, recipient_group};
use crate::{Result, Store, StoreError};

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub agencies_created: usize,
    pub agencies_updated: usize,
    pub agencies_unchanged: usize,
    pub groups_created: usize,
    pub groups_updated: usize,
    pub groups_unchanged: usize,
    /// Agencies in the database that the file does not list (kept: users and documents refer to them).
    pub agencies_not_in_file: Vec<String>,
}

impl ImportSummary {
    pub fn changed(&self) -> bool {
        self.agencies_created + self.agencies_updated + self.groups_created + self.groups_updated
            > 0
    }
}

/// Converts a row into the domain type.
pub fn agency_from_row(m: &agency::Model) -> Result<Agency> {
    let kind: AgencyKind = serde_json::from_value(serde_json::Value::String(m.kind.clone()))
        .map_err(|_| {
            StoreError::Corrupt(format!("agency {} has unknown kind {}", m.code, m.kind))
        })?;
    let aliases: Vec<String> = serde_json::from_str(&m.aliases)
        .map_err(|_| StoreError::Corrupt(format!("agency {} has malformed aliases", m.code)))?;
    Ok(Agency {
        code: m.code.clone(),
        name: m.name.clone(),
        short_name: m.short_name.clone(),
        parent: m.parent.clone(),
        kind,
        email: m.email.clone(),
        head_title: m.head_title.clone(),
        deputy_title: m.deputy_title.clone(),
        aliases,
        uses_trinhky: m.uses_trinhky,
    })
}

fn aliases_json(aliases: &[String]) -> String {
    serde_json::to_string(aliases).unwrap_or_else(|_| "[]".into())
}

/// Imports a validated directory in one transaction: creates or updates agencies and groups by
/// code and writes one audit event per change. Importing the same file again changes nothing
/// and writes no event. `progress(done, total)` is called as items are processed.
pub async fn import(
    store: &Store,
    dir: &Directory,
    actor: &str,
    mut progress: impl FnMut(usize, usize),
) -> Result<ImportSummary> {
    let txn = store.begin_write().await?;
    let now = Utc::now();
    let total = dir.agencies.len() + dir.groups.len();
    let mut summary = ImportSummary::default();

    import_settings(&txn, dir, actor, now).await?;

    let existing: HashMap<String, agency::Model> = agency::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| (m.code.clone(), m))
        .collect();
    let mut ids: HashMap<String, i32> = existing.iter().map(|(c, m)| (c.clone(), m.id)).collect();
    for (i, a) in dir.agencies.iter().enumerate() {
        match existing.get(&a.code) {
            Some(row) => {
                let current = agency_from_row(row)?;
                if &current == a {
                    summary.agencies_unchanged += 1;
                } else {
                    write_agency_update(&txn, actor, row, &current, a, now).await?;
                    summary.agencies_updated += 1;
                }
            }
            None => {
                let row = write_agency_create(&txn, actor, a, now).await?;
                ids.insert(a.code.clone(), row.id);
                summary.agencies_created += 1;
            }
        }
        progress(i + 1, total);
    }
    let in_file: BTreeSet<&str> = dir.agencies.iter().map(|a| a.code.as_str()).collect();
    summary.agencies_not_in_file = existing
        .keys()
        .filter(|c| !in_file.contains(c.as_str()))
        .cloned()
        .collect();
    summary.agencies_not_in_file.sort();

    for (i, g) in dir.groups.iter().enumerate() {
        match import_group(&txn, actor, g, &ids, now).await? {
            Change::Created => summary.groups_created += 1,
            Change::Updated => summary.groups_updated += 1,
            Change::Unchanged => summary.groups_unchanged += 1,
        }
        progress(dir.agencies.len() + i + 1, total);
    }
    txn.commit().await?;
    Ok(summary)
}

/// What importing one entry did.
enum Change {
    Created,
    Updated,
    Unchanged,
}

/// The directory's own settings (name, place, mail domain, province office): written and
/// audited only when they differ.
async fn import_settings<C: ConnectionTrait>(
    conn: &C,
    dir: &Directory,
    actor: &str,
    now: chrono::DateTime<Utc>,
) -> Result<()> {
    let settings = directory_settings::Entity::find_by_id(1).one(conn).await?;
    let wanted = (
        &dir.name,
        &dir.place,
        &dir.email_domain,
        &dir.province_office,
    );
    match settings {
        Some(s) if (&s.name, &s.place, &s.email_domain, &s.province_office) == wanted => {}
        existing => {
            let before = existing
                .as_ref()
                .map(|s| (&s.name, &s.place, &s.email_domain, &s.province_office));
            let am = directory_settings::ActiveModel {
                id: Set(1),
                name: Set(dir.name.clone()),
                place: Set(dir.place.clone()),
                email_domain: Set(dir.email_domain.clone()),
                province_office: Set(dir.province_office.clone()),
                updated_at: Set(now),
            };
            let mut ev =
                AuditInput::new(actor, "directory.settings", "directory", 1).after(&wanted);
            if let Some(b) = before {
                ev = ev.before(&b);
                am.update(conn).await?;
            } else {
                am.insert(conn).await?;
            }
            audit::record(conn, ev).await?;
        }
    }
    Ok(())
}

/// Creates or updates one recipient group by code; `ids` maps agency codes to row ids.
async fn import_group<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    g: &RecipientGroup,
    ids: &HashMap<String, i32>,
    now: chrono::DateTime<Utc>,
) -> Result<Change> {
    let row = recipient_group::Entity::find()
        .filter(recipient_group::Column::Code.eq(&g.code))
        .one(conn)
        .await?;
    let wanted = RecipientGroup {
        members: sorted_codes(g.members.iter().cloned()),
        ..g.clone()
    };
    let Some(row) = row else {
        let row = recipient_group::ActiveModel {
            code: Set(g.code.clone()),
            name: Set(g.name.clone()),
            aliases: Set(aliases_json(&g.aliases)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        insert_members(conn, row.id, &g.members, ids).await?;
        audit::record(
            conn,
            AuditInput::new(actor, "group.create", "recipient_group", &g.code).after(&wanted),
        )
        .await?;
        return Ok(Change::Created);
    };
    let members = group_member::Entity::find()
        .filter(group_member::Column::GroupId.eq(row.id))
        .all(conn)
        .await?;
    let code_of: HashMap<i32, &str> = ids.iter().map(|(c, id)| (*id, c.as_str())).collect();
    let current = RecipientGroup {
        code: row.code.clone(),
        name: row.name.clone(),
        aliases: serde_json::from_str(&row.aliases).unwrap_or_default(),
        members: sorted_codes(
            members
                .iter()
                .filter_map(|m| code_of.get(&m.agency_id).map(|c| (*c).to_owned())),
        ),
    };
    if current == wanted {
        return Ok(Change::Unchanged);
    }
    let mut am: recipient_group::ActiveModel = row.clone().into();
    am.name = Set(g.name.clone());
    am.aliases = Set(aliases_json(&g.aliases));
    am.updated_at = Set(now);
    am.update(conn).await?;
    group_member::Entity::delete_many()
        .filter(group_member::Column::GroupId.eq(row.id))
        .exec(conn)
        .await?;
    insert_members(conn, row.id, &g.members, ids).await?;
    audit::record(
        conn,
        AuditInput::new(actor, "group.update", "recipient_group", &g.code)
            .before(&current)
            .after(&wanted),
    )
    .await?;
    Ok(Change::Updated)
}

async fn write_agency_create<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    a: &Agency,
    now: chrono::DateTime<Utc>,
) -> Result<agency::Model> {
    let row = agency::ActiveModel {
        code: Set(a.code.clone()),
        name: Set(a.name.clone()),
        short_name: Set(a.short_name.clone()),
        parent: Set(a.parent.clone()),
        kind: Set(a.kind.as_str().to_owned()),
        email: Set(a.email.clone()),
        head_title: Set(a.head_title.clone()),
        deputy_title: Set(a.deputy_title.clone()),
        aliases: Set(aliases_json(&a.aliases)),
        uses_trinhky: Set(a.uses_trinhky),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        AuditInput::new(actor, "agency.create", "agency", &a.code).after(a),
    )
    .await?;
    Ok(row)
}

async fn write_agency_update<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    row: &agency::Model,
    current: &Agency,
    a: &Agency,
    now: chrono::DateTime<Utc>,
) -> Result<agency::Model> {
    let mut am: agency::ActiveModel = row.clone().into();
    am.name = Set(a.name.clone());
    am.short_name = Set(a.short_name.clone());
    am.parent = Set(a.parent.clone());
    am.kind = Set(a.kind.as_str().to_owned());
    am.email = Set(a.email.clone());
    am.head_title = Set(a.head_title.clone());
    am.deputy_title = Set(a.deputy_title.clone());
    am.aliases = Set(aliases_json(&a.aliases));
    am.uses_trinhky = Set(a.uses_trinhky);
    am.updated_at = Set(now);
    let m = am.update(conn).await?;
    audit::record(
        conn,
        AuditInput::new(actor, "agency.update", "agency", &a.code)
            .before(current)
            .after(a),
    )
    .await?;
    Ok(m)
}

/// Creates one agency (validated by the caller, see `trinhky_domain::directory::check_agency`)
/// with its audit event, as the importer does for a new code.
pub async fn create_agency<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    a: &Agency,
) -> Result<agency::Model> {
    if agency_by_code(conn, &a.code).await?.is_some() {
        return Err(StoreError::Conflict(format!(
            "agency \"{}\" already exists",
            a.code
        )));
    }
    write_agency_create(conn, actor, a, Utc::now()).await
}

/// Updates the agency with `a.code` (validated by the caller); returns false and writes nothing
/// when nothing changed, as the importer does.
pub async fn update_agency<C: ConnectionTrait>(conn: &C, actor: &str, a: &Agency) -> Result<bool> {
    let row = agency_by_code(conn, &a.code)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("agency \"{}\"", a.code)))?;
    let current = agency_from_row(&row)?;
    if &current == a {
        return Ok(false);
    }
    write_agency_update(conn, actor, &row, &current, a, Utc::now()).await?;
    Ok(true)
}

/// One group with its member codes.
pub async fn group_by_code<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> Result<Option<RecipientGroup>> {
    Ok(groups(conn).await?.into_iter().find(|g| g.code == code))
}

async fn agency_ids<C: ConnectionTrait>(conn: &C) -> Result<HashMap<String, i32>> {
    Ok(agency::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.code, a.id))
        .collect())
}

/// Creates a recipient group (validated by the caller, see
/// `trinhky_domain::directory::check_group`) with its members and audit event.
pub async fn create_group<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    g: &RecipientGroup,
) -> Result<()> {
    if recipient_group::Entity::find()
        .filter(recipient_group::Column::Code.eq(&g.code))
        .one(conn)
        .await?
        .is_some()
    {
        return Err(StoreError::Conflict(format!(
            "group \"{}\" already exists",
            g.code
        )));
    }
    let now = Utc::now();
    let row = recipient_group::ActiveModel {
        code: Set(g.code.clone()),
        name: Set(g.name.clone()),
        aliases: Set(aliases_json(&g.aliases)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    insert_members(conn, row.id, &g.members, &agency_ids(conn).await?).await?;
    audit::record(
        conn,
        AuditInput::new(actor, "group.create", "recipient_group", &g.code).after(g),
    )
    .await?;
    Ok(())
}

/// Replaces the name, aliases and members of the group with `g.code`; false when unchanged.
pub async fn update_group<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    g: &RecipientGroup,
) -> Result<bool> {
    let row = recipient_group::Entity::find()
        .filter(recipient_group::Column::Code.eq(&g.code))
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("group \"{}\"", g.code)))?;
    let current = group_by_code(conn, &g.code)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("group \"{}\"", g.code)))?;
    let wanted = RecipientGroup {
        members: sorted_codes(g.members.iter().cloned()),
        ..g.clone()
    };
    if current == wanted {
        return Ok(false);
    }
    let mut am: recipient_group::ActiveModel = row.clone().into();
    am.name = Set(g.name.clone());
    am.aliases = Set(aliases_json(&g.aliases));
    am.updated_at = Set(Utc::now());
    am.update(conn).await?;
    group_member::Entity::delete_many()
        .filter(group_member::Column::GroupId.eq(row.id))
        .exec(conn)
        .await?;
    insert_members(conn, row.id, &g.members, &agency_ids(conn).await?).await?;
    audit::record(
        conn,
        AuditInput::new(actor, "group.update", "recipient_group", &g.code)
            .before(&current)
            .after(&wanted),
    )
    .await?;
    Ok(true)
}

/// Deletes a group and its members with the audit event; false when there is no such group.
pub async fn delete_group<C: ConnectionTrait>(conn: &C, actor: &str, code: &str) -> Result<bool> {
    let Some(row) = recipient_group::Entity::find()
        .filter(recipient_group::Column::Code.eq(code))
        .one(conn)
        .await?
    else {
        return Ok(false);
    };
    let current = group_by_code(conn, code).await?;
    group_member::Entity::delete_many()
        .filter(group_member::Column::GroupId.eq(row.id))
        .exec(conn)
        .await?;
    recipient_group::Entity::delete_by_id(row.id)
        .exec(conn)
        .await?;
    let mut ev = AuditInput::new(actor, "group.delete", "recipient_group", code);
    if let Some(c) = &current {
        ev = ev.before(c);
    }
    audit::record(conn, ev).await?;
    Ok(true)
}

fn sorted_codes(codes: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = codes.collect();
    v.sort();
    v
}

async fn insert_members<C: ConnectionTrait>(
    conn: &C,
    group_id: i32,
    members: &[String],
    ids: &HashMap<String, i32>,
) -> Result<()> {
    for code in members {
        let agency_id = *ids
            .get(code)
            .ok_or_else(|| StoreError::NotFound(format!("agency {code} (member of a group)")))?;
        group_member::ActiveModel {
            group_id: Set(group_id),
            agency_id: Set(agency_id),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// All agencies, ordered by code.
pub async fn agencies<C: ConnectionTrait>(conn: &C) -> Result<Vec<agency::Model>> {
    Ok(agency::Entity::find()
        .order_by_asc(agency::Column::Code)
        .all(conn)
        .await?)
}

pub async fn agency_by_code<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> Result<Option<agency::Model>> {
    Ok(agency::Entity::find()
        .filter(agency::Column::Code.eq(code))
        .one(conn)
        .await?)
}

pub async fn agency_by_id<C: ConnectionTrait>(conn: &C, id: i32) -> Result<Option<agency::Model>> {
    Ok(agency::Entity::find_by_id(id).one(conn).await?)
}

/// All groups with their member codes.
pub async fn groups<C: ConnectionTrait>(conn: &C) -> Result<Vec<RecipientGroup>> {
    let agencies: HashMap<i32, String> = agency::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.code))
        .collect();
    let members = group_member::Entity::find().all(conn).await?;
    let mut out = Vec::new();
    for g in recipient_group::Entity::find()
        .order_by_asc(recipient_group::Column::Code)
        .all(conn)
        .await?
    {
        out.push(RecipientGroup {
            members: sorted_codes(
                members
                    .iter()
                    .filter(|m| m.group_id == g.id)
                    .filter_map(|m| agencies.get(&m.agency_id).cloned()),
            ),
            aliases: serde_json::from_str(&g.aliases).unwrap_or_default(),
            code: g.code,
            name: g.name,
        });
    }
    Ok(out)
}

/// The directory settings (place, mail domain, province office), once imported.
pub async fn settings<C: ConnectionTrait>(conn: &C) -> Result<Option<directory_settings::Model>> {
    Ok(directory_settings::Entity::find_by_id(1).one(conn).await?)
}
