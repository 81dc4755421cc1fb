//! Signing keys: loads a private key and its certificates from a password-protected file and
//! signs with ring.
//!
//! Two formats: PKCS#12 as NCA RK (Kalkan), `openssl -legacy` and OpenSSL 3 write it, and
//! encrypted PKCS#8 PEM with the certificates in the same file (what `qujat keys demo`
//! writes). The parsing is our own small BER reader because NCA files are BER (indefinite
//! lengths, constructed strings) and because the only PKCS#12 crates pull RustCrypto `rsa`
//! (RUSTSEC-2023-0071). Unencrypted keys are refused: keys must be encrypted at rest.
//! Decrypted key bytes are wiped after ring has taken them.

mod ber;
mod pbe;
mod pem;
mod pkcs12;
mod pkcs8;
mod store;

pub use store::{KeyStore, KeyStoreError};

#[cfg(test)]
mod tests;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair,
};
use x509_parser::prelude::{FromDer, X509Certificate};

use ber::{BerError, Reader};
use pkcs8::PrivateKey;

/// Largest key file accepted (NCA files are a few KiB).
pub const MAX_FILE_SIZE: usize = 1 << 20;

/// `AlgorithmIdentifier { sha256WithRSAEncryption, NULL }` (RFC 4055 5).
const SHA256_WITH_RSA: &[u8] = &[
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00,
];
/// `AlgorithmIdentifier { ecdsa-with-SHA256 }`, parameters absent (RFC 5758 3.2).
const ECDSA_WITH_SHA256: &[u8] = &[
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
];

/// The signature algorithm a key signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-256 (2048 to 4096-bit keys, as ring accepts them).
    Rsa2048Sha256,
    /// ECDSA on P-256 with SHA-256, ASN.1 (DER) signatures.
    EcdsaP256Sha256,
}

/// Why a key file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The MAC did not verify, or (without a MAC) the key did not decrypt. The two cannot be
    /// told apart from a corrupted file.
    #[error("wrong password: the key file's integrity check or decryption failed")]
    WrongPassword,
    /// The file's structure is broken; `offset` is the byte offset in the structure `what`.
    #[error("malformed {what}{}: {reason}", at_byte(.offset))]
    Malformed {
        what: &'static str,
        offset: Option<usize>,
        reason: String,
    },
    /// An algorithm (key, curve, cipher, MAC, KDF) that qujat does not implement.
    #[error("unsupported {what}: {oid}{}", oid_hint(.oid))]
    UnsupportedAlgorithm { what: &'static str, oid: String },
    /// A feature of the format that qujat does not implement.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A number in the file exceeds what qujat is willing to spend work on.
    #[error("{what} {value} exceeds the limit {limit}")]
    Limit {
        what: &'static str,
        value: u64,
        limit: u64,
    },
    #[error("the file contains no private key")]
    NoPrivateKey,
    #[error("the file contains more than one private key")]
    MultiplePrivateKeys,
    /// Keys must be encrypted at rest.
    #[error("the private key is not encrypted ({label}); keys must be stored encrypted")]
    UnencryptedKey { label: String },
    #[error("the file contains no certificate")]
    NoCertificate,
    #[error("none of the {count} certificates in the file carries the private key's public key")]
    NoMatchingCertificate { count: usize },
    /// The certificate the file pairs with the key carries another public key.
    #[error("the certificate paired with the key ({subject}) carries a different public key")]
    KeyCertificateMismatch { subject: String },
    /// ring refused the key (too small, inconsistent components, …).
    #[error("the private key is not usable: {reason}")]
    KeyRejected { reason: String },
    #[error("cannot read key file {}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl KeyError {
    fn malformed(what: &'static str, e: BerError) -> Self {
        KeyError::Malformed {
            what,
            offset: Some(e.offset),
            reason: e.reason.into(),
        }
    }
}

fn at_byte(offset: &Option<usize>) -> String {
    offset.map(|o| format!(" at byte {o}")).unwrap_or_default()
}

fn oid_hint(oid: &str) -> &'static str {
    if oid.starts_with("1.2.398.3.10.") {
        " (Kazakhstan GOST; only RSA and ECDSA P-256 keys are supported)"
    } else if oid.starts_with("1.2.643.") {
        " (Russian GOST; only RSA and ECDSA P-256 keys are supported)"
    } else {
        ""
    }
}

enum Pair {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
}

/// A private key held by ring, with its certificate and chain. Never prints key material.
pub struct SigningKey {
    pair: Pair,
    algorithm: KeyAlgorithm,
    certificate: Vec<u8>,
    chain: Vec<Vec<u8>>,
    subject: String,
    rng: SystemRandom,
}

impl SigningKey {
    /// Loads a PKCS#12 file (DER/BER, first byte 0x30) or a PEM file with an encrypted
    /// PKCS#8 key and its certificates.
    pub fn load(bytes: &[u8], password: &str) -> Result<SigningKey, KeyError> {
        if bytes.len() > MAX_FILE_SIZE {
            return Err(KeyError::Limit {
                what: "key file size",
                value: bytes.len() as u64,
                limit: MAX_FILE_SIZE as u64,
            });
        }
        if bytes.first() == Some(&0x30) {
            return Self::from_pkcs12(bytes, password);
        }
        let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        if text.trim_ascii_start().starts_with(b"-----BEGIN") {
            return Self::from_pem(text, password);
        }
        Err(KeyError::Malformed {
            what: "key file",
            offset: Some(0),
            reason: "neither PKCS#12 (DER/BER) nor PEM".into(),
        })
    }

    /// [`SigningKey::load`] from a file; read errors name the path.
    pub fn load_file(path: &Path, password: &str) -> Result<SigningKey, KeyError> {
        let io = |source| KeyError::Io {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_SIZE as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        Self::load(&bytes, password)
    }

    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The signer certificate, DER.
    pub fn certificate(&self) -> &[u8] {
        &self.certificate
    }

    fn from_pkcs12(bytes: &[u8], password: &str) -> Result<SigningKey, KeyError> {
        let contents = pkcs12::parse(bytes, password)?;
        let mut keys = contents.keys.into_iter();
        let (pkcs8_der, key_id) = match (keys.next(), keys.next()) {
            (None, _) => return Err(KeyError::NoPrivateKey),
            (Some(_), Some(_)) => return Err(KeyError::MultiplePrivateKeys),
            (Some(key), None) => (key.value, key.local_key_id),
        };
        let private = match pkcs8::private_key_info(&pkcs8_der) {
            Err(KeyError::Malformed { .. }) if !contents.verified => {
                return Err(KeyError::WrongPassword);
            }
            other => other?,
        };
        drop(pkcs8_der);
        let certificates = contents
            .certificates
            .into_iter()
            .map(|bag| Certificate::parse(bag.value, bag.local_key_id))
            .collect::<Result<Vec<_>, _>>()?;
        let paired = key_id.as_ref().and_then(|id| {
            certificates
                .iter()
                .position(|c| c.local_key_id.as_ref() == Some(id))
        });
        Self::assemble(private, certificates, paired)
    }

    fn from_pem(text: &[u8], password: &str) -> Result<SigningKey, KeyError> {
        let blocks = pem::parse(text)?;
        let mut encrypted = None;
        let mut certificates = Vec::new();
        for block in blocks {
            match block.label.as_str() {
                "ENCRYPTED PRIVATE KEY" if encrypted.is_some() => {
                    return Err(KeyError::MultiplePrivateKeys);
                }
                "ENCRYPTED PRIVATE KEY" => encrypted = Some(block),
                "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" if block.has_headers => {
                    return Err(KeyError::Unsupported(format!(
                        "legacy OpenSSL PEM encryption of the {} block; convert it with \
                         `openssl pkcs8 -topk8`",
                        block.label
                    )));
                }
                "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
                    return Err(KeyError::UnencryptedKey { label: block.label });
                }
                "CERTIFICATE" => certificates.push(Certificate::parse(block.der, None)?),
                _ => {}
            }
        }
        let block = encrypted.ok_or(KeyError::NoPrivateKey)?;
        let what = "encrypted PKCS#8 key";
        let mut r = Reader::new(&block.der);
        let tlv = r.read().map_err(|e| KeyError::malformed(what, e))?;
        r.finish().map_err(|e| KeyError::malformed(what, e))?;
        let (algorithm, ciphertext) = pkcs8::encrypted_private_key_info(&tlv, what)?;
        let password = pbe::Password::new(password);
        let pkcs8_der = pbe::decrypt(&algorithm, &ciphertext, &password).map_err(|e| match e {
            pbe::DecryptError::BadPadding => KeyError::WrongPassword,
            pbe::DecryptError::Key(k) => k,
        })?;
        // Valid padding over garbage happens (1 in 256): the structure then tells.
        let private = match pkcs8::private_key_info(&pkcs8_der) {
            Err(KeyError::Malformed { .. }) => return Err(KeyError::WrongPassword),
            other => other?,
        };
        drop(pkcs8_der);
        Self::assemble(private, certificates, None)
    }

    /// Hands the key to ring and picks the leaf: the certificate with the key's public key.
    /// `paired` is the certificate the file itself links to the key, if any.
    fn assemble(
        private: PrivateKey,
        certificates: Vec<Certificate>,
        paired: Option<usize>,
    ) -> Result<SigningKey, KeyError> {
        if certificates.is_empty() {
            return Err(KeyError::NoCertificate);
        }
        let paired = paired.or((certificates.len() == 1).then_some(0));
        let rng = SystemRandom::new();
        let rejected = |e: ring::error::KeyRejected| KeyError::KeyRejected {
            reason: e.to_string(),
        };
        let (pair, algorithm, public) = match private {
            PrivateKey::Rsa { pkcs1 } => {
                let pair = RsaKeyPair::from_der(&pkcs1).map_err(rejected)?;
                let public = rsa_public_key(pair.public_key().as_ref()).ok_or_else(|| {
                    KeyError::KeyRejected {
                        reason: "unreadable RSA public key".into(),
                    }
                })?;
                (Pair::Rsa(pair), KeyAlgorithm::Rsa2048Sha256, public)
            }
            PrivateKey::EcP256 { scalar, public } => {
                let from = |point: &[u8]| {
                    EcdsaKeyPair::from_private_key_and_public_key(
                        &ECDSA_P256_SHA256_ASN1_SIGNING,
                        scalar.as_ref(),
                        point,
                        &rng,
                    )
                };
                let pair = match public {
                    Some(point) => from(&point).map_err(rejected)?,
                    // ring needs the public point; without one in the file, the right
                    // certificate supplies it (ring checks it against the scalar).
                    None => certificates
                        .iter()
                        .find_map(|c| match &c.public_key {
                            CertKey::EcP256(point) => from(point).ok(),
                            _ => None,
                        })
                        .ok_or(KeyError::NoMatchingCertificate {
                            count: certificates.len(),
                        })?,
                };
                let point = pair.public_key().as_ref().to_vec();
                (
                    Pair::Ecdsa(pair),
                    KeyAlgorithm::EcdsaP256Sha256,
                    CertKey::EcP256(point),
                )
            }
        };

        let matching: Vec<usize> = certificates
            .iter()
            .enumerate()
            .filter(|(_, c)| c.public_key == public)
            .map(|(i, _)| i)
            .collect();
        let leaf = match (paired, matching.first()) {
            (Some(p), _) if matching.contains(&p) => p,
            (_, Some(&first)) => first,
            (Some(p), None) => {
                return Err(KeyError::KeyCertificateMismatch {
                    subject: certificates[p].subject.clone(),
                });
            }
            (None, None) => {
                return Err(KeyError::NoMatchingCertificate {
                    count: certificates.len(),
                });
            }
        };
        let mut certificate = Vec::new();
        let mut subject = String::new();
        let mut chain: Vec<Vec<u8>> = Vec::new();
        for (i, c) in certificates.into_iter().enumerate() {
            if i == leaf {
                certificate = c.der;
                subject = c.subject;
            } else if !chain.contains(&c.der) {
                chain.push(c.der);
            }
        }
        chain.retain(|c| *c != certificate);
        Ok(SigningKey {
            pair,
            algorithm,
            certificate,
            chain,
            subject,
            rng,
        })
    }
}

impl crate::cms::Signer for SigningKey {
    fn certificate(&self) -> &[u8] {
        &self.certificate
    }

    fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    fn signature_algorithm_der(&self) -> &[u8] {
        match self.algorithm {
            KeyAlgorithm::Rsa2048Sha256 => SHA256_WITH_RSA,
            KeyAlgorithm::EcdsaP256Sha256 => ECDSA_WITH_SHA256,
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        match &self.pair {
            Pair::Rsa(pair) => {
                let mut signature = vec![0u8; pair.public().modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &self.rng, message, &mut signature)
                    .map_err(|_| "RSA signing failed".to_owned())?;
                Ok(signature)
            }
            Pair::Ecdsa(pair) => pair
                .sign(&self.rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| "ECDSA signing failed".to_owned()),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// A certificate's public key in a form comparable with ring's.
#[derive(Debug, PartialEq, Eq)]
enum CertKey {
    /// Modulus and exponent, without leading zeros.
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// Uncompressed point.
    EcP256(Vec<u8>),
    Other,
}

struct Certificate {
    der: Vec<u8>,
    public_key: CertKey,
    subject: String,
    local_key_id: Option<Vec<u8>>,
}

impl Certificate {
    fn parse(der: Vec<u8>, local_key_id: Option<Vec<u8>>) -> Result<Certificate, KeyError> {
        let what = "certificate";
        let (rest, cert) = X509Certificate::from_der(&der).map_err(|e| KeyError::Malformed {
            what,
            offset: None,
            reason: e.to_string(),
        })?;
        if !rest.is_empty() {
            return Err(KeyError::Malformed {
                what,
                offset: Some(der.len() - rest.len()),
                reason: "trailing bytes after the certificate".into(),
            });
        }
        let subject = cert.subject().to_string();
        let public_key = spki_key(cert.public_key().raw);
        Ok(Certificate {
            der,
            public_key,
            subject,
            local_key_id,
        })
    }
}

/// `SubjectPublicKeyInfo` → [`CertKey`]; anything unexpected is `Other` (it just won't match).
fn spki_key(spki: &[u8]) -> CertKey {
    let parse = || -> Result<CertKey, BerError> {
        let mut top = Reader::new(spki);
        let seq = top.expect(ber::SEQUENCE, "SPKI")?;
        let mut r = seq.children()?;
        let alg = r.expect(ber::SEQUENCE, "algorithm")?;
        let bits = r.expect(ber::BIT_STRING, "key")?;
        let mut a = alg.children()?;
        let oid = a.oid()?;
        let Ok(key) = pkcs8::bit_string(bits.body) else {
            return Ok(CertKey::Other);
        };
        Ok(match oid.as_str() {
            pkcs8::OID_RSA_ENCRYPTION => rsa_public_key(&key).unwrap_or(CertKey::Other),
            pkcs8::OID_EC_PUBLIC_KEY if a.oid()? == pkcs8::OID_P256 => CertKey::EcP256(key),
            _ => CertKey::Other,
        })
    };
    parse().unwrap_or(CertKey::Other)
}

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
fn rsa_public_key(der: &[u8]) -> Option<CertKey> {
    let mut top = Reader::new(der);
    let seq = top.expect(ber::SEQUENCE, "RSAPublicKey").ok()?;
    let mut r = seq.children().ok()?;
    let n = r.expect(ber::INTEGER, "modulus").ok()?;
    let e = r.expect(ber::INTEGER, "exponent").ok()?;
    let strip = |b: &[u8]| -> Vec<u8> {
        let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
        b[start..].to_vec()
    };
    Some(CertKey::Rsa {
        n: strip(n.body),
        e: strip(e.body),
    })
}
