//! Preschool queue receipt: a child registered in the queue for a preschool organisation
//! (forms.md (f)).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::common::{Bilingual, Citizen, DocumentMeta, LangSet, Official, Organisation};
use super::validate::{Checker, Validate, limits};
use super::{DocumentKind, FormatContext, impl_head, put};
use crate::lang::{Lang, dates, ids};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    None,
    DisabledParents,
    Orphan,
    LargeFamily,
    SpecialNeeds,
    Military,
    Teacher,
    LowIncome,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PreschoolQueueReceipt {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<LangSet>,
    pub document: DocumentMeta,
    pub issuer: Organisation,
    /// Region and district of the queue.
    pub region: Bilingual,
    pub child: Citizen,
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub registered_at: OffsetDateTime,
    pub queue_number: u32,
    pub priority: Priority,
    /// Desired preschool organisations, in order of preference.
    pub desired_organisations: Vec<Bilingual>,
    pub applicant: Citizen,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant_phone: Option<String>,
    /// The employee (or information system operator) who registered the child.
    pub employee: Official,
}

impl_head!(PreschoolQueueReceipt, employee);

impl Validate for PreschoolQueueReceipt {
    fn validate(&self, c: &mut Checker) {
        self.region.check(c, "region", limits::MEDIUM);
        c.field("child", |c| {
            self.child.validate(c);
            if let Ok(iin) = ids::validate_iin(&self.child.iin) {
                let registered = self.registered_at.date();
                let birth = iin.birth_date();
                let age_years = registered.year() - birth.year()
                    - i32::from((registered.month(), registered.day()) < (birth.month(), birth.day()));
                if birth > registered {
                    c.field("iin", |c| c.fail("the child is born after the registration date"));
                } else if age_years >= 7 {
                    c.field("iin", |c| c.fail(format!("the child is {age_years} at registration; the queue is for children under 7")));
                }
            }
        });
        c.range("queue_number", i64::from(self.queue_number), 1, 1_000_000);
        c.list(
            "desired_organisations",
            &self.desired_organisations,
            1,
            |c, o| {
                c.text("kk", &o.kk, limits::MEDIUM);
                c.text("ru", &o.ru, limits::MEDIUM);
            },
        );
        if self.desired_organisations.len() > 5 {
            c.field("desired_organisations", |c| {
                c.fail("at most 5 organisations")
            });
        }
        c.field("applicant", |c| self.applicant.validate(c));
        c.opt_text("applicant_phone", self.applicant_phone.as_deref(), 32);
        c.field("employee", |c| self.employee.validate(c));
    }
}

impl DocumentKind for PreschoolQueueReceipt {
    const NAME: &'static str = "preschool_queue_receipt";

    fn formatted(&self, lang: Lang, _cx: &FormatContext<'_>) -> Map<String, Value> {
        let mut m = Map::new();
        put(&mut m, "child", self.child.name().full());
        if let Ok(iin) = ids::validate_iin(&self.child.iin) {
            put(
                &mut m,
                "child_birth",
                dates::long_date(iin.birth_date(), lang),
            );
        }
        put(
            &mut m,
            "registered_on",
            dates::long_date(self.registered_at.date(), lang),
        );
        put(
            &mut m,
            "registered_time",
            format!(
                "{:02}:{:02}",
                self.registered_at.hour(),
                self.registered_at.minute()
            ),
        );
        put(&mut m, "applicant", self.applicant.name().full());
        m
    }
}
