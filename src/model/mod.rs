//! Typed model of every document kind, parsed from JSON and validated before rendering.
//!
//! A payload is a JSON object `{"kind": "...", "lang": "...", "document": {...},
//! "issuer": {...}, ...fields of the kind}`. Unknown fields are errors, so a typo never
//! silently drops data.

pub mod common;
pub mod validate;

mod acceptance_receipt;
mod duplicate_certificate;
mod externship;
mod pmpc;
mod preschool_queue_receipt;
mod refusal_receipt;
mod tvet_incomplete_education;

use std::fmt;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub use self::acceptance_receipt::AcceptanceReceipt;
pub use self::common::{DocumentMeta, LangSet, Official, Organisation};
pub use self::duplicate_certificate::DuplicateCertificate;
pub use self::externship::{ExternshipExtract, ExternshipOrder};
pub use self::pmpc::{PmpcConclusion, PmpcRecommendation};
pub use self::preschool_queue_receipt::PreschoolQueueReceipt;
pub use self::refusal_receipt::RefusalReceipt;
pub use self::tvet_incomplete_education::TvetIncompleteEducation;
use self::validate::{Checker, Problem, Validate};
use crate::calendar::Calendar;
use crate::lang::Lang;

/// What a kind's formatting may consult besides its own fields.
pub struct FormatContext<'a> {
    pub calendar: &'a Calendar,
}

/// Fields present in every kind: the payload's head.
pub trait Head {
    fn lang(&self) -> Option<LangSet>;
    fn document(&self) -> &DocumentMeta;
    fn document_mut(&mut self) -> &mut DocumentMeta;
    fn issuer(&self) -> &Organisation;
    /// The official whose name stands in the signer block.
    fn signer(&self) -> &Official;
}

/// A document kind: its JSON shape, its rules, and the strings Rust computes for it.
pub trait DocumentKind: DeserializeOwned + Serialize + JsonSchema + Validate + Head {
    /// Stable name used in payloads, on the CLI and in template paths.
    const NAME: &'static str;

    /// Language-dependent strings computed in Rust (dates and numbers in words, names,
    /// deadlines); the template supplies all wording. Keys are the template's contract.
    fn formatted(&self, lang: Lang, cx: &FormatContext<'_>) -> Map<String, Value>;

    /// The content of a Code 128 barcode to print, if the kind has one.
    fn barcode(&self) -> Option<&str> {
        None
    }
}

/// Input errors: all name the JSON path or byte position of the problem.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("malformed JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("$: payload must be a JSON object")]
    NotAnObject,
    #[error("$.kind: missing; one of: {known}", known = KINDS.join(", "))]
    MissingKind,
    #[error("$.kind: unknown kind `{0}`; one of: {known}", known = KINDS.join(", "))]
    UnknownKind(String),
    #[error("{path}: {message}")]
    Shape { path: String, message: String },
    #[error("{}", ProblemList(.0))]
    Invalid(Vec<Problem>),
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

fn parse_kind<K: DocumentKind>(mut object: Map<String, Value>) -> Result<K, InputError> {
    // `kind` selected the type; the struct itself does not carry it.
    object.remove("kind");
    let doc: K = serde_path_to_error::deserialize(Value::Object(object)).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." {
            "$".to_owned()
        } else {
            format!("$.{path}")
        };
        InputError::Shape {
            path,
            message: e.into_inner().to_string(),
        }
    })?;
    let mut checker = Checker::new();
    checker.field("document", |c| doc.document().validate(c));
    checker.field("issuer", |c| doc.issuer().validate(c));
    doc.validate(&mut checker);
    checker.into_result().map_err(InputError::Invalid)?;
    Ok(doc)
}

fn schema_of<K: DocumentKind>() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(K)).unwrap_or(Value::Null);
    if let Some(obj) = schema.as_object_mut() {
        if let Some(Value::Object(props)) = obj.get_mut("properties") {
            props.insert(
                "kind".into(),
                serde_json::json!({ "const": K::NAME, "description": "Document kind" }),
            );
        }
        if let Some(Value::Array(required)) = obj.get_mut("required") {
            required.insert(0, Value::String("kind".into()));
        }
    }
    schema
}

macro_rules! kinds {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        /// A parsed and validated payload of any kind.
        #[derive(Debug, Clone)]
        pub enum Document { $($variant($ty)),* }

        /// Every kind name, in a stable order.
        pub const KINDS: &[&str] = &[$(<$ty as DocumentKind>::NAME),*];

        impl Document {
            /// Parses and validates a payload.
            pub fn from_json(bytes: &[u8]) -> Result<Document, InputError> {
                let value: Value = serde_json::from_slice(bytes).map_err(|e| InputError::Json {
                    line: e.line(),
                    column: e.column(),
                    message: e.to_string(),
                })?;
                let Value::Object(object) = value else { return Err(InputError::NotAnObject) };
                let kind = match object.get("kind") {
                    None => return Err(InputError::MissingKind),
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => return Err(InputError::UnknownKind(other.to_string())),
                };
                match kind.as_str() {
                    $(<$ty as DocumentKind>::NAME => parse_kind::<$ty>(object).map(Document::$variant),)*
                    _ => Err(InputError::UnknownKind(kind)),
                }
            }

            /// JSON Schema of a kind's payload.
            pub fn schema(kind: &str) -> Option<Value> {
                match kind {
                    $(<$ty as DocumentKind>::NAME => Some(schema_of::<$ty>()),)*
                    _ => None,
                }
            }

            pub fn kind(&self) -> &'static str {
                match self { $(Document::$variant(_) => <$ty as DocumentKind>::NAME),* }
            }

            pub fn head(&self) -> &dyn Head {
                match self { $(Document::$variant(d) => d),* }
            }

            /// The document's identity block, to set what the journal assigns (the
            /// registration number).
            pub fn meta_mut(&mut self) -> &mut DocumentMeta {
                match self { $(Document::$variant(d) => d.document_mut()),* }
            }

            pub fn formatted(&self, lang: Lang, cx: &FormatContext<'_>) -> Map<String, Value> {
                match self { $(Document::$variant(d) => d.formatted(lang, cx)),* }
            }

            pub fn barcode(&self) -> Option<&str> {
                match self { $(Document::$variant(d) => d.barcode()),* }
            }

            /// The payload as normalised JSON (with `kind`), as the template reads it.
            pub fn to_json(&self) -> Value {
                let mut value = match self {
                    $(Document::$variant(d) => serde_json::to_value(d).unwrap_or(Value::Null)),*
                };
                if let Value::Object(obj) = &mut value {
                    obj.insert("kind".into(), Value::String(self.kind().into()));
                }
                value
            }
        }
    };
}

kinds! {
    ExternshipOrder(ExternshipOrder),
    ExternshipExtract(ExternshipExtract),
    DuplicateCertificate(DuplicateCertificate),
    PmpcConclusion(PmpcConclusion),
    PmpcRecommendation(PmpcRecommendation),
    RefusalReceipt(RefusalReceipt),
    AcceptanceReceipt(AcceptanceReceipt),
    PreschoolQueueReceipt(PreschoolQueueReceipt),
    TvetIncompleteEducation(TvetIncompleteEducation),
}

/// Implements [`Head`] for a kind whose head fields are `lang`, `document`, `issuer`, and
/// whose signer is the given field.
macro_rules! impl_head {
    ($ty:ty, $signer:ident) => {
        impl $crate::model::Head for $ty {
            fn lang(&self) -> Option<$crate::model::LangSet> {
                self.lang
            }
            fn document(&self) -> &$crate::model::DocumentMeta {
                &self.document
            }
            fn document_mut(&mut self) -> &mut $crate::model::DocumentMeta {
                &mut self.document
            }
            fn issuer(&self) -> &$crate::model::Organisation {
                &self.issuer
            }
            fn signer(&self) -> &$crate::model::Official {
                &self.$signer
            }
        }
    };
}
pub(crate) use impl_head;

/// Inserts `key: value` into a formatted map; keeps kind code short.
pub(crate) fn put(map: &mut Map<String, Value>, key: &str, value: impl Into<Value>) {
    map.insert(key.to_owned(), value.into());
}
