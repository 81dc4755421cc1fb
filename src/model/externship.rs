//! Externship: the order permitting study in the form of externship, and the extract from
//! it (forms.md (a)).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::Date;

use super::common::{
    Bilingual, Citizen, DocumentMeta, LangSet, Official, Organisation, Person, check_date,
};
use super::validate::{Checker, Validate, limits};
use super::{DocumentKind, FormatContext, impl_head, put};
use crate::lang::{Lang, dates};

/// Ground on which externship is permitted.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExternshipBasis {
    /// Health, with the conclusion of the medical advisory commission (form 035-1/у).
    Health,
    /// Only «4» and «5» marks.
    ExcellentMarks,
    /// Parents work abroad.
    ParentsAbroad,
    /// The pupil studies abroad.
    StudyAbroad,
}

/// What an externship order decides; shared by the order and its extract.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternshipOrderBody {
    /// The parent or legal representative who applied.
    pub applicant: Person,
    #[serde(with = "super::common::iso_date")]
    #[schemars(with = "String")]
    pub application_date: Date,
    pub pupil: Citizen,
    /// Grade (сынып / класс), 1–11.
    pub grade: u8,
    pub school: Bilingual,
    /// Academic year, `YYYY-YYYY`.
    pub academic_year: String,
    pub basis: ExternshipBasis,
}

impl Validate for ExternshipOrderBody {
    fn validate(&self, c: &mut Checker) {
        c.field("applicant", |c| self.applicant.validate(c));
        check_date(c, "application_date", self.application_date);
        c.field("pupil", |c| self.pupil.validate(c));
        c.range("grade", i64::from(self.grade), 1, 11);
        self.school.check(c, "school", limits::MEDIUM);
        c.field("academic_year", |c| {
            let years: Vec<&str> = self.academic_year.split('-').collect();
            let ok = match years.as_slice() {
                [a, b] if a.len() == 4 && b.len() == 4 => {
                    matches!((a.parse::<u16>(), b.parse::<u16>()), (Ok(x), Ok(y)) if y == x + 1)
                }
                _ => false,
            };
            if !ok {
                c.fail("must be two consecutive years, e.g. 2025-2026");
            }
        });
    }
}

impl ExternshipOrderBody {
    fn format(&self, m: &mut Map<String, Value>, lang: Lang) {
        put(m, "pupil", self.pupil.name().full());
        put(m, "applicant", self.applicant.name().full());
        put(
            m,
            "application_date",
            dates::event_date(self.application_date, lang),
        );
        put(
            m,
            "application_date_act",
            dates::act_date(self.application_date, lang),
        );
    }
}

fn require_number(c: &mut Checker, document: &DocumentMeta) {
    if document.number.is_none() {
        c.field("document", |c| {
            c.field("number", |c| c.fail("an order needs its number"))
        });
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternshipOrder {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<LangSet>,
    /// `number` is the order number; `issued_at` its date.
    pub document: DocumentMeta,
    pub issuer: Organisation,
    pub order: ExternshipOrderBody,
    /// Head of the organisation who signs the order.
    pub head: Official,
}

impl_head!(ExternshipOrder, head);

impl Validate for ExternshipOrder {
    fn validate(&self, c: &mut Checker) {
        require_number(c, &self.document);
        c.field("order", |c| self.order.validate(c));
        c.date_order(
            "order.application_date",
            self.order.application_date,
            self.document.issued_at.date(),
            "the order date",
        );
        c.field("head", |c| self.head.validate(c));
    }
}

impl DocumentKind for ExternshipOrder {
    const NAME: &'static str = "externship_order";

    fn formatted(&self, lang: Lang, _cx: &FormatContext<'_>) -> Map<String, Value> {
        let mut m = Map::new();
        self.order.format(&mut m, lang);
        m
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternshipExtract {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<LangSet>,
    /// `number` and `issued_at` of the order the extract is taken from.
    pub document: DocumentMeta,
    pub issuer: Organisation,
    pub order: ExternshipOrderBody,
    pub head: Official,
    /// Who certifies the extract («Выписка верна»).
    pub certified_by: Official,
    #[serde(with = "super::common::iso_date")]
    #[schemars(with = "String")]
    pub certified_on: Date,
}

impl_head!(ExternshipExtract, certified_by);

impl Validate for ExternshipExtract {
    fn validate(&self, c: &mut Checker) {
        require_number(c, &self.document);
        c.field("order", |c| self.order.validate(c));
        c.date_order(
            "order.application_date",
            self.order.application_date,
            self.document.issued_at.date(),
            "the order date",
        );
        c.field("head", |c| self.head.validate(c));
        c.field("certified_by", |c| self.certified_by.validate(c));
        c.date_order(
            "certified_on",
            self.document.issued_at.date(),
            self.certified_on,
            "the order date",
        );
    }
}

impl DocumentKind for ExternshipExtract {
    const NAME: &'static str = "externship_extract";

    fn formatted(&self, lang: Lang, _cx: &FormatContext<'_>) -> Map<String, Value> {
        let mut m = Map::new();
        self.order.format(&mut m, lang);
        put(&mut m, "head_short", self.head.name().initials_surname());
        put(
            &mut m,
            "head_position",
            match lang {
                Lang::Kk => self.head.position_kk.clone(),
                Lang::Ru => self.head.position_ru.clone(),
            },
        );
        put(
            &mut m,
            "certified_on",
            dates::long_date(self.certified_on, lang),
        );
        m
    }
}
