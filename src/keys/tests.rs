//! Key loading checked against independent implementations: the openssl CLI writes the
//! PKCS#12 and PKCS#8 variants and verifies the signatures, ring verifies them too, and the
//! real NCA test files must load. Damaged input must end in an error, never a panic.

use std::num::NonZeroU32;
use std::path::PathBuf;

use ring::signature::{ECDSA_P256_SHA256_ASN1, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use time::macros::datetime;

use super::*;
use crate::cms::Signer;
use crate::cms::test_signer::{arg, run, run_ok, scratch_dir};

const NCA_PASSWORD: &str = "Qwerty12";
const DEMO_PASSWORD: &str = "qujat-demo";
const PASSWORD: &str = "tëst-пароль 1";

fn nca(name: &str) -> PathBuf {
    crate::cms::test_signer::shared_fixtures()
        .join("nca-rsa-test")
        .join(name)
}

fn gost_dir() -> PathBuf {
    crate::cms::test_signer::shared_fixtures().join("nca-gost2015-test")
}

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("keys/demo")
}

/// The first certificate of a PEM (or DER) file as DER, decoded by openssl.
fn cert_der(path: &Path) -> Vec<u8> {
    let dir = scratch_dir("cert");
    let out = dir.join("cert.der");
    let pem = std::fs::read(path).unwrap();
    let inform = if pem.starts_with(b"-----") || pem.windows(10).any(|w| w == b"-----BEGIN") {
        "PEM"
    } else {
        "DER"
    };
    run_ok(
        "openssl",
        &[
            "x509",
            "-inform",
            inform,
            "-in",
            arg(path),
            "-outform",
            "DER",
            "-out",
            arg(&out),
        ],
    );
    std::fs::read(out).unwrap()
}

/// Verifies `signature` over `message` with ring, using the certificate's public key.
fn ring_verify(key: &SigningKey, message: &[u8], signature: &[u8]) {
    let (_, cert) = X509Certificate::from_der(key.certificate()).unwrap();
    let spki = cert.public_key().subject_public_key.data.to_vec();
    let result = match key.algorithm() {
        KeyAlgorithm::Rsa2048Sha256 => {
            UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, spki).verify(message, signature)
        }
        KeyAlgorithm::EcdsaP256Sha256 => {
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, spki).verify(message, signature)
        }
    };
    assert!(result.is_ok(), "ring rejects the signature of {key:?}");
}

/// Verifies `signature` with `openssl dgst -sha256 -verify` and the certificate's key.
fn openssl_verify(key: &SigningKey, message: &[u8], signature: &[u8]) {
    let dir = scratch_dir("dgst");
    let (cert, public, msg, sig) = (
        dir.join("cert.der"),
        dir.join("pub.pem"),
        dir.join("msg.bin"),
        dir.join("sig.bin"),
    );
    std::fs::write(&cert, key.certificate()).unwrap();
    std::fs::write(&msg, message).unwrap();
    std::fs::write(&sig, signature).unwrap();
    let out = run_ok(
        "openssl",
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            arg(&cert),
            "-pubkey",
            "-noout",
        ],
    );
    std::fs::write(&public, &out.stdout).unwrap();
    let out = run_ok(
        "openssl",
        &[
            "dgst",
            "-sha256",
            "-verify",
            arg(&public),
            "-signature",
            arg(&sig),
            arg(&msg),
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Verified OK"));
}

/// Signs a message and checks the signature both with ring and with openssl.
fn assert_signs(key: &SigningKey) {
    let message = b"qujat keys test message";
    let signature = key.sign(message).unwrap();
    ring_verify(key, message, &signature);
    openssl_verify(key, message, &signature);
    let expected_alg: &[u8] = match key.algorithm() {
        KeyAlgorithm::Rsa2048Sha256 => &crate::cms::der::sequence(&[
            &crate::cms::der::oid("1.2.840.113549.1.1.11").unwrap(),
            &crate::cms::der::null(),
        ]),
        KeyAlgorithm::EcdsaP256Sha256 => {
            &crate::cms::der::sequence(&[&crate::cms::der::oid("1.2.840.10045.4.3.2").unwrap()])
        }
    };
    assert_eq!(key.signature_algorithm_der(), expected_alg);
}

fn load_err(bytes: &[u8], password: &str) -> KeyError {
    match SigningKey::load(bytes, password) {
        Ok(key) => panic!("expected an error, loaded {key:?}"),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------------------------------
// NCA RK (Kalkan) PKCS#12: BER, MAC SHA-1, 3DES key bag, RC2-40 certificate bag.

#[test]
fn nca_pkcs12_loads_and_signs() {
    for name in ["individual_sign", "legal_auth"] {
        let key = SigningKey::load_file(&nca(&format!("{name}.p12")), NCA_PASSWORD).expect(name);
        assert_eq!(key.algorithm(), KeyAlgorithm::Rsa2048Sha256);
        assert_eq!(
            key.certificate(),
            cert_der(&nca(&format!("{name}.cer"))),
            "{name}"
        );
        assert!(key.chain().iter().all(|c| c != key.certificate()));
        assert_signs(&key);
    }
}

#[test]
fn nca_pkcs12_wrong_password() {
    let bytes = std::fs::read(nca("individual_sign.p12")).unwrap();
    for password in ["Qwerty13", "", "qwerty12", "Qwerty12 "] {
        let e = load_err(&bytes, password);
        assert!(matches!(e, KeyError::WrongPassword), "{password:?}: {e:?}");
        assert!(e.to_string().contains("wrong password"));
    }
}

#[test]
fn nca_cms_verifies_with_openssl() {
    let key = SigningKey::load_file(&nca("individual_sign.p12"), NCA_PASSWORD).unwrap();
    let at = datetime!(2020-09-13 12:26:40 UTC); // 1600000000, inside the validity
    let cms = crate::cms::sign_data(b"asdasd", &key, true, at).unwrap();
    let dir = scratch_dir("nca-cms");
    let (cms_path, ca, content) = (dir.join("cms.der"), dir.join("ca.pem"), dir.join("out"));
    std::fs::write(&cms_path, &cms).unwrap();
    let mut bundle = std::fs::read(nca("root_rsa_test.pem")).unwrap();
    bundle.extend(std::fs::read(nca("nca_rsa_test.pem")).unwrap());
    std::fs::write(&ca, bundle).unwrap();
    let out = run(
        "openssl",
        &[
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            arg(&cms_path),
            "-CAfile",
            arg(&ca),
            "-purpose",
            "any",
            "-attime",
            "1600000000",
            "-out",
            arg(&content),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.contains("Verification successful"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(content).unwrap(), b"asdasd");
}

#[test]
fn gost_pkcs12_is_unsupported_algorithm() {
    let mut seen = 0;
    for entry in std::fs::read_dir(gost_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "p12") {
            continue;
        }
        seen += 1;
        let e = SigningKey::load_file(&path, NCA_PASSWORD).unwrap_err();
        match &e {
            KeyError::UnsupportedAlgorithm { oid, .. } => {
                assert_eq!(oid, "1.2.398.3.10.1.1.2.2", "{path:?}")
            }
            other => panic!("{path:?}: {other:?}"),
        }
        assert!(e.to_string().contains("1.2.398.3.10.1.1.2.2"), "{e}");
        // The MAC is checked first: a wrong password stays a wrong password.
        let e = SigningKey::load_file(&path, "nope").unwrap_err();
        assert!(matches!(e, KeyError::WrongPassword), "{path:?}: {e:?}");
    }
    assert_eq!(seen, 5);
}

// ---------------------------------------------------------------------------------------
// Demo keys: encrypted PKCS#8 PEM (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC) + certificates.

#[test]
fn demo_pem_keys_load_and_sign() {
    let intermediate = cert_der(&demo_dir().join("intermediate-ca.crt"));
    let mut seen = 0;
    for entry in std::fs::read_dir(demo_dir().join("signers")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "pem") {
            continue;
        }
        seen += 1;
        let key = SigningKey::load_file(&path, DEMO_PASSWORD).expect("demo key loads");
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let expected = if name.ends_with("-ec") {
            KeyAlgorithm::EcdsaP256Sha256
        } else {
            KeyAlgorithm::Rsa2048Sha256
        };
        assert_eq!(key.algorithm(), expected, "{name}");
        assert_eq!(
            key.certificate(),
            cert_der(&path),
            "{name}: leaf is the first block"
        );
        assert_eq!(key.chain(), std::slice::from_ref(&intermediate), "{name}");
        assert_signs(&key);
    }
    assert!(seen >= 11, "only {seen} demo signers");
}

#[test]
fn demo_pem_wrong_password() {
    for name in ["district-head-rsa.pem", "district-head-ec.pem"] {
        let bytes = std::fs::read(demo_dir().join("signers").join(name)).unwrap();
        for password in ["qujat-demo!", "", "QUJAT-DEMO"] {
            let e = load_err(&bytes, password);
            assert!(
                matches!(e, KeyError::WrongPassword),
                "{name} {password:?}: {e:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// PKCS#12 and PKCS#8 variants written by openssl.

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Rsa,
    Ec,
}

/// A CA and a leaf signed by it, as PEM files in `dir`.
struct Chain {
    dir: PathBuf,
    ca_cert: PathBuf,
    leaf_key: PathBuf,
    leaf_cert: PathBuf,
}

impl Chain {
    fn new(kind: Kind) -> Chain {
        let dir = scratch_dir("chain");
        let (ca_key, ca_cert) = (dir.join("ca.key"), dir.join("ca.pem"));
        let (leaf_key, leaf_csr, leaf_cert) = (
            dir.join("leaf.key"),
            dir.join("leaf.csr"),
            dir.join("leaf.pem"),
        );
        let newkey: &[&str] = match kind {
            Kind::Rsa => &["-newkey", "rsa:2048"],
            Kind::Ec => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        };
        let mut args = vec![
            "req",
            "-x509",
            "-nodes",
            "-subj",
            "/CN=qujat test CA",
            "-days",
            "5",
        ];
        args.extend_from_slice(newkey);
        args.extend_from_slice(&["-keyout", arg(&ca_key), "-out", arg(&ca_cert)]);
        run_ok("openssl", &args);
        let mut args = vec!["req", "-new", "-nodes", "-subj", "/CN=qujat test leaf"];
        args.extend_from_slice(newkey);
        args.extend_from_slice(&["-keyout", arg(&leaf_key), "-out", arg(&leaf_csr)]);
        run_ok("openssl", &args);
        run_ok(
            "openssl",
            &[
                "x509",
                "-req",
                "-in",
                arg(&leaf_csr),
                "-CA",
                arg(&ca_cert),
                "-CAkey",
                arg(&ca_key),
                "-days",
                "5",
                "-out",
                arg(&leaf_cert),
            ],
        );
        Chain {
            dir,
            ca_cert,
            leaf_key,
            leaf_cert,
        }
    }

    /// `openssl pkcs12 -export` of key, leaf and CA with extra options.
    fn pkcs12(&self, name: &str, options: &[&str]) -> Vec<u8> {
        let out = self.dir.join(format!("{name}.p12"));
        let pass = format!("pass:{PASSWORD}");
        let mut args = vec![
            "pkcs12",
            "-export",
            "-inkey",
            arg(&self.leaf_key),
            "-in",
            arg(&self.leaf_cert),
            "-certfile",
            arg(&self.ca_cert),
            "-passout",
            &pass,
            "-out",
            arg(&out),
        ];
        args.extend_from_slice(options);
        run_ok("openssl", &args);
        std::fs::read(out).unwrap()
    }

    /// What `openssl pkcs12 -info` says about a file, to prove which algorithms it uses.
    fn describe(&self, p12: &[u8]) -> String {
        let path = self.dir.join("describe.p12");
        std::fs::write(&path, p12).unwrap();
        let pass = format!("pass:{PASSWORD}");
        let out = run_ok(
            "openssl",
            &[
                "pkcs12",
                "-legacy",
                "-info",
                "-nokeys",
                "-noout",
                "-in",
                arg(&path),
                "-passin",
                &pass,
            ],
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// The leaf key as encrypted PKCS#8 PEM (`openssl pkcs8 -topk8` with `options`).
    fn pkcs8_pem(&self, options: &[&str]) -> Vec<u8> {
        let out = self.dir.join("key.p8.pem");
        let pass = format!("pass:{PASSWORD}");
        let mut args = vec![
            "pkcs8",
            "-topk8",
            "-in",
            arg(&self.leaf_key),
            "-passout",
            &pass,
            "-out",
            arg(&out),
        ];
        args.extend_from_slice(options);
        run_ok("openssl", &args);
        std::fs::read(out).unwrap()
    }

    fn leaf_der(&self) -> Vec<u8> {
        cert_der(&self.leaf_cert)
    }

    fn ca_der(&self) -> Vec<u8> {
        cert_der(&self.ca_cert)
    }

    fn check(&self, bytes: &[u8], kind: Kind, label: &str) {
        let key = SigningKey::load(bytes, PASSWORD).unwrap_or_else(|e| panic!("{label}: {e}"));
        let expected = match kind {
            Kind::Rsa => KeyAlgorithm::Rsa2048Sha256,
            Kind::Ec => KeyAlgorithm::EcdsaP256Sha256,
        };
        assert_eq!(key.algorithm(), expected, "{label}");
        assert_eq!(key.certificate(), self.leaf_der(), "{label}");
        assert_eq!(key.chain(), &[self.ca_der()], "{label}");
        assert_signs(&key);
        let e = load_err(bytes, "wrong");
        assert!(matches!(e, KeyError::WrongPassword), "{label}: {e:?}");
    }
}

#[test]
fn openssl_pkcs12_variants() {
    let rsa = Chain::new(Kind::Rsa);
    let ec = Chain::new(Kind::Ec);
    // (chain, label, options, what `openssl pkcs12 -info` must report)
    type Case<'a> = (&'a Chain, Kind, &'a str, &'a [&'a str], &'a [&'a str]);
    let cases: &[Case] = &[
        (
            &rsa,
            Kind::Rsa,
            "openssl3-default",
            &[],
            &[
                "MAC: sha256",
                "PBES2, PBKDF2, AES-256-CBC",
                "hmacWithSHA256",
            ],
        ),
        (
            &rsa,
            Kind::Rsa,
            "legacy",
            &["-legacy"],
            &[
                "MAC: sha1",
                "pbeWithSHA1And3-KeyTripleDES-CBC",
                "pbeWithSHA1And40BitRC2-CBC",
            ],
        ),
        (
            &rsa,
            Kind::Rsa,
            "sha1-3des-both",
            &[
                "-keypbe",
                "PBE-SHA1-3DES",
                "-certpbe",
                "PBE-SHA1-3DES",
                "-macalg",
                "sha1",
            ],
            &[
                "MAC: sha1",
                "Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC",
            ],
        ),
        (
            &rsa,
            Kind::Rsa,
            "rc2-128",
            &[
                "-legacy",
                "-keypbe",
                "PBE-SHA1-RC2-128",
                "-certpbe",
                "PBE-SHA1-RC2-128",
            ],
            &["pbeWithSHA1And128BitRC2-CBC"],
        ),
        (
            &rsa,
            Kind::Rsa,
            "pbes2-aes128-3des",
            &["-keypbe", "AES-128-CBC", "-certpbe", "DES-EDE3-CBC"],
            &["AES-128-CBC", "DES-EDE3-CBC"],
        ),
        (
            &rsa,
            Kind::Rsa,
            "cert-unencrypted-mac-sha512",
            &["-certpbe", "NONE", "-macalg", "sha512"],
            &["MAC: sha512", "PKCS7 Data"],
        ),
        (
            &ec,
            Kind::Ec,
            "ec-openssl3-default",
            &[],
            &["MAC: sha256", "PBES2, PBKDF2, AES-256-CBC"],
        ),
        (
            &ec,
            Kind::Ec,
            "ec-legacy",
            &["-legacy"],
            &[
                "pbeWithSHA1And3-KeyTripleDES-CBC",
                "pbeWithSHA1And40BitRC2-CBC",
            ],
        ),
    ];
    for (chain, kind, label, options, expected_info) in cases {
        let p12 = chain.pkcs12(label, options);
        let info = chain.describe(&p12);
        for needle in *expected_info {
            assert!(info.contains(needle), "{label}: no {needle:?} in\n{info}");
        }
        chain.check(&p12, *kind, label);
    }
}

#[test]
fn pkcs12_without_mac_wrong_password_is_detected_by_decryption() {
    let chain = Chain::new(Kind::Ec);
    for options in [&["-nomac"][..], &["-nomac", "-legacy"][..]] {
        let p12 = chain.pkcs12("nomac", options);
        assert!(chain.describe(&p12).contains("MAC is absent"));
        chain.check(&p12, Kind::Ec, "nomac");
    }
}

#[test]
fn pkcs8_pem_variants() {
    let chain = Chain::new(Kind::Rsa);
    let ec = Chain::new(Kind::Ec);
    let leaf = std::fs::read(&chain.leaf_cert).unwrap();
    let ca = std::fs::read(&chain.ca_cert).unwrap();
    let cases: &[(&Chain, Kind, &str, &[&str])] = &[
        (
            &chain,
            Kind::Rsa,
            "pbes2-aes128-sha1",
            &["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"],
        ),
        (
            &chain,
            Kind::Rsa,
            "pbes2-aes256-sha256",
            &["-v2", "aes-256-cbc"],
        ),
        (&chain, Kind::Rsa, "pbes2-3des", &["-v2", "des3"]),
        (
            &chain,
            Kind::Rsa,
            "pbes2-aes192-sha512",
            &["-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA512"],
        ),
        (
            &chain,
            Kind::Rsa,
            "pkcs12-pbe-3des",
            &["-v1", "PBE-SHA1-3DES"],
        ),
        (
            &ec,
            Kind::Ec,
            "ec-pbes2",
            &["-v2", "aes-256-cbc", "-iter", "1000"],
        ),
    ];
    for (c, kind, label, options) in cases {
        let key = c.pkcs8_pem(options);
        // The CA certificate first: the leaf must be found by its public key.
        let mut pem = std::fs::read(&c.ca_cert).unwrap();
        pem.extend_from_slice(b"explanatory text is ignored\n");
        pem.extend_from_slice(&key);
        pem.extend(std::fs::read(&c.leaf_cert).unwrap());
        c.check(&pem, *kind, label);
    }

    // Unencrypted keys are refused, in both PKCS#8 and traditional form.
    let plain = chain.pkcs8_pem(&["-nocrypt"]);
    let e = load_err(&[plain.as_slice(), &leaf].concat(), PASSWORD);
    assert!(matches!(e, KeyError::UnencryptedKey { .. }), "{e:?}");
    let traditional = std::fs::read(&ec.leaf_key).unwrap();
    let out = run_ok("openssl", &["ec", "-in", arg(&ec.leaf_key)]);
    let e = load_err(&[out.stdout.as_slice(), &leaf].concat(), PASSWORD);
    assert!(matches!(e, KeyError::UnencryptedKey { .. }), "{e:?}");
    assert!(!traditional.is_empty());

    // The key with only another key's certificate.
    let key = chain.pkcs8_pem(&["-v2", "aes-256-cbc", "-iter", "1000"]);
    let e = load_err(&[key.as_slice(), &ca].concat(), PASSWORD);
    assert!(
        matches!(e, KeyError::KeyCertificateMismatch { .. }),
        "{e:?}"
    );
    let e = load_err(&[key.as_slice(), &ca, &ca].concat(), PASSWORD);
    assert!(
        matches!(e, KeyError::NoMatchingCertificate { count: 2 }),
        "{e:?}"
    );
    let e = load_err(&key, PASSWORD);
    assert!(matches!(e, KeyError::NoCertificate), "{e:?}");
    let e = load_err(&leaf, PASSWORD);
    assert!(matches!(e, KeyError::NoPrivateKey), "{e:?}");
    let e = load_err(&[key.as_slice(), &key, &leaf].concat(), PASSWORD);
    assert!(matches!(e, KeyError::MultiplePrivateKeys), "{e:?}");
}

/// An EC key without the public point in its ECPrivateKey: ring needs the point, and the
/// certificate supplies it.
#[test]
fn ec_key_without_public_point_uses_the_certificate() {
    let ec = Chain::new(Kind::Ec);
    let dir = &ec.dir;
    let (nopub, enc) = (dir.join("nopub.pem"), dir.join("nopub.p8.pem"));
    run_ok(
        "openssl",
        &[
            "ec",
            "-in",
            arg(&ec.leaf_key),
            "-no_public",
            "-out",
            arg(&nopub),
        ],
    );
    let pass = format!("pass:{PASSWORD}");
    run_ok(
        "openssl",
        &[
            "pkcs8",
            "-topk8",
            "-in",
            arg(&nopub),
            "-v2",
            "aes-256-cbc",
            "-iter",
            "1000",
            "-passout",
            &pass,
            "-out",
            arg(&enc),
        ],
    );
    // Our own decryption shows the point really is absent.
    let text = std::fs::read(&enc).unwrap();
    let blocks = pem::parse(&text).unwrap();
    let mut r = ber::Reader::new(&blocks[0].der);
    let tlv = r.read().unwrap();
    let (algorithm, ciphertext) = pkcs8::encrypted_private_key_info(&tlv, "test").unwrap();
    let Ok(der) = pbe::decrypt(&algorithm, &ciphertext, &pbe::Password::new(PASSWORD)) else {
        panic!("decrypts");
    };
    assert!(matches!(
        pkcs8::private_key_info(&der).unwrap(),
        PrivateKey::EcP256 { public: None, .. }
    ));
    let mut pem = std::fs::read(&enc).unwrap();
    pem.extend(std::fs::read(&ec.ca_cert).unwrap());
    pem.extend(std::fs::read(&ec.leaf_cert).unwrap());
    ec.check(&pem, Kind::Ec, "ec-no-public-point");
}

// ---------------------------------------------------------------------------------------
// Errors and limits.

#[test]
fn load_file_error_names_the_path() {
    let path = Path::new("/nonexistent/qujat/key.p12");
    let e = SigningKey::load_file(path, "x").unwrap_err();
    assert!(matches!(e, KeyError::Io { .. }));
    assert!(e.to_string().contains("/nonexistent/qujat/key.p12"), "{e}");
}

#[test]
fn not_a_key_file() {
    for bytes in [&b""[..], b"hello", b"\x04\x00", b"   \n"] {
        let e = load_err(bytes, "x");
        assert!(matches!(e, KeyError::Malformed { .. }), "{bytes:?}: {e:?}");
    }
    let e = load_err(&vec![0x30; MAX_FILE_SIZE + 1], "x");
    assert!(matches!(e, KeyError::Limit { .. }), "{e:?}");
}

/// A file may not make us run PBKDF2 for minutes.
#[test]
fn iteration_count_is_limited() {
    use crate::cms::der;
    let oid = |s: &str| der::oid(s).unwrap();
    let pbkdf2 = der::sequence(&[
        &oid("1.2.840.113549.1.5.12"),
        &der::sequence(&[&der::octet_string(&[1; 16]), &der::integer_u64(1 << 31)]),
    ]);
    let scheme = der::sequence(&[
        &oid("2.16.840.1.101.3.4.1.42"),
        &der::octet_string(&[2; 16]),
    ]);
    let algorithm = der::sequence(&[
        &oid("1.2.840.113549.1.5.13"),
        &der::sequence(&[&pbkdf2, &scheme]),
    ]);
    let epki = der::sequence(&[&algorithm, &der::octet_string(&[3; 32])]);
    use base64::Engine as _;
    let mut pem = format!(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\n{}\n-----END ENCRYPTED PRIVATE KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(&epki)
    )
    .into_bytes();
    let leaf = std::fs::read(demo_dir().join("intermediate-ca.crt")).unwrap();
    pem.extend(leaf);
    let e = load_err(&pem, "x");
    assert!(matches!(e, KeyError::Limit { .. }), "{e:?}");
}

#[test]
fn debug_shows_no_key_material() {
    let dir = scratch_dir("debug");
    let pass = format!("pass:{DEMO_PASSWORD}");
    for name in ["district-head-rsa.pem", "district-head-ec.pem"] {
        let path = demo_dir().join("signers").join(name);
        let key = SigningKey::load_file(&path, DEMO_PASSWORD).unwrap();
        let out = run_ok(
            "openssl",
            &[
                "pkcs8",
                "-in",
                arg(&path),
                "-passin",
                &pass,
                "-outform",
                "DER",
            ],
        );
        assert_no_secret(&format!("{key:?}"), &out.stdout);
        assert_no_secret(&format!("{key:#?}"), &out.stdout);
    }
    let out = run_ok(
        "openssl",
        &[
            "pkcs12",
            "-legacy",
            "-in",
            arg(&nca("individual_sign.p12")),
            "-passin",
            "pass:Qwerty12",
            "-nocerts",
            "-nodes",
            "-out",
            arg(&dir.join("nca.key")),
        ],
    );
    assert!(out.status.success());
    let out = run_ok(
        "openssl",
        &["pkey", "-in", arg(&dir.join("nca.key")), "-outform", "DER"],
    );
    let key = SigningKey::load_file(&nca("individual_sign.p12"), NCA_PASSWORD).unwrap();
    let debug = format!("{key:?}");
    assert_no_secret(&debug, &out.stdout);
    assert!(
        debug.contains("Rsa2048Sha256") && debug.contains("ТЕСТОВ ТЕСТ"),
        "{debug}"
    );
}

fn assert_no_secret(debug: &str, secret: &[u8]) {
    assert!(secret.len() > 64);
    assert!(debug.len() < 600, "Debug is suspiciously long: {debug}");
    for window in secret.windows(8) {
        let lower = crate::hex(window);
        let list = format!("{window:?}");
        let list = list.trim_matches(|c| c == '[' || c == ']');
        for needle in [lower.clone(), lower.to_uppercase(), list.to_owned()] {
            assert!(
                !debug.contains(&needle),
                "Debug output contains key bytes {needle}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Damaged input: every truncation, random byte flips, hostile nesting.

/// Deterministic xorshift, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn truncated_pkcs12_is_an_error() {
    let ec = Chain::new(Kind::Ec);
    for options in [&["-noiter", "-nomaciter"][..], &["-legacy"][..]] {
        let p12 = ec.pkcs12("trunc", options);
        assert!(SigningKey::load(&p12, PASSWORD).is_ok());
        for len in 0..p12.len() {
            assert!(
                SigningKey::load(&p12[..len], PASSWORD).is_err(),
                "truncated to {len} loads"
            );
        }
    }
    let nca_bytes = std::fs::read(nca("individual_sign.p12")).unwrap();
    for len in 0..nca_bytes.len() {
        assert!(SigningKey::load(&nca_bytes[..len], NCA_PASSWORD).is_err());
    }
}

#[test]
fn truncated_pem_is_an_error_until_key_and_leaf_are_complete() {
    let ec = Chain::new(Kind::Ec);
    let mut pem = ec.pkcs8_pem(&["-v2", "aes-256-cbc", "-iter", "100"]);
    pem.extend(std::fs::read(&ec.leaf_cert).unwrap());
    let end = b"-----END CERTIFICATE-----";
    for len in 0..=pem.len() {
        let prefix = &pem[..len];
        let complete = prefix.windows(end.len()).any(|w| w == end);
        let result = SigningKey::load(prefix, PASSWORD);
        assert_eq!(result.is_ok(), complete, "prefix of {len}: {result:?}");
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let ec = Chain::new(Kind::Ec);
    let with_mac = ec.pkcs12("flip-mac", &["-noiter", "-nomaciter"]);
    let without_mac = ec.pkcs12("flip-nomac", &["-noiter", "-nomac", "-legacy"]);
    let nca_bytes = std::fs::read(nca("individual_sign.p12")).unwrap();
    let mut pem = ec.pkcs8_pem(&["-v2", "aes-128-cbc", "-iter", "1"]);
    pem.extend(std::fs::read(&ec.leaf_cert).unwrap());
    let mut rng = Rng(0x5eed_1234_abcd_0001);

    // Every byte of the MAC-protected file, each with a random non-zero mask: the MAC or
    // the structure must catch it.
    for i in 0..with_mac.len() {
        let mut damaged = with_mac.clone();
        damaged[i] ^= (rng.below(255) + 1) as u8;
        assert!(
            SigningKey::load(&damaged, PASSWORD).is_err(),
            "flip at {i} loads"
        );
    }
    // Random flips (one to four bytes) where only the parsers stand guard.
    for (input, password, rounds) in [
        (&without_mac, PASSWORD, 3000),
        (&nca_bytes, NCA_PASSWORD, 300),
        (&pem, PASSWORD, 1500),
    ] {
        for _ in 0..rounds {
            let mut damaged = input.clone();
            for _ in 0..=rng.below(4) {
                let at = rng.below(damaged.len());
                damaged[at] ^= (rng.below(255) + 1) as u8;
            }
            let _ = SigningKey::load(&damaged, password);
        }
    }
}

#[test]
fn without_mac_damaged_plaintext_reaches_the_parsers() {
    // Decrypt-then-parse paths: flip ciphertext bytes of a MAC-less file with the right
    // password, so the safe-contents and PKCS#8 parsers see garbage.
    let ec = Chain::new(Kind::Rsa);
    let p12 = ec.pkcs12("nomac-parse", &["-noiter", "-nomac", "-legacy"]);
    let mut rng = Rng(42);
    let mut errors = std::collections::BTreeSet::new();
    for _ in 0..2000 {
        let mut damaged = p12.clone();
        let at = 100 + rng.below(damaged.len() - 100);
        damaged[at] ^= (rng.below(255) + 1) as u8;
        if let Err(e) = SigningKey::load(&damaged, PASSWORD) {
            let kind = format!("{e:?}");
            errors.insert(
                kind.split([' ', '(', '{'])
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
    }
    assert!(errors.contains("WrongPassword"), "{errors:?}");
    assert!(errors.len() >= 2, "{errors:?}");
}

#[test]
fn random_and_hostile_ber_never_panics() {
    let mut rng = Rng(7);
    for _ in 0..20_000 {
        let len = rng.below(64);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if let Some(first) = bytes.first_mut() {
            *first = 0x30;
        }
        let _ = SigningKey::load(&bytes, "x");
    }
    // Deep indefinite nesting must stop at the depth limit, not the stack.
    let mut deep = Vec::new();
    for _ in 0..100_000 {
        deep.extend_from_slice(&[0x30, 0x80]);
    }
    for _ in 0..100_000 {
        deep.extend_from_slice(&[0, 0]);
    }
    let e = load_err(&deep, "x");
    assert!(e.to_string().contains("nesting too deep"), "{e}");
    // Huge declared lengths.
    for bytes in [
        &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff][..],
        &[0x30, 0x88, 1, 0, 0, 0, 0, 0, 0, 0],
        &[0x30, 0xff],
        &[0x30, 0x80],
        &[0x30, 0x80, 0x00],
        &[0x30, 0x80, 0x00, 0x01],
        &[0x30, 0x02, 0x04, 0x80],
    ] {
        let e = load_err(bytes, "x");
        assert!(
            matches!(
                e,
                KeyError::Malformed {
                    offset: Some(_),
                    ..
                }
            ),
            "{e:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Building blocks.

#[test]
fn ber_reader_reads_indefinite_lengths_and_constructed_strings() {
    // SEQUENCE (indefinite) { OCTET STRING (constructed, indefinite) { "ab", "c" }, INTEGER 5 }
    let bytes = [
        0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x02, 0x01,
        0x05, 0x00, 0x00,
    ];
    let mut r = ber::Reader::new(&bytes);
    let seq = r.expect(ber::SEQUENCE, "seq").unwrap();
    r.finish().unwrap();
    let mut c = seq.children().unwrap();
    assert_eq!(&*c.octets("octets").unwrap(), b"abc");
    assert_eq!(c.uint().unwrap(), 5);
    c.finish().unwrap();

    let oid = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
    ];
    assert_eq!(
        ber::Reader::new(&oid).oid().unwrap(),
        "1.2.840.113549.1.1.11"
    );
    let offset_of = |bytes: &[u8]| ber::Reader::new(bytes).read().unwrap_err().offset;
    assert_eq!(offset_of(&[0x30, 0x03, 0x02, 0x01]), 1);
    assert_eq!(offset_of(&[0x1f, 0x01, 0x00]), 0);
    assert_eq!(offset_of(&[0x04, 0x80, 0x00, 0x00]), 1);
    // An end-of-contents marker with a non-zero length inside an indefinite value.
    assert_eq!(offset_of(&[0x30, 0x80, 0x00, 0x01, 0x00, 0x00]), 2);
    // Negative and oversized integers.
    assert!(ber::Reader::new(&[0x02, 0x01, 0x80]).uint().is_err());
    assert!(
        ber::Reader::new(&[0x02, 0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0])
            .uint()
            .is_err()
    );
    // Non-minimal OID arc.
    assert!(ber::Reader::new(&[0x06, 0x02, 0x80, 0x01]).oid().is_err());
}

/// The PKCS#12 KDF against a published vector (BouncyCastle's PKCS12Test) and against
/// `openssl kdf PKCS12KDF` for SHA-256 and multi-block output.
#[test]
fn pkcs12_kdf_matches_references() {
    let smeg = pbe::Password::new("smeg");
    let salt = [0x0a, 0x58, 0xcf, 0x64, 0x53, 0x0d, 0x82, 0x3f];
    let one = NonZeroU32::new(1).unwrap();
    let mut key = [0u8; 24];
    pbe::pkcs12_kdf(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        &smeg.bmp,
        &salt,
        1,
        one,
        &mut key,
    );
    assert_eq!(
        crate::hex(&key),
        "8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3"
    );

    let password = pbe::Password::new(PASSWORD);
    for (digest, name) in [
        (&ring::digest::SHA256, "SHA256"),
        (&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, "SHA1"),
        (&ring::digest::SHA512, "SHA512"),
    ] {
        let mut ours = [0u8; 150];
        let iterations = NonZeroU32::new(1000).unwrap();
        pbe::pkcs12_kdf(digest, &password.bmp, &salt, 1, iterations, &mut ours);
        let out = run_ok(
            "openssl",
            &[
                "kdf",
                "-keylen",
                "150",
                "-kdfopt",
                &format!("digest:{name}"),
                "-kdfopt",
                &format!("hexpass:{}", crate::hex(&password.bmp)),
                "-kdfopt",
                &format!("hexsalt:{}", crate::hex(&salt)),
                "-kdfopt",
                "id:1",
                "-kdfopt",
                "iter:1000",
                "PKCS12KDF",
            ],
        );
        let theirs = String::from_utf8_lossy(&out.stdout)
            .trim()
            .replace(':', "")
            .to_lowercase();
        assert_eq!(crate::hex(&ours), theirs, "{name}");
    }
}

/// The engine shares one key between threads (server signing pool).
#[test]
fn signing_key_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<SigningKey>();
}

#[test]
fn signature_algorithm_identifiers_are_the_cms_ones() {
    use crate::cms::der;
    assert_eq!(
        SHA256_WITH_RSA,
        der::sequence(&[&der::oid("1.2.840.113549.1.1.11").unwrap(), &der::null()])
    );
    assert_eq!(
        ECDSA_WITH_SHA256,
        der::sequence(&[&der::oid("1.2.840.10045.4.3.2").unwrap()])
    );
}
