//! The QR code and the barcode are read back by an independent decoder (zbar) from the
//! rendered page image.

mod common;

use std::process::Command;

use common::*;
use serde_json::Value;

fn decode(pdf: &std::path::Path, dir: &std::path::Path) -> Vec<String> {
    let prefix = dir.join("page");
    let st = Command::new("pdftoppm")
        .args(["-r", "200", "-png", "-f", "1", "-l", "1"])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm");
    assert!(st.success());
    let png = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "png"))
        .expect("page image");
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .arg(&png)
        .output()
        .expect("zbarimg (zbar-tools)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn qr_code_carries_the_verification_url() {
    let dir = temp_dir("qr");
    let out = dir.join("doc.pdf");
    let sample = root().join("examples/refusal_receipt.json");
    let o = run(
        &[
            "--verification-url",
            "https://verify.example.kz/v/",
            "render",
            sample.to_str().unwrap(),
            "--lang",
            "ru",
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let codes = decode(&out, &dir);
    let payload: Value = serde_json::from_slice(&std::fs::read(&sample).unwrap()).unwrap();
    let expected = format!(
        "https://verify.example.kz/v/{}",
        payload["document"]["id"].as_str().unwrap()
    );
    assert!(
        codes.contains(&expected),
        "decoded {codes:?}, expected {expected}"
    );
}

#[test]
fn acceptance_receipt_barcode_carries_the_request_number() {
    let dir = temp_dir("barcode");
    let out = dir.join("doc.pdf");
    let sample = root().join("examples/acceptance_receipt.json");
    let o = run(
        &[
            "render",
            sample.to_str().unwrap(),
            "--lang",
            "ru",
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let payload: Value = serde_json::from_slice(&std::fs::read(&sample).unwrap()).unwrap();
    let number = payload["request_number"]
        .as_str()
        .expect("request_number")
        .to_owned();
    let codes = decode(&out, &dir);
    assert!(
        codes.contains(&number),
        "decoded {codes:?}, expected {number}"
    );
}
