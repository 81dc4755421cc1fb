//! The engine: shared immutable state and the operations both adapters call.

use std::path::PathBuf;

use time::{OffsetDateTime, UtcOffset};

use crate::calendar::Calendar;
use crate::cms::Signer;
use crate::model::{Document, InputError, LangSet};
use crate::pdf::{PdfError, SignOptions, sign_pdf};
use crate::pki::subject;
use crate::registry::{Registry, RegistryError};
use crate::render::{RenderError, Renderer, SignatureStamp, Templates};
use crate::verify::{self, Options as VerifyOptions, Report, VerifyError};

/// Engine configuration. Defaults work with no files: embedded templates and calendar, and
/// verification links to a local `qujat serve`.
#[derive(Debug, Clone)]
pub struct Config {
    /// Base of the verification URL put in every QR code; the document id is appended.
    pub verification_base: String,
    /// Directory whose template files override the embedded ones.
    pub templates_dir: Option<PathBuf>,
    /// Working-day calendar (TOML) replacing the embedded one.
    pub calendar_toml: Option<String>,
    /// Certificate registry directory for verification; default: the embedded demo registry.
    pub registry_dir: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            verification_base: "http://127.0.0.1:8080/verify/".into(),
            templates_dir: None,
            calendar_toml: None,
            registry_dir: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("configuration: {0}")]
    Config(String),
    /// The PDF to sign is unreadable or the signature could not be made.
    #[error(transparent)]
    Pdf(#[from] PdfError),
    #[error("signing certificate: {0}")]
    Certificate(String),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The input to verify is not a signed document at all.
    #[error(transparent)]
    Verify(#[from] VerifyError),
}

/// Owns fonts, templates and calendar; `Send + Sync`, shared by all requests.
pub struct Engine {
    config: Config,
    renderer: Renderer,
    registry: Registry,
}

impl Engine {
    pub fn new(config: Config) -> Result<Engine, Error> {
        let templates = match &config.templates_dir {
            Some(dir) => Templates::with_overrides(dir)?,
            None => Templates::embedded(),
        };
        let calendar = match &config.calendar_toml {
            Some(text) => Calendar::from_toml(text).map_err(|e| Error::Config(e.to_string()))?,
            None => Calendar::kazakhstan(),
        };
        let registry = match &config.registry_dir {
            Some(dir) => Registry::load(dir)?,
            None => Registry::demo()?,
        };
        Ok(Engine {
            config,
            renderer: Renderer::new(templates, calendar),
            registry,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn renderer(&self) -> &Renderer {
        &self.renderer
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Verifies a signed PDF or an attached CMS (`detached`: the data of a detached CMS)
    /// against the engine's registry.
    pub fn verify(
        &self,
        input: &[u8],
        detached: Option<&[u8]>,
        options: VerifyOptions,
    ) -> Result<Report, Error> {
        Ok(verify::verify(input, detached, &self.registry, options)?)
    }

    /// Parses and validates a payload.
    pub fn parse(&self, json: &[u8]) -> Result<Document, Error> {
        Ok(Document::from_json(json)?)
    }

    /// The URL the document's QR code points to.
    pub fn verification_url(&self, doc: &Document) -> String {
        format!(
            "{}{}",
            self.config.verification_base,
            doc.head().document().id
        )
    }

    /// Renders a document to PDF/A-2b; `langs` overrides the payload's `lang` (default kk+ru).
    pub fn render(&self, doc: &Document, langs: Option<LangSet>) -> Result<Vec<u8>, Error> {
        let langs = langs.or(doc.head().lang()).unwrap_or(LangSet::KkRu);
        Ok(self
            .renderer
            .render(doc, langs, &self.verification_url(doc), None)?)
    }

    /// Renders `doc` with its signer block filled from `signer`'s certificate and signs it
    /// (PAdES B-B) at `signing_time`, which is also what the block shows. The QR code links
    /// to [`Engine::verification_url`].
    pub fn issue(
        &self,
        doc: &Document,
        langs: Option<LangSet>,
        signer: &dyn Signer,
        signing_time: OffsetDateTime,
    ) -> Result<Vec<u8>, Error> {
        self.issue_linked(
            doc,
            langs,
            signer,
            signing_time,
            &self.verification_url(doc),
        )
    }

    /// [`Engine::issue`] with the QR code linking to `verification_url` (the journal's
    /// unguessable verification link).
    pub fn issue_linked(
        &self,
        doc: &Document,
        langs: Option<LangSet>,
        signer: &dyn Signer,
        signing_time: OffsetDateTime,
        verification_url: &str,
    ) -> Result<Vec<u8>, Error> {
        let langs = langs.or(doc.head().lang()).unwrap_or(LangSet::KkRu);
        // The block shows the time in the issuing office's offset, as on the document.
        let offset = doc.head().document().issued_at.offset();
        let stamp = signature_stamp(signer.certificate(), signing_time, offset)?;
        let pdf = self
            .renderer
            .render(doc, langs, verification_url, Some(&stamp))?;
        self.sign(&pdf, signer, signing_time)
    }

    /// Adds a PAdES B-B signature to a PDF as an incremental update; earlier signatures stay
    /// valid.
    pub fn sign(
        &self,
        pdf: &[u8],
        signer: &dyn Signer,
        signing_time: OffsetDateTime,
    ) -> Result<Vec<u8>, Error> {
        Ok(sign_pdf(pdf, signer, &SignOptions::new(signing_time))?)
    }
}

/// The signer block's contents from an NCA-profile certificate.
pub fn signature_stamp(
    certificate: &[u8],
    signing_time: OffsetDateTime,
    offset: UtcOffset,
) -> Result<SignatureStamp, Error> {
    let subject = subject::parse(certificate).map_err(|e| Error::Certificate(e.to_string()))?;
    let issuer = subject::issuer_common_name(certificate).unwrap_or_default();
    let date = |unix: i64| {
        OffsetDateTime::from_unix_timestamp(unix)
            .map(|t| crate::lang::dates::numeric_date(t.to_offset(offset).date()))
            .unwrap_or_default()
    };
    let t = signing_time.to_offset(offset);
    let (h, m, _) = offset.as_hms();
    Ok(SignatureStamp {
        owner: subject.display_name(),
        iin: subject.iin.clone(),
        bin: subject.bin.clone(),
        serial: subject.serial.clone(),
        issuer,
        valid_from: date(subject.not_before),
        valid_to: date(subject.not_after),
        time: format!(
            "{} {:02}:{:02}:{:02} (UTC{}{:02}:{:02})",
            crate::lang::dates::numeric_date(t.date()),
            t.hour(),
            t.minute(),
            t.second(),
            if h < 0 || m < 0 { '-' } else { '+' },
            h.unsigned_abs(),
            m.unsigned_abs()
        ),
    })
}
