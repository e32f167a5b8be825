//! Creating a report from an assignment, editing it (each edit a new version), and setting its
//! độ mật.

use chrono::Utc;
use trinhky_domain::Role;
use trinhky_domain::workflow;
use trinhky_store::documents::{self as repo, Content, NewDocument};
use trinhky_store::entities::document;
use trinhky_store::{Store, accounts, directory, intake};

use super::{load, store_err};
use crate::access::Want;
use crate::registry::Registry;
use crate::{AppError, Principal, Result};

/// Creates a report (báo cáo …) from an assignment of the caller's agency; the caller becomes
/// its drafter. The content is prefilled from the assignment.
pub async fn create_from_assignment(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    assignment_id: i32,
    doc_type: Option<&str>,
) -> Result<document::Model> {
    let db = store.db();
    let a = intake::assignment_by_id(db, assignment_id)
        .await?
        .ok_or_else(|| AppError::Forbidden(String::new()))?;
    let agency = directory::agency_by_id(db, a.lead_agency_id)
        .await?
        .ok_or_else(|| AppError::Forbidden(String::new()))?;
    if !p.has_role(&agency.code, Role::Drafter) {
        return Err(AppError::Forbidden(
            "Chỉ chuyên viên của cơ quan chủ trì mới soạn báo cáo cho nhiệm vụ này.".into(),
        ));
    }
    // One report per assignment: opening it again leads to the same document.
    if let Some(existing) = repo::document_for_assignment(db, a.id).await? {
        return Ok(existing);
    }
    let doc_type = doc_type.unwrap_or(if a.deliverable.to_lowercase().starts_with("kế hoạch") {
        "KH"
    } else {
        "BC"
    });
    let def = registry.for_doc_type(doc_type).ok_or_else(|| {
        AppError::Invalid(format!(
            "no workflow handles document type {doc_type}; add it to a definition's doc_types"
        ))
    })?;
    let title = if a.deliverable.trim().is_empty() {
        format!("Kết quả thực hiện nhiệm vụ {}", a.task_ref)
    } else {
        without_type_name(&a.deliverable)
    };
    // A report goes to the report-to body; "(qua Sở Nội vụ)" is for the other agencies, not for
    // Sở Nội vụ's own report.
    let report_to = trinhky_domain::resolve::without_own_channel(
        &a.report_to,
        &crate::directive_intake::directory_index(store).await?,
        &agency.code,
    );
    let addressees = if report_to.is_empty() {
        "Ủy ban nhân dân tỉnh".to_owned()
    } else {
        report_to
    };
    let content = Content {
        title,
        body: String::new(),
        addressees: addressees.clone(),
        recipients: format!("- Như trên;\n- Lưu: VT, {}.", agency.code),
    };
    // The optional unit review applies in agencies that have a unit head (trưởng phòng).
    let has_unit_head = accounts::agency_members(db, agency.id)
        .await?
        .iter()
        .any(|(_, r, _)| *r == Role::UnitHead);
    let now = Utc::now();
    let txn = store.begin_write().await?;
    let (doc, _) = repo::create_document(
        &txn,
        &p.actor(),
        NewDocument {
            agency_id: agency.id,
            assignment_id: Some(a.id),
            doc_type: doc_type.to_owned(),
            drafter_id: p.user.id,
            content,
            definition_id: def.id.clone(),
            definition_version: i32::try_from(def.version).unwrap_or(i32::MAX),
            initial_state: def.initial.clone(),
            skip_optional: !has_unit_head,
            due_date: a.last_day,
        },
        now,
    )
    .await
    .map_err(store_err)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(doc)
}

/// Saves an edit as a new version. Only the drafter, and only while the document is in a state
/// the drafter is responsible for.
pub async fn edit(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    doc_id: i32,
    expected_version: i32,
    content: Content,
    note: &str,
) -> Result<i32> {
    let l = load(store, registry, p, doc_id, Want::Change).await?;
    if !crate::attachments::may_edit(&l, p) {
        return Err(AppError::Forbidden(
            "Chỉ chuyên viên soạn thảo được sửa văn bản khi văn bản đang ở bước dự thảo.".into(),
        ));
    }
    if content.title.trim().is_empty() {
        return Err(AppError::Invalid("Trích yếu không được để trống.".into()));
    }
    let content = Content {
        title: trinhky_domain::text::nfc(content.title.trim()),
        body: trinhky_domain::text::nfc(&content.body),
        addressees: trinhky_domain::text::nfc(content.addressees.trim()),
        recipients: trinhky_domain::text::nfc(content.recipients.trim()),
    };
    let txn = store.begin_write().await?;
    let no = repo::add_version(
        &txn,
        &p.actor(),
        doc_id,
        expected_version,
        p.user.id,
        &content,
        note,
        Utc::now(),
    )
    .await
    .map_err(store_err)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(no)
}

/// Sets the document's độ mật: the drafter while drafting, or the agency head before issuing.
/// A classified document is numbered in its own register and is never e-mailed.
pub async fn classify(
    store: &Store,
    registry: &Registry,
    p: &Principal,
    doc_id: i32,
    classification: Option<trinhky_domain::numbering::Classification>,
) -> Result<()> {
    let l = load(store, registry, p, doc_id, Want::Change).await?;
    let drafter_state = l
        .definition
        .state(&l.instance.state)
        .is_some_and(|s| s.role == Some(workflow::ActorRole::Drafter));
    let numbered = trinhky_store::numbering::number_of(store.db(), doc_id)
        .await?
        .is_some();
    let allowed = (l.document.drafter_id == p.user.id && drafter_state)
        || (p.has_role(&l.agency_code, Role::AgencyHead) && !numbered);
    if !allowed {
        return Err(AppError::Forbidden(
            "Chỉ chuyên viên soạn thảo (khi dự thảo) hoặc thủ trưởng cơ quan (trước khi phát hành) được xác định độ mật.".into(),
        ));
    }
    let txn = store.begin_write().await?;
    repo::set_classification(
        &txn,
        &p.actor(),
        doc_id,
        classification.map(|c| c.as_str()),
        Utc::now(),
    )
    .await
    .map_err(store_err)?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(())
}

/// A deliverable as the trích yếu of its report: the type name goes, since the layout prints it
/// above ("BÁO CÁO / Kết quả …", not "BÁO CÁO / Báo cáo kết quả …"); the rest starts with a
/// capital.
fn without_type_name(deliverable: &str) -> String {
    let t = trinhky_domain::text::nfc(deliverable.trim());
    for name in ["kế hoạch", "báo cáo"] {
        let n = name.chars().count();
        let head: String = t.chars().take(n).flat_map(char::to_lowercase).collect();
        let rest: String = t.chars().skip(n).collect();
        if head == name && rest.starts_with(char::is_whitespace) {
            let mut chars = rest.trim_start().chars();
            if let Some(first) = chars.next() {
                return first.to_uppercase().chain(chars).collect();
            }
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::without_type_name;

    #[test]
    fn the_trich_yeu_does_not_repeat_the_type_name() {
        assert_eq!(
            without_type_name("Kế hoạch triển khai Chương trình chuyển đổi số"),
            "Triển khai Chương trình chuyển đổi số"
        );
        assert_eq!(
            without_type_name("Báo cáo kết quả thực hiện CCHC năm 2023"),
            "Kết quả thực hiện CCHC năm 2023"
        );
        assert_eq!(without_type_name("Kế hoạch"), "Kế hoạch");
        assert_eq!(
            without_type_name("Tổng kết 5 năm thi hành Luật"),
            "Tổng kết 5 năm thi hành Luật"
        );
    }
}
