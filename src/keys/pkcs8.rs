//! PKCS#8 (RFC 5208 / 5958): the encrypted wrapper around a private key, and the private key
//! itself, taken apart with the BER reader so that NCA's BER encodings and keys whose
//! algorithm we cannot use (GOST) give a precise error before anything reaches ring.

use std::borrow::Cow;

use zeroize::Zeroizing;

use super::KeyError;
use super::ber::{self, BerError, Reader, Tlv};
use super::pbe::algorithm_identifier;

pub const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
pub const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
pub const OID_P256: &str = "1.2.840.10045.3.1.7";

/// A private key ring can use, in the form ring takes it.
pub enum PrivateKey {
    /// PKCS#1 `RSAPrivateKey` DER.
    Rsa { pkcs1: Zeroizing<Vec<u8>> },
    /// The P-256 private scalar (32 bytes, big-endian) and, when the file has it, the
    /// uncompressed public point.
    EcP256 {
        scalar: Zeroizing<[u8; 32]>,
        public: Option<Vec<u8>>,
    },
}

/// `EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm, encryptedData OCTET STRING }`.
pub fn encrypted_private_key_info<'a>(
    tlv: &Tlv<'a>,
    what: &'static str,
) -> Result<(Tlv<'a>, Cow<'a, [u8]>), KeyError> {
    let wrap = |e| KeyError::malformed(what, e);
    if tlv.tag != ber::SEQUENCE {
        return Err(wrap(BerError {
            offset: tlv.offset,
            reason: "expected an EncryptedPrivateKeyInfo SEQUENCE",
        }));
    }
    let mut r = tlv.children().map_err(wrap)?;
    let algorithm = r.read().map_err(wrap)?;
    let data = r
        .octets("expected the encrypted key OCTET STRING")
        .map_err(wrap)?;
    r.finish().map_err(wrap)?;
    Ok((algorithm, data))
}

/// Parses a decrypted `PrivateKeyInfo`. Fails with `UnsupportedAlgorithm` for any key that is
/// not RSA or ECDSA on P-256.
pub fn private_key_info(der: &[u8]) -> Result<PrivateKey, KeyError> {
    let what = "PKCS#8 private key";
    let wrap = |e| KeyError::malformed(what, e);
    let mut top = Reader::new(der);
    let info = top
        .expect(ber::SEQUENCE, "expected a PrivateKeyInfo SEQUENCE")
        .map_err(wrap)?;
    top.finish().map_err(wrap)?;
    let mut r = info.children().map_err(wrap)?;
    let version = r.uint().map_err(wrap)?;
    if version > 1 {
        return Err(KeyError::Malformed {
            what,
            offset: Some(info.offset),
            reason: format!("unknown version {version}"),
        });
    }
    let algorithm = r.read().map_err(wrap)?;
    let (oid, params) = algorithm_identifier(&algorithm, what)?;
    let private = r
        .octets("expected the privateKey OCTET STRING")
        .map_err(wrap)?;
    let private = Zeroizing::new(private.into_owned());
    // Attributes [0] are ignored; a v2 key (RFC 5958) may carry the public key in [1].
    let _attributes = r.optional(ber::CONTEXT_0).map_err(wrap)?;
    let public_v2 = match r.optional(0x81).map_err(wrap)? {
        Some(tlv) => Some(bit_string(tlv.body).map_err(|reason| KeyError::Malformed {
            what,
            offset: Some(tlv.offset),
            reason: reason.into(),
        })?),
        None => None,
    };
    r.finish().map_err(wrap)?;

    match oid.as_str() {
        OID_RSA_ENCRYPTION => {
            if let Some(p) = params
                && !(p.tag == ber::NULL && p.body.is_empty())
            {
                return Err(wrap(BerError {
                    offset: p.offset,
                    reason: "rsaEncryption parameters must be NULL",
                }));
            }
            Ok(PrivateKey::Rsa { pkcs1: private })
        }
        OID_EC_PUBLIC_KEY => {
            let curve = match params {
                Some(p) if p.tag == ber::OID => Some(p.oid().map_err(wrap)?),
                Some(p) => {
                    return Err(wrap(BerError {
                        offset: p.offset,
                        reason: "EC parameters are not a named curve",
                    }));
                }
                None => None,
            };
            ec_private_key(&private, curve, public_v2)
        }
        _ => Err(KeyError::UnsupportedAlgorithm {
            what: "private key algorithm",
            oid,
        }),
    }
}

/// `ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] parameters OPTIONAL,
/// [1] publicKey OPTIONAL }` (RFC 5915).
fn ec_private_key(
    der: &[u8],
    curve: Option<String>,
    public_v2: Option<Vec<u8>>,
) -> Result<PrivateKey, KeyError> {
    let what = "EC private key";
    let wrap = |e| KeyError::malformed(what, e);
    let mut top = Reader::new(der);
    let seq = top
        .expect(ber::SEQUENCE, "expected an ECPrivateKey SEQUENCE")
        .map_err(wrap)?;
    top.finish().map_err(wrap)?;
    let mut r = seq.children().map_err(wrap)?;
    if r.uint().map_err(wrap)? != 1 {
        return Err(wrap(BerError {
            offset: seq.offset,
            reason: "ECPrivateKey version is not 1",
        }));
    }
    let scalar_offset = r.offset();
    let raw = Zeroizing::new(
        r.octets("expected the private key OCTET STRING")
            .map_err(wrap)?
            .into_owned(),
    );
    let inner_curve = match r.optional(ber::CONTEXT_0).map_err(wrap)? {
        Some(tlv) => {
            let mut c = tlv.children().map_err(wrap)?;
            let oid = c.oid().map_err(wrap)?;
            c.finish().map_err(wrap)?;
            Some(oid)
        }
        None => None,
    };
    let public = match r.optional(ber::CONTEXT_1).map_err(wrap)? {
        Some(tlv) => {
            let mut c = tlv.children().map_err(wrap)?;
            let bits = c
                .expect(ber::BIT_STRING, "expected the public key BIT STRING")
                .map_err(wrap)?;
            c.finish().map_err(wrap)?;
            Some(bit_string(bits.body).map_err(|reason| KeyError::Malformed {
                what,
                offset: Some(bits.offset),
                reason: reason.into(),
            })?)
        }
        None => public_v2,
    };
    r.finish().map_err(wrap)?;

    let curve = match (curve, inner_curve) {
        (Some(a), Some(b)) if a != b => {
            return Err(KeyError::Malformed {
                what,
                offset: None,
                reason: format!("curve {a} in the algorithm but {b} in the key"),
            });
        }
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => {
            return Err(KeyError::Malformed {
                what,
                offset: None,
                reason: "the curve is not named".into(),
            });
        }
    };
    if curve != OID_P256 {
        return Err(KeyError::UnsupportedAlgorithm {
            what: "elliptic curve",
            oid: curve,
        });
    }
    // RFC 5915 fixes the length, but some writers drop leading zeros: pad them back.
    let digits = raw
        .iter()
        .position(|&b| b != 0)
        .map_or(&raw[..0], |i| &raw[i..]);
    if digits.len() > 32 || digits.is_empty() {
        return Err(wrap(BerError {
            offset: scalar_offset,
            reason: "P-256 private key is not 1 to 32 bytes",
        }));
    }
    let mut scalar = Zeroizing::new([0u8; 32]);
    scalar[32 - digits.len()..].copy_from_slice(digits);
    Ok(PrivateKey::EcP256 { scalar, public })
}

/// The content of a BIT STRING without unused bits.
pub fn bit_string(body: &[u8]) -> Result<Vec<u8>, &'static str> {
    match body {
        [0, rest @ ..] => Ok(rest.to_vec()),
        [] => Err("empty BIT STRING"),
        _ => Err("BIT STRING with unused bits"),
    }
}
