//! Duplicate of the свидетельство (basic secondary) or аттестат (general secondary)
//! education document, marked ДУБЛИКАТ / ТЕЛНҰСҚА (forms.md (b)).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{Bilingual, Citizen, DocumentMeta, LangSet, Official, Organisation};
use super::validate::{Checker, Validate, limits};
use super::{DocumentKind, FormatContext, impl_head, put};
use crate::lang::{Lang, numbers};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertificateType {
    /// Свидетельство об основном среднем образовании.
    BasicSecondary,
    /// Аттестат об общем среднем образовании.
    GeneralSecondary,
}

/// Series and number of a blank.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Blank {
    pub series: String,
    pub number: String,
}

impl Validate for Blank {
    fn validate(&self, c: &mut Checker) {
        c.text("series", &self.series, 16);
        c.text("number", &self.number, 32);
    }
}

/// A final mark in a subject, 2–5.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    pub subject: Bilingual,
    pub mark: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DuplicateCertificate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<LangSet>,
    /// `number` is the registration number of the duplicate; `issued_at` its date.
    pub document: DocumentMeta,
    pub issuer: Organisation,
    pub certificate: CertificateType,
    /// The new blank the duplicate is printed on.
    pub blank: Blank,
    /// The lost original, when its series and number are known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<Blank>,
    pub holder: Citizen,
    pub school: Bilingual,
    pub graduation_year: u16,
    #[serde(default)]
    pub with_honours: bool,
    pub grades: Vec<Grade>,
    pub director: Official,
    /// Deputy director for academic affairs, who co-signs.
    pub deputy: Official,
}

impl_head!(DuplicateCertificate, director);

impl Validate for DuplicateCertificate {
    fn validate(&self, c: &mut Checker) {
        if self.document.number.is_none() {
            c.field("document", |c| {
                c.field("number", |c| c.fail("the registration number is required"))
            });
        }
        c.field("blank", |c| self.blank.validate(c));
        if let Some(o) = &self.original {
            c.field("original", |c| o.validate(c));
        }
        c.field("holder", |c| self.holder.validate(c));
        self.school.check(c, "school", limits::MEDIUM);
        let issued_year = i64::from(self.document.issued_at.year());
        c.range(
            "graduation_year",
            i64::from(self.graduation_year),
            1950,
            issued_year,
        );
        c.list("grades", &self.grades, 1, |c, g| {
            g.subject.check(c, "subject", limits::SHORT);
            c.range("mark", i64::from(g.mark), 2, 5);
        });
        c.field("director", |c| self.director.validate(c));
        c.field("deputy", |c| self.deputy.validate(c));
    }
}

impl DocumentKind for DuplicateCertificate {
    const NAME: &'static str = "duplicate_certificate";

    fn formatted(&self, lang: Lang, _cx: &FormatContext<'_>) -> Map<String, Value> {
        let mut m = Map::new();
        put(&mut m, "holder", self.holder.name().full());
        let words: Vec<Value> = self
            .grades
            .iter()
            .map(|g| {
                numbers::mark_in_words(g.mark, lang)
                    .unwrap_or_default()
                    .into()
            })
            .collect();
        put(&mut m, "mark_words", words);
        put(
            &mut m,
            "deputy_short",
            self.deputy.name().initials_surname(),
        );
        put(
            &mut m,
            "deputy_position",
            match lang {
                Lang::Kk => self.deputy.position_kk.clone(),
                Lang::Ru => self.deputy.position_ru.clone(),
            },
        );
        m
    }
}
