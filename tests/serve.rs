//! `qujat serve` end to end over real HTTP: authorization, issue and verify, idempotency,
//! problem responses, annulment, concurrency and a crash, on SQLite and on PostgreSQL.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use common::*;

const GK: &str = "150340001236"; // refusal/acceptance receipts
const COLLEGE: &str = "980640004561"; // TVET справка

fn issue(server: &Server, token: &str, payload: &[u8], key: Option<&str>) -> Response {
    let auth = format!("Bearer {token}");
    let mut headers = vec![
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    if let Some(k) = key {
        headers.push(("Idempotency-Key", k));
    }
    server.request("POST", "/v1/documents", &headers, payload)
}

fn pdf_of(response: &Response) -> Vec<u8> {
    let b64 = response.json()["pdf_base64"].as_str().unwrap().to_owned();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap()
}

fn verify(server: &Server, pdf: &[u8]) -> serde_json::Value {
    let r = server.request(
        "POST",
        "/v1/verify",
        &[("Content-Type", "application/pdf")],
        pdf,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

fn assert_problem(r: &Response, status: u16, field: Option<&str>) -> serde_json::Value {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    let p = r.json();
    assert_eq!(p["status"], status);
    if let Some(field) = field {
        assert_eq!(p["field"], field, "{p:#}");
    }
    p
}

fn sqlite(dir: &std::path::Path) -> String {
    dir.join("journal.db").to_string_lossy().into_owned()
}

#[test]
fn tokens_issue_verify_idempotency_annul_and_problems() {
    let dir = temp_dir("serve-main");
    let server = Server::start(&dir, &sqlite(&dir));
    let gk = server.token(GK);
    let college = server.token(COLLEGE);
    let payload = payload_with_id("refusal_receipt", "QJ-T-1");

    // No token, a bad token, another organisation's token.
    let r = server.request("POST", "/v1/documents", &[], &payload);
    assert_problem(&r, 401, None);
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    assert_problem(&issue(&server, "qjt_nonsense", &payload, None), 401, None);
    assert_problem(
        &issue(&server, &college, &payload, None),
        403,
        Some("$.issuer.bin"),
    );

    // Issued: 201, a number, a verification link, a PDF that verifies against the journal.
    let r = issue(&server, &gk, &payload, Some("retry-1"));
    assert_eq!(r.status, 201, "{}", r.text());
    let body = r.json();
    let number = body["document"]["registration_number"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(number, "RR-2026/00001");
    assert_eq!(r.header("x-registration-number"), Some(number.as_str()));
    let link = body["verification_url"].as_str().unwrap().to_owned();
    let code = link.rsplit('/').next().unwrap().to_owned();
    assert_eq!(code.len(), 22, "128-bit base64url code: {link}");
    assert!(
        !link.contains("QJ-T-1"),
        "the link must not carry the document id"
    );
    let pdf = pdf_of(&r);
    let file = dir.join("issued.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let text = pdf_text(&file);
    assert!(
        text.contains("RR-2026/00001"),
        "number printed on the document: {text}"
    );
    let report = verify(&server, &pdf);
    assert_eq!(report["indication"], "TOTAL_PASSED", "{report:#}");
    assert_eq!(report["journal"]["status"], "registered");
    assert_eq!(report["journal"]["registration_number"], number.as_str());

    // The stored PDF is byte-identical; another organisation cannot see it.
    let auth = format!("Bearer {gk}");
    let stored = server.request(
        "GET",
        "/v1/documents/QJ-T-1/pdf",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(stored.status, 200);
    assert_eq!(stored.body, pdf);
    let other = format!("Bearer {college}");
    let hidden = server.request(
        "GET",
        "/v1/documents/QJ-T-1",
        &[("Authorization", &other)],
        b"",
    );
    assert_problem(&hidden, 404, None);
    let meta = server.request(
        "GET",
        "/v1/documents/QJ-T-1",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(
        meta.json()["document"]["registration_number"],
        number.as_str()
    );

    // A retry with the same key: the same document and number, not a second one.
    let again = issue(&server, &gk, &payload, Some("retry-1"));
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["replayed"], true);
    assert_eq!(pdf_of(&again), pdf);
    // The same key with a different request is refused; the same id without a key conflicts.
    let other_payload = payload_with_id("refusal_receipt", "QJ-T-2");
    assert_problem(
        &issue(&server, &gk, &other_payload, Some("retry-1")),
        422,
        Some("Idempotency-Key"),
    );
    assert_problem(
        &issue(&server, &gk, &payload, None),
        409,
        Some("$.document.id"),
    );
    let second = issue(&server, &gk, &other_payload, None);
    assert_eq!(
        second.json()["document"]["registration_number"],
        "RR-2026/00002"
    );

    // Bad input: the field path, never a 500.
    let mut bad: serde_json::Value =
        serde_json::from_slice(&payload_with_id("refusal_receipt", "QJ-T-3")).unwrap();
    bad["applicant"]["surname"] = "".into();
    let p = assert_problem(
        &issue(&server, &gk, &serde_json::to_vec(&bad).unwrap(), None),
        422,
        None,
    );
    assert!(
        p["field"].as_str().unwrap().starts_with("$.applicant"),
        "{p:#}"
    );
    assert_problem(&issue(&server, &gk, b"{not json", None), 400, Some("$"));
    assert_problem(&issue(&server, &gk, b"[]", None), 422, Some("$"));
    assert_problem(
        &issue(&server, &gk, br#"{"kind":"nope"}"#, None),
        422,
        Some("$.kind"),
    );
    let huge = vec![b' '; 300 * 1024];
    assert_problem(&issue(&server, &gk, &huge, None), 413, None);
    let r = server.request(
        "POST",
        "/v1/documents?lang=xx",
        &[("Authorization", &auth)],
        &payload,
    );
    assert_problem(&r, 422, Some("lang"));
    assert_problem(
        &server.request("POST", "/v1/verify", &[], b"hello"),
        400,
        None,
    );
    assert_problem(
        &server.request("GET", "/v1/kinds/nope/schema", &[], b""),
        404,
        None,
    );
    assert_eq!(
        server
            .request("GET", "/v1/kinds/refusal_receipt/schema", &[], b"")
            .status,
        200
    );
    let openapi = server.request("GET", "/openapi.json", &[], b"").json();
    assert_eq!(openapi["openapi"], "3.1.0");
    assert!(openapi["paths"]["/v1/documents"]["post"].is_object());

    // Annulment: only by the issuer, with a reason; verification then fails.
    let annul = |auth: &str, body: &str| {
        server.request(
            "POST",
            "/v1/documents/QJ-T-1/annul",
            &[
                ("Authorization", auth),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        )
    };
    assert_problem(&annul(&other, r#"{"reason":"x"}"#), 404, None);
    assert_problem(&annul(&auth, r#"{"reason":""}"#), 422, Some("$.reason"));
    assert_problem(&annul(&auth, r#"{"why":"x"}"#), 422, None);
    assert_eq!(annul(&auth, r#"{"reason":"ошибка в фамилии"}"#).status, 200);
    assert_problem(&annul(&auth, r#"{"reason":"again"}"#), 409, None);
    let report = verify(&server, &pdf);
    assert_eq!(report["indication"], "TOTAL_FAILED", "{report:#}");
    assert_eq!(report["journal"]["status"], "annulled");
    assert_eq!(report["journal"]["annul_reason"], "ошибка в фамилии");
    let page = server.request("GET", &format!("/verify/{code}?lang=en"), &[], b"");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("annulled"), "{}", page.text());

    // A tampered copy fails; an unknown code is a 404 page.
    let mut tampered = pdf.clone();
    let at = tampered.windows(7).position(|w| w == b"/Length").unwrap() - 40;
    tampered[at] ^= 0x01;
    assert_ne!(verify(&server, &tampered)["indication"], "TOTAL_PASSED");
    let missing = server.request("GET", "/verify/AAAAAAAAAAAAAAAAAAAAAA", &[], b"");
    assert_eq!(missing.status, 404);
}

/// 32 concurrent clients issue 2 documents each: all 201, 64 distinct, gap-free numbers.
fn concurrent_issuers(database_url: &str, dir: &std::path::Path) {
    let server = Arc::new(Server::start(dir, database_url));
    let token = server.token(GK);
    let numbers = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..32)
        .map(|t| {
            let (server, token, numbers) = (server.clone(), token.clone(), numbers.clone());
            std::thread::spawn(move || {
                for n in 0..2 {
                    let payload = payload_with_id("acceptance_receipt", &format!("C-{t}-{n}"));
                    let r = issue(&server, &token, &payload, None);
                    assert_eq!(r.status, 201, "{}", r.text());
                    let number = r.json()["document"]["registration_number"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    numbers.lock().unwrap().push(number);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let numbers = numbers.lock().unwrap();
    let distinct: HashSet<&String> = numbers.iter().collect();
    assert_eq!(distinct.len(), 64, "duplicates among {numbers:?}");
    let expected: HashSet<String> = (1..=64).map(|n| format!("AR-2026/{n:05}")).collect();
    assert_eq!(distinct, expected.iter().collect());
}

#[test]
fn concurrent_issuers_get_unique_numbers_sqlite() {
    let dir = temp_dir("serve-concurrent-sqlite");
    concurrent_issuers(&sqlite(&dir), &dir);
}

#[test]
fn concurrent_issuers_get_unique_numbers_postgres() {
    let dir = temp_dir("serve-concurrent-pg");
    concurrent_issuers(&postgres_url("qj_serve_concurrent"), &dir);
}

/// Kill -9 the server during a burst of issues, restart it: every document that was
/// acknowledged with 201 is there, byte-identical, and verifies.
fn crash(database_url: &str, dir: &std::path::Path) {
    let mut server = Server::start(dir, database_url);
    let port = server.port;
    let token = server.token(COLLEGE);
    let acknowledged: Arc<Mutex<BTreeMap<String, Vec<u8>>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|c| {
            let (token, acknowledged, stop) = (token.clone(), acknowledged.clone(), stop.clone());
            std::thread::spawn(move || {
                let auth = format!("Bearer {token}");
                for n in 0.. {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let id = format!("K-{c}-{n}");
                    let payload = payload_with_id("tvet_incomplete_education", &id);
                    let headers = [("Authorization", auth.as_str())];
                    match http_request(port, "POST", "/v1/documents", &headers, &payload) {
                        Ok(r) if r.status == 201 => {
                            acknowledged.lock().unwrap().insert(id, pdf_of(&r));
                        }
                        // The connection died with the server: not acknowledged.
                        _ => break,
                    }
                }
            })
        })
        .collect();
    // Let a burst build up, then crash mid-flight.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < 12 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    server.kill();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap();
    assert!(acknowledged.len() >= 12, "the burst did not get going");

    let server = Server::start_on(dir, database_url, port);
    let auth = format!("Bearer {token}");
    for (id, pdf) in acknowledged.iter() {
        let stored = server.request(
            "GET",
            &format!("/v1/documents/{id}/pdf"),
            &[("Authorization", &auth)],
            b"",
        );
        assert_eq!(stored.status, 200, "{id} was acknowledged but is lost");
        assert_eq!(&stored.body, pdf, "{id} changed");
        let report = verify(&server, pdf);
        assert_eq!(report["indication"], "TOTAL_PASSED", "{id}: {report:#}");
    }
    // Numbering continues without reusing a number.
    let fresh = issue(
        &server,
        &token,
        &payload_with_id("tvet_incomplete_education", "K-after"),
        None,
    );
    assert_eq!(fresh.status, 201, "{}", fresh.text());
    let seq = fresh.json()["document"]["sequence"].as_i64().unwrap();
    assert!(seq > acknowledged.len() as i64, "sequence {seq} reused");
}

#[test]
fn crash_loses_no_acknowledged_document_sqlite() {
    let dir = temp_dir("serve-crash-sqlite");
    crash(&sqlite(&dir), &dir);
}

#[test]
fn crash_loses_no_acknowledged_document_postgres() {
    let dir = temp_dir("serve-crash-pg");
    crash(&postgres_url("qj_serve_crash"), &dir);
}
