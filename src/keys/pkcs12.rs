//! PKCS#12 (RFC 7292) in password-integrity mode, as NCA/Kalkan, `openssl -legacy` and
//! OpenSSL 3 write it: the MAC is checked first (a mismatch is the wrong-password signal),
//! then `data` and `encryptedData` safes are opened and their key and certificate bags
//! collected.

use std::num::NonZeroU32;

use ring::{digest, hmac};
use zeroize::Zeroizing;

use super::KeyError;
use super::ber::{self, BerError, Reader, Tlv};
use super::pbe::{self, DecryptError, MAX_ITERATIONS, Password, algorithm_identifier};
use super::pkcs8;

const OID_DATA: &str = "1.2.840.113549.1.7.1";
const OID_ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
const OID_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.1";
const OID_SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
const OID_CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
const OID_SAFE_CONTENTS_BAG: &str = "1.2.840.113549.1.12.10.1.6";
const OID_X509_CERTIFICATE: &str = "1.2.840.113549.1.9.22.1";
const OID_LOCAL_KEY_ID: &str = "1.2.840.113549.1.9.21";
const OID_SHA1: &str = "1.3.14.3.2.26";
const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
const OID_SHA384: &str = "2.16.840.1.101.3.4.2.2";
const OID_SHA512: &str = "2.16.840.1.101.3.4.2.3";

/// Deepest nesting of safeContentsBag accepted.
const MAX_NESTED_SAFES: usize = 4;

/// A bag's value with its localKeyID attribute, which pairs a key with its certificate.
pub struct Bag<T> {
    pub value: T,
    pub local_key_id: Option<Vec<u8>>,
}

/// What a PKCS#12 file holds, decrypted.
pub struct Contents {
    /// Decrypted PKCS#8 `PrivateKeyInfo` DER of each key bag.
    pub keys: Vec<Bag<Zeroizing<Vec<u8>>>>,
    /// X.509 certificates (DER), in file order.
    pub certificates: Vec<Bag<Vec<u8>>>,
    /// Whether a MAC confirmed the password (else only decryption could tell).
    pub verified: bool,
}

fn bad(what: &'static str) -> impl Fn(BerError) -> KeyError {
    move |e| KeyError::malformed(what, e)
}

fn fail<T>(what: &'static str, offset: usize, reason: &'static str) -> Result<T, KeyError> {
    Err(KeyError::malformed(what, BerError { offset, reason }))
}

/// Opens a PFX: checks the MAC, decrypts every safe and bag.
pub fn parse(bytes: &[u8], password: &str) -> Result<Contents, KeyError> {
    let what = "PKCS#12 PFX";
    let mut top = Reader::new(bytes);
    let pfx = top
        .expect(ber::SEQUENCE, "expected a PFX SEQUENCE")
        .map_err(bad(what))?;
    top.finish().map_err(bad(what))?;
    let mut r = pfx.children().map_err(bad(what))?;
    let version_at = r.offset();
    if r.uint().map_err(bad(what))? != 3 {
        return fail(what, version_at, "PFX version is not 3");
    }
    let auth_safe = r.read().map_err(bad(what))?;
    let mac_data = r.optional(ber::SEQUENCE).map_err(bad(what))?;
    r.finish().map_err(bad(what))?;

    let (content_type, content) = content_info(&auth_safe, what)?;
    if content_type != OID_DATA {
        // signedData here is public-key integrity mode, which NCA does not use.
        return Err(KeyError::UnsupportedAlgorithm {
            what: "PKCS#12 integrity mode (authSafe content type)",
            oid: content_type,
        });
    }
    let Some(content) = content else {
        return fail(what, auth_safe.offset, "authSafe has no content");
    };
    let mut inner = content.children().map_err(bad(what))?;
    let auth_safe_bytes = inner
        .octets("expected the authSafe OCTET STRING")
        .map_err(bad(what))?;
    inner.finish().map_err(bad(what))?;

    let mut password = Password::new(password);
    let verified = match &mac_data {
        Some(mac) => {
            verify_mac(mac, &auth_safe_bytes, &mut password)?;
            true
        }
        None => false,
    };

    let mut contents = Contents {
        keys: Vec::new(),
        certificates: Vec::new(),
        verified,
    };
    let what = "PKCS#12 authenticated safe";
    let mut safes = Reader::new(&auth_safe_bytes);
    let list = safes
        .expect(ber::SEQUENCE, "expected the AuthenticatedSafe SEQUENCE")
        .map_err(bad(what))?;
    safes.finish().map_err(bad(what))?;
    let mut list = list.children().map_err(bad(what))?;
    while !list.is_empty() {
        let info = list.read().map_err(bad(what))?;
        let (content_type, content) = content_info(&info, what)?;
        let Some(content) = content else {
            return fail(what, info.offset, "a ContentInfo has no content");
        };
        let mut inner = content.children().map_err(bad(what))?;
        match content_type.as_str() {
            OID_DATA => {
                let safe = inner
                    .octets("expected the SafeContents OCTET STRING")
                    .map_err(bad(what))?;
                inner.finish().map_err(bad(what))?;
                safe_contents(&safe, &password, verified, false, 0, &mut contents)?;
            }
            OID_ENCRYPTED_DATA => {
                let encrypted = inner
                    .expect(ber::SEQUENCE, "expected the EncryptedData SEQUENCE")
                    .map_err(bad(what))?;
                inner.finish().map_err(bad(what))?;
                let safe = encrypted_data(&encrypted, &password, verified)?;
                safe_contents(&safe, &password, verified, true, 0, &mut contents)?;
            }
            _ => {
                return Err(KeyError::UnsupportedAlgorithm {
                    what: "PKCS#12 safe content type (only data and encryptedData)",
                    oid: content_type,
                });
            }
        }
    }
    Ok(contents)
}

/// `ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY OPTIONAL }`.
fn content_info<'a>(
    tlv: &Tlv<'a>,
    what: &'static str,
) -> Result<(String, Option<Tlv<'a>>), KeyError> {
    if tlv.tag != ber::SEQUENCE {
        return fail(what, tlv.offset, "expected a ContentInfo SEQUENCE");
    }
    let mut r = tlv.children().map_err(bad(what))?;
    let oid = r.oid().map_err(bad(what))?;
    let content = r.optional(ber::CONTEXT_0).map_err(bad(what))?;
    r.finish().map_err(bad(what))?;
    Ok((oid, content))
}

/// `MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }`
/// checked with HMAC under the PKCS#12 KDF (ID 3). For an empty password, also tries the
/// empty encoding some writers use, and keeps whichever matched for decryption.
fn verify_mac(mac: &Tlv<'_>, auth_safe: &[u8], password: &mut Password) -> Result<(), KeyError> {
    let what = "PKCS#12 MAC";
    let mut r = mac.children().map_err(bad(what))?;
    let digest_info = r
        .expect(ber::SEQUENCE, "expected the MAC DigestInfo")
        .map_err(bad(what))?;
    let salt = r
        .octets("expected the MAC salt OCTET STRING")
        .map_err(bad(what))?;
    let iterations = match r.optional(ber::INTEGER).map_err(bad(what))? {
        Some(tlv) => tlv.uint().map_err(bad(what))?,
        None => 1,
    };
    r.finish().map_err(bad(what))?;
    if iterations > MAX_ITERATIONS {
        return Err(KeyError::Limit {
            what: "MAC iteration count",
            value: iterations,
            limit: MAX_ITERATIONS,
        });
    }
    let Some(iterations) = u32::try_from(iterations).ok().and_then(NonZeroU32::new) else {
        return fail(what, mac.offset, "MAC iteration count is zero");
    };

    let mut d = digest_info.children().map_err(bad(what))?;
    let algorithm = d.read().map_err(bad(what))?;
    let expected = d
        .octets("expected the MAC value OCTET STRING")
        .map_err(bad(what))?;
    d.finish().map_err(bad(what))?;
    let (oid, params) = algorithm_identifier(&algorithm, what)?;
    if let Some(p) = params
        && !(p.tag == ber::NULL && p.body.is_empty())
    {
        return fail(what, p.offset, "digest parameters must be NULL or absent");
    }
    let (hash, hmac_alg) = match oid.as_str() {
        OID_SHA1 => (
            &digest::SHA1_FOR_LEGACY_USE_ONLY,
            hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        ),
        OID_SHA256 => (&digest::SHA256, hmac::HMAC_SHA256),
        OID_SHA384 => (&digest::SHA384, hmac::HMAC_SHA384),
        OID_SHA512 => (&digest::SHA512, hmac::HMAC_SHA512),
        _ => {
            return Err(KeyError::UnsupportedAlgorithm {
                what: "PKCS#12 MAC algorithm",
                oid,
            });
        }
    };
    if expected.len() != hash.output_len() {
        return fail(what, digest_info.offset, "MAC value has the wrong length");
    }
    let matches = |bmp: &[u8]| {
        let mut key = Zeroizing::new(vec![0u8; hash.output_len()]);
        pbe::pkcs12_kdf(hash, bmp, &salt, 3, iterations, &mut key);
        hmac::verify(&hmac::Key::new(hmac_alg, &key), auth_safe, &expected).is_ok()
    };
    if matches(&password.bmp) {
        return Ok(());
    }
    if password.utf8.is_empty() && matches(&[]) {
        password.bmp = Zeroizing::new(Vec::new());
        return Ok(());
    }
    Err(KeyError::WrongPassword)
}

/// Maps a decryption failure: after a verified MAC, bad padding means a broken file; without
/// a MAC it is the only sign of a wrong password.
fn decrypt_failure(e: DecryptError, verified: bool, what: &'static str) -> KeyError {
    match e {
        DecryptError::BadPadding if verified => KeyError::Malformed {
            what,
            offset: None,
            reason: "does not decrypt under the password that verified the MAC".into(),
        },
        DecryptError::BadPadding => KeyError::WrongPassword,
        DecryptError::Key(k) => k,
    }
}

/// `EncryptedData ::= SEQUENCE { version, EncryptedContentInfo ::= SEQUENCE { contentType,
/// contentEncryptionAlgorithm, encryptedContent [0] IMPLICIT OCTET STRING } }`.
fn encrypted_data(
    tlv: &Tlv<'_>,
    password: &Password,
    verified: bool,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let what = "PKCS#12 encrypted data";
    let mut r = tlv.children().map_err(bad(what))?;
    let _version = r.uint().map_err(bad(what))?;
    let info = r
        .expect(ber::SEQUENCE, "expected the EncryptedContentInfo SEQUENCE")
        .map_err(bad(what))?;
    r.finish().map_err(bad(what))?;
    let mut i = info.children().map_err(bad(what))?;
    let content_type = i.oid().map_err(bad(what))?;
    if content_type != OID_DATA {
        return fail(what, info.offset, "encrypted content is not id-data");
    }
    let algorithm = i.read().map_err(bad(what))?;
    let content_at = i.offset();
    let content = i.read().map_err(bad(what))?;
    if content.tag != ber::CONTEXT_0_PRIMITIVE && content.tag != ber::CONTEXT_0 {
        return fail(what, content_at, "expected the [0] encrypted content");
    }
    let ciphertext = content.octets().map_err(bad(what))?;
    i.finish().map_err(bad(what))?;
    pbe::decrypt(&algorithm, &ciphertext, password).map_err(|e| decrypt_failure(e, verified, what))
}

/// Reads a SafeContents (SEQUENCE OF SafeBag) into `out`. `encrypted` says whether the safe
/// was inside encryptedData, which is what makes a plain keyBag acceptable.
fn safe_contents(
    bytes: &[u8],
    password: &Password,
    verified: bool,
    encrypted: bool,
    depth: usize,
    out: &mut Contents,
) -> Result<(), KeyError> {
    let what = "PKCS#12 safe contents";
    // Without a MAC, garbage here is what a wrong password looks like.
    let bad = |e: BerError| {
        if verified || !encrypted {
            KeyError::malformed(what, e)
        } else {
            KeyError::WrongPassword
        }
    };
    let mut top = Reader::new(bytes);
    let seq = top
        .expect(ber::SEQUENCE, "expected the SafeContents SEQUENCE")
        .map_err(bad)?;
    top.finish().map_err(bad)?;
    let mut bags = seq.children().map_err(bad)?;
    while !bags.is_empty() {
        let bag = bags
            .expect(ber::SEQUENCE, "expected a SafeBag SEQUENCE")
            .map_err(bad)?;
        let mut b = bag.children().map_err(bad)?;
        let bag_id = b.oid().map_err(bad)?;
        let value = b
            .expect(ber::CONTEXT_0, "expected the [0] bag value")
            .map_err(bad)?;
        let local_key_id = match b.optional(ber::SET).map_err(bad)? {
            Some(attributes) => local_key_id(&attributes).map_err(bad)?,
            None => None,
        };
        b.finish().map_err(bad)?;
        let mut v = value.children().map_err(bad)?;
        let inner = v.read().map_err(bad)?;
        v.finish().map_err(bad)?;
        match bag_id.as_str() {
            OID_SHROUDED_KEY_BAG => {
                let (algorithm, ciphertext) =
                    pkcs8::encrypted_private_key_info(&inner, "PKCS#12 shrouded key bag")?;
                let key = pbe::decrypt(&algorithm, &ciphertext, password)
                    .map_err(|e| decrypt_failure(e, verified, "PKCS#12 shrouded key bag"))?;
                out.keys.push(Bag {
                    value: key,
                    local_key_id,
                });
            }
            OID_KEY_BAG => {
                if !encrypted {
                    return Err(KeyError::UnencryptedKey {
                        label: "PKCS#12 keyBag outside encrypted data".into(),
                    });
                }
                if inner.tag != ber::SEQUENCE {
                    return Err(bad(BerError {
                        offset: inner.offset,
                        reason: "keyBag is not a PrivateKeyInfo SEQUENCE",
                    }));
                }
                out.keys.push(Bag {
                    value: Zeroizing::new(inner.raw.to_vec()),
                    local_key_id,
                });
            }
            OID_CERT_BAG => {
                let mut c = inner.children().map_err(bad)?;
                let cert_type = c.oid().map_err(bad)?;
                let cert_value = c
                    .expect(ber::CONTEXT_0, "expected the [0] certificate value")
                    .map_err(bad)?;
                c.finish().map_err(bad)?;
                if cert_type != OID_X509_CERTIFICATE {
                    continue; // SDSI certificates are of no use for signing.
                }
                let mut cv = cert_value.children().map_err(bad)?;
                let der = cv
                    .octets("expected the certificate OCTET STRING")
                    .map_err(bad)?;
                cv.finish().map_err(bad)?;
                out.certificates.push(Bag {
                    value: der.into_owned(),
                    local_key_id,
                });
            }
            OID_SAFE_CONTENTS_BAG => {
                if depth >= MAX_NESTED_SAFES {
                    return Err(bad(BerError {
                        offset: bag.offset,
                        reason: "safeContentsBag nested too deep",
                    }));
                }
                safe_contents(inner.raw, password, verified, encrypted, depth + 1, out)?;
            }
            // CRL and secret bags carry nothing a signer needs.
            _ => {}
        }
    }
    Ok(())
}

/// The localKeyID attribute (RFC 7292 4.2, PKCS#9) from the bag attributes, if present.
fn local_key_id(attributes: &Tlv<'_>) -> Result<Option<Vec<u8>>, BerError> {
    let mut r = attributes.children()?;
    while !r.is_empty() {
        let attribute = r.expect(ber::SEQUENCE, "expected an Attribute SEQUENCE")?;
        let mut a = attribute.children()?;
        let oid = a.oid()?;
        let values = a.expect(ber::SET, "expected the attribute values SET")?;
        a.finish()?;
        if oid == OID_LOCAL_KEY_ID {
            let mut v = values.children()?;
            let id = v.octets("expected the localKeyID OCTET STRING")?;
            return Ok(Some(id.into_owned()));
        }
    }
    Ok(None)
}
