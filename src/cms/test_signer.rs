//! Test support: a throwaway ECDSA P-256 key and self-signed certificate made with the
//! openssl CLI, a [`Signer`] over them with ring, and helpers to run openssl and pdfsig.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};

use super::Signer;
use super::der;

/// A fresh directory under the system temp dir, unique within this process.
pub fn scratch_dir(label: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("qujat-test-{}-{label}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Runs a command, panicking with its output if it cannot start.
pub fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (is it installed?): {e}"))
}

/// Runs a command and panics with its output unless it succeeds.
pub fn run_ok(program: &str, args: &[&str]) -> Output {
    let out = run(program, args);
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A path argument as &str (temp paths are UTF-8 here).
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

/// An ECDSA P-256 signer with a self-signed certificate.
pub struct TestSigner {
    key: EcdsaKeyPair,
    certificate: Vec<u8>,
    chain: Vec<Vec<u8>>,
    algorithm: Vec<u8>,
}

impl TestSigner {
    /// Generates a key and a certificate for `/CN=<common_name>` with openssl.
    pub fn generate(common_name: &str) -> Self {
        let dir = scratch_dir("key");
        let key_pem = dir.join("key.pem");
        let cert_pem = dir.join("cert.pem");
        let cert_der = dir.join("cert.der");
        let key_der = dir.join("key.p8");
        let subject = format!("/CN={common_name}");
        run_ok(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-subj",
                &subject,
                "-days",
                "10",
                "-keyout",
                arg(&key_pem),
                "-out",
                arg(&cert_pem),
            ],
        );
        run_ok(
            "openssl",
            &[
                "pkcs8",
                "-topk8",
                "-nocrypt",
                "-outform",
                "DER",
                "-in",
                arg(&key_pem),
                "-out",
                arg(&key_der),
            ],
        );
        run_ok(
            "openssl",
            &[
                "x509",
                "-outform",
                "DER",
                "-in",
                arg(&cert_pem),
                "-out",
                arg(&cert_der),
            ],
        );
        let pkcs8 = std::fs::read(&key_der).expect("read key");
        let certificate = std::fs::read(&cert_der).expect("read certificate");
        let key = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            &pkcs8,
            &SystemRandom::new(),
        )
        .expect("ring loads the PKCS#8 key");
        // ecdsa-with-SHA256, parameters absent (RFC 5758 3.2).
        let algorithm = der::sequence(&[&der::oid("1.2.840.10045.4.3.2").expect("oid")]);
        TestSigner {
            key,
            certificate,
            chain: Vec::new(),
            algorithm,
        }
    }

    /// One signer shared by all tests of this process (key generation costs a process).
    pub fn shared() -> &'static TestSigner {
        static SHARED: OnceLock<TestSigner> = OnceLock::new();
        SHARED.get_or_init(|| TestSigner::generate("qujat test signer"))
    }
}

impl Signer for TestSigner {
    fn certificate(&self) -> &[u8] {
        &self.certificate
    }

    fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    fn signature_algorithm_der(&self) -> &[u8] {
        &self.algorithm
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        self.key
            .sign(&SystemRandom::new(), message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| "ECDSA signing failed".to_owned())
    }
}

/// The shared NCA RK test material (`../shared/fixtures` next to the checkout, or
/// `QUJAT_FIXTURES`, or the machine's `/work/shared/fixtures`).
pub fn shared_fixtures() -> PathBuf {
    let candidates = [
        std::env::var_os("QUJAT_FIXTURES").map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")),
        Some(PathBuf::from("/work/shared/fixtures")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.join("nca-rsa-test").is_dir())
        .expect("NCA fixtures not found: set QUJAT_FIXTURES to the shared fixtures directory")
}
