//! Signatures in a PDF: check 1 (the PDF part of format) and check 3 (coverage and
//! modifications after signing).
//!
//! Signatures are found through the newest revision's AcroForm (signature fields with a
//! /V). For each, the signature dictionary is read token by token with the strict lexer of
//! [`crate::pdf::parse`], so /Contents is located by the dictionary's own tokens, never by
//! searching bytes.
//!
//! # Format (check 1) → TOTAL_FAILED `FORMAT_FAILURE`
//! /V is an indirect reference to an uncompressed dictionary (/Type /Sig, /DocTimeStamp or
//! none) that is part of the revision it signs; /ByteRange is a direct array of exactly 4
//! non-negative integers `[0 a b c]` with `a ≤ b` and `b + c` inside the file; the gap
//! `[a, b)` is exactly this dictionary's `<hex>` /Contents token; /Contents is present,
//! non-empty and pure hex; after the DER of the CMS only zero bytes follow (anything else is
//! data hidden in the padding); the signed revision `[0, b + c)` ends at `%%EOF` (plus at
//! most one end-of-line) and is a readable revision on its own. These catch universal
//! signature forgery (USF) and signature wrapping (SWA).
//!
//! # Modifications (check 3), reject by default
//! The state at signing (the xref view of the prefix `[0, b + c)`) is compared object by
//! object with the newest state (the xref view of the whole file, every later section
//! followed through /Prev). Comparing with the newest state rather than revision by
//! revision judges what a reader actually shows; a change made and undone in between is
//! invisible, and each later signature is judged against its own signed state in turn. As in pyHanko's difference analysis, every change must be
//! justified by one of these small rules; anything else is refused:
//!
//! - `trailer`: /Root and /Info stay the same, no /Encrypt appears.
//! - `metadata`: the /Info dictionary and the catalog's XMP /Metadata stream are never
//!   changed (a policy choice: pyHanko 0.38 rewrites both, and adds catalog /Extensions, in
//!   every incremental update it writes, so its countersignature on a qujat document makes
//!   the earlier signature fail here).
//! - `no deletion`: no object live at signing is freed.
//! - `no dangling rebinding`: no new object takes a number that a signed object referred to
//!   while it was undefined (that would change what the signed object means).
//! - `no-op rewrite`: an existing non-stream object may be rewritten unchanged. Streams
//!   (page content, fonts, images, metadata, object streams) may never be rewritten.
//! - `catalog`: only /AcroForm (rule `acroform`) and /DSS (rule `dss`) may change;
//!   /Perms may not appear.
//! - `acroform`: only /Fields (appended new signature fields) and /SigFlags (bits 1 and 2
//!   set, none cleared) may change.
//! - `page`: only /Annots may change, by appending widgets of new signature fields (the
//!   same for an indirect /Annots or /Fields array).
//! - `fill field`: an existing unsigned signature field may get a /V (a new signature
//!   dictionary) and an appearance.
//! - `signature field` / `widget`: a new field is /FT /Sig with a new /V (a recycled
//!   signature dictionary is refused); a widget belongs to a new signature field and
//!   carries no action (/A, /AA); a widget that is visible (non-zero /Rect, not hidden)
//!   may have an appearance only if its field is signed (an unsigned field drawing on the
//!   page is a "sneaky signature"). "Signed" means a new /V is present: whether that
//!   later signature is valid is the caller's check, so `SignaturesOnly` is only as good
//!   as every later signature.
//! - `dss`: a /DSS dictionary (keys /Type /Certs /OCSPs /CRLs /VRI only) may be added or
//!   replaced; the new objects it references are validation data, never rendered.
//! - `containers`: new cross-reference streams and object streams.
//! - `justified`: every new object must be reached through one of the rules above.
//!
//! Allowed changes give [`ModificationLevel::SignaturesOnly`] (the later signatures, DSS
//! and document time-stamps are for the caller to verify in turn). A refused change is
//! TOTAL_FAILED `SIG_CONSTRAINTS_FAILURE` (ETSI EN 319 102-1: the signature is intact but
//! the document shown is not what was signed: incremental saving attacks, shadow attacks,
//! evil annotations, sneaky signatures). A later revision that cannot be read at all is a
//! `FORMAT_FAILURE` (its effect cannot be known). Structural lies about the signature itself
//! (USF, SWA) are `FORMAT_FAILURE`, never `HASH_FAILURE`: the hash is checked by the caller
//! over the ranges this module returns.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::cms::{self, ParsedCms};
use super::{Finding, SubIndication};
use crate::pdf::PdfError;
use crate::pdf::object::{Dict, Object, Ref};
use crate::pdf::parse::{Document, Entry, Lexer, MAX_DEPTH, MAX_PDF_SIZE, find};

#[cfg(test)]
#[path = "pdf_tests.rs"]
mod tests;

/// Most form field nodes visited.
const MAX_FIELDS: usize = 10_000;
/// Most page tree nodes visited.
const MAX_PAGE_NODES: usize = 100_000;
/// Most objects of the signed state scanned for dangling references.
const MAX_SCANNED_OBJECTS: usize = 1_000_000;
/// Most changed plus new objects analysed.
const MAX_CHANGES: usize = 100_000;
/// Most `%%EOF` markers tried when looking for the first revision.
const MAX_EOF_CANDIDATES: usize = 10_000;
/// Most keys in a signature dictionary.
const MAX_SIG_KEYS: usize = 256;

/// How much a document changed after a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ModificationLevel {
    /// Nothing was added after the signed revision.
    None,
    /// Revisions were added after the signed one, and every change they make (compared
    /// with the signed state) adds signatures, their fields and widgets, DSS data or
    /// document time-stamps.
    SignaturesOnly,
}

/// One signature found in a PDF, its format checked.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfSignature {
    /// Fully qualified field name (partial names joined with `.`).
    pub field_name: String,
    /// `[0, a, b, c]`.
    pub byte_range: [usize; 4],
    /// The CMS DER from /Contents, zero padding removed (after checking it is zeros).
    pub contents: Vec<u8>,
    /// End of the signed revision (`b + c`).
    pub signed_revision_end: usize,
    /// /M as text, if present (the claimed signing time in PAdES).
    pub claimed_time: Option<String>,
    /// /SubFilter name (e.g. `ETSI.CAdES.detached`), empty if absent.
    pub sub_filter: String,
    /// Whether the dictionary is /Type /DocTimeStamp.
    pub is_document_timestamp: bool,
    /// Whether the signed ranges end at the end of the file.
    pub covers_whole_file: bool,
    /// What changed after this signature (check 3).
    pub modifications: Result<ModificationLevel, Finding>,
}

fn format_failure(reason: impl Into<String>) -> Finding {
    Finding::new(SubIndication::FormatFailure, reason)
}

fn unreadable(e: &PdfError) -> Finding {
    format_failure(format!("the PDF cannot be read: {e}"))
}

/// Finds every signed signature field of the newest revision and checks each one's format
/// and what changed after it. The outer error means the document itself is unreadable;
/// an inner error is one signature failing check 1.
pub fn find_signatures(pdf: &[u8]) -> Result<Vec<Result<PdfSignature, Finding>>, Finding> {
    if pdf.len() > MAX_PDF_SIZE {
        return Err(format_failure(format!(
            "the PDF is {} bytes, more than the {MAX_PDF_SIZE} accepted",
            pdf.len()
        )));
    }
    let mut doc = Document::open(pdf).map_err(|e| unreadable(&e))?;
    let fields = signature_fields(&mut doc).map_err(|e| unreadable(&e))?;
    let mut seen: HashMap<Ref, String> = HashMap::new();
    let mut out = Vec::with_capacity(fields.len());
    for (name, value) in fields {
        let result = match value {
            Err(f) => Err(f),
            Ok(sig_ref) => match seen.get(&sig_ref) {
                Some(other) => Err(format_failure(format!(
                    "field {name:?} reuses the signature dictionary of field {other:?}"
                ))),
                None => {
                    seen.insert(sig_ref, name.clone());
                    examine(pdf, &mut doc, name, sig_ref)
                }
            },
        };
        out.push(result);
    }
    Ok(out)
}

/// The two signed ranges of `sig` in `pdf`, for digesting.
pub fn signed_bytes<'a>(pdf: &'a [u8], sig: &PdfSignature) -> Result<[&'a [u8]; 2], Finding> {
    let [start, a, b, c] = sig.byte_range;
    let end = b
        .checked_add(c)
        .ok_or_else(|| format_failure("/ByteRange overflows"))?;
    match (pdf.get(start..a), pdf.get(b..end)) {
        (Some(first), Some(second)) if start == 0 && a <= b => Ok([first, second]),
        _ => Err(format_failure("/ByteRange is outside the file")),
    }
}

/// /Info /Keywords of the first revision (the rendered document, before any signature),
/// if present. Used to learn the document kind and issuer; never trusted on its own.
pub fn document_keywords(pdf: &[u8]) -> Option<String> {
    if pdf.len() > MAX_PDF_SIZE {
        return None;
    }
    let mut from = 0;
    for _ in 0..MAX_EOF_CANDIDATES {
        let at = from + find(pdf.get(from..)?, b"%%EOF")?;
        let end = revision_end_after(pdf, at + 5);
        from = at + 5;
        let prefix = pdf.get(..end)?;
        let Ok(mut doc) = Document::open(prefix) else {
            continue;
        };
        let info = doc.trailer().get(b"Info").cloned()?;
        let Ok(Object::Dict(info)) = doc.deref(&info) else {
            return None;
        };
        let keywords = info.get(b"Keywords").cloned()?;
        return match doc.deref(&keywords) {
            Ok(Object::Str(s)) => Some(decode_text(&s)),
            _ => None,
        };
    }
    None
}

/// Offset after `%%EOF` ending at `after` plus one optional end-of-line.
fn revision_end_after(pdf: &[u8], after: usize) -> usize {
    match (pdf.get(after), pdf.get(after + 1)) {
        (Some(b'\r'), Some(b'\n')) => after + 2,
        (Some(b'\r' | b'\n'), _) => after + 1,
        _ => after,
    }
}

// ------------------------------------------------------------------ fields

type FieldList = Vec<(String, Result<Ref, Finding>)>;

/// Signature fields with a /V, in /Fields order: full name and the /V reference (or why
/// the field's /V is unusable).
fn signature_fields(doc: &mut Document<'_>) -> Result<FieldList, PdfError> {
    let (_, catalog) = doc.catalog()?;
    let form = match catalog.get(b"AcroForm") {
        None => return Ok(Vec::new()),
        Some(form) => doc.deref(form)?,
    };
    let Object::Dict(form) = form else {
        return Ok(Vec::new());
    };
    let fields = match form.get(b"Fields") {
        None => return Ok(Vec::new()),
        Some(fields) => doc.deref(fields)?,
    };
    let Object::Array(fields) = fields else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut visited = HashSet::new();
    walk_fields(doc, &fields, "", None, 0, &mut visited, &mut out)?;
    Ok(out)
}

fn walk_fields(
    doc: &mut Document<'_>,
    kids: &[Object],
    parent_name: &str,
    parent_ft: Option<&[u8]>,
    depth: usize,
    visited: &mut HashSet<Ref>,
    out: &mut FieldList,
) -> Result<(), PdfError> {
    if depth > 32 {
        return Err(PdfError::Malformed {
            offset: 0,
            what: "form field tree deeper than 32".into(),
        });
    }
    for kid in kids {
        let Some(r) = kid.as_ref() else {
            // Fields are indirect objects (12.7.3.1); a direct one cannot be signed.
            continue;
        };
        if !visited.insert(r) || visited.len() > MAX_FIELDS {
            return Err(PdfError::Malformed {
                offset: doc.object_offset(r.num),
                what: "form field tree has a cycle or too many fields".into(),
            });
        }
        let Object::Dict(field) = doc.resolve(r)? else {
            continue;
        };
        let partial = field.get(b"T").and_then(Object::as_str).map(decode_text);
        let name = match (&partial, parent_name.is_empty()) {
            (Some(p), true) => p.clone(),
            (Some(p), false) => format!("{parent_name}.{p}"),
            (None, _) => parent_name.to_owned(),
        };
        let ft = field
            .get(b"FT")
            .and_then(Object::as_name)
            .map(<[u8]>::to_vec)
            .or_else(|| parent_ft.map(<[u8]>::to_vec));
        if ft.as_deref() == Some(b"Sig") {
            match field.get(b"V") {
                None | Some(Object::Null) => {}
                Some(Object::Ref(v)) => out.push((name.clone(), Ok(*v))),
                Some(_) => out.push((
                    name.clone(),
                    Err(format_failure(format!(
                        "field {name:?}: /V is not an indirect reference to a signature dictionary"
                    ))),
                )),
            }
        }
        if let Some(kids) = field.get(b"Kids")
            && let Object::Array(kids) = doc.deref(kids)?
        {
            // Kids with a /T are fields; the others are widgets.
            let mut child_fields = Vec::new();
            for k in &kids {
                if let Some(kr) = k.as_ref()
                    && let Object::Dict(d) = doc.resolve(kr)?
                    && d.get(b"T").is_some()
                {
                    child_fields.push(Object::Ref(kr));
                }
            }
            let ft = ft.as_deref();
            walk_fields(doc, &child_fields, &name, ft, depth + 1, visited, out)?;
        }
    }
    Ok(())
}

// ------------------------------------------------------------------ the signature dictionary

/// The signature dictionary as read token by token.
struct SigDictScan {
    dict: Dict,
    /// `[start, end)` of the /Contents value token (`<` … `>`).
    contents_span: Option<(usize, usize)>,
}

/// Reads `num gen obj << … >> endobj` at `offset`, recording where /Contents' value lies.
fn scan_signature_dictionary(pdf: &[u8], offset: usize, r: Ref) -> Result<SigDictScan, Finding> {
    let bad = |e: PdfError| format_failure(format!("signature dictionary: {e}"));
    let mut lexer = Lexer::new(pdf, offset);
    let num = lexer.parse_uint().map_err(bad)?;
    let generation = lexer.parse_uint().map_err(bad)?;
    lexer.expect_keyword(b"obj").map_err(bad)?;
    if num != u64::from(r.num) || generation != u64::from(r.generation) {
        return Err(format_failure(format!(
            "signature dictionary {} {} R points at object {num} {generation}",
            r.num, r.generation
        )));
    }
    lexer.skip_white();
    let open = lexer.pos();
    if pdf.get(open..open + 2) != Some(b"<<") {
        return Err(format_failure(format!(
            "signature value at byte {open} is not a dictionary"
        )));
    }
    let mut lexer = Lexer::new(pdf, open + 2);
    let mut dict = Dict::default();
    let mut contents_span = None;
    loop {
        lexer.skip_white();
        let at = lexer.pos();
        if pdf.get(at..at + 2) == Some(b">>") {
            lexer = Lexer::new(pdf, at + 2);
            break;
        }
        if dict.0.len() >= MAX_SIG_KEYS {
            return Err(format_failure("signature dictionary has too many keys"));
        }
        let key = match lexer.parse_object().map_err(bad)? {
            Object::Name(key) => key,
            _ => {
                return Err(format_failure(format!(
                    "signature dictionary key at byte {at} is not a name"
                )));
            }
        };
        lexer.skip_white();
        let value_start = lexer.pos();
        let value = lexer.parse_object().map_err(bad)?;
        let value_end = lexer.pos();
        if dict.get(&key).is_some() {
            return Err(format_failure(format!(
                "signature dictionary repeats /{}",
                String::from_utf8_lossy(&key)
            )));
        }
        if key == b"Contents" {
            contents_span = Some((value_start, value_end));
        }
        dict.0.push((key, value));
    }
    if !lexer.try_keyword(b"endobj") {
        return Err(format_failure(
            "signature dictionary is not followed by endobj (a stream or trailing data)",
        ));
    }
    Ok(SigDictScan {
        dict,
        contents_span,
    })
}

/// Check 1 for one signature, then check 3.
fn examine(
    pdf: &[u8],
    doc: &mut Document<'_>,
    field_name: String,
    sig_ref: Ref,
) -> Result<PdfSignature, Finding> {
    let fail = |what: String| format_failure(format!("field {field_name:?}: {what}"));
    let offset = match doc.entries().get(&sig_ref.num) {
        Some(Entry::InUse { offset, generation }) if *generation == sig_ref.generation => *offset,
        Some(Entry::Compressed { .. }) => {
            return Err(fail(
                "the signature dictionary is inside an object stream, where /ByteRange cannot exclude /Contents"
                    .into(),
            ));
        }
        _ => return Err(fail("/V refers to a missing object".into())),
    };
    let scan = scan_signature_dictionary(pdf, offset, sig_ref).map_err(|f| fail(f.reason))?;
    let dict = &scan.dict;

    let is_document_timestamp = match dict.type_name() {
        None | Some(b"Sig") => false,
        Some(b"DocTimeStamp") => true,
        Some(other) => {
            return Err(fail(format!(
                "/V is a /{} dictionary, not a signature",
                String::from_utf8_lossy(other)
            )));
        }
    };

    // /Contents: present, a hex string written as pure hex digits, non-empty.
    let Some((c_start, c_end)) = scan.contents_span else {
        return Err(fail("the signature dictionary has no /Contents".into()));
    };
    let inner = pdf
        .get(c_start..c_end)
        .and_then(|t| t.strip_prefix(b"<"))
        .and_then(|t| t.strip_suffix(b">"))
        .filter(|t| !t.starts_with(b"<"))
        .ok_or_else(|| fail("/Contents is not a hexadecimal string".into()))?;
    if !inner.iter().all(u8::is_ascii_hexdigit) || inner.len() % 2 != 0 {
        return Err(fail(
            "/Contents is not an even number of hex digits without spaces".into(),
        ));
    }
    if inner.is_empty() {
        return Err(fail("/Contents is empty".into()));
    }

    // /ByteRange: a direct array of exactly four non-negative integers.
    let byte_range = match dict.get(b"ByteRange") {
        None => return Err(fail("the signature dictionary has no /ByteRange".into())),
        Some(Object::Array(items)) => {
            let values: Option<Vec<usize>> = items
                .iter()
                .map(|i| i.as_int().and_then(|v| usize::try_from(v).ok()))
                .collect();
            match values.as_deref() {
                Some(&[s, a, b, c]) => [s, a, b, c],
                _ => {
                    return Err(fail(
                        "/ByteRange is not exactly four non-negative integers".into(),
                    ));
                }
            }
        }
        Some(_) => return Err(fail("/ByteRange is not a direct array".into())),
    };
    let [start, a, b, c] = byte_range;
    if start != 0 {
        return Err(fail(format!("/ByteRange starts at {start}, not 0")));
    }
    if a > b {
        return Err(fail("/ByteRange ranges overlap or are out of order".into()));
    }
    let signed_end = b
        .checked_add(c)
        .filter(|&e| e <= pdf.len())
        .ok_or_else(|| fail("/ByteRange reaches beyond the end of the file".into()))?;
    if a != c_start || b != c_end {
        return Err(fail(format!(
            "the unsigned gap [{a}, {b}) is not this dictionary's /Contents [{c_start}, {c_end})"
        )));
    }

    let contents = decode_contents(inner).map_err(fail)?;

    // The signed prefix must be one whole revision, ending at %%EOF.
    let signed = pdf.get(..signed_end).unwrap_or_default();
    let trimmed = signed
        .strip_suffix(b"\r\n")
        .or_else(|| signed.strip_suffix(b"\n"))
        .or_else(|| signed.strip_suffix(b"\r"))
        .unwrap_or(signed);
    if !trimmed.ends_with(b"%%EOF") {
        return Err(fail(format!(
            "the signed range ends at byte {signed_end}, not at a %%EOF"
        )));
    }
    let mut signed_doc = Document::open(signed)
        .map_err(|e| fail(format!("the signed range is not a readable revision: {e}")))?;
    match signed_doc.entries().get(&sig_ref.num) {
        Some(Entry::InUse {
            offset: o,
            generation,
        }) if *o == offset && *generation == sig_ref.generation => {}
        _ => {
            return Err(fail(
                "the signature dictionary is not the one of the revision it signs".into(),
            ));
        }
    }

    let claimed_time = match dict.get(b"M") {
        Some(Object::Str(m)) => Some(decode_text(m)),
        _ => None,
    };
    let sub_filter = dict
        .get(b"SubFilter")
        .and_then(Object::as_name)
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_default();
    let modifications = modifications(pdf, &mut signed_doc, doc, signed_end);
    Ok(PdfSignature {
        field_name,
        byte_range,
        contents,
        signed_revision_end: signed_end,
        claimed_time,
        sub_filter,
        is_document_timestamp,
        covers_whole_file: signed_end == pdf.len(),
        modifications,
    })
}

/// Hex digits → bytes; the DER of one definite-length value, then only zero padding.
fn decode_contents(hex: &[u8]) -> Result<Vec<u8>, String> {
    // The caller checked every byte is a hex digit.
    let nibble = |b: u8| match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    };
    let bytes: Vec<u8> = hex
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => nibble(*hi) << 4 | nibble(*lo),
            _ => 0,
        })
        .collect();
    if bytes.iter().all(|&b| b == 0) {
        return Err("/Contents holds no signature (all zeros)".into());
    }
    let len_at = |i: usize| bytes.get(i).copied();
    let (header, len) = match (len_at(0), len_at(1)) {
        (Some(0x30), Some(l)) if l < 0x80 => (2, usize::from(l)),
        (Some(0x30), Some(l)) if (0x81..=0x84).contains(&l) => {
            let n = usize::from(l & 0x7f);
            let octets = bytes
                .get(2..2 + n)
                .ok_or("/Contents ends inside the CMS length")?;
            (
                2 + n,
                octets
                    .iter()
                    .fold(0usize, |acc, &b| (acc << 8) | usize::from(b)),
            )
        }
        (Some(0x30), Some(0x80)) => {
            return Err("the CMS in /Contents uses an indefinite length (BER)".into());
        }
        _ => return Err("/Contents does not start with a DER SEQUENCE".into()),
    };
    let der_len = header
        .checked_add(len)
        .filter(|&l| l <= bytes.len())
        .ok_or("the CMS length runs past /Contents")?;
    let (der, padding) = bytes.split_at(der_len);
    if let Some(i) = padding.iter().position(|&b| b != 0) {
        return Err(format!(
            "non-zero byte hidden in the /Contents padding ({} bytes after the CMS)",
            i
        ));
    }
    Ok(der.to_vec())
}

// ------------------------------------------------------------------ modifications

/// Why a later change is refused.
enum Refusal {
    /// A change no rule allows (SIG_CONSTRAINTS_FAILURE).
    Disallowed(String),
    /// The later revisions cannot be read (FORMAT_FAILURE).
    Unreadable(String),
}

impl From<PdfError> for Refusal {
    fn from(e: PdfError) -> Self {
        Refusal::Unreadable(e.to_string())
    }
}

type Verdict = Result<(), Refusal>;

fn disallowed(what: impl Into<String>) -> Refusal {
    Refusal::Disallowed(what.into())
}

/// Check 3 for the revision ending at `signed_end` (its state `old`) against the whole
/// file (state `new`).
fn modifications(
    pdf: &[u8],
    old: &mut Document<'_>,
    new: &mut Document<'_>,
    signed_end: usize,
) -> Result<ModificationLevel, Finding> {
    let tail = pdf.get(signed_end..).unwrap_or_default();
    if new.startxref() == old.startxref() {
        // No revision was added; only white space may follow.
        if tail.iter().all(|&b| crate::pdf::object::is_white(b)) {
            return Ok(ModificationLevel::None);
        }
        return Err(Finding::new(
            SubIndication::SigConstraintsFailure,
            format!(
                "{} bytes after the signed revision are not an incremental update",
                tail.len()
            ),
        ));
    }
    if new.startxref() < signed_end {
        return Err(Finding::new(
            SubIndication::SigConstraintsFailure,
            "the file's last cross-reference section lies before the end of the signed revision",
        ));
    }
    let mut analysis = Analysis {
        data: pdf,
        old,
        new,
        new_objects: BTreeSet::new(),
        admitted: HashSet::new(),
        queued: HashSet::new(),
        queue: Vec::new(),
    };
    match analysis.run() {
        Ok(()) => Ok(ModificationLevel::SignaturesOnly),
        Err(Refusal::Disallowed(what)) => Err(Finding::new(
            SubIndication::SigConstraintsFailure,
            format!("changed after signing: {what}"),
        )),
        Err(Refusal::Unreadable(what)) => Err(format_failure(format!(
            "the revisions added after signing cannot be analysed: {what}"
        ))),
    }
}

/// What an existing object was, in the signed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OldRole {
    Catalog,
    AcroForm,
    Fields,
    Page,
    Annots,
    Dss,
    /// The trailer's /Info dictionary: never changed (named for a clear reason).
    Info,
    /// The catalog's XMP /Metadata stream: never rewritten (named for a clear reason).
    Metadata,
}

/// What a new object is admitted as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum NewRole {
    SignatureField,
    Widget,
    SignatureDictionary,
}

impl NewRole {
    fn name(self) -> &'static str {
        match self {
            NewRole::SignatureField => "signature field",
            NewRole::Widget => "widget",
            NewRole::SignatureDictionary => "signature dictionary",
        }
    }
}

fn live(entry: Option<&Entry>) -> bool {
    matches!(entry, Some(Entry::InUse { .. } | Entry::Compressed { .. }))
}

fn ref_text(r: Ref) -> String {
    format!("{} {} R", r.num, r.generation)
}

/// Order-insensitive equality of two objects (dictionaries compare by key).
fn same(a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::Dict(x), Object::Dict(y)) => same_dict(x, y),
        (Object::Array(x), Object::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        _ => a == b,
    }
}

fn same_dict(x: &Dict, y: &Dict) -> bool {
    x.0.len() == y.0.len()
        && x.0
            .iter()
            .all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
}

fn same_opt(a: Option<&Object>, b: Option<&Object>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => same(x, y),
        _ => false,
    }
}

/// Every key of either dictionary.
fn keys(a: &Dict, b: &Dict) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = a.0.iter().map(|(k, _)| k.clone()).collect();
    for (k, _) in &b.0 {
        if a.get(k).is_none() {
            out.push(k.clone());
        }
    }
    out
}

fn key_text(k: &[u8]) -> String {
    format!("/{}", String::from_utf8_lossy(k))
}

/// Every reference inside a direct object.
fn collect_refs(object: &Object, out: &mut Vec<Ref>) {
    match object {
        Object::Ref(r) => out.push(*r),
        Object::Array(items) => items.iter().for_each(|i| collect_refs(i, out)),
        Object::Dict(d) => d.0.iter().for_each(|(_, v)| collect_refs(v, out)),
        _ => {}
    }
}

/// Whether the object at a cross-reference entry is a stream.
fn is_stream(data: &[u8], entry: Option<&Entry>) -> Result<bool, PdfError> {
    let Some(Entry::InUse { offset, .. }) = entry else {
        // Objects in object streams are never streams.
        return Ok(false);
    };
    let mut lexer = Lexer::new(data, *offset);
    lexer.parse_uint()?;
    lexer.parse_uint()?;
    lexer.expect_keyword(b"obj")?;
    lexer.parse_object()?;
    Ok(lexer.try_keyword(b"stream"))
}

/// Whether a widget can show anything: a /Rect of non-zero area and not Hidden/NoView.
fn is_visible(widget: &Dict) -> bool {
    let flags = widget.get(b"F").and_then(Object::as_int).unwrap_or(0);
    if flags & (2 | 32) != 0 {
        return false;
    }
    let number = |o: &Object| match o {
        Object::Int(i) => Some(*i as f64),
        Object::Real(r) => std::str::from_utf8(r).ok()?.parse::<f64>().ok(),
        _ => None,
    };
    let Some(rect) = widget.get(b"Rect").and_then(Object::as_array) else {
        // No usable /Rect: assume the worst.
        return true;
    };
    let values: Option<Vec<f64>> = rect.iter().map(number).collect();
    match values.as_deref() {
        Some(&[x1, y1, x2, y2]) => (x2 - x1).abs() > 0.0 && (y2 - y1).abs() > 0.0,
        _ => true,
    }
}

struct Analysis<'d, 'o, 'n> {
    data: &'d [u8],
    old: &'d mut Document<'o>,
    new: &'d mut Document<'n>,
    /// Objects live now that were not live at signing.
    new_objects: BTreeSet<u32>,
    /// New objects justified by a rule.
    admitted: HashSet<u32>,
    queued: HashSet<(u32, NewRole)>,
    queue: Vec<(Ref, NewRole)>,
}

impl Analysis<'_, '_, '_> {
    fn run(&mut self) -> Verdict {
        self.trailer_rule()?;

        // Changed existing objects, deletions, new objects.
        let old_entries = self.old.entries().clone();
        let new_entries = self.new.entries().clone();
        let mut changed = Vec::new();
        for (&num, old_entry) in &old_entries {
            if !live(Some(old_entry)) {
                continue;
            }
            match new_entries.get(&num) {
                Some(e) if e == old_entry => {}
                Some(e) if live(Some(e)) => changed.push(num),
                _ => return Err(disallowed(format!("object {num} was deleted"))),
            }
        }
        for (&num, entry) in &new_entries {
            if live(Some(entry)) && !live(old_entries.get(&num)) {
                self.new_objects.insert(num);
            }
        }
        if changed.len() + self.new_objects.len() > MAX_CHANGES {
            return Err(disallowed("too many objects changed to analyse"));
        }

        self.dangling_rule(&old_entries)?;

        let roles = self.old_roles()?;
        for num in changed {
            self.changed_object(num, &old_entries, &new_entries, &roles)?;
        }
        self.process_queue()?;
        self.containers_rule(&new_entries)
    }

    /// `trailer`: same /Root and /Info, no new /Encrypt.
    fn trailer_rule(&mut self) -> Verdict {
        let (old, new) = (self.old.trailer(), self.new.trailer());
        if !same_opt(old.get(b"Root"), new.get(b"Root")) {
            return Err(disallowed("the trailer's /Root points at another catalog"));
        }
        if !same_opt(old.get(b"Info"), new.get(b"Info")) {
            return Err(disallowed("the document information (/Info) was replaced"));
        }
        if !same_opt(old.get(b"Encrypt"), new.get(b"Encrypt")) {
            return Err(disallowed("encryption was added or changed"));
        }
        Ok(())
    }

    /// `no dangling rebinding`: a new object must not take a number that a signed object
    /// referred to while it was undefined.
    fn dangling_rule(&mut self, old_entries: &std::collections::BTreeMap<u32, Entry>) -> Verdict {
        if self.new_objects.is_empty() {
            return Ok(());
        }
        let mut scanned = 0usize;
        for (&num, entry) in old_entries {
            let generation = match entry {
                Entry::InUse { generation, .. } => *generation,
                Entry::Compressed { .. } => 0,
                Entry::Free => continue,
            };
            scanned += 1;
            if scanned > MAX_SCANNED_OBJECTS {
                return Err(Refusal::Unreadable("too many objects to analyse".into()));
            }
            let object = self.old.resolve(Ref { num, generation })?;
            let mut refs = Vec::new();
            collect_refs(&object, &mut refs);
            for r in refs {
                if self.new_objects.contains(&r.num) {
                    return Err(disallowed(format!(
                        "object {} was undefined when signed but referenced by object {num}; it is now defined",
                        r.num
                    )));
                }
            }
        }
        Ok(())
    }

    /// The roles of existing objects in the signed state.
    fn old_roles(&mut self) -> Result<HashMap<u32, Vec<OldRole>>, Refusal> {
        let mut roles: HashMap<u32, Vec<OldRole>> = HashMap::new();
        let mut add = |r: Option<Ref>, role: OldRole| {
            if let Some(r) = r {
                roles.entry(r.num).or_default().push(role);
            }
        };
        let (root, catalog) = self.old.catalog()?;
        add(Some(root), OldRole::Catalog);
        let form_ref = catalog.get(b"AcroForm").and_then(Object::as_ref);
        add(form_ref, OldRole::AcroForm);
        if let Some(form) = catalog.get(b"AcroForm")
            && let Object::Dict(form) = self.old.deref(form)?
        {
            add(
                form.get(b"Fields").and_then(Object::as_ref),
                OldRole::Fields,
            );
        }
        add(catalog.get(b"DSS").and_then(Object::as_ref), OldRole::Dss);
        add(
            catalog.get(b"Metadata").and_then(Object::as_ref),
            OldRole::Metadata,
        );
        let info = self.old.trailer().get(b"Info").and_then(Object::as_ref);
        add(info, OldRole::Info);

        // Every page and indirect /Annots array of the page tree.
        let mut stack: Vec<(Ref, usize)> = Vec::new();
        if let Some(pages) = catalog.get(b"Pages").and_then(Object::as_ref) {
            stack.push((pages, 0));
        }
        let mut visited = HashSet::new();
        while let Some((node, depth)) = stack.pop() {
            if depth > MAX_DEPTH || !visited.insert(node) || visited.len() > MAX_PAGE_NODES {
                return Err(Refusal::Unreadable(
                    "the signed page tree is too deep, too large or cyclic".into(),
                ));
            }
            let Object::Dict(dict) = self.old.resolve(node)? else {
                continue;
            };
            match dict.type_name() {
                Some(b"Page") => {
                    add(Some(node), OldRole::Page);
                    add(
                        dict.get(b"Annots").and_then(Object::as_ref),
                        OldRole::Annots,
                    );
                }
                _ => {
                    if let Some(kids) = dict.get(b"Kids")
                        && let Object::Array(kids) = self.old.deref(kids)?
                    {
                        for kid in kids.iter().rev().filter_map(Object::as_ref) {
                            stack.push((kid, depth + 1));
                        }
                    }
                }
            }
        }
        Ok(roles)
    }

    /// An existing object whose cross-reference entry changed.
    fn changed_object(
        &mut self,
        num: u32,
        old_entries: &std::collections::BTreeMap<u32, Entry>,
        new_entries: &std::collections::BTreeMap<u32, Entry>,
        roles: &HashMap<u32, Vec<OldRole>>,
    ) -> Verdict {
        let generation = |e: Option<&Entry>| match e {
            Some(Entry::InUse { generation, .. }) => *generation,
            _ => 0,
        };
        let (old_entry, new_entry) = (old_entries.get(&num), new_entries.get(&num));
        let (og, ng) = (generation(old_entry), generation(new_entry));
        if og != ng {
            return Err(disallowed(format!(
                "object {num} was rebound from generation {og} to {ng}"
            )));
        }
        let object_roles = roles.get(&num).cloned().unwrap_or_default();
        if object_roles.contains(&OldRole::Metadata) {
            return Err(disallowed(format!(
                "the XMP metadata stream (object {num}) was rewritten"
            )));
        }
        if is_stream(self.data, old_entry)? || is_stream(self.data, new_entry)? {
            return Err(disallowed(format!(
                "stream object {num} was rewritten (page content, font, image or metadata)"
            )));
        }
        let r = Ref {
            num,
            generation: og,
        };
        let old = self.old.resolve(r)?;
        let new = self.new.resolve(r)?;
        if same(&old, &new) {
            // `no-op rewrite`.
            return Ok(());
        }
        if object_roles.contains(&OldRole::Info) {
            return Err(disallowed(format!(
                "the document information dictionary /Info (object {num}) was changed"
            )));
        }
        if object_roles.is_empty() {
            if let (Object::Dict(o), Object::Dict(n)) = (&old, &new)
                && o.get(b"FT").and_then(Object::as_name) == Some(b"Sig")
                && o.get(b"V").is_none_or(|v| matches!(v, Object::Null))
            {
                return self.fill_field_rule(o, n, r);
            }
            let kind = match &old {
                Object::Dict(d) => d
                    .type_name()
                    .map(|t| format!(" (/Type /{})", String::from_utf8_lossy(t)))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            return Err(disallowed(format!(
                "object {}{kind} was rewritten with different content",
                ref_text(r)
            )));
        }
        for role in object_roles {
            match (role, &old, &new) {
                (OldRole::Catalog, Object::Dict(o), Object::Dict(n)) => self.catalog_rule(o, n)?,
                (OldRole::AcroForm, Object::Dict(o), Object::Dict(n)) => {
                    self.acroform_rule(o, n)?
                }
                (OldRole::Page, Object::Dict(o), Object::Dict(n)) => self.page_rule(o, n, r)?,
                (OldRole::Dss, Object::Dict(o), Object::Dict(n)) => self.dss_rule(o, n)?,
                (OldRole::Fields, Object::Array(o), Object::Array(n)) => {
                    self.append_rule("/Fields", o, n, NewRole::SignatureField)?
                }
                (OldRole::Annots, Object::Array(o), Object::Array(n)) => {
                    self.append_rule("/Annots", o, n, NewRole::Widget)?
                }
                _ => {
                    return Err(disallowed(format!(
                        "object {} changed its kind",
                        ref_text(r)
                    )));
                }
            }
        }
        Ok(())
    }

    /// `catalog`: only /AcroForm and /DSS may change; /Perms may not appear.
    fn catalog_rule(&mut self, old: &Dict, new: &Dict) -> Verdict {
        for key in keys(old, new) {
            let (o, n) = (old.get(&key), new.get(&key));
            match key.as_slice() {
                b"AcroForm" => self.acroform_value(o, n)?,
                b"DSS" => self.dss_value(o, n)?,
                _ if same_opt(o, n) => {}
                _ => {
                    return Err(disallowed(format!(
                        "the catalog's {} changed",
                        key_text(&key)
                    )));
                }
            }
        }
        Ok(())
    }

    /// A reference to a new object that a rule checks in place.
    fn admit_checked(&mut self, r: Ref, what: &str) -> Verdict {
        if !self.new_objects.contains(&r.num) {
            return Err(disallowed(format!(
                "{what} now points at the existing object {}",
                ref_text(r)
            )));
        }
        self.admitted.insert(r.num);
        Ok(())
    }

    /// Resolves a value of the signed state (absent → null).
    fn old_value(&mut self, v: Option<&Object>) -> Result<Object, Refusal> {
        match v {
            None => Ok(Object::Null),
            Some(v) => Ok(self.old.deref(v)?),
        }
    }

    fn new_value(&mut self, v: Option<&Object>) -> Result<Object, Refusal> {
        match v {
            None => Ok(Object::Null),
            Some(v) => Ok(self.new.deref(v)?),
        }
    }

    /// The catalog's /AcroForm value changed: compare what it resolves to.
    fn acroform_value(&mut self, old: Option<&Object>, new: Option<&Object>) -> Verdict {
        if same_opt(old, new) {
            // Same reference: the object's own change, if any, is checked on its own.
            return Ok(());
        }
        if new.is_none() {
            return Err(disallowed("the interactive form (/AcroForm) was removed"));
        }
        if let Some(Object::Ref(r)) = new {
            self.admit_checked(*r, "/AcroForm")?;
        }
        let o = match self.old_value(old)? {
            Object::Dict(d) => d,
            Object::Null => Dict::default(),
            _ => return Err(disallowed("/AcroForm was not a dictionary")),
        };
        let Object::Dict(n) = self.new_value(new)? else {
            return Err(disallowed("/AcroForm is not a dictionary"));
        };
        self.acroform_rule(&o, &n)
    }

    /// `acroform`: only /Fields (appended signature fields) and /SigFlags change.
    fn acroform_rule(&mut self, old: &Dict, new: &Dict) -> Verdict {
        for key in keys(old, new) {
            let (o, n) = (old.get(&key), new.get(&key));
            match key.as_slice() {
                b"Fields" => self.appended_value("/Fields", o, n, NewRole::SignatureField)?,
                b"SigFlags" => {
                    let before = self.old_value(o)?.as_int().unwrap_or(0);
                    let after = self.new_value(n)?.as_int().unwrap_or(-1);
                    if !(0..=3).contains(&after) || before & !after != 0 {
                        return Err(disallowed(format!(
                            "/SigFlags changed from {before} to {after}"
                        )));
                    }
                }
                _ if same_opt(o, n) => {}
                _ => {
                    return Err(disallowed(format!("the form's {} changed", key_text(&key))));
                }
            }
        }
        Ok(())
    }

    /// A /Fields or /Annots value changed: compare the arrays it resolves to.
    fn appended_value(
        &mut self,
        what: &str,
        old: Option<&Object>,
        new: Option<&Object>,
        role: NewRole,
    ) -> Verdict {
        if same_opt(old, new) {
            return Ok(());
        }
        if new.is_none() {
            return Err(disallowed(format!("{what} was removed")));
        }
        if let Some(Object::Ref(r)) = new {
            self.admit_checked(*r, what)?;
        }
        let o = match self.old_value(old)? {
            Object::Array(a) => a,
            Object::Null => Vec::new(),
            _ => return Err(disallowed(format!("{what} was not an array"))),
        };
        let Object::Array(n) = self.new_value(new)? else {
            return Err(disallowed(format!("{what} is not an array")));
        };
        self.append_rule(what, &o, &n, role)
    }

    /// The new array is the old one with references to new objects of `role` appended.
    fn append_rule(
        &mut self,
        what: &str,
        old: &[Object],
        new: &[Object],
        role: NewRole,
    ) -> Verdict {
        let prefix = new.get(..old.len());
        if !prefix.is_some_and(|p| p.iter().zip(old).all(|(a, b)| same(a, b))) {
            return Err(disallowed(format!(
                "{what} lost or reordered entries (only appending is allowed)"
            )));
        }
        for item in new.get(old.len()..).unwrap_or_default() {
            let Object::Ref(r) = item else {
                return Err(disallowed(format!("{what} got a direct entry")));
            };
            self.admit(*r, role, what)?;
        }
        Ok(())
    }

    /// Queues a new object to be checked as `role`.
    fn admit(&mut self, r: Ref, role: NewRole, from: &str) -> Verdict {
        if !self.new_objects.contains(&r.num) {
            return Err(disallowed(format!(
                "{from} now refers to the existing object {} as a {} (recycled object)",
                ref_text(r),
                role.name()
            )));
        }
        self.admitted.insert(r.num);
        if self.queued.insert((r.num, role)) {
            self.queue.push((r, role));
        }
        Ok(())
    }

    /// `page`: only /Annots changes, by appending widgets of new signature fields.
    fn page_rule(&mut self, old: &Dict, new: &Dict, r: Ref) -> Verdict {
        for key in keys(old, new) {
            let (o, n) = (old.get(&key), new.get(&key));
            if key == b"Annots" {
                self.appended_value("/Annots", o, n, NewRole::Widget)?;
            } else if !same_opt(o, n) {
                return Err(disallowed(format!(
                    "page {}: {} changed",
                    ref_text(r),
                    key_text(&key)
                )));
            }
        }
        Ok(())
    }

    /// `fill field`: an existing unsigned signature field gets a new /V and maybe an
    /// appearance.
    fn fill_field_rule(&mut self, old: &Dict, new: &Dict, r: Ref) -> Verdict {
        for key in keys(old, new) {
            let (o, n) = (old.get(&key), new.get(&key));
            match key.as_slice() {
                b"V" => match n {
                    Some(Object::Ref(v)) => self.admit(*v, NewRole::SignatureDictionary, "/V")?,
                    _ => {
                        return Err(disallowed(format!(
                            "signature field {}: /V is not a reference",
                            ref_text(r)
                        )));
                    }
                },
                b"AP" if new.get(b"V").is_some() => {
                    if let Some(ap) = n {
                        self.admit_any(ap)?;
                    }
                }
                _ if same_opt(o, n) => {}
                _ => {
                    return Err(disallowed(format!(
                        "signature field {}: {} changed",
                        ref_text(r),
                        key_text(&key)
                    )));
                }
            }
        }
        Ok(())
    }

    /// The catalog's /DSS value changed.
    fn dss_value(&mut self, old: Option<&Object>, new: Option<&Object>) -> Verdict {
        if same_opt(old, new) {
            return Ok(());
        }
        if new.is_none() {
            return Err(disallowed("the /DSS was removed"));
        }
        if let Some(Object::Ref(r)) = new {
            self.admit_checked(*r, "/DSS")?;
        }
        let o = match self.old_value(old)? {
            Object::Dict(d) => d,
            _ => Dict::default(),
        };
        let Object::Dict(n) = self.new_value(new)? else {
            return Err(disallowed("/DSS is not a dictionary"));
        };
        self.dss_rule(&o, &n)
    }

    /// `dss`: a DSS-shaped dictionary; what it newly references is validation data.
    fn dss_rule(&mut self, old: &Dict, new: &Dict) -> Verdict {
        for (key, value) in &new.0 {
            match key.as_slice() {
                b"Type" if value.as_name() == Some(b"DSS") => {}
                b"Certs" | b"OCSPs" | b"CRLs" | b"VRI" => {
                    if !same_opt(old.get(key), Some(value)) {
                        self.admit_any(value)?;
                    }
                }
                _ => {
                    return Err(disallowed(format!(
                        "the /DSS has the unexpected entry {}",
                        key_text(key)
                    )));
                }
            }
        }
        Ok(())
    }

    /// Admits every new object reachable from `value` without further checks (appearance
    /// streams of signed widgets, DSS data): reachable only through checked changes, they
    /// cannot alter what was signed.
    fn admit_any(&mut self, value: &Object) -> Verdict {
        let mut stack = vec![value.clone()];
        while let Some(object) = stack.pop() {
            let mut refs = Vec::new();
            collect_refs(&object, &mut refs);
            for r in refs {
                if self.new_objects.contains(&r.num) && self.admitted.insert(r.num) {
                    if self.admitted.len() > MAX_CHANGES {
                        return Err(disallowed("too many objects added to analyse"));
                    }
                    stack.push(self.new.resolve(r)?);
                }
            }
        }
        Ok(())
    }

    /// Checks the new objects queued by the rules.
    fn process_queue(&mut self) -> Verdict {
        while let Some((r, role)) = self.queue.pop() {
            let Object::Dict(dict) = self.new.resolve(r)? else {
                return Err(disallowed(format!(
                    "new {} {} is not a dictionary",
                    role.name(),
                    ref_text(r)
                )));
            };
            match role {
                NewRole::SignatureField => self.signature_field_rule(&dict, r)?,
                NewRole::Widget => self.widget_rule(&dict, r)?,
                NewRole::SignatureDictionary => self.signature_dictionary_rule(&dict, r)?,
            }
        }
        Ok(())
    }

    /// `signature field`: /FT /Sig, a new /V if signed, new widgets as kids.
    fn signature_field_rule(&mut self, field: &Dict, r: Ref) -> Verdict {
        if field.get(b"FT").and_then(Object::as_name) != Some(b"Sig") {
            return Err(disallowed(format!(
                "new form field {} is not a signature field",
                ref_text(r)
            )));
        }
        if field.get(b"Parent").is_some() {
            return Err(disallowed(format!(
                "new signature field {} in /Fields has a /Parent",
                ref_text(r)
            )));
        }
        match field.get(b"V") {
            None | Some(Object::Null) => {}
            Some(Object::Ref(v)) => self.admit(*v, NewRole::SignatureDictionary, "/V")?,
            Some(_) => {
                return Err(disallowed(format!(
                    "signature field {}: /V is not a reference",
                    ref_text(r)
                )));
            }
        }
        if let Some(kids) = field.get(b"Kids") {
            let Object::Array(kids) = self.new.deref(kids)? else {
                return Err(disallowed("signature field /Kids is not an array"));
            };
            if let Some(Object::Ref(k)) = field.get(b"Kids") {
                self.admit_checked(*k, "/Kids")?;
            }
            for kid in kids {
                let Object::Ref(k) = kid else {
                    return Err(disallowed("signature field has a direct kid"));
                };
                self.admit(k, NewRole::Widget, "/Kids")?;
            }
        }
        if field.get(b"Subtype").and_then(Object::as_name) == Some(b"Widget") {
            self.widget_rule(field, r)?;
        } else {
            self.admit_auxiliary(field)?;
        }
        Ok(())
    }

    /// `widget`: a widget of a signature field; visible with an appearance only if signed.
    fn widget_rule(&mut self, widget: &Dict, r: Ref) -> Verdict {
        if widget.get(b"Subtype").and_then(Object::as_name) != Some(b"Widget") {
            return Err(disallowed(format!(
                "new annotation {} is not a widget",
                ref_text(r)
            )));
        }
        // The field: the widget itself (merged) or its /Parent.
        let field = if widget.get(b"FT").is_some() {
            widget.clone()
        } else {
            match widget.get(b"Parent") {
                Some(Object::Ref(p)) => {
                    if !self.new_objects.contains(&p.num) {
                        return Err(disallowed(format!(
                            "new widget {} joins the existing field {}",
                            ref_text(r),
                            ref_text(*p)
                        )));
                    }
                    match self.new.resolve(*p)? {
                        Object::Dict(d) => d,
                        _ => Dict::default(),
                    }
                }
                _ => Dict::default(),
            }
        };
        if field.get(b"FT").and_then(Object::as_name) != Some(b"Sig") {
            return Err(disallowed(format!(
                "new annotation {} is not the widget of a signature field",
                ref_text(r)
            )));
        }
        // Actions (a link, JavaScript) on a signature widget are not signature data.
        for key in [&b"A"[..], b"AA"] {
            if widget.get(key).is_some() || field.get(key).is_some() {
                return Err(disallowed(format!(
                    "new signature widget {} carries an action ({})",
                    ref_text(r),
                    key_text(key)
                )));
            }
        }
        let signed = match field.get(b"V") {
            Some(Object::Ref(v)) => {
                // A recycled /V (an earlier signature's dictionary) is refused here.
                self.admit(*v, NewRole::SignatureDictionary, "/V")?;
                true
            }
            _ => false,
        };
        let appearance = widget.get(b"AP");
        if appearance.is_some() && is_visible(widget) && !signed {
            return Err(disallowed(format!(
                "unsigned signature field {} draws an appearance on the page",
                ref_text(r)
            )));
        }
        if let Some(ap) = appearance {
            self.admit_any(ap)?;
        }
        self.admit_auxiliary(widget)
    }

    /// `signature field` (its /V): a /Sig or /DocTimeStamp dictionary.
    fn signature_dictionary_rule(&mut self, dict: &Dict, r: Ref) -> Verdict {
        match dict.type_name() {
            Some(b"Sig" | b"DocTimeStamp") => {}
            None if dict.get(b"ByteRange").is_some() => {}
            _ => {
                return Err(disallowed(format!(
                    "/V {} is not a signature dictionary",
                    ref_text(r)
                )));
            }
        }
        self.admit_any(&Object::Dict(dict.clone()))
    }

    /// Admits what a field or widget references besides its structure (/Lock, /SV, /MK):
    /// never drawn on the page.
    fn admit_auxiliary(&mut self, dict: &Dict) -> Verdict {
        for (key, value) in &dict.0 {
            match key.as_slice() {
                b"V" | b"Kids" | b"Parent" | b"P" | b"AP" => {}
                _ => self.admit_any(value)?,
            }
        }
        Ok(())
    }

    /// `containers` and `justified`: every new object was admitted by a rule, or is a
    /// cross-reference or object stream.
    fn containers_rule(&mut self, new_entries: &std::collections::BTreeMap<u32, Entry>) -> Verdict {
        let unjustified: Vec<u32> = self
            .new_objects
            .iter()
            .filter(|n| !self.admitted.contains(n))
            .copied()
            .collect();
        for num in unjustified {
            let entry = new_entries.get(&num);
            let generation = match entry {
                Some(Entry::InUse { generation, .. }) => *generation,
                _ => 0,
            };
            let object = self.new.resolve(Ref { num, generation })?;
            let container = matches!(
                object.as_dict().and_then(Dict::type_name),
                Some(b"XRef" | b"ObjStm")
            ) && is_stream(self.data, entry)?;
            if !container {
                let kind = object
                    .as_dict()
                    .and_then(Dict::type_name)
                    .map(|t| format!(" (/Type /{})", String::from_utf8_lossy(t)))
                    .unwrap_or_default();
                return Err(disallowed(format!(
                    "new object {num}{kind} is not part of a signature, its field, widget or appearance, or the DSS"
                )));
            }
        }
        Ok(())
    }
}

// ------------------------------------------------------------------ text

/// A PDF text string (7.9.2.2): UTF-16BE or UTF-8 with a byte order mark, else
/// PDFDocEncoding.
fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|p| match p {
                [hi, lo] => u16::from_be_bytes([*hi, *lo]),
                _ => 0xfffd,
            })
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes.iter().map(|&b| pdf_doc_char(b)).collect()
}

/// PDFDocEncoding (ISO 32000-1 Annex D.2).
fn pdf_doc_char(b: u8) -> char {
    const HIGH: [u32; 32] = [
        0x2022, 0x2020, 0x2021, 0x2026, 0x2014, 0x2013, 0x0192, 0x2044, 0x2039, 0x203a, 0x2212,
        0x2030, 0x201e, 0x201c, 0x201d, 0x2018, 0x2019, 0x201a, 0x2122, 0xfb01, 0xfb02, 0x0141,
        0x0152, 0x0160, 0x0178, 0x017d, 0x0131, 0x0142, 0x0153, 0x0161, 0x017e, 0xfffd,
    ];
    const LOW: [u32; 8] = [
        0x02d8, 0x02c7, 0x02c6, 0x02d9, 0x02dd, 0x02db, 0x02da, 0x02dc,
    ];
    let code = match b {
        0x18..=0x1f => LOW.get(usize::from(b - 0x18)).copied().unwrap_or(0xfffd),
        0x80..=0x9f => HIGH.get(usize::from(b - 0x80)).copied().unwrap_or(0xfffd),
        0xa0 => 0x20ac,
        0xad => 0xfffd,
        _ => u32::from(b),
    };
    char::from_u32(code).unwrap_or('\u{fffd}')
}

// ------------------------------------------------------------------ checks 1–3 together

/// Checks 1–3 for one signature of a PDF.
#[derive(Debug, Clone)]
pub struct StructureCheck {
    /// The signature as found (None when its dictionary failed check 1).
    pub signature: Option<PdfSignature>,
    /// The parsed CMS, when it parsed.
    pub cms: Option<ParsedCms>,
    /// Ok with the modification level when format, integrity and modifications pass
    /// (path, revocation and authorization are later checks); else the first failure.
    pub result: Result<ModificationLevel, Finding>,
}

/// Checks 1–3 for every signature of `pdf` (classic or cross-reference-stream files):
/// format (PDF and CMS, the PAdES profile for /ETSI.CAdES.detached), messageDigest over the
/// byte ranges (for a document time-stamp: the TSTInfo's imprint), the signature with the
/// signer certificate, and what changed after signing.
pub fn verify_pdf_structure(pdf: &[u8]) -> Result<Vec<StructureCheck>, Finding> {
    let signatures = find_signatures(pdf)?;
    Ok(signatures
        .into_iter()
        .map(|found| match found {
            Err(f) => StructureCheck {
                signature: None,
                cms: None,
                result: Err(f),
            },
            Ok(sig) => {
                let (cms, result) = check_signature(pdf, &sig);
                StructureCheck {
                    signature: Some(sig),
                    cms,
                    result,
                }
            }
        })
        .collect())
}

fn check_signature(
    pdf: &[u8],
    sig: &PdfSignature,
) -> (Option<ParsedCms>, Result<ModificationLevel, Finding>) {
    let parsed = match cms::parse(&sig.contents) {
        Ok(p) => p,
        Err(f) => return (None, Err(f)),
    };
    let result = check_parsed(pdf, sig, &parsed);
    (Some(parsed), result)
}

fn check_parsed(
    pdf: &[u8],
    sig: &PdfSignature,
    parsed: &ParsedCms,
) -> Result<ModificationLevel, Finding> {
    let ranges = signed_bytes(pdf, sig)?;
    let timestamp_filter = sig.sub_filter == "ETSI.RFC3161";
    if timestamp_filter != sig.is_document_timestamp {
        return Err(format_failure(
            "/Type /DocTimeStamp and /SubFilter /ETSI.RFC3161 must go together",
        ));
    }
    match sig.sub_filter.as_str() {
        "ETSI.CAdES.detached" => cms::check_pades_profile(parsed)?,
        "adbe.pkcs7.detached" => {
            if parsed.content.is_some() {
                return Err(format_failure(
                    "an adbe.pkcs7.detached signature carries content",
                ));
            }
        }
        "ETSI.RFC3161" => {
            // The token signs its TSTInfo, whose imprint is the hash of the ranges.
            let tst = parsed.content.as_deref().unwrap_or_default();
            cms::verify_digest(parsed, tst)?;
            let (algorithm, imprint) = cms::timestamp_imprint(parsed)?;
            if cms::digest_parts(&algorithm, &ranges)? != imprint {
                return Err(Finding::new(
                    SubIndication::HashFailure,
                    "the document time-stamp's imprint is not the hash of the signed ranges",
                ));
            }
            cms::verify_signature(parsed)?;
            return sig.modifications.clone();
        }
        "adbe.pkcs7.sha1" => {
            return Err(Finding::new(
                SubIndication::CryptoConstraintsFailure,
                "adbe.pkcs7.sha1 signs a SHA-1 digest of the document",
            ));
        }
        other => {
            return Err(format_failure(format!("unsupported /SubFilter /{other}")));
        }
    }
    cms::verify_digest_parts(parsed, &ranges)?;
    cms::verify_signature(parsed)?;
    sig.modifications.clone()
}
