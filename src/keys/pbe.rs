//! Password-based decryption of key bags and encrypted PKCS#8: the PKCS#12 PBE schemes
//! (RFC 7292 appendix B and C: 3DES and RC2, what NCA/Kalkan and `openssl -legacy` write) and
//! PBES2 with PBKDF2 (RFC 8018, what OpenSSL 3 and qujat write). Hashes, HMAC and PBKDF2 come
//! from ring; only the block ciphers come from RustCrypto.

use std::num::NonZeroU32;

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockCipher, BlockDecryptMut, InnerIvInit, KeyInit};
use ring::digest;
use zeroize::Zeroizing;

use super::KeyError;
use super::ber::{self, BerError, Reader, Tlv};

/// Most iterations accepted from a file: a hostile file must not buy minutes of CPU.
pub const MAX_ITERATIONS: u64 = 2_000_000;

const PBE_SHA1_RC4_128: &str = "1.2.840.113549.1.12.1.1";
const PBE_SHA1_RC4_40: &str = "1.2.840.113549.1.12.1.2";
const PBE_SHA1_3DES: &str = "1.2.840.113549.1.12.1.3";
const PBE_SHA1_2DES: &str = "1.2.840.113549.1.12.1.4";
const PBE_SHA1_RC2_128: &str = "1.2.840.113549.1.12.1.5";
const PBE_SHA1_RC2_40: &str = "1.2.840.113549.1.12.1.6";
const PBES2: &str = "1.2.840.113549.1.5.13";
const PBKDF2: &str = "1.2.840.113549.1.5.12";
const HMAC_WITH_SHA1: &str = "1.2.840.113549.2.7";
const HMAC_WITH_SHA256: &str = "1.2.840.113549.2.9";
const HMAC_WITH_SHA384: &str = "1.2.840.113549.2.10";
const HMAC_WITH_SHA512: &str = "1.2.840.113549.2.11";
const AES128_CBC: &str = "2.16.840.1.101.3.4.1.2";
const AES192_CBC: &str = "2.16.840.1.101.3.4.1.22";
const AES256_CBC: &str = "2.16.840.1.101.3.4.1.42";
const DES_EDE3_CBC: &str = "1.2.840.113549.3.7";

/// The password in the two encodings the schemes use, wiped on drop.
pub struct Password {
    /// UTF-8 bytes, for PBES2 (RFC 8018 leaves the encoding to the application; OpenSSL
    /// uses UTF-8).
    pub utf8: Zeroizing<Vec<u8>>,
    /// BMPString, big-endian UTF-16 with a two-byte zero terminator, for the PKCS#12 KDF
    /// (RFC 7292 B.1).
    pub bmp: Zeroizing<Vec<u8>>,
}

impl Password {
    pub fn new(password: &str) -> Self {
        let mut bmp = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
        for unit in password.encode_utf16() {
            bmp.extend_from_slice(&unit.to_be_bytes());
        }
        bmp.extend_from_slice(&[0, 0]);
        Password {
            utf8: Zeroizing::new(password.as_bytes().to_vec()),
            bmp,
        }
    }
}

/// Why decryption failed.
pub enum DecryptError {
    /// The padding after decryption is wrong: a wrong password, or corrupted ciphertext.
    BadPadding,
    /// The algorithm or its parameters are unsupported or malformed.
    Key(KeyError),
}

impl From<KeyError> for DecryptError {
    fn from(e: KeyError) -> Self {
        DecryptError::Key(e)
    }
}

/// Maps a reader error inside an algorithm identifier.
fn params_error(e: BerError) -> KeyError {
    KeyError::malformed("encryption algorithm parameters", e)
}

/// An `AlgorithmIdentifier`: its OID and its parameters, if any.
pub fn algorithm_identifier<'a>(
    tlv: &Tlv<'a>,
    what: &'static str,
) -> Result<(String, Option<Tlv<'a>>), KeyError> {
    let wrap = |e| KeyError::malformed(what, e);
    if tlv.tag != ber::SEQUENCE {
        return Err(KeyError::malformed(
            what,
            BerError {
                offset: tlv.offset,
                reason: "expected an AlgorithmIdentifier SEQUENCE",
            },
        ));
    }
    let mut r = tlv.children().map_err(wrap)?;
    let oid = r.oid().map_err(wrap)?;
    let params = if r.is_empty() {
        None
    } else {
        Some(r.read().map_err(wrap)?)
    };
    r.finish().map_err(wrap)?;
    Ok((oid, params))
}

/// An iteration count within `1..=MAX_ITERATIONS`.
fn iterations(r: &mut Reader<'_>, what: &'static str) -> Result<NonZeroU32, KeyError> {
    let value = r.uint().map_err(|e| KeyError::malformed(what, e))?;
    if value > MAX_ITERATIONS {
        return Err(KeyError::Limit {
            what: "iteration count",
            value,
            limit: MAX_ITERATIONS,
        });
    }
    u32::try_from(value)
        .ok()
        .and_then(NonZeroU32::new)
        .ok_or_else(|| KeyError::Malformed {
            what,
            offset: None,
            reason: "iteration count is zero".into(),
        })
}

/// The PKCS#12 key derivation function (RFC 7292 B.2): `id` 1 = key, 2 = IV, 3 = MAC key.
pub fn pkcs12_kdf(
    hash: &'static digest::Algorithm,
    password_bmp: &[u8],
    salt: &[u8],
    id: u8,
    iterations: NonZeroU32,
    out: &mut [u8],
) {
    let u = hash.output_len();
    let v = hash.block_len();
    // I = S || P, each repeated to a multiple of v bytes.
    let mut input = Zeroizing::new(Vec::new());
    for source in [salt, password_bmp] {
        if !source.is_empty() {
            let len = v * source.len().div_ceil(v);
            input.extend(source.iter().cycle().take(len));
        }
    }
    let diversifier = vec![id; v];
    let mut chunks = out.chunks_mut(u).peekable();
    while let Some(chunk) = chunks.next() {
        let mut ctx = digest::Context::new(hash);
        ctx.update(&diversifier);
        ctx.update(&input);
        let mut a = ctx.finish();
        for _ in 1..iterations.get() {
            a = digest::digest(hash, a.as_ref());
        }
        let a = a.as_ref();
        let take = chunk.len().min(a.len());
        chunk[..take].copy_from_slice(&a[..take]);
        if chunks.peek().is_none() {
            break;
        }
        // I_j = (I_j + B + 1) mod 2^(8v), B = A repeated to v bytes.
        let b: Zeroizing<Vec<u8>> = Zeroizing::new(a.iter().copied().cycle().take(v).collect());
        for block in input.chunks_mut(v) {
            let mut carry = 1u16;
            for (x, y) in block.iter_mut().rev().zip(b.iter().rev()) {
                let sum = u16::from(*x) + u16::from(*y) + carry;
                *x = (sum & 0xff) as u8;
                carry = sum >> 8;
            }
        }
    }
}

/// CBC decryption with PKCS#7 padding into a buffer that is wiped on drop, also on failure.
fn cbc_decrypt<C: BlockDecryptMut + BlockCipher>(
    cipher: C,
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
    let block = C::block_size();
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(block) {
        return Err(DecryptError::Key(KeyError::Malformed {
            what: "encrypted content",
            offset: None,
            reason: format!(
                "length {} is not a positive multiple of the cipher block ({block} bytes)",
                ciphertext.len()
            ),
        }));
    }
    let decryptor =
        cbc::Decryptor::<C>::inner_iv_slice_init(cipher, iv).map_err(|_| KeyError::Malformed {
            what: "encryption algorithm parameters",
            offset: None,
            reason: format!("IV must be {block} bytes, not {}", iv.len()),
        })?;
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    let len = decryptor
        .decrypt_padded_mut::<Pkcs7>(&mut buf)
        .map_err(|_| DecryptError::BadPadding)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

fn key_length_error(len: usize) -> DecryptError {
    DecryptError::Key(KeyError::Malformed {
        what: "encryption algorithm parameters",
        offset: None,
        reason: format!("bad key length {len}"),
    })
}

/// Which block cipher in CBC mode, with its key length in bytes.
#[derive(Clone, Copy)]
enum Cbc {
    TdesEde3,
    TdesEde2,
    Rc2 { effective_bits: usize },
    Aes128,
    Aes192,
    Aes256,
}

impl Cbc {
    fn key_len(self) -> usize {
        match self {
            Cbc::TdesEde3 | Cbc::Aes192 => 24,
            Cbc::TdesEde2 | Cbc::Aes128 => 16,
            Cbc::Rc2 { effective_bits } => effective_bits / 8,
            Cbc::Aes256 => 32,
        }
    }

    fn iv_len(self) -> usize {
        match self {
            Cbc::TdesEde3 | Cbc::TdesEde2 | Cbc::Rc2 { .. } => 8,
            Cbc::Aes128 | Cbc::Aes192 | Cbc::Aes256 => 16,
        }
    }

    fn decrypt(
        self,
        key: &[u8],
        iv: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
        let bad = |_| key_length_error(key.len());
        match self {
            Cbc::TdesEde3 => cbc_decrypt(
                des::TdesEde3::new_from_slice(key).map_err(bad)?,
                iv,
                ciphertext,
            ),
            Cbc::TdesEde2 => cbc_decrypt(
                des::TdesEde2::new_from_slice(key).map_err(bad)?,
                iv,
                ciphertext,
            ),
            Cbc::Rc2 { effective_bits } => cbc_decrypt(
                rc2::Rc2::new_with_eff_key_len(key, effective_bits),
                iv,
                ciphertext,
            ),
            Cbc::Aes128 => cbc_decrypt(
                aes::Aes128::new_from_slice(key).map_err(bad)?,
                iv,
                ciphertext,
            ),
            Cbc::Aes192 => cbc_decrypt(
                aes::Aes192::new_from_slice(key).map_err(bad)?,
                iv,
                ciphertext,
            ),
            Cbc::Aes256 => cbc_decrypt(
                aes::Aes256::new_from_slice(key).map_err(bad)?,
                iv,
                ciphertext,
            ),
        }
    }
}

/// Decrypts `ciphertext` under the encryption `AlgorithmIdentifier` `algorithm`.
pub fn decrypt(
    algorithm: &Tlv<'_>,
    ciphertext: &[u8],
    password: &Password,
) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
    let (oid, params) = algorithm_identifier(algorithm, "encryption algorithm")?;
    let legacy = match oid.as_str() {
        PBE_SHA1_3DES => Some(Cbc::TdesEde3),
        PBE_SHA1_2DES => Some(Cbc::TdesEde2),
        PBE_SHA1_RC2_128 => Some(Cbc::Rc2 {
            effective_bits: 128,
        }),
        PBE_SHA1_RC2_40 => Some(Cbc::Rc2 { effective_bits: 40 }),
        PBES2 => None,
        PBE_SHA1_RC4_128 | PBE_SHA1_RC4_40 => {
            return Err(KeyError::UnsupportedAlgorithm {
                what: "encryption algorithm (RC4)",
                oid,
            }
            .into());
        }
        _ => {
            return Err(KeyError::UnsupportedAlgorithm {
                what: "encryption algorithm",
                oid,
            }
            .into());
        }
    };
    let params = params.ok_or_else(|| KeyError::Malformed {
        what: "encryption algorithm parameters",
        offset: Some(algorithm.offset),
        reason: "parameters missing".into(),
    })?;
    match legacy {
        Some(cipher) => pkcs12_pbe(cipher, &params, ciphertext, password),
        None => pbes2(&params, ciphertext, password),
    }
}

/// `pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }` with the
/// SHA-1 PKCS#12 KDF for key and IV.
fn pkcs12_pbe(
    cipher: Cbc,
    params: &Tlv<'_>,
    ciphertext: &[u8],
    password: &Password,
) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
    let what = "PKCS#12 PBE parameters";
    if params.tag != ber::SEQUENCE {
        return Err(KeyError::malformed(
            what,
            BerError {
                offset: params.offset,
                reason: "expected a SEQUENCE",
            },
        )
        .into());
    }
    let mut r = params.children().map_err(params_error)?;
    let salt = r
        .octets("expected the salt OCTET STRING")
        .map_err(params_error)?;
    let count = iterations(&mut r, what)?;
    r.finish().map_err(params_error)?;
    let hash = &digest::SHA1_FOR_LEGACY_USE_ONLY;
    let mut key = Zeroizing::new(vec![0u8; cipher.key_len()]);
    let mut iv = Zeroizing::new(vec![0u8; cipher.iv_len()]);
    pkcs12_kdf(hash, &password.bmp, &salt, 1, count, &mut key);
    pkcs12_kdf(hash, &password.bmp, &salt, 2, count, &mut iv);
    cipher.decrypt(&key, &iv, ciphertext)
}

/// `PBES2-params ::= SEQUENCE { keyDerivationFunc, encryptionScheme }` (RFC 8018 A.4) with
/// PBKDF2 over the UTF-8 password.
fn pbes2(
    params: &Tlv<'_>,
    ciphertext: &[u8],
    password: &Password,
) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
    let what = "PBES2 parameters";
    let wrap = |e| KeyError::malformed(what, e);
    if params.tag != ber::SEQUENCE {
        return Err(KeyError::malformed(
            what,
            BerError {
                offset: params.offset,
                reason: "expected a SEQUENCE",
            },
        )
        .into());
    }
    let mut r = params.children().map_err(wrap)?;
    let kdf = r.read().map_err(wrap)?;
    let scheme = r.read().map_err(wrap)?;
    r.finish().map_err(wrap)?;

    let (kdf_oid, kdf_params) = algorithm_identifier(&kdf, "PBES2 key derivation function")?;
    if kdf_oid != PBKDF2 {
        return Err(KeyError::UnsupportedAlgorithm {
            what: "key derivation function",
            oid: kdf_oid,
        }
        .into());
    }
    let kdf_params = kdf_params.ok_or_else(|| KeyError::Malformed {
        what,
        offset: Some(kdf.offset),
        reason: "PBKDF2 parameters missing".into(),
    })?;
    if kdf_params.tag != ber::SEQUENCE {
        return Err(KeyError::malformed(
            what,
            BerError {
                offset: kdf_params.offset,
                reason: "PBKDF2 parameters are not a SEQUENCE",
            },
        )
        .into());
    }
    let mut p = kdf_params.children().map_err(wrap)?;
    if p.peek_tag() == Some(ber::SEQUENCE) {
        return Err(
            KeyError::Unsupported("PBKDF2 salt from another source (otherSource)".into()).into(),
        );
    }
    let salt = p
        .octets("expected the PBKDF2 salt OCTET STRING")
        .map_err(wrap)?;
    let count = iterations(&mut p, what)?;
    let key_length = match p.optional(ber::INTEGER).map_err(wrap)? {
        Some(tlv) => Some(tlv.uint().map_err(wrap)?),
        None => None,
    };
    let prf = match p.optional(ber::SEQUENCE).map_err(wrap)? {
        None => &ring::pbkdf2::PBKDF2_HMAC_SHA1,
        Some(tlv) => {
            let (oid, prf_params) = algorithm_identifier(&tlv, "PBKDF2 PRF")?;
            if let Some(x) = prf_params
                && !(x.tag == ber::NULL && x.body.is_empty())
            {
                return Err(KeyError::malformed(
                    what,
                    BerError {
                        offset: x.offset,
                        reason: "PRF parameters must be NULL or absent",
                    },
                )
                .into());
            }
            match oid.as_str() {
                HMAC_WITH_SHA1 => &ring::pbkdf2::PBKDF2_HMAC_SHA1,
                HMAC_WITH_SHA256 => &ring::pbkdf2::PBKDF2_HMAC_SHA256,
                HMAC_WITH_SHA384 => &ring::pbkdf2::PBKDF2_HMAC_SHA384,
                HMAC_WITH_SHA512 => &ring::pbkdf2::PBKDF2_HMAC_SHA512,
                _ => {
                    return Err(KeyError::UnsupportedAlgorithm {
                        what: "PBKDF2 pseudo-random function",
                        oid,
                    }
                    .into());
                }
            }
        }
    };
    p.finish().map_err(wrap)?;

    let (scheme_oid, iv) = algorithm_identifier(&scheme, "PBES2 encryption scheme")?;
    let cipher = match scheme_oid.as_str() {
        AES128_CBC => Cbc::Aes128,
        AES192_CBC => Cbc::Aes192,
        AES256_CBC => Cbc::Aes256,
        DES_EDE3_CBC => Cbc::TdesEde3,
        _ => {
            return Err(KeyError::UnsupportedAlgorithm {
                what: "encryption scheme",
                oid: scheme_oid,
            }
            .into());
        }
    };
    if let Some(len) = key_length
        && len != cipher.key_len() as u64
    {
        return Err(KeyError::Malformed {
            what,
            offset: Some(kdf_params.offset),
            reason: format!(
                "PBKDF2 key length {len} does not fit the cipher ({} bytes)",
                cipher.key_len()
            ),
        }
        .into());
    }
    let iv = match iv {
        Some(tlv) if tlv.tag == ber::OCTET_STRING => tlv.body,
        _ => {
            return Err(KeyError::malformed(
                what,
                BerError {
                    offset: scheme.offset,
                    reason: "the IV is not an OCTET STRING",
                },
            )
            .into());
        }
    };
    let mut key = Zeroizing::new(vec![0u8; cipher.key_len()]);
    ring::pbkdf2::derive(*prf, count, &salt, &password.utf8, &mut key);
    cipher.decrypt(&key, iv, ciphertext)
}
