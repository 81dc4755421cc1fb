//! Signing, proven by tools nobody here wrote: poppler `pdfsig` (NSS), `openssl cms` and
//! pyHanko accept documents issued by `qujat issue`, for every kind, with the demo RSA and
//! ECDSA keys; a second signature keeps the first valid; NCA keys load and sign.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

const AT: &str = "2026-11-23T10:15:00+05:00";
const DEMO_PASSWORD: &str = "qujat-demo";

fn fixtures() -> PathBuf {
    shared_fixtures().join("nca-rsa-test")
}

fn tool(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed (.ci/run installs it): {e}"))
}

fn ok(program: &str, args: &[&str]) -> String {
    let o = tool(program, args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{program} {args:?} failed:\n{text}");
    text
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// An NSS database trusting the demo root (as a CA for e-mail signing, which is what
/// pdfsig checks).
fn nss_db(dir: &Path) -> String {
    let db = dir.join("nss");
    std::fs::create_dir_all(&db).unwrap();
    let db = format!("sql:{}", db.display());
    ok("certutil", &["-N", "-d", &db, "--empty-password"]);
    let root_ca = root().join("keys/demo/root-ca.crt");
    ok(
        "certutil",
        &[
            "-A",
            "-d",
            &db,
            "-n",
            "qujat-demo-root",
            "-t",
            "CT,C,C",
            "-i",
            s(&root_ca),
        ],
    );
    db
}

/// The demo root and intermediate in one PEM file for openssl.
fn demo_ca_file(dir: &Path) -> PathBuf {
    let pem = |name: &str| {
        let der = std::fs::read(root().join("keys/demo").join(name)).unwrap();
        if der.starts_with(b"-----") {
            return der;
        }
        let out = tool(
            "openssl",
            &[
                "x509",
                "-inform",
                "DER",
                "-in",
                s(&root().join("keys/demo").join(name)),
            ],
        );
        out.stdout
    };
    let path = dir.join("demo-ca.pem");
    let mut all = pem("root-ca.crt");
    all.extend(pem("intermediate-ca.crt"));
    std::fs::write(&path, all).unwrap();
    path
}

/// Reads the last signature's /ByteRange and /Contents independently of qujat's parser.
fn last_signature(pdf: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let text = String::from_utf8_lossy(pdf);
    let at = text.rfind("/ByteRange").expect("a /ByteRange");
    let open = at + text[at..].find('[').unwrap();
    let close = open + text[open..].find(']').unwrap();
    let nums: Vec<usize> = text[open + 1..close]
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(nums.len(), 4);
    let mut signed = pdf[nums[0]..nums[0] + nums[1]].to_vec();
    signed.extend_from_slice(&pdf[nums[2]..nums[2] + nums[3]]);
    let hex = &pdf[nums[0] + nums[1] + 1..nums[2] - 1];
    let mut der: Vec<u8> = hex
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect();
    // Trailing zero padding: the DER's own length says where it ends.
    let len = match der[1] {
        n if n < 0x80 => 2 + n as usize,
        0x81 => 3 + der[2] as usize,
        0x82 => 4 + ((der[2] as usize) << 8 | der[3] as usize),
        0x83 => 5 + ((der[2] as usize) << 16 | (der[3] as usize) << 8 | der[4] as usize),
        n => panic!("unexpected DER length byte {n:#x}"),
    };
    der.truncate(len);
    (signed, der)
}

fn openssl_verifies_pdf(dir: &Path, pdf: &Path, ca: &Path) {
    let (signed, der) = last_signature(&std::fs::read(pdf).unwrap());
    let content = dir.join("signed-ranges.bin");
    let sig = dir.join("sig.der");
    std::fs::write(&content, signed).unwrap();
    std::fs::write(&sig, der).unwrap();
    let out = ok(
        "openssl",
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            s(&sig),
            "-content",
            s(&content),
            "-CAfile",
            s(ca),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
    );
    assert!(out.contains("Verification successful"), "{out}");
}

fn pdfsig_report(db: &str, pdf: &Path) -> String {
    // pdfsig exits non-zero when a signature is invalid; keep its text for the assertion.
    let o = tool("pdfsig", &["-nssdir", db, s(pdf)]);
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn pyhanko_report(pdf: &Path) -> String {
    let root_ca = root().join("keys/demo/root-ca.crt");
    let o = tool(
        &pyhanko(),
        &[
            "sign",
            "validate",
            "--trust",
            s(&root_ca),
            "--trust-replace",
            "--no-revocation-check",
            s(pdf),
        ],
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.status.success(),
        "pyhanko validate failed on {}:\n{text}",
        pdf.display()
    );
    text
}

fn issue(payload: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "issue",
        s(payload),
        "-o",
        s(out),
        "--at",
        AT,
        "--no-journal",
    ];
    args.extend_from_slice(extra);
    run(&args, None)
}

#[test]
fn every_kind_issued_with_demo_rsa_and_ecdsa_passes_pdfsig_openssl_and_pyhanko() {
    let dir = temp_dir("sign-every-kind");
    let db = nss_db(&dir);
    let ca = demo_ca_file(&dir);
    for (name, payload) in examples() {
        for (alg, extra) in [("rsa", &[][..]), ("ec", &["--ec"][..])] {
            let out = dir.join(format!("{name}-{alg}.pdf"));
            let o = issue(&payload, &out, extra);
            assert!(
                o.status.success(),
                "{name} {alg}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            let report = pdfsig_report(&db, &out);
            for expected in [
                "Signature is Valid.",
                "Total document signed",
                "Certificate is Trusted.",
            ] {
                assert!(
                    report.contains(expected),
                    "{name} {alg}: pdfsig lacks `{expected}`:\n{report}"
                );
            }
            openssl_verifies_pdf(&dir, &out, &ca);
            let py = pyhanko_report(&out);
            assert!(
                py.contains("INTACT:TRUSTED,UNTOUCHED"),
                "{name} {alg}: pyhanko says:\n{py}"
            );
            // The signer block shows the certificate, not the placeholder.
            let text = pdf_text(&out);
            assert!(
                text.contains("Сертификат №"),
                "{name} {alg}: no certificate in the signer block: {text}"
            );
            assert!(
                !text.contains("ожидает подписания ЭЦП"),
                "{name} {alg}: still pending: {text}"
            );
            assert!(
                text.contains("23.11.2026 10:15:00"),
                "{name} {alg}: no signing time: {text}"
            );
        }
    }
}

#[test]
fn a_second_signature_keeps_the_first_valid() {
    let dir = temp_dir("sign-twice");
    let db = nss_db(&dir);
    let ca = demo_ca_file(&dir);
    let first = dir.join("first.pdf");
    let o = issue(&root().join("examples/refusal_receipt.json"), &first, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let password = dir.join("password");
    std::fs::write(&password, format!("{DEMO_PASSWORD}\n")).unwrap();
    let second = dir.join("second.pdf");
    let key = root().join("keys/demo/signers/district-head-ec.pem");
    let o = run(
        &[
            "sign",
            s(&first),
            "--key",
            s(&key),
            "--password-file",
            s(&password),
            "--at",
            AT,
            "-o",
            s(&second),
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let first_bytes = std::fs::read(&first).unwrap();
    let second_bytes = std::fs::read(&second).unwrap();
    assert!(
        second_bytes.starts_with(&first_bytes),
        "the update must be incremental"
    );

    let report = pdfsig_report(&db, &second);
    assert!(report.contains("Signature #2"), "{report}");
    assert_eq!(report.matches("Signature is Valid.").count(), 2, "{report}");
    assert_eq!(
        report.matches("Certificate is Trusted.").count(),
        2,
        "{report}"
    );
    assert!(report.contains("Total document signed"), "{report}");
    openssl_verifies_pdf(&dir, &second, &ca);
    let py = pyhanko_report(&second);
    // The first signature covers a revision later extended only by a signature.
    assert_eq!(py.matches("INTACT:TRUSTED").count(), 2, "{py}");
    assert!(py.contains("UNTOUCHED"), "{py}");
}

#[test]
fn wrong_password_exits_2_and_writes_nothing() {
    let dir = temp_dir("sign-wrong-password");
    let pdf = dir.join("doc.pdf");
    let o = run(
        &[
            "render",
            s(&root().join("examples/refusal_receipt.json")),
            "-o",
            s(&pdf),
        ],
        None,
    );
    assert!(o.status.success());
    let nca_key = fixtures().join("individual_sign.p12");
    let demo_key = root().join("keys/demo/signers/gk-operator-rsa.pem");
    for key in [&nca_key, &demo_key] {
        let out = dir.join("signed.pdf");
        let o = Command::new(env!("CARGO_BIN_EXE_qujat"))
            .args([
                "sign",
                s(&pdf),
                "--key",
                s(key),
                "--password-env",
                "QUJAT_TEST_PW",
                "-o",
                s(&out),
            ])
            .env("QUJAT_TEST_PW", "not-the-password")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {stderr}", key.display());
        assert!(
            stderr.contains("wrong password"),
            "{}: {stderr}",
            key.display()
        );
        assert!(!out.exists(), "nothing may be written on failure");
    }
    // No password at all is a usage error, too.
    let o = run(
        &[
            "sign",
            s(&pdf),
            "--key",
            s(&demo_key),
            "-o",
            s(&dir.join("x.pdf")),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("password"));
}

#[test]
fn a_malformed_pdf_is_an_input_error() {
    let dir = temp_dir("sign-malformed");
    let bad = dir.join("bad.pdf");
    std::fs::write(
        &bad,
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n",
    )
    .unwrap();
    let out = dir.join("out.pdf");
    let key = root().join("keys/demo/signers/gk-operator-rsa.pem");
    let o = Command::new(env!("CARGO_BIN_EXE_qujat"))
        .args([
            "sign",
            s(&bad),
            "--key",
            s(&key),
            "--password-env",
            "QUJAT_TEST_PW",
            "-o",
            s(&out),
        ])
        .env("QUJAT_TEST_PW", DEMO_PASSWORD)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.exists());
}

#[test]
fn nca_fixture_key_signs_cms_that_openssl_accepts_with_the_nca_test_chain() {
    let dir = temp_dir("sign-nca-cms");
    let data = dir.join("data.txt");
    std::fs::write(&data, "құжат — документ\n").unwrap();
    let chain = dir.join("nca-chain.pem");
    let mut pem = std::fs::read(fixtures().join("root_rsa_test.pem")).unwrap();
    pem.extend(std::fs::read(fixtures().join("nca_rsa_test.pem")).unwrap());
    std::fs::write(&chain, pem).unwrap();
    let key = fixtures().join("individual_sign.p12");
    for detached in [false, true] {
        let b64 = dir.join(format!("sig-{detached}.b64"));
        let mut args = vec![
            "cms",
            "sign",
            s(&data),
            "--key",
            s(&key),
            "--password-env",
            "QUJAT_TEST_PW",
            "--at",
            "2020-09-13T12:00:00Z",
            "-o",
            s(&b64),
        ];
        if detached {
            args.push("--detached");
        }
        let o = Command::new(env!("CARGO_BIN_EXE_qujat"))
            .args(&args)
            .env("QUJAT_TEST_PW", "Qwerty12")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let der = dir.join(format!("sig-{detached}.der"));
        ok(
            "openssl",
            &["base64", "-d", "-A", "-in", s(&b64), "-out", s(&der)],
        );
        let mut verify = vec![
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            s(&der),
            "-CAfile",
            s(&chain),
            "-purpose",
            "any",
            "-attime",
            "1600000000",
        ];
        let recovered = dir.join("recovered.txt");
        if detached {
            verify.extend(["-content", s(&data), "-out", "/dev/null"]);
        } else {
            verify.extend(["-out", s(&recovered)]);
        }
        let out = ok("openssl", &verify);
        assert!(out.contains("Verification successful"), "{out}");
        if !detached {
            assert_eq!(
                std::fs::read(&recovered).unwrap(),
                std::fs::read(&data).unwrap()
            );
        }
        // Outside the certificate's validity the same chain check fails: -attime matters.
        let late: Vec<&str> = verify
            .iter()
            .map(|a| if *a == "1600000000" { "1700000000" } else { a })
            .collect();
        assert!(
            !tool("openssl", &late).status.success(),
            "an expired chain must not verify"
        );
    }
}

#[test]
fn demo_key_cms_sign_verifies_with_openssl_and_der_output() {
    let dir = temp_dir("sign-demo-cms");
    let data = dir.join("data.bin");
    std::fs::write(&data, (0..=255u8).collect::<Vec<_>>()).unwrap();
    let ca = demo_ca_file(&dir);
    let der = dir.join("sig.der");
    let key = root().join("keys/demo/signers/pmpc-head-ec.pem");
    let o = Command::new(env!("CARGO_BIN_EXE_qujat"))
        .args([
            "cms",
            "sign",
            s(&data),
            "--detached",
            "--der",
            "--key",
            s(&key),
            "--password-env",
            "PW",
            "-o",
            s(&der),
        ])
        .env("PW", DEMO_PASSWORD)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = ok(
        "openssl",
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            s(&der),
            "-content",
            s(&data),
            "-CAfile",
            s(&ca),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
    );
    assert!(out.contains("Verification successful"), "{out}");
    // A different content must not verify against the same signature.
    std::fs::write(dir.join("other.bin"), b"other").unwrap();
    let o = tool(
        "openssl",
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            s(&der),
            "-content",
            s(&dir.join("other.bin")),
            "-CAfile",
            s(&ca),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
    );
    assert!(!o.status.success());
}
