//! The Typst `World` of one compile: fixed virtual files, no disk, no clock.

use std::collections::HashMap;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

use super::fonts::Fonts;
use super::templates::Templates;

/// Virtual paths of the per-document inputs. Fixed, so no FileId is ever minted per
/// document (Typst interns FileIds forever, at most 65,535 per process).
pub const DATA_PATH: &str = "/data.json";
pub const QR_PATH: &str = "/qr.svg";
pub const BARCODE_PATH: &str = "/barcode.svg";

pub fn file_id(vpath: &str) -> Option<FileId> {
    let path = VirtualPath::new(vpath).ok()?;
    Some(FileId::new(RootedPath::new(VirtualRoot::Project, path)))
}

/// What all compiles share: library, fonts, parsed template sources.
pub struct Shared {
    pub library: LazyHash<Library>,
    pub book: LazyHash<FontBook>,
    pub fonts: Vec<Font>,
    pub templates: Templates,
    sources: HashMap<FileId, Source>,
    files: HashMap<FileId, Bytes>,
    pub data_id: Option<FileId>,
    pub qr_id: Option<FileId>,
    pub barcode_id: Option<FileId>,
}

impl Shared {
    pub fn new(fonts: Fonts, templates: Templates) -> Shared {
        use typst::LibraryExt;
        let mut sources = HashMap::new();
        let mut files = HashMap::new();
        for (vpath, bytes) in templates.iter() {
            let Some(id) = file_id(vpath) else { continue };
            if vpath.ends_with(".typ") {
                let text = String::from_utf8_lossy(bytes.as_slice()).into_owned();
                sources.insert(id, Source::new(id, text));
            }
            files.insert(id, bytes.clone());
        }
        Shared {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(fonts.book),
            fonts: fonts.fonts,
            templates,
            sources,
            files,
            data_id: file_id(DATA_PATH),
            qr_id: file_id(QR_PATH),
            barcode_id: file_id(BARCODE_PATH),
        }
    }
}

/// One document's compile: the shared state plus this document's data files.
pub struct DocumentWorld<'a> {
    pub shared: &'a Shared,
    pub main: FileId,
    pub data: Bytes,
    pub qr: Bytes,
    pub barcode: Option<Bytes>,
    pub today: Datetime,
}

impl World for DocumentWorld<'_> {
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
            .ok_or_else(|| FileError::NotFound(id.vpath().get_with_slash().into()))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        let s = self.shared;
        if Some(id) == s.data_id {
            return Ok(self.data.clone());
        }
        if Some(id) == s.qr_id {
            return Ok(self.qr.clone());
        }
        if Some(id) == s.barcode_id
            && let Some(b) = &self.barcode
        {
            return Ok(b.clone());
        }
        s.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.vpath().get_with_slash().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        // The document's issue date, never the clock: renders are reproducible.
        Some(self.today)
    }
}
