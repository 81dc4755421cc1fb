//! PAdES baseline B-B signing by incremental update (ISO 32000-1 7.5.6, ETSI EN 319 142-1).
//!
//! The update appends, after the untouched input: the Catalog with an inline /AcroForm
//! (existing fields + the new one, /SigFlags 3), the first Page with the widget added to an
//! inline /Annots, the merged signature field/widget (invisible, /Rect [0 0 0 0], /F 132),
//! the /Sig dictionary, and a cross-reference section of the same form as the previous one
//! (table or stream) whose trailer links back with /Prev.

use std::collections::HashSet;
use std::fmt::Write as _;

use ring::digest::{Context, SHA256};
use time::OffsetDateTime;

use super::PdfError;
use super::object::{Dict, Object, Ref, text_string, write_literal_string, write_string};
use super::parse::{Document, MAX_OBJECTS};
use crate::cms::{self, CmsMode, Signer};

/// Bytes reserved for the CMS DER by default (the hex placeholder is twice as long).
pub const DEFAULT_CONTENTS_SIZE: usize = 16384;
/// Most bytes that may be reserved for the CMS DER.
pub const MAX_CONTENTS_SIZE: usize = 1024 * 1024;
/// Longest /Name, /Reason or /Location accepted (characters).
pub const MAX_TEXT_LEN: usize = 1024;
/// Most existing form fields looked at.
const MAX_FIELDS: usize = 100_000;
/// Annotation flags of the widget: Print (4) + Locked (128).
const WIDGET_FLAGS: i64 = 132;
/// Width of the /ByteRange array including its brackets: `[0 ` + three 10-digit numbers
/// with spaces + `]`. The numbers are space-padded so the length never changes.
const BYTE_RANGE_WIDTH: usize = 36;

/// How to sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOptions {
    /// The signing time written to /M (the CMS carries none in PAdES mode).
    pub signing_time: OffsetDateTime,
    /// /Reason, if any.
    pub reason: Option<String>,
    /// /Name; when `None` the signer certificate's subject common name is used, if any.
    pub name: Option<String>,
    /// /Location, if any.
    pub location: Option<String>,
    /// Bytes reserved for the CMS DER in /Contents (default 16384).
    pub contents_size: usize,
}

impl SignOptions {
    /// Options with the given signing time, no texts, and the default reservation.
    pub fn new(signing_time: OffsetDateTime) -> Self {
        SignOptions {
            signing_time,
            reason: None,
            name: None,
            location: None,
            contents_size: DEFAULT_CONTENTS_SIZE,
        }
    }
}

/// Signs `pdf` (PAdES B-B, `/SubFilter /ETSI.CAdES.detached`) by appending an
/// incremental update; the input is an unchanged prefix of the output.
pub fn sign_pdf(pdf: &[u8], signer: &dyn Signer, opts: &SignOptions) -> Result<Vec<u8>, PdfError> {
    check_options(opts)?;
    let name = opts
        .name
        .clone()
        .or_else(|| cms::subject_common_name(signer.certificate()));
    let mut update = prepare(pdf, opts, name.as_deref())?;

    let (a, b) = (update.contents_start, update.contents_end);
    let c = update
        .out
        .len()
        .checked_sub(b)
        .ok_or(PdfError::Internal("placeholder beyond the end"))?;
    let mut byte_range = format!("[0 {a} {b} {c}");
    if byte_range.len() > BYTE_RANGE_WIDTH - 1 {
        return Err(PdfError::Internal(
            "byte range does not fit its placeholder",
        ));
    }
    while byte_range.len() < BYTE_RANGE_WIDTH - 1 {
        byte_range.push(' ');
    }
    byte_range.push(']');
    update
        .out
        .get_mut(update.byte_range_at..update.byte_range_at + BYTE_RANGE_WIDTH)
        .ok_or(PdfError::Internal("byte range placeholder out of range"))?
        .copy_from_slice(byte_range.as_bytes());

    let mut hash = Context::new(&SHA256);
    hash.update(update.out.get(..a).unwrap_or_default());
    hash.update(update.out.get(b..).unwrap_or_default());
    let mut digest = [0u8; 32];
    digest.copy_from_slice(hash.finish().as_ref());

    let der = cms::sign_detached_digest(&digest, signer, CmsMode::Pades)?;
    if der.len() > opts.contents_size {
        return Err(PdfError::ContentsTooSmall {
            needed: der.len(),
            reserved: opts.contents_size,
        });
    }
    let hex = crate_hex_upper(&der);
    update
        .out
        .get_mut(a + 1..a + 1 + hex.len())
        .ok_or(PdfError::Internal("contents placeholder out of range"))?
        .copy_from_slice(hex.as_bytes());
    Ok(update.out)
}

fn check_options(opts: &SignOptions) -> Result<(), PdfError> {
    if opts.contents_size == 0 || opts.contents_size > MAX_CONTENTS_SIZE {
        return Err(PdfError::Options("contents_size must be 1..=1048576 bytes"));
    }
    for text in [&opts.reason, &opts.name, &opts.location]
        .into_iter()
        .flatten()
    {
        if text.chars().count() > MAX_TEXT_LEN {
            return Err(PdfError::Options(
                "reason, name or location longer than 1024 characters",
            ));
        }
    }
    if !(0..=9999).contains(&opts.signing_time.year()) {
        return Err(PdfError::Options("signing time year outside 0..=9999"));
    }
    Ok(())
}

fn crate_hex_upper(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02X}");
            s
        })
}

/// The output with placeholders, and where they are.
struct Update {
    out: Vec<u8>,
    /// Offset of `[` of the /ByteRange array.
    byte_range_at: usize,
    /// Offset of `<` of /Contents.
    contents_start: usize,
    /// Offset just after `>` of /Contents.
    contents_end: usize,
}

/// Reads the newest revision and writes the whole update with placeholders.
fn prepare(pdf: &[u8], opts: &SignOptions, name: Option<&str>) -> Result<Update, PdfError> {
    let mut doc = Document::open(pdf)?;
    if doc.trailer().get(b"Encrypt").is_some() {
        return Err(PdfError::Unsupported("encrypted PDF".into()));
    }
    let (root, mut catalog) = doc.catalog()?;
    let (page_ref, mut page) = doc.first_page(&catalog)?;
    let catalog_at = doc.object_offset(root.num);
    let page_at = doc.object_offset(page_ref.num);

    let mut acroform = match catalog.get(b"AcroForm") {
        None => Dict::default(),
        Some(form) => match doc.deref(form)? {
            Object::Dict(d) => d,
            Object::Null => Dict::default(),
            _ => return Err(malformed(catalog_at, "/AcroForm is not a dictionary")),
        },
    };
    let mut fields = match acroform.get(b"Fields") {
        None => Vec::new(),
        Some(fields) => match doc.deref(fields)? {
            Object::Array(a) => a,
            Object::Null => Vec::new(),
            _ => return Err(malformed(catalog_at, "/AcroForm /Fields is not an array")),
        },
    };
    if fields.len() > MAX_FIELDS {
        return Err(malformed(catalog_at, "too many form fields"));
    }
    let mut names = HashSet::new();
    for field in &fields {
        if let Object::Dict(field) = doc.deref(field)?
            && let Some(t) = field.get(b"T").and_then(Object::as_str)
        {
            names.insert(t.to_vec());
        }
    }
    let field_name = (1..=fields.len() + 1)
        .map(|n| format!("Signature{n}"))
        .find(|n| !names.contains(n.as_bytes()))
        .ok_or(PdfError::Internal("no free field name"))?;
    let sig_flags = match acroform.get(b"SigFlags") {
        None => 0,
        Some(flags) => doc
            .deref(flags)?
            .as_int()
            .ok_or_else(|| malformed(catalog_at, "/SigFlags is not an integer"))?,
    };

    let mut annots = match page.get(b"Annots") {
        None => Vec::new(),
        Some(annots) => match doc.deref(annots)? {
            Object::Array(a) => a,
            Object::Null => Vec::new(),
            _ => return Err(malformed(page_at, "/Annots is not an array")),
        },
    };

    let trailer = doc.trailer().clone();
    let size = trailer
        .get(b"Size")
        .and_then(Object::as_int)
        .and_then(|s| u32::try_from(s).ok())
        .filter(|&s| s <= MAX_OBJECTS)
        .ok_or_else(|| malformed(doc.startxref(), "trailer /Size missing or out of range"))?;
    let next_free = doc
        .entries()
        .keys()
        .next_back()
        .map_or(0, |&n| n.saturating_add(1))
        .max(size);
    let xref_stream = doc.uses_xref_stream();
    let new_objects = if xref_stream { 3 } else { 2 };
    let new_size = next_free
        .checked_add(new_objects)
        .filter(|&s| s <= MAX_OBJECTS)
        .ok_or(PdfError::Unsupported("no object numbers left".into()))?;
    let widget = Ref {
        num: next_free,
        generation: 0,
    };
    let sig = Ref {
        num: next_free + 1,
        generation: 0,
    };

    fields.push(Object::Ref(widget));
    acroform.set(b"Fields", Object::Array(fields));
    acroform.set(b"SigFlags", Object::Int(sig_flags | 3));
    catalog.set(b"AcroForm", Object::Dict(acroform));
    annots.push(Object::Ref(widget));
    page.set(b"Annots", Object::Array(annots));

    let widget_dict = Dict(vec![
        (b"Type".to_vec(), Object::Name(b"Annot".to_vec())),
        (b"Subtype".to_vec(), Object::Name(b"Widget".to_vec())),
        (b"FT".to_vec(), Object::Name(b"Sig".to_vec())),
        (b"T".to_vec(), Object::Str(field_name.into_bytes())),
        (b"V".to_vec(), Object::Ref(sig)),
        (b"P".to_vec(), Object::Ref(page_ref)),
        (b"Rect".to_vec(), Object::Array(vec![Object::Int(0); 4])),
        (b"F".to_vec(), Object::Int(WIDGET_FLAGS)),
    ]);

    let mut out = Vec::with_capacity(pdf.len() + 2 * opts.contents_size + 4096);
    out.extend_from_slice(pdf);
    if !matches!(pdf.last(), Some(b'\n' | b'\r')) {
        out.push(b'\n');
    }
    let mut written: Vec<(Ref, usize)> = Vec::new();
    for (r, object) in [
        (root, Object::Dict(catalog)),
        (page_ref, Object::Dict(page)),
        (widget, Object::Dict(widget_dict)),
    ] {
        written.push((r, out.len()));
        out.extend_from_slice(format!("{} {} obj\n", r.num, r.generation).as_bytes());
        object.write(&mut out);
        out.extend_from_slice(b"\nendobj\n");
    }

    written.push((sig, out.len()));
    out.extend_from_slice(format!("{} 0 obj\n", sig.num).as_bytes());
    out.extend_from_slice(
        b"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange ",
    );
    let byte_range_at = out.len();
    out.extend_from_slice(b"[0 0000000000 0000000000 0000000000]");
    out.extend_from_slice(b"/Contents ");
    let contents_start = out.len();
    out.push(b'<');
    out.resize(out.len() + 2 * opts.contents_size, b'0');
    out.push(b'>');
    let contents_end = out.len();
    out.extend_from_slice(b"/M ");
    write_literal_string(&mut out, pdf_date(opts.signing_time).as_bytes());
    for (key, text) in [
        (&b"/Name "[..], name),
        (b"/Reason ", opts.reason.as_deref()),
        (b"/Location ", opts.location.as_deref()),
    ] {
        if let Some(text) = text {
            out.extend_from_slice(key);
            write_text_string(&mut out, text);
        }
    }
    out.extend_from_slice(b">>\nendobj\n");

    let mut new_trailer = Dict::default();
    new_trailer.set(b"Size", Object::Int(i64::from(new_size)));
    new_trailer.set(b"Root", Object::Ref(root));
    if let Some(info) = trailer.get(b"Info") {
        new_trailer.set(b"Info", info.clone());
    }
    new_trailer.set(b"ID", new_id(pdf, &trailer, opts));
    new_trailer.set(
        b"Prev",
        Object::Int(i64::try_from(doc.startxref()).map_err(|_| PdfError::Internal("offset"))?),
    );

    if xref_stream {
        let xref_ref = Ref {
            num: next_free + 2,
            generation: 0,
        };
        write_xref_stream(&mut out, &mut written, xref_ref, new_trailer)?;
    } else {
        write_xref_table(&mut out, &mut written, &new_trailer);
    }
    Ok(Update {
        out,
        byte_range_at,
        contents_start,
        contents_end,
    })
}

fn malformed(offset: usize, what: &str) -> PdfError {
    PdfError::Malformed {
        offset,
        what: what.to_owned(),
    }
}

/// A text string: literal when printable ASCII, else hexadecimal (UTF-16BE with BOM when
/// the text is not ASCII).
fn write_text_string(out: &mut Vec<u8>, text: &str) {
    write_string(out, &text_string(text));
}

/// `D:YYYYMMDDHHmmSS+HH'mm'` in the time's own offset.
fn pdf_date(at: OffsetDateTime) -> String {
    let offset = at.offset();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!(
        "D:{:04}{:02}{:02}{:02}{:02}{:02}{sign}{:02}'{:02}'",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        offset.whole_hours().unsigned_abs(),
        offset.minutes_past_hour().unsigned_abs(),
    )
}

/// `/ID [first new]`: the first element kept from the original (or made fresh when there
/// was none), the second fresh for this revision.
fn new_id(pdf: &[u8], trailer: &Dict, opts: &SignOptions) -> Object {
    let mut hash = Context::new(&SHA256);
    hash.update(pdf);
    hash.update(pdf_date(opts.signing_time).as_bytes());
    hash.update(&opts.signing_time.nanosecond().to_be_bytes());
    let fresh = hash
        .finish()
        .as_ref()
        .get(..16)
        .unwrap_or_default()
        .to_vec();
    let first = trailer
        .get(b"ID")
        .and_then(Object::as_array)
        .and_then(|id| id.first())
        .and_then(Object::as_str)
        .map_or_else(|| fresh.clone(), <[u8]>::to_vec);
    Object::Array(vec![Object::Str(first), Object::Str(fresh)])
}

/// Runs of consecutive object numbers: (first, entries) in order.
fn subsections(written: &mut [(Ref, usize)]) -> Vec<(u32, Vec<(Ref, usize)>)> {
    written.sort_by_key(|(r, _)| r.num);
    let mut runs: Vec<(u32, Vec<(Ref, usize)>)> = Vec::new();
    for &(r, offset) in written.iter() {
        match runs.last_mut() {
            Some((first, entries))
                if u64::from(*first) + entries.len() as u64 == u64::from(r.num) =>
            {
                entries.push((r, offset));
            }
            _ => runs.push((r.num, vec![(r, offset)])),
        }
    }
    runs
}

fn write_xref_table(out: &mut Vec<u8>, written: &mut [(Ref, usize)], trailer: &Dict) {
    let xref_at = out.len();
    out.extend_from_slice(b"xref\n");
    for (first, entries) in subsections(written) {
        out.extend_from_slice(format!("{first} {}\n", entries.len()).as_bytes());
        for (r, offset) in entries {
            out.extend_from_slice(format!("{offset:010} {:05} n\r\n", r.generation).as_bytes());
        }
    }
    out.extend_from_slice(b"trailer\n");
    trailer.write(out);
    out.extend_from_slice(format!("\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
}

fn write_xref_stream(
    out: &mut Vec<u8>,
    written: &mut Vec<(Ref, usize)>,
    xref_ref: Ref,
    mut dict: Dict,
) -> Result<(), PdfError> {
    let xref_at = out.len();
    written.push((xref_ref, xref_at));
    let offset_width = (usize::BITS - xref_at.leading_zeros()).div_ceil(8).max(1) as usize;
    let runs = subsections(written);
    let mut index = Vec::new();
    let mut data = Vec::new();
    for (first, entries) in &runs {
        index.push(Object::Int(i64::from(*first)));
        index.push(Object::Int(entries.len() as i64));
        for (r, offset) in entries {
            data.push(1);
            let bytes = offset.to_be_bytes();
            data.extend_from_slice(
                bytes
                    .get(bytes.len() - offset_width..)
                    .ok_or(PdfError::Internal("offset width"))?,
            );
            data.extend_from_slice(&r.generation.to_be_bytes());
        }
    }
    dict.0
        .insert(0, (b"Type".to_vec(), Object::Name(b"XRef".to_vec())));
    dict.set(
        b"W",
        Object::Array(vec![
            Object::Int(1),
            Object::Int(offset_width as i64),
            Object::Int(2),
        ]),
    );
    dict.set(b"Index", Object::Array(index));
    dict.set(b"Length", Object::Int(data.len() as i64));
    out.extend_from_slice(format!("{} {} obj\n", xref_ref.num, xref_ref.generation).as_bytes());
    dict.write(out);
    out.extend_from_slice(b"\nstream\n");
    out.extend_from_slice(&data);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    out.extend_from_slice(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes());
    Ok(())
}
