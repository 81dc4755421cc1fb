//! The view model: the JSON a template reads at `/data.json`.
//!
//! `doc` is the payload as validated; `fmt.<lang>` holds what Rust computes per language
//! (dates and numbers in words, names, deadlines). Wording stays in the templates' labels.

use serde_json::{Map, Value, json};

use crate::calendar::Calendar;
use crate::lang::{Lang, dates};
use crate::model::{Document, FormatContext, LangSet};

use super::SignatureStamp;

/// `qujat`, `kind=…`, `issuer_bin=…`, `id=…`: what a verifier needs to judge authorization.
pub fn document_keywords(doc: &Document) -> Vec<String> {
    let head = doc.head();
    vec![
        "qujat".to_owned(),
        format!("kind={}", doc.kind()),
        format!("issuer_bin={}", head.issuer().bin),
        format!("id={}", head.document().id),
    ]
}

pub fn data_json(
    doc: &Document,
    langs: LangSet,
    verification_url: &str,
    cal: &Calendar,
    signature: Option<&SignatureStamp>,
) -> Vec<u8> {
    let cx = FormatContext { calendar: cal };
    let mut fmt = Map::new();
    for &lang in langs.langs() {
        let mut m = common(doc, lang);
        m.extend(doc.formatted(lang, &cx));
        fmt.insert(lang.code().to_owned(), Value::Object(m));
    }
    let langs_json: Vec<&str> = langs.langs().iter().map(|l| l.code()).collect();
    let view = json!({
        "kind": doc.kind(),
        "langs": langs_json,
        "doc": doc.to_json(),
        "fmt": fmt,
        "verification_url": verification_url,
        "has_barcode": doc.barcode().is_some(),
        "signature": signature,
        // Read back by the verifier (PDF /Keywords) to learn what it is checking.
        "keywords": document_keywords(doc),
    });
    serde_json::to_vec(&view).unwrap_or_default()
}

/// Strings every template uses: the issuer in this language, the issue date, the signer.
fn common(doc: &Document, lang: Lang) -> Map<String, Value> {
    let head = doc.head();
    let meta = head.document();
    let issuer = head.issuer();
    let signer = head.signer();
    let issued = meta.issued_at;
    let (issuer_name, city, address) = match lang {
        Lang::Kk => (&issuer.name_kk, &issuer.city_kk, &issuer.address_kk),
        Lang::Ru => (&issuer.name_ru, &issuer.city_ru, &issuer.address_ru),
    };
    let name = signer.name();
    let mut m = Map::new();
    m.insert("issuer_name".into(), issuer_name.clone().into());
    m.insert("issuer_city".into(), city.clone().into());
    m.insert(
        "issuer_address".into(),
        address.clone().map_or(Value::Null, Value::String),
    );
    m.insert(
        "issued_long".into(),
        dates::long_date(issued.date(), lang).into(),
    );
    m.insert(
        "issued_act".into(),
        dates::act_date(issued.date(), lang).into(),
    );
    m.insert(
        "issued_event".into(),
        dates::event_date(issued.date(), lang).into(),
    );
    m.insert(
        "issued_numeric".into(),
        dates::numeric_date(issued.date()).into(),
    );
    m.insert(
        "issued_time".into(),
        format!("{:02}:{:02}", issued.hour(), issued.minute()).into(),
    );
    m.insert("signer_full".into(), name.full().into());
    m.insert("signer_upper".into(), name.upper_full().into());
    m.insert("signer_short".into(), name.initials_surname().into());
    m.insert(
        "signer_position".into(),
        match lang {
            Lang::Kk => signer.position_kk.clone(),
            Lang::Ru => signer.position_ru.clone(),
        }
        .into(),
    );
    m
}
