//! TVET справка for incomplete education: a student who left a college before graduating
//! (forms.md (g)).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::Date;

use super::common::{
    Bilingual, Citizen, DocumentMeta, LangSet, Official, Organisation, check_date,
};
use super::validate::{Checker, Validate, limits};
use super::{DocumentKind, FormatContext, impl_head, put};
use crate::lang::{Lang, dates, numbers};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StudyForm {
    FullTime,
    PartTime,
    Evening,
    Distance,
}

/// A speciality or qualification: classifier code and name.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Coded {
    pub code: String,
    pub name: Bilingual,
}

impl Validate for Coded {
    fn validate(&self, c: &mut Checker) {
        c.text("code", &self.code, 32);
        self.name.check(c, "name", limits::MEDIUM);
    }
}

/// The order that expelled the student.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expulsion {
    pub order_number: String,
    #[serde(with = "super::common::iso_date")]
    #[schemars(with = "String")]
    pub order_date: Date,
    pub reason: Bilingual,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    pub name: Bilingual,
    pub hours: u32,
    pub mark: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TvetIncompleteEducation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<LangSet>,
    /// `number` is the справка number.
    pub document: DocumentMeta,
    /// The TVET organisation.
    pub issuer: Organisation,
    pub student: Citizen,
    #[serde(with = "super::common::iso_date")]
    #[schemars(with = "String")]
    pub studied_from: Date,
    #[serde(with = "super::common::iso_date")]
    #[schemars(with = "String")]
    pub studied_to: Date,
    pub speciality: Coded,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification: Option<Coded>,
    pub study_form: StudyForm,
    pub expulsion: Expulsion,
    pub subjects: Vec<Subject>,
    pub head: Official,
    pub secretary: Official,
}

impl_head!(TvetIncompleteEducation, head);

impl Validate for TvetIncompleteEducation {
    fn validate(&self, c: &mut Checker) {
        if self.document.number.is_none() {
            c.field("document", |c| {
                c.field("number", |c| c.fail("the справка number is required"))
            });
        }
        c.field("student", |c| self.student.validate(c));
        check_date(c, "studied_from", self.studied_from);
        check_date(c, "studied_to", self.studied_to);
        c.date_order(
            "studied_to",
            self.studied_from,
            self.studied_to,
            "studied_from",
        );
        c.field("speciality", |c| self.speciality.validate(c));
        if let Some(q) = &self.qualification {
            c.field("qualification", |c| q.validate(c));
        }
        c.field("expulsion", |c| {
            c.text("order_number", &self.expulsion.order_number, 32);
            self.expulsion.reason.check(c, "reason", limits::MEDIUM);
        });
        c.date_order(
            "expulsion.order_date",
            self.studied_from,
            self.expulsion.order_date,
            "studied_from",
        );
        c.list("subjects", &self.subjects, 0, |c, s| {
            s.name.check(c, "name", limits::SHORT);
            c.range("hours", i64::from(s.hours), 1, 2000);
            c.range("mark", i64::from(s.mark), 2, 5);
        });
        c.field("head", |c| self.head.validate(c));
        c.field("secretary", |c| self.secretary.validate(c));
    }
}

impl DocumentKind for TvetIncompleteEducation {
    const NAME: &'static str = "tvet_incomplete_education";

    fn formatted(&self, lang: Lang, _cx: &FormatContext<'_>) -> Map<String, Value> {
        let mut m = Map::new();
        put(&mut m, "student", self.student.name().full());
        put(
            &mut m,
            "studied_from",
            dates::long_date(self.studied_from, lang),
        );
        put(
            &mut m,
            "studied_to",
            dates::long_date(self.studied_to, lang),
        );
        put(
            &mut m,
            "order_date",
            dates::act_date(self.expulsion.order_date, lang),
        );
        let words: Vec<Value> = self
            .subjects
            .iter()
            .map(|s| {
                numbers::mark_in_words(s.mark, lang)
                    .unwrap_or_default()
                    .into()
            })
            .collect();
        put(&mut m, "mark_words", words);
        put(
            &mut m,
            "secretary_short",
            self.secretary.name().initials_surname(),
        );
        put(
            &mut m,
            "secretary_position",
            match lang {
                Lang::Kk => self.secretary.position_kk.clone(),
                Lang::Ru => self.secretary.position_ru.clone(),
            },
        );
        m
    }
}
