//! The HTTP service: a thin adapter from axum to the [`Registrar`] (issue, annul, verify)
//! and the verification page behind the QR codes.

mod openapi;
mod page;
mod problem;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::journal::Record;
use crate::keys::KeyStore;
use crate::model::{Document, KINDS, LangSet};
use crate::registrar::{IssueRequest, Registrar, SharedSigner};
use crate::verify;

pub use problem::Problem;

/// Largest payload accepted by `POST /v1/documents`.
pub const MAX_PAYLOAD: usize = 256 * 1024;
/// Largest file accepted for verification (API and upload form).
pub const MAX_UPLOAD: usize = 32 * 1024 * 1024;

/// What every request handler shares.
pub struct Service {
    pub registrar: Registrar,
    pub keys: KeyStore,
}

type AppState = Arc<Service>;

/// The application's routes.
pub fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route(
            "/v1/documents",
            post(issue).layer(DefaultBodyLimit::max(MAX_PAYLOAD)),
        )
        .route("/v1/documents/{id}", get(document))
        .route("/v1/documents/{id}/pdf", get(document_pdf))
        .route(
            "/v1/documents/{id}/annul",
            post(annul).layer(DefaultBodyLimit::max(16 * 1024)),
        )
        .route(
            "/v1/verify",
            post(verify_api).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/v1/kinds", get(kinds))
        .route("/v1/kinds/{kind}/schema", get(kind_schema))
        .route("/openapi.json", get(openapi::document))
        .route("/healthz", get(healthz))
        .route(
            "/verify",
            get(page::upload_form)
                .post(page::upload_result)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD + 64 * 1024)),
        )
        .route("/verify/{code}", get(page::by_code))
        .fallback(|| async { Problem::not_found("no such endpoint") })
        .with_state(service)
}

/// Serves until the process is stopped.
pub async fn serve(
    service: Arc<Service>,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    axum::serve(listener, router(service))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

/// The body, or a problem naming the limit.
fn body(bytes: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, Problem> {
    bytes.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::too_large(limit)
        } else {
            Problem::bad_request(rejection.body_text())
        }
    })
}

/// The organisation of the bearer token; 401 without a valid one.
async fn organisation(state: &Service, headers: &HeaderMap) -> Result<String, Problem> {
    let value = headers.get(header::AUTHORIZATION).ok_or_else(|| {
        Problem::unauthorized("an `Authorization: Bearer <token>` header is required")
    })?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 256)
        .ok_or_else(|| {
            Problem::unauthorized("the Authorization header must be `Bearer <token>`")
        })?;
    state
        .registrar
        .journal()
        .token_organisation(&crate::hex_sha256(token.as_bytes()))
        .await?
        .ok_or_else(|| Problem::unauthorized("unknown token"))
}

#[derive(Deserialize)]
struct IssueQuery {
    lang: Option<String>,
}

async fn issue(
    State(state): State<AppState>,
    Query(query): Query<IssueQuery>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let org = organisation(&state, &headers).await?;
    let payload = body(bytes, MAX_PAYLOAD)?;
    let langs = match query.lang.as_deref() {
        None => None,
        Some(code) => Some(LangSet::parse(code).ok_or_else(|| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Invalid parameter",
                format!("lang: `{code}` is not one of kk, ru, kk+ru"),
            )
            .with_field("lang")
        })?),
    };
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(v.to_str().map_err(|_| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Invalid header",
                "Idempotency-Key must be printable ASCII",
            )
            .with_field("Idempotency-Key")
        })?),
    };
    let signer: SharedSigner = state.keys.signer_for(&org).ok_or_else(|| {
        Problem::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            format!("no signing key is assigned to organisation {org}"),
        )
    })?;
    let issued = state
        .registrar
        .issue(IssueRequest {
            payload: &payload,
            langs,
            idempotency_key: key,
            signer,
            signing_time: OffsetDateTime::now_utc(),
            organisation: Some(&org),
        })
        .await?;
    let status = if issued.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let location = format!("/v1/documents/{}", issued.record.id);
    let wants_pdf = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/pdf"));
    let mut response = if wants_pdf {
        (
            status,
            [(header::CONTENT_TYPE, "application/pdf")],
            issued.pdf.clone(),
        )
            .into_response()
    } else {
        let json = serde_json::json!({
            "document": issued.record,
            "verification_url": issued.verification_url,
            "replayed": issued.replayed,
            "pdf_url": format!("{location}/pdf"),
            "pdf_base64": base64::engine::general_purpose::STANDARD.encode(&issued.pdf),
        });
        (status, axum::Json(json)).into_response()
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&location) {
        h.insert(header::LOCATION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&issued.record.registration_number) {
        h.insert("x-registration-number", v);
    }
    Ok(response)
}

/// A record the token's organisation may see.
async fn own_record(state: &Service, headers: &HeaderMap, id: &str) -> Result<Record, Problem> {
    let org = organisation(state, headers).await?;
    let record = state
        .registrar
        .journal()
        .get(id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("document `{id}` is not in the journal")))?;
    if record.issuer_bin != org {
        // Another organisation's document: as if it did not exist.
        return Err(Problem::not_found(format!(
            "document `{id}` is not in the journal"
        )));
    }
    Ok(record)
}

async fn document(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let record = own_record(&state, &headers, &id).await?;
    let url = state.registrar.verification_url(&record.code);
    Ok(axum::Json(serde_json::json!({
        "document": record,
        "verification_url": url,
        "pdf_url": format!("/v1/documents/{id}/pdf"),
    }))
    .into_response())
}

async fn document_pdf(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let record = own_record(&state, &headers, &id).await?;
    let pdf = state
        .registrar
        .journal()
        .pdf(&record.id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("document `{id}` has no PDF")))?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnulBody {
    reason: String,
}

async fn annul(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let org = organisation(&state, &headers).await?;
    let bytes = body(bytes, 16 * 1024)?;
    let request: AnnulBody =
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&bytes))
            .map_err(|e| {
                let path = e.path().to_string();
                let field = if path == "." {
                    "$".to_owned()
                } else {
                    format!("$.{path}")
                };
                Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Invalid body",
                    format!("{field}: {}", e.into_inner()),
                )
                .with_field(field)
            })?;
    let record = match state
        .registrar
        .annul(&id, &request.reason, Some(&org))
        .await
    {
        // Another organisation's document: as if it did not exist (as for GET).
        Err(crate::registrar::RegistrarError::Forbidden(_)) => {
            return Err(Problem::not_found(format!(
                "document `{id}` is not in the journal"
            )));
        }
        other => other?,
    };
    Ok(axum::Json(serde_json::json!({ "document": record })).into_response())
}

#[derive(Deserialize)]
struct VerifyQuery {
    /// Validation time, RFC 3339; default: each signature's signing time.
    at: Option<String>,
}

fn verify_options(at: Option<&str>) -> Result<verify::Options, Problem> {
    let mut options = verify::Options::now();
    if let Some(text) = at.filter(|t| !t.is_empty()) {
        let at = OffsetDateTime::parse(text, &Rfc3339).map_err(|e| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Invalid parameter",
                format!("at: `{text}` is not an RFC 3339 time: {e}"),
            )
            .with_field("at")
        })?;
        options.at = Some(at);
    }
    Ok(options)
}

async fn verify_api(
    State(state): State<AppState>,
    Query(query): Query<VerifyQuery>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let input = body(bytes, MAX_UPLOAD)?;
    if input.is_empty() {
        return Err(Problem::bad_request(
            "the request body must be the signed file",
        ));
    }
    let options = verify_options(query.at.as_deref())?;
    let report = state.registrar.verify(input.to_vec(), options).await?;
    Ok(axum::Json(report).into_response())
}

async fn kinds() -> Response {
    axum::Json(serde_json::json!({ "kinds": KINDS })).into_response()
}

async fn kind_schema(Path(kind): Path<String>) -> Result<Response, Problem> {
    let schema = Document::schema(&kind)
        .ok_or_else(|| Problem::not_found(format!("unknown kind `{kind}`")))?;
    Ok(axum::Json(schema).into_response())
}

async fn healthz(State(state): State<AppState>) -> Result<Response, Problem> {
    // Healthy means the journal answers.
    state.registrar.journal().get("-").await?;
    Ok(axum::Json(serde_json::json!({ "status": "ok" })).into_response())
}
