//! The public verification page in kk, ru and en: `GET /verify/{code}` (the QR target) and
//! the upload form at `/verify`. Personal data appears masked only.

use std::fmt::Write;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::{AppState, MAX_UPLOAD};
use crate::journal::{JournalFacet, JournalStatus, is_verification_code};
use crate::verify::{Indication, Report};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    Kk,
    Ru,
    En,
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// `?lang=`, else the first of kk/ru/en in Accept-Language, else kk.
    fn choose(query: Option<&str>, headers: &HeaderMap) -> Lang {
        let parse = |s: &str| match s.trim().get(..2) {
            Some("kk") => Some(Lang::Kk),
            Some("ru") => Some(Lang::Ru),
            Some("en") => Some(Lang::En),
            _ => None,
        };
        query
            .and_then(parse)
            .or_else(|| {
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split(',').find_map(parse))
            })
            .unwrap_or(Lang::Kk)
    }
}

/// The page's fixed wording.
struct Words {
    title: &'static str,
    valid: &'static str,
    invalid: &'static str,
    indeterminate: &'static str,
    annulled: &'static str,
    kind: &'static str,
    number: &'static str,
    issued: &'static str,
    organisation: &'static str,
    signer: &'static str,
    status: &'static str,
    status_valid: &'static str,
    status_annulled: &'static str,
    status_unknown: &'static str,
    status_modified: &'static str,
    subject: &'static str,
    reason: &'static str,
    not_found: &'static str,
    upload: &'static str,
    upload_hint: &'static str,
    check: &'static str,
    bad_file: &'static str,
}

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::Kk => &Words {
            title: "Құжатты тексеру",
            valid: "Құжат түпнұсқа және жарамды",
            invalid: "Құжат жарамсыз",
            indeterminate: "Құжатты толық тексеру мүмкін болмады",
            annulled: "Құжаттың күші жойылған",
            kind: "Құжат түрі",
            number: "Тіркеу нөмірі",
            issued: "Берілген күні",
            organisation: "Ұйым",
            signer: "Қол қойған",
            status: "Мәртебесі",
            status_valid: "жарамды",
            status_annulled: "күші жойылған",
            status_unknown: "тізілімде жоқ",
            status_modified: "тізілімдегі құжатқа сәйкес емес",
            subject: "Алушы",
            reason: "Себебі",
            not_found: "Мұндай құжат табылмады. Сілтемені тексеріңіз.",
            upload: "Қол қойылған PDF файлды тексеру",
            upload_hint: "Алған PDF құжатты таңдаңыз:",
            check: "Тексеру",
            bad_file: "Файл қол қойылған PDF құжат емес",
        },
        Lang::Ru => &Words {
            title: "Проверка документа",
            valid: "Документ подлинный и действителен",
            invalid: "Документ недействителен",
            indeterminate: "Проверку документа завершить не удалось",
            annulled: "Документ аннулирован",
            kind: "Вид документа",
            number: "Регистрационный номер",
            issued: "Дата выдачи",
            organisation: "Организация",
            signer: "Подписал",
            status: "Статус",
            status_valid: "действителен",
            status_annulled: "аннулирован",
            status_unknown: "не зарегистрирован",
            status_modified: "не совпадает с зарегистрированным",
            subject: "Получатель",
            reason: "Причина",
            not_found: "Документ не найден. Проверьте ссылку.",
            upload: "Проверка подписанного PDF-файла",
            upload_hint: "Выберите полученный PDF-документ:",
            check: "Проверить",
            bad_file: "Файл не является подписанным PDF-документом",
        },
        Lang::En => &Words {
            title: "Document verification",
            valid: "The document is authentic and valid",
            invalid: "The document is not valid",
            indeterminate: "The document could not be fully verified",
            annulled: "The document has been annulled",
            kind: "Document",
            number: "Registration number",
            issued: "Date of issue",
            organisation: "Organisation",
            signer: "Signed by",
            status: "Status",
            status_valid: "valid",
            status_annulled: "annulled",
            status_unknown: "not registered",
            status_modified: "differs from the registered document",
            subject: "Issued to",
            reason: "Reason",
            not_found: "No such document. Please check the link.",
            upload: "Verify a signed PDF file",
            upload_hint: "Choose the PDF document you received:",
            check: "Verify",
            bad_file: "The file is not a signed PDF document",
        },
    }
}

fn kind_name(kind: &str, lang: Lang) -> &str {
    let names: [&str; 3] = match kind {
        "externship_order" => [
            "Экстернат туралы бұйрық",
            "Приказ об экстернате",
            "Externship order",
        ],
        "externship_extract" => [
            "Бұйрықтан үзінді",
            "Выписка из приказа",
            "Extract from an order",
        ],
        "duplicate_certificate" => ["Телнұсқа", "Дубликат", "Duplicate certificate"],
        "pmpc_conclusion" => ["ПМПК қорытындысы", "Заключение ПМПК", "PMPC conclusion"],
        "pmpc_recommendation" => ["ПМПК ұсынымы", "Рекомендация ПМПК", "PMPC recommendation"],
        "refusal_receipt" => [
            "Бас тарту туралы қолхат",
            "Расписка об отказе",
            "Refusal receipt",
        ],
        "acceptance_receipt" => [
            "Құжаттарды қабылдау туралы қолхат",
            "Расписка о приёме документов",
            "Acceptance receipt",
        ],
        "preschool_queue_receipt" => [
            "Кезекке қою туралы хабарлама",
            "Уведомление о постановке в очередь",
            "Preschool queue receipt",
        ],
        "tvet_incomplete_education" => [
            "Анықтама (ТжКБ)",
            "Справка (ТиПО)",
            "TVET certificate of incomplete education",
        ],
        _ => return "",
    };
    match lang {
        Lang::Kk => names[0],
        Lang::Ru => names[1],
        Lang::En => names[2],
    }
}

/// HTML-escapes text.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(lang: Lang, status: StatusCode, self_path: &str, body: &str) -> Response {
    let w = words(lang);
    let switch: String = [Lang::Kk, Lang::Ru, Lang::En]
        .iter()
        .map(|l| {
            if *l == lang {
                format!("<b>{}</b>", l.code())
            } else {
                format!(
                    "<a href=\"{}?lang={}\">{}</a>",
                    esc(self_path),
                    l.code(),
                    l.code()
                )
            }
        })
        .collect::<Vec<_>>()
        .join(" · ");
    let html = format!(
        "<!doctype html><html lang=\"{code}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} — qujat</title><style>\
body{{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#222}}\
.verdict{{padding:1rem;border-radius:.5rem;font-size:1.25rem;font-weight:600}}\
.TOTAL_PASSED{{background:#e3f5e1;color:#1b5e20}}.TOTAL_FAILED,.ANNULLED{{background:#fde2e1;color:#b71c1c}}\
.INDETERMINATE{{background:#fff4d6;color:#7a5300}}\
table{{border-collapse:collapse;margin:1rem 0;width:100%}}th,td{{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}}\
th{{width:40%;font-weight:500;color:#555}}nav{{float:right}}</style></head><body>\
<nav>{switch}</nav><h1>{title}</h1>{body}</body></html>",
        code = lang.code(),
        title = esc(w.title),
    );
    let mut response = (status, Html(html)).into_response();
    // The page shows personal data (masked) and must not be cached by intermediaries.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// The verdict block and the details table of a verification.
fn report_html(report: &Report, lang: Lang) -> String {
    let w = words(lang);
    let journal = report.journal.as_ref();
    let annulled = journal.is_some_and(|j| j.status == JournalStatus::Annulled);
    let (class, text) = if annulled {
        ("ANNULLED", w.annulled)
    } else {
        match report.indication {
            Indication::TotalPassed => ("TOTAL_PASSED", w.valid),
            Indication::TotalFailed => ("TOTAL_FAILED", w.invalid),
            Indication::Indeterminate => ("INDETERMINATE", w.indeterminate),
        }
    };
    let indication = serde_json::to_value(report.indication)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut html = format!(
        "<div id=\"verdict\" class=\"verdict {class}\" data-indication=\"{indication}\" \
         data-status=\"{status}\">{text}</div><table>",
        status = journal.map(|j| status_code(j.status)).unwrap_or("none"),
        text = esc(text),
    );
    let mut row = |id: &str, label: &str, value: &str| {
        if !value.is_empty() {
            let _ = write!(
                html,
                "<tr><th>{}</th><td id=\"{id}\">{}</td></tr>",
                esc(label),
                esc(value)
            );
        }
    };
    if let Some(j) = journal {
        row(
            "kind",
            w.kind,
            kind_name(j.kind.as_deref().unwrap_or(""), lang),
        );
        row(
            "number",
            w.number,
            j.registration_number.as_deref().unwrap_or(""),
        );
        let issued = j
            .issued_at
            .map(|t| crate::lang::dates::numeric_date(t.date()))
            .unwrap_or_default();
        row("issued", w.issued, &issued);
    }
    let signer = report.signatures.first().and_then(|s| s.signer.as_ref());
    if let Some(s) = signer {
        let org = match (&s.organisation, &s.bin) {
            (Some(o), Some(b)) => format!("{o} (БИН/BIN {b})"),
            (Some(o), None) => o.clone(),
            (None, Some(b)) => format!("БИН/BIN {b}"),
            (None, None) => String::new(),
        };
        row("organisation", w.organisation, &org);
        let position = match lang {
            Lang::Kk => s.position_kk.as_deref(),
            _ => s.position_ru.as_deref(),
        };
        let name = s.full_name();
        let name = if name.is_empty() {
            s.common_name.clone()
        } else {
            name
        };
        let signer_text = match position {
            Some(p) => format!("{name}, {p}"),
            None => name,
        };
        row("signer", w.signer, &signer_text);
    }
    if let Some(j) = journal {
        let status = match j.status {
            JournalStatus::Registered => w.status_valid.to_owned(),
            JournalStatus::Annulled => {
                let date = j
                    .annulled_at
                    .map(|t| crate::lang::dates::numeric_date(t.date()))
                    .unwrap_or_default();
                format!("{} {date}", w.status_annulled)
            }
            JournalStatus::NotRegistered => w.status_unknown.to_owned(),
            JournalStatus::Modified => w.status_modified.to_owned(),
        };
        row("status", w.status, &status);
        row("reason", w.reason, j.annul_reason.as_deref().unwrap_or(""));
        if let Some(subject) = &j.subject {
            let text = match &subject.iin {
                Some(iin) => format!("{}, ЖСН/ИИН/IIN {iin}", subject.name),
                None => subject.name.clone(),
            };
            row("subject", w.subject, &text);
        }
    }
    html.push_str("</table>");
    if let Some(sig) = report.signatures.first() {
        let message = serde_json::to_value(&sig.message)
            .ok()
            .and_then(|m| {
                m.get(lang.code())
                    .and_then(|t| t.as_str())
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let _ = write!(html, "<p id=\"message\">{}</p>", esc(&message));
    }
    html
}

fn status_code(status: JournalStatus) -> &'static str {
    match status {
        JournalStatus::Registered => "registered",
        JournalStatus::Annulled => "annulled",
        JournalStatus::Modified => "modified",
        JournalStatus::NotRegistered => "not_registered",
    }
}

fn upload_form_html(lang: Lang) -> String {
    let w = words(lang);
    format!(
        "<h2>{}</h2><form method=\"post\" action=\"/verify?lang={}\" enctype=\"multipart/form-data\">\
         <p><label for=\"file\">{}</label></p><p><input id=\"file\" type=\"file\" name=\"file\" \
         accept=\"application/pdf,.pdf\" required></p><p><button id=\"check\" type=\"submit\">{}</button></p></form>",
        esc(w.upload),
        lang.code(),
        esc(w.upload_hint),
        esc(w.check)
    )
}

#[derive(Deserialize)]
pub(super) struct LangQuery {
    lang: Option<String>,
}

pub(super) async fn by_code(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::choose(query.lang.as_deref(), &headers);
    let self_path = format!("/verify/{code}");
    let not_found = || {
        page(
            lang,
            StatusCode::NOT_FOUND,
            &self_path,
            &format!(
                "<div id=\"verdict\" class=\"verdict TOTAL_FAILED\" data-indication=\"NOT_FOUND\">{}</div>{}",
                esc(words(lang).not_found),
                upload_form_html(lang)
            ),
        )
    };
    if !is_verification_code(&code) {
        return not_found();
    }
    let journal = state.registrar.journal();
    let record = match journal.by_code(&code).await {
        Ok(Some(record)) => record,
        Ok(None) => return not_found(),
        Err(e) => return super::Problem::from(e).into_response(),
    };
    let pdf = match journal.pdf(&record.id).await {
        Ok(Some(pdf)) => pdf,
        Ok(None) => return not_found(),
        Err(e) => return super::Problem::from(e).into_response(),
    };
    match state
        .registrar
        .verify(pdf, crate::verify::Options::now())
        .await
    {
        Ok(mut report) => {
            // The stored file is the registered one by construction; say so even if the
            // report has no id (it always has, for documents qujat issued).
            if report.journal.is_none() {
                report.apply_journal(JournalFacet::from_record(&record, true));
            }
            page(
                lang,
                StatusCode::OK,
                &self_path,
                &report_html(&report, lang),
            )
        }
        Err(e) => super::Problem::from(e).into_response(),
    }
}

pub(super) async fn upload_form(Query(query): Query<LangQuery>, headers: HeaderMap) -> Response {
    let lang = Lang::choose(query.lang.as_deref(), &headers);
    page(lang, StatusCode::OK, "/verify", &upload_form_html(lang))
}

pub(super) async fn upload_result(
    State(state): State<AppState>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let lang = Lang::choose(query.lang.as_deref(), &headers);
    let w = words(lang);
    let bad = |status: StatusCode, detail: &str| {
        page(
            lang,
            status,
            "/verify",
            &format!(
                "<div id=\"verdict\" class=\"verdict TOTAL_FAILED\" data-indication=\"BAD_INPUT\">{}</div><p>{}</p>{}",
                esc(w.bad_file),
                esc(detail),
                upload_form_html(lang)
            ),
        )
    };
    let Ok(mut multipart) = multipart else {
        return bad(
            StatusCode::BAD_REQUEST,
            "multipart/form-data with a `file` field expected",
        );
    };
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => match field.bytes().await {
                Ok(bytes) => {
                    file = Some(bytes);
                    break;
                }
                Err(e) => return bad(e.status(), &e.body_text()),
            },
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(e) => return bad(e.status(), &e.body_text()),
        }
    }
    let Some(file) = file.filter(|f| !f.is_empty()) else {
        return bad(StatusCode::BAD_REQUEST, "no file was uploaded");
    };
    if file.len() > MAX_UPLOAD {
        return bad(StatusCode::PAYLOAD_TOO_LARGE, "the file is too large");
    }
    match state
        .registrar
        .verify(file.to_vec(), crate::verify::Options::now())
        .await
    {
        Ok(report) => page(
            lang,
            StatusCode::OK,
            "/verify",
            &format!("{}{}", report_html(&report, lang), upload_form_html(lang)),
        ),
        Err(e) => bad(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}
