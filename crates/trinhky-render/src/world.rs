//! trinhky's typst `World`: templates from `templates/`, one JSON data file, fonts from the repository.
//!
//! It serves exactly two kinds of files: the `.typ` templates read at start-up, and `/data.json` for the
//! render at hand. Everything else — `/etc/passwd`, packages, other paths — is "not found", so neither a
//! template nor (through a bug) user text can read the file system or the network.

use std::collections::HashMap;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

/// The parts shared by every render: library, fonts, parsed template sources.
pub(crate) struct Shared {
    pub library: LazyHash<Library>,
    pub book: LazyHash<FontBook>,
    pub fonts: Vec<Font>,
    pub sources: HashMap<FileId, Source>,
    pub data_id: FileId,
}

pub(crate) fn file_id(path: &str) -> Option<FileId> {
    let vpath = VirtualPath::new(path).ok()?;
    Some(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// One render: a main template plus its data.
pub(crate) struct RenderWorld<'a> {
    pub shared: &'a Shared,
    pub main: FileId,
    pub data: Bytes,
    pub today: Option<Datetime>,
}

impl World for RenderWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.shared.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.shared.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.shared
            .sources
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.shared.data_id {
            return Ok(self.data.clone());
        }
        if let Some(source) = self.shared.sources.get(&id) {
            return Ok(Bytes::from_string(source.text().to_string()));
        }
        Err(not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.get().vpath().get_with_slash().into())
}
