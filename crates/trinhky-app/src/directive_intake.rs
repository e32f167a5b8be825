//! Use cases of directive intake (tiếp nhận văn bản chỉ đạo): upload → review → confirm.
//!
//! The parser proposes; a clerk of Văn phòng UBND decides. Upload stores the original file as a
//! blob and the directive in status `review`; confirm creates one assignment per lead agency and
//! task (group leads fan out to every member agency). Bad input stores nothing.

use chrono::NaiveDate;
use serde::Serialize;
use trinhky_domain::directive::{DeadlineKind, Directive, ParseOptions, parse};
use trinhky_domain::directory::{Agency, RecipientGroup};
use trinhky_domain::resolve::{
    DirectoryIndex, Lookup, ResolvedDirective, Target, resolve_directive,
};
use trinhky_domain::text::nfc;
use trinhky_domain::time;
use trinhky_pdf::extract::{MAX_INPUT_BYTES, extract_text};
use trinhky_store::entities::{assignment, directive};
use trinhky_store::intake::{NewAssignment, NewDirective};
use trinhky_store::{Store, StoreError, blobs, directory, intake};

use crate::{AppError, Result};

/// Extracts and parses a directive file without storing anything (`trinhky directive parse`).
pub fn parse_file(
    bytes: &[u8],
    filename: &str,
    today: NaiveDate,
) -> Result<(String, String, Directive)> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(AppError::Invalid(format!(
            "{filename}: the file is {:.1} MB, more than the {} MB accepted; upload the directive itself, not a bundle",
            bytes.len() as f64 / 1_048_576.0,
            MAX_INPUT_BYTES / 1_048_576
        )));
    }
    let extracted = extract_text(bytes, Some(filename))
        .map_err(|e| AppError::Invalid(format!("{filename}: {e}")))?;
    let format = format!("{:?}", extracted.format).to_lowercase();
    let parsed = parse(
        &extracted.text,
        &ParseOptions {
            reference_date: Some(today),
        },
    )
    .map_err(|e| AppError::Invalid(format!("{filename}: {e}")))?;
    let text = trinhky_domain::directive::normalize(&extracted.text);
    Ok((format, text, parsed))
}

/// The directory as the resolver sees it.
pub async fn directory_index(store: &Store) -> Result<DirectoryIndex> {
    let db = store.db();
    let agencies: Vec<Agency> = directory::agencies(db)
        .await?
        .iter()
        .map(directory::agency_from_row)
        .collect::<std::result::Result<_, StoreError>>()?;
    let groups: Vec<RecipientGroup> = directory::groups(db).await?;
    Ok(DirectoryIndex::new(&agencies, &groups))
}

/// Stores an uploaded directive for review; returns it. Nothing is stored when the file cannot
/// be read or parsed.
pub async fn upload(
    store: &Store,
    cpu: &crate::cpu::CpuPool,
    actor: &str,
    filename: &str,
    bytes: &[u8],
    today: NaiveDate,
) -> Result<directive::Model> {
    let (format, text, parsed) = {
        let (bytes, filename) = (bytes.to_vec(), filename.to_owned());
        cpu.run(move || parse_file(&bytes, &filename, today))
            .await?
    };
    if parsed.tasks.is_empty() && parsed.standing_directives.is_empty() {
        return Err(AppError::Invalid(format!(
            "{filename}: no task was found in this document; is it a directive?"
        )));
    }
    let media_type = match format.as_str() {
        "pdf" => "application/pdf",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "text/plain; charset=utf-8",
    };
    let title = parsed
        .document
        .title
        .clone()
        .unwrap_or_else(|| filename.rsplit('/').next().unwrap_or(filename).to_owned());
    let txn = store.begin_write().await?;
    let sha = blobs::put(&txn, bytes, media_type).await?;
    let d = intake::insert_directive(
        &txn,
        actor,
        NewDirective {
            doc_type: parsed.document.doc_type.clone(),
            number: parsed.document.number.clone(),
            issuer: parsed.document.issuer.clone(),
            title: nfc(&title),
            directive_date: parsed.document.date,
            source_sha256: sha,
            source_name: nfc(filename),
            source_format: format,
            text,
            parsed: serde_json::to_string(&parsed)
                .map_err(|e| AppError::Internal(e.to_string()))?,
        },
    )
    .await?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(d)
}

/// A stored directive with the parser's proposal resolved against today's directory.
pub struct Proposal {
    pub directive: directive::Model,
    pub parsed: Directive,
    pub resolved: ResolvedDirective,
}

pub async fn proposal(store: &Store, id: i32) -> Result<Proposal> {
    let directive = intake::directive_by_id(store.db(), id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Không có văn bản chỉ đạo số {id}.")))?;
    let parsed: Directive = serde_json::from_str(&directive.parsed).map_err(|e| {
        AppError::Internal(format!(
            "stored extraction of directive {id} is unreadable: {e}"
        ))
    })?;
    let index = directory_index(store).await?;
    let resolved = resolve_directive(&index, &parsed);
    Ok(Proposal {
        directive,
        parsed,
        resolved,
    })
}

/// The clerk's decision on one proposed task.
#[derive(Debug, Clone, Serialize)]
pub struct TaskDecision {
    pub task_index: usize,
    pub include: bool,
    /// Agency or group codes; groups fan out to their members.
    pub leads: Vec<String>,
    pub co_agencies: Vec<String>,
    pub deliverable: String,
    pub report_to: String,
    pub deadline_kind: DeadlineKind,
    pub last_day: Option<NaiveDate>,
    pub condition: Option<String>,
}

pub fn kind_str(k: DeadlineKind) -> &'static str {
    match k {
        DeadlineKind::Before => "before",
        DeadlineKind::NoLaterThan => "no_later_than",
        DeadlineKind::Within => "within",
        DeadlineKind::Relative => "relative",
        DeadlineKind::Conditional => "conditional",
    }
}

pub fn parse_kind(s: &str) -> Option<DeadlineKind> {
    [
        DeadlineKind::Before,
        DeadlineKind::NoLaterThan,
        DeadlineKind::Within,
        DeadlineKind::Relative,
        DeadlineKind::Conditional,
    ]
    .into_iter()
    .find(|k| kind_str(*k) == s)
}

/// The parser's proposal as decisions, which the clerk then edits.
pub fn proposed_decisions(parsed: &Directive, resolved: &ResolvedDirective) -> Vec<TaskDecision> {
    parsed
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let r = resolved.tasks.get(i);
            // Group leads stay as the group's code so the clerk sees "SO-BAN-NGANH", not 23 codes;
            // confirm fans them out to every member agency.
            let mut leads: Vec<String> = Vec::new();
            for res in r.map(|r| r.leads.as_slice()).unwrap_or_default() {
                for t in &res.targets {
                    let c = t.code().to_owned();
                    if !leads.contains(&c) {
                        leads.push(c);
                    }
                }
            }
            let co = r
                .map(|r| {
                    r.co_agencies
                        .iter()
                        .flat_map(|c| c.agency_codes())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            TaskDecision {
                task_index: i,
                include: !leads.is_empty(),
                leads,
                co_agencies: co,
                deliverable: t.deliverable.clone().unwrap_or_default(),
                report_to: t.report_to.join("; "),
                deadline_kind: t
                    .deadline
                    .as_ref()
                    .map_or(DeadlineKind::Conditional, |d| d.kind),
                last_day: t.deadline.as_ref().and_then(|d| d.last_day),
                condition: t.deadline.as_ref().and_then(|d| d.condition.clone()),
            }
        })
        .collect()
}

/// The form field of lead agencies, as messages name it.
pub const LEAD_FIELD: &str = "Cơ quan chủ trì";
/// The form field of co-agencies, as messages name it.
pub const CO_FIELD: &str = "Cơ quan phối hợp";

/// One name, or several separated by ";" or new lines ("Sở Tư pháp; Sở Tài chính"). A piece that
/// names nothing but splits on "," or spaces into known entries is read as such a list (codes
/// typed "SNV, STC" or "SNV STC", as the form took them before names).
fn named_pieces(index: &DirectoryIndex, input: &str) -> Vec<(String, Lookup)> {
    let mut out = Vec::new();
    for piece in input
        .split([';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let whole = index.lookup(piece);
        if matches!(whole, Lookup::Unknown) {
            let list = [',', ' '].into_iter().find_map(|sep| {
                let parts: Vec<(String, Lookup)> = piece
                    .split(sep)
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| (p.to_owned(), index.lookup(p)))
                    .collect();
                (parts.len() > 1 && parts.iter().all(|(_, l)| matches!(l, Lookup::Found(_))))
                    .then_some(parts)
            });
            if let Some(parts) = list {
                out.extend(parts);
                continue;
            }
        }
        out.push((piece.to_owned(), whole));
    }
    out
}

/// The agency codes of the agencies and groups named in a form field (names, short names, aliases
/// or codes; groups fan out to their members), deduplicated, in order. An unknown or ambiguous
/// name is refused with a message naming the task, the field and the name.
pub fn agency_codes(
    index: &DirectoryIndex,
    field: &str,
    task_ref: &str,
    inputs: &[String],
) -> Result<Vec<String>> {
    let mut codes: Vec<String> = Vec::new();
    for input in inputs {
        for (name, found) in named_pieces(index, input) {
            let members = match found {
                Lookup::Found(Target::Agency { code, .. }) => vec![code],
                Lookup::Found(Target::Group { members, .. }) => members,
                Lookup::Ambiguous(candidates) => {
                    let names: Vec<String> = candidates
                        .iter()
                        .filter_map(|t| index.name_of(t.code()))
                        .map(str::to_owned)
                        .collect();
                    return Err(AppError::Invalid(format!(
                        "Nhiệm vụ {task_ref}, ô “{field}”: “{name}” trùng tên với nhiều cơ quan ({}); ghi đầy đủ tên cơ quan.",
                        names.join("; ")
                    )));
                }
                Lookup::Unknown => {
                    return Err(AppError::Invalid(format!(
                        "Nhiệm vụ {task_ref}, ô “{field}”: không có cơ quan “{name}” trong danh bạ; chọn tên trong danh sách gợi ý."
                    )));
                }
            };
            for c in members {
                if !codes.contains(&c) {
                    codes.push(c);
                }
            }
        }
    }
    Ok(codes)
}

/// Confirms a directive with the clerk's decisions: validates every decision (naming the task
/// that is wrong), then creates the assignments and marks the directive confirmed, atomically.
pub async fn confirm(
    store: &Store,
    actor: &str,
    id: i32,
    decisions: &[TaskDecision],
) -> Result<Vec<assignment::Model>> {
    let p = proposal(store, id).await?;
    if p.directive.status != "review" {
        return Err(AppError::Conflict(format!(
            "directive {id} was already confirmed"
        )));
    }
    let index = directory_index(store).await?;
    let mut items = Vec::new();
    for dec in decisions.iter().filter(|d| d.include) {
        let task = p.parsed.tasks.get(dec.task_index).ok_or_else(|| {
            AppError::Invalid(format!(
                "task #{} does not exist in directive {id}",
                dec.task_index + 1
            ))
        })?;
        let r = &task.reference;
        let leads = agency_codes(&index, LEAD_FIELD, r, &dec.leads)?;
        let co_agencies = agency_codes(&index, CO_FIELD, r, &dec.co_agencies)?;
        if leads.is_empty() {
            return Err(AppError::Invalid(format!(
                "Nhiệm vụ {r}: chưa có cơ quan chủ trì; chọn tên cơ quan trong danh sách gợi ý (ví dụ Sở Nội vụ) hoặc bỏ chọn nhiệm vụ này."
            )));
        }
        if dec.deadline_kind != DeadlineKind::Conditional && dec.last_day.is_none() {
            return Err(AppError::Invalid(format!(
                "nhiệm vụ {r}: thiếu hạn xử lý; nhập ngày cuối cùng hoặc chọn loại hạn \"có điều kiện\""
            )));
        }
        if dec.deadline_kind == DeadlineKind::Conditional
            && dec.condition.as_deref().is_none_or(|c| c.trim().is_empty())
        {
            return Err(AppError::Invalid(format!(
                "nhiệm vụ {r}: hạn có điều kiện cần ghi rõ điều kiện"
            )));
        }
        let deadline = task.deadline.as_ref();
        let edited = deadline.and_then(|d| d.last_day) != dec.last_day
            || deadline.map(|d| d.kind) != Some(dec.deadline_kind);
        for lead in leads {
            items.push(NewAssignment {
                task_ref: r.clone(),
                lead_agency_code: lead,
                co_agencies: co_agencies.clone(),
                deliverable: nfc(dec.deliverable.trim()),
                report_to: nfc(dec.report_to.trim()),
                deadline_kind: kind_str(dec.deadline_kind).to_owned(),
                deadline_date: if edited {
                    dec.last_day
                } else {
                    deadline.and_then(|d| d.date)
                },
                last_day: if dec.deadline_kind == DeadlineKind::Conditional {
                    None
                } else {
                    dec.last_day
                },
                deadline_time: if edited {
                    None
                } else {
                    deadline.and_then(|d| d.time.clone())
                },
                deadline_text: if edited {
                    match dec.last_day {
                        Some(d) => {
                            format!("hạn {} (Văn phòng UBND điều chỉnh)", time::dmy(d))
                        }
                        None => dec.condition.clone().unwrap_or_default(),
                    }
                } else {
                    deadline.map(|d| d.text.clone()).unwrap_or_default()
                },
                condition: dec.condition.clone().filter(|c| !c.trim().is_empty()),
                source_text: task.text.clone(),
                span: task.span,
            });
        }
    }
    if items.is_empty() {
        return Err(AppError::Invalid(
            "chưa chọn nhiệm vụ nào để giao; chọn ít nhất một nhiệm vụ".into(),
        ));
    }
    let txn = store.begin_write().await?;
    let created = intake::confirm_directive(&txn, actor, id, &items).await?;
    txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Issue 16: the seed's "Đieu K'Re" came out as "Đi e u K'Re" (a glued-word split of a
    /// name). Every format of the seed keeps it as written, in NFC.
    #[test]
    fn source_text_keeps_names_as_uploaded() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../trinhky-pdf/tests/fixtures");
        let today = NaiveDate::from_ymd_opt(2023, 6, 1).unwrap();
        for name in ["seed.txt", "seed.docx", "seed.pdf", "seed-fpdf2.pdf"] {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            let (_, text, _) = parse_file(&bytes, name, today).unwrap();
            assert_eq!(nfc(&text), text, "{name}: not NFC");
            let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                flat.contains("đồng chí Đieu K'Re - Ủy viên"),
                "{name}: {flat}"
            );
            assert!(!flat.contains("Đi e u"), "{name}");
        }
    }
}
