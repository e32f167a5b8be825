use std::sync::Arc;

use trinhky_app::Settings;
use trinhky_store::Store;

use crate::render::Templates;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub store: Store,
    pub templates: Arc<Templates>,
}

impl AppState {
    pub fn new(settings: Arc<Settings>, store: Store) -> Self {
        AppState { settings, store, templates: Arc::new(Templates::new()) }
    }
}
