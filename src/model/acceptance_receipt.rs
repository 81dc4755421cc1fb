//! Acceptance receipt: documents accepted for a state service, with the request number as a
//! barcode and the result date computed in working days (forms.md (e), calendar.md).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::{OffsetDateTime, PrimitiveDateTime};

use super::common::{Bilingual, Citizen, DocumentMeta, LangSet, Official, Organisation};
use super::validate::{Checker, Validate, limits};
use super::{DocumentKind, FormatContext, impl_head, put};
use crate::calendar::WorkingHours;
use crate::lang::numbers::{self, Case, Gender, RuNounForms};
use crate::lang::{Lang, dates};

/// Where the application was accepted: decides the working hours that apply.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    StateCorporation,
    Provider,
}

/// A person with a phone number.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub surname: String,
    pub given_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
    pub phone: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptanceReceipt {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<LangSet>,
    pub document: DocumentMeta,
    pub issuer: Organisation,
    /// Request number (ASCII letters, digits, `-`); printed as a Code 128 barcode.
    pub request_number: String,
    /// When the documents were accepted, RFC 3339 with offset (local time).
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub accepted_at: OffsetDateTime,
    pub channel: Channel,
    pub service: Bilingual,
    /// Term of the service in working days; the day of acceptance is not counted.
    pub term_working_days: u32,
    pub documents: Vec<Bilingual>,
    /// Where the result is issued.
    pub result_place: Bilingual,
    /// Employee who accepted the documents.
    pub employee: Official,
    pub applicant: Citizen,
    pub applicant_phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub representative: Option<Contact>,
}

impl_head!(AcceptanceReceipt, employee);

impl Validate for AcceptanceReceipt {
    fn validate(&self, c: &mut Checker) {
        c.field("request_number", |c| {
            let n = &self.request_number;
            if n.is_empty()
                || n.len() > 32
                || !n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                c.fail("must be 1–32 characters of A–Z, a–z, 0–9, '-'");
            }
        });
        c.field("accepted_at", |c| {
            if !(2000..=2100).contains(&self.accepted_at.year()) {
                c.fail("year must be between 2000 and 2100");
            }
        });
        self.service.check(c, "service", limits::MEDIUM);
        c.range(
            "term_working_days",
            i64::from(self.term_working_days),
            1,
            60,
        );
        c.list("documents", &self.documents, 1, |c, d| {
            c.text("kk", &d.kk, limits::MEDIUM);
            c.text("ru", &d.ru, limits::MEDIUM);
        });
        self.result_place.check(c, "result_place", limits::MEDIUM);
        c.field("employee", |c| self.employee.validate(c));
        c.field("applicant", |c| self.applicant.validate(c));
        c.text("applicant_phone", &self.applicant_phone, 32);
        if let Some(r) = &self.representative {
            c.field("representative", |c| {
                c.text("surname", &r.surname, limits::SHORT);
                c.text("given_name", &r.given_name, limits::SHORT);
                c.opt_text("patronymic", r.patronymic.as_deref(), limits::SHORT);
                c.text("phone", &r.phone, 32);
            });
        }
    }
}

/// Grammar data for the counted noun «рабочий день» (not wording: its forms by number/case).
const RU_WORKING_DAYS: RuNounForms<'static> = RuNounForms {
    gender: Gender::Masculine,
    nominative: ["рабочий день", "рабочих дня", "рабочих дней"],
    genitive: ["рабочего дня", "рабочих дней"],
    prepositional: ["рабочем дне", "рабочих днях"],
};

impl AcceptanceReceipt {
    /// The date the result is due, by the calendar and the channel's working hours.
    pub fn result_date(&self, cx: &FormatContext<'_>) -> time::Date {
        let hours = match self.channel {
            Channel::StateCorporation => WorkingHours::state_corporation(),
            Channel::Provider => WorkingHours::provider(),
        };
        let local = PrimitiveDateTime::new(self.accepted_at.date(), self.accepted_at.time());
        cx.calendar.deadline(local, &hours, self.term_working_days)
    }
}

impl DocumentKind for AcceptanceReceipt {
    const NAME: &'static str = "acceptance_receipt";

    fn formatted(&self, lang: Lang, cx: &FormatContext<'_>) -> Map<String, Value> {
        let mut m = Map::new();
        put(&mut m, "applicant", self.applicant.name().full());
        put(
            &mut m,
            "accepted_on",
            dates::long_date(self.accepted_at.date(), lang),
        );
        put(
            &mut m,
            "accepted_time",
            format!(
                "{:02}:{:02}",
                self.accepted_at.hour(),
                self.accepted_at.minute()
            ),
        );
        put(
            &mut m,
            "result_on",
            dates::long_date(self.result_date(cx), lang),
        );
        put(
            &mut m,
            "term",
            match lang {
                Lang::Kk => numbers::kk_counted(u64::from(self.term_working_days), "жұмыс күні"),
                Lang::Ru => numbers::ru_counted(
                    u64::from(self.term_working_days),
                    Case::Genitive,
                    &RU_WORKING_DAYS,
                ),
            },
        );
        put(&mut m, "document_count", self.documents.len());
        if let Some(r) = &self.representative {
            let name = crate::lang::names::PersonName {
                surname: r.surname.clone(),
                given_name: r.given_name.clone(),
                patronymic: r.patronymic.clone(),
            };
            put(&mut m, "representative", name.full());
        }
        m
    }

    fn barcode(&self) -> Option<&str> {
        Some(&self.request_number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::model::Document;

    #[test]
    fn result_date_counts_working_days_from_the_next_day() {
        let mut payload: serde_json::Value =
            serde_json::from_str(crate::examples::example("acceptance_receipt").unwrap()).unwrap();
        payload["accepted_at"] = "2026-03-20T16:00:00+05:00".into();
        payload["channel"] = "provider".into();
        payload["term_working_days"] = 15.into();
        let Document::AcceptanceReceipt(doc) =
            Document::from_json(payload.to_string().as_bytes()).unwrap()
        else {
            panic!("kind")
        };
        let cal = Calendar::kazakhstan();
        let cx = FormatContext { calendar: &cal };
        // 23–25 March 2026 are not working days (Nauryz and its moved days).
        assert_eq!(doc.result_date(&cx), time::macros::date!(2026 - 04 - 15));
        let ru = doc.formatted(Lang::Ru, &cx);
        assert_eq!(ru["term"], "15 (пятнадцати) рабочих дней");
        assert_eq!(ru["result_on"], "15 апреля 2026 года");
        let kk = doc.formatted(Lang::Kk, &cx);
        assert_eq!(kk["term"], "15 (он бес) жұмыс күні");
    }
}
