use std::sync::Arc;

use trinhky_app::registry::Registry;
use trinhky_app::{App, Settings, Store};

use crate::render::Templates;

/// Shared by every handler: the application ([`App`]) and the web-only parts.
#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    /// The App's settings, store and registry, cloned out of it so that handlers keep writing
    /// `state.store` (each is a cheap handle to the App's own).
    pub settings: Arc<Settings>,
    pub store: Store,
    pub registry: Arc<Registry>,
    pub templates: Arc<Templates>,
    /// Renders of unsaved text per user (the editor's live preview).
    pub preview_limiter: Arc<crate::drafting::PreviewLimiter>,
}

impl AppState {
    pub fn new(app: Arc<App>) -> Self {
        AppState {
            settings: app.settings().clone(),
            store: app.store().clone(),
            registry: app.registry().clone(),
            app,
            templates: Arc::new(Templates::new()),
            preview_limiter: Arc::default(),
        }
    }
}
