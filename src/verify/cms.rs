//! CMS SignedData (RFC 5652) as a verifier reads it: check 1 (the CMS part of format) and
//! check 2 (integrity: messageDigest and the signature over the signed attributes).
//!
//! The reader is strict DER with one-octet tags and lengths up to four octets, schema
//! driven (no generic recursion, so no nesting can exhaust the stack), and every malformed
//! byte is a `FORMAT_FAILURE` naming its offset in the CMS. BER is not accepted anywhere:
//! both NCANode's output (the NCA fixture) and pyHanko's (asn1crypto writes DER) are DER, so
//! indefinite lengths only ever come from a broken or hostile signer. The one DER rule not
//! enforced is the order of SET OF elements (signed attributes, certificates): the
//! signature covers the attributes exactly as sent, so their order cannot be abused, and
//! some signers do not sort.
//!
//! Sub-indications:
//! - structure, missing or duplicated attributes, a PAdES profile violation → TOTAL_FAILED
//!   `FORMAT_FAILURE`;
//! - no certificate in the CMS matches the signer identifier → INDETERMINATE
//!   `NO_SIGNER_CERTIFICATE_FOUND`;
//! - SHA-1, GOST, RSA-PSS, small RSA keys, unsupported curves → INDETERMINATE
//!   `CRYPTO_CONSTRAINTS_FAILURE` naming the algorithm (GOST will come in through a
//!   provider without changing these functions' signatures);
//! - messageDigest ≠ hash of the data → TOTAL_FAILED `HASH_FAILURE`;
//! - the signature does not verify with the signer certificate's key, or the ESS
//!   signing-certificate attribute (v2, or v1) names another certificate than the one that
//!   verifies → TOTAL_FAILED `SIG_CRYPTO_FAILURE`. The ESS attribute is covered by the
//!   signature, so a mismatch means the signed statement "I signed with certificate X" is
//!   false for the certificate presented (certificate substitution): a failure of the
//!   signature's cryptographic binding, not of the encoding. A *malformed* ESS attribute is
//!   a `FORMAT_FAILURE`; a *missing* one is a `FORMAT_FAILURE` only under the PAdES profile
//!   ([`check_pades_profile`]).

use ring::digest::{self, Context};
use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use super::{Finding, SubIndication};
use crate::cms::{
    OID_CONTENT_TYPE, OID_DATA, OID_MESSAGE_DIGEST, OID_SHA256, OID_SIGNED_DATA,
    OID_SIGNING_CERTIFICATE_V2, OID_SIGNING_TIME,
};

#[cfg(test)]
#[path = "cms_tests.rs"]
pub(crate) mod tests;

/// Largest CMS accepted (an attached CMS carries its content).
pub const MAX_CMS_SIZE: usize = 16 * 1024 * 1024;
/// Most certificates (and, separately, CRLs) read from one SignedData.
pub const MAX_CERTIFICATES: usize = 256;
/// Most signed or unsigned attributes read.
pub const MAX_ATTRIBUTES: usize = 64;
/// Most values of one attribute.
const MAX_ATTRIBUTE_VALUES: usize = 64;
/// Most ESSCertID(v2) entries in a signing-certificate attribute.
const MAX_ESS_CERTS: usize = 64;

/// id-aa-signingCertificate (ESS v1, SHA-1 certificate hash).
pub const OID_SIGNING_CERTIFICATE: &str = "1.2.840.113549.1.9.16.2.12";
/// id-ct-TSTInfo (the content of an RFC 3161 time-stamp token).
pub const OID_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
const OID_SHA1: &str = "1.3.14.3.2.26";
const OID_SHA384: &str = "2.16.840.1.101.3.4.2.2";
const OID_SHA512: &str = "2.16.840.1.101.3.4.2.3";
const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const OID_SHA1_WITH_RSA: &str = "1.2.840.113549.1.1.5";
const OID_RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
const OID_SHA384_WITH_RSA: &str = "1.2.840.113549.1.1.12";
const OID_SHA512_WITH_RSA: &str = "1.2.840.113549.1.1.13";
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_ECDSA_WITH_SHA1: &str = "1.2.840.10045.4.1";
const OID_ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
const OID_ECDSA_WITH_SHA384: &str = "1.2.840.10045.4.3.3";
const OID_ECDSA_WITH_SHA512: &str = "1.2.840.10045.4.3.4";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_SUBJECT_KEY_IDENTIFIER: &str = "2.5.29.14";

// DER tags used by the reader.
const BOOLEAN: u8 = 0x01;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const NULL: u8 = 0x05;
const OID: u8 = 0x06;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const CTX0_CONSTRUCTED: u8 = 0xa0;
const CTX1_CONSTRUCTED: u8 = 0xa1;
const CTX3_CONSTRUCTED: u8 = 0xa3;
const CTX4_CONSTRUCTED: u8 = 0xa4;
const CTX0_PRIMITIVE: u8 = 0x80;

/// A digest algorithm named by the CMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestAlgorithm {
    Sha256,
    Sha384,
    Sha512,
    /// Recognised, computed, but refused (CRYPTO_CONSTRAINTS_FAILURE).
    Sha1,
    /// Anything else (GOST, SHA-224, …), by OID.
    Other(String),
}

impl DigestAlgorithm {
    fn from_oid(oid: &str) -> Self {
        match oid {
            OID_SHA256 => DigestAlgorithm::Sha256,
            OID_SHA384 => DigestAlgorithm::Sha384,
            OID_SHA512 => DigestAlgorithm::Sha512,
            OID_SHA1 => DigestAlgorithm::Sha1,
            other => DigestAlgorithm::Other(other.to_owned()),
        }
    }

    /// The ring algorithm, or why it cannot be used.
    fn ring(&self) -> Result<&'static digest::Algorithm, Finding> {
        match self {
            DigestAlgorithm::Sha256 => Ok(&digest::SHA256),
            DigestAlgorithm::Sha384 => Ok(&digest::SHA384),
            DigestAlgorithm::Sha512 => Ok(&digest::SHA512),
            DigestAlgorithm::Sha1 => Ok(&digest::SHA1_FOR_LEGACY_USE_ONLY),
            DigestAlgorithm::Other(oid) => Err(unsupported_algorithm("digest", oid)),
        }
    }

    /// A short name for reports.
    pub fn name(&self) -> String {
        match self {
            DigestAlgorithm::Sha256 => "SHA-256".into(),
            DigestAlgorithm::Sha384 => "SHA-384".into(),
            DigestAlgorithm::Sha512 => "SHA-512".into(),
            DigestAlgorithm::Sha1 => "SHA-1".into(),
            DigestAlgorithm::Other(oid) => oid.clone(),
        }
    }
}

/// The signature algorithm of the SignerInfo, with the hash it signs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 (`shaNNNWithRSAEncryption`, or `rsaEncryption` with the hash taken
    /// from the SignerInfo's digestAlgorithm, as many tools write it).
    RsaPkcs1(DigestAlgorithm),
    /// ECDSA (`ecdsa-with-SHAnnn`, or `id-ecPublicKey` with the digestAlgorithm's hash).
    Ecdsa(DigestAlgorithm),
    /// Anything else (GOST, RSA-PSS, …), by OID.
    Other(String),
}

/// How the SignerInfo names its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerId {
    /// Issuer `Name` (complete DER) and serial number (INTEGER content octets).
    IssuerAndSerial { issuer: Vec<u8>, serial: Vec<u8> },
    /// The subjectKeyIdentifier.
    SubjectKeyId(Vec<u8>),
}

/// The first entry of an ESS signing-certificate attribute (RFC 2634 / RFC 5035): the
/// certificate the signer says it signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EssCertId {
    /// 1 for signingCertificate (SHA-1), 2 for signingCertificateV2.
    pub version: u8,
    pub hash_algorithm: DigestAlgorithm,
    pub cert_hash: Vec<u8>,
    /// Issuer `Name` DER of every directoryName in the GeneralNames, and the serial
    /// (INTEGER content octets), when issuerSerial is present.
    pub issuer_serial: Option<(Vec<Vec<u8>>, Vec<u8>)>,
}

/// One attribute as read: type and the DER of each value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub oid: String,
    pub values: Vec<Vec<u8>>,
}

/// A SignedData with exactly one SignerInfo, its signer certificate found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCms {
    /// The certificate the SignerInfo identifies (DER).
    pub signer_certificate: Vec<u8>,
    /// Every certificate of the SignedData, signer's included (DER, in order).
    pub certificates: Vec<Vec<u8>>,
    /// CRLs (RevocationInfoChoice DER) carried in the SignedData.
    pub crls: Vec<Vec<u8>>,
    /// The signingTime attribute, if present.
    pub signing_time: Option<OffsetDateTime>,
    /// The encapsulated content (attached CMS); `None` when detached.
    pub content: Option<Vec<u8>>,
    /// eContentType (equal to the contentType attribute), dotted.
    pub content_type: String,
    /// The messageDigest attribute.
    pub message_digest: Vec<u8>,
    /// The SignerInfo's digestAlgorithm (for messageDigest).
    pub digest_algorithm: DigestAlgorithm,
    /// The SignerInfo's signatureAlgorithm.
    pub signature_algorithm: SignatureAlgorithm,
    /// The signatureAlgorithm OID as written.
    pub signature_algorithm_oid: String,
    pub signer_id: SignerId,
    /// The signed attributes as the signature covers them: DER `SET OF` (tag 0x31).
    pub signed_attributes: Vec<u8>,
    /// The signature value.
    pub signature: Vec<u8>,
    /// ESS signingCertificateV2, else signingCertificate, if present.
    pub signing_certificate: Option<EssCertId>,
    /// Unsigned attributes (e.g. signature time-stamps), as read.
    pub unsigned_attributes: Vec<Attribute>,
}

fn format_failure(reason: impl Into<String>) -> Finding {
    Finding::new(SubIndication::FormatFailure, reason)
}

fn crypto_constraints(reason: impl Into<String>) -> Finding {
    Finding::new(SubIndication::CryptoConstraintsFailure, reason)
}

fn sig_crypto(reason: impl Into<String>) -> Finding {
    Finding::new(SubIndication::SigCryptoFailure, reason)
}

/// CRYPTO_CONSTRAINTS_FAILURE for an algorithm qujat does not accept, naming the OID.
fn unsupported_algorithm(role: &str, oid: &str) -> Finding {
    let family = if oid.starts_with("1.2.643.") || oid.starts_with("1.2.398.3.10.") {
        "GOST "
    } else if oid == OID_RSASSA_PSS {
        "RSASSA-PSS "
    } else {
        ""
    };
    crypto_constraints(format!(
        "{family}{role} algorithm {oid} is not supported by this verifier"
    ))
}

// ------------------------------------------------------------------ DER reader

/// A malformed encoding at an offset of the CMS.
struct Bad {
    offset: usize,
    what: String,
}

impl Bad {
    fn finding(self) -> Finding {
        format_failure(format!(
            "malformed CMS at byte {}: {}",
            self.offset, self.what
        ))
    }
}

fn bad(offset: usize, what: impl Into<String>) -> Bad {
    Bad {
        offset,
        what: what.into(),
    }
}

/// One tag-length-value.
#[derive(Clone, Copy)]
struct Tlv<'a> {
    tag: u8,
    /// Offset of the tag in the whole input.
    offset: usize,
    /// Tag, length and content.
    raw: &'a [u8],
    content: &'a [u8],
    /// Offset of the content in the whole input.
    content_offset: usize,
}

impl<'a> Tlv<'a> {
    /// A reader over the content (for constructed values).
    fn reader(&self) -> Der<'a> {
        Der {
            data: self.content,
            pos: 0,
            base: self.content_offset,
        }
    }
}

/// A cursor over consecutive DER values.
#[derive(Clone)]
struct Der<'a> {
    data: &'a [u8],
    pos: usize,
    /// Offset of `data[0]` in the whole input, for messages.
    base: usize,
}

impl<'a> Der<'a> {
    fn new(data: &'a [u8], base: usize) -> Self {
        Der { data, pos: 0, base }
    }

    fn offset(&self) -> usize {
        self.base.saturating_add(self.pos)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Reads the next value: one-octet tag, minimal definite length, content in bounds.
    fn read(&mut self) -> Result<Tlv<'a>, Bad> {
        let start = self.pos;
        let at = self.offset();
        let tag = self
            .peek_tag()
            .ok_or_else(|| bad(at, "unexpected end of data"))?;
        if tag & 0x1f == 0x1f {
            return Err(bad(at, "high tag number form is not used in CMS"));
        }
        let first = *self
            .data
            .get(start + 1)
            .ok_or_else(|| bad(at, "truncated length"))?;
        let (len, header) = match first {
            0..=0x7f => (usize::from(first), 2),
            0x80 => return Err(bad(at, "indefinite length (BER) where DER is required")),
            0x81..=0x84 => {
                let n = usize::from(first & 0x7f);
                let octets = self
                    .data
                    .get(start + 2..start + 2 + n)
                    .ok_or_else(|| bad(at, "truncated length"))?;
                if octets.first() == Some(&0) {
                    return Err(bad(at, "length with a leading zero octet (not DER)"));
                }
                let len = octets
                    .iter()
                    .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
                if len < 0x80 {
                    return Err(bad(at, "long-form length for a short value (not DER)"));
                }
                (len, 2 + n)
            }
            _ => return Err(bad(at, "length too large")),
        };
        let content_start = start + header;
        let end = content_start
            .checked_add(len)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| bad(at, format!("value of {len} bytes runs past its container")))?;
        self.pos = end;
        Ok(Tlv {
            tag,
            offset: at,
            raw: self.data.get(start..end).unwrap_or_default(),
            content: self.data.get(content_start..end).unwrap_or_default(),
            content_offset: self.base.saturating_add(content_start),
        })
    }

    /// Reads the next value, which must have tag `tag`.
    fn expect(&mut self, tag: u8, what: &str) -> Result<Tlv<'a>, Bad> {
        let at = self.offset();
        match self.peek_tag() {
            Some(t) if t == tag => self.read(),
            Some(t) => Err(bad(
                at,
                format!("expected {what} (tag 0x{tag:02x}), found tag 0x{t:02x}"),
            )),
            None => Err(bad(at, format!("expected {what}, found the end"))),
        }
    }

    /// Reads the next value if it has tag `tag`.
    fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, Bad> {
        if self.peek_tag() == Some(tag) {
            self.read().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Fails unless every value has been read.
    fn end(&self, what: &str) -> Result<(), Bad> {
        if self.at_end() {
            Ok(())
        } else {
            Err(bad(self.offset(), format!("unexpected data after {what}")))
        }
    }
}

/// Dotted form of an OBJECT IDENTIFIER, checking minimal base-128 arcs.
fn oid_string(tlv: &Tlv<'_>) -> Result<String, Bad> {
    if tlv.tag != OID {
        return Err(bad(tlv.offset, "expected an OBJECT IDENTIFIER"));
    }
    let content = tlv.content;
    if content.is_empty() || content.last().is_some_and(|b| b & 0x80 != 0) {
        return Err(bad(tlv.offset, "malformed OBJECT IDENTIFIER"));
    }
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    let mut fresh = true;
    for &b in content {
        if fresh && b == 0x80 {
            return Err(bad(tlv.offset, "non-minimal OBJECT IDENTIFIER arc"));
        }
        if value > (u64::MAX >> 7) {
            return Err(bad(tlv.offset, "OBJECT IDENTIFIER arc too large"));
        }
        value = (value << 7) | u64::from(b & 0x7f);
        fresh = b & 0x80 == 0;
        if fresh {
            arcs.push(value);
            value = 0;
        }
    }
    let mut out = String::new();
    for (i, arc) in arcs.iter().enumerate() {
        if i == 0 {
            let (a, b) = match *arc {
                v if v < 40 => (0, v),
                v if v < 80 => (1, v - 40),
                v => (2, v - 80),
            };
            out.push_str(&format!("{a}.{b}"));
        } else {
            out.push_str(&format!(".{arc}"));
        }
    }
    Ok(out)
}

/// Checks an INTEGER is minimally encoded; returns its content octets.
fn integer<'a>(tlv: &Tlv<'a>) -> Result<&'a [u8], Bad> {
    if tlv.tag != INTEGER {
        return Err(bad(tlv.offset, "expected an INTEGER"));
    }
    match tlv.content {
        [] => Err(bad(tlv.offset, "empty INTEGER")),
        [0x00, next, ..] if next & 0x80 == 0 => Err(bad(tlv.offset, "non-minimal INTEGER")),
        [0xff, next, ..] if next & 0x80 != 0 => Err(bad(tlv.offset, "non-minimal INTEGER")),
        content => Ok(content),
    }
}

/// A small non-negative INTEGER (a version).
fn small_int(tlv: &Tlv<'_>) -> Result<u64, Bad> {
    let content = integer(tlv)?;
    if content.len() > 4 || content.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(bad(tlv.offset, "version out of range"));
    }
    Ok(content
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// `AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }`; the
/// parameters are returned when present.
fn algorithm<'a>(tlv: &Tlv<'a>) -> Result<(String, Option<Tlv<'a>>), Bad> {
    if tlv.tag != SEQUENCE {
        return Err(bad(tlv.offset, "expected an AlgorithmIdentifier"));
    }
    let mut r = tlv.reader();
    let oid = oid_string(&r.expect(OID, "algorithm OID")?)?;
    let params = if r.at_end() { None } else { Some(r.read()?) };
    r.end("AlgorithmIdentifier")?;
    Ok((oid, params))
}

/// An AlgorithmIdentifier whose parameters must be absent or NULL (hashes, RSA, ECDSA).
fn plain_algorithm(tlv: &Tlv<'_>) -> Result<String, Bad> {
    let (oid, params) = algorithm(tlv)?;
    match params {
        None => Ok(oid),
        Some(p) if p.tag == NULL && p.content.is_empty() => Ok(oid),
        // RSASSA-PSS and GOST carry parameters; they are refused later by OID.
        Some(_) if oid == OID_RSASSA_PSS || is_gost(&oid) => Ok(oid),
        Some(p) => Err(bad(
            p.offset,
            format!("unexpected parameters for algorithm {oid}"),
        )),
    }
}

fn is_gost(oid: &str) -> bool {
    oid.starts_with("1.2.643.") || oid.starts_with("1.2.398.3.10.")
}

/// Two decimal digits.
fn two_digits(b: &[u8], at: usize) -> Option<u8> {
    let hi = *b.get(at)?;
    let lo = *b.get(at + 1)?;
    (hi.is_ascii_digit() && lo.is_ascii_digit()).then(|| (hi - b'0') * 10 + (lo - b'0'))
}

/// UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime `YYYYMMDDHHMMSS[.f]Z` (the DER forms).
fn der_time(tlv: &Tlv<'_>) -> Result<OffsetDateTime, Bad> {
    let text = tlv.content;
    let invalid = || bad(tlv.offset, "malformed time (DER needs seconds and Z)");
    let (year, rest) = match tlv.tag {
        UTC_TIME => {
            if text.len() != 13 {
                return Err(invalid());
            }
            let yy = i32::from(two_digits(text, 0).ok_or_else(invalid)?);
            let rest = text.get(2..).ok_or_else(invalid)?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, rest)
        }
        GENERALIZED_TIME => {
            if text.len() < 15 {
                return Err(invalid());
            }
            let hi = i32::from(two_digits(text, 0).ok_or_else(invalid)?);
            let lo = i32::from(two_digits(text, 2).ok_or_else(invalid)?);
            (hi * 100 + lo, text.get(4..).ok_or_else(invalid)?)
        }
        _ => return Err(bad(tlv.offset, "expected UTCTime or GeneralizedTime")),
    };
    let field = |i: usize| two_digits(rest, i).ok_or_else(invalid);
    let (month, day, hour, minute, second) =
        (field(0)?, field(2)?, field(4)?, field(6)?, field(8)?);
    let tail = rest.get(10..).ok_or_else(invalid)?;
    let (nanos, tail) = match tail.split_first() {
        Some((b'.', frac)) if tlv.tag == GENERALIZED_TIME => {
            let digits = frac.iter().take_while(|b| b.is_ascii_digit()).count();
            let (d, tail) = frac.split_at(digits);
            // DER: at least one digit, no trailing zero.
            if d.is_empty() || d.last() == Some(&b'0') || d.len() > 9 {
                return Err(invalid());
            }
            let mut n: u32 = 0;
            for i in 0..9 {
                n = n * 10 + d.get(i).map_or(0, |b| u32::from(b - b'0'));
            }
            (n, tail)
        }
        _ => (0, tail),
    };
    if tail != b"Z" {
        return Err(invalid());
    }
    let month = Month::try_from(month).map_err(|_| invalid())?;
    let date = Date::from_calendar_date(year, month, day).map_err(|_| invalid())?;
    let time = Time::from_hms_nano(hour, minute, second, nanos).map_err(|_| invalid())?;
    Ok(PrimitiveDateTime::new(date, time).assume_utc())
}

// ------------------------------------------------------------------ certificates

/// The parts of a certificate that identify it and its key.
struct CertInfo<'a> {
    /// Issuer `Name`, complete DER.
    issuer: &'a [u8],
    /// Serial number INTEGER content octets.
    serial: &'a [u8],
    /// SubjectPublicKeyInfo, complete DER.
    spki: Tlv<'a>,
    /// subjectKeyIdentifier, if the extension is present.
    ski: Option<&'a [u8]>,
}

/// Reads the identifying fields of an X.509 certificate (strict DER); the chain check
/// reads the rest.
fn cert_info<'a>(cert: &Tlv<'a>) -> Result<CertInfo<'a>, Bad> {
    if cert.tag != SEQUENCE {
        return Err(bad(cert.offset, "certificate is not a SEQUENCE"));
    }
    let mut c = cert.reader();
    let tbs = c.expect(SEQUENCE, "tbsCertificate")?;
    c.expect(SEQUENCE, "certificate signatureAlgorithm")?;
    c.expect(BIT_STRING, "certificate signature")?;
    c.end("certificate")?;
    let mut t = tbs.reader();
    t.optional(CTX0_CONSTRUCTED)?;
    let serial = integer(&t.expect(INTEGER, "serialNumber")?)?;
    t.expect(SEQUENCE, "tbs signature algorithm")?;
    let issuer = t.expect(SEQUENCE, "issuer")?.raw;
    t.expect(SEQUENCE, "validity")?;
    t.expect(SEQUENCE, "subject")?;
    let spki = t.expect(SEQUENCE, "subjectPublicKeyInfo")?;
    t.optional(0x81)?;
    t.optional(0x82)?;
    let mut ski = None;
    if let Some(exts) = t.optional(CTX3_CONSTRUCTED)? {
        let mut seq = exts.reader().expect(SEQUENCE, "extensions")?.reader();
        while !seq.at_end() {
            let ext = seq.expect(SEQUENCE, "extension")?;
            let mut e = ext.reader();
            let oid = oid_string(&e.expect(OID, "extension OID")?)?;
            e.optional(BOOLEAN)?;
            let value = e.expect(OCTET_STRING, "extnValue")?;
            e.end("extension")?;
            if oid == OID_SUBJECT_KEY_IDENTIFIER {
                let mut v = value.reader();
                let id = v.expect(OCTET_STRING, "subjectKeyIdentifier")?;
                v.end("subjectKeyIdentifier")?;
                ski = Some(id.content);
            }
        }
    }
    t.end("tbsCertificate")?;
    Ok(CertInfo {
        issuer,
        serial,
        spki,
        ski,
    })
}

// ------------------------------------------------------------------ parse

/// Parses a ContentInfo holding SignedData with exactly one SignerInfo whose signed
/// attributes carry exactly one contentType and one messageDigest, and finds the signer
/// certificate among the embedded ones. The input must be exactly one DER value.
pub fn parse(der: &[u8]) -> Result<ParsedCms, Finding> {
    if der.len() > MAX_CMS_SIZE {
        return Err(format_failure(format!(
            "CMS is {} bytes, more than the {MAX_CMS_SIZE} accepted",
            der.len()
        )));
    }
    parse_content_info(der).map_err(|e| match e {
        Failure::Bad(b) => b.finding(),
        Failure::Finding(f) => f,
    })
}

/// A parse failure: malformed bytes, or a well-formed CMS that fails a rule.
enum Failure {
    Bad(Bad),
    Finding(Finding),
}

impl From<Bad> for Failure {
    fn from(b: Bad) -> Self {
        Failure::Bad(b)
    }
}

impl From<Finding> for Failure {
    fn from(f: Finding) -> Self {
        Failure::Finding(f)
    }
}

fn parse_content_info(der: &[u8]) -> Result<ParsedCms, Failure> {
    let mut top = Der::new(der, 0);
    let content_info = top.expect(SEQUENCE, "ContentInfo")?;
    top.end("ContentInfo")?;
    let mut ci = content_info.reader();
    let content_type = ci.expect(OID, "contentType")?;
    if oid_string(&content_type)? != OID_SIGNED_DATA {
        return Err(format_failure(format!(
            "CMS content type is {}, not SignedData",
            oid_string(&content_type)?
        ))
        .into());
    }
    let explicit = ci.expect(CTX0_CONSTRUCTED, "[0] content")?;
    ci.end("ContentInfo")?;
    let mut wrapper = explicit.reader();
    let signed_data = wrapper.expect(SEQUENCE, "SignedData")?;
    wrapper.end("[0] content")?;

    let mut sd = signed_data.reader();
    let version_tlv = sd.expect(INTEGER, "SignedData version")?;
    if !matches!(small_int(&version_tlv)?, 1 | 3 | 4 | 5) {
        return Err(bad(version_tlv.offset, "SignedData version is not 1, 3, 4 or 5").into());
    }
    let digest_algorithms = sd.expect(SET, "digestAlgorithms")?;
    let mut da = digest_algorithms.reader();
    let mut count = 0;
    while !da.at_end() {
        count += 1;
        if count > MAX_ATTRIBUTES {
            return Err(bad(da.offset(), "too many digest algorithms").into());
        }
        algorithm(&da.expect(SEQUENCE, "digest AlgorithmIdentifier")?)?;
    }

    // EncapsulatedContentInfo ::= SEQUENCE { eContentType, eContent [0] EXPLICIT OCTET STRING OPTIONAL }
    let encap = sd.expect(SEQUENCE, "encapContentInfo")?;
    let mut ec = encap.reader();
    let econtent_type = oid_string(&ec.expect(OID, "eContentType")?)?;
    let content = match ec.optional(CTX0_CONSTRUCTED)? {
        None => None,
        Some(wrapped) => {
            let mut w = wrapped.reader();
            let octets = w.expect(OCTET_STRING, "eContent OCTET STRING (primitive, DER)")?;
            w.end("eContent")?;
            Some(octets.content.to_vec())
        }
    };
    ec.end("encapContentInfo")?;

    let mut certificates: Vec<Tlv<'_>> = Vec::new();
    if let Some(set) = sd.optional(CTX0_CONSTRUCTED)? {
        let mut r = set.reader();
        while !r.at_end() {
            let cert = r.read()?;
            // Other CertificateChoices (attribute certificates, …) are not used here.
            if cert.tag == SEQUENCE {
                if certificates.len() >= MAX_CERTIFICATES {
                    return Err(bad(cert.offset, "too many certificates").into());
                }
                certificates.push(cert);
            }
        }
    }
    let mut crls = Vec::new();
    if let Some(set) = sd.optional(CTX1_CONSTRUCTED)? {
        let mut r = set.reader();
        while !r.at_end() {
            let crl = r.read()?;
            if crls.len() >= MAX_CERTIFICATES {
                return Err(bad(crl.offset, "too many CRLs").into());
            }
            crls.push(crl.raw.to_vec());
        }
    }
    let signer_infos = sd.expect(SET, "signerInfos")?;
    sd.end("SignedData")?;

    let mut si_reader = signer_infos.reader();
    if si_reader.at_end() {
        return Err(format_failure("SignedData has no SignerInfo").into());
    }
    let signer_info = si_reader.expect(SEQUENCE, "SignerInfo")?;
    if !si_reader.at_end() {
        return Err(format_failure(format!(
            "SignedData has more than one SignerInfo (the second at byte {})",
            si_reader.offset()
        ))
        .into());
    }
    let info = parse_signer_info(&signer_info)?;

    if info.content_type != econtent_type {
        return Err(format_failure(format!(
            "contentType attribute {} differs from eContentType {econtent_type}",
            info.content_type
        ))
        .into());
    }

    // Find the signer certificate.
    let mut signer: Option<&[u8]> = None;
    for cert in &certificates {
        let ci = cert_info(cert)?;
        let matches = match &info.signer_id {
            SignerId::IssuerAndSerial { issuer, serial } => {
                ci.issuer == issuer.as_slice() && ci.serial == serial.as_slice()
            }
            SignerId::SubjectKeyId(id) => ci.ski == Some(id.as_slice()),
        };
        if matches {
            match signer {
                Some(found) if found != cert.raw => {
                    return Err(format_failure(
                        "two different certificates match the signer identifier",
                    )
                    .into());
                }
                _ => signer = Some(cert.raw),
            }
        }
    }
    let Some(signer_certificate) = signer else {
        return Err(Finding::new(
            SubIndication::NoSignerCertificateFound,
            "no certificate in the CMS matches the SignerInfo's signer identifier",
        )
        .into());
    };

    Ok(ParsedCms {
        signer_certificate: signer_certificate.to_vec(),
        certificates: certificates.iter().map(|c| c.raw.to_vec()).collect(),
        crls,
        signing_time: info.signing_time,
        content,
        content_type: econtent_type,
        message_digest: info.message_digest,
        digest_algorithm: info.digest_algorithm,
        signature_algorithm: info.signature_algorithm,
        signature_algorithm_oid: info.signature_algorithm_oid,
        signer_id: info.signer_id,
        signed_attributes: info.signed_attributes,
        signature: info.signature,
        signing_certificate: info.signing_certificate,
        unsigned_attributes: info.unsigned_attributes,
    })
}

struct SignerInfoParts {
    signer_id: SignerId,
    digest_algorithm: DigestAlgorithm,
    signature_algorithm: SignatureAlgorithm,
    signature_algorithm_oid: String,
    signed_attributes: Vec<u8>,
    signature: Vec<u8>,
    content_type: String,
    message_digest: Vec<u8>,
    signing_time: Option<OffsetDateTime>,
    signing_certificate: Option<EssCertId>,
    unsigned_attributes: Vec<Attribute>,
}

fn parse_signer_info(tlv: &Tlv<'_>) -> Result<SignerInfoParts, Failure> {
    let mut r = tlv.reader();
    let version_tlv = r.expect(INTEGER, "SignerInfo version")?;
    let version = small_int(&version_tlv)?;
    let sid = r.read()?;
    let signer_id = match (version, sid.tag) {
        (1, SEQUENCE) => {
            let mut s = sid.reader();
            let issuer = s.expect(SEQUENCE, "issuer Name")?;
            let serial = integer(&s.expect(INTEGER, "serialNumber")?)?;
            s.end("IssuerAndSerialNumber")?;
            SignerId::IssuerAndSerial {
                issuer: issuer.raw.to_vec(),
                serial: serial.to_vec(),
            }
        }
        (3, CTX0_PRIMITIVE) => SignerId::SubjectKeyId(sid.content.to_vec()),
        _ => {
            return Err(bad(
                sid.offset,
                "SignerInfo must be version 1 with issuerAndSerialNumber or version 3 with subjectKeyIdentifier",
            )
            .into());
        }
    };
    let digest_algorithm =
        DigestAlgorithm::from_oid(&plain_algorithm(&r.expect(SEQUENCE, "digestAlgorithm")?)?);
    let Some(attrs) = r.optional(CTX0_CONSTRUCTED)? else {
        return Err(format_failure("SignerInfo has no signed attributes").into());
    };
    let signature_algorithm_tlv = r.expect(SEQUENCE, "signatureAlgorithm")?;
    let signature_algorithm_oid = plain_algorithm(&signature_algorithm_tlv)?;
    let signature = r.expect(OCTET_STRING, "signature")?.content.to_vec();
    let unsigned = r.optional(CTX1_CONSTRUCTED)?;
    r.end("SignerInfo")?;

    let signature_algorithm = signature_algorithm_for(&signature_algorithm_oid, &digest_algorithm)?;

    // Signed attributes: the signature covers them re-tagged as SET OF (RFC 5652 5.4).
    let mut signed_attributes = attrs.raw.to_vec();
    if let Some(tag) = signed_attributes.first_mut() {
        *tag = SET;
    }
    let signed = attributes(&attrs)?;
    // The one value of a single-valued attribute, if the attribute is present.
    let single = |oid: &str, name: &str| -> Result<Option<Tlv<'_>>, Failure> {
        match signed.iter().find(|a| a.oid == oid) {
            None => Ok(None),
            Some(a) => match a.values.as_slice() {
                [value] => Ok(Some(*value)),
                _ => Err(format_failure(format!(
                    "the {name} attribute must have exactly one value"
                ))
                .into()),
            },
        }
    };

    let content_type = match single(OID_CONTENT_TYPE, "contentType")? {
        None => return Err(format_failure("signed attributes lack contentType").into()),
        Some(v) => oid_string(&v)?,
    };
    let message_digest = match single(OID_MESSAGE_DIGEST, "messageDigest")? {
        None => return Err(format_failure("signed attributes lack messageDigest").into()),
        Some(v) if v.tag == OCTET_STRING => v.content.to_vec(),
        Some(v) => return Err(bad(v.offset, "messageDigest is not an OCTET STRING").into()),
    };
    let signing_time = match single(OID_SIGNING_TIME, "signingTime")? {
        None => None,
        Some(v) => Some(der_time(&v)?),
    };
    let signing_certificate = match single(OID_SIGNING_CERTIFICATE_V2, "signingCertificateV2")? {
        Some(v) => Some(ess_cert_id(Der::new(v.raw, v.offset), 2)?),
        None => match single(OID_SIGNING_CERTIFICATE, "signingCertificate")? {
            Some(v) => Some(ess_cert_id(Der::new(v.raw, v.offset), 1)?),
            None => None,
        },
    };
    let unsigned_attributes = match unsigned {
        Some(u) => attributes(&u)?
            .into_iter()
            .map(|a| Attribute {
                oid: a.oid,
                values: a.values.iter().map(|v| v.raw.to_vec()).collect(),
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(SignerInfoParts {
        signer_id,
        digest_algorithm,
        signature_algorithm,
        signature_algorithm_oid,
        signed_attributes,
        signature,
        content_type,
        message_digest,
        signing_time,
        signing_certificate,
        unsigned_attributes,
    })
}

/// The signature algorithm and its hash; an explicit hash must agree with digestAlgorithm.
fn signature_algorithm_for(
    oid: &str,
    digest_algorithm: &DigestAlgorithm,
) -> Result<SignatureAlgorithm, Failure> {
    let explicit = |hash: DigestAlgorithm| -> Result<DigestAlgorithm, Failure> {
        if &hash == digest_algorithm {
            Ok(hash)
        } else {
            Err(format_failure(format!(
                "signature algorithm {oid} hashes with {} but digestAlgorithm is {}",
                hash.name(),
                digest_algorithm.name()
            ))
            .into())
        }
    };
    Ok(match oid {
        OID_RSA_ENCRYPTION => SignatureAlgorithm::RsaPkcs1(digest_algorithm.clone()),
        OID_SHA1_WITH_RSA => SignatureAlgorithm::RsaPkcs1(explicit(DigestAlgorithm::Sha1)?),
        OID_SHA256_WITH_RSA => SignatureAlgorithm::RsaPkcs1(explicit(DigestAlgorithm::Sha256)?),
        OID_SHA384_WITH_RSA => SignatureAlgorithm::RsaPkcs1(explicit(DigestAlgorithm::Sha384)?),
        OID_SHA512_WITH_RSA => SignatureAlgorithm::RsaPkcs1(explicit(DigestAlgorithm::Sha512)?),
        OID_EC_PUBLIC_KEY => SignatureAlgorithm::Ecdsa(digest_algorithm.clone()),
        OID_ECDSA_WITH_SHA1 => SignatureAlgorithm::Ecdsa(explicit(DigestAlgorithm::Sha1)?),
        OID_ECDSA_WITH_SHA256 => SignatureAlgorithm::Ecdsa(explicit(DigestAlgorithm::Sha256)?),
        OID_ECDSA_WITH_SHA384 => SignatureAlgorithm::Ecdsa(explicit(DigestAlgorithm::Sha384)?),
        OID_ECDSA_WITH_SHA512 => SignatureAlgorithm::Ecdsa(explicit(DigestAlgorithm::Sha512)?),
        other => SignatureAlgorithm::Other(other.to_owned()),
    })
}

/// An attribute as read, values still in place.
struct RawAttribute<'a> {
    oid: String,
    values: Vec<Tlv<'a>>,
}

/// `SET OF Attribute` (signed `[0]` or unsigned `[1]`): unique types, 1..n values each.
fn attributes<'a>(set: &Tlv<'a>) -> Result<Vec<RawAttribute<'a>>, Failure> {
    let mut r = set.reader();
    let mut out: Vec<RawAttribute<'a>> = Vec::new();
    while !r.at_end() {
        if out.len() >= MAX_ATTRIBUTES {
            return Err(bad(r.offset(), "too many attributes").into());
        }
        let attr = r.expect(SEQUENCE, "Attribute")?;
        let mut a = attr.reader();
        let oid = oid_string(&a.expect(OID, "attribute type")?)?;
        let values_tlv = a.expect(SET, "attribute values")?;
        a.end("Attribute")?;
        let mut v = values_tlv.reader();
        let mut values = Vec::new();
        while !v.at_end() {
            if values.len() >= MAX_ATTRIBUTE_VALUES {
                return Err(bad(v.offset(), "too many attribute values").into());
            }
            values.push(v.read()?);
        }
        if values.is_empty() {
            return Err(bad(values_tlv.offset, format!("attribute {oid} has no value")).into());
        }
        if out.iter().any(|x| x.oid == oid) {
            return Err(format_failure(format!("attribute {oid} appears twice")).into());
        }
        out.push(RawAttribute { oid, values });
    }
    Ok(out)
}

/// The first ESSCertID(v2) of a SigningCertificate(V2) value.
fn ess_cert_id(mut top: Der<'_>, version: u8) -> Result<EssCertId, Failure> {
    let signing_certificate = top.expect(SEQUENCE, "SigningCertificate")?;
    top.end("SigningCertificate")?;
    let mut sc = signing_certificate.reader();
    let certs = sc.expect(SEQUENCE, "certs")?;
    // An optional policies SEQUENCE may follow; it is not used.
    sc.optional(SEQUENCE)?;
    sc.end("SigningCertificate")?;
    let mut list = certs.reader();
    let first = list.expect(SEQUENCE, "ESSCertID")?;
    let mut n = 1;
    while !list.at_end() {
        n += 1;
        if n > MAX_ESS_CERTS {
            return Err(bad(list.offset(), "too many ESSCertIDs").into());
        }
        list.expect(SEQUENCE, "ESSCertID")?;
    }
    let mut e = first.reader();
    let hash_algorithm = if version == 2 && e.peek_tag() == Some(SEQUENCE) {
        // DEFAULT sha256 should be omitted in DER; some signers write it anyway.
        DigestAlgorithm::from_oid(&plain_algorithm(&e.read()?)?)
    } else if version == 2 {
        DigestAlgorithm::Sha256
    } else {
        DigestAlgorithm::Sha1
    };
    let cert_hash = e.expect(OCTET_STRING, "certHash")?.content.to_vec();
    let issuer_serial = match e.optional(SEQUENCE)? {
        None => None,
        Some(is) => {
            let mut r = is.reader();
            let names = r.expect(SEQUENCE, "GeneralNames")?;
            let serial = integer(&r.expect(INTEGER, "serialNumber")?)?.to_vec();
            r.end("IssuerSerial")?;
            let mut g = names.reader();
            let mut directory_names = Vec::new();
            while !g.at_end() {
                let name = g.read()?;
                if name.tag == CTX4_CONSTRUCTED {
                    let mut d = name.reader();
                    directory_names.push(d.expect(SEQUENCE, "directoryName")?.raw.to_vec());
                    d.end("directoryName")?;
                }
            }
            Some((directory_names, serial))
        }
    };
    e.end("ESSCertID")?;
    Ok(EssCertId {
        version,
        hash_algorithm,
        cert_hash,
        issuer_serial,
    })
}

// ------------------------------------------------------------------ checks

/// The digest of the concatenation of `parts` with `algorithm`.
pub fn digest_parts(algorithm: &DigestAlgorithm, parts: &[&[u8]]) -> Result<Vec<u8>, Finding> {
    let mut ctx = Context::new(algorithm.ring()?);
    for part in parts {
        ctx.update(part);
    }
    Ok(ctx.finish().as_ref().to_vec())
}

/// Check 2, integrity: messageDigest equals the hash of `data` (HASH_FAILURE otherwise).
pub fn verify_digest(cms: &ParsedCms, data: &[u8]) -> Result<(), Finding> {
    verify_digest_parts(cms, &[data])
}

/// [`verify_digest`] over data in pieces (the two byte ranges of a PDF signature). A
/// SHA-1 digest that matches is still refused (CRYPTO_CONSTRAINTS_FAILURE); one that does
/// not match is a HASH_FAILURE.
pub fn verify_digest_parts(cms: &ParsedCms, parts: &[&[u8]]) -> Result<(), Finding> {
    let computed = digest_parts(&cms.digest_algorithm, parts)?;
    if computed != cms.message_digest {
        return Err(Finding::new(
            SubIndication::HashFailure,
            format!(
                "the signed data's {} digest differs from the messageDigest attribute",
                cms.digest_algorithm.name()
            ),
        ));
    }
    if cms.digest_algorithm == DigestAlgorithm::Sha1 {
        return Err(crypto_constraints("the message digest is SHA-1"));
    }
    Ok(())
}

/// The signer certificate's key: algorithm OID, curve OID (EC), and key bytes in the form
/// ring takes (RSAPublicKey DER, or the EC point).
struct PublicKey<'a> {
    algorithm: String,
    curve: Option<String>,
    key: &'a [u8],
}

fn public_key<'a>(spki: &Tlv<'a>) -> Result<PublicKey<'a>, Bad> {
    let mut r = spki.reader();
    let (algorithm, params) = algorithm(&r.expect(SEQUENCE, "SPKI algorithm")?)?;
    let bits = r.expect(BIT_STRING, "subjectPublicKey")?;
    r.end("SubjectPublicKeyInfo")?;
    let key = match bits.content.split_first() {
        Some((0, key)) => key,
        _ => return Err(bad(bits.offset, "public key BIT STRING has unused bits")),
    };
    let curve = match params {
        Some(p) if p.tag == OID => Some(oid_string(&p)?),
        _ => None,
    };
    Ok(PublicKey {
        algorithm,
        curve,
        key,
    })
}

/// Bit length of an RSAPublicKey's modulus.
fn rsa_modulus_bits(key: &[u8]) -> Result<usize, Bad> {
    let mut top = Der::new(key, 0);
    let seq = top.expect(SEQUENCE, "RSAPublicKey")?;
    top.end("RSAPublicKey")?;
    let mut r = seq.reader();
    let modulus = integer(&r.expect(INTEGER, "modulus")?)?;
    integer(&r.expect(INTEGER, "publicExponent")?)?;
    r.end("RSAPublicKey")?;
    let significant: &[u8] = match modulus.split_first() {
        Some((0, rest)) => rest,
        _ => modulus,
    };
    Ok(match significant.first() {
        None => 0,
        Some(&high) => significant.len() * 8 - high.leading_zeros() as usize,
    })
}

/// Check 2, signature: the signature over the signed attributes verifies with the signer
/// certificate's key (SIG_CRYPTO_FAILURE otherwise), and a signing-certificate attribute,
/// when present, names that certificate (SIG_CRYPTO_FAILURE otherwise).
pub fn verify_signature(cms: &ParsedCms) -> Result<(), Finding> {
    let mut top = Der::new(&cms.signer_certificate, 0);
    let cert_tlv = top.read().map_err(signer_cert_bad)?;
    top.end("certificate").map_err(signer_cert_bad)?;
    let cert = cert_info(&cert_tlv).map_err(signer_cert_bad)?;
    let key = public_key(&cert.spki).map_err(signer_cert_bad)?;

    let algorithm: &'static dyn VerificationAlgorithm =
        match (&cms.signature_algorithm, key.algorithm.as_str()) {
            (SignatureAlgorithm::Other(oid), _) => {
                return Err(unsupported_algorithm("signature", oid.as_str()));
            }
            (_, key_oid) if is_gost(key_oid) => {
                return Err(unsupported_algorithm("public key", key_oid));
            }
            (SignatureAlgorithm::RsaPkcs1(hash), OID_RSA_ENCRYPTION) => {
                let bits = rsa_modulus_bits(key.key).map_err(signer_cert_bad)?;
                if !(2048..=8192).contains(&bits) {
                    return Err(crypto_constraints(format!(
                        "RSA key of {bits} bits (2048 to 8192 accepted)"
                    )));
                }
                match hash {
                    DigestAlgorithm::Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                    DigestAlgorithm::Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                    DigestAlgorithm::Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                    DigestAlgorithm::Sha1 => {
                        return Err(crypto_constraints("RSA signature with SHA-1"));
                    }
                    DigestAlgorithm::Other(oid) => {
                        return Err(unsupported_algorithm("digest", oid.as_str()));
                    }
                }
            }
            (SignatureAlgorithm::Ecdsa(hash), OID_EC_PUBLIC_KEY) => {
                match (key.curve.as_deref(), hash) {
                    (Some(OID_P256), DigestAlgorithm::Sha256) => &signature::ECDSA_P256_SHA256_ASN1,
                    (Some(OID_P256), DigestAlgorithm::Sha384) => &signature::ECDSA_P256_SHA384_ASN1,
                    (Some(OID_P384), DigestAlgorithm::Sha256) => &signature::ECDSA_P384_SHA256_ASN1,
                    (Some(OID_P384), DigestAlgorithm::Sha384) => &signature::ECDSA_P384_SHA384_ASN1,
                    (curve, hash) => {
                        return Err(crypto_constraints(format!(
                            "ECDSA on curve {} with {} is not supported",
                            curve.unwrap_or("(unnamed)"),
                            hash.name()
                        )));
                    }
                }
            }
            (SignatureAlgorithm::RsaPkcs1(_) | SignatureAlgorithm::Ecdsa(_), key_oid) => {
                return Err(sig_crypto(format!(
                    "signature algorithm {} does not fit the signer's {key_oid} key",
                    cms.signature_algorithm_oid
                )));
            }
        };
    UnparsedPublicKey::new(algorithm, key.key)
        .verify(&cms.signed_attributes, &cms.signature)
        .map_err(|_| {
            sig_crypto("the signature over the signed attributes does not verify with the signer certificate's key")
        })?;

    if let Some(ess) = &cms.signing_certificate {
        check_signing_certificate(ess, &cms.signer_certificate, cert.issuer, cert.serial)?;
    }
    Ok(())
}

fn signer_cert_bad(b: Bad) -> Finding {
    format_failure(format!(
        "signer certificate malformed at its byte {}: {}",
        b.offset, b.what
    ))
}

/// The ESS attribute's first certificate identifier must be the signer certificate.
fn check_signing_certificate(
    ess: &EssCertId,
    certificate: &[u8],
    issuer: &[u8],
    serial: &[u8],
) -> Result<(), Finding> {
    let attribute = if ess.version == 2 {
        "signingCertificateV2"
    } else {
        "signingCertificate"
    };
    let hash = digest_parts(&ess.hash_algorithm, &[certificate])?;
    if hash != ess.cert_hash {
        return Err(sig_crypto(format!(
            "the {attribute} attribute's certificate hash is not the signer certificate's"
        )));
    }
    if let Some((names, ess_serial)) = &ess.issuer_serial
        && (ess_serial.as_slice() != serial || !names.iter().any(|n| n.as_slice() == issuer))
    {
        return Err(sig_crypto(format!(
            "the {attribute} attribute's issuer and serial are not the signer certificate's"
        )));
    }
    Ok(())
}

/// What PAdES baseline (ETSI EN 319 142-1, /SubFilter /ETSI.CAdES.detached) adds to CMS:
/// detached, content type id-data, and an ESS signing-certificate attribute present
/// (FORMAT_FAILURE otherwise; that it matches is checked by [`verify_signature`]).
pub fn check_pades_profile(cms: &ParsedCms) -> Result<(), Finding> {
    if cms.content.is_some() {
        return Err(format_failure(
            "a PAdES signature must be detached, but the CMS carries content",
        ));
    }
    if cms.content_type != OID_DATA {
        return Err(format_failure(format!(
            "a PAdES signature's content type must be id-data, not {}",
            cms.content_type
        )));
    }
    match &cms.signing_certificate {
        Some(ess) if ess.version == 2 => Ok(()),
        Some(_) if cms.digest_algorithm == DigestAlgorithm::Sha1 => Ok(()),
        Some(_) => Err(format_failure(
            "PAdES requires signingCertificateV2 (signingCertificate v1 only with SHA-1)",
        )),
        None => Err(format_failure(
            "the PAdES signature lacks the signingCertificateV2 attribute",
        )),
    }
}

/// The messageImprint of an RFC 3161 time-stamp token's TSTInfo (document time-stamps):
/// its hash algorithm and hashed message.
pub fn timestamp_imprint(cms: &ParsedCms) -> Result<(DigestAlgorithm, Vec<u8>), Finding> {
    if cms.content_type != OID_TST_INFO {
        return Err(format_failure(format!(
            "time-stamp token content type is {}, not id-ct-TSTInfo",
            cms.content_type
        )));
    }
    let Some(content) = &cms.content else {
        return Err(format_failure("time-stamp token without TSTInfo"));
    };
    let read = || -> Result<(DigestAlgorithm, Vec<u8>), Bad> {
        let mut top = Der::new(content, 0);
        let tst = top.expect(SEQUENCE, "TSTInfo")?;
        top.end("TSTInfo")?;
        let mut r = tst.reader();
        r.expect(INTEGER, "TSTInfo version")?;
        r.expect(OID, "TSTInfo policy")?;
        let imprint = r.expect(SEQUENCE, "messageImprint")?;
        let mut m = imprint.reader();
        let alg =
            DigestAlgorithm::from_oid(&plain_algorithm(&m.expect(SEQUENCE, "hashAlgorithm")?)?);
        let hashed = m.expect(OCTET_STRING, "hashedMessage")?.content.to_vec();
        m.end("messageImprint")?;
        Ok((alg, hashed))
    };
    read().map_err(|b| {
        format_failure(format!(
            "malformed TSTInfo at its byte {}: {}",
            b.offset, b.what
        ))
    })
}
