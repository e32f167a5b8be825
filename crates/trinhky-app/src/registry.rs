//! The loaded workflow definitions and the holiday calendar. Definitions are loaded once at
//! start-up: an invalid definition stops the server with the checker's messages. Running
//! instances follow the definition version they started with (kept in the database), even after
//! a file changes.
//!
//! The calendar is administered data: the calendar file only seeds the database the first time
//! ([`Registry::register`]). The registry holds the calendar behind a lock and swaps in a new one
//! when the database's version counter moves ([`Registry::calendar_now`]): a change made by this
//! process applies at once, a change made by another server sharing the database at this
//! process's next read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use trinhky_domain::workflow::{self, Calendar, CalendarEntry, CheckError, Definition};
use trinhky_store::{Store, documents};

use crate::{AppError, Result, read_text};

/// Every `*.toml` in `dir`, sorted.
pub fn definition_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|e| AppError::Io {
        path: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Checks definition files (or folders of them); returns every error found.
pub fn check_paths(paths: &[PathBuf]) -> Result<(Vec<Definition>, Vec<CheckError>)> {
    let mut defs = Vec::new();
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            files.extend(definition_files(p)?);
        } else {
            files.push(p.clone());
        }
    }
    for f in files {
        let text = read_text(&f)?;
        match workflow::load(&f.display().to_string(), &text) {
            Ok(d) => defs.push(d),
            Err(mut e) => errors.append(&mut e),
        }
    }
    let mut seen: HashMap<(String, u32), String> = HashMap::new();
    for d in &defs {
        if let Some(other) = seen.insert((d.id.clone(), d.version), d.file.clone()) {
            errors.push(CheckError {
                code: "WF012",
                file: d.file.clone(),
                line: 1,
                message: format!(
                    "workflow \"{}\" version {} is also defined in {other}",
                    d.id, d.version
                ),
                hint: "give each definition a unique id, or raise the version".into(),
            });
        }
    }
    Ok((defs, errors))
}

/// The calendar a process computes with, and the database version it was read at (`None`: the
/// file's entries, not read from the database yet).
struct CalendarCell {
    version: Option<i64>,
    calendar: Arc<Calendar>,
}

pub struct Registry {
    defs: RwLock<HashMap<(String, u32), Arc<Definition>>>,
    latest: HashMap<String, u32>,
    sources: HashMap<(String, u32), String>,
    calendar: RwLock<CalendarCell>,
    /// The calendar file's entries: the initial content of an empty calendar table.
    calendar_seed: Vec<CalendarEntry>,
    calendar_source: String,
    /// One number counter per document type (true) or one shared counter (false, the default).
    pub numbering_per_type: bool,
    renderer: Arc<trinhky_render::Renderer>,
    signing: Arc<crate::signing::Signing>,
    cpu: crate::cpu::CpuPool,
    /// Rasterised preview pages and page counts, bounded by bytes (see [`crate::rendering`]).
    pub previews: crate::rendering::PreviewCache,
    /// Computed inboxes ("Việc của tôi"), keyed by what they depend on (see [`crate::documents::inbox`]).
    inboxes: crate::documents::InboxCache,
}

/// What the effects of the workflow need besides the definitions, built by [`crate::App::build`].
pub struct Services {
    /// The document renderer (typst templates); the `render` effect needs it.
    pub renderer: Arc<trinhky_render::Renderer>,
    /// Trust roots, signature images, TSA and the KEK; the `sign_*` effects need it. Without a
    /// KEK it is still a `Signing`: using a stored key then says that none is configured.
    pub signing: Arc<crate::signing::Signing>,
    /// Where rendering and signing run.
    pub cpu: crate::cpu::CpuPool,
    /// One number counter per document type (true) or one shared counter (false).
    pub numbering_per_type: bool,
}

impl Registry {
    /// The inbox cache of this process.
    pub fn inboxes(&self) -> &crate::documents::InboxCache {
        &self.inboxes
    }

    /// Loads and validates every definition in `dir` and the calendar, then builds the
    /// services (so that invalid definitions are reported before a missing key or template).
    pub fn load(
        dir: &Path,
        calendar_file: &Path,
        services: impl FnOnce() -> Result<Services>,
    ) -> Result<Registry> {
        let (defs, errors) = check_paths(&[dir.to_path_buf()])?;
        if !errors.is_empty() {
            let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            return Err(AppError::Workflow {
                code: errors[0].code,
                message: format!(
                    "invalid workflow definitions (fix them and run `trinhky workflow check {}`):\n{}",
                    dir.display(),
                    list.join("\n")
                ),
            });
        }
        if defs.is_empty() {
            return Err(AppError::Invalid(format!(
                "no workflow definitions in {}; set TRINHKY_WORKFLOWS_DIR",
                dir.display()
            )));
        }
        let cal_text = read_text(calendar_file)?;
        let calendar_source = calendar_file.display().to_string();
        let calendar_seed = workflow::parse_calendar_entries(&calendar_source, &cal_text)?;
        let calendar = Calendar::from_entries(&calendar_seed);
        let mut map = HashMap::new();
        let mut latest: HashMap<String, u32> = HashMap::new();
        let mut sources = HashMap::new();
        for d in defs {
            let text = read_text(Path::new(&d.file))?;
            let e = latest.entry(d.id.clone()).or_insert(d.version);
            *e = (*e).max(d.version);
            sources.insert((d.id.clone(), d.version), text);
            map.insert((d.id.clone(), d.version), Arc::new(d));
        }
        let services = services()?;
        Ok(Registry {
            defs: RwLock::new(map),
            latest,
            sources,
            calendar: RwLock::new(CalendarCell {
                version: None,
                calendar: Arc::new(calendar),
            }),
            calendar_seed,
            calendar_source,
            numbering_per_type: services.numbering_per_type,
            renderer: services.renderer,
            signing: services.signing,
            cpu: services.cpu,
            previews: crate::rendering::PreviewCache::default(),
            inboxes: crate::documents::InboxCache::default(),
        })
    }

    /// Records every loaded definition in the database (refusing a changed file that kept its
    /// version number), fills the calendar from the calendar file when the database has never had
    /// one, and reads the calendar from the database.
    pub async fn register(&self, store: &Store) -> Result<()> {
        let txn = store.begin_write().await?;
        trinhky_store::calendar::seed(
            &txn,
            "system",
            &self.calendar_source,
            &self.calendar_seed,
            chrono::Utc::now(),
        )
        .await?;
        for ((id, version), source) in &self.sources {
            let title = self
                .get_cached(id, *version)
                .map(|d| d.title.clone())
                .unwrap_or_default();
            documents::register_definition(
                &txn,
                id,
                i32::try_from(*version).unwrap_or(i32::MAX),
                &title,
                source,
            )
            .await
            .map_err(|e| AppError::Invalid(e.to_string()))?;
        }
        txn.commit().await.map_err(|e| AppError::Store(e.into()))?;
        self.calendar_now(store).await?;
        Ok(())
    }

    /// The calendar this process holds now, without asking the database (see
    /// [`Registry::calendar_now`] for the current one).
    pub fn calendar(&self) -> Arc<Calendar> {
        match self.calendar.read() {
            Ok(c) => c.calendar.clone(),
            Err(poisoned) => poisoned.into_inner().calendar.clone(),
        }
    }

    fn calendar_version(&self) -> Option<i64> {
        match self.calendar.read() {
            Ok(c) => c.version,
            Err(poisoned) => poisoned.into_inner().version,
        }
    }

    /// The current calendar: one cheap read of the database's version counter, and a reload of
    /// the entries only when it moved (another process or this one changed the calendar). A
    /// database whose calendar was never filled (version 0) keeps the file's entries.
    pub async fn calendar_now(&self, store: &Store) -> Result<Arc<Calendar>> {
        let v = trinhky_store::calendar::version(store.db()).await?;
        if v == 0 || self.calendar_version() == Some(v) {
            return Ok(self.calendar());
        }
        let (v, entries) = trinhky_store::calendar::snapshot(store.db()).await?;
        let cal = Arc::new(Calendar::from_entries(&entries));
        let mut cell = match self.calendar.write() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Two readers may race: keep the newer version.
        if cell.version.is_none_or(|held| held < v) {
            *cell = CalendarCell {
                version: Some(v),
                calendar: cal.clone(),
            };
        }
        Ok(cell.calendar.clone())
    }

    /// The document renderer.
    pub fn renderer(&self) -> &Arc<trinhky_render::Renderer> {
        &self.renderer
    }

    /// Trust roots, signature images, TSA and KEK.
    pub fn signing(&self) -> &Arc<crate::signing::Signing> {
        &self.signing
    }

    /// The application's pool for CPU-bound work.
    pub fn cpu(&self) -> &crate::cpu::CpuPool {
        &self.cpu
    }

    /// The calendar file the database was first filled from.
    pub fn calendar_source(&self) -> &str {
        &self.calendar_source
    }

    /// Every definition held in memory (the files' and those read back from the database), by id
    /// and version.
    pub fn loaded(&self) -> Vec<Arc<Definition>> {
        let mut v: Vec<Arc<Definition>> = match self.defs.read() {
            Ok(m) => m.values().cloned().collect(),
            Err(poisoned) => poisoned.into_inner().values().cloned().collect(),
        };
        v.sort_by(|a, b| a.id.cmp(&b.id).then(a.version.cmp(&b.version)));
        v
    }

    /// Whether `id@version` is the newest version of a definition file loaded at start-up.
    pub fn is_latest(&self, id: &str, version: u32) -> bool {
        self.latest.get(id) == Some(&version)
    }

    fn get_cached(&self, id: &str, version: u32) -> Option<Arc<Definition>> {
        self.defs
            .read()
            .ok()?
            .get(&(id.to_owned(), version))
            .cloned()
    }

    /// The newest version of a definition.
    pub fn latest(&self, id: &str) -> Option<Arc<Definition>> {
        self.get_cached(id, *self.latest.get(id)?)
    }

    /// Ids of all definitions (newest versions), sorted.
    pub fn ids(&self) -> Vec<String> {
        let mut v: Vec<String> = self.latest.keys().cloned().collect();
        v.sort();
        v
    }

    /// The definition version an instance follows: from memory, else from the database copy.
    pub async fn get(&self, store: &Store, id: &str, version: u32) -> Result<Arc<Definition>> {
        if let Some(d) = self.get_cached(id, version) {
            return Ok(d);
        }
        let source = documents::definition_source(
            store.db(),
            id,
            i32::try_from(version).unwrap_or(i32::MAX),
        )
        .await?
        .ok_or_else(|| {
            AppError::Internal(format!(
                "workflow {id} version {version} is not in the database"
            ))
        })?;
        let def = workflow::load(&format!("{id}@{version} (database)"), &source).map_err(|e| {
            AppError::Internal(format!(
                "stored workflow {id}@{version} no longer loads: {}",
                e.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        })?;
        let def = Arc::new(def);
        if let Ok(mut w) = self.defs.write() {
            w.insert((id.to_owned(), version), def.clone());
        }
        Ok(def)
    }

    /// The workflow for a document type (the first definition listing it).
    pub fn for_doc_type(&self, doc_type: &str) -> Option<Arc<Definition>> {
        self.ids()
            .into_iter()
            .filter_map(|id| self.latest(&id))
            .find(|d| d.doc_types.iter().any(|t| t == doc_type))
    }
}
