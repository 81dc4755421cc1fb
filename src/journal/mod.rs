//! The journal of issued documents: registration numbers, verification codes, the signed PDF
//! bytes and their status (issued / annulled).
//!
//! One trait, [`Journal`], with one SQL implementation over two backends: an embedded SQLite
//! file (the default; WAL, `synchronous=FULL`) and PostgreSQL for several instances behind a
//! load balancer. Both run the same schema and the same statements.

mod sql;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;
use time::OffsetDateTime;

pub use sql::{SqlJournal, redact};

/// A boxed future, so [`Journal`] stays usable as `dyn Journal`.
pub type JournalFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, JournalError>> + Send + 'a>>;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal database `{url}`: {message}")]
    Open { url: String, message: String },
    #[error("journal database: {0}")]
    Database(String),
    #[error("document `{0}` is already registered")]
    DuplicateId(String),
    #[error(
        "idempotency key `{key}` was already used for a different request (document `{existing}`)"
    )]
    IdempotencyMismatch { key: String, existing: String },
    #[error("document `{0}` is not in the journal")]
    NotFound(String),
    #[error("document `{0}` is already annulled")]
    AlreadyAnnulled(String),
    #[error("journal record `{id}` is damaged: {message}")]
    Corrupt { id: String, message: String },
}

impl From<sqlx::Error> for JournalError {
    fn from(e: sqlx::Error) -> Self {
        JournalError::Database(e.to_string())
    }
}

/// Whether a document stands or was annulled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    Issued,
    Annulled {
        reason: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

/// The public face of the document's subject: masked, never the full IIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct MaskedSubject {
    /// Surname and initials, e.g. `Ахметова А. Б.`
    pub name: String,
    /// IIN with the middle six digits hidden, e.g. `0801******12`.
    pub iin: Option<String>,
}

/// What is registered about one issued document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    pub id: String,
    /// Verification code in the QR link (≥ 128 random bits, base64url).
    #[serde(skip_serializing)]
    pub code: String,
    pub kind: String,
    pub lang: String,
    pub issuer_bin: String,
    pub registration_number: String,
    pub year: i32,
    pub sequence: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub registered_at: OffsetDateTime,
    /// SHA-256 (hex) of each signer certificate.
    pub signer_fingerprints: Vec<String>,
    pub template_id: String,
    pub template_hash: String,
    pub pdf_sha256: String,
    pub pdf_size: u64,
    #[serde(flatten)]
    pub status: Status,
    #[serde(skip_serializing)]
    pub idempotency_key: Option<String>,
    /// SHA-256 (hex) of the request that made it, to tell a retry from a reused key.
    #[serde(skip_serializing)]
    pub request_sha256: String,
    pub subject: Option<MaskedSubject>,
}

/// A record to register, with the signed PDF.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub record: Record,
    pub pdf: Vec<u8>,
}

/// What [`Journal::insert`] did.
#[derive(Debug, Clone)]
pub enum Inserted {
    Created(Record),
    /// The idempotency key was already used for the same request: the earlier record.
    Replayed(Record),
}

/// Which records [`Journal::list`] returns, newest first.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub issuer_bin: Option<String>,
    pub kind: Option<String>,
    pub limit: u32,
}

/// The journal's operations. Everything a 201 acknowledged is durable when `insert` returns.
pub trait Journal: Send + Sync {
    /// The next registration sequence number for (organisation, kind, year), atomically.
    fn next_sequence<'a>(
        &'a self,
        issuer_bin: &'a str,
        kind: &'a str,
        year: i32,
    ) -> JournalFuture<'a, i64>;
    /// Registers a document; an idempotency key seen before returns the earlier record.
    fn insert(&self, new: NewRecord) -> JournalFuture<'_, Inserted>;
    fn by_idempotency_key<'a>(
        &'a self,
        issuer_bin: &'a str,
        key: &'a str,
    ) -> JournalFuture<'a, Option<Record>>;
    fn get<'a>(&'a self, id: &'a str) -> JournalFuture<'a, Option<Record>>;
    fn by_code<'a>(&'a self, code: &'a str) -> JournalFuture<'a, Option<Record>>;
    fn pdf<'a>(&'a self, id: &'a str) -> JournalFuture<'a, Option<Vec<u8>>>;
    fn list<'a>(&'a self, filter: &'a ListFilter) -> JournalFuture<'a, Vec<Record>>;
    fn annul<'a>(
        &'a self,
        id: &'a str,
        reason: &'a str,
        at: OffsetDateTime,
    ) -> JournalFuture<'a, Record>;
    /// Stores the SHA-256 of an API token for an organisation.
    fn add_token<'a>(
        &'a self,
        token_sha256: &'a str,
        issuer_bin: &'a str,
        label: &'a str,
    ) -> JournalFuture<'a, ()>;
    /// The organisation (BIN) a token hash belongs to.
    fn token_organisation<'a>(&'a self, token_sha256: &'a str)
    -> JournalFuture<'a, Option<String>>;
}

/// Opens a journal by URL: `sqlite://path` (or a bare file path) or `postgres://…`.
pub async fn open(url: &str) -> Result<SqlJournal, JournalError> {
    SqlJournal::open(url).await
}

/// The current time at the journal's precision (microseconds, UTC), so that a record reads
/// back equal to what was written.
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .unwrap_or(t)
}

/// A fresh verification code: 128 bits from the system CSPRNG, base64url without padding.
pub fn new_verification_code() -> Result<String, JournalError> {
    use base64::Engine as _;
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| JournalError::Database("the system random generator failed".into()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Whether `code` has the shape of a verification code (before touching the database).
pub fn is_verification_code(code: &str) -> bool {
    code.len() == 22
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The registration number printed on the document: `RR-2026/00017`.
pub fn registration_number(kind: &str, year: i32, sequence: i64) -> String {
    format!("{}-{year}/{sequence:05}", kind_code(kind))
}

/// Two-letter code of a kind in registration numbers.
fn kind_code(kind: &str) -> &'static str {
    match kind {
        "externship_order" => "EO",
        "externship_extract" => "EE",
        "duplicate_certificate" => "DC",
        "pmpc_conclusion" => "PC",
        "pmpc_recommendation" => "PR",
        "refusal_receipt" => "RR",
        "acceptance_receipt" => "AR",
        "preschool_queue_receipt" => "PQ",
        "tvet_incomplete_education" => "TV",
        _ => "DOC",
    }
}

/// `080115******` style: first four and last two digits visible.
pub fn mask_iin(iin: &str) -> String {
    iin.chars()
        .enumerate()
        .map(|(i, c)| if (4..10).contains(&i) { '*' } else { c })
        .collect()
}

/// The subject of a document for the public page: the first person with an IIN in the
/// payload (pupil, child, applicant), else the first person who is not an official (officials
/// have positions), outside the issuer's block.
pub fn masked_subject(payload: &serde_json::Value) -> Option<MaskedSubject> {
    use serde_json::{Map, Value};
    fn find<'a>(
        v: &'a Value,
        accept: &dyn Fn(&Map<String, Value>) -> bool,
    ) -> Option<&'a Map<String, Value>> {
        match v {
            Value::Object(map) => {
                if map.get("surname").and_then(Value::as_str).is_some() && accept(map) {
                    return Some(map);
                }
                map.iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "issuer" | "document"))
                    .find_map(|(_, v)| find(v, accept))
            }
            Value::Array(items) => items.iter().find_map(|v| find(v, accept)),
            _ => None,
        }
    }
    let person = find(payload, &|m| m.get("iin").and_then(Value::as_str).is_some())
        .or_else(|| find(payload, &|m| !m.contains_key("position_kk")))?;
    let text = |k: &str| person.get(k).and_then(Value::as_str).unwrap_or("");
    let initial = |s: &str| s.chars().next().map(|c| format!(" {c}."));
    let mut name = text("surname").to_owned();
    name.extend(initial(text("given_name")));
    name.extend(initial(text("patronymic")));
    Some(MaskedSubject {
        name,
        iin: person.get("iin").and_then(Value::as_str).map(mask_iin),
    })
}

/// What the journal says about a verified document (design check 8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalFacet {
    pub status: JournalStatus,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_bin: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub issued_at: Option<OffsetDateTime>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub annulled_at: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annul_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<MaskedSubject>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalStatus {
    /// Registered, standing, and the file is the registered one (possibly countersigned).
    Registered,
    Annulled,
    /// The journal holds a different file under this document id.
    Modified,
    /// The journal does not know the document id.
    NotRegistered,
}

impl JournalFacet {
    pub fn not_registered(id: String) -> JournalFacet {
        JournalFacet {
            status: JournalStatus::NotRegistered,
            id,
            registration_number: None,
            kind: None,
            issuer_bin: None,
            issued_at: None,
            annulled_at: None,
            annul_reason: None,
            subject: None,
        }
    }

    /// `bytes_match`: the verified file starts with the registered bytes.
    pub fn from_record(record: &Record, bytes_match: bool) -> JournalFacet {
        let (status, annulled_at, annul_reason) = match (&record.status, bytes_match) {
            (_, false) => (JournalStatus::Modified, None, None),
            (Status::Issued, true) => (JournalStatus::Registered, None, None),
            (Status::Annulled { reason, at }, true) => {
                (JournalStatus::Annulled, Some(*at), Some(reason.clone()))
            }
        };
        JournalFacet {
            status,
            id: record.id.clone(),
            registration_number: Some(record.registration_number.clone()),
            kind: Some(record.kind.clone()),
            issuer_bin: Some(record.issuer_bin.clone()),
            issued_at: Some(record.issued_at),
            annulled_at,
            annul_reason,
            subject: record.subject.clone(),
        }
    }
}
