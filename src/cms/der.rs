//! A tiny DER writer: just enough to build CMS SignedData by hand.
//!
//! Every function returns a complete TLV (tag, length, value) as bytes; composite values
//! take already-encoded children. Nothing here parses untrusted input.

use time::{OffsetDateTime, UtcOffset};

/// Tag of a universal INTEGER.
pub const INTEGER: u8 = 0x02;
/// Tag of a universal OCTET STRING.
pub const OCTET_STRING: u8 = 0x04;
/// Tag of a universal NULL.
pub const NULL: u8 = 0x05;
/// Tag of a universal OBJECT IDENTIFIER.
pub const OID: u8 = 0x06;
/// Tag of a universal UTCTime.
pub const UTC_TIME: u8 = 0x17;
/// Tag of a universal GeneralizedTime.
pub const GENERALIZED_TIME: u8 = 0x18;
/// Tag of a constructed SEQUENCE / SEQUENCE OF.
pub const SEQUENCE: u8 = 0x30;
/// Tag of a constructed SET / SET OF.
pub const SET: u8 = 0x31;

/// What can go wrong while encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DerError {
    /// An object identifier in dotted form that is not a valid OID.
    #[error("invalid object identifier {0:?}")]
    InvalidOid(String),
    /// A context tag number above 30 (needs the long tag form, which nothing here uses).
    #[error("context tag number {0} is out of range")]
    TagNumber(u8),
    /// A time that cannot be written in the requested form.
    #[error("time out of range for {0}")]
    TimeOutOfRange(&'static str),
}

/// The DER length octets for a value of `len` bytes.
pub fn length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        // Short form; the cast cannot truncate.
        return vec![len as u8];
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    let significant = bytes.get(skip..).unwrap_or_default();
    let mut out = Vec::with_capacity(1 + significant.len());
    // At most size_of::<usize>() octets, so the cast cannot truncate.
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(significant);
    out
}

/// A TLV with a one-octet `tag`.
pub fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let len = length(value.len());
    let mut out = Vec::with_capacity(1 + len.len() + value.len());
    out.push(tag);
    out.extend_from_slice(&len);
    out.extend_from_slice(value);
    out
}

/// Concatenation of encoded elements.
fn concat(parts: &[&[u8]]) -> Vec<u8> {
    let total = parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(total);
    for part in parts {
        out.extend_from_slice(part);
    }
    out
}

/// SEQUENCE of already-encoded elements, in the given order.
pub fn sequence(elements: &[&[u8]]) -> Vec<u8> {
    tlv(SEQUENCE, &concat(elements))
}

/// The content octets of a DER SET OF: the encoded elements sorted ascending as octet
/// strings (X.690 11.6; a shorter element that is a prefix of a longer one sorts first).
pub fn sorted_set_content(elements: &[&[u8]]) -> Vec<u8> {
    let mut sorted: Vec<&[u8]> = elements.to_vec();
    sorted.sort_unstable();
    concat(&sorted)
}

/// SET OF already-encoded elements, sorted as DER requires.
pub fn set_of(elements: &[&[u8]]) -> Vec<u8> {
    tlv(SET, &sorted_set_content(elements))
}

/// OBJECT IDENTIFIER from its dotted form, e.g. `"1.2.840.113549.1.7.2"`.
pub fn oid(dotted: &str) -> Result<Vec<u8>, DerError> {
    let invalid = || DerError::InvalidOid(dotted.to_owned());
    let arcs = dotted
        .split('.')
        .map(|arc| {
            if arc.is_empty() || !arc.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            arc.parse::<u64>().map_err(|_| invalid())
        })
        .collect::<Result<Vec<u64>, _>>()?;
    let (first, second, rest) = match arcs.as_slice() {
        [first, second, rest @ ..] => (*first, *second, rest),
        _ => return Err(invalid()),
    };
    if first > 2 || (first < 2 && second > 39) {
        return Err(invalid());
    }
    let head = first
        .checked_mul(40)
        .and_then(|v| v.checked_add(second))
        .ok_or_else(invalid)?;
    let mut content = Vec::new();
    for arc in std::iter::once(head).chain(rest.iter().copied()) {
        push_base128(&mut content, arc);
    }
    Ok(tlv(OID, &content))
}

/// Appends `value` in base 128, high groups first, continuation bit on all but the last.
fn push_base128(out: &mut Vec<u8>, value: u64) {
    let mut groups = [0u8; 10];
    let mut n = 0;
    let mut v = value;
    loop {
        // Masked to 7 bits, so the cast cannot truncate.
        if let Some(slot) = groups.get_mut(n) {
            *slot = (v & 0x7f) as u8;
        }
        n += 1;
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    for i in (0..n).rev() {
        let group = groups.get(i).copied().unwrap_or_default();
        out.push(if i == 0 { group } else { group | 0x80 });
    }
}

/// INTEGER from a big-endian unsigned magnitude (leading zeros are dropped, and a zero
/// octet is prepended when the high bit is set so the value stays non-negative).
pub fn integer_unsigned(magnitude: &[u8]) -> Vec<u8> {
    let skip = magnitude.iter().take_while(|&&b| b == 0).count();
    let significant = magnitude.get(skip..).unwrap_or_default();
    match significant.first() {
        None => tlv(INTEGER, &[0]),
        Some(&high) if high & 0x80 != 0 => {
            let mut content = Vec::with_capacity(significant.len() + 1);
            content.push(0);
            content.extend_from_slice(significant);
            tlv(INTEGER, &content)
        }
        Some(_) => tlv(INTEGER, significant),
    }
}

/// INTEGER whose content octets are already in two's complement form, written as they
/// are (a certificate serial number read from the certificate, for one).
pub fn integer_raw(content: &[u8]) -> Vec<u8> {
    tlv(INTEGER, content)
}

/// INTEGER from a small non-negative number.
pub fn integer_u64(value: u64) -> Vec<u8> {
    integer_unsigned(&value.to_be_bytes())
}

/// OCTET STRING.
pub fn octet_string(bytes: &[u8]) -> Vec<u8> {
    tlv(OCTET_STRING, bytes)
}

/// NULL.
pub fn null() -> Vec<u8> {
    vec![NULL, 0]
}

/// UTCTime `YYMMDDHHMMSSZ` (years 1950–2049 only, as RFC 5280 restricts it).
pub fn utc_time(at: OffsetDateTime) -> Result<Vec<u8>, DerError> {
    let at = at.to_offset(UtcOffset::UTC);
    let year = at.year();
    if !(1950..2050).contains(&year) {
        return Err(DerError::TimeOutOfRange("UTCTime"));
    }
    let text = format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}Z",
        year % 100,
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    Ok(tlv(UTC_TIME, text.as_bytes()))
}

/// GeneralizedTime `YYYYMMDDHHMMSSZ` (whole seconds, years 0–9999).
pub fn generalized_time(at: OffsetDateTime) -> Result<Vec<u8>, DerError> {
    let at = at.to_offset(UtcOffset::UTC);
    let year = at.year();
    if !(0..=9999).contains(&year) {
        return Err(DerError::TimeOutOfRange("GeneralizedTime"));
    }
    let text = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        year,
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    Ok(tlv(GENERALIZED_TIME, text.as_bytes()))
}

/// CMS/X.509 `Time`: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5652 11.3).
pub fn time(at: OffsetDateTime) -> Result<Vec<u8>, DerError> {
    let year = at.to_offset(UtcOffset::UTC).year();
    if (1950..2050).contains(&year) {
        utc_time(at)
    } else {
        generalized_time(at)
    }
}

/// `[n] EXPLICIT`: a constructed context tag around one complete encoding.
pub fn explicit(n: u8, inner: &[u8]) -> Result<Vec<u8>, DerError> {
    Ok(tlv(context_tag(n, true)?, inner))
}

/// `[n] IMPLICIT`: the given content octets under a context tag that replaces the
/// original tag (`constructed` must match the replaced type: true for SEQUENCE/SET).
pub fn implicit(n: u8, constructed: bool, content: &[u8]) -> Result<Vec<u8>, DerError> {
    Ok(tlv(context_tag(n, constructed)?, content))
}

fn context_tag(n: u8, constructed: bool) -> Result<u8, DerError> {
    if n > 30 {
        return Err(DerError::TagNumber(n));
    }
    Ok(0x80 | if constructed { 0x20 } else { 0 } | n)
}

/// The content octets of a complete TLV (`None` if `encoded` is not one well-formed
/// definite-length TLV with a one-octet tag).
pub fn content_of(encoded: &[u8]) -> Option<&[u8]> {
    let (&first_len, rest) = encoded.get(1..)?.split_first()?;
    let (len, rest) = if first_len < 0x80 {
        (usize::from(first_len), rest)
    } else {
        let n = usize::from(first_len & 0x7f);
        if n == 0 || n > std::mem::size_of::<usize>() {
            return None;
        }
        let octets = rest.get(..n)?;
        let len = octets
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, rest.get(n..)?)
    };
    if rest.len() != len {
        return None;
    }
    Some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn lengths_use_the_shortest_form() {
        assert_eq!(length(0), [0]);
        assert_eq!(length(127), [0x7f]);
        assert_eq!(length(128), [0x81, 0x80]);
        assert_eq!(length(255), [0x81, 0xff]);
        assert_eq!(length(256), [0x82, 0x01, 0x00]);
        assert_eq!(length(65_536), [0x83, 0x01, 0x00, 0x00]);
    }

    #[test]
    fn oids_encode_as_in_x690() {
        assert_eq!(
            oid("1.2.840.113549").unwrap(),
            [0x06, 0x06, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]
        );
        assert_eq!(
            oid("2.16.840.1.101.3.4.2.1").unwrap(),
            [
                0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01
            ]
        );
        assert_eq!(oid("2.999.3").unwrap(), [0x06, 0x03, 0x88, 0x37, 0x03]);
        for bad in ["", "1", "1.", "3.1", "1.40", "1.2.x", "1..2", "1.2.-3"] {
            assert!(oid(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn integers_stay_non_negative_and_minimal() {
        assert_eq!(integer_unsigned(&[]), [0x02, 0x01, 0x00]);
        assert_eq!(integer_unsigned(&[0, 0]), [0x02, 0x01, 0x00]);
        assert_eq!(integer_unsigned(&[0x7f]), [0x02, 0x01, 0x7f]);
        assert_eq!(integer_unsigned(&[0x80]), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer_unsigned(&[0, 0, 1, 2]), [0x02, 0x02, 0x01, 0x02]);
        assert_eq!(integer_u64(1), [0x02, 0x01, 0x01]);
        assert_eq!(integer_raw(&[0xff]), [0x02, 0x01, 0xff]);
    }

    #[test]
    fn set_of_sorts_its_elements() {
        let a = [0x04, 0x01, 0x02];
        let b = [0x02, 0x01, 0x05];
        let c = [0x04, 0x00];
        assert_eq!(
            set_of(&[&a, &b, &c]),
            [0x31, 0x08, 0x02, 0x01, 0x05, 0x04, 0x00, 0x04, 0x01, 0x02]
        );
        assert_eq!(sequence(&[&a, &b]), [0x30, 0x06, 4, 1, 2, 2, 1, 5]);
    }

    #[test]
    fn times_are_utc_with_z() {
        let at = datetime!(2026-05-09 15:04:05 +05:00);
        assert_eq!(utc_time(at).unwrap(), tlv(UTC_TIME, b"260509100405Z"));
        assert_eq!(
            generalized_time(at).unwrap(),
            tlv(GENERALIZED_TIME, b"20260509100405Z")
        );
        assert_eq!(time(at).unwrap(), utc_time(at).unwrap());
        let late = datetime!(2050-01-01 00:00:00 UTC);
        assert!(utc_time(late).is_err());
        assert_eq!(
            time(late).unwrap(),
            tlv(GENERALIZED_TIME, b"20500101000000Z")
        );
    }

    #[test]
    fn context_tags() {
        assert_eq!(explicit(0, &[5, 0]).unwrap(), [0xa0, 2, 5, 0]);
        assert_eq!(implicit(0, true, &[5, 0]).unwrap(), [0xa0, 2, 5, 0]);
        assert_eq!(implicit(1, false, &[7]).unwrap(), [0x81, 1, 7]);
        assert!(explicit(31, &[]).is_err());
    }

    #[test]
    fn content_of_strips_the_header() {
        let long = vec![7u8; 300];
        let encoded = octet_string(&long);
        assert_eq!(content_of(&encoded), Some(long.as_slice()));
        assert_eq!(content_of(&[0x30, 0x03, 1, 2]), None);
        assert_eq!(content_of(&[0x30]), None);
        assert_eq!(content_of(&null()), Some(&[][..]));
    }
}
