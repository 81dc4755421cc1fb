//! OpenAPI fuzzing: schemathesis (in the repo's `.venv`) generates requests from
//! `/openapi.json` — valid and invalid, with a valid organisation token — and every response
//! must be something other than a 5xx.

mod common;

use common::*;

#[test]
fn no_server_errors_under_openapi_fuzzing() {
    let dir = temp_dir("schemathesis");
    let server = Server::start(&dir, &dir.join("journal.db").to_string_lossy());
    let token = server.token("150340001236");
    let out = std::process::Command::new(venv_tool("schemathesis", "QUJAT_SCHEMATHESIS"))
        .args([
            "run",
            &server.url("/openapi.json"),
            "--checks",
            "not_a_server_error",
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--max-examples",
            "30",
            // A wall-time bound: the coverage, fuzzing and stateful phases share it.
            "--max-time",
            "90",
            "--no-shrink",
            "--suppress-health-check",
            "all",
            "--report",
            "junit",
            "--report-dir",
            dir.to_str().unwrap(),
        ])
        .current_dir(&dir)
        .output()
        .expect("schemathesis must be installed in .venv (.ci/run does it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("✅ Fuzzing") && stdout.contains("✅ Stateful"),
        "a phase did not run:\n{stdout}"
    );
    assert!(stdout.contains(" passed"), "{stdout}");
    // The server survived it all.
    assert_eq!(server.request("GET", "/healthz", &[], b"").status, 200);
}
