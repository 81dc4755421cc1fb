//! PMPC (psychological-medical-pedagogical consultation): the written conclusion after an
//! examination and the written recommendation after a consultation (forms.md (c)).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::Date;

use super::common::{Bilingual, DocumentMeta, LangSet, Official, Organisation, Person};
use super::validate::{Checker, Validate, limits};
use super::{DocumentKind, FormatContext, put};
use crate::lang::{Lang, dates, ids};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Programme {
    General,
    SpecialAdapted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EducationForm {
    InclusiveClass,
    SpecialClass,
    SpecialOrganisation,
    Home,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Specialist {
    SpeechTherapist,
    Defectologist,
    Psychologist,
    SocialPedagogue,
    Assistant,
    SignLanguageInterpreter,
}

/// The PMPC itself.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Commission {
    pub name: Bilingual,
    pub number: String,
}

/// The examined child.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Child {
    pub surname: String,
    pub given_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
    /// The birth date printed is read from the IIN.
    pub iin: String,
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<Bilingual>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Bilingual>,
}

/// What the commission examined and concluded; shared by both kinds.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PmpcBody {
    pub commission: Commission,
    /// Date of the examination (conclusion) or consultation (recommendation).
    #[serde(with = "super::common::iso_date")]
    #[schemars(with = "String")]
    pub examined_on: Date,
    pub child: Child,
    /// Parent or legal representative.
    pub representative: Person,
    /// Special educational needs found (no medical diagnosis).
    pub conclusion: Bilingual,
    pub programme: Programme,
    pub education_form: EducationForm,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_conditions: Option<Bilingual>,
    #[serde(default)]
    pub specialists: Vec<Specialist>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::common::iso_date::option"
    )]
    #[schemars(with = "Option<String>")]
    pub reexamination_on: Option<Date>,
    pub head: Official,
    /// Members of the commission; `position_*` is their speciality.
    pub members: Vec<Official>,
}

impl PmpcBody {
    fn check(&self, c: &mut Checker, issued: Date) {
        c.field("commission", |c| {
            self.commission.name.check(c, "name", limits::MEDIUM);
            c.text("number", &self.commission.number, 32);
        });
        c.date_order("examined_on", self.examined_on, issued, "the issue date");
        c.field("child", |c| {
            let ch = &self.child;
            c.text("surname", &ch.surname, limits::SHORT);
            c.text("given_name", &ch.given_name, limits::SHORT);
            c.opt_text("patronymic", ch.patronymic.as_deref(), limits::SHORT);
            c.iin("iin", &ch.iin);
            c.text("address", &ch.address, limits::MEDIUM);
            if let Some(o) = &ch.organisation {
                o.check(c, "organisation", limits::MEDIUM);
            }
            if let Some(g) = &ch.group {
                g.check(c, "group", limits::SHORT);
            }
        });
        c.field("representative", |c| self.representative.validate(c));
        self.conclusion.check(c, "conclusion", limits::LONG);
        if let Some(s) = &self.special_conditions {
            s.check(c, "special_conditions", limits::LONG);
        }
        c.field("specialists", |c| {
            if self.specialists.len() > 10 {
                c.fail("at most 10 specialists");
            }
            for (i, s) in self.specialists.iter().enumerate() {
                if self.specialists[..i].contains(s) {
                    c.fail(format!("[{i}] repeats an earlier specialist"));
                }
            }
        });
        if let Some(r) = self.reexamination_on {
            c.date_order("reexamination_on", self.examined_on, r, "examined_on");
        }
        c.field("head", |c| self.head.validate(c));
        c.list("members", &self.members, 1, |c, m| m.validate(c));
        if self.members.len() > 10 {
            c.field("members", |c| c.fail("at most 10 members"));
        }
    }

    fn format(&self, lang: Lang) -> Map<String, Value> {
        let mut m = Map::new();
        let ch = &self.child;
        let name = crate::lang::names::PersonName {
            surname: ch.surname.clone(),
            given_name: ch.given_name.clone(),
            patronymic: ch.patronymic.clone(),
        };
        put(&mut m, "child", name.full());
        if let Ok(iin) = ids::validate_iin(&ch.iin) {
            put(
                &mut m,
                "child_birth",
                dates::long_date(iin.birth_date(), lang),
            );
        }
        put(&mut m, "representative", self.representative.name().full());
        put(
            &mut m,
            "examined_on",
            dates::long_date(self.examined_on, lang),
        );
        if let Some(r) = self.reexamination_on {
            put(&mut m, "reexamination_on", dates::long_date(r, lang));
        }
        let members: Vec<Value> = self
            .members
            .iter()
            .map(|o| {
                serde_json::json!({
                    "position": match lang { Lang::Kk => &o.position_kk, Lang::Ru => &o.position_ru },
                    "short": o.name().initials_surname(),
                })
            })
            .collect();
        put(&mut m, "members", members);
        m
    }
}

macro_rules! pmpc_kind {
    ($ty:ident, $name:literal, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $ty {
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub lang: Option<LangSet>,
            pub document: DocumentMeta,
            /// The organisation the PMPC belongs to.
            pub issuer: Organisation,
            pub pmpc: PmpcBody,
        }

        impl $crate::model::Head for $ty {
            fn lang(&self) -> Option<LangSet> {
                self.lang
            }
            fn document(&self) -> &DocumentMeta {
                &self.document
            }
            fn document_mut(&mut self) -> &mut DocumentMeta {
                &mut self.document
            }
            fn issuer(&self) -> &Organisation {
                &self.issuer
            }
            fn signer(&self) -> &Official {
                &self.pmpc.head
            }
        }

        impl Validate for $ty {
            fn validate(&self, c: &mut Checker) {
                if self.document.number.is_none() {
                    c.field("document", |c| {
                        c.field("number", |c| c.fail("the PMPC document number is required"))
                    });
                }
                c.field("pmpc", |c| {
                    self.pmpc.check(c, self.document.issued_at.date())
                });
            }
        }

        impl DocumentKind for $ty {
            const NAME: &'static str = $name;

            fn formatted(&self, lang: Lang, _cx: &FormatContext<'_>) -> Map<String, Value> {
                self.pmpc.format(lang)
            }
        }
    };
}

pmpc_kind!(
    PmpcConclusion,
    "pmpc_conclusion",
    "Written conclusion after an examination (≤ 15 calendar days)."
);
pmpc_kind!(
    PmpcRecommendation,
    "pmpc_recommendation",
    "Written recommendation after a consultation (≤ 1 hour)."
);
