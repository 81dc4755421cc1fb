//! A small strict BER reader for key files: NCA/Kalkan PKCS#12 uses indefinite lengths and
//! constructed OCTET STRINGs, which DER parsers refuse. Every read is bounds-checked, nesting
//! is limited, and errors carry the byte offset in the buffer being read, so hostile input
//! ends in an error, never a panic or unbounded work.

use std::borrow::Cow;

/// Deepest nesting accepted (PKCS#12 needs about 12 levels).
pub const MAX_DEPTH: usize = 32;

/// Universal tags used by key files.
pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
/// `[0]` constructed and primitive, `[1]` constructed and primitive.
pub const CONTEXT_0: u8 = 0xa0;
pub const CONTEXT_0_PRIMITIVE: u8 = 0x80;
pub const CONTEXT_1: u8 = 0xa1;

const CONSTRUCTED: u8 = 0x20;

/// Why and where (byte offset in the buffer being read) the encoding is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BerError {
    pub offset: usize,
    pub reason: &'static str,
}

fn err<T>(offset: usize, reason: &'static str) -> Result<T, BerError> {
    Err(BerError { offset, reason })
}

/// One encoded value: identifier octet, where it starts, and its content octets (without
/// the end-of-contents marker of an indefinite length).
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub offset: usize,
    pub body: &'a [u8],
    /// The whole encoding: header, content and any end-of-contents marker.
    pub raw: &'a [u8],
    body_offset: usize,
    depth: usize,
}

/// Reads consecutive values from a buffer (the whole input or one value's content).
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    /// A reader over a whole buffer; offsets are counted from its start.
    pub fn new(data: &'a [u8]) -> Self {
        Reader {
            data,
            pos: 0,
            base: 0,
            depth: 0,
        }
    }

    /// The offset of the next value.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// The identifier octet of the next value, if any.
    pub fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Fails unless every byte has been read.
    pub fn finish(&self) -> Result<(), BerError> {
        if self.is_empty() {
            Ok(())
        } else {
            err(
                self.offset(),
                "unexpected data after the end of the structure",
            )
        }
    }

    /// Reads the next value, whatever its tag.
    pub fn read(&mut self) -> Result<Tlv<'a>, BerError> {
        let start = self.pos;
        let base = self.base;
        let at = move |pos: usize| base + pos;
        let Some(&tag) = self.data.get(start) else {
            return err(at(start), "unexpected end of data");
        };
        if tag & 0x1f == 0x1f {
            return err(at(start), "high tag numbers are not supported");
        }
        if tag == 0 {
            return err(at(start), "unexpected end-of-contents marker");
        }
        let Some(&first) = self.data.get(start + 1) else {
            return err(at(start + 1), "truncated length");
        };
        let mut pos = start + 2;
        let length = match first {
            0x80 => None,
            0xff => return err(at(start + 1), "reserved length octet 0xff"),
            n if n < 0x80 => Some(usize::from(n)),
            n => {
                let count = usize::from(n & 0x7f);
                if count > 4 {
                    return err(at(start + 1), "length field longer than 4 bytes");
                }
                let Some(bytes) = self.data.get(pos..pos + count) else {
                    return err(at(start + 1), "truncated length");
                };
                pos += count;
                Some(
                    bytes
                        .iter()
                        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b)),
                )
            }
        };
        let body_start = pos;
        let body = match length {
            Some(len) => {
                let Some(end) = body_start.checked_add(len) else {
                    return err(at(start + 1), "length overflows");
                };
                let Some(body) = self.data.get(body_start..end) else {
                    return err(at(start + 1), "length runs past the end of the data");
                };
                self.pos = end;
                body
            }
            None => {
                if tag & CONSTRUCTED == 0 {
                    return err(at(start + 1), "indefinite length on a primitive value");
                }
                if self.depth + 1 > MAX_DEPTH {
                    return err(at(start), "nesting too deep");
                }
                // Skip the children (recursively, bounded by MAX_DEPTH) up to 00 00.
                let mut inner = Reader {
                    data: self.data,
                    pos: body_start,
                    base: self.base,
                    depth: self.depth + 1,
                };
                loop {
                    match self.data.get(inner.pos..inner.pos + 2) {
                        None => return err(at(start), "missing end-of-contents marker"),
                        Some([0, 0]) => break,
                        Some([0, _]) => {
                            return err(at(inner.pos), "malformed end-of-contents marker");
                        }
                        Some(_) => {
                            inner.read()?;
                        }
                    }
                }
                let Some(body) = self.data.get(body_start..inner.pos) else {
                    return err(at(start), "missing end-of-contents marker");
                };
                self.pos = inner.pos + 2;
                body
            }
        };
        let raw = self.data.get(start..self.pos).unwrap_or_default();
        Ok(Tlv {
            tag,
            offset: at(start),
            body,
            raw,
            body_offset: at(body_start),
            depth: self.depth,
        })
    }

    /// Reads the next value and checks its tag.
    pub fn expect(&mut self, tag: u8, what: &'static str) -> Result<Tlv<'a>, BerError> {
        let offset = self.offset();
        let tlv = self.read()?;
        if tlv.tag != tag {
            return err(offset, what);
        }
        Ok(tlv)
    }

    /// Reads the next value if it has this tag.
    pub fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, BerError> {
        if self.peek_tag() == Some(tag) {
            self.read().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Reads an OCTET STRING, primitive or constructed, and returns its value.
    pub fn octets(&mut self, what: &'static str) -> Result<Cow<'a, [u8]>, BerError> {
        let offset = self.offset();
        let tlv = self.read()?;
        if tlv.tag & !CONSTRUCTED != OCTET_STRING {
            return err(offset, what);
        }
        tlv.octets()
    }

    /// Reads an OBJECT IDENTIFIER in dotted form.
    pub fn oid(&mut self) -> Result<String, BerError> {
        self.expect(OID, "expected an OBJECT IDENTIFIER")?.oid()
    }

    /// Reads a non-negative INTEGER that fits in 64 bits.
    pub fn uint(&mut self) -> Result<u64, BerError> {
        self.expect(INTEGER, "expected an INTEGER")?.uint()
    }
}

impl<'a> Tlv<'a> {
    pub fn is_constructed(&self) -> bool {
        self.tag & CONSTRUCTED != 0
    }

    /// A reader over the values inside this constructed value.
    pub fn children(&self) -> Result<Reader<'a>, BerError> {
        if !self.is_constructed() {
            return err(self.offset, "expected a constructed value");
        }
        if self.depth + 1 > MAX_DEPTH {
            return err(self.offset, "nesting too deep");
        }
        Ok(Reader {
            data: self.body,
            pos: 0,
            base: self.body_offset,
            depth: self.depth + 1,
        })
    }

    /// The value of a string type: the content if primitive, else the concatenated
    /// content of its OCTET STRING segments (BER constructed strings, X.690 8.7.3).
    pub fn octets(&self) -> Result<Cow<'a, [u8]>, BerError> {
        if !self.is_constructed() {
            return Ok(Cow::Borrowed(self.body));
        }
        let mut out = Vec::with_capacity(self.body.len());
        self.append_segments(&mut out)?;
        Ok(Cow::Owned(out))
    }

    fn append_segments(&self, out: &mut Vec<u8>) -> Result<(), BerError> {
        let mut segments = self.children()?;
        while !segments.is_empty() {
            let offset = segments.offset();
            let segment = segments.read()?;
            match segment.tag {
                OCTET_STRING => out.extend_from_slice(segment.body),
                t if t == OCTET_STRING | CONSTRUCTED => segment.append_segments(out)?,
                _ => return err(offset, "a string segment is not an OCTET STRING"),
            }
        }
        Ok(())
    }

    /// The dotted form of an OBJECT IDENTIFIER (X.690 8.19), refusing non-minimal arcs.
    pub fn oid(&self) -> Result<String, BerError> {
        if self.tag != OID {
            return err(self.offset, "expected an OBJECT IDENTIFIER");
        }
        if self.body.is_empty() {
            return err(self.offset, "empty OBJECT IDENTIFIER");
        }
        let mut arcs: Vec<u64> = Vec::new();
        let mut value: u64 = 0;
        let mut fresh = true;
        for (i, &b) in self.body.iter().enumerate() {
            if fresh && b == 0x80 {
                return err(self.body_offset + i, "non-minimal OBJECT IDENTIFIER arc");
            }
            if value > (u64::MAX >> 7) {
                return err(self.body_offset + i, "OBJECT IDENTIFIER arc too large");
            }
            value = (value << 7) | u64::from(b & 0x7f);
            fresh = b & 0x80 == 0;
            if fresh {
                if arcs.is_empty() {
                    let first = (value / 40).min(2);
                    arcs.push(first);
                    arcs.push(value - first * 40);
                } else {
                    arcs.push(value);
                }
                value = 0;
            }
        }
        if !fresh {
            return err(self.offset, "truncated OBJECT IDENTIFIER");
        }
        Ok(arcs
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."))
    }

    /// The value of a non-negative INTEGER that fits in 64 bits.
    pub fn uint(&self) -> Result<u64, BerError> {
        if self.tag != INTEGER {
            return err(self.offset, "expected an INTEGER");
        }
        match self.body {
            [] => err(self.offset, "empty INTEGER"),
            [first, ..] if first & 0x80 != 0 => err(self.offset, "negative INTEGER"),
            body => {
                let digits = match body {
                    [0, rest @ ..] => rest,
                    all => all,
                };
                if digits.len() > 8 {
                    return err(self.offset, "INTEGER too large");
                }
                Ok(digits
                    .iter()
                    .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
            }
        }
    }
}
