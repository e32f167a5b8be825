//! Consultations (lấy ý kiến) of other agencies on a document.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::Result;

/// Consultations of an instance with the consulted agency's code.
pub async fn consultations_of<C: ConnectionTrait>(
    conn: &C,
    instance_id: i32,
) -> Result<Vec<(String, crate::entities::consultation::Model)>> {
    use crate::entities::{agency, consultation};
    let rows = consultation::Entity::find()
        .filter(consultation::Column::InstanceId.eq(instance_id))
        .order_by_asc(consultation::Column::Id)
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for c in rows {
        let code = agency::Entity::find_by_id(c.agency_id)
            .one(conn)
            .await?
            .map(|a| a.code)
            .unwrap_or_default();
        out.push((code, c));
    }
    Ok(out)
}

/// Opens a consultation of an agency (once per instance and agency).
pub async fn open_consultation<C: ConnectionTrait>(
    conn: &C,
    instance_id: i32,
    agency_id: i32,
    due: NaiveDate,
) -> Result<()> {
    use crate::entities::consultation;
    let exists = consultation::Entity::find()
        .filter(consultation::Column::InstanceId.eq(instance_id))
        .filter(consultation::Column::AgencyId.eq(agency_id))
        .one(conn)
        .await?;
    if exists.is_none() {
        consultation::ActiveModel {
            instance_id: Set(instance_id),
            agency_id: Set(agency_id),
            due: Set(due),
            answered_at: Set(None),
            answered_by: Set(None),
            answer: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Records an agency's answer to a consultation.
pub async fn answer_consultation<C: ConnectionTrait>(
    conn: &C,
    instance_id: i32,
    agency_id: i32,
    user_id: i32,
    answer: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    use crate::entities::consultation;
    consultation::Entity::update_many()
        .col_expr(consultation::Column::AnsweredAt, Expr::value(Some(now)))
        .col_expr(consultation::Column::AnsweredBy, Expr::value(Some(user_id)))
        .col_expr(
            consultation::Column::Answer,
            Expr::value(Some(answer.to_owned())),
        )
        .filter(consultation::Column::InstanceId.eq(instance_id))
        .filter(consultation::Column::AgencyId.eq(agency_id))
        .filter(consultation::Column::AnsweredAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
