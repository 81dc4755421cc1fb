//! PEM armour (RFC 7468) as key files use it: an encrypted PKCS#8 key and certificates in one
//! text file. Text outside the blocks is ignored, as RFC 7468 allows; everything inside a
//! block is checked.

use base64::Engine as _;

use super::KeyError;

/// One `-----BEGIN label-----` … `-----END label-----` block.
pub struct Block {
    pub label: String,
    /// Whether the block had RFC 1421 headers (`Proc-Type:`, `DEK-Info:`), i.e. legacy
    /// OpenSSL encryption.
    pub has_headers: bool,
    pub der: Vec<u8>,
}

fn malformed(offset: usize, reason: impl Into<String>) -> KeyError {
    KeyError::Malformed {
        what: "PEM",
        offset: Some(offset),
        reason: reason.into(),
    }
}

/// Splits the text into blocks; fails on unterminated or mismatched blocks and bad base64.
pub fn parse(text: &[u8]) -> Result<Vec<Block>, KeyError> {
    let mut blocks = Vec::new();
    // (label, offset, headers seen, base64 collected)
    let mut open: Option<(String, usize, bool, Vec<u8>)> = None;
    let mut offset = 0usize;
    for raw_line in text.split(|&b| b == b'\n') {
        let line_offset = offset;
        offset += raw_line.len() + 1;
        let line = raw_line.trim_ascii();
        match open.as_mut() {
            None => {
                if let Some(label) = armour(line, b"-----BEGIN ") {
                    open = Some((label, line_offset, false, Vec::new()));
                } else if line.starts_with(b"-----") {
                    return Err(malformed(line_offset, "armour line outside a block"));
                }
            }
            Some((label, start, headers, base64)) => {
                if let Some(end) = armour(line, b"-----END ") {
                    if end != *label {
                        return Err(malformed(
                            line_offset,
                            format!("BEGIN {label} ended by END {end}"),
                        ));
                    }
                    let der = base64::engine::general_purpose::STANDARD
                        .decode(&*base64)
                        .map_err(|e| malformed(*start, format!("bad base64 in {label}: {e}")))?;
                    blocks.push(Block {
                        label: std::mem::take(label),
                        has_headers: *headers,
                        der,
                    });
                    open = None;
                } else if line.starts_with(b"-----") {
                    return Err(malformed(
                        line_offset,
                        format!("unterminated {label} block"),
                    ));
                } else if line.contains(&b':') {
                    *headers = true;
                } else {
                    base64.extend(line.iter().filter(|b| !b.is_ascii_whitespace()));
                }
            }
        }
    }
    if let Some((label, start, _, _)) = open {
        return Err(malformed(start, format!("unterminated {label} block")));
    }
    Ok(blocks)
}

/// The label of an armour line `<prefix>LABEL-----`, if `line` is one.
fn armour(line: &[u8], prefix: &[u8]) -> Option<String> {
    let rest = line.strip_prefix(prefix)?.strip_suffix(b"-----")?;
    let label = std::str::from_utf8(rest).ok()?;
    label
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ' || b == b'-')
        .then(|| label.to_owned())
}
