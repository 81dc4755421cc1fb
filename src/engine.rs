//! The engine: shared immutable state and the operations both adapters call.

use std::path::PathBuf;

use crate::calendar::Calendar;
use crate::model::{Document, InputError, LangSet};
use crate::render::{RenderError, Renderer, Templates};

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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            verification_base: "http://127.0.0.1:8080/verify/".into(),
            templates_dir: None,
            calendar_toml: None,
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
}

/// Owns fonts, templates and calendar; `Send + Sync`, shared by all requests.
pub struct Engine {
    config: Config,
    renderer: Renderer,
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
        Ok(Engine {
            config,
            renderer: Renderer::new(templates, calendar),
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn renderer(&self) -> &Renderer {
        &self.renderer
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
            .render(doc, langs, &self.verification_url(doc))?)
    }
}
