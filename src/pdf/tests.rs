//! Signing checked with independent tools: poppler's `pdfsig` over the signed file and
//! `openssl cms -verify` over the CMS taken out of /Contents with the two byte ranges.
//! Test PDFs are generated here (classic table; xref stream + object stream; nested page
//! tree with existing annotations and form); `/tmp/qujat-sample.pdf` (or the file named
//! by `QUJAT_SAMPLE_PDF`) is signed too when present.

use time::macros::datetime;

use super::object::{Dict, Object, Ref};
use super::parse::{Document, Lexer};
use super::*;
use crate::cms::der;
use crate::cms::test_signer::{TestSigner, arg, run, scratch_dir};

const SIGNING_TIME: time::OffsetDateTime = datetime!(2026-05-09 15:04:05 +05:00);

fn options() -> SignOptions {
    SignOptions::new(SIGNING_TIME)
}

// ---------------------------------------------------------------- test PDF builders

const CONTENT: &[u8] = b"BT /F1 24 Tf 72 720 Td (Hello, qujat) Tj ET";

/// A PDF with a classic cross-reference table; `objects[i]` is object `i + 1`
/// (its body between `obj` and `endobj`).
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
            "trailer\n<</Size {}/Root 1 0 R{trailer_extra}/ID[<0123456789ABCDEF0123456789ABCDEF><0123456789ABCDEF0123456789ABCDEF>]>>\nstartxref\n{xref}\n%%EOF\n",
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

fn minimal_objects() -> Vec<Vec<u8>> {
    vec![
        b"<</Type/Catalog/Pages 2 0 R>>".to_vec(),
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>".to_vec(),
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595.28 841.89]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>".to_vec(),
        stream("", CONTENT),
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>".to_vec(),
    ]
}

fn minimal_pdf() -> Vec<u8> {
    classic_pdf(&minimal_objects(), "")
}

/// Two pages under a nested page tree; the first page has an indirect /Annots array with
/// a link, the catalog an indirect /AcroForm with a text field already named Signature1.
fn annotated_pdf() -> Vec<u8> {
    classic_pdf(
        &[
            b"<</Type/Catalog/Pages 2 0 R/AcroForm 9 0 R>>".to_vec(),
            b"<</Type/Pages/Kids[6 0 R 3 0 R]/Count 2>>".to_vec(),
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>".to_vec(),
            stream("", CONTENT),
            b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>".to_vec(),
            b"<</Type/Pages/Parent 2 0 R/Kids[7 0 R]/Count 1>>".to_vec(),
            b"<</Type/Page/Parent 6 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Annots 8 0 R/Resources<</Font<</F1 5 0 R>>>>>>".to_vec(),
            b"[10 0 R 11 0 R]".to_vec(),
            b"<</Fields[11 0 R]/DA(/Helv 0 Tf 0 g)>>".to_vec(),
            b"<</Type/Annot/Subtype/Link/Rect[10 10 50 50]/Border[0 0 0]/A<</S/URI/URI(https://example.kz/\\(a\\))>>>>".to_vec(),
            b"<</Type/Annot/Subtype/Widget/FT/Tx/T(Signature1)/V(text)/Rect[60 60 200 80]/P 7 0 R/F 4>>".to_vec(),
        ],
        "",
    )
}

/// A PDF 1.5 file whose catalog, page tree, page and font live in a compressed object
/// stream, indexed by a cross-reference stream with a PNG Up predictor.
fn xref_stream_pdf() -> Vec<u8> {
    let members: [(u32, &[u8]); 4] = [
        (1, b"<</Type/Catalog/Pages 2 0 R>>"),
        (2, b"<</Type/Pages/Kids[3 0 R]/Count 1>>"),
        (3, b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>"),
        (5, b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>"),
    ];
    let mut header = String::new();
    let mut body = Vec::new();
    for (num, object) in members {
        header.push_str(&format!("{num} {} ", body.len()));
        body.extend_from_slice(object);
        body.push(b' ');
    }
    let mut objstm_data = header.into_bytes();
    let first = objstm_data.len();
    objstm_data.extend_from_slice(&body);
    let objstm_z = miniz_oxide::deflate::compress_to_vec_zlib(&objstm_data, 6);

    let mut out = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let content_at = out.len();
    out.extend_from_slice(b"4 0 obj\n");
    out.extend_from_slice(&stream("", CONTENT));
    out.extend_from_slice(b"\nendobj\n");
    let objstm_at = out.len();
    out.extend_from_slice(b"6 0 obj\n");
    out.extend_from_slice(&stream(
        &format!("/Type/ObjStm/N 4/First {first}/Filter/FlateDecode"),
        &objstm_z,
    ));
    out.extend_from_slice(b"\nendobj\n");
    let xref_at = out.len();
    // Rows: type (1), field 2 (4), field 3 (2).
    let mut rows: Vec<[u8; 7]> = Vec::new();
    let row = |kind: u8, a: u32, b: u16| {
        let mut r = [0u8; 7];
        r[0] = kind;
        r[1..5].copy_from_slice(&a.to_be_bytes());
        r[5..7].copy_from_slice(&b.to_be_bytes());
        r
    };
    rows.push(row(0, 0, 65535));
    rows.push(row(2, 6, 0));
    rows.push(row(2, 6, 1));
    rows.push(row(2, 6, 2));
    rows.push(row(1, content_at as u32, 0));
    rows.push(row(2, 6, 3));
    rows.push(row(1, objstm_at as u32, 0));
    rows.push(row(1, xref_at as u32, 0));
    let mut predicted = Vec::new();
    let mut prev = [0u8; 7];
    for r in &rows {
        predicted.push(2); // PNG Up
        for (cur, up) in r.iter().zip(prev.iter()) {
            predicted.push(cur.wrapping_sub(*up));
        }
        prev = *r;
    }
    let xref_z = miniz_oxide::deflate::compress_to_vec_zlib(&predicted, 6);
    out.extend_from_slice(b"7 0 obj\n");
    out.extend_from_slice(&stream(
        "/Type/XRef/Size 8/W[1 4 2]/Root 1 0 R/ID[<00112233445566778899AABBCCDDEEFF><00112233445566778899AABBCCDDEEFF>]/Filter/FlateDecode/DecodeParms<</Predictor 12/Columns 7>>",
        &xref_z,
    ));
    out.extend_from_slice(format!("\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    out
}

// ---------------------------------------------------------------- independent checks

fn parse_uint_at(data: &[u8], at: usize) -> (usize, usize) {
    let mut lexer = Lexer::new(data, at);
    let value = lexer.parse_uint().expect("integer") as usize;
    (value, lexer.pos())
}

/// Every signature's /ByteRange and the CMS DER from its /Contents, found textually.
fn signatures(pdf: &[u8]) -> Vec<([usize; 4], Vec<u8>)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(p) = super::parse::find(&pdf[from..], b"/ByteRange [") {
        let mut at = from + p + b"/ByteRange [".len();
        let mut range = [0usize; 4];
        for slot in &mut range {
            let (v, next) = parse_uint_at(pdf, at);
            *slot = v;
            at = next;
        }
        let hex = &pdf[range[1] + 1..range[2] - 1];
        assert_eq!(pdf[range[1]], b'<');
        assert_eq!(pdf[range[2] - 1], b'>');
        let bytes: Vec<u8> = hex
            .chunks(2)
            .map(|h| u8::from_str_radix(std::str::from_utf8(h).unwrap(), 16).unwrap())
            .collect();
        // The DER is followed by zero padding: cut at the outer TLV's length.
        assert_eq!(bytes[0], 0x30);
        let der_len = if bytes[1] < 0x80 {
            2 + usize::from(bytes[1])
        } else {
            let n = usize::from(bytes[1] & 0x7f);
            2 + n
                + bytes[2..2 + n]
                    .iter()
                    .fold(0usize, |acc, &b| acc << 8 | usize::from(b))
        };
        assert!(der::content_of(&bytes[..der_len]).is_some());
        assert!(bytes[der_len..].iter().all(|&b| b == 0), "padding is zeros");
        found.push((range, bytes[..der_len].to_vec()));
        from = at;
    }
    found
}

fn openssl_verify(pdf: &[u8], range: [usize; 4], cms: &[u8]) {
    let dir = scratch_dir("pdfcms");
    let cms_path = dir.join("cms.der");
    let content_path = dir.join("ranges.bin");
    let mut content = pdf[range[0]..range[0] + range[1]].to_vec();
    content.extend_from_slice(&pdf[range[2]..range[2] + range[3]]);
    std::fs::write(&cms_path, cms).unwrap();
    std::fs::write(&content_path, &content).unwrap();
    let out = run(
        "openssl",
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            arg(&cms_path),
            "-content",
            arg(&content_path),
            "-noverify",
            "-out",
            "/dev/null",
        ],
    );
    assert!(
        out.status.success(),
        "openssl cms -verify failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `pdfsig` output, split per signature.
fn pdfsig(pdf: &[u8]) -> Vec<String> {
    let dir = scratch_dir("pdfsig");
    let path = dir.join("signed.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = run("pdfsig", &[arg(&path)]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let blocks: Vec<String> = text
        .split("Signature #")
        .skip(1)
        .map(str::to_owned)
        .collect();
    assert!(
        !blocks.is_empty(),
        "pdfsig found no signature: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    blocks
}

/// `qpdf --check` (a strict reader that reports, rather than silently repairs, a broken
/// cross-reference section), when qpdf is installed.
fn qpdf_check(pdf: &[u8]) {
    if std::process::Command::new("qpdf")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("qpdf not installed; structural check skipped");
        return;
    }
    let dir = scratch_dir("qpdf");
    let path = dir.join("signed.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = run("qpdf", &["--check", arg(&path)]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("No syntax or stream encoding errors found"),
        "qpdf --check: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Checks every signature of `signed` with pdfsig and openssl, that the last covers
/// the whole file, and returns pdfsig's blocks.
fn check_signed(signed: &[u8], expected_signatures: usize) -> Vec<String> {
    let sigs = signatures(signed);
    assert_eq!(sigs.len(), expected_signatures);
    for (range, cms) in &sigs {
        assert_eq!(range[0], 0);
        assert!(range[1] < range[2]);
        openssl_verify(signed, *range, cms);
    }
    let (last, _) = sigs.last().unwrap();
    assert_eq!(
        last[2] + last[3],
        signed.len(),
        "last signature covers the file"
    );
    let blocks = pdfsig(signed);
    assert_eq!(blocks.len(), expected_signatures, "{blocks:?}");
    for block in &blocks {
        assert!(block.contains("Signature is Valid."), "{block}");
        assert!(block.contains("ETSI.CAdES.detached"), "{block}");
    }
    assert!(
        blocks.last().unwrap().contains("Total document signed"),
        "{blocks:?}"
    );
    qpdf_check(signed);
    // Our own reader accepts what we wrote.
    let mut doc = Document::open(signed).expect("signed PDF parses");
    let (_, catalog) = doc.catalog().unwrap();
    doc.first_page(&catalog).unwrap();
    blocks
}

// ---------------------------------------------------------------- signing tests

#[test]
fn signs_a_classic_xref_pdf() {
    let signer = TestSigner::shared();
    let pdf = minimal_pdf();
    let signed = sign_pdf(&pdf, signer, &options()).unwrap();
    assert_eq!(
        &signed[..pdf.len()],
        pdf.as_slice(),
        "input is an unchanged prefix"
    );
    let blocks = check_signed(&signed, 1);
    assert!(
        blocks[0].contains("Signature Field Name: Signature1"),
        "{}",
        blocks[0]
    );

    let doc = Document::open(&signed).unwrap();
    assert!(!doc.uses_xref_stream());
    let trailer = doc.trailer();
    let original = Document::open(&pdf).unwrap();
    assert_eq!(
        trailer.get(b"Prev").and_then(Object::as_int),
        Some(original.startxref() as i64)
    );
    assert_eq!(trailer.get(b"Size").and_then(Object::as_int), Some(8));
    let id = trailer.get(b"ID").and_then(Object::as_array).unwrap();
    assert_eq!(
        id[0].as_str().unwrap(),
        &[
            0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
            0xcd, 0xef
        ]
    );
    assert_ne!(id[0], id[1]);
    let tail = String::from_utf8_lossy(&signed[pdf.len()..]).into_owned();
    assert!(tail.contains("/M (D:20260509150405+05'00')"), "{tail}");
    assert!(tail.contains("/Name (qujat test signer)"), "{tail}");
    assert!(tail.contains("/SubFilter/ETSI.CAdES.detached"), "{tail}");
    assert!(tail.contains("/Filter/Adobe.PPKLite"), "{tail}");
    assert!(
        tail.contains("/AcroForm <</Fields [6 0 R]/SigFlags 3>>"),
        "{tail}"
    );
    assert!(tail.contains("/Rect [0 0 0 0]"), "{tail}");
    assert!(tail.contains("/F 132"), "{tail}");
}

#[test]
fn signs_an_xref_stream_pdf_with_object_streams() {
    let signer = TestSigner::shared();
    let pdf = xref_stream_pdf();
    // The builder itself is sound: our reader and pdfsig's parser see one page.
    let mut doc = Document::open(&pdf).unwrap();
    assert!(doc.uses_xref_stream());
    let (_, catalog) = doc.catalog().unwrap();
    let (page, _) = doc.first_page(&catalog).unwrap();
    assert_eq!(
        page,
        Ref {
            num: 3,
            generation: 0
        }
    );

    let signed = sign_pdf(&pdf, signer, &options()).unwrap();
    assert_eq!(&signed[..pdf.len()], pdf.as_slice());
    check_signed(&signed, 1);
    let doc = Document::open(&signed).unwrap();
    assert!(
        doc.uses_xref_stream(),
        "the update keeps the xref stream form"
    );
    assert_eq!(
        doc.trailer().get(b"Size").and_then(Object::as_int),
        Some(11)
    );
}

#[test]
fn keeps_existing_annotations_and_fields_and_picks_a_free_name() {
    let signer = TestSigner::shared();
    let pdf = annotated_pdf();
    let signed = sign_pdf(&pdf, signer, &options()).unwrap();
    let blocks = check_signed(&signed, 1);
    assert!(
        blocks[0].contains("Signature Field Name: Signature2"),
        "{}",
        blocks[0]
    );

    let mut doc = Document::open(&signed).unwrap();
    let (_, catalog) = doc.catalog().unwrap();
    let form = catalog.get(b"AcroForm").and_then(Object::as_dict).unwrap();
    assert_eq!(
        form.get(b"Fields").unwrap().to_bytes(),
        b"[11 0 R 12 0 R]".to_vec()
    );
    assert_eq!(
        form.get(b"DA").and_then(Object::as_str),
        Some(&b"/Helv 0 Tf 0 g"[..])
    );
    let (page, dict) = doc.first_page(&catalog).unwrap();
    assert_eq!(page.num, 7, "the first page in document order");
    assert_eq!(
        dict.get(b"Annots").unwrap().to_bytes(),
        b"[10 0 R 11 0 R 12 0 R]".to_vec()
    );
}

#[test]
fn a_second_signature_keeps_the_first_valid() {
    let first_signer = TestSigner::shared();
    let second_signer = TestSigner::generate("head of department");
    for pdf in [minimal_pdf(), xref_stream_pdf(), annotated_pdf()] {
        let once = sign_pdf(&pdf, first_signer, &options()).unwrap();
        let mut later = options();
        later.signing_time = datetime!(2026-05-10 09:00:00 +05:00);
        later.reason = Some("Approved".into());
        let twice = sign_pdf(&once, &second_signer, &later).unwrap();
        assert_eq!(&twice[..once.len()], once.as_slice());
        let blocks = check_signed(&twice, 2);
        assert!(blocks[0].contains("qujat test signer"), "{}", blocks[0]);
        assert!(blocks[1].contains("head of department"), "{}", blocks[1]);
        assert!(
            !blocks[0].contains("Total document signed"),
            "{}",
            blocks[0]
        );
        let mut doc = Document::open(&twice).unwrap();
        let (_, catalog) = doc.catalog().unwrap();
        let form = catalog.get(b"AcroForm").and_then(Object::as_dict).unwrap();
        assert_eq!(form.get(b"SigFlags").and_then(Object::as_int), Some(3));
        let fields = form.get(b"Fields").and_then(Object::as_array).unwrap();
        let mut names = Vec::new();
        for field in fields {
            let field = doc.deref(field).unwrap();
            let t = field
                .as_dict()
                .unwrap()
                .get(b"T")
                .unwrap()
                .as_str()
                .unwrap()
                .to_vec();
            names.push(String::from_utf8(t).unwrap());
        }
        let expected: &[&str] = if pdf == annotated_pdf() {
            &["Signature1", "Signature2", "Signature3"]
        } else {
            &["Signature1", "Signature2"]
        };
        assert_eq!(names, expected);
        // And a third time still parses and verifies.
        let thrice = sign_pdf(&twice, first_signer, &options()).unwrap();
        check_signed(&thrice, 3);
    }
}

#[test]
fn non_ascii_texts_are_utf16_with_bom() {
    let signer = TestSigner::shared();
    let mut opts = options();
    opts.name = Some("Әлия Серікқызы".into());
    opts.reason = Some("Анықтама берілді".into());
    opts.location = Some("Astana".into());
    let signed = sign_pdf(&minimal_pdf(), signer, &opts).unwrap();
    check_signed(&signed, 1);
    let tail = String::from_utf8_lossy(&signed[minimal_pdf().len()..]).into_owned();
    // Ә is U+04D8.
    assert!(tail.contains("/Name <FEFF04D8"), "{tail}");
    assert!(tail.contains("/Reason <FEFF0410"), "{tail}");
    assert!(tail.contains("/Location (Astana)"), "{tail}");
}

#[test]
fn the_signature_must_fit_the_reservation() {
    let signer = TestSigner::shared();
    let mut opts = options();
    opts.contents_size = 200;
    match sign_pdf(&minimal_pdf(), signer, &opts) {
        Err(PdfError::ContentsTooSmall { needed, reserved }) => {
            assert!(needed > 200);
            assert_eq!(reserved, 200);
        }
        other => panic!("expected ContentsTooSmall, got {other:?}"),
    }
    opts.contents_size = 0;
    assert!(matches!(
        sign_pdf(&minimal_pdf(), signer, &opts),
        Err(PdfError::Options(_))
    ));
    // A tight but sufficient reservation works.
    opts.contents_size = 1200;
    let signed = sign_pdf(&minimal_pdf(), signer, &opts).unwrap();
    check_signed(&signed, 1);
}

#[test]
fn signs_the_sample_pdf_when_present() {
    let path = std::env::var("QUJAT_SAMPLE_PDF").unwrap_or_else(|_| "/tmp/qujat-sample.pdf".into());
    let Ok(pdf) = std::fs::read(&path) else {
        eprintln!("{path} not present; skipped");
        return;
    };
    let signer = TestSigner::shared();
    let once = sign_pdf(&pdf, signer, &options()).unwrap();
    assert_eq!(&once[..pdf.len()], pdf.as_slice());
    check_signed(&once, 1);
    let second = TestSigner::generate("sample second signer");
    let twice = sign_pdf(&once, &second, &options()).unwrap();
    check_signed(&twice, 2);
    let doc = Document::open(&pdf).unwrap();
    eprintln!(
        "{path}: {} bytes, xref {}",
        pdf.len(),
        if doc.uses_xref_stream() {
            "stream"
        } else {
            "table"
        }
    );
}

// ---------------------------------------------------------------- malformed input

#[test]
fn truncated_and_corrupted_inputs_are_errors_not_panics() {
    let signer = TestSigner::shared();
    for pdf in [minimal_pdf(), xref_stream_pdf(), annotated_pdf()] {
        for len in 0..pdf.len() {
            // Most truncations lose startxref; none may panic.
            let _ = sign_pdf(&pdf[..len], signer, &options());
        }
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..3000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let mut corrupted = pdf.clone();
            let at = (rng as usize) % corrupted.len();
            corrupted[at] = (rng >> 32) as u8;
            let _ = sign_pdf(&corrupted, signer, &options());
        }
    }
}

/// `haystack` with the one occurrence of `from` replaced by `to`.
fn replace(haystack: &[u8], from: String, to: String) -> Vec<u8> {
    let at = super::parse::find(haystack, from.as_bytes()).expect("pattern present");
    [&haystack[..at], to.as_bytes(), &haystack[at + from.len()..]].concat()
}

fn malformed_at(result: Result<Vec<u8>, PdfError>) -> (usize, String) {
    match result {
        Err(PdfError::Malformed { offset, what }) => (offset, what),
        other => panic!("expected Malformed, got {:?}", other.map(|v| v.len())),
    }
}

#[test]
fn structural_errors_name_the_offset() {
    let signer = TestSigner::shared();
    let pdf = minimal_pdf();

    let no_header = [b"%PDX".as_slice(), &pdf[4..]].concat();
    assert_eq!(malformed_at(sign_pdf(&no_header, signer, &options())).0, 0);

    let no_eof = &pdf[..pdf.len() - 6];
    malformed_at(sign_pdf(no_eof, signer, &options()));

    // startxref pointing into the middle of an object.
    let xref_at = super::parse::rfind(&pdf, b"\nxref").unwrap() + 1;
    let wrong = replace(
        &pdf,
        format!("startxref\n{xref_at}\n"),
        format!("startxref\n{}\n", xref_at - 3),
    );
    let (offset, _) = malformed_at(sign_pdf(&wrong, signer, &options()));
    assert_eq!(offset, xref_at - 3);

    // /Prev pointing at itself.
    let looped = replace(
        &pdf,
        "/Root 1 0 R".into(),
        format!("/Prev {xref_at}/Root 1 0 R"),
    );
    let (_, what) = malformed_at(sign_pdf(&looped, signer, &options()));
    assert!(what.contains("loop"), "{what}");

    // An xref entry that points at the wrong object.
    let obj2 = super::parse::find(&pdf, b"2 0 obj").unwrap();
    let obj3 = super::parse::find(&pdf, b"3 0 obj").unwrap();
    let swapped = replace(
        &pdf,
        format!("{obj2:010} 00000 n"),
        format!("{obj3:010} 00000 n"),
    );
    let (offset, what) = malformed_at(sign_pdf(&swapped, signer, &options()));
    assert_eq!(offset, obj3);
    assert!(what.contains("points at object 3 0"), "{what}");

    // A page tree node that is not a page tree node.
    let mut objects = minimal_objects();
    objects[0] = b"<</Type/Catalog/Pages 5 0 R>>".to_vec();
    let (_, what) = malformed_at(sign_pdf(&classic_pdf(&objects, ""), signer, &options()));
    assert!(what.contains("neither /Page nor /Pages"), "{what}");

    // A page tree with a cycle.
    let mut objects = minimal_objects();
    objects[1] = b"<</Type/Pages/Kids[2 0 R]/Count 1>>".to_vec();
    let (_, what) = malformed_at(sign_pdf(&classic_pdf(&objects, ""), signer, &options()));
    assert!(what.contains("cycle"), "{what}");

    // Encryption is refused.
    let encrypted = classic_pdf(&minimal_objects(), "/Encrypt 5 0 R");
    assert!(matches!(
        sign_pdf(&encrypted, signer, &options()),
        Err(PdfError::Unsupported(_))
    ));
}

#[test]
fn stream_errors_are_reported() {
    let signer = TestSigner::shared();
    let pdf = xref_stream_pdf();
    let tiff = replace(&pdf, "/Predictor 12".into(), "/Predictor 2 ".into());
    assert!(matches!(
        sign_pdf(&tiff, signer, &options()),
        Err(PdfError::Unsupported(what)) if what == "predictor 2"
    ));
    let objstm_at = super::parse::find(&pdf, b"6 0 obj").unwrap();
    let wrong_count = replace(&pdf, "/N 4".into(), "/N 9".into());
    let (offset, what) = malformed_at(sign_pdf(&wrong_count, signer, &options()));
    assert_eq!(offset, objstm_at);
    assert!(what.starts_with("object stream 6, decoded byte"), "{what}");
    let not_objstm = replace(&pdf, "/Type/ObjStm".into(), "/Type/ObjStX".into());
    let (offset, _) = malformed_at(sign_pdf(&not_objstm, signer, &options()));
    assert_eq!(offset, objstm_at);
    let not_flate = replace(
        &pdf,
        "/Filter/FlateDecode/DecodeParms".into(),
        "/Filter/LZWDecode  /DecodeParms".into(),
    );
    assert!(matches!(
        sign_pdf(&not_flate, signer, &options()),
        Err(PdfError::Unsupported(what)) if what == "stream filter /LZWDecode"
    ));
}

#[test]
fn nesting_is_limited_to_64() {
    let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
    assert!(Lexer::new(deep(64).as_bytes(), 0).parse_object().is_ok());
    let err = Lexer::new(deep(65).as_bytes(), 0)
        .parse_object()
        .unwrap_err();
    assert!(
        matches!(err, PdfError::Malformed { offset: 64, .. }),
        "{err}"
    );
    let very_deep = format!("{}1", "<</A ".repeat(100_000));
    assert!(Lexer::new(very_deep.as_bytes(), 0).parse_object().is_err());

    // The page tree too.
    let signer = TestSigner::shared();
    let mut objects = vec![b"<</Type/Catalog/Pages 2 0 R>>".to_vec()];
    for i in 0..70 {
        let num = i + 2;
        objects.push(format!("<</Type/Pages/Kids[{} 0 R]/Count 1>>", num + 1).into_bytes());
    }
    objects.push(b"<</Type/Page/MediaBox[0 0 10 10]>>".to_vec());
    let (_, what) = malformed_at(sign_pdf(&classic_pdf(&objects, ""), signer, &options()));
    assert!(what.contains("deeper than 64"), "{what}");
}

// ---------------------------------------------------------------- lexer

fn parse(text: &[u8]) -> Object {
    Lexer::new(text, 0).parse_object().unwrap()
}

#[test]
fn lexer_reads_every_object_kind() {
    assert_eq!(parse(b"  % comment\n null"), Object::Null);
    assert_eq!(parse(b"true"), Object::Bool(true));
    assert_eq!(parse(b"-17"), Object::Int(-17));
    assert_eq!(parse(b"+4"), Object::Int(4));
    assert_eq!(parse(b"-.5"), Object::Real(b"-.5".to_vec()));
    assert_eq!(
        parse(b"12 0 R"),
        Object::Ref(Ref {
            num: 12,
            generation: 0
        })
    );
    assert_eq!(
        parse(b"[1 2 0 R 4]"),
        Object::Array(vec![
            Object::Int(1),
            Object::Ref(Ref {
                num: 2,
                generation: 0
            }),
            Object::Int(4)
        ])
    );
    assert_eq!(parse(b"/A#20B"), Object::Name(b"A B".to_vec()));
    assert_eq!(parse(b"/"), Object::Name(Vec::new()));
    assert_eq!(
        parse(b"(a(b)c\\)\\n\\101\\0537\\\r\nx\ry)"),
        Object::Str(b"a(b)c)\nA+7x\ny".to_vec())
    );
    assert_eq!(parse(b"<48 65 6c6C 6>"), Object::Str(b"Hell`".to_vec()));
    let dict = parse(b"<</Type/Page/Kids[1 0 R]/Sub<</X(1)>>/N null>>");
    let Object::Dict(dict) = dict else { panic!() };
    assert_eq!(dict.type_name(), Some(&b"Page"[..]));
    assert_eq!(dict.get(b"N"), Some(&Object::Null));
    assert_eq!(
        Object::Dict(dict).to_bytes(),
        b"<</Type /Page/Kids [1 0 R]/Sub <</X (1)>>/N null>>".to_vec()
    );
}

#[test]
fn lexer_rejects_malformed_tokens_with_offsets() {
    let cases: &[(&[u8], usize)] = &[
        (b"(unterminated", 0),
        (b"  <4G>", 4),
        (b"/A#4", 2),
        (b"<</A 1 /A 2>>", 7),
        (b"<<1 2>>", 2),
        (b"[1 2", 0),
        (b"1.2.3", 0),
        (b"--1", 0),
        (b"foo", 0),
        (b")", 0),
        (b"", 0),
        (b"99999999999999999999", 0),
    ];
    for (text, offset) in cases {
        match Lexer::new(text, 0).parse_object() {
            Err(PdfError::Malformed { offset: got, .. }) => {
                assert_eq!(got, *offset, "{}", String::from_utf8_lossy(text))
            }
            other => panic!("{}: {other:?}", String::from_utf8_lossy(text)),
        }
    }
}

#[test]
fn strings_round_trip_through_the_writer() {
    for bytes in [
        &b"plain"[..],
        b"(paren) \\ back",
        b"line\r\nend",
        b"\xfe\xff\x04\xd8",
        b"",
    ] {
        let text = Object::Str(bytes.to_vec()).to_bytes();
        assert_eq!(parse(&text), Object::Str(bytes.to_vec()));
    }
    let name = Object::Name(b"A B#/(x)".to_vec()).to_bytes();
    assert_eq!(name, b"/A#20B#23#2F#28x#29".to_vec());
    assert_eq!(parse(&name), Object::Name(b"A B#/(x)".to_vec()));
    let mut d = Dict::default();
    d.set(b"K", Object::Real(b"1.50".to_vec()));
    assert_eq!(Object::Dict(d).to_bytes(), b"<</K 1.50>>".to_vec());
}
