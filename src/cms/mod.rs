//! CMS SignedData (RFC 5652) built by hand with a tiny DER writer and signed through the
//! [`Signer`] trait, so no signing code depends on a particular key type or crypto crate.
//!
//! One shape serves both uses: PAdES (detached, over the SHA-256 of the PDF byte ranges, no
//! signingTime) and generic data signatures as NCALayer produces them (attached or
//! detached, with signingTime). The signed attributes always carry contentType,
//! messageDigest and ESS signingCertificateV2 (RFC 5035).

pub mod der;

#[cfg(test)]
pub(crate) mod test_signer;
#[cfg(test)]
mod tests;

use ring::digest::{SHA256, digest};
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

pub use der::DerError;

/// id-signedData.
pub const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
/// id-data.
pub const OID_DATA: &str = "1.2.840.113549.1.7.1";
/// id-sha256.
pub const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
/// id-contentType.
pub const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
/// id-messageDigest.
pub const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
/// id-signingTime.
pub const OID_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
/// id-aa-signingCertificateV2.
pub const OID_SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";

/// Something that signs: the lead will adapt a key type to this trait.
pub trait Signer {
    /// The signer's certificate, DER.
    fn certificate(&self) -> &[u8];
    /// Further certificates to embed (intermediates), DER; may be empty.
    fn chain(&self) -> &[Vec<u8>];
    /// The DER `AlgorithmIdentifier` of the signature `sign` produces (for example
    /// `ecdsa-with-SHA256` or `sha256WithRSAEncryption`).
    fn signature_algorithm_der(&self) -> &[u8];
    /// Signs `message` (the hash is part of the algorithm, so this is the whole message).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String>;
}

/// Which profile of signed attributes to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmsMode {
    /// PAdES baseline: no signingTime attribute (the time is the /M entry of the PDF
    /// signature dictionary).
    Pades,
    /// A CAdES-style signature with a signingTime attribute.
    Generic {
        /// The claimed signing time.
        signing_time: OffsetDateTime,
    },
}

/// What can go wrong while building SignedData.
#[derive(Debug, thiserror::Error)]
pub enum CmsError {
    /// The signer certificate could not be read (needed for issuer and serial).
    #[error("signer certificate is not a valid X.509 certificate: {0}")]
    Certificate(String),
    /// The signature algorithm identifier from the signer is not one DER SEQUENCE.
    #[error("signature algorithm identifier is not a DER SEQUENCE")]
    SignatureAlgorithm,
    /// The signer refused or failed to sign.
    #[error("signing failed: {0}")]
    Sign(String),
    /// A value could not be encoded.
    #[error(transparent)]
    Der(#[from] DerError),
}

/// CMS SignedData (ContentInfo DER) over `digest` (SHA-256 of the content), detached.
pub fn sign_detached_digest(
    digest: &[u8; 32],
    signer: &dyn Signer,
    mode: CmsMode,
) -> Result<Vec<u8>, CmsError> {
    let signing_time = match mode {
        CmsMode::Pades => None,
        CmsMode::Generic { signing_time } => Some(signing_time),
    };
    build(digest, signer, signing_time, None)
}

/// Attached (encapsulated content) or detached SignedData over `data`, as NCALayer
/// produces: signed attributes contentType, messageDigest, signingTime,
/// signingCertificateV2.
pub fn sign_data(
    data: &[u8],
    signer: &dyn Signer,
    attached: bool,
    signing_time: OffsetDateTime,
) -> Result<Vec<u8>, CmsError> {
    let hash = sha256(data);
    let content = attached.then_some(data);
    build(&hash, signer, Some(signing_time), content)
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, data).as_ref());
    out
}

/// The first common name of the certificate's subject, if it has one as a string.
pub fn subject_common_name(certificate: &[u8]) -> Option<String> {
    let (_, cert) = X509Certificate::from_der(certificate).ok()?;
    let cn = cert.subject().iter_common_name().next()?;
    cn.as_str().ok().map(str::to_owned)
}

/// The parts of the signer certificate that the SignedData names.
struct CertId {
    /// The issuer `Name`, complete DER.
    issuer: Vec<u8>,
    /// The serial number as an encoded INTEGER.
    serial: Vec<u8>,
}

fn cert_id(certificate: &[u8]) -> Result<CertId, CmsError> {
    let (rest, cert) =
        X509Certificate::from_der(certificate).map_err(|e| CmsError::Certificate(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CmsError::Certificate(
            "trailing bytes after the certificate".into(),
        ));
    }
    let issuer = cert.tbs_certificate.issuer.as_raw();
    if issuer.first() != Some(&der::SEQUENCE) || der::content_of(issuer).is_none() {
        return Err(CmsError::Certificate(
            "issuer name is not a DER SEQUENCE".into(),
        ));
    }
    let serial = cert.tbs_certificate.raw_serial();
    if serial.is_empty() {
        return Err(CmsError::Certificate("empty serial number".into()));
    }
    Ok(CertId {
        issuer: issuer.to_vec(),
        serial: der::integer_raw(serial),
    })
}

/// `AlgorithmIdentifier { id-sha256 }` with absent parameters (RFC 5754 3).
fn sha256_algorithm() -> Result<Vec<u8>, CmsError> {
    Ok(der::sequence(&[&der::oid(OID_SHA256)?]))
}

/// `Attribute ::= SEQUENCE { attrType, attrValues SET OF }` with one value.
fn attribute(oid: &str, value: &[u8]) -> Result<Vec<u8>, CmsError> {
    Ok(der::sequence(&[&der::oid(oid)?, &der::set_of(&[value])]))
}

/// `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }` naming the signer
/// certificate: hashAlgorithm omitted (DEFAULT sha256), certHash, and issuerSerial with the
/// issuer as a directoryName GeneralName.
fn signing_certificate_v2(certificate: &[u8], id: &CertId) -> Result<Vec<u8>, CmsError> {
    let cert_hash = der::octet_string(&sha256(certificate));
    let directory_name = der::explicit(4, &id.issuer)?;
    let general_names = der::sequence(&[&directory_name]);
    let issuer_serial = der::sequence(&[&general_names, &id.serial]);
    let ess_cert_id = der::sequence(&[&cert_hash, &issuer_serial]);
    Ok(der::sequence(&[&der::sequence(&[&ess_cert_id])]))
}

fn build(
    hash: &[u8; 32],
    signer: &dyn Signer,
    signing_time: Option<OffsetDateTime>,
    content: Option<&[u8]>,
) -> Result<Vec<u8>, CmsError> {
    let certificate = signer.certificate();
    let id = cert_id(certificate)?;
    let signature_algorithm = signer.signature_algorithm_der();
    if signature_algorithm.first() != Some(&der::SEQUENCE)
        || der::content_of(signature_algorithm).is_none()
    {
        return Err(CmsError::SignatureAlgorithm);
    }
    let sha256_alg = sha256_algorithm()?;
    let data_oid = der::oid(OID_DATA)?;

    let mut attributes = vec![
        attribute(OID_CONTENT_TYPE, &data_oid)?,
        attribute(OID_MESSAGE_DIGEST, &der::octet_string(hash))?,
        attribute(
            OID_SIGNING_CERTIFICATE_V2,
            &signing_certificate_v2(certificate, &id)?,
        )?,
    ];
    if let Some(at) = signing_time {
        attributes.push(attribute(OID_SIGNING_TIME, &der::time(at)?)?);
    }
    let attribute_refs: Vec<&[u8]> = attributes.iter().map(Vec::as_slice).collect();
    let attributes_content = der::sorted_set_content(&attribute_refs);
    // The signature covers the attributes as an explicit SET OF (tag 0x31), RFC 5652 5.4.
    let to_sign = der::tlv(der::SET, &attributes_content);
    let signature = signer.sign(&to_sign).map_err(CmsError::Sign)?;

    let signer_info = der::sequence(&[
        &der::integer_u64(1),
        &der::sequence(&[&id.issuer, &id.serial]),
        &sha256_alg,
        &der::implicit(0, true, &attributes_content)?,
        signature_algorithm,
        &der::octet_string(&signature),
    ]);

    let encap_content_info = match content {
        Some(data) => der::sequence(&[&data_oid, &der::explicit(0, &der::octet_string(data))?]),
        None => der::sequence(&[&data_oid]),
    };

    let mut certificates: Vec<&[u8]> = vec![certificate];
    for extra in signer.chain() {
        if extra.first() != Some(&der::SEQUENCE) || der::content_of(extra).is_none() {
            return Err(CmsError::Certificate(
                "a chain certificate is not one DER SEQUENCE".into(),
            ));
        }
        if !certificates.contains(&extra.as_slice()) {
            certificates.push(extra);
        }
    }
    let certificates = der::implicit(0, true, &der::sorted_set_content(&certificates))?;

    let signed_data = der::sequence(&[
        &der::integer_u64(1),
        &der::set_of(&[&sha256_alg]),
        &encap_content_info,
        &certificates,
        &der::set_of(&[&signer_info]),
    ]);
    Ok(der::sequence(&[
        &der::oid(OID_SIGNED_DATA)?,
        &der::explicit(0, &signed_data)?,
    ]))
}
