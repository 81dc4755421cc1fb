//! Issuing with registration: the journal assigns the number and the verification code, the
//! engine renders and signs on a bounded blocking pool, and the journal stores the result.
//! Also annulment and verification against the journal. Both adapters (CLI, HTTP) call this.

use std::sync::Arc;

use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::Semaphore;

use crate::cms::Signer;
use crate::engine::{Engine, Error};
use crate::journal::{
    self, Inserted, Journal, JournalError, JournalFacet, NewRecord, Record, Status,
};
use crate::model::LangSet;
use crate::verify::{self, Report};

/// A signer that can move to the rendering pool.
pub type SharedSigner = Arc<dyn Signer + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum RegistrarError {
    #[error(transparent)]
    Engine(#[from] Error),
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The caller may not act for the document's organisation.
    #[error("{0}")]
    Forbidden(String),
    #[error("rendering was interrupted: {0}")]
    Interrupted(String),
}

/// One issue request.
pub struct IssueRequest<'a> {
    /// The JSON payload as received.
    pub payload: &'a [u8],
    pub langs: Option<LangSet>,
    /// A retry with the same key returns the same document and number.
    pub idempotency_key: Option<&'a str>,
    pub signer: SharedSigner,
    pub signing_time: OffsetDateTime,
    /// The organisation (BIN) the caller acts for; the payload's issuer must be it.
    pub organisation: Option<&'a str>,
}

/// An issued, registered document.
#[derive(Debug, Clone, Serialize)]
pub struct Issued {
    #[serde(flatten)]
    pub record: Record,
    pub verification_url: String,
    /// True when an earlier request with the same idempotency key made it.
    pub replayed: bool,
    #[serde(skip)]
    pub pdf: Vec<u8>,
}

/// Issues, annuls and verifies with a journal. Cheap to share (`Arc` inside).
#[derive(Clone)]
pub struct Registrar {
    engine: Arc<Engine>,
    journal: Arc<dyn Journal>,
    /// Typst compiles cannot be cancelled: at most this many run at once.
    render_permits: Arc<Semaphore>,
}

/// Longest idempotency key accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 128;

impl Registrar {
    pub fn new(engine: Arc<Engine>, journal: Arc<dyn Journal>, render_threads: usize) -> Self {
        Registrar {
            engine,
            journal,
            render_permits: Arc::new(Semaphore::new(render_threads.max(1))),
        }
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    pub fn journal(&self) -> &Arc<dyn Journal> {
        &self.journal
    }

    /// The QR link of a verification code.
    pub fn verification_url(&self, code: &str) -> String {
        format!("{}{code}", self.engine.config().verification_base)
    }

    /// Parses, numbers, renders, signs and registers a document.
    pub async fn issue(&self, request: IssueRequest<'_>) -> Result<Issued, RegistrarError> {
        let mut doc = self.parse_unnumbered(request.payload)?;
        let issuer_bin = doc.head().issuer().bin.clone();
        if let Some(org) = request.organisation
            && org != issuer_bin
        {
            return Err(RegistrarError::Forbidden(format!(
                "$.issuer.bin: this token may issue only for organisation {org}, not {issuer_bin}"
            )));
        }
        if let Some(key) = request.idempotency_key
            && (key.is_empty()
                || key.len() > MAX_IDEMPOTENCY_KEY
                || !key.bytes().all(|b| b.is_ascii_graphic()))
        {
            return Err(Error::Input(crate::InputError::Shape {
                path: "Idempotency-Key".into(),
                message: format!("must be 1–{MAX_IDEMPOTENCY_KEY} printable ASCII characters"),
            })
            .into());
        }
        let langs = request.langs.or(doc.head().lang()).unwrap_or(LangSet::KkRu);
        let request_sha256 = {
            let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
            ctx.update(langs.code().as_bytes());
            ctx.update(b"\n");
            ctx.update(request.payload);
            crate::hex(ctx.finish().as_ref())
        };
        if let Some(key) = request.idempotency_key
            && let Some(existing) = self.journal.by_idempotency_key(&issuer_bin, key).await?
        {
            return self.replay(existing, &request_sha256, key).await;
        }

        // A taken id is refused before a number is spent on it (the insert still guards
        // against the race).
        let id = doc.head().document().id.clone();
        if self.journal.get(&id).await?.is_some() {
            return Err(JournalError::DuplicateId(id).into());
        }
        let kind = doc.kind();
        let year = doc.head().document().issued_at.year();
        let sequence = self.journal.next_sequence(&issuer_bin, kind, year).await?;
        let number = journal::registration_number(kind, year, sequence);
        doc.meta_mut().number = Some(number.clone());
        let code = journal::new_verification_code()?;
        let url = self.verification_url(&code);

        let permit = self
            .render_permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| RegistrarError::Interrupted(e.to_string()))?;
        let engine = self.engine.clone();
        let signer = request.signer.clone();
        let signing_time = request.signing_time;
        let (doc, pdf) = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let pdf = engine.issue_linked(&doc, Some(langs), signer.as_ref(), signing_time, &url);
            (doc, pdf)
        })
        .await
        .map_err(|e| RegistrarError::Interrupted(e.to_string()))?;
        let pdf = pdf?;

        let info = self.engine.renderer().info(&doc);
        let record = Record {
            id,
            code: code.clone(),
            kind: kind.to_owned(),
            lang: langs.code().to_owned(),
            issuer_bin,
            registration_number: number,
            year,
            sequence,
            issued_at: doc.head().document().issued_at,
            registered_at: journal::now(),
            signer_fingerprints: vec![crate::hex_sha256(request.signer.certificate())],
            template_id: info.template_id,
            template_hash: info.template_hash,
            pdf_sha256: crate::hex_sha256(&pdf),
            pdf_size: pdf.len() as u64,
            status: Status::Issued,
            idempotency_key: request.idempotency_key.map(str::to_owned),
            request_sha256,
            subject: journal::masked_subject(&doc.to_json()),
        };
        // The journal stores exactly these bytes; keep them for the response rather than
        // reading them back.
        match self
            .journal
            .insert(NewRecord {
                record,
                pdf: pdf.clone(),
            })
            .await?
        {
            Inserted::Created(record) => Ok(Issued {
                verification_url: self.verification_url(&record.code),
                record,
                replayed: false,
                pdf,
            }),
            Inserted::Replayed(existing) => {
                let key = existing.idempotency_key.clone().unwrap_or_default();
                let sha = existing.request_sha256.clone();
                self.replay(existing, &sha, &key).await
            }
        }
    }

    /// Parses a payload whose registration number the journal will assign: a number in the
    /// payload is replaced, and kinds that require one validate without it.
    fn parse_unnumbered(&self, payload: &[u8]) -> Result<crate::Document, Error> {
        let Ok(serde_json::Value::Object(mut object)) = serde_json::from_slice(payload) else {
            // Not a JSON object: the parser says precisely what is wrong.
            return self.engine.parse(payload);
        };
        if let Some(serde_json::Value::Object(meta)) = object.get_mut("document") {
            meta.insert("number".into(), "0".into());
        }
        let bytes = serde_json::to_vec(&object).map_err(|e| Error::Config(e.to_string()))?;
        self.engine.parse(&bytes)
    }

    /// The bytes as the journal holds them (what a later GET returns).
    async fn stored_pdf(&self, id: &str) -> Result<Vec<u8>, RegistrarError> {
        self.journal
            .pdf(id)
            .await?
            .ok_or_else(|| JournalError::NotFound(id.to_owned()).into())
    }

    async fn replay(
        &self,
        existing: Record,
        request_sha256: &str,
        key: &str,
    ) -> Result<Issued, RegistrarError> {
        if existing.request_sha256 != request_sha256 {
            return Err(JournalError::IdempotencyMismatch {
                key: key.to_owned(),
                existing: existing.id,
            }
            .into());
        }
        let pdf = self.stored_pdf(&existing.id).await?;
        Ok(Issued {
            verification_url: self.verification_url(&existing.code),
            record: existing,
            replayed: true,
            pdf,
        })
    }

    /// Annuls a document; `organisation`, when given, must be its issuer.
    pub async fn annul(
        &self,
        id: &str,
        reason: &str,
        organisation: Option<&str>,
    ) -> Result<Record, RegistrarError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(Error::Input(crate::InputError::Shape {
                path: "$.reason".into(),
                message: "must be 1–500 characters".into(),
            })
            .into());
        }
        let record = self
            .journal
            .get(id)
            .await?
            .ok_or_else(|| JournalError::NotFound(id.to_owned()))?;
        if let Some(org) = organisation
            && org != record.issuer_bin
        {
            return Err(RegistrarError::Forbidden(format!(
                "this token acts for organisation {org}; document `{id}` belongs to another"
            )));
        }
        Ok(self.journal.annul(id, reason, journal::now()).await?)
    }

    /// Verifies on the blocking pool, then checks the journal (design check 8).
    pub async fn verify(
        &self,
        input: Vec<u8>,
        options: verify::Options,
    ) -> Result<Report, RegistrarError> {
        let engine = self.engine.clone();
        let (input, report) = tokio::task::spawn_blocking(move || {
            let report = engine.verify(&input, None, options);
            (input, report)
        })
        .await
        .map_err(|e| RegistrarError::Interrupted(e.to_string()))?;
        let mut report = report?;
        let facet = self.journal_facet(&input, &report).await?;
        if let Some(facet) = facet {
            report.apply_journal(facet);
        }
        Ok(report)
    }

    /// What the journal says about a verified file, if it names a qujat document.
    async fn journal_facet(
        &self,
        input: &[u8],
        report: &Report,
    ) -> Result<Option<JournalFacet>, RegistrarError> {
        let Some(id) = report.document.as_ref().and_then(|d| d.id.clone()) else {
            return Ok(None);
        };
        let Some(record) = self.journal.get(&id).await? else {
            return Ok(Some(JournalFacet::not_registered(id)));
        };
        // Later signatures append to the file: the registered bytes must be its prefix.
        let size = usize::try_from(record.pdf_size).unwrap_or(usize::MAX);
        let matches = input
            .get(..size)
            .is_some_and(|prefix| crate::hex_sha256(prefix) == record.pdf_sha256);
        Ok(Some(JournalFacet::from_record(&record, matches)))
    }
}
