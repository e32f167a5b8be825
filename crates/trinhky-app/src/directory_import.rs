//! Use case: import a directory file (agencies and recipient groups). All or nothing.

use std::path::Path;

use trinhky_domain::directory::{Directory, parse_directory};
use trinhky_store::Store;
use trinhky_store::directory::{ImportSummary, import};

use crate::{Result, read_text};

/// Reads, validates and imports `path`. A file with any error imports nothing.
pub async fn directory_import(
    store: &Store,
    path: &Path,
    actor: &str,
    progress: impl FnMut(usize, usize),
) -> Result<(Directory, ImportSummary)> {
    let text = read_text(path)?;
    let dir = parse_directory(&path.display().to_string(), &text)?;
    let summary = import(store, &dir, actor, progress).await?;
    Ok((dir, summary))
}
