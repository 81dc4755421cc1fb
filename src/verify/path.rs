//! Certificate checks 4–7 of design.md: a path from the signer certificate to a pinned anchor,
//! revocation by the registry's CRLs, key usage, and the registry's authorizations.
//!
//! Every input here may be hostile (the certificates come from the signed document), so:
//! parsing is strict and panic-contained, the path search is bounded, signatures are checked
//! with `ring` only, and nothing unknown defaults to "valid".

use std::collections::HashSet;

use ::time::OffsetDateTime;
use ring::signature as sig;
use x509_parser::oid_registry::Oid;
use x509_parser::prelude::*;
use x509_parser::revocation_list::CertificateRevocationList;

use super::{Finding, SubIndication};
use crate::registry::{CrlEntry, Registry, SignerMatch};

/// Longest path searched, signer and anchor included.
const MAX_DEPTH: usize = 8;
/// Certificates taken from the document (untrusted hints); more are ignored.
const MAX_EXTRA: usize = 32;
/// Signature checks one path search may spend.
const MAX_SIGNATURE_CHECKS: usize = 64;

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const RSA_PSS: &str = "1.2.840.113549.1.1.10";
const RSA_SHA256: &str = "1.2.840.113549.1.1.11";
const RSA_SHA384: &str = "1.2.840.113549.1.1.12";
const RSA_SHA512: &str = "1.2.840.113549.1.1.13";
const MGF1: &str = "1.2.840.113549.1.1.8";
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
const ED25519: &str = "1.3.101.112";
const P256: &str = "1.2.840.10045.3.1.7";
const P384: &str = "1.3.132.0.34";
const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const SHA384: &str = "2.16.840.1.101.3.4.2.2";
const SHA512: &str = "2.16.840.1.101.3.4.2.3";

const EKU_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
const EKU_EMAIL_PROTECTION: &str = "1.3.6.1.5.5.7.3.4";
/// id-kp-documentSigning (RFC 9336).
const EKU_DOCUMENT_SIGNING: &str = "1.3.6.1.5.5.7.3.36";
const EKU_ANY: &str = "2.5.29.37.0";

const DELTA_CRL_INDICATOR: &str = "2.5.29.27";
const ISSUING_DISTRIBUTION_POINT: &str = "2.5.29.28";
const EXPIRED_CERTS_ON_CRL: &str = "2.5.29.60";
const REASON_CERTIFICATE_HOLD: u8 = 6;
const REASON_REMOVE_FROM_CRL: u8 = 8;

/// Certificate extensions this module understands well enough to accept when critical.
/// (nameConstraints and policy constraints are not processed, so a critical one fails.)
const KNOWN_CRITICAL: &[&str] = &[
    "2.5.29.14",         // subjectKeyIdentifier
    "2.5.29.15",         // keyUsage
    "2.5.29.17",         // subjectAltName
    "2.5.29.19",         // basicConstraints
    "2.5.29.31",         // cRLDistributionPoints
    "2.5.29.32",         // certificatePolicies
    "2.5.29.35",         // authorityKeyIdentifier
    "2.5.29.37",         // extKeyUsage
    "2.5.29.46",         // freshestCRL
    "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
];

/// Where a certificate of a path came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertOrigin {
    /// The signer certificate.
    Signer,
    /// An intermediate pinned in the registry.
    Registry,
    /// An intermediate found only in the signed document.
    Document,
    /// A trust anchor of the registry.
    Anchor,
}

/// A path that passed check 4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedPath {
    /// DER certificates, signer first, anchor last.
    pub chain: Vec<Vec<u8>>,
    /// Where each certificate of `chain` came from.
    pub origins: Vec<CertOrigin>,
    /// Subject CN of each certificate of `chain`.
    pub subjects: Vec<String>,
}

/// Revocation facts of a path that passed check 5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationStatus {
    /// One entry per certificate checked, signer first (the anchor is not checked).
    pub certificates: Vec<CertificateStatus>,
}

impl RevocationStatus {
    /// The signer certificate's status.
    pub fn signer(&self) -> Option<&CertificateStatus> {
        self.certificates.first()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateStatus {
    pub subject: String,
    /// Serial number, uppercase hex.
    pub serial: String,
    pub evidence: Evidence,
    /// Revoked after the validation time: not revoked then, but worth showing.
    pub revoked_later: Option<Revocation>,
}

/// What showed that a certificate was not revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// A CRL of the registry, signed by the certificate's issuer, covering the time.
    Crl {
        sha256: String,
        this_update: OffsetDateTime,
        next_update: Option<OffsetDateTime>,
    },
    /// An intermediate pinned in the registry whose issuer has no CRL there: its trust is
    /// the registry's own (removing it from the registry revokes it).
    PinnedIntermediate,
    /// Not checked: the registry lists the issuing CA under `revocation_not_checked_for`;
    /// `reason` is why evidence was missing.
    NotChecked { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub date: OffsetDateTime,
    /// RFC 5280 reason name, e.g. `keyCompromise`.
    pub reason: Option<&'static str>,
}

/// The registry entry that authorizes a signature (check 7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationMatch {
    pub id: String,
    pub position_kk: String,
    pub position_ru: String,
    pub organisation_bin: String,
}

/// Why a signature could not be verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// An algorithm or key qujat does not verify (GOST, SHA-1, short RSA keys, …).
    #[error("unsupported {0}")]
    Unsupported(String),
    #[error("{0}")]
    Invalid(String),
}

// ---------------------------------------------------------------------------------------
// Parsing and signatures, shared with the registry.

/// Parses a DER certificate: no trailing bytes, and a parser panic becomes an error.
pub(crate) fn parse_certificate(der: &[u8]) -> Result<X509Certificate<'_>, String> {
    let probe = std::panic::catch_unwind(|| match X509Certificate::from_der(der) {
        Ok((rest, _)) => Ok(rest.len()),
        Err(e) => Err(e.to_string()),
    });
    match probe {
        Err(_) => Err("certificate parser failed".into()),
        Ok(Err(e)) => Err(format!("not a DER X.509 certificate: {e}")),
        Ok(Ok(n)) if n > 0 => Err(format!("{n} bytes after the certificate")),
        Ok(Ok(_)) => X509Certificate::from_der(der)
            .map(|(_, c)| c)
            .map_err(|e| e.to_string()),
    }
}

/// Parses a DER CRL like [`parse_certificate`].
pub(crate) fn parse_crl(der: &[u8]) -> Result<CertificateRevocationList<'_>, String> {
    let probe = std::panic::catch_unwind(|| match CertificateRevocationList::from_der(der) {
        Ok((rest, _)) => Ok(rest.len()),
        Err(e) => Err(e.to_string()),
    });
    match probe {
        Err(_) => Err("CRL parser failed".into()),
        Ok(Err(e)) => Err(format!("not a DER X.509 CRL: {e}")),
        Ok(Ok(n)) if n > 0 => Err(format!("{n} bytes after the CRL")),
        Ok(Ok(_)) => CertificateRevocationList::from_der(der)
            .map(|(_, c)| c)
            .map_err(|e| e.to_string()),
    }
}

/// The CN of a name, or the whole name when it has none.
pub(crate) fn display_name(name: &X509Name<'_>) -> String {
    name.iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| name.to_string())
}

/// Verifies `signature` over `message` with `key`, by `algorithm`. RSA PKCS#1 v1.5 and PSS
/// with SHA-256/384/512 (2048–8192-bit keys), ECDSA P-256/P-384 with SHA-256/384, Ed25519;
/// anything else (GOST, SHA-1, …) is [`SignatureError::Unsupported`] naming the OID.
pub fn verify_signature(
    key: &SubjectPublicKeyInfo<'_>,
    algorithm: &AlgorithmIdentifier<'_>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    let ring_alg = ring_algorithm(key, algorithm)?;
    let key_bytes = key.subject_public_key.data.as_ref();
    // The same CA and CRL signatures are checked for every document (twice: at the signing
    // time and at now); a verified (algorithm, key, message, signature) stays verified.
    let fingerprint = {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        for part in [
            algorithm.algorithm.as_bytes(),
            key_bytes,
            message,
            signature,
        ] {
            ctx.update(&(part.len() as u64).to_be_bytes());
            ctx.update(part);
        }
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        out
    };
    if verified_cache(|c| c.contains(&fingerprint)) {
        return Ok(());
    }
    sig::UnparsedPublicKey::new(ring_alg, key_bytes)
        .verify(message, signature)
        .map_err(|_| SignatureError::Invalid("signature does not verify".into()))?;
    verified_cache(|c| {
        if c.len() == VERIFIED_CACHE_SIZE {
            c.pop_front();
        }
        c.push_back(fingerprint);
    });
    Ok(())
}

/// How many verified signatures are remembered.
const VERIFIED_CACHE_SIZE: usize = 256;

fn verified_cache<T>(f: impl FnOnce(&mut std::collections::VecDeque<[u8; 32]>) -> T) -> T {
    static CACHE: std::sync::Mutex<std::collections::VecDeque<[u8; 32]>> =
        std::sync::Mutex::new(std::collections::VecDeque::new());
    // A poisoned lock only means another thread panicked mid-update of a plain cache.
    let mut guard = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    f(&mut guard)
}

fn ring_algorithm(
    key: &SubjectPublicKeyInfo<'_>,
    algorithm: &AlgorithmIdentifier<'_>,
) -> Result<&'static dyn sig::VerificationAlgorithm, SignatureError> {
    let oid = algorithm.algorithm.to_id_string();
    let key_oid = key.algorithm.algorithm.to_id_string();
    match oid.as_str() {
        RSA_SHA256 | RSA_SHA384 | RSA_SHA512 => {
            rsa_key(key, &key_oid)?;
            Ok(match oid.as_str() {
                RSA_SHA256 => &sig::RSA_PKCS1_2048_8192_SHA256,
                RSA_SHA384 => &sig::RSA_PKCS1_2048_8192_SHA384,
                _ => &sig::RSA_PKCS1_2048_8192_SHA512,
            })
        }
        RSA_PSS => {
            rsa_key(key, &key_oid)?;
            pss(algorithm)
        }
        ECDSA_SHA256 | ECDSA_SHA384 => {
            if key_oid != EC_PUBLIC_KEY {
                return Err(SignatureError::Invalid(format!(
                    "ECDSA signature but the issuer key is {key_oid}"
                )));
            }
            let curve = key
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| Oid::try_from(p).ok())
                .map(|o| o.to_id_string())
                .unwrap_or_default();
            Ok(match (curve.as_str(), oid.as_str()) {
                (P256, ECDSA_SHA256) => &sig::ECDSA_P256_SHA256_ASN1,
                (P256, _) => &sig::ECDSA_P256_SHA384_ASN1,
                (P384, ECDSA_SHA256) => &sig::ECDSA_P384_SHA256_ASN1,
                (P384, _) => &sig::ECDSA_P384_SHA384_ASN1,
                _ => {
                    return Err(SignatureError::Unsupported(format!(
                        "elliptic curve {}",
                        if curve.is_empty() { "(none)" } else { &curve }
                    )));
                }
            })
        }
        ED25519 if key_oid == ED25519 => Ok(&sig::ED25519),
        _ => Err(SignatureError::Unsupported(format!(
            "signature algorithm {oid}{}",
            algorithm_name(&oid).map_or(String::new(), |n| format!(" ({n})"))
        ))),
    }
}

fn algorithm_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.2.398.3.10.1.1.1.2" => "GOST 34.310-2004",
        "1.2.398.3.10.1.1.2.3.2" => "GOST R 34.10-2015 512-bit",
        "1.2.398.3.10.1.1.2.3.1" => "GOST R 34.10-2015 256-bit",
        "1.2.840.113549.1.1.5" => "SHA-1 with RSA",
        "1.2.840.113549.1.1.4" => "MD5 with RSA",
        "1.2.840.10045.4.1" => "ECDSA with SHA-1",
        "1.2.840.10045.4.3.4" => "ECDSA with SHA-512",
        _ => return None,
    })
}

/// The key must be RSA of a size ring verifies (2048–8192 bits).
fn rsa_key(key: &SubjectPublicKeyInfo<'_>, key_oid: &str) -> Result<(), SignatureError> {
    if key_oid != RSA_ENCRYPTION && key_oid != RSA_PSS {
        return Err(SignatureError::Invalid(format!(
            "RSA signature but the issuer key is {key_oid}"
        )));
    }
    let Ok(x509_parser::public_key::PublicKey::RSA(rsa)) = key.parsed() else {
        return Err(SignatureError::Invalid("malformed RSA public key".into()));
    };
    let modulus = rsa.modulus;
    let first = modulus
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(modulus.len());
    let bits = match modulus.get(first) {
        Some(b) => (modulus.len() - first) * 8 - b.leading_zeros() as usize,
        None => 0,
    };
    if !(2048..=8192).contains(&bits) {
        return Err(SignatureError::Unsupported(format!(
            "RSA key of {bits} bits (2048 to 8192 accepted)"
        )));
    }
    Ok(())
}

/// RSASSA-PSS as ring does it: MGF1 with the same hash, salt as long as the hash.
fn pss(
    algorithm: &AlgorithmIdentifier<'_>,
) -> Result<&'static dyn sig::VerificationAlgorithm, SignatureError> {
    use x509_parser::signature_algorithm::SignatureAlgorithm;
    let unsupported = |what: &str| SignatureError::Unsupported(format!("RSA-PSS {what}"));
    let Ok(SignatureAlgorithm::RSASSA_PSS(params)) = SignatureAlgorithm::try_from(algorithm) else {
        return Err(unsupported("without valid parameters"));
    };
    let hash = params.hash_algorithm_oid().to_id_string();
    let mgf = params
        .mask_gen_algorithm()
        .map_err(|_| unsupported("mask generation"))?;
    if mgf.mgf.to_id_string() != MGF1 || mgf.hash.to_id_string() != hash {
        return Err(unsupported(
            "with a mask generation other than MGF1 of the same hash",
        ));
    }
    if params.trailer_field() != 1 {
        return Err(unsupported("trailer field"));
    }
    let (alg, salt): (&'static dyn sig::VerificationAlgorithm, u32) = match hash.as_str() {
        SHA256 => (&sig::RSA_PSS_2048_8192_SHA256, 32),
        SHA384 => (&sig::RSA_PSS_2048_8192_SHA384, 48),
        SHA512 => (&sig::RSA_PSS_2048_8192_SHA512, 64),
        other => return Err(unsupported(&format!("with hash {other}"))),
    };
    if params.salt_length() != salt {
        return Err(unsupported("salt length other than the hash length"));
    }
    Ok(alg)
}

/// Whether `issuer`'s key made `cert`'s signature.
pub(crate) fn verify_certificate_signed_by(
    cert: &X509Certificate<'_>,
    issuer: &X509Certificate<'_>,
) -> Result<(), SignatureError> {
    // RFC 5280 §4.1.1.2: the two algorithm fields must agree.
    if cert.signature_algorithm != cert.tbs_certificate.signature {
        return Err(SignatureError::Invalid(
            "the certificate's two signature algorithm fields differ".into(),
        ));
    }
    verify_signature(
        issuer.public_key(),
        &cert.signature_algorithm,
        cert.tbs_certificate.as_ref(),
        &cert.signature_value.data,
    )
}

/// Whether `issuer`'s key made `crl`'s signature.
pub(crate) fn verify_crl_signed_by(
    crl: &CertificateRevocationList<'_>,
    issuer: &X509Certificate<'_>,
) -> Result<(), SignatureError> {
    if crl.signature_algorithm != crl.tbs_cert_list.signature {
        return Err(SignatureError::Invalid(
            "the CRL's two signature algorithm fields differ".into(),
        ));
    }
    verify_signature(
        issuer.public_key(),
        &crl.signature_algorithm,
        crl.tbs_cert_list.as_ref(),
        &crl.signature_value.data,
    )
}

/// A CA certificate: basicConstraints cA, and keyCertSign when keyUsage is present.
pub(crate) fn check_ca_capable(cert: &X509Certificate<'_>) -> Result<(), String> {
    match cert.basic_constraints() {
        Ok(Some(bc)) if bc.value.ca => {}
        Ok(_) => return Err("basicConstraints does not say cA".into()),
        Err(e) => return Err(format!("basicConstraints: {e}")),
    }
    match cert.key_usage() {
        Ok(Some(ku)) if !ku.value.key_cert_sign() => Err("keyUsage lacks keyCertSign".into()),
        Ok(_) => Ok(()),
        Err(e) => Err(format!("keyUsage: {e}")),
    }
}

pub(crate) fn is_delta_crl(crl: &CertificateRevocationList<'_>) -> bool {
    crl.extensions()
        .iter()
        .any(|e| e.oid.to_id_string() == DELTA_CRL_INDICATOR)
}

fn serial_hex(cert: &X509Certificate<'_>) -> String {
    crate::hex(cert.raw_serial()).to_uppercase()
}

fn fmt_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(::time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

// ---------------------------------------------------------------------------------------
// Check 4: path.

struct Node<'a> {
    cert: X509Certificate<'a>,
    der: &'a [u8],
    origin: CertOrigin,
}

/// Builds and checks a path `leaf` → intermediates → a pinned anchor, valid at `at`.
///
/// Intermediates come from the registry and from `extra` (the document's certificates:
/// hints only, never trusted by themselves). Each certificate's signature is verified with
/// the next one's key; issuers must be CAs (basicConstraints cA, keyUsage keyCertSign —
/// which an anchor may omit), respect pathLenConstraint, and have the subject DN (raw bytes)
/// the certificate names as issuer; every certificate must be valid at `at` and carry no
/// critical extension qujat does not process.
pub fn validate_path(
    leaf: &[u8],
    extra: &[Vec<u8>],
    registry: &Registry,
    at: OffsetDateTime,
) -> Result<ValidatedPath, Finding> {
    let leaf_cert = parse_certificate(leaf).map_err(|e| {
        Finding::new(
            SubIndication::FormatFailure,
            format!("signer certificate: {e}"),
        )
    })?;
    let leaf_fp = crate::hex_sha256(leaf);
    let mut pool = vec![Node {
        cert: leaf_cert,
        der: leaf,
        origin: CertOrigin::Signer,
    }];
    // A pinned anchor used directly as the signer: the path is that one certificate.
    if registry.anchors().iter().any(|a| a.sha256 == leaf_fp) {
        pool[0].origin = CertOrigin::Anchor;
        check_chain(&pool, &[0], at)?;
        return Ok(to_path(&pool, &[0]));
    }
    let mut seen: HashSet<String> = HashSet::from([leaf_fp]);
    let registry_certs = registry
        .anchors()
        .iter()
        .map(|a| (&a.der[..], CertOrigin::Anchor))
        .chain(
            registry
                .intermediates()
                .iter()
                .map(|i| (&i.der[..], CertOrigin::Registry)),
        );
    let document_certs = extra
        .iter()
        .take(MAX_EXTRA)
        .map(|d| (&d[..], CertOrigin::Document));
    for (der, origin) in registry_certs.chain(document_certs) {
        if !seen.insert(crate::hex_sha256(der)) {
            continue;
        }
        // A registry file was checked on load; a broken hint is just ignored.
        if let Ok(cert) = parse_certificate(der) {
            pool.push(Node { cert, der, origin });
        }
    }
    let mut search = Search {
        pool: &pool,
        at,
        budget: MAX_SIGNATURE_CHECKS,
        exhausted: false,
        unsupported: None,
        bad_signatures: Vec::new(),
        failure: None,
    };
    let mut chain = vec![0];
    if search.extend(&mut chain) {
        return Ok(to_path(&pool, &chain));
    }
    if let Some(failure) = search.failure {
        return Err(failure);
    }
    if let Some(what) = search.unsupported {
        return Err(Finding::new(
            SubIndication::CryptoConstraintsFailure,
            format!("cannot verify the certificate path: {what}"),
        ));
    }
    let mut reason = format!(
        "no path from «{}» to a trust anchor of the registry (issuer «{}» not found)",
        display_name(pool[0].cert.subject()),
        display_name(pool[0].cert.issuer())
    );
    if !search.bad_signatures.is_empty() {
        reason.push_str("; certificates with the issuer's name but not its key: ");
        reason.push_str(&search.bad_signatures.join(", "));
    }
    if search.exhausted {
        reason.push_str("; search limit reached");
    }
    Err(Finding::new(SubIndication::NoCertificateChainFound, reason))
}

struct Search<'p, 'a> {
    pool: &'p [Node<'a>],
    at: OffsetDateTime,
    budget: usize,
    exhausted: bool,
    unsupported: Option<String>,
    bad_signatures: Vec<String>,
    /// The first complete chain's failure, if no chain passes.
    failure: Option<Finding>,
}

impl Search<'_, '_> {
    /// Depth-first: anchors are tried before registry intermediates, those before the
    /// document's. `chain` is a list of pool indices ending at the certificate to extend.
    fn extend(&mut self, chain: &mut Vec<usize>) -> bool {
        let pool = self.pool;
        let Some(&current) = chain.last() else {
            return false;
        };
        let issuer_name = pool[current].cert.issuer().as_raw();
        for (j, cand) in pool.iter().enumerate() {
            if cand.origin == CertOrigin::Signer
                || chain.contains(&j)
                || cand.cert.subject().as_raw() != issuer_name
            {
                continue;
            }
            if self.budget == 0 {
                self.exhausted = true;
                return false;
            }
            self.budget -= 1;
            match verify_certificate_signed_by(&pool[current].cert, &cand.cert) {
                Ok(()) => {}
                Err(SignatureError::Unsupported(what)) => {
                    self.unsupported.get_or_insert(what);
                    continue;
                }
                Err(SignatureError::Invalid(_)) => {
                    self.bad_signatures.push(format!(
                        "«{}» ({}…)",
                        display_name(cand.cert.subject()),
                        &crate::hex_sha256(cand.der)[..16]
                    ));
                    continue;
                }
            }
            chain.push(j);
            if cand.origin == CertOrigin::Anchor {
                match check_chain(pool, chain, self.at) {
                    Ok(()) => return true,
                    Err(f) => {
                        self.failure.get_or_insert(f);
                    }
                }
            } else if chain.len() < MAX_DEPTH && self.extend(chain) {
                return true;
            }
            chain.pop();
        }
        false
    }
}

fn to_path(pool: &[Node<'_>], chain: &[usize]) -> ValidatedPath {
    ValidatedPath {
        chain: chain.iter().map(|&i| pool[i].der.to_vec()).collect(),
        origins: chain.iter().map(|&i| pool[i].origin).collect(),
        subjects: chain
            .iter()
            .map(|&i| display_name(pool[i].cert.subject()))
            .collect(),
    }
}

/// Constraints of a complete chain (signatures already verified): extensions, CA flags,
/// path length, then validity at `at`.
fn check_chain(pool: &[Node<'_>], chain: &[usize], at: OffsetDateTime) -> Result<(), Finding> {
    let constraint = |reason: String| Finding::new(SubIndication::ChainConstraintsFailure, reason);
    for (pos, &i) in chain.iter().enumerate() {
        let node = &pool[i];
        let cert = &node.cert;
        let name = display_name(cert.subject());
        for ext in cert.extensions() {
            let oid = ext.oid.to_id_string();
            if ext.critical && !KNOWN_CRITICAL.contains(&oid.as_str()) {
                return Err(constraint(format!(
                    "«{name}» has a critical extension qujat does not process ({oid})"
                )));
            }
            if let ParsedExtension::ParseError { .. } = ext.parsed_extension() {
                return Err(constraint(format!("«{name}»: malformed extension {oid}")));
            }
        }
        if pos == 0 {
            continue;
        }
        match cert.basic_constraints() {
            Ok(Some(bc)) if bc.value.ca => {
                // Intermediates between this CA and the signer.
                let below = pos - 1;
                if let Some(limit) = bc.value.path_len_constraint
                    && below > limit as usize
                {
                    return Err(constraint(format!(
                        "«{name}» allows {limit} intermediate CA(s) below it (pathLenConstraint), the path has {below}"
                    )));
                }
            }
            Ok(_) => {
                return Err(constraint(format!(
                    "«{name}» issued a certificate but is not a CA (basicConstraints)"
                )));
            }
            Err(e) => return Err(constraint(format!("«{name}»: basicConstraints: {e}"))),
        }
        match cert.key_usage() {
            Ok(Some(ku)) if ku.value.key_cert_sign() => {}
            Ok(Some(_)) => {
                return Err(constraint(format!(
                    "«{name}» issued a certificate but its keyUsage lacks keyCertSign"
                )));
            }
            // RFC 5280 §4.2.1.3: CA certificates must have keyUsage; an anchor is pinned by
            // hand and may be older.
            Ok(None) if node.origin == CertOrigin::Anchor => {}
            Ok(None) => {
                return Err(constraint(format!("«{name}» is a CA without keyUsage")));
            }
            Err(e) => return Err(constraint(format!("«{name}»: keyUsage: {e}"))),
        }
    }
    for (pos, &i) in chain.iter().enumerate() {
        let cert = &pool[i].cert;
        let who = if pos == 0 {
            format!("signer certificate «{}»", display_name(cert.subject()))
        } else {
            format!("CA certificate «{}»", display_name(cert.subject()))
        };
        let not_before = cert.validity().not_before.to_datetime();
        let not_after = cert.validity().not_after.to_datetime();
        if at < not_before {
            return Err(Finding::new(
                SubIndication::NotYetValid,
                format!(
                    "{who} is valid from {}, after the validation time {}",
                    fmt_time(not_before),
                    fmt_time(at)
                ),
            ));
        }
        if at > not_after {
            return Err(Finding::new(
                SubIndication::OutOfBoundsNoPoe,
                format!(
                    "{who} expired {}, before the validation time {}",
                    fmt_time(not_after),
                    fmt_time(at)
                ),
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Check 5: revocation.

/// Checks every certificate of `path` but the anchor against the registry's CRLs at `at`.
///
/// A CRL counts only if its issuer name is the certificate's issuer, that issuer may sign
/// CRLs and its key verifies the CRL. Listed with a revocation date ≤ `at` → REVOKED (any
/// such CRL is proof; a certificateHold only on the newest CRL). Otherwise a complete CRL
/// must speak for `at`: nextUpdate ≥ `at` (one issued after `at` is fine), and issued no later
/// than the certificate's expiry (or carrying expiredCertsOnCRL), because a CA may drop an
/// expired certificate from later CRLs (RFC 5280 §3.3) — that CRL's silence proves nothing.
/// An intermediate pinned in the registry needs no CRL (the registry vouches for it), but
/// one of its issuer is checked when present.
pub fn check_revocation(
    path: &ValidatedPath,
    registry: &Registry,
    at: OffsetDateTime,
) -> Result<RevocationStatus, Finding> {
    let certs = path
        .chain
        .iter()
        .map(|der| parse_certificate(der))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Finding::new(SubIndication::FormatFailure, e))?;
    let crls: Vec<(&CrlEntry, CertificateRevocationList<'_>)> = registry
        .crls()
        .iter()
        .filter_map(|e| parse_crl(&e.der).ok().map(|c| (e, c)))
        .collect();
    let mut certificates = Vec::new();
    for (i, pair) in certs.windows(2).enumerate() {
        let origin = path.origins.get(i).copied().unwrap_or(CertOrigin::Document);
        let status = match check_one(&pair[0], &pair[1], origin, &crls, at) {
            // The registry's explicit policy for this CA: no evidence needed, and the report
            // says revocation was not checked. A listed revocation still fails above.
            Err(f)
                if matches!(
                    f.sub,
                    SubIndication::TryLater | SubIndication::RevocationOutOfBounds
                ) && path.chain.get(i + 1).is_some_and(|issuer| {
                    registry.revocation_unchecked(&crate::hex_sha256(issuer))
                }) =>
            {
                CertificateStatus {
                    subject: display_name(pair[0].subject()),
                    serial: serial_hex(&pair[0]),
                    evidence: Evidence::NotChecked { reason: f.reason },
                    revoked_later: None,
                }
            }
            other => other?,
        };
        certificates.push(status);
    }
    Ok(RevocationStatus { certificates })
}

fn check_one(
    cert: &X509Certificate<'_>,
    issuer: &X509Certificate<'_>,
    origin: CertOrigin,
    crls: &[(&CrlEntry, CertificateRevocationList<'_>)],
    at: OffsetDateTime,
) -> Result<CertificateStatus, Finding> {
    let name = display_name(cert.subject());
    let serial = serial_hex(cert);
    let issuer_name = display_name(issuer.subject());
    let who = format!("«{name}» (serial {serial})");
    let of_issuer: Vec<_> = crls
        .iter()
        .filter(|(_, c)| c.issuer().as_raw() == cert.issuer().as_raw())
        .collect();
    if of_issuer.is_empty() {
        if origin == CertOrigin::Registry {
            return Ok(CertificateStatus {
                subject: name,
                serial,
                evidence: Evidence::PinnedIntermediate,
                revoked_later: None,
            });
        }
        return Err(Finding::new(
            SubIndication::TryLater,
            format!("no CRL of «{issuer_name}» in the registry to check {who}"),
        ));
    }
    let can_sign_crls = match issuer.key_usage() {
        Ok(Some(ku)) => ku.value.crl_sign(),
        Ok(None) => true,
        Err(_) => false,
    };
    let mut rejected = Vec::new();
    let mut valid = Vec::new();
    for (entry, crl) in of_issuer {
        let short = &entry.sha256[..16.min(entry.sha256.len())];
        if !can_sign_crls {
            rejected.push(format!(
                "CRL {short}…: «{issuer_name}» may not sign CRLs (keyUsage)"
            ));
        } else if let Err(e) = verify_crl_signed_by(crl, issuer) {
            rejected.push(format!(
                "CRL {short}…: signature invalid with «{issuer_name}»'s key: {e}"
            ));
        } else if let Some(oid) = unknown_critical_crl_extension(crl) {
            rejected.push(format!(
                "CRL {short}…: unsupported critical extension {oid}"
            ));
        } else {
            valid.push((*entry, crl));
        }
    }
    if valid.is_empty() {
        return Err(Finding::new(
            SubIndication::TryLater,
            format!(
                "no usable CRL of «{issuer_name}» in the registry to check {who}: {}",
                rejected.join("; ")
            ),
        ));
    }
    let cert_is_ca = cert
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|bc| bc.value.ca);
    let complete: Vec<_> = valid
        .iter()
        .filter(|(e, c)| !e.delta && in_scope(c, cert, cert_is_ca))
        .collect();
    let newest = complete
        .iter()
        .max_by_key(|(e, _)| e.this_update)
        .map(|(e, _)| e.sha256.clone());

    let mut revoked: Option<(Revocation, &CrlEntry)> = None;
    let mut revoked_later: Option<Revocation> = None;
    for (entry, crl) in &valid {
        for rc in crl.iter_revoked_certificates() {
            if rc.serial() != &cert.tbs_certificate.serial {
                continue;
            }
            let code = rc.reason_code().map(|(_, r)| r.0);
            if code == Some(REASON_REMOVE_FROM_CRL) {
                continue;
            }
            // A hold can be lifted: only the newest complete CRL says it still holds.
            if code == Some(REASON_CERTIFICATE_HOLD) && newest.as_deref() != Some(&entry.sha256) {
                continue;
            }
            let r = Revocation {
                date: rc.revocation_date.to_datetime(),
                reason: code.and_then(reason_name),
            };
            if r.date <= at {
                if revoked.as_ref().is_none_or(|(old, _)| r.date < old.date) {
                    revoked = Some((r, entry));
                }
            } else if revoked_later.as_ref().is_none_or(|old| r.date < old.date) {
                revoked_later = Some(r);
            }
        }
    }
    if let Some((r, entry)) = revoked {
        return Err(Finding::new(
            SubIndication::Revoked,
            format!(
                "{who} was revoked {}, reason {}, before the validation time {} (CRL of «{issuer_name}» issued {})",
                fmt_time(r.date),
                r.reason.unwrap_or("not given"),
                fmt_time(at),
                fmt_time(entry.this_update)
            ),
        ));
    }

    let not_after = cert.validity().not_after.to_datetime();
    let fresh = |e: &CrlEntry| e.next_update.map_or(e.this_update >= at, |n| n >= at);
    let speaks = |e: &CrlEntry, c: &CertificateRevocationList<'_>| {
        e.this_update <= not_after || expired_certs_on_crl(c).is_some_and(|d| d <= not_after)
    };
    let covering = complete
        .iter()
        .filter(|(e, c)| fresh(e) && speaks(e, c))
        .max_by_key(|(e, _)| e.this_update);
    if let Some((entry, _)) = covering {
        return Ok(CertificateStatus {
            subject: name,
            serial,
            evidence: Evidence::Crl {
                sha256: entry.sha256.clone(),
                this_update: entry.this_update,
                next_update: entry.next_update,
            },
            revoked_later,
        });
    }
    if complete.is_empty() {
        return Err(Finding::new(
            SubIndication::TryLater,
            format!("only delta or partial CRLs of «{issuer_name}» in the registry to check {who}"),
        ));
    }
    if let Some((entry, _)) = complete
        .iter()
        .filter(|(e, _)| fresh(e))
        .max_by_key(|(e, _)| e.this_update)
    {
        return Err(Finding::new(
            SubIndication::RevocationOutOfBounds,
            format!(
                "the CRL of «{issuer_name}» was issued {}, after {who} expired {}; a CA may drop expired certificates from its CRLs (RFC 5280 §3.3), so it cannot show the certificate was not revoked",
                fmt_time(entry.this_update),
                fmt_time(not_after)
            ),
        ));
    }
    let stale = complete
        .iter()
        .max_by_key(|(e, _)| e.this_update)
        .map(|(e, _)| e.next_update.map_or("none".to_owned(), fmt_time))
        .unwrap_or_default();
    Err(Finding::new(
        SubIndication::RevocationOutOfBounds,
        format!(
            "stale CRL: the newest CRL of «{issuer_name}» in the registry has next update {stale}, before the validation time {}; add a newer CRL",
            fmt_time(at)
        ),
    ))
}

/// Whether an issuingDistributionPoint (if any) lets the CRL speak for `cert` completely.
fn in_scope(crl: &CertificateRevocationList<'_>, cert: &X509Certificate<'_>, is_ca: bool) -> bool {
    for ext in crl.extensions() {
        if ext.oid.to_id_string() != ISSUING_DISTRIBUTION_POINT {
            continue;
        }
        let ParsedExtension::IssuingDistributionPoint(idp) = ext.parsed_extension() else {
            return false;
        };
        if (idp.only_contains_user_certs && is_ca)
            || (idp.only_contains_ca_certs && !is_ca)
            || idp.only_some_reasons.is_some()
            || idp.indirect_crl
            || idp.only_contains_attribute_certs
        {
            return false;
        }
        // A partitioned CRL covers only certificates that point at its partition.
        if let Some(dp) = &idp.distribution_point {
            let listed = cert.iter_extensions().any(|e| match e.parsed_extension() {
                ParsedExtension::CRLDistributionPoints(points) => points
                    .points
                    .iter()
                    .any(|p| p.distribution_point.as_ref() == Some(dp)),
                _ => false,
            });
            if !listed {
                return false;
            }
        }
    }
    true
}

fn unknown_critical_crl_extension(crl: &CertificateRevocationList<'_>) -> Option<String> {
    crl.extensions()
        .iter()
        .map(|e| (e.critical, e.oid.to_id_string()))
        .find(|(critical, oid)| {
            *critical && oid != DELTA_CRL_INDICATOR && oid != ISSUING_DISTRIBUTION_POINT
        })
        .map(|(_, oid)| oid)
}

/// The expiredCertsOnCRL date (X.509 §9.6.2.10): the CRL keeps expired certificates
/// revoked since then. Only the usual `YYYYMMDDHHMMSSZ` form is read; others count as absent.
fn expired_certs_on_crl(crl: &CertificateRevocationList<'_>) -> Option<OffsetDateTime> {
    let ext = crl
        .extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == EXPIRED_CERTS_ON_CRL)?;
    let text = match ext.value {
        [0x18, 15, rest @ ..] if rest.len() == 15 => std::str::from_utf8(rest).ok()?,
        _ => return None,
    };
    let digits = text.strip_suffix('Z')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits.get(r)?.parse::<u16>().ok();
    let date = ::time::Date::from_calendar_date(
        i32::from(n(0..4)?),
        ::time::Month::try_from(u8::try_from(n(4..6)?).ok()?).ok()?,
        u8::try_from(n(6..8)?).ok()?,
    )
    .ok()?;
    let t = ::time::Time::from_hms(
        u8::try_from(n(8..10)?).ok()?,
        u8::try_from(n(10..12)?).ok()?,
        u8::try_from(n(12..14)?).ok()?,
    )
    .ok()?;
    Some(date.with_time(t).assume_utc())
}

fn reason_name(code: u8) -> Option<&'static str> {
    Some(match code {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------
// Check 6: key usage.

/// The signer certificate may sign documents.
///
/// Rule: keyUsage must be present and contain digitalSignature or nonRepudiation. An NCA
/// authentication ("AUTH") certificate is refused even though it has digitalSignature: that
/// is keyUsage with keyEncipherment but without nonRepudiation, or an extendedKeyUsage with
/// clientAuth but none of emailProtection (the NCA signing purpose), documentSigning
/// (RFC 9336) or anyExtendedKeyUsage. So NCA `individual_sign.cer` (digitalSignature +
/// nonRepudiation, emailProtection) passes; `legal_auth.cer` (digitalSignature +
/// keyEncipherment, clientAuth) fails with SIG_CONSTRAINTS_FAILURE.
pub fn check_key_usage(leaf: &[u8]) -> Result<(), Finding> {
    let fail = |reason: String| Finding::new(SubIndication::SigConstraintsFailure, reason);
    let cert = parse_certificate(leaf).map_err(|e| {
        Finding::new(
            SubIndication::FormatFailure,
            format!("signer certificate: {e}"),
        )
    })?;
    let name = display_name(cert.subject());
    let ku = match cert.key_usage() {
        Ok(Some(ku)) => *ku.value,
        Ok(None) => {
            return Err(fail(format!("signer certificate «{name}» has no keyUsage")));
        }
        Err(e) => return Err(fail(format!("signer certificate «{name}»: keyUsage: {e}"))),
    };
    if !ku.digital_signature() && !ku.non_repudiation() {
        return Err(fail(format!(
            "signer certificate «{name}»: keyUsage has neither digitalSignature nor nonRepudiation"
        )));
    }
    if ku.key_encipherment() && !ku.non_repudiation() {
        return Err(fail(format!(
            "signer certificate «{name}» is an authentication certificate (keyUsage keyEncipherment without nonRepudiation); it cannot sign documents"
        )));
    }
    let eku: Vec<String> = match cert.extended_key_usage() {
        Ok(Some(eku)) => {
            let e = &eku.value;
            let mut oids: Vec<String> = e.other.iter().map(|o| o.to_id_string()).collect();
            for (set, oid) in [
                (e.any, EKU_ANY),
                (e.client_auth, EKU_CLIENT_AUTH),
                (e.email_protection, EKU_EMAIL_PROTECTION),
            ] {
                if set {
                    oids.push(oid.to_owned());
                }
            }
            oids
        }
        Ok(None) => Vec::new(),
        Err(e) => {
            return Err(fail(format!(
                "signer certificate «{name}»: extendedKeyUsage: {e}"
            )));
        }
    };
    let has = |oid: &str| eku.iter().any(|o| o == oid);
    if has(EKU_CLIENT_AUTH)
        && !has(EKU_EMAIL_PROTECTION)
        && !has(EKU_DOCUMENT_SIGNING)
        && !has(EKU_ANY)
    {
        return Err(fail(format!(
            "signer certificate «{name}» is an authentication certificate (extendedKeyUsage clientAuth, no signing purpose); it cannot sign documents"
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Check 7: authorization.

/// Finds the registry authorization that lets `leaf`'s holder sign at `at`: matched by
/// certificate fingerprint, or by IIN + BIN + an NCA role OID of the certificate; valid at
/// `at` and not revoked by then; covering `kind` and issued for organisation `issuer_bin`.
/// `kind` / `issuer_bin` `None` (a plain CMS) skip those two conditions.
pub fn check_authorization(
    leaf: &[u8],
    registry: &Registry,
    kind: Option<&str>,
    issuer_bin: Option<&str>,
    at: OffsetDateTime,
) -> Result<AuthorizationMatch, Finding> {
    let fail = |reason: String| Finding::new(SubIndication::SigConstraintsFailure, reason);
    let subject = crate::pki::subject::parse(leaf).map_err(|e| {
        Finding::new(
            SubIndication::FormatFailure,
            format!("signer certificate: {e}"),
        )
    })?;
    let fingerprint = crate::hex_sha256(leaf);
    let matching: Vec<_> = registry
        .authorizations()
        .iter()
        .filter(|a| match &a.signer {
            SignerMatch::Certificate { sha256 } => *sha256 == fingerprint,
            SignerMatch::Person { iin, bin, role } => {
                subject.iin.as_ref() == Some(iin)
                    && subject.bin.as_ref() == Some(bin)
                    && subject.roles.contains(role)
            }
        })
        .collect();
    if matching.is_empty() {
        return Err(fail(format!(
            "no authorization in the registry for «{}» (certificate SHA-256 {fingerprint}, IIN {}, BIN {}, roles {})",
            subject.common_name,
            subject.iin.as_deref().unwrap_or("none"),
            subject.bin.as_deref().unwrap_or("none"),
            if subject.roles.is_empty() {
                "none".to_owned()
            } else {
                subject.roles.join(", ")
            }
        )));
    }
    let mut reasons = Vec::new();
    for a in matching {
        if let Err(why) = a.check_time(at) {
            reasons.push(format!("{why} (validation time {})", fmt_time(at)));
            continue;
        }
        if let Some(kind) = kind
            && !a.allows_kind(kind)
        {
            reasons.push(format!(
                "authorization `{}` covers {}, not {kind}",
                a.id,
                a.kinds.join(", ")
            ));
            continue;
        }
        if let Some(bin) = issuer_bin
            && bin != a.organisation_bin
        {
            reasons.push(format!(
                "authorization `{}` is for organisation BIN {}, the document is issued by BIN {bin}",
                a.id, a.organisation_bin
            ));
            continue;
        }
        return Ok(AuthorizationMatch {
            id: a.id.clone(),
            position_kk: a.position_kk.clone(),
            position_ru: a.position_ru.clone(),
            organisation_bin: a.organisation_bin.clone(),
        });
    }
    Err(fail(format!(
        "«{}» is not authorized: {}",
        subject.common_name,
        reasons.join("; ")
    )))
}

#[cfg(test)]
#[path = "path_tests.rs"]
mod tests;
