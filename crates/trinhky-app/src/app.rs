//! The application context: everything the use cases work with, assembled once from the
//! [`Settings`] by [`App::build`]. The server, the CLI commands that run workflows and the test kit
//! all build it the same way; nothing is set on it afterwards and nothing of it lives in a
//! process-global (the CPU pool, the turns of login attempts, the verification caches are fields
//! here, handed down to the parts that use them).

use std::sync::Arc;

use trinhky_store::Store;

use crate::auth::Logins;
use crate::cpu::CpuPool;
use crate::kek::Kek;
use crate::registry::{Registry, Services};
use crate::signing::Signing;
use crate::{AppError, Result, Settings};

/// The store, the workflow definitions with the calendar, the renderer, signing, the caches and
/// the settings of one running application.
pub struct App {
    settings: Arc<Settings>,
    store: Store,
    registry: Arc<Registry>,
    kek: Kek,
    cpu: CpuPool,
    logins: Logins,
}

impl App {
    /// Opens and migrates the database, loads and records the workflow definitions and the
    /// calendar, loads the document templates, the key-encryption key and the signing trust
    /// roots, and wraps signing keys stored before wrapping existed. A missing or wrong part
    /// stops here with a message naming the setting to fix.
    pub async fn build(settings: &Settings) -> Result<App> {
        let cpu = CpuPool::new(settings.server.cpu_workers);
        let registry = Registry::load(&settings.workflows_dir, &settings.calendar_file, || {
            let kek = settings.load_kek(false)?;
            Ok(Services {
                renderer: Arc::new(load_renderer(settings)?),
                signing: Arc::new(
                    Signing::load(
                        &settings.data_dir,
                        &settings.templates_dir,
                        settings.tsa_url.clone(),
                    )?
                    .with_kek(kek)
                    .with_cpu(cpu.clone()),
                ),
                cpu: cpu.clone(),
                numbering_per_type: settings.numbering_per_type,
            })
        })?;
        let kek = registry.signing().kek()?.clone();
        let store = open_store(settings).await?;
        let ran = store.migrate().await?;
        registry.register(&store).await?;
        tracing::info!(migrations = ran, "database ready");
        let wrapped = crate::signing::wrap_stored_keys(&store, &kek, "system:kek").await?;
        if wrapped > 0 {
            tracing::warn!(
                keys = wrapped,
                kek = %kek.id(),
                "signing keys stored as bare PKCS#12 were wrapped with the KEK; backups made before now still hold them protected by the PIN only"
            );
        }
        Ok(App {
            settings: Arc::new(settings.clone()),
            store,
            registry: Arc::new(registry),
            kek,
            logins: Logins {
                cpu: cpu.clone(),
                turns: Default::default(),
            },
            cpu,
        })
    }

    pub fn settings(&self) -> &Arc<Settings> {
        &self.settings
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The workflow definitions, the calendar, the renderer and signing.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The key-encryption key (also held by [`App::signing`]); audit checkpoints are signed
    /// with it.
    pub fn kek(&self) -> &Kek {
        &self.kek
    }

    pub fn signing(&self) -> &Arc<Signing> {
        self.registry.signing()
    }

    pub fn renderer(&self) -> &Arc<trinhky_render::Renderer> {
        self.registry.renderer()
    }

    /// The pool for CPU-bound work (layout, rasterising, signing, argon2).
    pub fn cpu(&self) -> &CpuPool {
        &self.cpu
    }

    /// What a login needs besides the store (see [`crate::auth::login`]).
    pub fn logins(&self) -> &Logins {
        &self.logins
    }
}

fn load_renderer(settings: &Settings) -> Result<trinhky_render::Renderer> {
    trinhky_render::Renderer::new(&settings.templates_dir).map_err(|e| {
        AppError::Invalid(format!(
            "document templates in {} (setting TRINHKY_TEMPLATES_DIR): {e}",
            settings.templates_dir.display()
        ))
    })
}

/// Connects to `TRINHKY_DATABASE_URL`, creating the data folder first when SQLite keeps the
/// database there.
pub async fn open_store(settings: &Settings) -> Result<Store> {
    if settings.database_url.starts_with("sqlite:") {
        settings
            .prepare_data_dir()
            .map_err(|e| AppError::Invalid(e.to_string()))?;
    }
    Ok(Store::connect(&settings.database_url).await?)
}
