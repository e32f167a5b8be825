//! Workflow definitions (quy trình), read only: what is loaded, which documents follow each
//! version, and the checker for a definition an office is preparing (it installs nothing:
//! definitions are files, validated at start-up).

use std::collections::BTreeMap;
use std::sync::Arc;

use trinhky_domain::workflow::{self, CheckError, Definition};
use trinhky_store::{Store, documents};

use crate::Result;
use crate::registry::Registry;

/// One definition version and how documents use it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct WorkflowSummary {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub doc_types: Vec<String>,
    pub states: usize,
    pub transitions: usize,
    /// The newest version of a file loaded at start-up (new documents follow it).
    pub current: bool,
    /// Documents that follow this version, and those of them not in a terminal state.
    pub documents: i64,
    pub running: i64,
}

/// Documents per state of one version.
fn counts_of(rows: &[(String, i32, String, i64)], id: &str, version: u32) -> BTreeMap<String, i64> {
    rows.iter()
        .filter(|(d, v, _, _)| d == id && u32::try_from(*v).ok() == Some(version))
        .map(|(_, _, s, n)| (s.clone(), *n))
        .collect()
}

/// Every registered version (the files' and older ones documents still follow).
pub async fn list(store: &Store, registry: &Registry) -> Result<Vec<WorkflowSummary>> {
    let counts = documents::instance_counts(store.db()).await?;
    let mut out = Vec::new();
    for row in documents::definitions(store.db()).await? {
        let version = u32::try_from(row.version).unwrap_or(0);
        let Ok(def) = registry.get(store, &row.definition_id, version).await else {
            continue;
        };
        let per_state = counts_of(&counts, &def.id, def.version);
        out.push(WorkflowSummary {
            current: registry.is_latest(&def.id, def.version),
            documents: per_state.values().sum(),
            running: per_state
                .iter()
                .filter(|(s, _)| !def.is_terminal(s))
                .map(|(_, n)| n)
                .sum(),
            id: def.id.clone(),
            version: def.version,
            title: def.title.clone(),
            doc_types: def.doc_types.clone(),
            states: def.states.len(),
            transitions: def.transitions.len(),
        });
    }
    Ok(out)
}

/// One version with the number of documents in each of its states; `None` when unknown.
pub async fn detail(
    store: &Store,
    registry: &Registry,
    id: &str,
    version: u32,
) -> Result<Option<(Arc<Definition>, BTreeMap<String, i64>, bool)>> {
    if documents::definition_source(store.db(), id, i32::try_from(version).unwrap_or(i32::MAX))
        .await?
        .is_none()
        && registry.latest(id).is_none_or(|d| d.version != version)
    {
        return Ok(None);
    }
    let def = registry.get(store, id, version).await?;
    let counts = counts_of(&documents::instance_counts(store.db()).await?, id, version);
    Ok(Some((def, counts, registry.is_latest(id, version))))
}

/// What the checker found in a definition.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CheckReport {
    pub ok: bool,
    /// Every problem, by line, with its stable code (`WF001`…).
    #[schema(value_type = Vec<Object>)]
    pub diagnostics: Vec<CheckError>,
    /// The definition, when it is valid.
    #[schema(value_type = Option<Object>)]
    pub definition: Option<Definition>,
    /// How it relates to what is registered (same id and version already in use …).
    pub notes: Vec<String>,
}

/// Checks a definition's text as `trinhky workflow check` does; reads, never installs.
pub async fn check(store: &Store, file_name: &str, text: &str) -> Result<CheckReport> {
    let name = if file_name.trim().is_empty() {
        "quy-trinh.toml"
    } else {
        file_name.trim()
    };
    match workflow::load(name, text) {
        Err(diagnostics) => Ok(CheckReport {
            ok: false,
            diagnostics,
            definition: None,
            notes: Vec::new(),
        }),
        Ok(def) => {
            let mut notes = Vec::new();
            let registered = documents::definitions(store.db()).await?;
            let same = registered.iter().find(|r| {
                r.definition_id == def.id && u32::try_from(r.version).ok() == Some(def.version)
            });
            let newest = registered
                .iter()
                .filter(|r| r.definition_id == def.id)
                .map(|r| r.version)
                .max();
            match (same, newest) {
                (Some(r), _) if r.source == text => notes.push(format!(
                    "Quy trình {}, phiên bản {} đã được nạp với đúng nội dung này.",
                    def.id, def.version
                )),
                (Some(_), _) => notes.push(format!(
                    "Quy trình {} phiên bản {} đã được nạp với nội dung khác: tăng version để nạp nội dung mới (văn bản đang chạy giữ phiên bản cũ).",
                    def.id, def.version
                )),
                (None, Some(v)) => notes.push(format!(
                    "Phiên bản mới của quy trình {} (đang dùng phiên bản {v}): đặt tệp vào thư mục quy trình và khởi động lại để nạp.",
                    def.id
                )),
                (None, None) => notes.push(format!(
                    "Quy trình mới {}: đặt tệp vào thư mục quy trình và khởi động lại để nạp.",
                    def.id
                )),
            }
            Ok(CheckReport {
                ok: true,
                diagnostics: Vec::new(),
                definition: Some(def),
                notes,
            })
        }
    }
}
