//! The recipient's steps on one row (register, forward, acknowledge, archive): who may take
//! them is decided here, which status allows them is the domain's table.

use super::*;

fn clerk_only(d: &Detail) -> Result<()> {
    if d.access.clerk {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Chỉ văn thư của cơ quan nhận mới thực hiện thao tác này.".into(),
        ))
    }
}

/// The recipient clerk registers the document with the agency's next số đến.
pub async fn register(
    store: &Store,
    p: &Principal,
    id: i32,
    now: DateTime<Utc>,
) -> Result<IncomingView> {
    let d = detail(store, p, id).await?;
    clerk_only(&d)?;
    let step = step_of(&d.row, Event::Register)?;
    let txn = store.begin_write().await?;
    repo::register(&txn, &p.actor(), &d.row, step, p.user.id, vn_date(now), now)
        .await
        .map_err(store_err)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(detail(store, p, id).await?.view)
}

/// Forwards (chuyển xử lý) to a person of the recipient agency, with an optional deadline.
pub async fn forward(
    store: &Store,
    p: &Principal,
    id: i32,
    to_username: &str,
    deadline: Option<NaiveDate>,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<IncomingView> {
    let d = detail(store, p, id).await?;
    clerk_only(&d)?;
    let user = accounts::user_by_username(store.db(), to_username.trim())
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| AppError::Invalid(format!("Không có tài khoản \"{to_username}\".")))?;
    let member = accounts::memberships(store.db(), user.id)
        .await?
        .iter()
        .any(|m| m.agency_id == d.row.agency_id);
    if !member {
        return Err(AppError::Invalid(format!(
            "{} không thuộc {}.",
            user.full_name, d.view.agency_name
        )));
    }
    if deadline.is_some_and(|dl| dl < vn_date(now)) {
        return Err(AppError::Invalid(
            "Hạn xử lý không được trước ngày hôm nay.".into(),
        ));
    }
    let step = step_of(&d.row, Event::Forward)?;
    let txn = store.begin_write().await?;
    repo::forward(&txn, &p.actor(), id, step, user.id, deadline, note, now)
        .await
        .map_err(store_err)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(detail(store, p, id).await?.view)
}

/// Acknowledges receipt (ký nhận): the clerk, or the person it was forwarded to.
pub async fn acknowledge(
    store: &Store,
    p: &Principal,
    id: i32,
    now: DateTime<Utc>,
) -> Result<IncomingView> {
    let d = detail(store, p, id).await?;
    if !(d.access.clerk || d.access.assignee) {
        return Err(AppError::Forbidden(
            "Chỉ văn thư hoặc người được giao xử lý mới ký nhận văn bản đến.".into(),
        ));
    }
    let step = step_of(&d.row, Event::Acknowledge)?;
    let txn = store.begin_write().await?;
    repo::acknowledge(&txn, &p.actor(), id, step, p.user.id, now)
        .await
        .map_err(store_err)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(detail(store, p, id).await?.view)
}

/// Archives (lưu trữ) the document with its signed file.
pub async fn archive(
    store: &Store,
    p: &Principal,
    id: i32,
    now: DateTime<Utc>,
) -> Result<IncomingView> {
    let d = detail(store, p, id).await?;
    clerk_only(&d)?;
    let step = step_of(&d.row, Event::Archive)?;
    let txn = store.begin_write().await?;
    repo::archive(&txn, &p.actor(), id, step, p.user.id, now)
        .await
        .map_err(store_err)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(detail(store, p, id).await?.view)
}
