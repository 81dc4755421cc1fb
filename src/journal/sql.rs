//! [`Journal`] over SQLite or PostgreSQL with the same schema and statements (`$n`
//! placeholders work in both; timestamps are RFC 3339 text, UTC, so they sort as text).

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, Row};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{
    Inserted, Journal, JournalError, JournalFuture, ListFilter, MaskedSubject, NewRecord, Record,
    Status,
};

pub(super) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The journal in a SQL database.
pub struct SqlJournal {
    pub(super) pool: Pool,
}

/// Runs the same code on whichever pool this journal has.
macro_rules! on_pool {
    ($self:expr, |$pool:ident| $body:expr) => {
        match &$self.pool {
            Pool::Sqlite($pool) => $body,
            Pool::Postgres($pool) => $body,
        }
    };
}

/// Schema versions, applied in order; `{blob}` is the backend's byte-string type.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE qujat_documents (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    lang TEXT NOT NULL,
    issuer_bin TEXT NOT NULL,
    registration_number TEXT NOT NULL,
    year BIGINT NOT NULL,
    sequence BIGINT NOT NULL,
    issued_at TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    signer_fingerprints TEXT NOT NULL,
    template_id TEXT NOT NULL,
    template_hash TEXT NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    pdf_size BIGINT NOT NULL,
    pdf {blob} NOT NULL,
    status TEXT NOT NULL,
    annul_reason TEXT,
    annulled_at TEXT,
    idempotency_key TEXT,
    request_sha256 TEXT NOT NULL,
    subject TEXT,
    UNIQUE (issuer_bin, kind, year, sequence),
    UNIQUE (issuer_bin, idempotency_key)
);
CREATE INDEX qujat_documents_registered ON qujat_documents (registered_at);
CREATE TABLE qujat_sequences (
    issuer_bin TEXT NOT NULL,
    kind TEXT NOT NULL,
    year BIGINT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (issuer_bin, kind, year)
);
CREATE TABLE qujat_tokens (
    token_sha256 TEXT PRIMARY KEY,
    issuer_bin TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL
)
"#];

const RECORD_COLUMNS: &str = "id, code, kind, lang, issuer_bin, registration_number, year, \
     sequence, issued_at, registered_at, signer_fingerprints, template_id, template_hash, \
     pdf_sha256, pdf_size, status, annul_reason, annulled_at, idempotency_key, request_sha256, \
     subject";

/// Builds a [`Record`] from a row of [`RECORD_COLUMNS`] (a macro: the row types differ).
macro_rules! record_from_row {
    ($row:expr) => {{
        let row = $row;
        (|| -> Result<Record, JournalError> {
            let id: String = row.try_get("id")?;
            let status: String = row.try_get("status")?;
            let status = match status.as_str() {
                "issued" => Status::Issued,
                "annulled" => {
                    let at: Option<String> = row.try_get("annulled_at")?;
                    Status::Annulled {
                        reason: row
                            .try_get::<Option<String>, _>("annul_reason")?
                            .unwrap_or_default(),
                        at: parse_time(&id, "annulled_at", at.as_deref().unwrap_or(""))?,
                    }
                }
                other => {
                    return Err(JournalError::Corrupt {
                        id,
                        message: format!("unknown status `{other}`"),
                    });
                }
            };
            let fingerprints: String = row.try_get("signer_fingerprints")?;
            let subject: Option<String> = row.try_get("subject")?;
            let subject = match subject {
                Some(text) => Some(serde_json::from_str::<MaskedSubject>(&text).map_err(|e| {
                    JournalError::Corrupt {
                        id: id.clone(),
                        message: format!("subject: {e}"),
                    }
                })?),
                None => None,
            };
            let year: i64 = row.try_get("year")?;
            let pdf_size: i64 = row.try_get("pdf_size")?;
            let issued_at: String = row.try_get("issued_at")?;
            let registered_at: String = row.try_get("registered_at")?;
            Ok(Record {
                code: row.try_get("code")?,
                kind: row.try_get("kind")?,
                lang: row.try_get("lang")?,
                issuer_bin: row.try_get("issuer_bin")?,
                registration_number: row.try_get("registration_number")?,
                year: i32::try_from(year).unwrap_or_default(),
                sequence: row.try_get("sequence")?,
                issued_at: parse_time(&id, "issued_at", &issued_at)?,
                registered_at: parse_time(&id, "registered_at", &registered_at)?,
                signer_fingerprints: fingerprints
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                template_id: row.try_get("template_id")?,
                template_hash: row.try_get("template_hash")?,
                pdf_sha256: row.try_get("pdf_sha256")?,
                pdf_size: u64::try_from(pdf_size).unwrap_or_default(),
                status,
                idempotency_key: row.try_get("idempotency_key")?,
                request_sha256: row.try_get("request_sha256")?,
                subject,
                id,
            })
        })()
    }};
}

impl SqlJournal {
    /// Opens (and creates or migrates) the journal at `url`: `postgres://…`, `sqlite://path`
    /// or a bare file path for SQLite.
    pub async fn open(url: &str) -> Result<SqlJournal, JournalError> {
        let open_err = |e: sqlx::Error| JournalError::Open {
            url: redact(url),
            message: e.to_string(),
        };
        let pool = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(open_err)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(open_err)?;
            Pool::Postgres(pool)
        } else {
            let options = if url.starts_with("sqlite:") {
                SqliteConnectOptions::from_str(url).map_err(open_err)?
            } else {
                SqliteConnectOptions::new().filename(url)
            }
            .create_if_missing(true)
            // WAL lets readers work during a write; FULL syncs the WAL on every commit, so
            // an acknowledged document survives a power cut, not only a process crash.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await
                .map_err(open_err)?;
            Pool::Sqlite(pool)
        };
        let journal = SqlJournal { pool };
        journal.migrate().await.map_err(|e| JournalError::Open {
            url: redact(url),
            message: e.to_string(),
        })?;
        Ok(journal)
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    async fn migrate(&self) -> Result<(), JournalError> {
        let blob = match self.pool {
            Pool::Sqlite(_) => "BLOB",
            Pool::Postgres(_) => "BYTEA",
        };
        on_pool!(self, |pool| {
            let mut conn = pool.acquire().await?;
            let mut tx = conn.begin().await?;
            if matches!(self.pool, Pool::Postgres(_)) {
                // Instances starting together must not migrate at the same time.
                sqlx::query("SELECT pg_advisory_xact_lock(7170617475)")
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("CREATE TABLE IF NOT EXISTS qujat_schema (version BIGINT NOT NULL)")
                .execute(&mut *tx)
                .await?;
            let version: Option<i64> = sqlx::query("SELECT MAX(version) FROM qujat_schema")
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            let version = version.unwrap_or(0);
            for (i, migration) in MIGRATIONS.iter().enumerate() {
                let target = i as i64 + 1;
                if target <= version {
                    continue;
                }
                for statement in migration.replace("{blob}", blob).split(';') {
                    if !statement.trim().is_empty() {
                        sqlx::query(statement).execute(&mut *tx).await?;
                    }
                }
                sqlx::query("INSERT INTO qujat_schema (version) VALUES ($1)")
                    .bind(target)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    async fn fetch_record(
        &self,
        column: &str,
        value: &str,
    ) -> Result<Option<Record>, JournalError> {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM qujat_documents WHERE {column} = $1");
        on_pool!(self, |pool| {
            let row = sqlx::query(&sql).bind(value).fetch_optional(pool).await?;
            row.map(|r| record_from_row!(r)).transpose()
        })
    }
}

/// A URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{user}@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// UTC with a fixed number of fraction digits, so that text order is time order.
fn timestamp(t: OffsetDateTime) -> String {
    const UTC_MICROS: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(UTC_MICROS)
        .unwrap_or_default()
}

fn parse_time(id: &str, field: &str, text: &str) -> Result<OffsetDateTime, JournalError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| JournalError::Corrupt {
        id: id.to_owned(),
        message: format!("{field}: {e}"),
    })
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl Journal for SqlJournal {
    fn next_sequence<'a>(
        &'a self,
        issuer_bin: &'a str,
        kind: &'a str,
        year: i32,
    ) -> JournalFuture<'a, i64> {
        Box::pin(async move {
            // One statement, atomic in both databases: concurrent issuers never share a number.
            const SQL: &str = "INSERT INTO qujat_sequences (issuer_bin, kind, year, last) \
                 VALUES ($1, $2, $3, 1) \
                 ON CONFLICT (issuer_bin, kind, year) \
                 DO UPDATE SET last = qujat_sequences.last + 1 RETURNING last";
            on_pool!(self, |pool| {
                let row = sqlx::query(SQL)
                    .bind(issuer_bin)
                    .bind(kind)
                    .bind(i64::from(year))
                    .fetch_one(pool)
                    .await?;
                Ok(row.try_get::<i64, _>(0)?)
            })
        })
    }

    fn insert(&self, new: NewRecord) -> JournalFuture<'_, Inserted> {
        Box::pin(async move {
            let r = &new.record;
            let (status, reason, annulled_at) = match &r.status {
                Status::Issued => ("issued", None, None),
                Status::Annulled { reason, at } => {
                    ("annulled", Some(reason.clone()), Some(timestamp(*at)))
                }
            };
            let subject = r
                .subject
                .as_ref()
                .and_then(|s| serde_json::to_string(s).ok());
            const SQL: &str = "INSERT INTO qujat_documents (id, code, kind, lang, issuer_bin, \
                 registration_number, year, sequence, issued_at, registered_at, \
                 signer_fingerprints, template_id, template_hash, pdf_sha256, pdf_size, pdf, \
                 status, annul_reason, annulled_at, idempotency_key, request_sha256, subject) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                 $17, $18, $19, $20, $21, $22)";
            let result = on_pool!(self, |pool| {
                sqlx::query(SQL)
                    .bind(&r.id)
                    .bind(&r.code)
                    .bind(&r.kind)
                    .bind(&r.lang)
                    .bind(&r.issuer_bin)
                    .bind(&r.registration_number)
                    .bind(i64::from(r.year))
                    .bind(r.sequence)
                    .bind(r.issued_at.format(&Rfc3339).unwrap_or_default())
                    .bind(timestamp(r.registered_at))
                    .bind(r.signer_fingerprints.join(","))
                    .bind(&r.template_id)
                    .bind(&r.template_hash)
                    .bind(&r.pdf_sha256)
                    .bind(i64::try_from(new.pdf.len()).unwrap_or(i64::MAX))
                    .bind(&new.pdf)
                    .bind(status)
                    .bind(&reason)
                    .bind(&annulled_at)
                    .bind(&r.idempotency_key)
                    .bind(&r.request_sha256)
                    .bind(&subject)
                    .execute(pool)
                    .await
                    .map(|_| ())
            });
            match result {
                Ok(()) => Ok(Inserted::Created(new.record)),
                Err(e) if is_unique_violation(&e) => {
                    if let Some(key) = &r.idempotency_key
                        && let Some(existing) = self.by_idempotency_key(&r.issuer_bin, key).await?
                    {
                        return if existing.request_sha256 == r.request_sha256 {
                            Ok(Inserted::Replayed(existing))
                        } else {
                            Err(JournalError::IdempotencyMismatch {
                                key: key.clone(),
                                existing: existing.id,
                            })
                        };
                    }
                    Err(JournalError::DuplicateId(r.id.clone()))
                }
                Err(e) => Err(e.into()),
            }
        })
    }

    fn by_idempotency_key<'a>(
        &'a self,
        issuer_bin: &'a str,
        key: &'a str,
    ) -> JournalFuture<'a, Option<Record>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {RECORD_COLUMNS} FROM qujat_documents \
                 WHERE issuer_bin = $1 AND idempotency_key = $2"
            );
            on_pool!(self, |pool| {
                let row = sqlx::query(&sql)
                    .bind(issuer_bin)
                    .bind(key)
                    .fetch_optional(pool)
                    .await?;
                row.map(|r| record_from_row!(r)).transpose()
            })
        })
    }

    fn get<'a>(&'a self, id: &'a str) -> JournalFuture<'a, Option<Record>> {
        Box::pin(self.fetch_record("id", id))
    }

    fn by_code<'a>(&'a self, code: &'a str) -> JournalFuture<'a, Option<Record>> {
        Box::pin(self.fetch_record("code", code))
    }

    fn pdf<'a>(&'a self, id: &'a str) -> JournalFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            on_pool!(self, |pool| {
                let row = sqlx::query("SELECT pdf FROM qujat_documents WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await?;
                Ok(row.map(|r| r.try_get::<Vec<u8>, _>(0)).transpose()?)
            })
        })
    }

    fn list<'a>(&'a self, filter: &'a ListFilter) -> JournalFuture<'a, Vec<Record>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT {RECORD_COLUMNS} FROM qujat_documents \
                 WHERE ($1 IS NULL OR issuer_bin = $1) AND ($2 IS NULL OR kind = $2) \
                 ORDER BY registered_at DESC, sequence DESC LIMIT $3"
            );
            let limit = i64::from(if filter.limit == 0 { 100 } else { filter.limit });
            on_pool!(self, |pool| {
                let rows = sqlx::query(&sql)
                    .bind(&filter.issuer_bin)
                    .bind(&filter.kind)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?;
                rows.into_iter().map(|r| record_from_row!(r)).collect()
            })
        })
    }

    fn annul<'a>(
        &'a self,
        id: &'a str,
        reason: &'a str,
        at: OffsetDateTime,
    ) -> JournalFuture<'a, Record> {
        Box::pin(async move {
            let done = on_pool!(self, |pool| {
                sqlx::query(
                    "UPDATE qujat_documents SET status = 'annulled', annul_reason = $2, \
                     annulled_at = $3 WHERE id = $1 AND status = 'issued'",
                )
                .bind(id)
                .bind(reason)
                .bind(timestamp(at))
                .execute(pool)
                .await?
                .rows_affected()
            });
            match self.get(id).await? {
                None => Err(JournalError::NotFound(id.to_owned())),
                Some(_) if done == 0 => Err(JournalError::AlreadyAnnulled(id.to_owned())),
                Some(record) => Ok(record),
            }
        })
    }

    fn add_token<'a>(
        &'a self,
        token_sha256: &'a str,
        issuer_bin: &'a str,
        label: &'a str,
    ) -> JournalFuture<'a, ()> {
        Box::pin(async move {
            on_pool!(self, |pool| {
                sqlx::query(
                    "INSERT INTO qujat_tokens (token_sha256, issuer_bin, label, created_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(token_sha256)
                .bind(issuer_bin)
                .bind(label)
                .bind(timestamp(OffsetDateTime::now_utc()))
                .execute(pool)
                .await?;
                Ok(())
            })
        })
    }

    fn token_organisation<'a>(
        &'a self,
        token_sha256: &'a str,
    ) -> JournalFuture<'a, Option<String>> {
        Box::pin(async move {
            on_pool!(self, |pool| {
                let row =
                    sqlx::query("SELECT issuer_bin FROM qujat_tokens WHERE token_sha256 = $1")
                        .bind(token_sha256)
                        .fetch_optional(pool)
                        .await?;
                Ok(row.map(|r| r.try_get::<String, _>(0)).transpose()?)
            })
        })
    }
}
