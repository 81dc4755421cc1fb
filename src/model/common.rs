//! Parts shared by every document kind: document metadata, organisations, people.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::validate::{Checker, Validate, limits};
use crate::lang::Lang;
use crate::lang::names::PersonName;

/// Which language(s) a document is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum LangSet {
    #[serde(rename = "kk")]
    Kk,
    #[serde(rename = "ru")]
    Ru,
    /// Bilingual: the Kazakh text first, then the Russian.
    #[serde(rename = "kk+ru")]
    KkRu,
}

impl LangSet {
    pub const ALL: [LangSet; 3] = [LangSet::Kk, LangSet::Ru, LangSet::KkRu];

    pub fn langs(self) -> &'static [Lang] {
        match self {
            LangSet::Kk => &[Lang::Kk],
            LangSet::Ru => &[Lang::Ru],
            LangSet::KkRu => &[Lang::Kk, Lang::Ru],
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            LangSet::Kk => "kk",
            LangSet::Ru => "ru",
            LangSet::KkRu => "kk+ru",
        }
    }

    pub fn parse(s: &str) -> Option<LangSet> {
        Self::ALL.into_iter().find(|l| l.code() == s)
    }
}

/// Identity of the issued document. Everything that varies between two renders of the same
/// document comes from here, never from the clock, so rendering is byte-reproducible.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentMeta {
    /// Stable document identifier (letters, digits, `-`, `_`, `.`; at most 64). Part of the
    /// verification URL in the QR code.
    pub id: String,
    /// Registration (outgoing) number printed on the document, when already known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Date and time of issue, RFC 3339 with offset (e.g. `2026-03-02T10:15:00+05:00`).
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub issued_at: OffsetDateTime,
}

impl Validate for DocumentMeta {
    fn validate(&self, c: &mut Checker) {
        c.field("id", |c| {
            let ok = !self.id.is_empty()
                && self.id.len() <= 64
                && self
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
            if !ok {
                c.fail("must be 1–64 characters of A–Z, a–z, 0–9, '-', '_', '.'");
            }
        });
        c.opt_text("number", self.number.as_deref(), 64);
        c.field("issued_at", |c| {
            if !(2000..=2100).contains(&self.issued_at.year()) {
                c.fail("year must be between 2000 and 2100");
            }
        });
    }
}

/// The organisation that issues the document (the service provider).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    pub name_kk: String,
    pub name_ru: String,
    /// БСН / БИН, 12 digits with a valid check digit.
    pub bin: String,
    pub city_kk: String,
    pub city_ru: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_kk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_ru: Option<String>,
}

impl Validate for Organisation {
    fn validate(&self, c: &mut Checker) {
        c.text("name_kk", &self.name_kk, limits::MEDIUM);
        c.text("name_ru", &self.name_ru, limits::MEDIUM);
        c.bin("bin", &self.bin);
        c.text("city_kk", &self.city_kk, limits::SHORT);
        c.text("city_ru", &self.city_ru, limits::SHORT);
        c.opt_text("address_kk", self.address_kk.as_deref(), limits::MEDIUM);
        c.opt_text("address_ru", self.address_ru.as_deref(), limits::MEDIUM);
    }
}

/// A person's name: surname, given name, optional patronymic (Т.А.Ә. / ФИО).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub surname: String,
    pub given_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
}

impl Person {
    pub fn name(&self) -> PersonName {
        PersonName {
            surname: self.surname.clone(),
            given_name: self.given_name.clone(),
            patronymic: self.patronymic.clone(),
        }
    }
}

impl Validate for Person {
    fn validate(&self, c: &mut Checker) {
        c.text("surname", &self.surname, limits::SHORT);
        c.text("given_name", &self.given_name, limits::SHORT);
        c.opt_text("patronymic", self.patronymic.as_deref(), limits::SHORT);
    }
}

/// A person identified by IIN (pupil, child, applicant).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Citizen {
    pub surname: String,
    pub given_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
    /// ЖСН / ИИН, 12 digits with a valid check digit.
    pub iin: String,
}

impl Citizen {
    pub fn name(&self) -> PersonName {
        PersonName {
            surname: self.surname.clone(),
            given_name: self.given_name.clone(),
            patronymic: self.patronymic.clone(),
        }
    }
}

impl Validate for Citizen {
    fn validate(&self, c: &mut Checker) {
        c.text("surname", &self.surname, limits::SHORT);
        c.text("given_name", &self.given_name, limits::SHORT);
        c.opt_text("patronymic", self.patronymic.as_deref(), limits::SHORT);
        c.iin("iin", &self.iin);
    }
}

/// An official who signs: name and position in both languages.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Official {
    pub surname: String,
    pub given_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
    pub position_kk: String,
    pub position_ru: String,
}

impl Official {
    pub fn name(&self) -> PersonName {
        PersonName {
            surname: self.surname.clone(),
            given_name: self.given_name.clone(),
            patronymic: self.patronymic.clone(),
        }
    }
}

impl Validate for Official {
    fn validate(&self, c: &mut Checker) {
        c.text("surname", &self.surname, limits::SHORT);
        c.text("given_name", &self.given_name, limits::SHORT);
        c.opt_text("patronymic", self.patronymic.as_deref(), limits::SHORT);
        c.text("position_kk", &self.position_kk, limits::SHORT);
        c.text("position_ru", &self.position_ru, limits::SHORT);
    }
}

/// A text given in both languages (e.g. a school's name).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    pub kk: String,
    pub ru: String,
}

impl Bilingual {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Kk => &self.kk,
            Lang::Ru => &self.ru,
        }
    }

    pub fn check(&self, c: &mut Checker, name: &str, max: usize) {
        c.field(name, |c| {
            c.text("kk", &self.kk, max);
            c.text("ru", &self.ru, max);
        });
    }
}

/// Serde for plain `YYYY-MM-DD` dates.
pub mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;
    use time::macros::format_description;

    const FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]");

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        let text = d.format(FORMAT).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text, FORMAT)
            .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a date YYYY-MM-DD")))
    }

    /// The same for `Option<Date>`.
    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => super::serialize(d, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(text) => Date::parse(&text, FORMAT).map(Some).map_err(|_| {
                    serde::de::Error::custom(format!("`{text}` is not a date YYYY-MM-DD"))
                }),
            }
        }
    }
}

/// Checks a date lies in a plausible window for documents (catches typos like 2206).
pub fn check_date(c: &mut Checker, name: &str, d: Date) {
    if !(1900..=2100).contains(&d.year()) {
        c.field(name, |c| c.fail("year must be between 1900 and 2100"));
    }
}
