use std::sync::Arc;

use trinhky_app::Settings;
use trinhky_app::Store;
use trinhky_app::registry::Registry;

use crate::render::Templates;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub registry: Arc<Registry>,
    pub templates: Arc<Templates>,
    /// Renders of unsaved text per user (the editor's live preview).
    pub preview_limiter: Arc<crate::drafting::PreviewLimiter>,
}

impl AppState {
    pub fn new(settings: Arc<Settings>, store: Store, registry: Arc<Registry>) -> Self {
        AppState {
            settings,
            store,
            registry,
            templates: Arc::new(Templates::new()),
            preview_limiter: Arc::default(),
        }
    }
}
