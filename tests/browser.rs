//! The verification page in a real browser: Debian's headless Chromium, driven through
//! chromedriver by Selenium (tests/e2e/verify_page.py, in the repo's `.venv`).

mod common;

use base64::Engine as _;
use common::*;

#[test]
fn qr_link_and_upload_form_in_chromium() {
    let dir = temp_dir("browser");
    let server = Server::start(&dir, &dir.join("journal.db").to_string_lossy());
    let token = server.token("990440003210");
    let auth = format!("Bearer {token}");
    let payload = payload_with_id("preschool_queue_receipt", "QJ-BROWSER-1");
    let r = server.request(
        "POST",
        "/v1/documents",
        &[("Authorization", &auth)],
        &payload,
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let body = r.json();
    let qr_url = body["verification_url"].as_str().unwrap().to_owned();
    let number = body["document"]["registration_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(body["pdf_base64"].as_str().unwrap())
        .unwrap();
    let good = dir.join("receipt.pdf");
    std::fs::write(&good, &pdf).unwrap();
    // One flipped bit inside a signed object.
    let mut tampered = pdf.clone();
    let at = tampered.windows(7).position(|w| w == b"/Length").unwrap() - 40;
    tampered[at] ^= 0x01;
    let bad = dir.join("tampered.pdf");
    std::fs::write(&bad, &tampered).unwrap();

    let out = std::process::Command::new(venv_tool("python", "QUJAT_PYTHON"))
        .arg(root().join("tests/e2e/verify_page.py"))
        .args([
            &server.url(""),
            &qr_url,
            good.to_str().unwrap(),
            bad.to_str().unwrap(),
            &number,
            // The child's and the applicant's IIN; the receipt is the applicant's.
            "220510503213,850420401232",
            "8504******32",
        ])
        .output()
        .expect("the venv's python must exist (.ci/run installs selenium there)");
    assert!(
        out.status.success(),
        "browser check failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("OK"));
}
