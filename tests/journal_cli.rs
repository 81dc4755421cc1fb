//! The journal from the command line: `issue` registers, `journal list|show|annul`,
//! `verify --database-url` reports the journal's verdict.

mod common;

use common::*;

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn issue_registers_and_verify_consults_the_journal() {
    let dir = temp_dir("journal-cli");
    let db = dir.join("j.db");
    let pdf = dir.join("r.pdf");
    let payload = root().join("examples/refusal_receipt.json");
    let issue = |key: Option<&str>, out: &std::path::Path| {
        let mut args = vec!["issue", s(&payload), "-o", s(out), "--database-url", s(&db)];
        if let Some(k) = key {
            args.extend(["--idempotency-key", k]);
        }
        run(&args, None)
    };
    let o = issue(Some("k-1"), &pdf);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("registered as RR-2026/00001"), "{stderr}");
    assert!(pdf_text(&pdf).contains("RR-2026/00001"));

    // A retry with the key gives the same bytes; the id without the key is refused.
    let again = dir.join("again.pdf");
    let o = issue(Some("k-1"), &again);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("already"));
    assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&pdf).unwrap());
    let refused = dir.join("refused.pdf");
    let o = issue(None, &refused);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already registered"));
    assert!(!refused.exists(), "nothing written on error");

    let o = run(&["journal", "list", "--database-url", s(&db)], None);
    let list = String::from_utf8_lossy(&o.stdout);
    assert!(list.contains("RR-2026/00001\tQJ-2026-RR-000017"), "{list}");
    let shown = dir.join("shown.pdf");
    let o = run(
        &[
            "journal",
            "show",
            "QJ-2026-RR-000017",
            "--database-url",
            s(&db),
            "--pdf",
            s(&shown),
        ],
        None,
    );
    assert!(o.status.success());
    assert_eq!(std::fs::read(&shown).unwrap(), std::fs::read(&pdf).unwrap());

    let verify = |db: &std::path::Path| {
        let o = run(&["verify", s(&pdf), "--database-url", s(db)], None);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    let (code, out) = verify(&db);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Journal: registered"), "{out}");

    let o = run(
        &[
            "journal",
            "annul",
            "QJ-2026-RR-000017",
            "--reason",
            "выдан ошибочно",
            "--database-url",
            s(&db),
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (code, out) = verify(&db);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("ANNULLED: выдан ошибочно"), "{out}");

    // Another journal does not know the document: indeterminate, not valid.
    let (code, out) = verify(&dir.join("other.db"));
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("NOT in the journal"), "{out}");
}
