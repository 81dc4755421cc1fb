//! Signatures in PDFs: genuine ones (a rendered qujat document, hand-written PDFs, qpdf's
//! cross-reference-stream rewrite), then every forgery class of the format and
//! modification checks, each asserting its sub-indication, then truncation and mutation.
//!
//! Each modification rule of the module doc has a test here that shows what it allows and
//! what it refuses.

use std::sync::OnceLock;

use time::macros::datetime;

use super::*;
use crate::cms::Signer;
use crate::cms::test_signer::{TestSigner, arg, run_ok, scratch_dir};
use crate::pdf::object::write_hex_string;
use crate::pdf::parse::rfind;
use crate::pdf::{SignOptions, sign_pdf};
use crate::verify::cms::tests::with_two_signer_infos;

// ------------------------------------------------------------------ inputs

fn options() -> SignOptions {
    SignOptions::new(datetime!(2026-05-09 15:04:05 +05:00))
}

fn sign(pdf: &[u8]) -> Vec<u8> {
    sign_pdf(pdf, TestSigner::shared(), &options()).expect("signs")
}

fn second_signer() -> &'static TestSigner {
    static SECOND: OnceLock<TestSigner> = OnceLock::new();
    SECOND.get_or_init(|| TestSigner::generate("head of department"))
}

fn countersign(pdf: &[u8]) -> Vec<u8> {
    let mut opts = options();
    opts.signing_time = datetime!(2026-05-10 09:00:00 +05:00);
    sign_pdf(pdf, second_signer(), &opts).expect("countersigns")
}

/// The refusal receipt example, rendered by the engine (PDF/A-2b by Typst).
fn rendered() -> &'static [u8] {
    static PDF: OnceLock<Vec<u8>> = OnceLock::new();
    PDF.get_or_init(|| {
        let json = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/refusal_receipt.json"
        ))
        .expect("example payload");
        let engine = crate::Engine::new(crate::engine::Config::default()).expect("engine");
        let doc = crate::Document::from_json(&json).expect("valid example");
        engine.render(&doc, None).expect("renders")
    })
}

fn rendered_signed() -> &'static [u8] {
    static PDF: OnceLock<Vec<u8>> = OnceLock::new();
    PDF.get_or_init(|| sign(rendered()))
}

const CONTENT: &[u8] = b"BT /F1 24 Tf 72 720 Td (Hello, qujat) Tj ET";

/// A PDF with a classic cross-reference table; `objects[i]` is object `i + 1`.
fn classic_pdf(objects: &[Vec<u8>], trailer_extra: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f\r\n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<</Size {}/Root 1 0 R{trailer_extra}>>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream(dict_extra: &str, data: &[u8]) -> Vec<u8> {
    let mut body = format!("<</Length {}{dict_extra}>>\nstream\n", data.len()).into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(b"\nendstream");
    body
}

/// Catalog 1, pages 2, page 3 (content 4, font 5), Info 6 with keywords.
fn minimal_pdf() -> Vec<u8> {
    classic_pdf(
        &[
            b"<</Type/Catalog/Pages 2 0 R>>".to_vec(),
            b"<</Type/Pages/Kids[3 0 R]/Count 1>>".to_vec(),
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>".to_vec(),
            stream("", CONTENT),
            b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>".to_vec(),
            b"<</Title(Test)/Keywords(qujat, kind=test)>>".to_vec(),
        ],
        "/Info 6 0 R",
    )
}

/// qpdf's rewrite of `pdf` with object streams and a cross-reference stream.
fn with_object_streams(pdf: &[u8]) -> Vec<u8> {
    let dir = scratch_dir("qpdf-objstm");
    let input = dir.join("in.pdf");
    let output = dir.join("out.pdf");
    std::fs::write(&input, pdf).unwrap();
    run_ok(
        "qpdf",
        &["--object-streams=generate", arg(&input), arg(&output)],
    );
    let out = std::fs::read(&output).unwrap();
    assert!(
        Document::open(&out).unwrap().uses_xref_stream(),
        "qpdf wrote a cross-reference stream"
    );
    out
}

// ------------------------------------------------------------------ judging

/// Checks 1–3 of every signature, or the document-level failure.
fn judge(pdf: &[u8]) -> Result<Vec<Result<ModificationLevel, Finding>>, Finding> {
    verify_pdf_structure(pdf).map(|checks| checks.into_iter().map(|c| c.result).collect())
}

/// Whether some signature of `pdf` passes checks 1–3.
fn any_valid(pdf: &[u8]) -> bool {
    judge(pdf).is_ok_and(|results| results.iter().any(Result::is_ok))
}

/// The failure of the only (or the first) signature, insisting there is one.
fn first_failure(pdf: &[u8]) -> Finding {
    match judge(pdf) {
        Err(f) => f,
        Ok(results) => match results.first() {
            Some(Err(f)) => f.clone(),
            Some(Ok(level)) => panic!("expected a failure, the signature passed ({level:?})"),
            None => panic!("expected a failure, no signature found"),
        },
    }
}

fn expect_sub(pdf: &[u8], sub: SubIndication, reason_part: &str) {
    assert!(!any_valid(pdf), "judged valid");
    let f = first_failure(pdf);
    assert_eq!(f.sub, sub, "{}", f.reason);
    assert!(
        f.reason.contains(reason_part),
        "reason {:?} lacks {reason_part:?}",
        f.reason
    );
}

/// The last signature found, which must pass check 1.
fn last_signature(pdf: &[u8]) -> PdfSignature {
    let found = find_signatures(pdf).expect("readable");
    found
        .last()
        .cloned()
        .expect("a signature")
        .expect("format OK")
}

// ------------------------------------------------------------------ byte surgery

/// `pdf` with the last signature's /ByteRange array rewritten in place (same width).
fn set_byte_range(pdf: &[u8], values: &[i64]) -> Vec<u8> {
    let sig = last_signature(pdf);
    let a = sig.byte_range[1];
    let at = rfind(&pdf[..a], b"/ByteRange ").unwrap() + b"/ByteRange ".len();
    let end = at + pdf[at..].iter().position(|&b| b == b']').unwrap() + 1;
    let width = end - at;
    let mut text = format!(
        "[{}",
        values
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    );
    assert!(text.len() < width, "new byte range fits");
    while text.len() < width - 1 {
        text.push(' ');
    }
    text.push(']');
    [&pdf[..at], text.as_bytes(), &pdf[end..]].concat()
}

/// `pdf` with the last signature's /Contents hex replaced by `der` (zero-padded).
fn set_contents(pdf: &[u8], der: &[u8]) -> Vec<u8> {
    let sig = last_signature(pdf);
    let (a, b) = (sig.byte_range[1], sig.byte_range[2]);
    let mut hex = Vec::new();
    write_hex_string(&mut hex, der);
    let width = b - a;
    assert!(hex.len() <= width);
    hex.truncate(hex.len() - 1);
    while hex.len() < width - 1 {
        hex.push(b'0');
    }
    hex.push(b'>');
    [&pdf[..a], &hex, &pdf[b..]].concat()
}

/// `haystack` with the last occurrence of `from` replaced by `to` (same length).
fn replace_last(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = rfind(haystack, from).expect("pattern present");
    [&haystack[..at], to, &haystack[at + from.len()..]].concat()
}

/// Appends an incremental update (classic xref) defining `objects` and freeing `freed`;
/// `info` replaces the trailer's /Info when given.
fn append_revision(
    pdf: &[u8],
    objects: &[(Ref, Vec<u8>)],
    freed: &[u32],
    info: Option<Ref>,
) -> Vec<u8> {
    let doc = Document::open(pdf).unwrap();
    let trailer = doc.trailer().clone();
    let mut out = pdf.to_vec();
    let mut rows: Vec<(u32, String)> = Vec::new();
    for (r, body) in objects {
        rows.push((
            r.num,
            format!("{:010} {:05} n\r\n", out.len(), r.generation),
        ));
        out.extend_from_slice(format!("{} {} obj\n", r.num, r.generation).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    for &num in freed {
        rows.push((num, "0000000000 00001 f\r\n".to_owned()));
    }
    rows.sort();
    let xref = out.len();
    out.extend_from_slice(b"xref\n");
    for (num, row) in &rows {
        out.extend_from_slice(format!("{num} 1\n{row}").as_bytes());
    }
    let size = trailer.get(b"Size").and_then(Object::as_int).unwrap();
    let max = rows
        .iter()
        .map(|(n, _)| i64::from(*n) + 1)
        .max()
        .unwrap_or(0);
    let mut t = Dict::default();
    t.set(b"Size", Object::Int(size.max(max)));
    t.set(b"Root", trailer.get(b"Root").unwrap().clone());
    match (info, trailer.get(b"Info")) {
        (Some(r), _) => t.set(b"Info", Object::Ref(r)),
        (None, Some(i)) => t.set(b"Info", i.clone()),
        _ => {}
    }
    if let Some(id) = trailer.get(b"ID") {
        t.set(b"ID", id.clone());
    }
    t.set(b"Prev", Object::Int(doc.startxref() as i64));
    out.extend_from_slice(b"trailer\n");
    t.write(&mut out);
    out.extend_from_slice(format!("\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    out
}

fn r(num: u32) -> Ref {
    Ref { num, generation: 0 }
}

fn dict_bytes(d: &Dict) -> Vec<u8> {
    Object::Dict(d.clone()).to_bytes()
}

/// The newest catalog and first page of `pdf`, with their references, and the next free
/// object number.
struct Parts {
    catalog: (Ref, Dict),
    page: (Ref, Dict),
    next: u32,
}

fn parts(pdf: &[u8]) -> Parts {
    let mut doc = Document::open(pdf).unwrap();
    let catalog = doc.catalog().unwrap();
    let page = doc.first_page(&catalog.1).unwrap();
    let next = doc.trailer().get(b"Size").and_then(Object::as_int).unwrap() as u32;
    Parts {
        catalog,
        page,
        next,
    }
}

// ------------------------------------------------------------------ genuine signatures

#[test]
fn a_rendered_document_signed_once_then_twice() {
    let pdf = rendered();
    assert!(find_signatures(pdf).unwrap().is_empty(), "unsigned");
    let once = rendered_signed();
    let checks = verify_pdf_structure(once).unwrap();
    assert_eq!(checks.len(), 1);
    let check = &checks[0];
    assert_eq!(check.result, Ok(ModificationLevel::None));
    let sig = check.signature.as_ref().unwrap();
    assert_eq!(sig.field_name, "Signature1");
    assert_eq!(sig.sub_filter, "ETSI.CAdES.detached");
    assert_eq!(sig.claimed_time.as_deref(), Some("D:20260509150405+05'00'"));
    assert!(sig.covers_whole_file);
    assert!(!sig.is_document_timestamp);
    assert_eq!(sig.signed_revision_end, once.len());
    assert_eq!(sig.byte_range[0], 0);
    assert_eq!(&once[..pdf.len()], pdf);

    // The pieces separately: parse, digest, signature, profile.
    let cms = cms::parse(&sig.contents).unwrap();
    let ranges = signed_bytes(once, sig).unwrap();
    cms::verify_digest_parts(&cms, &ranges).unwrap();
    cms::verify_signature(&cms).unwrap();
    cms::check_pades_profile(&cms).unwrap();
    assert_eq!(
        cms.signer_certificate,
        Signer::certificate(TestSigner::shared()).to_vec()
    );

    let twice = countersign(once);
    let checks = verify_pdf_structure(&twice).unwrap();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[0].result, Ok(ModificationLevel::SignaturesOnly));
    assert_eq!(checks[1].result, Ok(ModificationLevel::None));
    let first = checks[0].signature.as_ref().unwrap();
    assert!(!first.covers_whole_file);
    assert_eq!(first.signed_revision_end, once.len());
    assert_eq!(
        checks[1].signature.as_ref().unwrap().field_name,
        "Signature2"
    );

    let keywords = document_keywords(&twice).expect("/Keywords of the rendered revision");
    assert!(keywords.contains("qujat"), "{keywords}");
    assert!(keywords.contains("kind=refusal_receipt"), "{keywords}");
}

#[test]
fn hand_written_and_xref_stream_pdfs_sign_and_verify() {
    let plain = minimal_pdf();
    let streams = with_object_streams(&plain);
    let rendered_streams = with_object_streams(rendered());
    for (name, pdf) in [
        ("classic", plain),
        ("qpdf object streams", streams),
        ("rendered, qpdf object streams", rendered_streams),
    ] {
        let once = sign(&pdf);
        assert_eq!(
            judge(&once).unwrap(),
            vec![Ok(ModificationLevel::None)],
            "{name}"
        );
        let twice = countersign(&once);
        assert_eq!(
            judge(&twice).unwrap(),
            vec![
                Ok(ModificationLevel::SignaturesOnly),
                Ok(ModificationLevel::None)
            ],
            "{name}"
        );
        let thrice = sign(&twice);
        assert_eq!(
            judge(&thrice).unwrap(),
            vec![
                Ok(ModificationLevel::SignaturesOnly),
                Ok(ModificationLevel::SignaturesOnly),
                Ok(ModificationLevel::None)
            ],
            "{name}"
        );
    }
}

#[test]
fn keywords_come_from_the_first_revision() {
    assert_eq!(
        document_keywords(&minimal_pdf()).as_deref(),
        Some("qujat, kind=test")
    );
    let signed = sign(&minimal_pdf());
    // A later revision replacing /Info does not change what is read (and is refused).
    let forged = append_revision(
        &signed,
        &[(r(20), b"<</Keywords(qujat, kind=diploma)>>".to_vec())],
        &[],
        Some(r(20)),
    );
    assert_eq!(
        document_keywords(&forged).as_deref(),
        Some("qujat, kind=test")
    );
    expect_sub(&forged, SubIndication::SigConstraintsFailure, "/Info");
    let no_info = classic_pdf(
        &[
            b"<</Type/Catalog/Pages 2 0 R>>".to_vec(),
            b"<</Type/Pages/Kids[]/Count 0>>".to_vec(),
        ],
        "",
    );
    assert_eq!(document_keywords(&no_info), None);
    assert_eq!(document_keywords(b"not a pdf"), None);
    assert_eq!(decode_text(b"\xfe\xff\x04\xd8\x00a"), "Әa");
    assert_eq!(decode_text(b"a\x84b\xa0"), "a—b€");
}

// ------------------------------------------------------------------ USF: format of the signature

#[test]
fn usf_contents_missing_empty_zero_or_not_hex() {
    let signed = sign(&minimal_pdf());
    let sig = last_signature(&signed);
    let (a, b) = (sig.byte_range[1], sig.byte_range[2]);

    let renamed = replace_last(&signed, b"/Contents <", b"/Contentz <");
    expect_sub(&renamed, SubIndication::FormatFailure, "no /Contents");

    // `<>` followed by spaces where the hex was.
    let mut empty = signed.clone();
    empty[a + 1] = b'>';
    for byte in &mut empty[a + 2..b] {
        *byte = b' ';
    }
    expect_sub(&empty, SubIndication::FormatFailure, "/Contents is empty");

    let zeros = set_contents(&signed, &[]);
    expect_sub(&zeros, SubIndication::FormatFailure, "all zeros");

    let mut garbage = signed.clone();
    garbage[a + 7] = b'G';
    expect_sub(&garbage, SubIndication::FormatFailure, "hex");

    let mut spaced = signed.clone();
    spaced[a + 7] = b' ';
    expect_sub(&spaced, SubIndication::FormatFailure, "hex digits");

    let not_der = set_contents(&signed, b"\x04\x03abc");
    expect_sub(&not_der, SubIndication::FormatFailure, "DER SEQUENCE");
}

#[test]
fn usf_cms_with_two_signer_infos() {
    let signed = sign(&minimal_pdf());
    let der = last_signature(&signed).contents;
    let doubled = set_contents(&signed, &with_two_signer_infos(&der));
    expect_sub(
        &doubled,
        SubIndication::FormatFailure,
        "more than one SignerInfo",
    );
}

#[test]
fn usf_byte_range_missing_or_not_from_zero_or_malformed() {
    let signed = sign(&minimal_pdf());
    let [_, a, b, c] = last_signature(&signed).byte_range.map(|v| v as i64);

    let renamed = replace_last(&signed, b"/ByteRange ", b"/ByteRangX ");
    expect_sub(&renamed, SubIndication::FormatFailure, "no /ByteRange");

    let from_one = set_byte_range(&signed, &[1, a - 1, b, c]);
    expect_sub(&from_one, SubIndication::FormatFailure, "starts at 1");

    let three = set_byte_range(&signed, &[0, a, b]);
    expect_sub(&three, SubIndication::FormatFailure, "exactly four");

    let negative = set_byte_range(&signed, &[0, a, b, -5]);
    expect_sub(&negative, SubIndication::FormatFailure, "exactly four");

    let same = set_byte_range(&signed, &[0, a, b, c]);
    assert_eq!(
        same, signed,
        "the rewrite helper reproduces the signer's own array"
    );
}

// ------------------------------------------------------------------ SWA: the gap

#[test]
fn swa_gap_and_ranges() {
    let signed = sign(&minimal_pdf());
    let [_, a, b, c] = last_signature(&signed).byte_range.map(|v| v as i64);

    let wider = set_byte_range(&signed, &[0, a - 1, b + 1, c - 1]);
    expect_sub(
        &wider,
        SubIndication::FormatFailure,
        "is not this dictionary's /Contents",
    );

    let narrower = set_byte_range(&signed, &[0, a + 1, b - 1, c + 1]);
    expect_sub(
        &narrower,
        SubIndication::FormatFailure,
        "is not this dictionary's /Contents",
    );

    let overlapping = set_byte_range(&signed, &[0, a, a - 10, c + (b - a) + 10]);
    expect_sub(&overlapping, SubIndication::FormatFailure, "overlap");

    let beyond = set_byte_range(&signed, &[0, a, b, c + 100]);
    expect_sub(&beyond, SubIndication::FormatFailure, "beyond the end");

    let huge = set_byte_range(&signed, &[0, a, b, i64::MAX]);
    expect_sub(&huge, SubIndication::FormatFailure, "beyond the end");

    // A shorter second range: the signed "revision" would not end at %%EOF.
    let short = set_byte_range(&signed, &[0, a, b, c - 10]);
    expect_sub(&short, SubIndication::FormatFailure, "not at a %%EOF");
}

#[test]
fn swa_bytes_hidden_in_the_padding() {
    let signed = sign(&minimal_pdf());
    let sig = last_signature(&signed);
    let (a, b) = (sig.byte_range[1], sig.byte_range[2]);
    let mut hidden = signed.clone();
    // Well after the DER (which is ~700 bytes = 1400 hex digits), inside the zeros.
    let at = b - 100;
    assert_eq!(&hidden[at..at + 2], b"00");
    hidden[at..at + 2].copy_from_slice(b"41");
    assert!(b - a > 2000);
    expect_sub(
        &hidden,
        SubIndication::FormatFailure,
        "hidden in the /Contents padding",
    );
    // The hash would not see it: the gap is excluded from the digest.
    let ranges_before = signed_bytes(&signed, &sig).unwrap().concat();
    let ranges_after = signed_bytes(&hidden, &sig).unwrap().concat();
    assert_eq!(ranges_before, ranges_after);
}

#[test]
fn a_signature_dictionary_must_be_the_signed_revisions_own() {
    let signed = sign(&minimal_pdf());
    // Two fields pointing at one /Sig dictionary.
    let p = parts(&signed);
    let fields = p.catalog.1.get(b"AcroForm").unwrap().as_dict().unwrap();
    let widget = fields.get(b"Fields").unwrap().as_array().unwrap()[0]
        .as_ref()
        .unwrap();
    let mut doc = Document::open(&signed).unwrap();
    let Object::Dict(mut w) = doc.resolve(widget).unwrap() else {
        panic!()
    };
    w.set(b"T", Object::Str(b"Copy".to_vec()));
    let copy = r(p.next);
    let mut catalog = p.catalog.1.clone();
    let mut form = fields.clone();
    let mut list = form.get(b"Fields").unwrap().as_array().unwrap().to_vec();
    list.push(Object::Ref(copy));
    form.set(b"Fields", Object::Array(list));
    catalog.set(b"AcroForm", Object::Dict(form));
    let recycled = append_revision(
        &signed,
        &[(p.catalog.0, dict_bytes(&catalog)), (copy, dict_bytes(&w))],
        &[],
        None,
    );
    let found = find_signatures(&recycled).unwrap();
    assert_eq!(found.len(), 2);
    // The original is still intact but the document changed: the new field recycles its
    // dictionary.
    let first = found[0].as_ref().unwrap();
    let f = first.modifications.clone().unwrap_err();
    assert_eq!(f.sub, SubIndication::SigConstraintsFailure, "{}", f.reason);
    let f = found[1].clone().unwrap_err();
    assert_eq!(f.sub, SubIndication::FormatFailure);
    assert!(
        f.reason.contains("reuses the signature dictionary"),
        "{}",
        f.reason
    );
}

// ------------------------------------------------------------------ ISA: later revisions

/// A form XObject that paints over the page.
fn overlay_stream() -> Vec<u8> {
    stream(
        "/Type/XObject/Subtype/Form/BBox[0 0 300 100]/Resources<<>>",
        b"0 0 1 rg 0 0 300 100 re f",
    )
}

#[test]
fn isa_page_content_changes_are_refused() {
    for base in [sign(&minimal_pdf()), rendered_signed().to_vec()] {
        let p = parts(&base);
        // Rebinding the content stream object itself.
        let contents = p.page.1.get(b"Contents").unwrap().clone();
        let content_ref = match &contents {
            Object::Ref(c) => *c,
            Object::Array(items) => items[0].as_ref().unwrap(),
            _ => panic!("page contents"),
        };
        let rebound = append_revision(
            &base,
            &[(
                content_ref,
                stream("", b"BT /F1 24 Tf 72 720 Td (Forged) Tj ET"),
            )],
            &[],
            None,
        );
        expect_sub(
            &rebound,
            SubIndication::SigConstraintsFailure,
            "stream object",
        );

        // Pointing the page at a new content stream.
        let mut page = p.page.1.clone();
        page.set(b"Contents", Object::Ref(r(p.next)));
        let repointed = append_revision(
            &base,
            &[
                (p.page.0, dict_bytes(&page)),
                (
                    r(p.next),
                    stream("", b"BT /F1 24 Tf 72 720 Td (Forged) Tj ET"),
                ),
            ],
            &[],
            None,
        );
        expect_sub(
            &repointed,
            SubIndication::SigConstraintsFailure,
            "/Contents changed",
        );

        // New resources.
        let mut page = p.page.1.clone();
        page.set(b"Resources", Object::Dict(Dict::default()));
        let resources = append_revision(&base, &[(p.page.0, dict_bytes(&page))], &[], None);
        expect_sub(
            &resources,
            SubIndication::SigConstraintsFailure,
            "/Resources changed",
        );
    }
}

#[test]
fn isa_added_annotation_is_refused() {
    let base = sign(&minimal_pdf());
    let p = parts(&base);
    let mut page = p.page.1.clone();
    let mut annots = page.get(b"Annots").unwrap().as_array().unwrap().to_vec();
    annots.push(Object::Ref(r(p.next)));
    page.set(b"Annots", Object::Array(annots));
    let evil = append_revision(
        &base,
        &[
            (p.page.0, dict_bytes(&page)),
            (
                r(p.next),
                b"<</Type/Annot/Subtype/FreeText/Rect[72 700 400 740]/Contents(APPROVED)/DA(/Helv 24 Tf 0 g)>>".to_vec(),
            ),
        ],
        &[],
        None,
    );
    expect_sub(&evil, SubIndication::SigConstraintsFailure, "not a widget");
}

#[test]
fn isa_rebinding_or_deleting_an_existing_object_is_refused() {
    let base = sign(&minimal_pdf());
    let rebound = append_revision(
        &base,
        &[(
            r(5),
            b"<</Type/Font/Subtype/Type1/BaseFont/Courier>>".to_vec(),
        )],
        &[],
        None,
    );
    expect_sub(
        &rebound,
        SubIndication::SigConstraintsFailure,
        "object 5 0 R (/Type /Font)",
    );

    let deleted = append_revision(&base, &[], &[5], None);
    expect_sub(&deleted, SubIndication::SigConstraintsFailure, "deleted");

    // The first signature's own dictionary rewritten (a "recycled" signature object).
    let sig_ref = {
        let mut doc = Document::open(&base).unwrap();
        let (_, cat) = doc.catalog().unwrap();
        let form = cat.get(b"AcroForm").unwrap().as_dict().unwrap().clone();
        let w = form.get(b"Fields").unwrap().as_array().unwrap()[0]
            .as_ref()
            .unwrap();
        let Object::Dict(w) = doc.resolve(w).unwrap() else {
            panic!()
        };
        w.get(b"V").unwrap().as_ref().unwrap()
    };
    let recycled = append_revision(
        &base,
        &[(sig_ref, b"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange[0 1 2 3]/Contents<00>>>".to_vec())],
        &[],
        None,
    );
    // The field's dictionary now lies outside the signed revision: its /Contents is not
    // the signed gap.
    expect_sub(
        &recycled,
        SubIndication::FormatFailure,
        "is not this dictionary's /Contents",
    );

    // The catalog gets an /OpenAction; /Perms appears.
    let p = parts(&base);
    for (key, value) in [
        (
            &b"OpenAction"[..],
            Object::Array(vec![Object::Ref(p.page.0), Object::Name(b"Fit".to_vec())]),
        ),
        (b"Perms", Object::Dict(Dict::default())),
    ] {
        let mut catalog = p.catalog.1.clone();
        catalog.set(key, value);
        let changed = append_revision(&base, &[(p.catalog.0, dict_bytes(&catalog))], &[], None);
        expect_sub(
            &changed,
            SubIndication::SigConstraintsFailure,
            "the catalog's",
        );
    }
}

/// A new merged signature field/widget on the first page, added to /Fields and /Annots,
/// with the given extra entries; and extra objects.
fn add_signature_field(
    base: &[u8],
    widget_extra: &[(&[u8], Object)],
    extra_objects: Vec<(Ref, Vec<u8>)>,
) -> Vec<u8> {
    let p = parts(base);
    let widget_ref = r(p.next);
    let mut widget = Dict::default();
    widget.set(b"Type", Object::Name(b"Annot".to_vec()));
    widget.set(b"Subtype", Object::Name(b"Widget".to_vec()));
    widget.set(b"FT", Object::Name(b"Sig".to_vec()));
    widget.set(b"T", Object::Str(b"Sneaky".to_vec()));
    widget.set(b"P", Object::Ref(p.page.0));
    for (k, v) in widget_extra {
        widget.set(k, v.clone());
    }
    let mut catalog = p.catalog.1.clone();
    let mut form = catalog
        .get(b"AcroForm")
        .and_then(Object::as_dict)
        .cloned()
        .unwrap_or_default();
    let mut fields = form
        .get(b"Fields")
        .and_then(Object::as_array)
        .map(<[Object]>::to_vec)
        .unwrap_or_default();
    fields.push(Object::Ref(widget_ref));
    form.set(b"Fields", Object::Array(fields));
    catalog.set(b"AcroForm", Object::Dict(form));
    let mut page = p.page.1.clone();
    let mut annots = page
        .get(b"Annots")
        .and_then(Object::as_array)
        .map(<[Object]>::to_vec)
        .unwrap_or_default();
    annots.push(Object::Ref(widget_ref));
    page.set(b"Annots", Object::Array(annots));
    let mut objects = vec![
        (p.catalog.0, dict_bytes(&catalog)),
        (p.page.0, dict_bytes(&page)),
        (widget_ref, dict_bytes(&widget)),
    ];
    objects.extend(extra_objects);
    append_revision(base, &objects, &[], None)
}

#[test]
fn sneaky_unsigned_signature_field_with_an_appearance_is_refused() {
    let base = sign(&minimal_pdf());
    let ap = r(parts(&base).next + 1);
    let ap_dict = Object::Dict(Dict(vec![(b"N".to_vec(), Object::Ref(ap))]));
    let rect = Object::Array(vec![
        Object::Int(72),
        Object::Int(700),
        Object::Int(372),
        Object::Int(800),
    ]);
    let sneaky = add_signature_field(
        &base,
        &[
            (b"Rect", rect.clone()),
            (b"AP", ap_dict.clone()),
            (b"F", Object::Int(4)),
        ],
        vec![(ap, overlay_stream())],
    );
    expect_sub(
        &sneaky,
        SubIndication::SigConstraintsFailure,
        "draws an appearance",
    );

    // The same field without an appearance, or invisible, is only an empty field.
    let empty = add_signature_field(&base, &[(b"Rect", rect)], vec![]);
    assert_eq!(
        judge(&empty).unwrap(),
        vec![Ok(ModificationLevel::SignaturesOnly)]
    );
    let zero = Object::Array(vec![Object::Int(0); 4]);
    let invisible = add_signature_field(
        &base,
        &[(b"Rect", zero), (b"AP", ap_dict)],
        vec![(ap, overlay_stream())],
    );
    assert_eq!(
        judge(&invisible).unwrap(),
        vec![Ok(ModificationLevel::SignaturesOnly)]
    );

    // An invisible field with a link action.
    let uri = Object::Dict(Dict(vec![
        (b"S".to_vec(), Object::Name(b"URI".to_vec())),
        (
            b"URI".to_vec(),
            Object::Str(b"https://phish.example/".to_vec()),
        ),
    ]));
    let linked = add_signature_field(
        &base,
        &[
            (b"Rect", Object::Array(vec![Object::Int(0); 4])),
            (b"A", uri),
        ],
        vec![],
    );
    expect_sub(
        &linked,
        SubIndication::SigConstraintsFailure,
        "carries an action (/A)",
    );

    // A field that is not a signature field.
    let text_field = add_signature_field(
        &base,
        &[
            (b"FT", Object::Name(b"Tx".to_vec())),
            (b"V", Object::Str(b"x".to_vec())),
        ],
        vec![],
    );
    expect_sub(
        &text_field,
        SubIndication::SigConstraintsFailure,
        "signature field",
    );
}

#[test]
fn a_visible_widget_claiming_an_earlier_signature_is_refused() {
    // A new visible widget whose /V is the first signature's dictionary (recycled), with
    // an appearance: it would display a second "signature" over the page.
    let base = sign(&minimal_pdf());
    let sig_v = {
        let mut doc = Document::open(&base).unwrap();
        let (_, cat) = doc.catalog().unwrap();
        let form = cat.get(b"AcroForm").unwrap().as_dict().unwrap().clone();
        let w = form.get(b"Fields").unwrap().as_array().unwrap()[0]
            .as_ref()
            .unwrap();
        let Object::Dict(w) = doc.resolve(w).unwrap() else {
            panic!()
        };
        w.get(b"V").unwrap().clone()
    };
    let ap = r(parts(&base).next + 1);
    let forged = add_signature_field(
        &base,
        &[
            (b"V", sig_v),
            (
                b"Rect",
                Object::Array(vec![
                    Object::Int(72),
                    Object::Int(700),
                    Object::Int(372),
                    Object::Int(800),
                ]),
            ),
            (
                b"AP",
                Object::Dict(Dict(vec![(b"N".to_vec(), Object::Ref(ap))])),
            ),
        ],
        vec![(ap, overlay_stream())],
    );
    let found = find_signatures(&forged).unwrap();
    let first = found[0].as_ref().unwrap();
    let f = first.modifications.clone().unwrap_err();
    assert_eq!(f.sub, SubIndication::SigConstraintsFailure);
    assert!(f.reason.contains("recycled"), "{}", f.reason);
}

#[test]
fn dangling_references_cannot_be_filled_in_later() {
    // The page draws /Im1, which is undefined (nothing shows) when the document is signed.
    let pdf = classic_pdf(
        &[
            b"<</Type/Catalog/Pages 2 0 R>>".to_vec(),
            b"<</Type/Pages/Kids[3 0 R]/Count 1>>".to_vec(),
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</XObject<</Im1 30 0 R>>>>>>".to_vec(),
            stream("", b"q 300 0 0 100 72 700 cm /Im1 Do Q"),
        ],
        "",
    );
    let signed = sign(&pdf);
    assert!(any_valid(&signed));
    let filled = append_revision(&signed, &[(r(30), overlay_stream())], &[], None);
    expect_sub(
        &filled,
        SubIndication::SigConstraintsFailure,
        "undefined when signed",
    );
}

#[test]
fn dss_and_no_op_rewrites_are_allowed() {
    let base = sign(&minimal_pdf());
    let p = parts(&base);
    let (dss, cert) = (r(p.next), r(p.next + 1));
    let mut catalog = p.catalog.1.clone();
    catalog.set(b"DSS", Object::Ref(dss));
    let with_dss = append_revision(
        &base,
        &[
            (p.catalog.0, dict_bytes(&catalog)),
            (
                dss,
                format!("<</Type/DSS/Certs[{} 0 R]>>", cert.num).into_bytes(),
            ),
            (cert, stream("", Signer::certificate(TestSigner::shared()))),
        ],
        &[],
        None,
    );
    assert_eq!(
        judge(&with_dss).unwrap(),
        vec![Ok(ModificationLevel::SignaturesOnly)]
    );
    // A DSS with something else in it is not a DSS.
    let odd = append_revision(
        &base,
        &[
            (p.catalog.0, dict_bytes(&catalog)),
            (dss, b"<</Type/DSS/OpenAction 3 0 R>>".to_vec()),
        ],
        &[],
        None,
    );
    expect_sub(
        &odd,
        SubIndication::SigConstraintsFailure,
        "unexpected entry /OpenAction",
    );

    // Rewriting the page unchanged changes nothing.
    let rewrite = append_revision(&base, &[(p.page.0, dict_bytes(&p.page.1))], &[], None);
    assert_eq!(
        judge(&rewrite).unwrap(),
        vec![Ok(ModificationLevel::SignaturesOnly)]
    );

    // An orphan new object that no rule justifies.
    let orphan = append_revision(&base, &[(r(p.next), b"<</Foo 1>>".to_vec())], &[], None);
    expect_sub(
        &orphan,
        SubIndication::SigConstraintsFailure,
        "is not part of a signature",
    );
}

#[test]
fn bytes_after_the_signed_revision() {
    let base = sign(&minimal_pdf());
    let mut spaces = base.clone();
    spaces.extend_from_slice(b"\n\n  \n");
    let checks = verify_pdf_structure(&spaces).unwrap();
    assert_eq!(checks[0].result, Ok(ModificationLevel::None));
    assert!(!checks[0].signature.as_ref().unwrap().covers_whole_file);

    let mut junk = base.clone();
    junk.extend_from_slice(b"BT (appended) Tj ET\n");
    expect_sub(
        &junk,
        SubIndication::SigConstraintsFailure,
        "not an incremental update",
    );
}

// ------------------------------------------------------------------ integrity and truncation

#[test]
fn a_flipped_byte_in_either_signed_range_is_a_hash_failure() {
    for base in [sign(&minimal_pdf()), rendered_signed().to_vec()] {
        let sig = last_signature(&base);
        let [_, a, b, _] = sig.byte_range;
        // Range 1: a byte of the comment on the header's second line.
        let nl = find(&base, b"\n").unwrap();
        assert_eq!(base[nl + 1], b'%', "a comment line follows the header");
        let mut first = base.clone();
        first[nl + 2] ^= 0x01;
        assert!(nl + 2 < a);
        expect_sub(&first, SubIndication::HashFailure, "messageDigest");
        // Range 2: a digit of /M.
        let m = b + find(&base[b..], b"(D:2026").unwrap() + 3;
        let mut second = base.clone();
        second[m] = b'3';
        expect_sub(&second, SubIndication::HashFailure, "messageDigest");
    }
}

#[test]
fn truncations_are_never_valid() {
    let signed = sign(&minimal_pdf());
    for len in 0..signed.len() {
        assert!(
            !any_valid(&signed[..len]),
            "prefix of {len} bytes judged valid"
        );
    }
    assert!(any_valid(&signed));
    // The rendered document: a valid signature only for the whole file.
    let rendered = rendered_signed();
    let step = (rendered.len() / 2000).max(1);
    for len in (0..rendered.len())
        .step_by(step)
        .chain(rendered.len() - 40..rendered.len())
    {
        assert!(
            !any_valid(&rendered[..len]),
            "prefix of {len} bytes judged valid"
        );
    }
}

#[test]
fn prefixes_and_mutations_never_panic() {
    let twice = countersign(&sign(&minimal_pdf()));
    for len in 0..=twice.len() {
        let _ = find_signatures(&twice[..len]);
        let _ = verify_pdf_structure(&twice[..len]);
        let _ = document_keywords(&twice[..len]);
    }
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut valid = 0;
    for _ in 0..2000 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut m = twice.clone();
        let at = (rng as usize) % m.len();
        let byte = (rng >> 32) as u8;
        let changed = m[at] != byte;
        m[at] = byte;
        let _ = find_signatures(&m);
        let _ = document_keywords(&m);
        if let Ok(results) = judge(&m) {
            let all_ok = results.len() == 2 && results.iter().all(Result::is_ok);
            if all_ok && changed {
                valid += 1;
                // Only a byte no signature covers may change and leave both valid: in
                // the last /Contents gap (a hex digit's case, the same DER) and beyond
                // or in the gap of the first.
                let sigs: Vec<PdfSignature> = find_signatures(&m)
                    .unwrap()
                    .into_iter()
                    .map(Result::unwrap)
                    .collect();
                assert!(
                    sigs.iter()
                        .all(|s| (at >= s.byte_range[1] && at < s.byte_range[2])
                            || at >= s.signed_revision_end),
                    "mutation at {at} ({byte:#04x}) left both signatures valid"
                );
            }
        }
    }
    eprintln!("{valid} mutations left both signatures valid (padding bytes)");
}

#[test]
fn rendered_document_mutations_never_panic() {
    let signed = rendered_signed();
    let mut rng = 0x1234_5678_9abc_def1u64;
    for _ in 0..300 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut m = signed.to_vec();
        let at = (rng as usize) % m.len();
        m[at] = (rng >> 32) as u8;
        let _ = verify_pdf_structure(&m);
    }
}

// ------------------------------------------------------------------ document time-stamps

/// An RFC 3161 time-stamp token over `data` from a throwaway openssl TSA.
fn timestamp_token(data: &[u8]) -> Vec<u8> {
    let dir = scratch_dir("tsa");
    let (key, cert, serial) = (dir.join("k.pem"), dir.join("c.pem"), dir.join("serial"));
    let (input, query, token) = (dir.join("d.bin"), dir.join("q.tsq"), dir.join("t.der"));
    let config = dir.join("ts.cnf");
    std::fs::write(&serial, "01\n").unwrap();
    std::fs::write(&input, data).unwrap();
    std::fs::write(
        &config,
        format!(
            "[tsa]\ndefault_tsa = t\n[t]\nserial = {}\ncrypto_device = builtin\n\
             signer_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\n\
             ess_cert_id_alg = sha256\naccuracy = secs:1\nordering = no\ntsa_name = no\n\
             ess_cert_id_chain = no\n",
            serial.display()
        ),
    )
    .unwrap();
    run_ok(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            "/CN=test tsa",
            "-days",
            "5",
            "-addext",
            "extendedKeyUsage=critical,timeStamping",
            "-keyout",
            arg(&key),
            "-out",
            arg(&cert),
        ],
    );
    run_ok(
        "openssl",
        &[
            "ts",
            "-query",
            "-data",
            arg(&input),
            "-sha256",
            "-cert",
            "-no_nonce",
            "-out",
            arg(&query),
        ],
    );
    run_ok(
        "openssl",
        &[
            "ts",
            "-reply",
            "-config",
            arg(&config),
            "-section",
            "t",
            "-queryfile",
            arg(&query),
            "-signer",
            arg(&cert),
            "-inkey",
            arg(&key),
            "-token_out",
            "-out",
            arg(&token),
        ],
    );
    std::fs::read(&token).unwrap()
}

/// `signed` countersigned, the countersignature turned into a document time-stamp by
/// openssl's TSA (same byte layout: the dictionary header is rewritten to the same length).
fn with_document_timestamp(signed: &[u8]) -> Vec<u8> {
    let twice = countersign(signed);
    let header: &[u8] = b"/Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange ";
    let at = rfind(&twice, header).unwrap();
    let array_end = at + twice[at..].iter().position(|&b| b == b']').unwrap();
    let array = &twice[at + header.len()..array_end];
    assert!(array.ends_with(b"  "), "room in the /ByteRange padding");
    let new_header: &[u8] =
        b"/Type/DocTimeStamp/Filter/Adobe.PPKLite/SubFilter/ETSI.RFC3161/ByteRange ";
    assert_eq!(new_header.len(), header.len() + 2);
    let patched = [
        &twice[..at],
        new_header,
        &array[..array.len() - 2],
        &twice[array_end..],
    ]
    .concat();
    assert_eq!(patched.len(), twice.len());
    let sig = last_signature(&patched);
    assert!(sig.is_document_timestamp);
    let token = timestamp_token(&signed_bytes(&patched, &sig).unwrap().concat());
    set_contents(&patched, &token)
}

#[test]
fn a_document_time_stamp_verifies_and_keeps_the_signature_valid() {
    let stamped = with_document_timestamp(&sign(&minimal_pdf()));
    let checks = verify_pdf_structure(&stamped).unwrap();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[0].result, Ok(ModificationLevel::SignaturesOnly));
    assert_eq!(checks[1].result, Ok(ModificationLevel::None));
    let ts = checks[1].signature.as_ref().unwrap();
    assert!(ts.is_document_timestamp);
    assert_eq!(ts.sub_filter, "ETSI.RFC3161");
    let cms = checks[1].cms.as_ref().unwrap();
    assert_eq!(cms.content_type, cms::OID_TST_INFO);

    // A changed byte in the time-stamped range breaks the imprint.
    let sig = last_signature(&stamped);
    let m = sig.byte_range[2] + find(&stamped[sig.byte_range[2]..], b"(D:2026").unwrap() + 3;
    let mut tampered = stamped.clone();
    tampered[m] = b'3';
    let results = judge(&tampered).unwrap();
    let f = results[1].clone().unwrap_err();
    assert_eq!(f.sub, SubIndication::HashFailure);
    assert!(f.reason.contains("imprint"), "{}", f.reason);
    // The first signature does not cover that byte and stays valid.
    assert_eq!(results[0], Ok(ModificationLevel::SignaturesOnly));
}

// ------------------------------------------------------------------ pyHanko interop

/// pyHanko: `QUJAT_PYHANKO`, the repository's `.venv`, or PATH. `None` (the test is
/// skipped) only when none runs and `QUJAT_SKIP_PYHANKO=1`; otherwise a missing pyHanko
/// fails the test.
fn pyhanko() -> Option<String> {
    let candidates = [
        std::env::var("QUJAT_PYHANKO").ok(),
        Some(concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/pyhanko").to_owned()),
        Some("pyhanko".to_owned()),
    ];
    for candidate in candidates.into_iter().flatten() {
        let runs = std::process::Command::new(&candidate)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if runs {
            return Some(candidate);
        }
    }
    assert!(
        std::env::var("QUJAT_SKIP_PYHANKO").as_deref() == Ok("1"),
        "pyHanko not found: set QUJAT_PYHANKO, create .venv with pyhanko, or set QUJAT_SKIP_PYHANKO=1"
    );
    eprintln!("pyHanko not found; interop test skipped (QUJAT_SKIP_PYHANKO=1)");
    None
}

/// Signs `pdf` with pyHanko (`pades`: /ETSI.CAdES.detached, else adbe.pkcs7.detached)
/// with a fresh openssl key of the given kind.
fn pyhanko_sign(pyhanko: &str, pdf: &[u8], newkey: &[&str], field: &str, pades: bool) -> Vec<u8> {
    let dir = scratch_dir("pyhanko");
    let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
    let (input, output) = (dir.join("in.pdf"), dir.join("out.pdf"));
    let mut args = vec![
        "req",
        "-x509",
        "-nodes",
        "-subj",
        "/CN=pyhanko signer",
        "-days",
        "5",
    ];
    args.extend_from_slice(newkey);
    args.extend_from_slice(&["-keyout", arg(&key), "-out", arg(&cert)]);
    run_ok("openssl", &args);
    std::fs::write(&input, pdf).unwrap();
    let mut args = vec!["sign", "addsig", "--field", field];
    if pades {
        args.push("--use-pades");
    }
    args.extend_from_slice(&[
        "pemder",
        "--key",
        arg(&key),
        "--cert",
        arg(&cert),
        "--no-pass",
        arg(&input),
        arg(&output),
    ]);
    run_ok(pyhanko, &args);
    std::fs::read(&output).unwrap()
}

const EC: &[&str] = &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
const RSA: &[&str] = &["-newkey", "rsa:2048"];

#[test]
fn pyhanko_signatures_verify() {
    let Some(py) = pyhanko() else { return };
    let streams = with_object_streams(rendered());
    for (name, pdf, key, pades) in [
        ("rendered, PAdES, ECDSA", rendered(), EC, true),
        ("rendered, adbe.pkcs7.detached, RSA", rendered(), RSA, false),
        ("object streams, PAdES, RSA", streams.as_slice(), RSA, true),
        ("hand-written, PAdES, ECDSA", &minimal_pdf(), EC, true),
    ] {
        let signed = pyhanko_sign(&py, pdf, key, "PySig", pades);
        let checks = verify_pdf_structure(&signed).unwrap();
        assert_eq!(checks.len(), 1, "{name}");
        assert_eq!(checks[0].result, Ok(ModificationLevel::None), "{name}");
        let sig = checks[0].signature.as_ref().unwrap();
        assert_eq!(sig.field_name, "PySig", "{name}");
        let filter = if pades {
            "ETSI.CAdES.detached"
        } else {
            "adbe.pkcs7.detached"
        };
        assert_eq!(sig.sub_filter, filter, "{name}");

        // qujat countersigns a pyHanko-signed document: both stay valid.
        let countersigned = sign(&signed);
        assert_eq!(
            judge(&countersigned).unwrap(),
            vec![
                Ok(ModificationLevel::SignaturesOnly),
                Ok(ModificationLevel::None)
            ],
            "{name}"
        );
    }
}

#[test]
fn a_pyhanko_countersignature_rewrites_metadata_and_is_refused_by_policy() {
    let Some(py) = pyhanko() else { return };
    let ours = rendered_signed();
    let theirs = pyhanko_sign(&py, ours, EC, "PySig", true);
    let results = judge(&theirs).unwrap();
    assert_eq!(results.len(), 2);
    // pyHanko's own signature is fine.
    assert_eq!(results[1], Ok(ModificationLevel::None));
    // Its incremental update also rewrote /Info and the XMP metadata: refused.
    let f = results[0].clone().unwrap_err();
    assert_eq!(f.sub, SubIndication::SigConstraintsFailure);
    assert!(
        f.reason.contains("/Info")
            || f.reason.contains("metadata")
            || f.reason.contains("/Extensions"),
        "{}",
        f.reason
    );
    eprintln!(
        "first signature after pyHanko's countersignature: {}",
        f.reason
    );
    // The keywords are still those of the rendered revision.
    assert!(
        document_keywords(&theirs)
            .unwrap()
            .contains("kind=refusal_receipt")
    );
}

#[test]
fn filling_an_existing_empty_signature_field_is_allowed() {
    // Catalog with a form holding an empty signature field that is also a page widget.
    let pdf = classic_pdf(
        &[
            b"<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[6 0 R]>>>>".to_vec(),
            b"<</Type/Pages/Kids[3 0 R]/Count 1>>".to_vec(),
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Annots[6 0 R]/Resources<</Font<</F1 5 0 R>>>>>>".to_vec(),
            stream("", CONTENT),
            b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>".to_vec(),
            b"<</Type/Annot/Subtype/Widget/FT/Sig/T(Head)/Rect[300 100 500 160]/P 3 0 R/F 4>>".to_vec(),
        ],
        "",
    );
    let signed = sign(&pdf);
    assert_eq!(judge(&signed).unwrap(), vec![Ok(ModificationLevel::None)]);
    let next = parts(&signed).next;
    let field = |rect: &str| {
        format!(
            "<</Type/Annot/Subtype/Widget/FT/Sig/T(Head)/Rect[{rect}]/P 3 0 R/F 4/V {next} 0 R>>"
        )
        .into_bytes()
    };
    let sig_dict =
        b"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange[0 0 0 0]/Contents<00>>>"
            .to_vec();
    let filled = append_revision(
        &signed,
        &[
            (r(6), field("300 100 500 160")),
            (r(next), sig_dict.clone()),
        ],
        &[],
        None,
    );
    let found = find_signatures(&filled).unwrap();
    assert_eq!(found.len(), 2);
    // The earlier signature sees only a signature added; the new one is the caller's to
    // check (here it is a dummy and fails check 1).
    assert_eq!(
        found[1].as_ref().unwrap().modifications,
        Ok(ModificationLevel::SignaturesOnly)
    );
    assert_eq!(
        found[0].clone().unwrap_err().sub,
        SubIndication::FormatFailure
    );

    // Filling the field while moving it is more than filling it.
    let moved = append_revision(
        &signed,
        &[(r(6), field("0 0 595 842")), (r(next), sig_dict)],
        &[],
        None,
    );
    let found = find_signatures(&moved).unwrap();
    let f = found[1]
        .as_ref()
        .unwrap()
        .modifications
        .clone()
        .unwrap_err();
    assert_eq!(f.sub, SubIndication::SigConstraintsFailure);
    assert!(f.reason.contains("/Rect changed"), "{}", f.reason);
}
