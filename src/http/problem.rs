//! Errors as `application/problem+json` (RFC 9457) with the JSON path of the field at fault.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::engine::Error;
use crate::journal::JournalError;
use crate::model::InputError;
use crate::registrar::RegistrarError;
use crate::render::RenderError;

/// One problem response.
#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// JSON path (or header name) of the field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field problem, when validation found several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

#[derive(Debug, Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub detail: String,
}

impl Problem {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "about:blank",
            title,
            status: status.as_u16(),
            detail: detail.into(),
            field: None,
            errors: Vec::new(),
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Problem {
        self.field = Some(field.into());
        self
    }

    pub fn unauthorized(detail: &str) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "Not Found", detail)
    }

    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "Bad Request", detail)
    }

    pub fn too_large(limit: usize) -> Problem {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Payload Too Large",
            format!("the request body is larger than {limit} bytes"),
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<InputError> for Problem {
    fn from(e: InputError) -> Problem {
        let unprocessable = |detail: String| {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid payload", detail)
        };
        match e {
            InputError::Json { .. } => Problem::bad_request(e.to_string()).with_field("$"),
            InputError::NotAnObject => unprocessable(e.to_string()).with_field("$"),
            InputError::MissingKind | InputError::UnknownKind(_) => {
                unprocessable(e.to_string()).with_field("$.kind")
            }
            InputError::Shape { ref path, .. } => {
                let path = path.clone();
                unprocessable(e.to_string()).with_field(path)
            }
            InputError::Invalid(problems) => {
                let detail = problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut problem = unprocessable(detail);
                problem.field = problems.first().map(|p| p.path.clone());
                problem.errors = problems
                    .into_iter()
                    .map(|p| FieldProblem {
                        field: p.path,
                        detail: p.message,
                    })
                    .collect();
                problem
            }
        }
    }
}

impl From<Error> for Problem {
    fn from(e: Error) -> Problem {
        match e {
            Error::Input(e) => e.into(),
            // A compile or export failure comes from what the payload contains (a glyph no
            // font has, say): the request cannot be processed as sent.
            Error::Render(e @ (RenderError::Compile { .. } | RenderError::Pdf { .. })) => {
                Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Document cannot be rendered",
                    e.to_string(),
                )
            }
            Error::Render(RenderError::Code(detail)) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Document cannot be rendered",
                detail,
            ),
            Error::Verify(e) => Problem::bad_request(e.to_string()),
            Error::Pdf(e) => Problem::bad_request(e.to_string()),
            other => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service misconfigured",
                other.to_string(),
            ),
        }
    }
}

impl From<JournalError> for Problem {
    fn from(e: JournalError) -> Problem {
        let detail = e.to_string();
        match e {
            JournalError::DuplicateId(_) => {
                Problem::new(StatusCode::CONFLICT, "Conflict", detail).with_field("$.document.id")
            }
            JournalError::AlreadyAnnulled(_) => {
                Problem::new(StatusCode::CONFLICT, "Conflict", detail)
            }
            JournalError::IdempotencyMismatch { .. } => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Idempotency key reused",
                detail,
            )
            .with_field("Idempotency-Key"),
            JournalError::NotFound(_) => Problem::not_found(detail),
            JournalError::Open { .. }
            | JournalError::Database(_)
            | JournalError::Corrupt { .. } => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Journal unavailable",
                detail,
            ),
        }
    }
}

impl From<RegistrarError> for Problem {
    fn from(e: RegistrarError) -> Problem {
        match e {
            RegistrarError::Engine(e) => e.into(),
            RegistrarError::Journal(e) => e.into(),
            RegistrarError::Forbidden(detail) => {
                Problem::new(StatusCode::FORBIDDEN, "Forbidden", detail).with_field("$.issuer.bin")
            }
            RegistrarError::Interrupted(detail) => {
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, "Interrupted", detail)
            }
        }
    }
}
