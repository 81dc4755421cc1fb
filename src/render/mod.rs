//! Rendering: a validated document → view JSON → Typst → PDF/A-2b.

mod codes;
mod fonts;
pub mod templates;
mod view;
mod world;

use std::path::PathBuf;

use typst::diag::SourceDiagnostic;
use typst::foundations::{Bytes, Datetime, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

pub use self::codes::{code128_svg, qr_svg};
pub use self::fonts::Fonts;
pub use self::templates::Templates;
use self::world::{DocumentWorld, Shared};
use crate::calendar::Calendar;
use crate::model::{Document, LangSet};

/// Typst version compiled in; recorded with every issued document.
pub const TYPST_VERSION: &str = "0.15.1";

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template {path}: {message}")]
    Templates { path: PathBuf, message: String },
    #[error("{0}")]
    Code(String),
    #[error("template error in {kind}: {message}")]
    Compile { kind: String, message: String },
    #[error("PDF export of {kind}: {message}")]
    Pdf { kind: String, message: String },
}

/// Provenance of a rendered document, recorded with issued documents.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RenderInfo {
    pub template_id: String,
    pub template_hash: String,
    pub font_hashes: Vec<String>,
    pub typst_version: &'static str,
}

/// What the signer block shows once the document is signed, taken from the signing
/// certificate and the signing time (all strings already formatted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignatureStamp {
    /// "SURNAME GIVEN PATRONYMIC" in capitals.
    pub owner: String,
    pub iin: Option<String>,
    pub bin: Option<String>,
    /// Certificate serial, uppercase hex.
    pub serial: String,
    /// Common name of the issuing CA.
    pub issuer: String,
    /// Certificate validity, `dd.mm.yyyy`.
    pub valid_from: String,
    pub valid_to: String,
    /// Signing time, `dd.mm.yyyy HH:MM:SS (UTC±hh:mm)`.
    pub time: String,
}

/// Renders documents. Immutable after construction; shared across threads.
pub struct Renderer {
    shared: Shared,
    font_hashes: Vec<String>,
    calendar: Calendar,
}

impl Renderer {
    pub fn new(templates: Templates, calendar: Calendar) -> Renderer {
        let fonts = Fonts::embedded();
        let font_hashes = fonts.hashes.clone();
        Renderer {
            shared: Shared::new(fonts, templates),
            font_hashes,
            calendar,
        }
    }

    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    pub fn info(&self, doc: &Document) -> RenderInfo {
        RenderInfo {
            template_id: format!("{}@{}", doc.kind(), env!("CARGO_PKG_VERSION")),
            template_hash: self.shared.templates.hash.clone(),
            font_hashes: self.font_hashes.clone(),
            typst_version: TYPST_VERSION,
        }
    }

    /// Renders `doc` in `langs` to PDF/A-2b. `verification_url` is encoded in the QR code.
    /// Identical input gives identical bytes.
    pub fn render(
        &self,
        doc: &Document,
        langs: LangSet,
        verification_url: &str,
        signature: Option<&SignatureStamp>,
    ) -> Result<Vec<u8>, RenderError> {
        let result = self.compile(doc, langs, verification_url, signature);
        // comemo memoizes per distinct input (~1.4 MB each): evict after every compile,
        // success or failure, keeping only entries used by the last couple of compiles.
        typst::comemo::evict(2);
        result
    }

    fn compile(
        &self,
        doc: &Document,
        langs: LangSet,
        verification_url: &str,
        signature: Option<&SignatureStamp>,
    ) -> Result<Vec<u8>, RenderError> {
        let kind = doc.kind();
        let main_path = templates::main_path(kind);
        let main = world::file_id(&main_path).ok_or_else(|| RenderError::Templates {
            path: main_path.clone().into(),
            message: "invalid template path".into(),
        })?;
        let data = view::data_json(doc, langs, verification_url, &self.calendar, signature);
        let barcode = doc.barcode().map(code128_svg).transpose()?.map(Bytes::new);
        let issued = doc.head().document().issued_at;
        let today = Datetime::from_ymd_hms(
            issued.year(),
            u8::from(issued.month()),
            issued.day(),
            issued.hour(),
            issued.minute(),
            issued.second(),
        )
        .ok_or_else(|| RenderError::Code("issue date out of range".into()))?;
        let world = DocumentWorld {
            shared: &self.shared,
            main,
            data: Bytes::new(data),
            qr: Bytes::new(qr_svg(verification_url)?),
            barcode,
            today,
        };
        let document = typst::compile::<PagedDocument>(&world)
            .output
            .map_err(|errors| RenderError::Compile {
                kind: kind.to_owned(),
                message: diagnostics(&errors),
            })?;
        let minutes = issued.offset().whole_minutes();
        let timestamp = Timestamp::new_local(today, i32::from(minutes))
            .unwrap_or_else(|| Timestamp::new_utc(today));
        let standards = PdfStandards::new(&[PdfStandard::A_2b]).map_err(|e| RenderError::Pdf {
            kind: kind.to_owned(),
            message: e.message().to_string(),
        })?;
        let options = PdfOptions {
            ident: Smart::Custom(doc.head().document().id.clone()),
            creator: Smart::Custom(Some(format!("qujat {}", env!("CARGO_PKG_VERSION")))),
            timestamp: Some(timestamp),
            page_ranges: None,
            standards,
            tagged: false,
            pretty: false,
        };
        typst_pdf::pdf(&document, &options).map_err(|errors| RenderError::Pdf {
            kind: kind.to_owned(),
            message: diagnostics(&errors),
        })
    }
}

fn diagnostics(errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| {
            let mut s = e.message.to_string();
            for hint in &e.hints {
                s.push_str("; hint: ");
                s.push_str(&hint.v);
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}
