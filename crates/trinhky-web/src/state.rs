use std::sync::Arc;

use trinhky_app::Settings;
use trinhky_app::registry::Registry;
use trinhky_store::Store;

use crate::render::Templates;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub registry: Arc<Registry>,
    pub templates: Arc<Templates>,
}

impl AppState {
    pub fn new(settings: Arc<Settings>, store: Store, registry: Arc<Registry>) -> Self {
        AppState {
            settings,
            store,
            registry,
            templates: Arc::new(Templates::new()),
        }
    }
}
