//! CMS checks against real and independent inputs (the NCA fixture made by NCANode,
//! openssl's `cms -sign`, qujat's own builder) and against tampered and malformed ones.

use std::sync::OnceLock;

use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
use time::macros::datetime;

use super::*;
use crate::cms::test_signer::{TestSigner, arg, run_ok, scratch_dir};
use crate::cms::{CmsMode, Signer, der, sign_data, sign_detached_digest};

/// The attached CMS NCANode made with the NCA RSA test key over `asdasd`.
pub(crate) fn nca_cms() -> Vec<u8> {
    let text = std::fs::read_to_string(
        crate::cms::test_signer::shared_fixtures()
            .join("nca-rsa-test")
            .join("individual_sign.cms.b64"),
    )
    .expect("NCA fixture present");
    let clean: String = text.split_whitespace().collect();
    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, clean)
        .expect("fixture is base64")
}

fn sub(result: Result<impl std::fmt::Debug, Finding>) -> SubIndication {
    match result {
        Err(f) => f.sub,
        Ok(v) => panic!("expected a failure, got {v:?}"),
    }
}

// ------------------------------------------------------------------ DER surgery helpers

/// The complete TLVs directly inside the constructed value `tlv`.
pub(crate) fn children(tlv: &[u8]) -> Vec<Vec<u8>> {
    let mut top = Der::new(tlv, 0);
    let outer = top.read().ok().expect("one TLV");
    let mut r = outer.reader();
    let mut out = Vec::new();
    while !r.at_end() {
        out.push(r.read().ok().expect("child TLV").raw.to_vec());
    }
    out
}

fn tag_of(tlv: &[u8]) -> u8 {
    tlv[0]
}

fn rebuild(tag: u8, parts: &[Vec<u8>]) -> Vec<u8> {
    der::tlv(tag, &parts.concat())
}

/// The SignedData's fields: version, digestAlgorithms, encapContentInfo, [certificates],
/// [crls], signerInfos.
pub(crate) fn signed_data_fields(cms: &[u8]) -> Vec<Vec<u8>> {
    let ci = children(cms);
    let explicit = &ci[1];
    let signed_data = &children(explicit)[0];
    children(signed_data)
}

pub(crate) fn with_signed_data_fields(fields: &[Vec<u8>]) -> Vec<u8> {
    let signed_data = rebuild(SEQUENCE, fields);
    rebuild(
        SEQUENCE,
        &[
            der::oid(OID_SIGNED_DATA).unwrap(),
            rebuild(CTX0_CONSTRUCTED, &[signed_data]),
        ],
    )
}

/// `cms` with its one SignerInfo replaced by `f(fields of the SignerInfo)`.
pub(crate) fn map_signer_info(cms: &[u8], f: impl Fn(&mut Vec<Vec<u8>>)) -> Vec<u8> {
    let mut fields = signed_data_fields(cms);
    let infos = fields.last().unwrap().clone();
    let info = &children(&infos)[0];
    let mut parts = children(info);
    f(&mut parts);
    let new_info = rebuild(SEQUENCE, &parts);
    *fields.last_mut().unwrap() = rebuild(SET, &[new_info]);
    with_signed_data_fields(&fields)
}

/// `cms` with its SignerInfo twice in signerInfos.
pub(crate) fn with_two_signer_infos(cms: &[u8]) -> Vec<u8> {
    let mut fields = signed_data_fields(cms);
    let infos = fields.last().unwrap().clone();
    let info = children(&infos)[0].clone();
    *fields.last_mut().unwrap() = rebuild(SET, &[info.clone(), info]);
    with_signed_data_fields(&fields)
}

fn algorithm_id(oid: &str, null: bool) -> Vec<u8> {
    if null {
        der::sequence(&[&der::oid(oid).unwrap(), &der::null()])
    } else {
        der::sequence(&[&der::oid(oid).unwrap()])
    }
}

// ------------------------------------------------------------------ the NCA fixture

#[test]
fn nca_fixture_parses_digests_and_verifies() {
    let der = nca_cms();
    let cms = parse(&der).expect("NCANode's CMS is strict DER and parses");
    assert_eq!(cms.content.as_deref(), Some(&b"asdasd"[..]));
    assert_eq!(cms.content_type, OID_DATA);
    assert_eq!(cms.digest_algorithm, DigestAlgorithm::Sha256);
    assert_eq!(
        cms.signature_algorithm,
        SignatureAlgorithm::RsaPkcs1(DigestAlgorithm::Sha256)
    );
    assert_eq!(
        cms.signing_time,
        Some(datetime!(2020-09-09 20:03:14 UTC)),
        "signingTime 200909200314Z"
    );
    assert!(
        cms.signing_certificate.is_none(),
        "NCANode writes no ESS attribute"
    );
    assert!(matches!(cms.signer_id, SignerId::IssuerAndSerial { .. }));
    assert_eq!(cms.certificates.len(), 1);
    let cer = std::fs::read(
        crate::cms::test_signer::shared_fixtures()
            .join("nca-rsa-test")
            .join("individual_sign.cer"),
    )
    .unwrap();
    let cer_der = if cer.starts_with(b"-----") {
        let text = String::from_utf8(cer).unwrap();
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body).unwrap()
    } else {
        cer
    };
    assert_eq!(cms.signer_certificate, cer_der);

    verify_digest(&cms, b"asdasd").expect("messageDigest is SHA-256(asdasd)");
    verify_signature(&cms).expect("RSA PKCS#1 v1.5 signature verifies");
    assert_eq!(
        sub(verify_digest(&cms, b"asdasD")),
        SubIndication::HashFailure
    );
    // Not PAdES: attached and without signingCertificateV2.
    assert_eq!(sub(check_pades_profile(&cms)), SubIndication::FormatFailure);
}

#[test]
fn rsa_encryption_as_the_signature_algorithm_is_accepted() {
    // Many tools write rsaEncryption where sha256WithRSAEncryption belongs; the hash then
    // comes from digestAlgorithm. The signature algorithm is not signed, so the NCA
    // signature still verifies after the swap.
    let der = map_signer_info(&nca_cms(), |p| {
        p[4] = algorithm_id("1.2.840.113549.1.1.1", true);
    });
    let cms = parse(&der).unwrap();
    assert_eq!(
        cms.signature_algorithm,
        SignatureAlgorithm::RsaPkcs1(DigestAlgorithm::Sha256)
    );
    verify_signature(&cms).unwrap();
    verify_digest(&cms, b"asdasd").unwrap();
}

#[test]
fn nca_signature_tampering_is_detected() {
    let der = nca_cms();
    // A flipped signature bit.
    let bad_sig = map_signer_info(&der, |p| {
        let sig = p.last_mut().unwrap();
        let n = sig.len();
        sig[n - 1] ^= 1;
    });
    let cms = parse(&bad_sig).unwrap();
    verify_digest(&cms, b"asdasd").unwrap();
    assert_eq!(sub(verify_signature(&cms)), SubIndication::SigCryptoFailure);

    // A messageDigest replaced by the digest of other data: the digest then matches the
    // other data but the signature over the attributes no longer verifies.
    let other = crate::cms::sha256(b"qwerty");
    let original = crate::cms::sha256(b"asdasd");
    let pos = der
        .windows(32)
        .position(|w| w == original)
        .expect("messageDigest in the CMS");
    let mut swapped = der.clone();
    swapped[pos..pos + 32].copy_from_slice(&other);
    let cms = parse(&swapped).unwrap();
    verify_digest(&cms, b"qwerty").unwrap();
    assert_eq!(sub(verify_signature(&cms)), SubIndication::SigCryptoFailure);
}

#[test]
fn two_signer_infos_are_a_format_failure() {
    let f = parse(&with_two_signer_infos(&nca_cms())).unwrap_err();
    assert_eq!(f.sub, SubIndication::FormatFailure);
    assert!(
        f.reason.contains("more than one SignerInfo"),
        "{}",
        f.reason
    );
    let mut fields = signed_data_fields(&nca_cms());
    *fields.last_mut().unwrap() = rebuild(SET, &[]);
    let f = parse(&with_signed_data_fields(&fields)).unwrap_err();
    assert_eq!(f.sub, SubIndication::FormatFailure);
}

#[test]
fn gost_and_sha1_are_crypto_constraints_failures() {
    // A GOST signature algorithm (Kazakh GOST R 34.10-2015 512).
    let gost = map_signer_info(&nca_cms(), |p| {
        p[4] = algorithm_id("1.2.398.3.10.1.1.2.3.2", false);
    });
    let cms = parse(&gost).unwrap();
    let f = verify_signature(&cms).unwrap_err();
    assert_eq!(f.sub, SubIndication::CryptoConstraintsFailure);
    assert!(f.reason.contains("1.2.398.3.10.1.1.2.3.2"), "{}", f.reason);
    assert!(f.reason.contains("GOST"), "{}", f.reason);
    assert_eq!(f.sub.indication(), super::super::Indication::Indeterminate);

    // A GOST digest (Streebog-512, Kazakh OID) with rsaEncryption.
    let gost_digest = map_signer_info(&nca_cms(), |p| {
        p[2] = algorithm_id("1.2.398.3.10.1.3.3", false);
        p[4] = algorithm_id("1.2.840.113549.1.1.1", true);
    });
    let cms = parse(&gost_digest).unwrap();
    let f = verify_digest(&cms, b"asdasd").unwrap_err();
    assert_eq!(f.sub, SubIndication::CryptoConstraintsFailure);
    assert!(f.reason.contains("1.2.398.3.10.1.3.3"), "{}", f.reason);

    // An explicit hash that contradicts digestAlgorithm.
    let contradictory = map_signer_info(&nca_cms(), |p| {
        p[2] = algorithm_id("2.16.840.1.101.3.4.2.2", true);
    });
    assert_eq!(sub(parse(&contradictory)), SubIndication::FormatFailure);
}

// ------------------------------------------------------------------ openssl interop

struct OpensslKey {
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
}

/// A key and self-signed certificate made by openssl (`newkey` like `rsa:2048` or `ec`).
fn openssl_key(label: &str, newkey: &[&str]) -> OpensslKey {
    let dir = scratch_dir(label);
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let mut args = vec![
        "req",
        "-x509",
        "-nodes",
        "-subj",
        "/CN=openssl signer",
        "-days",
        "5",
    ];
    args.extend_from_slice(newkey);
    args.extend_from_slice(&["-keyout", arg(&key), "-out", arg(&cert)]);
    run_ok("openssl", &args);
    OpensslKey { cert, key }
}

fn openssl_sign(k: &OpensslKey, data: &[u8], extra: &[&str]) -> Vec<u8> {
    // Tests share keys and run in parallel: every signature gets its own directory.
    let dir = scratch_dir("openssl-cms");
    let input = dir.join("data.bin");
    let out = dir.join("cms.der");
    std::fs::write(&input, data).unwrap();
    let mut args = vec![
        "cms",
        "-sign",
        "-binary",
        "-outform",
        "DER",
        "-in",
        arg(&input),
        "-signer",
        arg(&k.cert),
        "-inkey",
        arg(&k.key),
        "-out",
        arg(&out),
    ];
    args.extend_from_slice(extra);
    run_ok("openssl", &args);
    std::fs::read(&out).unwrap()
}

fn rsa_key() -> &'static OpensslKey {
    static KEY: OnceLock<OpensslKey> = OnceLock::new();
    KEY.get_or_init(|| openssl_key("rsa", &["-newkey", "rsa:2048"]))
}

fn ec_key(curve: &str) -> OpensslKey {
    let curve = format!("ec_paramgen_curve:{curve}");
    openssl_key("ec", &["-newkey", "ec", "-pkeyopt", &curve])
}

#[test]
fn openssl_signatures_verify() {
    let data = b"qujat interop";
    let p256 = ec_key("P-256");
    let p384 = ec_key("P-384");
    let cases: Vec<(&str, &OpensslKey, Vec<&str>, DigestAlgorithm)> = vec![
        (
            "RSA SHA-256 detached",
            rsa_key(),
            vec![],
            DigestAlgorithm::Sha256,
        ),
        (
            "RSA SHA-384 attached CAdES",
            rsa_key(),
            vec!["-nodetach", "-md", "sha384", "-cades"],
            DigestAlgorithm::Sha384,
        ),
        (
            "RSA SHA-512",
            rsa_key(),
            vec!["-md", "sha512"],
            DigestAlgorithm::Sha512,
        ),
        (
            "P-256 SHA-256 CAdES",
            &p256,
            vec!["-cades"],
            DigestAlgorithm::Sha256,
        ),
        (
            "P-256 SHA-384",
            &p256,
            vec!["-md", "sha384"],
            DigestAlgorithm::Sha384,
        ),
        (
            "P-384 SHA-384",
            &p384,
            vec!["-md", "sha384"],
            DigestAlgorithm::Sha384,
        ),
        (
            "P-384 SHA-256 keyid",
            &p384,
            vec!["-keyid"],
            DigestAlgorithm::Sha256,
        ),
    ];
    for (name, key, extra, digest) in cases {
        let der = openssl_sign(key, data, &extra);
        let cms = parse(&der).unwrap_or_else(|f| panic!("{name}: {f:?}"));
        assert_eq!(cms.digest_algorithm, digest, "{name}");
        verify_digest(&cms, data).unwrap_or_else(|f| panic!("{name}: {f:?}"));
        verify_signature(&cms).unwrap_or_else(|f| panic!("{name}: {f:?}"));
        assert!(
            cms.signing_time.is_some(),
            "{name}: openssl writes signingTime"
        );
        if extra.contains(&"-cades") {
            assert_eq!(
                cms.signing_certificate.as_ref().map(|e| e.version),
                Some(2),
                "{name}"
            );
        }
        if extra.contains(&"-keyid") {
            assert!(matches!(cms.signer_id, SignerId::SubjectKeyId(_)), "{name}");
        }
        assert_eq!(
            sub(verify_digest(&cms, b"other")),
            SubIndication::HashFailure,
            "{name}"
        );
    }
}

#[test]
fn sha1_is_refused_even_when_it_matches() {
    let der = openssl_sign(rsa_key(), b"old", &["-md", "sha1"]);
    let cms = parse(&der).unwrap();
    assert_eq!(cms.digest_algorithm, DigestAlgorithm::Sha1);
    let f = verify_digest(&cms, b"old").unwrap_err();
    assert_eq!(f.sub, SubIndication::CryptoConstraintsFailure);
    assert!(f.reason.contains("SHA-1"), "{}", f.reason);
    assert_eq!(sub(verify_digest(&cms, b"new")), SubIndication::HashFailure);
    assert_eq!(
        sub(verify_signature(&cms)),
        SubIndication::CryptoConstraintsFailure
    );
}

#[test]
fn small_rsa_keys_are_refused() {
    let k = openssl_key("rsa1024", &["-newkey", "rsa:1024"]);
    let der = openssl_sign(&k, b"x", &[]);
    let cms = parse(&der).unwrap();
    let f = verify_signature(&cms).unwrap_err();
    assert_eq!(f.sub, SubIndication::CryptoConstraintsFailure);
    assert!(f.reason.contains("1024 bits"), "{}", f.reason);
}

// ------------------------------------------------------------------ qujat's own CMS

#[test]
fn qujat_pades_and_generic_cms_verify() {
    let signer = TestSigner::shared();
    let digest = crate::cms::sha256(b"ranges");
    let pades = sign_detached_digest(&digest, signer, CmsMode::Pades).unwrap();
    let cms = parse(&pades).unwrap();
    assert!(cms.content.is_none());
    assert!(cms.signing_time.is_none(), "no signingTime in PAdES mode");
    verify_digest_parts(&cms, &[b"ran", b"ges"]).unwrap();
    verify_signature(&cms).unwrap();
    check_pades_profile(&cms).unwrap();
    assert_eq!(cms.signing_certificate.as_ref().map(|e| e.version), Some(2));

    let at = datetime!(2026-05-09 10:00:00 UTC);
    let attached = sign_data(b"payload", signer, true, at).unwrap();
    let cms = parse(&attached).unwrap();
    assert_eq!(cms.content.as_deref(), Some(&b"payload"[..]));
    assert_eq!(cms.signing_time, Some(at));
    verify_digest(&cms, b"payload").unwrap();
    verify_signature(&cms).unwrap();
    assert_eq!(sub(check_pades_profile(&cms)), SubIndication::FormatFailure);
}

/// A signer over a key file with a chosen certificate, to make two certificates (same
/// key, subject and serial, different validity) for the certificate substitution test.
struct KeyFileSigner {
    key: EcdsaKeyPair,
    certificate: Vec<u8>,
    algorithm: Vec<u8>,
}

impl Signer for KeyFileSigner {
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
        self.key
            .sign(&SystemRandom::new(), message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| "sign".to_owned())
    }
}

#[test]
fn signing_certificate_v2_must_name_the_verifying_certificate() {
    let dir = scratch_dir("ess");
    let key = dir.join("key.pem");
    let p8 = dir.join("key.p8");
    run_ok(
        "openssl",
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            arg(&key),
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
            arg(&key),
            "-out",
            arg(&p8),
        ],
    );
    let cert = |name: &str, days: &str| {
        let out = dir.join(name);
        run_ok(
            "openssl",
            &[
                "req",
                "-new",
                "-x509",
                "-key",
                arg(&key),
                "-subj",
                "/CN=twin",
                "-set_serial",
                "7",
                "-days",
                days,
                "-outform",
                "DER",
                "-out",
                arg(&out),
            ],
        );
        std::fs::read(&out).unwrap()
    };
    let first = cert("a.der", "5");
    let twin = cert("b.der", "9");
    assert_ne!(first, twin);
    let pkcs8 = std::fs::read(&p8).unwrap();
    let signer = KeyFileSigner {
        key: EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            &pkcs8,
            &SystemRandom::new(),
        )
        .unwrap(),
        certificate: first,
        algorithm: der::sequence(&[&der::oid("1.2.840.10045.4.3.2").unwrap()]),
    };
    let digest = crate::cms::sha256(b"doc");
    let good = sign_detached_digest(&digest, &signer, CmsMode::Pades).unwrap();
    let cms = parse(&good).unwrap();
    verify_signature(&cms).unwrap();

    // Swap in the twin certificate: same key (the signature verifies), same issuer and
    // serial (it is found as the signer), but the signed ESS hash names the first one.
    let mut fields = signed_data_fields(&good);
    let certs_at = fields
        .iter()
        .position(|f| tag_of(f) == CTX0_CONSTRUCTED)
        .unwrap();
    fields[certs_at] = rebuild(CTX0_CONSTRUCTED, &[twin]);
    let swapped = with_signed_data_fields(&fields);
    let cms = parse(&swapped).unwrap();
    let f = verify_signature(&cms).unwrap_err();
    assert_eq!(f.sub, SubIndication::SigCryptoFailure);
    assert!(f.reason.contains("signingCertificateV2"), "{}", f.reason);

    // Without any matching certificate the signer is not found.
    let mut fields = signed_data_fields(&good);
    fields.remove(certs_at);
    let f = parse(&with_signed_data_fields(&fields)).unwrap_err();
    assert_eq!(f.sub, SubIndication::NoSignerCertificateFound);
}

#[test]
fn subject_key_identifier_names_the_signer_too() {
    let signer = TestSigner::shared();
    let der = sign_detached_digest(&crate::cms::sha256(b"d"), signer, CmsMode::Pades).unwrap();
    let cms = parse(&der).unwrap();
    // openssl req -x509 writes a subjectKeyIdentifier; re-identify the signer by it.
    let mut top = Der::new(&cms.signer_certificate, 0);
    let ski = cert_info(&top.read().ok().unwrap())
        .ok()
        .unwrap()
        .ski
        .unwrap()
        .to_vec();
    let by_ski = map_signer_info(&der, |p| {
        p[0] = der::integer_u64(3);
        p[1] = der::tlv(CTX0_PRIMITIVE, &ski);
    });
    let cms = parse(&by_ski).unwrap();
    assert_eq!(cms.signer_id, SignerId::SubjectKeyId(ski.clone()));
    verify_signature(&cms).unwrap();
    let mut wrong = ski.clone();
    wrong[0] ^= 0xff;
    let by_wrong = map_signer_info(&der, |p| {
        p[0] = der::integer_u64(3);
        p[1] = der::tlv(CTX0_PRIMITIVE, &wrong);
    });
    assert_eq!(
        sub(parse(&by_wrong)),
        SubIndication::NoSignerCertificateFound
    );
}

// ------------------------------------------------------------------ malformed input

#[test]
fn ber_and_non_minimal_encodings_are_format_failures_with_offsets() {
    let der = nca_cms();
    // Outer SEQUENCE re-encoded with an indefinite length.
    let mut ber = vec![0x30, 0x80];
    ber.extend_from_slice(&der[4..]);
    ber.extend_from_slice(&[0, 0]);
    let f = parse(&ber).unwrap_err();
    assert_eq!(f.sub, SubIndication::FormatFailure);
    assert!(
        f.reason.contains("at byte 0") && f.reason.contains("indefinite"),
        "{}",
        f.reason
    );

    // The outer length in 3 octets instead of 2.
    let mut long = vec![0x30, 0x83, 0x00];
    long.extend_from_slice(&der[2..]);
    let f = parse(&long).unwrap_err();
    assert!(f.reason.contains("leading zero"), "{}", f.reason);

    // Trailing bytes.
    let mut trailing = der.clone();
    trailing.push(0);
    assert_eq!(sub(parse(&trailing)), SubIndication::FormatFailure);

    // A constructed (BER) eContent OCTET STRING.
    let constructed = {
        let mut fields = signed_data_fields(&der);
        let econtent = der::tlv(0x24, &der::octet_string(b"asdasd"));
        fields[2] = der::sequence(&[
            &der::oid(OID_DATA).unwrap(),
            &der::explicit(0, &econtent).unwrap(),
        ]);
        with_signed_data_fields(&fields)
    };
    let f = parse(&constructed).unwrap_err();
    assert_eq!(f.sub, SubIndication::FormatFailure);
    assert!(
        f.reason.contains("at byte 58") && f.reason.contains("found tag 0x24"),
        "{}",
        f.reason
    );

    // Not SignedData at all.
    let enveloped = der::sequence(&[
        &der::oid("1.2.840.113549.1.7.3").unwrap(),
        &der::explicit(0, &der::null()).unwrap(),
    ]);
    assert_eq!(sub(parse(&enveloped)), SubIndication::FormatFailure);
    assert_eq!(sub(parse(&[])), SubIndication::FormatFailure);
}

#[test]
fn required_attributes_are_enforced() {
    let der = nca_cms();
    // Drop messageDigest; the remaining attributes keep their encoding.
    let without = |oid: &str| {
        let wanted = der::oid(oid).unwrap();
        map_signer_info(&der, |p| {
            let attrs: Vec<Vec<u8>> = children(&p[3])
                .into_iter()
                .filter(|a| !a.windows(wanted.len()).any(|w| w == wanted.as_slice()))
                .collect();
            p[3] = rebuild(CTX0_CONSTRUCTED, &attrs);
        })
    };
    let f = parse(&without(OID_MESSAGE_DIGEST)).unwrap_err();
    assert!(f.reason.contains("messageDigest"), "{}", f.reason);
    let f = parse(&without(OID_CONTENT_TYPE)).unwrap_err();
    assert!(f.reason.contains("contentType"), "{}", f.reason);
    // No signed attributes at all.
    let bare = map_signer_info(&der, |p| {
        p.remove(3);
    });
    assert_eq!(sub(parse(&bare)), SubIndication::FormatFailure);
    // A duplicated attribute.
    let doubled = map_signer_info(&der, |p| {
        let mut attrs = children(&p[3]);
        attrs.push(attrs[0].clone());
        p[3] = rebuild(CTX0_CONSTRUCTED, &attrs);
    });
    let f = parse(&doubled).unwrap_err();
    assert!(f.reason.contains("twice"), "{}", f.reason);
    // messageDigest with two values.
    let two_values = map_signer_info(&der, |p| {
        let attrs: Vec<Vec<u8>> = children(&p[3])
            .into_iter()
            .map(|a| {
                let parts = children(&a);
                if parts[0] == der::oid(OID_MESSAGE_DIGEST).unwrap() {
                    let v = children(&parts[1])[0].clone();
                    rebuild(SEQUENCE, &[parts[0].clone(), rebuild(SET, &[v.clone(), v])])
                } else {
                    a
                }
            })
            .collect();
        p[3] = rebuild(CTX0_CONSTRUCTED, &attrs);
    });
    let f = parse(&two_values).unwrap_err();
    assert!(f.reason.contains("exactly one value"), "{}", f.reason);
}

#[test]
fn truncated_and_mutated_cms_never_panics() {
    let inputs = [
        nca_cms(),
        sign_detached_digest(
            &crate::cms::sha256(b"z"),
            TestSigner::shared(),
            CmsMode::Pades,
        )
        .unwrap(),
    ];
    for der in &inputs {
        for len in 0..der.len() {
            assert!(parse(&der[..len]).is_err(), "a strict prefix never parses");
        }
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let mut m = der.clone();
            let at = (rng as usize) % m.len();
            m[at] = (rng >> 40) as u8;
            if let Ok(cms) = parse(&m) {
                let _ = verify_digest(&cms, b"asdasd");
                let _ = verify_signature(&cms);
                let _ = check_pades_profile(&cms);
                let _ = timestamp_imprint(&cms);
            }
        }
    }
}

#[test]
fn times_follow_der() {
    let t = |tag: u8, s: &str| {
        let bytes = der::tlv(tag, s.as_bytes());
        let mut r = Der::new(&bytes, 0);
        der_time(&r.read().ok().unwrap()).ok()
    };
    assert_eq!(
        t(UTC_TIME, "491231235959Z"),
        Some(datetime!(2049-12-31 23:59:59 UTC))
    );
    assert_eq!(
        t(UTC_TIME, "500101000000Z"),
        Some(datetime!(1950-01-01 00:00:00 UTC))
    );
    assert_eq!(
        t(GENERALIZED_TIME, "20260509100405.25Z"),
        Some(datetime!(2026-05-09 10:04:05.25 UTC))
    );
    for bad in [
        "2605091004Z",
        "260509100405",
        "260509100405+0500",
        "261309100405Z",
    ] {
        assert_eq!(t(UTC_TIME, bad), None, "{bad}");
    }
    assert_eq!(
        t(GENERALIZED_TIME, "20260509100405.50Z"),
        None,
        "trailing zero"
    );
    assert_eq!(t(GENERALIZED_TIME, "20260230100405Z"), None, "February 30");
}
