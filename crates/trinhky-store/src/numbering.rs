//! Official numbers: a counter per (organisation, year, register), taken inside the issuing
//! transaction. The increment is one `UPDATE` on the counter row: on PostgreSQL it holds the row
//! lock until commit, on SQLite the write transaction is exclusive, so concurrent issuings are
//! serialised; a transaction that rolls back gives its number back. Numbers are therefore unique
//! and gap-free, starting at 1 each calendar year.

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::audit::{self, AuditInput};
use crate::entities::{number_counter, outgoing_register};
use crate::{Result, StoreError};

/// Takes the next number of a register. Call inside the issuing transaction.
pub async fn next_number<C: ConnectionTrait>(
    conn: &C,
    agency_id: i32,
    year: i32,
    register: &str,
) -> Result<i32> {
    number_counter::Entity::insert(number_counter::ActiveModel {
        agency_id: Set(agency_id),
        year: Set(year),
        register: Set(register.to_owned()),
        last_value: Set(0),
    })
    .on_conflict_do_nothing_on([
        number_counter::Column::AgencyId,
        number_counter::Column::Year,
        number_counter::Column::Register,
    ])
    .exec(conn)
    .await?;
    let filter = |q: sea_orm::UpdateMany<number_counter::Entity>| {
        q.filter(number_counter::Column::AgencyId.eq(agency_id))
            .filter(number_counter::Column::Year.eq(year))
            .filter(number_counter::Column::Register.eq(register))
    };
    let res = filter(number_counter::Entity::update_many().col_expr(
        number_counter::Column::LastValue,
        Expr::col(number_counter::Column::LastValue).add(1),
    ))
    .exec(conn)
    .await?;
    if res.rows_affected != 1 {
        return Err(StoreError::Corrupt(format!(
            "number counter {agency_id}/{year}/{register} is missing"
        )));
    }
    let row = number_counter::Entity::find()
        .filter(number_counter::Column::AgencyId.eq(agency_id))
        .filter(number_counter::Column::Year.eq(year))
        .filter(number_counter::Column::Register.eq(register))
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::Corrupt("number counter vanished".into()))?;
    Ok(row.last_value)
}

/// One outgoing-register entry (the decree's columns: số, ký hiệu; ngày tháng; tên loại và
/// trích yếu; người ký; nơi nhận; đơn vị lưu; số lượng bản; ghi chú).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    pub agency_id: i32,
    pub register: String,
    pub seq: i32,
    pub number: String,
    pub document_id: Option<i32>,
    pub doc_type: String,
    pub issued_on: NaiveDate,
    pub title: String,
    pub signer: String,
    pub recipients: String,
    pub copies: i32,
    pub note: String,
}

/// The folded text a register entry is searched by (the migration `m0013_search` backfills
/// existing rows with the same fold).
pub fn outgoing_search_text(e: &Entry) -> String {
    trinhky_domain::text::fold(
        &[
            e.number.as_str(),
            &e.doc_type,
            &e.title,
            &e.signer,
            &e.recipients,
            &e.note,
        ]
        .join(" "),
    )
}

/// Writes the register entry and its audit event (same transaction as the number).
pub async fn register_outgoing<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    e: &Entry,
) -> Result<outgoing_register::Model> {
    use chrono::Datelike;
    let m = outgoing_register::ActiveModel {
        agency_id: Set(e.agency_id),
        year: Set(e.issued_on.year()),
        register: Set(e.register.clone()),
        seq: Set(e.seq),
        number: Set(e.number.clone()),
        document_id: Set(e.document_id),
        doc_type: Set(e.doc_type.clone()),
        issued_on: Set(e.issued_on),
        title: Set(e.title.clone()),
        signer: Set(e.signer.clone()),
        recipients: Set(e.recipients.clone()),
        copies: Set(e.copies),
        note: Set(e.note.clone()),
        created_at: Set(Utc::now()),
        recalled_at: Set(None),
        recall_reason: Set(None),
        search_text: Set(outgoing_search_text(e)),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let mut ev = AuditInput::new(actor, "number.assign", "outgoing_register", &e.number).after(e);
    if let Some(d) = e.document_id {
        ev = ev.document(d);
    }
    audit::record(conn, ev).await?;
    Ok(m)
}

/// The register entry of a document, if it has been numbered.
pub async fn number_of<C: ConnectionTrait>(
    conn: &C,
    document_id: i32,
) -> Result<Option<outgoing_register::Model>> {
    Ok(outgoing_register::Entity::find()
        .filter(outgoing_register::Column::DocumentId.eq(document_id))
        .one(conn)
        .await?)
}

/// An organisation's register for a year, in number order.
pub async fn outgoing<C: ConnectionTrait>(
    conn: &C,
    agency_id: i32,
    year: i32,
) -> Result<Vec<outgoing_register::Model>> {
    Ok(outgoing_register::Entity::find()
        .filter(outgoing_register::Column::AgencyId.eq(agency_id))
        .filter(outgoing_register::Column::Year.eq(year))
        .order_by_asc(outgoing_register::Column::Register)
        .order_by_asc(outgoing_register::Column::Seq)
        .all(conn)
        .await?)
}

/// Every entry of an organisation's outgoing register, oldest first.
pub async fn outgoing_all<C: ConnectionTrait>(
    conn: &C,
    agency_id: i32,
) -> Result<Vec<outgoing_register::Model>> {
    Ok(outgoing_register::Entity::find()
        .filter(outgoing_register::Column::AgencyId.eq(agency_id))
        .order_by_asc(outgoing_register::Column::IssuedOn)
        .order_by_asc(outgoing_register::Column::Id)
        .all(conn)
        .await?)
}

/// Filters of the outgoing register, applied in SQL.
#[derive(Debug, Clone, Default)]
pub struct OutgoingFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Already folded (`trinhky_domain::text::fold`); matched anywhere in the row's search text.
    pub text: Option<String>,
}

/// The entries of an organisation's outgoing register matching `f`, oldest first, and how many
/// match in all; `page` None returns every matching entry (exports).
pub async fn outgoing_filtered<C: ConnectionTrait>(
    conn: &C,
    agency_id: i32,
    f: &OutgoingFilter,
    page: Option<crate::PageRequest>,
) -> Result<(Vec<outgoing_register::Model>, u64)> {
    use sea_orm::{PaginatorTrait, QuerySelect};
    let mut q =
        outgoing_register::Entity::find().filter(outgoing_register::Column::AgencyId.eq(agency_id));
    if let Some(from) = f.from {
        q = q.filter(outgoing_register::Column::IssuedOn.gte(from));
    }
    if let Some(to) = f.to {
        q = q.filter(outgoing_register::Column::IssuedOn.lte(to));
    }
    if let Some(t) = f.text.as_deref().filter(|t| !t.is_empty()) {
        q = q.filter(outgoing_register::Column::SearchText.like(crate::contains_pattern(t)));
    }
    let q = q
        .order_by_asc(outgoing_register::Column::IssuedOn)
        .order_by_asc(outgoing_register::Column::Id);
    match page {
        None => {
            let rows = q.all(conn).await?;
            let n = rows.len() as u64;
            Ok((rows, n))
        }
        Some(p) => {
            let total = q.clone().count(conn).await?;
            let rows = q.offset(p.offset()).limit(p.per_page).all(conn).await?;
            Ok((rows, total))
        }
    }
}

/// The number [`next_number`] would give now, without taking it (the clerk's preview).
pub async fn peek_next<C: ConnectionTrait>(
    conn: &C,
    agency_id: i32,
    year: i32,
    register: &str,
) -> Result<i32> {
    let last = number_counter::Entity::find()
        .filter(number_counter::Column::AgencyId.eq(agency_id))
        .filter(number_counter::Column::Year.eq(year))
        .filter(number_counter::Column::Register.eq(register))
        .one(conn)
        .await?
        .map_or(0, |c| c.last_value);
    Ok(last + 1)
}
