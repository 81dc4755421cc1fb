//! Refusal receipt: the provider or the State Corporation refuses to accept an incomplete
//! (art. 20 p. 2) or expired (art. 19) package of documents.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{Bilingual, DocumentMeta, LangSet, Official, Organisation, Person};
use super::validate::{Checker, Validate, limits};
use super::{DocumentKind, FormatContext, impl_head, put};
use crate::lang::{Lang, dates};

/// Article of the Law "On state services" the refusal rests on.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefusalBasis {
    /// Art. 19: a document's validity has expired (the provider refuses).
    Article19,
    /// Art. 20 p. 2: incomplete package (the State Corporation refuses).
    Article20,
}

/// The person who carried out the refusal and can be called about it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Executor {
    pub surname: String,
    pub given_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
    pub phone: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefusalReceipt {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<LangSet>,
    pub document: DocumentMeta,
    pub issuer: Organisation,
    /// The service recipient (person); `applicant_address` is printed under the name.
    pub applicant: Person,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant_address: Option<String>,
    /// Who refuses: the department of the State Corporation (with its address) or the
    /// provider itself; printed in the operative sentence.
    pub refusing_party: Bilingual,
    /// Name of the state service applied for.
    pub service: Bilingual,
    pub basis: RefusalBasis,
    /// Documents missing from (or expired in) the package.
    pub missing_documents: Vec<Bilingual>,
    /// Employee who refuses and signs.
    pub employee: Official,
    pub executor: Executor,
}

impl_head!(RefusalReceipt, employee);

impl Validate for RefusalReceipt {
    fn validate(&self, c: &mut Checker) {
        c.field("applicant", |c| self.applicant.validate(c));
        c.opt_text(
            "applicant_address",
            self.applicant_address.as_deref(),
            limits::MEDIUM,
        );
        self.refusing_party
            .check(c, "refusing_party", limits::MEDIUM);
        self.service.check(c, "service", limits::MEDIUM);
        c.list("missing_documents", &self.missing_documents, 1, |c, d| {
            c.text("kk", &d.kk, limits::MEDIUM);
            c.text("ru", &d.ru, limits::MEDIUM);
        });
        c.field("employee", |c| self.employee.validate(c));
        c.field("executor", |c| {
            c.text("surname", &self.executor.surname, limits::SHORT);
            c.text("given_name", &self.executor.given_name, limits::SHORT);
            c.opt_text(
                "patronymic",
                self.executor.patronymic.as_deref(),
                limits::SHORT,
            );
            c.text("phone", &self.executor.phone, 32);
        });
    }
}

impl DocumentKind for RefusalReceipt {
    const NAME: &'static str = "refusal_receipt";

    fn formatted(&self, lang: Lang, _cx: &FormatContext<'_>) -> Map<String, Value> {
        let mut m = Map::new();
        let applicant = self.applicant.name();
        put(&mut m, "applicant", applicant.full());
        put(&mut m, "employee", self.employee.name().full());
        put(
            &mut m,
            "employee_short",
            self.employee.name().initials_surname(),
        );
        let executor = crate::lang::names::PersonName {
            surname: self.executor.surname.clone(),
            given_name: self.executor.given_name.clone(),
            patronymic: self.executor.patronymic.clone(),
        };
        put(&mut m, "executor", executor.full());
        put(
            &mut m,
            "issued_on",
            dates::long_date(self.document.issued_at.date(), lang),
        );
        m
    }
}
