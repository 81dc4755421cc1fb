//! SignedData checked with an independent implementation: `openssl cms -verify` (which
//! also checks the ESS signingCertificateV2 attribute against the signer certificate).

use time::macros::datetime;

use super::test_signer::{TestSigner, arg, run, run_ok, scratch_dir};
use super::*;

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn print_cms(cms: &[u8]) -> String {
    let dir = scratch_dir("print");
    let path = dir.join("cms.der");
    std::fs::write(&path, cms).unwrap();
    let out = run_ok(
        "openssl",
        &[
            "cms",
            "-cmsout",
            "-print",
            "-inform",
            "DER",
            "-in",
            arg(&path),
        ],
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `openssl cms -verify` of a detached signature over `content`.
fn openssl_verify_detached(cms: &[u8], content: &[u8]) -> std::process::Output {
    let dir = scratch_dir("verify");
    let cms_path = dir.join("cms.der");
    let content_path = dir.join("content.bin");
    std::fs::write(&cms_path, cms).unwrap();
    std::fs::write(&content_path, content).unwrap();
    run(
        "openssl",
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            arg(&cms_path),
            "-content",
            arg(&content_path),
            "-noverify",
            "-out",
            "/dev/null",
        ],
    )
}

const SIGNING_TIME: time::OffsetDateTime = datetime!(2026-05-09 15:04:05 +05:00);

#[test]
fn attached_sign_data_verifies_with_openssl_and_carries_the_content() {
    let signer = TestSigner::shared();
    let data = "Анықтама № 42\n".as_bytes();
    let cms = sign_data(data, signer, true, SIGNING_TIME).unwrap();
    let dir = scratch_dir("attached");
    let cms_path = dir.join("cms.der");
    let out_path = dir.join("out.bin");
    std::fs::write(&cms_path, &cms).unwrap();
    run_ok(
        "openssl",
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            arg(&cms_path),
            "-noverify",
            "-out",
            arg(&out_path),
        ],
    );
    assert_eq!(std::fs::read(&out_path).unwrap(), data);
    let printed = print_cms(&cms);
    assert!(printed.contains("signingTime"), "{printed}");
    assert!(printed.contains("May  9 10:04:05 2026 GMT"), "{printed}");
    assert!(printed.contains("signingCertificateV2"), "{printed}");
}

#[test]
fn detached_sign_data_verifies_with_openssl_and_only_over_its_data() {
    let signer = TestSigner::shared();
    let data = b"detached payload \x00\xff binary";
    let cms = sign_data(data, signer, false, SIGNING_TIME).unwrap();
    assert!(!contains(&cms, data));
    let ok = openssl_verify_detached(&cms, data);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let bad = openssl_verify_detached(&cms, b"detached payload, altered");
    assert!(!bad.status.success());
}

#[test]
fn pades_digest_signature_verifies_and_has_no_signing_time() {
    let signer = TestSigner::shared();
    let content = b"the two byte ranges of a PDF";
    let cms = sign_detached_digest(&sha256(content), signer, CmsMode::Pades).unwrap();
    let ok = openssl_verify_detached(&cms, content);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let signing_time_oid = der::oid(OID_SIGNING_TIME).unwrap();
    assert!(!contains(&cms, &signing_time_oid));
    let printed = print_cms(&cms);
    assert!(printed.contains("signingCertificateV2"), "{printed}");
    assert!(printed.contains("messageDigest"), "{printed}");
    assert!(printed.contains("contentType"), "{printed}");
    assert!(!printed.contains("signingTime"), "{printed}");
    // One SignerInfo, version 1 SignedData, no encapsulated content.
    assert!(printed.contains("eContent: <ABSENT>"), "{printed}");
}

#[test]
fn generic_digest_signature_has_a_signing_time() {
    let signer = TestSigner::shared();
    let content = b"generic";
    let mode = CmsMode::Generic {
        signing_time: SIGNING_TIME,
    };
    let cms = sign_detached_digest(&sha256(content), signer, mode).unwrap();
    assert!(contains(&cms, &der::oid(OID_SIGNING_TIME).unwrap()));
    let ok = openssl_verify_detached(&cms, content);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn signing_certificate_v2_names_the_signer_certificate() {
    let signer = TestSigner::shared();
    let cms = sign_detached_digest(&[0; 32], signer, CmsMode::Pades).unwrap();
    assert!(contains(&cms, &sha256(signer.certificate())));
    assert!(contains(&cms, signer.certificate()));
}

struct Broken<'a> {
    inner: &'a TestSigner,
    certificate: Vec<u8>,
    algorithm: Vec<u8>,
    fail: bool,
}

impl Signer for Broken<'_> {
    fn certificate(&self) -> &[u8] {
        &self.certificate
    }
    fn chain(&self) -> &[Vec<u8>] {
        &[]
    }
    fn signature_algorithm_der(&self) -> &[u8] {
        &self.algorithm
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        if self.fail {
            Err("token removed".into())
        } else {
            self.inner.sign(message)
        }
    }
}

#[test]
fn bad_inputs_are_errors() {
    let inner = TestSigner::shared();
    let good = |b: Broken<'_>| sign_detached_digest(&[0; 32], &b, CmsMode::Pades);
    let base = || Broken {
        inner,
        certificate: inner.certificate().to_vec(),
        algorithm: inner.signature_algorithm_der().to_vec(),
        fail: false,
    };
    assert!(good(base()).is_ok());
    let mut truncated = base();
    truncated.certificate.truncate(100);
    assert!(matches!(good(truncated), Err(CmsError::Certificate(_))));
    let mut trailing = base();
    trailing.certificate.push(0);
    assert!(matches!(good(trailing), Err(CmsError::Certificate(_))));
    let mut algorithm = base();
    algorithm.algorithm = vec![0x06, 0x01, 0x01];
    assert!(matches!(good(algorithm), Err(CmsError::SignatureAlgorithm)));
    let mut failing = base();
    failing.fail = true;
    assert!(matches!(good(failing), Err(CmsError::Sign(m)) if m == "token removed"));
}

#[test]
fn subject_common_name_reads_the_certificate() {
    let signer = TestSigner::shared();
    assert_eq!(
        subject_common_name(signer.certificate()).as_deref(),
        Some("qujat test signer")
    );
    assert_eq!(subject_common_name(b"not a certificate"), None);
}
