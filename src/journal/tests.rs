//! The same suite against both backends: SQLite in a temporary file and PostgreSQL on the
//! machine's server (`QUJAT_TEST_POSTGRES`, default `postgres://postgres@127.0.0.1:5432/test`),
//! each test in a schema of its own.

use std::collections::HashSet;
use std::sync::Arc;

use time::macros::datetime;

use super::*;

fn postgres_url() -> String {
    std::env::var("QUJAT_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh journal on `backend`; PostgreSQL gets a new schema so tests do not meet.
async fn fresh(backend: &str, name: &str) -> SqlJournal {
    match backend {
        "sqlite" => {
            let dir = std::env::temp_dir().join(format!("qujat-journal-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let file = dir.join(format!("{name}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
            SqlJournal::open(file.to_str().unwrap()).await.unwrap()
        }
        _ => {
            use sqlx::Connection;
            let schema = format!("qj_{name}_{}", std::process::id());
            let mut conn = sqlx::PgConnection::connect(&postgres_url())
                .await
                .expect("PostgreSQL must be running for the journal suite (see README)");
            sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&mut conn)
                .await
                .unwrap();
            sqlx::query(&format!("CREATE SCHEMA {schema}"))
                .execute(&mut conn)
                .await
                .unwrap();
            let url = format!("{}?options=-c%20search_path%3D{schema}", postgres_url());
            let journal = SqlJournal::open(&url).await.unwrap();
            assert_eq!(journal.backend(), "postgres");
            journal
        }
    }
}

fn record(id: &str, sequence: i64, key: Option<&str>) -> NewRecord {
    let pdf = format!("%PDF-1.7 {id}").into_bytes();
    NewRecord {
        record: Record {
            id: id.into(),
            code: new_verification_code().unwrap(),
            kind: "refusal_receipt".into(),
            lang: "kk+ru".into(),
            issuer_bin: "150340001236".into(),
            registration_number: registration_number("refusal_receipt", 2026, sequence),
            year: 2026,
            sequence,
            issued_at: datetime!(2026-03-02 10:15:00 +05:00),
            registered_at: now(),
            signer_fingerprints: vec!["ab".repeat(32)],
            template_id: "refusal_receipt@0.1.0".into(),
            template_hash: "cd".repeat(32),
            pdf_sha256: crate::hex_sha256(&pdf),
            pdf_size: pdf.len() as u64,
            status: Status::Issued,
            idempotency_key: key.map(str::to_owned),
            request_sha256: "ef".repeat(32),
            subject: Some(MaskedSubject {
                name: "Ахметова А. Б.".into(),
                iin: Some(mask_iin("080115650012")),
            }),
        },
        pdf,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

fn round_trip(backend: &str) {
    runtime().block_on(async {
        let j = fresh(backend, "roundtrip").await;
        let new = record("QJ-1", 1, None);
        let Inserted::Created(created) = j.insert(new.clone()).await.unwrap() else {
            panic!("expected a new record")
        };
        assert_eq!(created, new.record);
        assert_eq!(j.get("QJ-1").await.unwrap().as_ref(), Some(&new.record));
        let by_code = j.by_code(&new.record.code).await.unwrap().unwrap();
        assert_eq!(by_code.id, "QJ-1");
        assert_eq!(j.pdf("QJ-1").await.unwrap(), Some(new.pdf.clone()));
        assert_eq!(j.get("QJ-2").await.unwrap(), None);
        assert_eq!(j.by_code("AAAAAAAAAAAAAAAAAAAAAA").await.unwrap(), None);
        assert_eq!(
            created.subject.unwrap().iin.as_deref(),
            Some("0801******12")
        );

        // The same id again is refused, not overwritten.
        let mut again = record("QJ-1", 2, None);
        again.pdf = b"other".to_vec();
        assert!(matches!(
            j.insert(again).await,
            Err(JournalError::DuplicateId(id)) if id == "QJ-1"
        ));
        assert_eq!(j.pdf("QJ-1").await.unwrap(), Some(new.pdf));

        // Annulment: once, with reason and time; the second is refused.
        let at = datetime!(2026-04-01 09:00:00 UTC);
        let annulled = j.annul("QJ-1", "ошибка в ИИН", at).await.unwrap();
        assert_eq!(
            annulled.status,
            Status::Annulled {
                reason: "ошибка в ИИН".into(),
                at
            }
        );
        assert!(matches!(
            j.annul("QJ-1", "again", at).await,
            Err(JournalError::AlreadyAnnulled(_))
        ));
        assert!(matches!(
            j.annul("nope", "x", at).await,
            Err(JournalError::NotFound(_))
        ));

        j.insert(record("QJ-2", 2, None)).await.unwrap();
        let all = j.list(&ListFilter::default()).await.unwrap();
        assert_eq!(
            all.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["QJ-2", "QJ-1"]
        );
        let none = j
            .list(&ListFilter {
                issuer_bin: Some("000000000000".into()),
                ..ListFilter::default()
            })
            .await
            .unwrap();
        assert!(none.is_empty());

        j.add_token(&"11".repeat(32), "150340001236", "test")
            .await
            .unwrap();
        assert_eq!(
            j.token_organisation(&"11".repeat(32)).await.unwrap(),
            Some("150340001236".into())
        );
        assert_eq!(j.token_organisation(&"22".repeat(32)).await.unwrap(), None);
    });
}

fn idempotency(backend: &str) {
    runtime().block_on(async {
        let j = fresh(backend, "idem").await;
        let first = record("QJ-A", 1, Some("key-1"));
        assert!(matches!(
            j.insert(first.clone()).await.unwrap(),
            Inserted::Created(_)
        ));
        // A retry of the same request (another id minted by the retry) gets the first record.
        let retry = record("QJ-B", 2, Some("key-1"));
        match j.insert(retry).await.unwrap() {
            Inserted::Replayed(r) => assert_eq!(r.id, "QJ-A"),
            other => panic!("expected a replay, got {other:?}"),
        }
        // The same key with another request is an error naming the earlier document.
        let mut different = record("QJ-C", 3, Some("key-1"));
        different.record.request_sha256 = "00".repeat(32);
        assert!(matches!(
            j.insert(different).await,
            Err(JournalError::IdempotencyMismatch { existing, .. }) if existing == "QJ-A"
        ));
        assert_eq!(j.get("QJ-B").await.unwrap(), None);
    });
}

/// 32 concurrent issuers, 8 documents each: every number is distinct and gap-free, and every
/// acknowledged record is there.
fn concurrent_numbers(backend: &str) {
    runtime().block_on(async {
        let j: Arc<dyn Journal> = Arc::new(fresh(backend, "concurrent").await);
        let mut tasks = Vec::new();
        for worker in 0..32 {
            let j = j.clone();
            tasks.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for n in 0..8 {
                    let seq = j
                        .next_sequence("150340001236", "refusal_receipt", 2026)
                        .await
                        .unwrap();
                    let id = format!("W{worker}-{n}");
                    let inserted = j.insert(record(&id, seq, None)).await.unwrap();
                    assert!(matches!(inserted, Inserted::Created(_)));
                    ids.push((id, seq));
                }
                ids
            }));
        }
        let mut seen = HashSet::new();
        for task in tasks {
            for (id, seq) in task.await.unwrap() {
                assert!(seen.insert(seq), "sequence {seq} given twice");
                assert_eq!(j.get(&id).await.unwrap().unwrap().sequence, seq);
            }
        }
        assert_eq!(seen, (1..=256).collect::<HashSet<i64>>());
        // Another kind, organisation or year counts from 1.
        assert_eq!(
            j.next_sequence("150340001236", "acceptance_receipt", 2026)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            j.next_sequence("150340001236", "refusal_receipt", 2027)
                .await
                .unwrap(),
            1
        );
    });
}

macro_rules! both_backends {
    ($($name:ident),*) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name("sqlite") })*
        }
        mod postgres {
            $(#[test] fn $name() { super::$name("postgres") })*
        }
    };
}

both_backends!(round_trip, idempotency, concurrent_numbers);

#[test]
fn sqlite_file_survives_reopening_and_migrations_are_idempotent() {
    runtime().block_on(async {
        let dir = std::env::temp_dir().join(format!("qujat-journal-reopen-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("j.db");
        let url = format!("sqlite://{}", file.display());
        {
            let j = SqlJournal::open(&url).await.unwrap();
            j.insert(record("QJ-1", 1, None)).await.unwrap();
        }
        let j = SqlJournal::open(&url).await.unwrap();
        assert!(j.get("QJ-1").await.unwrap().is_some());
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(match &j.pool {
                sql::Pool::Sqlite(p) => p,
                sql::Pool::Postgres(_) => unreachable!(),
            })
            .await
            .unwrap();
        assert_eq!(mode, "wal");
    });
}

#[test]
fn codes_are_128_bit_and_distinct() {
    let codes: HashSet<String> = (0..1000)
        .map(|_| new_verification_code().unwrap())
        .collect();
    assert_eq!(codes.len(), 1000);
    assert!(codes.iter().all(|c| is_verification_code(c)));
    assert!(!is_verification_code("short"));
    assert!(!is_verification_code("../../../../etc/passwd"));
}

#[test]
fn masking() {
    assert_eq!(mask_iin("080115650012"), "0801******12");
    let payload = serde_json::json!({
        "issuer": {"bin": "150340001236"},
        "signer": {"surname": "Иванов", "iin": "111111111111"},
        "applicant": {"surname": "Ахметова", "given_name": "Айгерим", "patronymic": "Болатқызы", "iin": "080115650012"}
    });
    assert_eq!(
        masked_subject(&payload),
        Some(MaskedSubject {
            name: "Ахметова А. Б.".into(),
            iin: Some("0801******12".into())
        })
    );
    let without_iin = serde_json::json!({
        "head": {"surname": "Иванов", "given_name": "Иван", "position_kk": "x"},
        "applicant": {"surname": "Жұмабекова", "given_name": "Әсел"}
    });
    assert_eq!(
        masked_subject(&without_iin),
        Some(MaskedSubject {
            name: "Жұмабекова Ә.".into(),
            iin: None
        })
    );
    assert_eq!(
        registration_number("refusal_receipt", 2026, 17),
        "RR-2026/00017"
    );
}
