//! Writing private keys: PKCS#8 wrapping and password-encrypted PKCS#8 PEM (PBES2 with
//! PBKDF2-HMAC-SHA256 and AES-256-CBC), so keys are never stored in the clear.

use std::num::NonZeroU32;

use aes::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use yasna::models::ObjectIdentifier;

const RSA_ENCRYPTION: &[u64] = &[1, 2, 840, 113_549, 1, 1, 1];
const PBES2: &[u64] = &[1, 2, 840, 113_549, 1, 5, 13];
const PBKDF2: &[u64] = &[1, 2, 840, 113_549, 1, 5, 12];
const HMAC_SHA256: &[u64] = &[1, 2, 840, 113_549, 2, 9];
const AES256_CBC: &[u64] = &[2, 16, 840, 1, 101, 3, 4, 1, 42];

/// PBKDF2 iterations for keys written by qujat (OpenSSL 3's default is 2048; more is
/// cheap for a key loaded once at start).
pub const PBKDF2_ITERATIONS: u32 = 100_000;

/// PKCS#1 RSAPrivateKey → PKCS#8 PrivateKeyInfo.
pub fn pkcs8_wrap_rsa(pkcs1: &[u8]) -> Vec<u8> {
    yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_u8(0);
            w.next().write_sequence(|w| {
                w.next()
                    .write_oid(&ObjectIdentifier::from_slice(RSA_ENCRYPTION));
                w.next().write_null();
            });
            w.next().write_bytes(pkcs1);
        })
    })
}

#[derive(Debug, thiserror::Error)]
#[error("random number generator failed")]
pub struct RandomError;

/// PKCS#8 DER → `-----BEGIN ENCRYPTED PRIVATE KEY-----` PEM under `password`.
pub fn encrypt_pkcs8_pem(pkcs8: &[u8], password: &str) -> Result<String, RandomError> {
    let rng = SystemRandom::new();
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    rng.fill(&mut salt).map_err(|_| RandomError)?;
    rng.fill(&mut iv).map_err(|_| RandomError)?;
    let mut key = [0u8; 32];
    let iterations = NonZeroU32::new(PBKDF2_ITERATIONS).ok_or(RandomError)?;
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        &salt,
        password.as_bytes(),
        &mut key,
    );
    let encrypted = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv.into())
        .encrypt_padded_vec_mut::<Pkcs7>(pkcs8);
    key.fill(0);
    let der = yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_sequence(|w| {
                w.next().write_oid(&ObjectIdentifier::from_slice(PBES2));
                w.next().write_sequence(|w| {
                    w.next().write_sequence(|w| {
                        w.next().write_oid(&ObjectIdentifier::from_slice(PBKDF2));
                        w.next().write_sequence(|w| {
                            w.next().write_bytes(&salt);
                            w.next().write_u32(PBKDF2_ITERATIONS);
                            w.next().write_sequence(|w| {
                                w.next()
                                    .write_oid(&ObjectIdentifier::from_slice(HMAC_SHA256));
                                w.next().write_null();
                            });
                        });
                    });
                    w.next().write_sequence(|w| {
                        w.next()
                            .write_oid(&ObjectIdentifier::from_slice(AES256_CBC));
                        w.next().write_bytes(&iv);
                    });
                });
            });
            w.next().write_bytes(&encrypted);
        })
    });
    Ok(pem("ENCRYPTED PRIVATE KEY", &der))
}

/// PEM armour with 64-column lines.
pub fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
