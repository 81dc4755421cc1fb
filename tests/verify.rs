//! `qujat verify` and `qujat registry` end to end: our own documents pass with the demo
//! registry, tampered files and PKI negatives fail with their sub-indication, documents
//! signed by pyHanko under a separate CA pass once that CA is in a registry, and the NCA
//! fixture CMS passes at a time inside its validity.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use serde_json::Value;

const AT: &str = "2026-11-23T10:15:00+05:00";
const PW: &str = "qujat-demo";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn qujat_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qujat"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run qujat")
}

fn ok(program: &str, args: &[&str]) -> String {
    let o = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{program} {args:?}:\n{text}");
    text
}

/// Runs `qujat verify … --json` and returns (exit code, report).
fn verify(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["verify", "--json"];
    all.extend_from_slice(args);
    let o = run(&all, None);
    let code = o.status.code().expect("exit code");
    let report = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); exit {code}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (code, report)
}

fn issue_with(dir: &Path, example: &str, key: Option<&str>, name: &str) -> PathBuf {
    let out = dir.join(format!("{name}.pdf"));
    let payload = root().join("examples").join(format!("{example}.json"));
    let mut args = vec![
        "issue",
        s(&payload),
        "-o",
        s(&out),
        "--at",
        AT,
        "--no-journal",
    ];
    let key_path;
    if let Some(k) = key {
        key_path = root().join("keys/demo/signers").join(format!("{k}.pem"));
        args.extend(["--key", s(&key_path), "--password-env", "QUJAT_PW"]);
    }
    let o = qujat_env(&args, &[("QUJAT_PW", PW)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn sub(report: &Value) -> &str {
    report["sub_indication"].as_str().unwrap_or("")
}

#[test]
fn every_issued_kind_passes_with_the_demo_registry() {
    let dir = temp_dir("verify-every-kind");
    for (name, _) in examples() {
        for ec in [false, true] {
            let out = dir.join(format!("{name}-{ec}.pdf"));
            let payload = root().join("examples").join(format!("{name}.json"));
            let mut args = vec![
                "issue",
                s(&payload),
                "-o",
                s(&out),
                "--at",
                AT,
                "--no-journal",
            ];
            if ec {
                args.push("--ec");
            }
            let o = run(&args, None);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let (code, report) = verify(&[s(&out)]);
            assert_eq!(code, 0, "{name} ec={ec}: {report:#}");
            assert_eq!(report["indication"], "TOTAL_PASSED");
            let sig = &report["signatures"][0];
            assert_eq!(sig["facets"]["intact"], true);
            assert_eq!(sig["facets"]["trusted"], true);
            assert_eq!(sig["facets"]["authorized"], true);
            assert_eq!(sig["facets"]["coverage"], "entire_file");
            assert_eq!(report["document"]["kind"], name.as_str());
            assert!(sig["signer"]["iin"].as_str().is_some_and(|i| i.len() == 12));
            for lang in ["kk", "ru", "en"] {
                assert!(sig["message"][lang].as_str().is_some_and(|m| !m.is_empty()));
            }
        }
    }
}

#[test]
fn human_report_names_the_signer_and_result() {
    let dir = temp_dir("verify-human");
    let pdf = issue_with(&dir, "refusal_receipt", None, "doc");
    let o = run(&["verify", s(&pdf)], None);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    for expected in [
        "СЕРІКБАЕВ АСҚАР БОЛАТҰЛЫ",
        "900722300112",
        "Result: TOTAL_PASSED",
        "действительна",
        "жарамды",
    ] {
        assert!(text.contains(expected), "missing {expected}: {text}");
    }
}

#[test]
fn a_second_signature_keeps_both_valid() {
    let dir = temp_dir("verify-two");
    let first = issue_with(&dir, "externship_order", None, "first");
    let second = dir.join("second.pdf");
    let key = root().join("keys/demo/signers/school-director-ec.pem");
    let o = qujat_env(
        &[
            "sign",
            s(&first),
            "--key",
            s(&key),
            "--password-env",
            "QUJAT_PW",
            "--at",
            AT,
            "-o",
            s(&second),
        ],
        &[("QUJAT_PW", PW)],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (code, report) = verify(&[s(&second)]);
    assert_eq!(code, 0, "{report:#}");
    let sigs = report["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2);
    assert_eq!(sigs[0]["facets"]["modification_level"], "SIGNATURES_ONLY");
    assert_eq!(sigs[1]["facets"]["modification_level"], "NONE");
}

#[test]
fn tampered_documents_fail() {
    let dir = temp_dir("verify-tamper");
    let pdf = issue_with(&dir, "refusal_receipt", None, "doc");
    let bytes = std::fs::read(&pdf).unwrap();
    // A flipped byte in the first signed range and in the second.
    let marker = b"/Contents <";
    let contents = bytes
        .windows(marker.len())
        .rposition(|w| w == marker)
        .unwrap();
    for at in [100, bytes.len() - 10] {
        assert!(at < contents || at > contents + 32_000);
        let mut m = bytes.clone();
        m[at] ^= 0x01;
        let p = dir.join(format!("flip-{at}.pdf"));
        std::fs::write(&p, m).unwrap();
        let (code, report) = verify(&[s(&p)]);
        assert_ne!(code, 0, "flip at {at}");
        assert_ne!(report["indication"], "TOTAL_PASSED");
    }
    // An appended revision drawing over the page.
    let mut appended = bytes.clone();
    let page_obj = find_first_page_object(&bytes);
    let xref_at = appended.len();
    let body = format!(
        "{page_obj} 0 obj\n<< /Type /Page /MediaBox [0 0 595 842] /Contents 9999 0 R >>\nendobj\n9999 0 obj\n<< /Length 20 >>\nstream\nBT /F1 24 Tf (X) Tj ET\nendstream\nendobj\n"
    );
    appended.extend_from_slice(body.as_bytes());
    let _ = xref_at;
    let prev = last_startxref(&bytes);
    appended.extend_from_slice(format!("trailer\n<< /Prev {prev} >>\n%%EOF\n").as_bytes());
    let p = dir.join("appended.pdf");
    std::fs::write(&p, &appended).unwrap();
    let (code, report) = verify(&[s(&p)]);
    assert_eq!(code, 1, "{report:#}");
    // Truncation.
    let p = dir.join("truncated.pdf");
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    let (code, report) = verify(&[s(&p)]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(sub(&report), "FORMAT_FAILURE");
    // An unsigned PDF is not a passed document.
    let unsigned = dir.join("unsigned.pdf");
    let o = run(
        &[
            "render",
            s(&root().join("examples/refusal_receipt.json")),
            "-o",
            s(&unsigned),
        ],
        None,
    );
    assert!(o.status.success());
    let (code, _) = verify(&[s(&unsigned)]);
    assert_eq!(code, 1);
}

fn find_first_page_object(pdf: &[u8]) -> u32 {
    let text = String::from_utf8_lossy(pdf);
    let at = text
        .find("/Type /Page\n")
        .or_else(|| text.find("/Type /Page "))
        .or_else(|| text.find("/Type /Page/"))
        .expect("a page");
    let obj = text[..at].rfind(" 0 obj").unwrap();
    let start = text[..obj]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    text[start..obj].parse().unwrap()
}

fn last_startxref(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    let at = text.rfind("startxref").unwrap();
    text[at + 9..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn pki_negatives_with_demo_signers() {
    let dir = temp_dir("verify-pki");
    let cases = [
        (
            "externship_extract",
            "school-deputy-revoked-rsa",
            1,
            "REVOKED",
        ),
        (
            "externship_extract",
            "school-director-auth-rsa",
            1,
            "SIG_CONSTRAINTS_FAILURE",
        ),
        (
            "preschool_queue_receipt",
            "district-head-expired-rsa",
            3,
            "OUT_OF_BOUNDS_NO_POE",
        ),
        (
            "refusal_receipt",
            "school-director-rsa",
            1,
            "SIG_CONSTRAINTS_FAILURE",
        ),
        (
            "externship_order",
            "gk-operator-rsa",
            1,
            "SIG_CONSTRAINTS_FAILURE",
        ),
    ];
    for (example, key, expected_code, expected_sub) in cases {
        let pdf = issue_with(&dir, example, Some(key), key);
        let (code, report) = verify(&[s(&pdf)]);
        assert_eq!(code, expected_code, "{key}: {report:#}");
        let subs: Vec<&str> = report["signatures"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["sub_indication"].as_str())
            .collect();
        assert!(
            subs.contains(&expected_sub),
            "{key}: expected {expected_sub} in {subs:?}"
        );
    }
    // The revoked key signed before its revocation date passes at that time.
    let pdf = issue_with(
        &dir,
        "externship_extract",
        Some("school-deputy-revoked-rsa"),
        "before",
    );
    let (code, report) = verify(&[s(&pdf), "--at", "2026-05-01T00:00:00Z"]);
    assert_eq!(code, 0, "{report:#}");
    // An empty registry trusts nothing: indeterminate, exit 3.
    let empty = dir.join("empty-registry");
    let o = run(&["registry", "init", s(&empty)], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ok_pdf = issue_with(&dir, "refusal_receipt", None, "ok");
    let (code, report) = verify(&[s(&ok_pdf), "--registry", s(&empty)]);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(sub(&report), "NO_CERTIFICATE_CHAIN_FOUND");
}

#[test]
fn bad_input_exits_2() {
    let dir = temp_dir("verify-bad-input");
    let garbage = dir.join("garbage.bin");
    std::fs::write(&garbage, b"hello, not a signature").unwrap();
    let o = run(&["verify", s(&garbage)], None);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = run(&["verify", s(&dir.join("missing.pdf"))], None);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["verify", s(&garbage), "--at", "yesterday"], None);
    assert_eq!(o.status.code(), Some(2));
    let o = run(
        &["verify", s(&garbage), "--registry", s(&dir.join("nope"))],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
}

/// A registry in `dir` with the NCA RSA test root and intermediate, the individual signer
/// authorized by certificate, and revocation not checked for the intermediate: its only
/// CRL (2022) was issued after the test certificates expired and cannot speak for 2020.
fn nca_registry(dir: &Path, with_policy: bool) -> PathBuf {
    let fx = shared_fixtures().join("nca-rsa-test");
    let reg = dir.join("nca-registry");
    let _ = std::fs::remove_dir_all(&reg);
    let steps: Vec<Vec<String>> = vec![
        vec!["registry".into(), "init".into(), s(&reg).into()],
        vec![
            "registry".into(),
            "add-anchor".into(),
            s(&reg).into(),
            s(&fx.join("root_rsa_test.pem")).into(),
        ],
        vec![
            "registry".into(),
            "add-intermediate".into(),
            s(&reg).into(),
            s(&fx.join("nca_rsa_test.pem")).into(),
        ],
        vec![
            "registry".into(),
            "authorize".into(),
            s(&reg).into(),
            "--id".into(),
            "nca-individual".into(),
            "--certificate".into(),
            s(&fx.join("individual_sign.cer")).into(),
            "--organisation-bin".into(),
            "123456789021".into(),
            "--position-kk".into(),
            "Тест".into(),
            "--position-ru".into(),
            "Тест".into(),
        ],
        vec![
            "registry".into(),
            "authorize".into(),
            s(&reg).into(),
            "--id".into(),
            "nca-legal-auth".into(),
            "--certificate".into(),
            s(&fx.join("legal_auth.cer")).into(),
            "--organisation-bin".into(),
            "123456789021".into(),
            "--position-kk".into(),
            "Тест".into(),
            "--position-ru".into(),
            "Тест".into(),
        ],
    ];
    for step in steps {
        let args: Vec<&str> = step.iter().map(String::as_str).collect();
        let o = run(&args, None);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    if with_policy {
        let intermediate = std::fs::read_to_string(fx.join("nca_rsa_test.pem")).unwrap();
        let der = pem_body(&intermediate);
        let fp = sha256_hex(&der);
        let toml = reg.join("registry.toml");
        let text = std::fs::read_to_string(&toml).unwrap();
        let text = text.replacen(
            "format = 1",
            &format!("format = 1\nrevocation_not_checked_for = [\"{fp}\"]"),
            1,
        );
        std::fs::write(&toml, text).unwrap();
    }
    reg
}

/// What `openssl <args>` prints for `input` on its stdin. Piped rather than through a
/// shared temporary file, so tests running in parallel cannot read each other's bytes.
fn openssl_pipe(args: &[&str], input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("openssl must be installed");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && !out.stdout.is_empty(),
        "openssl {args:?} failed"
    );
    out.stdout
}

/// DER of a PEM certificate, converted by openssl (independently of qujat's reader).
fn pem_body(pem: &str) -> Vec<u8> {
    openssl_pipe(&["x509", "-outform", "DER"], pem.as_bytes())
}

/// SHA-256 of `data` in hex, computed by openssl.
fn sha256_hex(data: &[u8]) -> String {
    let out = openssl_pipe(&["dgst", "-sha256", "-r"], data);
    let text = String::from_utf8(out).unwrap();
    let hex = text.split_whitespace().next().unwrap().to_owned();
    assert_eq!(hex.len(), 64, "openssl dgst printed {text:?}");
    hex
}

#[test]
fn nca_fixture_cms_passes_at_a_time_inside_its_validity() {
    let dir = temp_dir("verify-nca");
    let fx = shared_fixtures().join("nca-rsa-test");
    let cms = fx.join("individual_sign.cms.b64");
    let reg = nca_registry(&dir, true);
    let (code, report) = verify(&[
        s(&cms),
        "--registry",
        s(&reg),
        "--at",
        "2020-09-13T12:00:00Z",
    ]);
    assert_eq!(code, 0, "{report:#}");
    let sig = &report["signatures"][0];
    assert_eq!(sig["signer"]["surname"], "ТЕСТОВ");
    assert_eq!(sig["signer"]["iin"], "123456789011");
    assert_eq!(sig["signer"]["iin_check_digit_warning"], true);
    assert_eq!(
        sig["facets"]["revocation_checked"], false,
        "the policy is reported"
    );
    // Without the policy the 2022 CRL cannot vouch for 2020: indeterminate, not passed.
    let strict = nca_registry(&dir.join("strict"), false);
    let crl = fx.join("nca_rsa_test.crl");
    let o = run(&["registry", "add-crl", s(&strict), s(&crl)], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (code, report) = verify(&[
        s(&cms),
        "--registry",
        s(&strict),
        "--at",
        "2020-09-13T12:00:00Z",
    ]);
    assert_eq!(code, 3, "{report:#}");
    // The default (demo) registry does not trust the NCA test root.
    let (code, report) = verify(&[s(&cms), "--at", "2020-09-13T12:00:00Z"]);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(sub(&report), "NO_CERTIFICATE_CHAIN_FOUND");
    // Outside the validity the certificate is expired.
    let (code, _) = verify(&[
        s(&cms),
        "--registry",
        s(&reg),
        "--at",
        "2023-01-01T00:00:00Z",
    ]);
    assert_ne!(code, 0);
}

#[test]
fn nca_auth_key_cannot_sign_and_detached_cms_verifies() {
    let dir = temp_dir("verify-nca-auth");
    let fx = shared_fixtures().join("nca-rsa-test");
    let reg = nca_registry(&dir, true);
    let data = dir.join("data.xml");
    std::fs::write(&data, "<doc>құжат</doc>").unwrap();
    for (key, expected) in [("legal_auth.p12", 1), ("individual_sign.p12", 0)] {
        let sig = dir.join(format!("{key}.b64"));
        let o = qujat_env(
            &[
                "cms",
                "sign",
                s(&data),
                "--detached",
                "--key",
                s(&fx.join(key)),
                "--password-env",
                "P",
                "--at",
                "2020-09-13T12:00:00Z",
                "-o",
                s(&sig),
            ],
            &[("P", "Qwerty12")],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let (code, report) = verify(&[
            s(&data),
            "--cms",
            s(&sig),
            "--registry",
            s(&reg),
            "--at",
            "2020-09-13T12:00:00Z",
        ]);
        assert_eq!(code, expected, "{key}: {report:#}");
        if expected == 1 {
            assert_eq!(sub(&report), "SIG_CONSTRAINTS_FAILURE");
        }
        // Other data under the same detached signature fails.
        let other = dir.join("other.xml");
        std::fs::write(&other, "<doc>өзгертілген</doc>").unwrap();
        let (code, report) = verify(&[
            s(&other),
            "--cms",
            s(&sig),
            "--registry",
            s(&reg),
            "--at",
            "2020-09-13T12:00:00Z",
        ]);
        assert_eq!(code, 1, "{report:#}");
    }
}

#[test]
fn documents_signed_by_pyhanko_under_another_ca_pass_once_registered() {
    let dir = temp_dir("verify-pyhanko");
    let d = |n: &str| dir.join(n);
    // A separate test CA and signer made with openssl.
    ok(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            s(&d("ca.key")),
            "-out",
            s(&d("ca.pem")),
            "-days",
            "3650",
            "-subj",
            "/CN=pyHanko interop test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    ok(
        "openssl",
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            s(&d("signer.key")),
            "-out",
            s(&d("signer.csr")),
            "-subj",
            "/CN=INTEROP SIGNER/SN=INTEROP/serialNumber=IIN821105400675/OU=BIN051240006542/O=Test",
        ],
    );
    std::fs::write(
        d("ext.cnf"),
        "keyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\n",
    )
    .unwrap();
    ok(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            s(&d("signer.csr")),
            "-CA",
            s(&d("ca.pem")),
            "-CAkey",
            s(&d("ca.key")),
            "-CAcreateserial",
            "-out",
            s(&d("signer.pem")),
            "-days",
            "365",
            "-extfile",
            s(&d("ext.cnf")),
        ],
    );
    let unsigned = d("doc.pdf");
    let o = run(
        &[
            "render",
            s(&root().join("examples/refusal_receipt.json")),
            "-o",
            s(&unsigned),
        ],
        None,
    );
    assert!(o.status.success());
    let signed = d("pyhanko.pdf");
    ok(
        &pyhanko(),
        &[
            "sign",
            "addsig",
            "--field",
            "Sig1",
            "pemder",
            "--no-pass",
            "--key",
            s(&d("signer.key")),
            "--cert",
            s(&d("signer.pem")),
            "--chain",
            s(&d("ca.pem")),
            s(&unsigned),
            s(&signed),
        ],
    );
    // Unknown CA: indeterminate.
    let (code, report) = verify(&[s(&signed)]);
    assert_eq!(code, 3, "{report:#}");
    // Registered CA and authorized signer: passed.
    let reg = d("registry");
    for args in [
        vec!["registry", "init", s(&reg)],
        vec!["registry", "add-anchor", s(&reg), s(&d("ca.pem"))],
        vec![
            "registry",
            "authorize",
            s(&reg),
            "--id",
            "interop",
            "--certificate",
            s(&d("signer.pem")),
            "--organisation-bin",
            "150340001236",
            "--position-kk",
            "Сынақ",
            "--position-ru",
            "Тест",
            "--kinds",
            "refusal_receipt",
        ],
    ] {
        let o = run(&args, None);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let revocation_policy = {
        let fp = sha256_hex(&pem_body(&std::fs::read_to_string(d("ca.pem")).unwrap()));
        let toml = reg.join("registry.toml");
        let text = std::fs::read_to_string(&toml).unwrap();
        std::fs::write(
            &toml,
            text.replacen(
                "format = 1",
                &format!("format = 1\nrevocation_not_checked_for = [\"{fp}\"]"),
                1,
            ),
        )
        .unwrap();
        fp
    };
    assert_eq!(revocation_policy.len(), 64);
    let (code, report) = verify(&[s(&signed), "--registry", s(&reg)]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["signatures"][0]["facets"]["modification_level"],
        "NONE"
    );
    // Listing shows what was registered.
    let o = run(&["registry", "list", s(&reg)], None);
    let listing = String::from_utf8_lossy(&o.stdout);
    assert!(
        listing.contains("pyHanko interop test CA") && listing.contains("interop"),
        "{listing}"
    );
    // Revoking the authorization makes the same document fail.
    let o = run(
        &[
            "registry",
            "revoke-authorization",
            s(&reg),
            "interop",
            "--at",
            "2020-01-01T00:00:00Z",
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (code, report) = verify(&[s(&signed), "--registry", s(&reg)]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(sub(&report), "SIG_CONSTRAINTS_FAILURE");
}
