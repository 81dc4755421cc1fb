//! A strict, bounded reader for the parts of a PDF that signing needs: the last trailer,
//! the cross-reference sections (classic tables and streams, followed through /Prev),
//! indirect objects (also inside object streams) and the page tree.
//!
//! Every read is bounds-checked and every recursion depth-limited; malformed input is an
//! error naming the byte offset, never a panic.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::PdfError;
use super::object::{Dict, Object, Ref, is_delimiter, is_white};

/// Deepest nesting of arrays and dictionaries, and of the page tree.
pub const MAX_DEPTH: usize = 64;
/// Largest PDF accepted (bytes).
pub const MAX_PDF_SIZE: usize = 512 * 1024 * 1024;
/// Largest decoded stream (cross-reference or object stream) accepted (bytes).
pub const MAX_DECODED_STREAM: usize = 64 * 1024 * 1024;
/// Most decoded stream bytes (all streams together) one document may cost.
pub const MAX_DECODED_TOTAL: usize = 256 * 1024 * 1024;
/// Highest object number plus one (ISO 32000-1 C.2: 8,388,607 indirect objects).
pub const MAX_OBJECTS: u32 = 8_388_608;
/// Most cross-reference sections followed through /Prev.
pub const MAX_XREF_SECTIONS: usize = 4096;
/// Most objects in one object stream.
const MAX_OBJECTS_PER_STREAM: usize = 100_000;
/// Most page tree nodes visited to find the first page.
const MAX_PAGE_NODES: usize = 100_000;
/// How far from the end `startxref` is searched for.
const TAIL_WINDOW: usize = 1024;

fn malformed(offset: usize, what: impl Into<String>) -> PdfError {
    PdfError::Malformed {
        offset,
        what: what.into(),
    }
}

/// Where the bytes a lexer reads come from, for error offsets.
#[derive(Debug, Clone, Copy)]
enum Origin {
    /// The file itself: positions are file offsets.
    File,
    /// The decoded data of object stream `num`, which starts at file offset `offset`.
    ObjectStream { num: u32, offset: usize },
}

/// A tokenizer and object parser over a byte buffer.
pub struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
    origin: Origin,
}

impl<'a> Lexer<'a> {
    /// A lexer over file bytes, starting at `pos`.
    pub fn new(data: &'a [u8], pos: usize) -> Self {
        Lexer {
            data,
            pos,
            origin: Origin::File,
        }
    }

    fn in_object_stream(data: &'a [u8], pos: usize, num: u32, offset: usize) -> Self {
        Lexer {
            data,
            pos,
            origin: Origin::ObjectStream { num, offset },
        }
    }

    /// The current position.
    pub fn pos(&self) -> usize {
        self.pos
    }

    fn err_at(&self, at: usize, what: impl Into<String>) -> PdfError {
        match self.origin {
            Origin::File => malformed(at, what),
            Origin::ObjectStream { num, offset } => malformed(
                offset,
                format!("object stream {num}, decoded byte {at}: {}", what.into()),
            ),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.data.get(self.pos.checked_add(ahead)?).copied()
    }

    fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }

    /// Skips white space and comments.
    pub fn skip_white(&mut self) {
        while let Some(b) = self.peek() {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Skips white space only (a `%` is left in place).
    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(is_white) {
            self.pos += 1;
        }
    }

    /// Whether a token ends at `at` (end of data, white space or a delimiter).
    fn token_ends_at(&self, at: usize) -> bool {
        self.data
            .get(at)
            .is_none_or(|&b| is_white(b) || is_delimiter(b))
    }

    /// Consumes keyword `kw` (after white space) or fails.
    pub fn expect_keyword(&mut self, kw: &[u8]) -> Result<(), PdfError> {
        if self.try_keyword(kw) {
            Ok(())
        } else {
            Err(self.err_at(
                self.pos,
                format!("expected `{}`", String::from_utf8_lossy(kw)),
            ))
        }
    }

    /// Consumes keyword `kw` (after white space) if it is next.
    pub fn try_keyword(&mut self, kw: &[u8]) -> bool {
        let save = self.pos;
        self.skip_white();
        if self.rest().starts_with(kw) && self.token_ends_at(self.pos + kw.len()) {
            self.pos += kw.len();
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// An unsigned decimal integer token (after white space).
    pub fn parse_uint(&mut self) -> Result<u64, PdfError> {
        self.skip_white();
        let start = self.pos;
        let mut value: u64 = 0;
        while let Some(b) = self.peek().filter(u8::is_ascii_digit) {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(b - b'0')))
                .ok_or_else(|| self.err_at(start, "integer too large"))?;
            self.pos += 1;
        }
        if self.pos == start || !self.token_ends_at(self.pos) {
            return Err(self.err_at(start, "expected an unsigned integer"));
        }
        Ok(value)
    }

    /// Parses one direct object (after white space).
    pub fn parse_object(&mut self) -> Result<Object, PdfError> {
        self.parse_nested(0)
    }

    fn parse_nested(&mut self, depth: usize) -> Result<Object, PdfError> {
        self.skip_white();
        let start = self.pos;
        let Some(b) = self.peek() else {
            return Err(self.err_at(start, "unexpected end of data"));
        };
        match b {
            b'/' => {
                self.pos += 1;
                Ok(Object::Name(self.parse_name_body()?))
            }
            b'(' => Ok(Object::Str(self.parse_literal_string()?)),
            b'<' | b'[' if depth >= MAX_DEPTH && (b == b'[' || self.peek_at(1) == Some(b'<')) => {
                Err(self.err_at(start, "arrays and dictionaries nested deeper than 64"))
            }
            b'<' if self.peek_at(1) == Some(b'<') => Ok(Object::Dict(self.parse_dict_body(depth)?)),
            b'<' => Ok(Object::Str(self.parse_hex_string()?)),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_white();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        None => return Err(self.err_at(start, "unterminated array")),
                        Some(_) => items.push(self.parse_nested(depth + 1)?),
                    }
                }
                Ok(Object::Array(items))
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.parse_number(),
            _ if is_delimiter(b) => Err(self.err_at(start, "unexpected delimiter")),
            _ => {
                let end = self.token_end(start);
                let token = self.data.get(start..end).unwrap_or_default();
                let object = match token {
                    b"true" => Object::Bool(true),
                    b"false" => Object::Bool(false),
                    b"null" => Object::Null,
                    _ => return Err(self.err_at(start, "unexpected keyword")),
                };
                self.pos = end;
                Ok(object)
            }
        }
    }

    fn token_end(&self, start: usize) -> usize {
        let mut end = start;
        while !self.token_ends_at(end) {
            end += 1;
        }
        end
    }

    /// Parses `<< ... >>` at the current position.
    fn parse_dict_body(&mut self, depth: usize) -> Result<Dict, PdfError> {
        let start = self.pos;
        self.pos += 2;
        let mut dict = Dict::default();
        loop {
            self.skip_white();
            let at = self.pos;
            match self.peek() {
                Some(b'>') if self.peek_at(1) == Some(b'>') => {
                    self.pos += 2;
                    return Ok(dict);
                }
                Some(b'/') => {
                    self.pos += 1;
                    let key = self.parse_name_body()?;
                    let value = self.parse_nested(depth + 1)?;
                    if dict.get(&key).is_some() {
                        return Err(self.err_at(at, "duplicate dictionary key"));
                    }
                    dict.0.push((key, value));
                }
                None => return Err(self.err_at(start, "unterminated dictionary")),
                Some(_) => return Err(self.err_at(at, "dictionary key is not a name")),
            }
        }
    }

    /// Parses the characters of a name after its `/`.
    fn parse_name_body(&mut self) -> Result<Vec<u8>, PdfError> {
        let mut name = Vec::new();
        while !self.token_ends_at(self.pos) {
            let at = self.pos;
            let b = self.peek().unwrap_or_default();
            if b == b'#' {
                let hi = self.peek_at(1).and_then(hex_value);
                let lo = self.peek_at(2).and_then(hex_value);
                match (hi, lo) {
                    (Some(hi), Some(lo)) => {
                        name.push(hi << 4 | lo);
                        self.pos += 3;
                    }
                    _ => return Err(self.err_at(at, "bad #xx escape in name")),
                }
            } else if (b'!'..=b'~').contains(&b) {
                name.push(b);
                self.pos += 1;
            } else {
                return Err(self.err_at(at, "non-printable byte in name"));
            }
        }
        Ok(name)
    }

    /// Parses `( ... )`: balanced parentheses, escapes, end-of-line normalization.
    fn parse_literal_string(&mut self) -> Result<Vec<u8>, PdfError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        let mut open: usize = 0;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.err_at(start, "unterminated literal string"));
            };
            self.pos += 1;
            match b {
                b'(' => {
                    open += 1;
                    out.push(b);
                }
                b')' if open == 0 => return Ok(out),
                b')' => {
                    open -= 1;
                    out.push(b);
                }
                b'\r' => {
                    if self.peek() == Some(b'\n') {
                        self.pos += 1;
                    }
                    out.push(b'\n');
                }
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return Err(self.err_at(start, "unterminated literal string"));
                    };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'(' | b')' | b'\\' => out.push(e),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut value = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        value = value * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            // High-order overflow is ignored (7.3.4.2).
                            out.push((value & 0xff) as u8);
                        }
                        // An unknown escape: the backslash is ignored.
                        _ => out.push(e),
                    }
                }
                _ => out.push(b),
            }
        }
    }

    /// Parses `< hex digits >` (white space allowed; an odd final digit is padded with 0).
    fn parse_hex_string(&mut self) -> Result<Vec<u8>, PdfError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        loop {
            let at = self.pos;
            let Some(b) = self.peek() else {
                return Err(self.err_at(start, "unterminated hex string"));
            };
            self.pos += 1;
            if b == b'>' {
                if let Some(h) = high {
                    out.push(h << 4);
                }
                return Ok(out);
            }
            if is_white(b) {
                continue;
            }
            let Some(v) = hex_value(b) else {
                return Err(self.err_at(at, "non-hex byte in hex string"));
            };
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
    }

    /// Parses a number; an integer followed by `gen R` becomes a reference.
    fn parse_number(&mut self) -> Result<Object, PdfError> {
        let start = self.pos;
        let end = self.token_end(start);
        let token = self.data.get(start..end).unwrap_or_default();
        let digits = token
            .strip_prefix(b"+")
            .or_else(|| token.strip_prefix(b"-"));
        let body = digits.unwrap_or(token);
        let dots = body.iter().filter(|&&b| b == b'.').count();
        let valid = dots <= 1
            && body.iter().any(u8::is_ascii_digit)
            && body.iter().all(|&b| b.is_ascii_digit() || b == b'.');
        if !valid {
            return Err(self.err_at(start, "malformed number"));
        }
        self.pos = end;
        if dots == 1 {
            return Ok(Object::Real(token.to_vec()));
        }
        let value = std::str::from_utf8(token)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| self.err_at(start, "integer out of range"))?;
        if digits.is_none()
            && let Some(r) = self.try_reference_tail(value)
        {
            return Ok(Object::Ref(r));
        }
        Ok(Object::Int(value))
    }

    /// After an unsigned integer `num`: consumes ` gen R` if it follows.
    fn try_reference_tail(&mut self, num: i64) -> Option<Ref> {
        let save = self.pos;
        let result = (|| {
            self.skip_white();
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            let generation = self.parse_uint().ok()?;
            self.skip_white();
            if self.peek()? != b'R' || !self.token_ends_at(self.pos + 1) {
                return None;
            }
            self.pos += 1;
            Some(Ref {
                num: u32::try_from(num).ok()?,
                generation: u16::try_from(generation).ok()?,
            })
        })();
        if result.is_none() {
            self.pos = save;
        }
        result
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A cross-reference entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A free (deleted) object.
    Free,
    /// An object at a file offset.
    InUse {
        /// Byte offset of `num gen obj`.
        offset: usize,
        /// Generation number.
        generation: u16,
    },
    /// An object inside an object stream.
    Compressed {
        /// The object stream's object number.
        stream: u32,
        /// The object's index in the stream.
        index: u32,
    },
}

/// An indirect object read from the file: the object, and for a stream where its data
/// starts (just after the end-of-line that follows `stream`).
struct Indirect {
    object: Object,
    stream_data: Option<usize>,
}

/// A decoded object stream: its data and the (number, offset) pairs of its header.
struct ObjectStream {
    data: Vec<u8>,
    first: usize,
    members: Vec<(u32, usize)>,
    file_offset: usize,
}

/// The cross-reference view of a PDF's newest revision.
pub struct Document<'a> {
    data: &'a [u8],
    entries: BTreeMap<u32, Entry>,
    trailer: Dict,
    startxref: usize,
    xref_stream: bool,
    object_streams: HashMap<u32, ObjectStream>,
    /// Decoded stream bytes still allowed (see [`MAX_DECODED_TOTAL`]).
    decode_budget: Cell<usize>,
}

impl<'a> Document<'a> {
    /// Reads the header, `startxref`, and every cross-reference section of `data`.
    pub fn open(data: &'a [u8]) -> Result<Self, PdfError> {
        if data.len() > MAX_PDF_SIZE {
            return Err(PdfError::TooLarge {
                size: data.len(),
                limit: MAX_PDF_SIZE,
            });
        }
        let head = data.get(..data.len().min(1024)).unwrap_or_default();
        if find(head, b"%PDF-").is_none() {
            return Err(malformed(0, "no %PDF- header in the first 1024 bytes"));
        }
        let startxref = find_startxref(data)?;
        let mut doc = Document {
            data,
            entries: BTreeMap::new(),
            trailer: Dict::default(),
            startxref,
            xref_stream: false,
            object_streams: HashMap::new(),
            decode_budget: Cell::new(MAX_DECODED_TOTAL),
        };
        let mut visited = HashSet::new();
        let mut next = Some(startxref);
        let mut newest = true;
        while let Some(offset) = next {
            if !visited.insert(offset) {
                return Err(malformed(offset, "cross-reference sections form a loop"));
            }
            if visited.len() > MAX_XREF_SECTIONS {
                return Err(malformed(offset, "too many cross-reference sections"));
            }
            let (trailer, is_stream) = doc.read_section(offset)?;
            if !is_stream {
                // A hybrid file: the table's entries come first, then its stream's.
                if let Some(stm) = trailer.get(b"XRefStm") {
                    let stm = offset_value(stm)
                        .ok_or_else(|| malformed(offset, "/XRefStm is not an offset"))?;
                    if visited.insert(stm) {
                        doc.read_section(stm)?;
                    }
                }
            }
            next = match trailer.get(b"Prev") {
                None => None,
                Some(prev) => Some(
                    offset_value(prev)
                        .ok_or_else(|| malformed(offset, "/Prev is not an offset"))?,
                ),
            };
            if newest {
                doc.trailer = trailer;
                doc.xref_stream = is_stream;
                newest = false;
            }
        }
        Ok(doc)
    }

    /// The newest trailer (or cross-reference stream dictionary).
    pub fn trailer(&self) -> &Dict {
        &self.trailer
    }

    /// The offset `startxref` points at.
    pub fn startxref(&self) -> usize {
        self.startxref
    }

    /// Whether the newest cross-reference section is a stream.
    pub fn uses_xref_stream(&self) -> bool {
        self.xref_stream
    }

    /// All cross-reference entries, newest revision winning.
    pub fn entries(&self) -> &BTreeMap<u32, Entry> {
        &self.entries
    }

    /// Reads one section at `offset`, adding entries not yet known. Returns its trailer
    /// and whether it was a stream.
    fn read_section(&mut self, offset: usize) -> Result<(Dict, bool), PdfError> {
        let mut lexer = Lexer::new(self.data, offset);
        if lexer.rest().starts_with(b"xref") {
            self.read_table(offset).map(|t| (t, false))
        } else {
            lexer.skip_white();
            if lexer.pos() != offset {
                return Err(malformed(offset, "startxref does not point at a section"));
            }
            self.read_xref_stream(offset).map(|t| (t, true))
        }
    }

    fn insert(&mut self, num: u32, entry: Entry) {
        self.entries.entry(num).or_insert(entry);
    }

    /// A classic `xref` table and its `trailer` dictionary.
    fn read_table(&mut self, offset: usize) -> Result<Dict, PdfError> {
        let mut lexer = Lexer::new(self.data, offset);
        lexer.expect_keyword(b"xref")?;
        let mut seen_subsection = false;
        loop {
            if lexer.try_keyword(b"trailer") {
                break;
            }
            let at = lexer.pos();
            let first = lexer.parse_uint()?;
            let count = lexer.parse_uint()?;
            let end = first
                .checked_add(count)
                .filter(|&e| e <= u64::from(MAX_OBJECTS))
                .ok_or_else(|| malformed(at, "cross-reference subsection out of range"))?;
            // Each entry takes at least 18 bytes; refuse counts the file cannot hold.
            if count.saturating_mul(18) > (self.data.len().saturating_sub(lexer.pos())) as u64 {
                return Err(malformed(
                    at,
                    "cross-reference subsection longer than the file",
                ));
            }
            seen_subsection = true;
            for num in first..end {
                let entry = read_table_entry(&mut lexer)?;
                // `end` ≤ MAX_OBJECTS, so the cast cannot truncate.
                self.insert(num as u32, entry);
            }
        }
        if !seen_subsection {
            return Err(malformed(offset, "empty cross-reference table"));
        }
        lexer.skip_white();
        let at = lexer.pos();
        match lexer.parse_object()? {
            Object::Dict(trailer) => Ok(trailer),
            _ => Err(malformed(at, "trailer is not a dictionary")),
        }
    }

    /// A cross-reference stream (7.5.8).
    fn read_xref_stream(&mut self, offset: usize) -> Result<Dict, PdfError> {
        let indirect = self.parse_indirect_at(offset, None)?;
        let Object::Dict(dict) = indirect.object else {
            return Err(malformed(
                offset,
                "cross-reference stream is not a dictionary",
            ));
        };
        let Some(data_start) = indirect.stream_data else {
            return Err(malformed(offset, "cross-reference section is not a stream"));
        };
        if dict.type_name() != Some(b"XRef") {
            return Err(malformed(offset, "stream at startxref is not /Type /XRef"));
        }
        let decoded = self.stream_data(&dict, data_start, offset)?;
        let widths: Vec<usize> = dict
            .get(b"W")
            .and_then(Object::as_array)
            .ok_or_else(|| malformed(offset, "cross-reference stream without /W"))?
            .iter()
            .map(|w| {
                w.as_int()
                    .and_then(|w| usize::try_from(w).ok())
                    .filter(|&w| w <= 8)
            })
            .collect::<Option<_>>()
            .ok_or_else(|| malformed(offset, "bad /W in cross-reference stream"))?;
        let [w0, w1, w2] = widths.as_slice() else {
            return Err(malformed(offset, "/W must have three entries"));
        };
        let (w0, w1, w2) = (*w0, *w1, *w2);
        let row = w0 + w1 + w2;
        if row == 0 {
            return Err(malformed(offset, "/W entries are all zero"));
        }
        let size = dict
            .get(b"Size")
            .and_then(Object::as_int)
            .and_then(|s| u32::try_from(s).ok())
            .filter(|&s| s <= MAX_OBJECTS)
            .ok_or_else(|| malformed(offset, "bad /Size in cross-reference stream"))?;
        let index: Vec<(u32, u32)> = match dict.get(b"Index") {
            None => vec![(0, size)],
            Some(Object::Array(items)) => {
                let numbers = items
                    .iter()
                    .map(|i| i.as_int().and_then(|i| u32::try_from(i).ok()))
                    .collect::<Option<Vec<u32>>>()
                    .ok_or_else(|| malformed(offset, "bad /Index in cross-reference stream"))?;
                if numbers.len() % 2 != 0 {
                    return Err(malformed(offset, "odd /Index length"));
                }
                numbers
                    .chunks_exact(2)
                    .filter_map(|pair| match pair {
                        [first, count] => Some((*first, *count)),
                        _ => None,
                    })
                    .collect()
            }
            Some(_) => return Err(malformed(offset, "/Index is not an array")),
        };
        let mut rows = decoded.chunks_exact(row);
        for (first, count) in index {
            let end = first
                .checked_add(count)
                .filter(|&e| e <= MAX_OBJECTS)
                .ok_or_else(|| malformed(offset, "/Index subsection out of range"))?;
            for num in first..end {
                let fields = rows
                    .next()
                    .ok_or_else(|| malformed(offset, "cross-reference stream data too short"))?;
                let (f0, rest) = fields.split_at(w0);
                let (f1, f2) = rest.split_at(w1);
                let kind = if w0 == 0 { 1 } else { be_value(f0) };
                let (v1, v2) = (be_value(f1), be_value(f2));
                let entry = match kind {
                    0 => Entry::Free,
                    1 => Entry::InUse {
                        offset: usize::try_from(v1)
                            .map_err(|_| malformed(offset, "offset out of range"))?,
                        generation: u16::try_from(v2)
                            .map_err(|_| malformed(offset, "generation out of range"))?,
                    },
                    2 => Entry::Compressed {
                        stream: u32::try_from(v1)
                            .map_err(|_| malformed(offset, "object stream number out of range"))?,
                        index: u32::try_from(v2)
                            .map_err(|_| malformed(offset, "object stream index out of range"))?,
                    },
                    // Other types are references to the null object (7.5.8.3).
                    _ => continue,
                };
                self.insert(num, entry);
            }
        }
        Ok(dict)
    }

    /// Parses `num gen obj <object> (stream … | endobj)` at `offset`; when `expect` is
    /// given, the header must name that object.
    fn parse_indirect_at(&self, offset: usize, expect: Option<Ref>) -> Result<Indirect, PdfError> {
        if offset >= self.data.len() {
            return Err(malformed(
                offset,
                "object offset beyond the end of the file",
            ));
        }
        let mut lexer = Lexer::new(self.data, offset);
        let num = lexer.parse_uint()?;
        let generation = lexer.parse_uint()?;
        lexer.expect_keyword(b"obj")?;
        if let Some(r) = expect
            && (num != u64::from(r.num) || generation != u64::from(r.generation))
        {
            return Err(malformed(
                offset,
                format!(
                    "cross-reference entry for {} {} points at object {num} {generation}",
                    r.num, r.generation
                ),
            ));
        }
        let object = lexer.parse_object()?;
        if lexer.try_keyword(b"stream") {
            let at = lexer.pos();
            let rest = lexer.rest();
            let eol = if rest.starts_with(b"\r\n") {
                2
            } else if rest.starts_with(b"\n") {
                1
            } else {
                return Err(malformed(at, "`stream` not followed by an end-of-line"));
            };
            if !matches!(object, Object::Dict(_)) {
                return Err(malformed(offset, "stream without a dictionary"));
            }
            return Ok(Indirect {
                object,
                stream_data: Some(at + eol),
            });
        }
        lexer.expect_keyword(b"endobj")?;
        Ok(Indirect {
            object,
            stream_data: None,
        })
    }

    /// The raw then decoded data of the stream whose dictionary is `dict` and whose
    /// data starts at `start` (object at `offset`).
    fn stream_data(&self, dict: &Dict, start: usize, offset: usize) -> Result<Vec<u8>, PdfError> {
        let length = match dict.get(b"Length") {
            Some(Object::Ref(r)) => self.resolve_plain(*r)?,
            Some(other) => other.clone(),
            None => return Err(malformed(offset, "stream without /Length")),
        };
        let length = length
            .as_int()
            .and_then(|l| usize::try_from(l).ok())
            .ok_or_else(|| malformed(offset, "bad stream /Length"))?;
        let end = start
            .checked_add(length)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| malformed(start, "stream data runs past the end of the file"))?;
        let mut lexer = Lexer::new(self.data, end);
        lexer.expect_keyword(b"endstream")?;
        let raw = self.data.get(start..end).unwrap_or_default();
        let filter = self.direct(dict.get(b"Filter"))?;
        let params = self.direct(dict.get(b"DecodeParms"))?;
        let limit = self.decode_budget.get().min(MAX_DECODED_STREAM);
        let decoded = decode(raw, &filter, &params, offset, limit)?;
        self.decode_budget
            .set(self.decode_budget.get().saturating_sub(decoded.len()));
        Ok(decoded)
    }

    /// `object`, with a top-level reference to an uncompressed object resolved.
    fn direct(&self, object: Option<&Object>) -> Result<Object, PdfError> {
        match object {
            None => Ok(Object::Null),
            Some(Object::Ref(r)) => self.resolve_plain(*r),
            Some(o) => Ok(o.clone()),
        }
    }

    /// Resolves a reference to an object stored directly in the file (not in an object
    /// stream, not a stream); used for stream attributes, where following a compressed
    /// object could recurse without end.
    fn resolve_plain(&self, r: Ref) -> Result<Object, PdfError> {
        match self.entries.get(&r.num) {
            Some(Entry::InUse { offset, generation }) if *generation == r.generation => {
                let indirect = self.parse_indirect_at(*offset, Some(r))?;
                if indirect.stream_data.is_some() {
                    return Err(malformed(*offset, "stream attribute refers to a stream"));
                }
                Ok(indirect.object)
            }
            Some(Entry::Compressed { .. }) => Err(PdfError::Unsupported(format!(
                "stream attribute in object stream (object {})",
                r.num
            ))),
            _ => Ok(Object::Null),
        }
    }

    /// The file offset of object `num` (for a compressed object, of its object stream).
    pub fn object_offset(&self, num: u32) -> usize {
        match self.entries.get(&num) {
            Some(Entry::InUse { offset, .. }) => *offset,
            Some(Entry::Compressed { stream, .. }) => match self.entries.get(stream) {
                Some(Entry::InUse { offset, .. }) => *offset,
                _ => 0,
            },
            _ => 0,
        }
    }

    /// Resolves a reference (a missing or free object is `null`, 7.3.10). Streams are
    /// returned as their dictionary.
    pub fn resolve(&mut self, r: Ref) -> Result<Object, PdfError> {
        match self.entries.get(&r.num).copied() {
            Some(Entry::InUse { offset, generation }) => {
                if generation != r.generation {
                    return Ok(Object::Null);
                }
                Ok(self.parse_indirect_at(offset, Some(r))?.object)
            }
            Some(Entry::Compressed { stream, index }) => {
                if r.generation != 0 {
                    return Ok(Object::Null);
                }
                self.resolve_compressed(r.num, stream, index)
            }
            Some(Entry::Free) | None => Ok(Object::Null),
        }
    }

    /// Resolves `object` if it is a reference, else returns it.
    pub fn deref(&mut self, object: &Object) -> Result<Object, PdfError> {
        match object {
            Object::Ref(r) => self.resolve(*r),
            other => Ok(other.clone()),
        }
    }

    /// Resolves a reference that must be a dictionary.
    pub fn resolve_dict(&mut self, r: Ref, what: &str) -> Result<Dict, PdfError> {
        match self.resolve(r)? {
            Object::Dict(d) => Ok(d),
            _ => Err(malformed(
                self.object_offset(r.num),
                format!("{what} ({} {} R) is not a dictionary", r.num, r.generation),
            )),
        }
    }

    fn resolve_compressed(
        &mut self,
        num: u32,
        stream: u32,
        index: u32,
    ) -> Result<Object, PdfError> {
        if !self.object_streams.contains_key(&stream) {
            let loaded = self.load_object_stream(stream)?;
            self.object_streams.insert(stream, loaded);
        }
        let Some(objstm) = self.object_streams.get(&stream) else {
            return Ok(Object::Null);
        };
        let member = usize::try_from(index)
            .ok()
            .and_then(|i| objstm.members.get(i))
            .copied();
        let Some((member_num, member_offset)) = member else {
            return Err(malformed(
                objstm.file_offset,
                format!("object {num} has index {index} beyond object stream {stream}"),
            ));
        };
        if member_num != num {
            return Err(malformed(
                objstm.file_offset,
                format!(
                    "object stream {stream} holds object {member_num}, not {num}, at index {index}"
                ),
            ));
        }
        let start = objstm
            .first
            .checked_add(member_offset)
            .filter(|&s| s < objstm.data.len())
            .ok_or_else(|| malformed(objstm.file_offset, "object stream offset out of range"))?;
        let mut lexer = Lexer::in_object_stream(&objstm.data, start, stream, objstm.file_offset);
        let object = lexer.parse_object()?;
        if matches!(object, Object::Ref(_)) {
            return Err(malformed(
                objstm.file_offset,
                "compressed object is a bare reference",
            ));
        }
        Ok(object)
    }

    fn load_object_stream(&self, stream: u32) -> Result<ObjectStream, PdfError> {
        let (offset, generation) = match self.entries.get(&stream) {
            Some(Entry::InUse { offset, generation }) => (*offset, *generation),
            _ => {
                return Err(malformed(
                    0,
                    format!("object stream {stream} is not an uncompressed object"),
                ));
            }
        };
        let r = Ref {
            num: stream,
            generation,
        };
        let indirect = self.parse_indirect_at(offset, Some(r))?;
        let (Object::Dict(dict), Some(data_start)) = (indirect.object, indirect.stream_data) else {
            return Err(malformed(offset, "object stream is not a stream"));
        };
        if dict.type_name() != Some(b"ObjStm") {
            return Err(malformed(offset, "object stream is not /Type /ObjStm"));
        }
        let n = dict
            .get(b"N")
            .and_then(Object::as_int)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n <= MAX_OBJECTS_PER_STREAM)
            .ok_or_else(|| malformed(offset, "bad /N in object stream"))?;
        let first = dict
            .get(b"First")
            .and_then(Object::as_int)
            .and_then(|f| usize::try_from(f).ok())
            .ok_or_else(|| malformed(offset, "bad /First in object stream"))?;
        let data = self.stream_data(&dict, data_start, offset)?;
        if first > data.len() {
            return Err(malformed(offset, "/First beyond the object stream data"));
        }
        let header = data.get(..first).unwrap_or_default();
        let mut lexer = Lexer::in_object_stream(header, 0, stream, offset);
        let mut members = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let num = lexer.parse_uint()?;
            let at = lexer.parse_uint()?;
            let num = u32::try_from(num)
                .map_err(|_| malformed(offset, "object number out of range in object stream"))?;
            let at = usize::try_from(at)
                .map_err(|_| malformed(offset, "offset out of range in object stream"))?;
            members.push((num, at));
        }
        Ok(ObjectStream {
            data,
            first,
            members,
            file_offset: offset,
        })
    }

    /// The document catalog (`/Root`) and its reference.
    pub fn catalog(&mut self) -> Result<(Ref, Dict), PdfError> {
        let root = self
            .trailer
            .get(b"Root")
            .and_then(Object::as_ref)
            .ok_or_else(|| malformed(self.startxref, "trailer has no /Root reference"))?;
        let catalog = self.resolve_dict(root, "/Root")?;
        if catalog.type_name().is_some_and(|t| t != b"Catalog") {
            return Err(malformed(
                self.object_offset(root.num),
                "/Root is not /Type /Catalog",
            ));
        }
        Ok((root, catalog))
    }

    /// The first page in document order: its reference and dictionary.
    pub fn first_page(&mut self, catalog: &Dict) -> Result<(Ref, Dict), PdfError> {
        let pages = catalog
            .get(b"Pages")
            .and_then(Object::as_ref)
            .ok_or_else(|| malformed(self.startxref, "catalog has no /Pages reference"))?;
        let mut visited = HashSet::new();
        self.find_first_page(pages, 0, &mut visited)?
            .ok_or_else(|| malformed(self.object_offset(pages.num), "document has no pages"))
    }

    fn find_first_page(
        &mut self,
        node: Ref,
        depth: usize,
        visited: &mut HashSet<Ref>,
    ) -> Result<Option<(Ref, Dict)>, PdfError> {
        let at = self.object_offset(node.num);
        if depth > MAX_DEPTH {
            return Err(malformed(at, "page tree deeper than 64"));
        }
        if !visited.insert(node) {
            return Err(malformed(at, "page tree has a cycle"));
        }
        if visited.len() > MAX_PAGE_NODES {
            return Err(malformed(at, "page tree too large"));
        }
        let dict = self.resolve_dict(node, "page tree node")?;
        match dict.type_name() {
            Some(b"Page") => Ok(Some((node, dict))),
            Some(b"Pages") => {
                let kids = match dict.get(b"Kids") {
                    Some(kids) => self.deref(kids)?,
                    None => return Err(malformed(at, "/Pages node without /Kids")),
                };
                let Object::Array(kids) = kids else {
                    return Err(malformed(at, "/Kids is not an array"));
                };
                for kid in &kids {
                    let Some(kid) = kid.as_ref() else {
                        return Err(malformed(at, "/Kids entry is not a reference"));
                    };
                    if let Some(found) = self.find_first_page(kid, depth + 1, visited)? {
                        return Ok(Some(found));
                    }
                }
                Ok(None)
            }
            _ => Err(malformed(at, "page tree node is neither /Page nor /Pages")),
        }
    }
}

/// One 20-byte classic cross-reference entry (`oooooooooo ggggg n` + end-of-line).
fn read_table_entry(lexer: &mut Lexer<'_>) -> Result<Entry, PdfError> {
    lexer.skip_white();
    let at = lexer.pos();
    let line = lexer
        .rest()
        .get(..18)
        .ok_or_else(|| malformed(at, "truncated cross-reference entry"))?;
    let (offset, rest) = line.split_at(10);
    let (sep1, rest) = rest.split_at(1);
    let (generation, rest) = rest.split_at(5);
    let (sep2, kind) = rest.split_at(1);
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    if !digits(offset) || !digits(generation) || sep1 != b" " || sep2 != b" " {
        return Err(malformed(at, "malformed cross-reference entry"));
    }
    let number = |s: &[u8]| {
        s.iter()
            .fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'))
    };
    let entry = match kind {
        b"n" => Entry::InUse {
            offset: usize::try_from(number(offset))
                .map_err(|_| malformed(at, "offset out of range"))?,
            generation: u16::try_from(number(generation))
                .map_err(|_| malformed(at, "generation out of range"))?,
        },
        b"f" => Entry::Free,
        _ => return Err(malformed(at, "cross-reference entry type is not n or f")),
    };
    lexer.pos += 18;
    if !lexer.token_ends_at(lexer.pos) {
        return Err(malformed(at, "malformed cross-reference entry"));
    }
    Ok(entry)
}

/// Big-endian unsigned value of up to 8 bytes.
fn be_value(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// A non-negative integer object as an offset.
fn offset_value(object: &Object) -> Option<usize> {
    object.as_int().and_then(|o| usize::try_from(o).ok())
}

/// First position of `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    memchr::memmem::find(haystack, needle)
}

/// Last position of `needle` in `haystack`.
pub fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(haystack.len());
    }
    memchr::memmem::rfind(haystack, needle)
}

/// The offset after the last `startxref` (which must be followed by `%%EOF`).
fn find_startxref(data: &[u8]) -> Result<usize, PdfError> {
    let tail_start = data.len().saturating_sub(TAIL_WINDOW);
    let tail = data.get(tail_start..).unwrap_or_default();
    let at = rfind(tail, b"startxref")
        .map(|p| p + tail_start)
        .ok_or_else(|| malformed(tail_start, "no startxref near the end of the file"))?;
    let mut lexer = Lexer::new(data, at + b"startxref".len());
    let offset = lexer.parse_uint()?;
    lexer.skip_spaces();
    if !lexer.rest().starts_with(b"%%EOF") {
        return Err(malformed(
            lexer.pos(),
            "startxref offset not followed by %%EOF",
        ));
    }
    usize::try_from(offset)
        .ok()
        .filter(|&o| o < at)
        .ok_or_else(|| malformed(at, "startxref offset beyond the startxref keyword"))
}

/// Applies the stream's filters (only FlateDecode, with PNG predictors) to `raw`.
/// `limit` bounds the decoded size.
fn decode(
    raw: &[u8],
    filter: &Object,
    params: &Object,
    offset: usize,
    limit: usize,
) -> Result<Vec<u8>, PdfError> {
    let filter = match filter {
        Object::Null => None,
        Object::Name(name) => Some(name.as_slice()),
        Object::Array(items) => match items.as_slice() {
            [] => None,
            [Object::Name(name)] => Some(name.as_slice()),
            _ => return Err(PdfError::Unsupported("stream with several filters".into())),
        },
        _ => return Err(malformed(offset, "bad stream /Filter")),
    };
    let params = match params {
        Object::Array(items) => match items.as_slice() {
            [] => Object::Null,
            [single] => single.clone(),
            _ => return Err(malformed(offset, "bad stream /DecodeParms")),
        },
        other => other.clone(),
    };
    match filter {
        None if raw.len() > limit => Err(malformed(offset, "too much stream data to decode")),
        None => Ok(raw.to_vec()),
        Some(b"FlateDecode") => {
            let inflated = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(raw, limit)
                .map_err(|e| match e.status {
                    miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                        malformed(offset, "too much stream data to decode")
                    }
                    _ => malformed(offset, "FlateDecode stream does not inflate"),
                })?;
            match params {
                Object::Null => Ok(inflated),
                Object::Dict(params) => unpredict(inflated, &params, offset),
                _ => Err(malformed(offset, "bad stream /DecodeParms")),
            }
        }
        Some(other) => Err(PdfError::Unsupported(format!(
            "stream filter /{}",
            String::from_utf8_lossy(other)
        ))),
    }
}

/// Undoes a PNG predictor (7.4.4.4); predictor 1 is the identity.
fn unpredict(data: Vec<u8>, params: &Dict, offset: usize) -> Result<Vec<u8>, PdfError> {
    let int = |key: &[u8], default: i64| -> Result<i64, PdfError> {
        match params.get(key) {
            None => Ok(default),
            Some(v) => v
                .as_int()
                .ok_or_else(|| malformed(offset, "bad /DecodeParms value")),
        }
    };
    let predictor = int(b"Predictor", 1)?;
    if predictor == 1 {
        return Ok(data);
    }
    if !(10..=15).contains(&predictor) {
        return Err(PdfError::Unsupported(format!("predictor {predictor}")));
    }
    let colors = int(b"Colors", 1)?;
    let bpc = int(b"BitsPerComponent", 8)?;
    let columns = int(b"Columns", 1)?;
    if !(1..=32).contains(&colors)
        || ![1, 2, 4, 8, 16].contains(&bpc)
        || !(1..=1_000_000).contains(&columns)
    {
        return Err(malformed(offset, "predictor parameters out of range"));
    }
    // All three are small positive numbers now, so the casts cannot truncate.
    let bits_per_pixel = (colors * bpc) as usize;
    let bpp = bits_per_pixel.div_ceil(8).max(1);
    let row_len = (bits_per_pixel * columns as usize).div_ceil(8);
    let stride = row_len + 1;
    if !data.len().is_multiple_of(stride) {
        return Err(malformed(offset, "predicted data is not whole rows"));
    }
    let mut out = Vec::with_capacity(data.len() / stride * row_len);
    let mut prev = vec![0u8; row_len];
    for chunk in data.chunks_exact(stride) {
        let (&kind, row) = chunk
            .split_first()
            .ok_or_else(|| malformed(offset, "empty predictor row"))?;
        let mut cur = row.to_vec();
        for i in 0..row_len {
            let left = if i >= bpp {
                cur.get(i - bpp).copied().unwrap_or(0)
            } else {
                0
            };
            let up = prev.get(i).copied().unwrap_or(0);
            let up_left = if i >= bpp {
                prev.get(i - bpp).copied().unwrap_or(0)
            } else {
                0
            };
            let add = match kind {
                0 => 0,
                1 => left,
                2 => up,
                3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                4 => paeth(left, up, up_left),
                _ => return Err(malformed(offset, "unknown PNG predictor row type")),
            };
            if let Some(byte) = cur.get_mut(i) {
                *byte = byte.wrapping_add(add);
            }
        }
        out.extend_from_slice(&cur);
        prev = cur;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let pa = (p - i16::from(a)).abs();
    let pb = (p - i16::from(b)).abs();
    let pc = (p - i16::from(c)).abs();
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}
