//! Rendering, end to end through the CLI: every example in every language, checked in the
//! text poppler extracts from the PDF, plus the input-error contract.

mod common;

use common::*;
use serde_json::Value;

const MONTHS_RU: [&str; 12] = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
];
const MONTHS_KK: [&str; 12] = [
    "қаңтар",
    "ақпан",
    "наурыз",
    "сәуір",
    "мамыр",
    "маусым",
    "шілде",
    "тамыз",
    "қыркүйек",
    "қазан",
    "қараша",
    "желтоқсан",
];
const FOOTER_KK: &str = "қағаз тасығыштағы құжатпен бірдей";
const FOOTER_RU: &str = "равнозначен документу на бумажном носителе";

/// The first object in the payload that has an `iin`, else the applicant.
fn main_person(v: &Value) -> (String, Option<String>) {
    fn find(v: &Value) -> Option<&Value> {
        match v {
            Value::Object(m) if m.contains_key("iin") && m.contains_key("surname") => Some(v),
            Value::Object(m) => m.values().find_map(find),
            Value::Array(a) => a.iter().find_map(find),
            _ => None,
        }
    }
    let p = find(v)
        .or_else(|| v.get("applicant"))
        .expect("payload names a person");
    (
        p["surname"].as_str().unwrap().to_owned(),
        p.get("iin").and_then(|i| i.as_str()).map(str::to_owned),
    )
}

/// The issue date as written independently here: in words ("2 марта 2026" / "2026 жылғы 2
/// наурыз") and numerically ("02.03.2026", as orders print their own date).
fn date_words(v: &Value) -> (String, String, String) {
    let issued = v["document"]["issued_at"].as_str().unwrap();
    let year: u32 = issued[0..4].parse().unwrap();
    let month: usize = issued[5..7].parse().unwrap();
    let day: u32 = issued[8..10].parse().unwrap();
    (
        format!("{day} {} {year}", MONTHS_RU[month - 1]),
        format!("{year} жылғы {day} {}", MONTHS_KK[month - 1]),
        format!("{day:02}.{month:02}.{year}"),
    )
}

#[test]
fn every_example_renders_in_every_language_with_its_facts() {
    let dir = temp_dir("render-all");
    let examples = examples();
    assert!(
        examples.len() >= 9,
        "one example per kind, found {}",
        examples.len()
    );
    for (name, path) in &examples {
        let payload: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let (surname, iin) = main_person(&payload);
        let (date_ru, date_kk, date_numeric) = date_words(&payload);
        for lang in ["kk", "ru", "kk+ru"] {
            let out = dir.join(format!("{name}.{lang}.pdf"));
            let o = run(
                &[
                    "render",
                    path.to_str().unwrap(),
                    "--lang",
                    lang,
                    "-o",
                    out.to_str().unwrap(),
                ],
                None,
            );
            assert!(
                o.status.success(),
                "{name} {lang}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            let text = pdf_text(&out);
            let ctx = format!("{name} [{lang}]: {text}");
            assert!(
                text.contains(&surname),
                "surname {surname} missing in {ctx}"
            );
            if let Some(iin) = &iin {
                assert!(text.contains(iin.as_str()), "IIN {iin} missing in {ctx}");
            }
            if lang.contains("ru") {
                assert!(
                    text.contains(&date_ru) || text.contains(&date_numeric),
                    "ru date `{date_ru}` missing in {ctx}"
                );
                assert!(text.contains(FOOTER_RU), "ru footer missing in {ctx}");
            }
            if lang.contains("kk") {
                assert!(
                    text.contains(&date_kk) || text.contains(&date_numeric),
                    "kk date `{date_kk}` missing in {ctx}"
                );
                assert!(text.contains(FOOTER_KK), "kk footer missing in {ctx}");
            }
            if lang == "kk" {
                assert!(
                    !text.contains(FOOTER_RU),
                    "ru footer in a kk-only document: {name}"
                );
            }
            if lang == "ru" {
                assert!(
                    !text.contains(FOOTER_KK),
                    "kk footer in a ru-only document: {name}"
                );
            }
        }
    }
}

#[test]
fn every_font_is_embedded_and_kazakh_letters_survive() {
    let dir = temp_dir("fonts");
    let out = dir.join("doc.pdf");
    let sample = root().join("examples/refusal_receipt.json");
    let o = run(
        &[
            "render",
            sample.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fonts = std::process::Command::new("pdffonts")
        .arg(&out)
        .output()
        .expect("pdffonts");
    let listing = String::from_utf8_lossy(&fonts.stdout);
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts listed: {listing}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type encoding emb sub uni object ID: `emb` is the 4th from the end but 2.
        let emb = cols[cols.len() - 5];
        assert_eq!(emb, "yes", "font not embedded: {row}");
    }
    let text = pdf_text(&out);
    for word in [
        "Жұмабекова",
        "Әсел",
        "Қайратқызы",
        "Серікбаев",
        "құжаттардың",
        "Нұрланова",
    ] {
        assert!(text.contains(word), "{word} lost in {text}");
    }
}

#[test]
fn tenge_sign_renders() {
    // PDF/A export refuses missing glyphs, so a rendered ₸ proves the font has it.
    let dir = temp_dir("tenge");
    let mut payload: Value = serde_json::from_slice(
        &std::fs::read(root().join("examples/refusal_receipt.json")).unwrap(),
    )
    .unwrap();
    payload["missing_documents"][0]["ru"] = "квитанция об оплате 1 250 ₸".into();
    let input = dir.join("t.json");
    std::fs::write(&input, serde_json::to_vec(&payload).unwrap()).unwrap();
    let out = dir.join("t.pdf");
    let o = run(
        &[
            "render",
            input.to_str().unwrap(),
            "--lang",
            "ru",
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(pdf_text(&out).contains("1 250 ₸"));
}

#[test]
fn same_payload_gives_identical_bytes() {
    let sample = root().join("examples/refusal_receipt.json");
    let a = run(&["render", sample.to_str().unwrap(), "-o", "-"], None);
    let b = run(&["render", sample.to_str().unwrap(), "-o", "-"], None);
    assert!(a.status.success() && b.status.success());
    assert!(a.stdout.starts_with(b"%PDF-"));
    assert_eq!(a.stdout, b.stdout, "rendering is not reproducible");
}

#[test]
fn stdin_to_stdout() {
    let json = std::fs::read(root().join("examples/refusal_receipt.json")).unwrap();
    let o = run(&["render", "-", "--lang", "ru"], Some(&json));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.starts_with(b"%PDF-"));
}

#[test]
fn typst_markup_in_data_renders_literally() {
    let dir = temp_dir("injection");
    let mut payload: Value = serde_json::from_slice(
        &std::fs::read(root().join("examples/refusal_receipt.json")).unwrap(),
    )
    .unwrap();
    let evil = [
        r#"#panic("x")"#,
        r#"#read("/etc/passwd")"#,
        "]*bold* _x_ $y$ `z` @ref <lbl> \\ // c",
        "#{ import \"/templates/lib/layout.typ\": * }",
    ];
    for (i, s) in evil.iter().enumerate() {
        payload["missing_documents"][0]["ru"] = (*s).into();
        payload["applicant"]["surname"] = format!("Ахметов{i}]*").into();
        let input = dir.join(format!("evil{i}.json"));
        std::fs::write(&input, serde_json::to_vec(&payload).unwrap()).unwrap();
        let out = dir.join(format!("evil{i}.pdf"));
        let o = run(
            &[
                "render",
                input.to_str().unwrap(),
                "--lang",
                "ru",
                "-o",
                out.to_str().unwrap(),
            ],
            None,
        );
        assert!(
            o.status.success(),
            "{s}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let text = pdf_text(&out);
        let collapsed: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains(&collapsed), "`{s}` not literal in: {text}");
        assert!(
            text.contains(&format!("Ахметов{i}]*")),
            "surname not literal: {text}"
        );
        assert!(!text.contains("root:x:0"), "file content leaked");
    }
}

fn expect_input_error(args: &[&str], stdin: Option<&[u8]>, needle: &str, out: &std::path::Path) {
    let o = run(args, stdin);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{args:?}: expected exit 2, stderr: {err}"
    );
    assert!(err.contains(needle), "{args:?}: `{needle}` not in: {err}");
    assert!(!out.exists(), "{args:?}: output written despite the error");
}

#[test]
fn bad_input_exits_2_naming_the_problem_and_writes_nothing() {
    let dir = temp_dir("bad-input");
    let base: Value = serde_json::from_slice(
        &std::fs::read(root().join("examples/externship_order.json")).unwrap(),
    )
    .unwrap();
    let out = dir.join("never.pdf");
    let out_s = out.to_str().unwrap();
    let write = |name: &str, v: &Value| {
        let p = dir.join(name);
        std::fs::write(&p, serde_json::to_vec(v).unwrap()).unwrap();
        p
    };

    // A bad IIN check digit, at its JSON path.
    let mut v = base.clone();
    let iin = v["order"]["pupil"]["iin"].as_str().unwrap().to_owned();
    let last = (iin.as_bytes()[11] - b'0' + 1) % 10;
    v["order"]["pupil"]["iin"] = format!("{}{last}", &iin[..11]).into();
    let p = write("bad-iin.json", &v);
    expect_input_error(
        &["render", p.to_str().unwrap(), "-o", out_s],
        None,
        "$.order.pupil.iin: check digit does not match",
        &out,
    );

    // A missing field.
    let mut v = base.clone();
    v["order"]["pupil"]
        .as_object_mut()
        .unwrap()
        .remove("surname");
    let p = write("missing.json", &v);
    expect_input_error(
        &["render", p.to_str().unwrap(), "-o", out_s],
        None,
        "missing field `surname`",
        &out,
    );
    expect_input_error(
        &["render", p.to_str().unwrap(), "-o", out_s],
        None,
        "$.order.pupil",
        &out,
    );

    // An unknown field (typos never silently drop data).
    let mut v = base.clone();
    v["order"]["pupil"]["surnmae"] = "x".into();
    let p = write("unknown-field.json", &v);
    expect_input_error(
        &["render", p.to_str().unwrap(), "-o", out_s],
        None,
        "surnmae",
        &out,
    );

    // An unknown kind.
    let mut v = base.clone();
    v["kind"] = "diploma".into();
    let p = write("kind.json", &v);
    expect_input_error(
        &["render", p.to_str().unwrap(), "-o", out_s],
        None,
        "$.kind: unknown kind `diploma`",
        &out,
    );

    // Malformed JSON, with its position.
    let p = dir.join("malformed.json");
    std::fs::write(&p, b"{\"kind\": \"refusal_receipt\",\n  \"lang\": }").unwrap();
    expect_input_error(
        &["render", p.to_str().unwrap(), "-o", out_s],
        None,
        "malformed JSON at line 2",
        &out,
    );

    // Too long a string, an empty list, a bad language.
    let mut v = base.clone();
    v["order"]["pupil"]["given_name"] = "А".repeat(201).into();
    let p = write("long.json", &v);
    expect_input_error(
        &["render", p.to_str().unwrap(), "-o", out_s],
        None,
        "$.order.pupil.given_name: at most 200 characters",
        &out,
    );
    expect_input_error(
        &["render", p.to_str().unwrap(), "--lang", "en", "-o", out_s],
        None,
        "--lang",
        &out,
    );
    expect_input_error(
        &[
            "render",
            dir.join("absent.json").to_str().unwrap(),
            "-o",
            out_s,
        ],
        None,
        "absent.json",
        &out,
    );
}

#[test]
fn kinds_schema_and_examples_agree() {
    let kinds = run(&["kinds"], None);
    assert!(kinds.status.success());
    let kinds = String::from_utf8(kinds.stdout).unwrap();
    let names: Vec<&str> = kinds.lines().collect();
    assert_eq!(names.len(), 9, "{names:?}");
    for kind in names {
        let schema = run(&["schema", kind], None);
        assert!(schema.status.success());
        let schema: Value = serde_json::from_slice(&schema.stdout).unwrap();
        assert_eq!(schema["properties"]["kind"]["const"], kind);
        let example = run(&["example", kind, "--lang", "ru"], None);
        assert!(example.status.success());
        let v: Value = serde_json::from_slice(&example.stdout).unwrap();
        assert_eq!(v["kind"], kind);
        assert_eq!(v["lang"], "ru");
        // The printed example renders.
        let o = run(&["render", "-", "-o", "-"], Some(&example.stdout));
        assert!(
            o.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let file = root().join("examples").join(format!("{kind}.json"));
        assert!(file.exists(), "examples/{kind}.json missing");
    }
    let o = run(&["schema", "diploma"], None);
    assert_eq!(o.status.code(), Some(2));
}
