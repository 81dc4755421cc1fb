//! The verifier's entry points and report: checks 1–3 from [`super::pdf`] / [`super::cms`],
//! checks 4–7 from [`super::path`], combined per signature into one ETSI indication, at the
//! validation time (signing time unless fixed) and again at "now" as a second facet.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::cms::{self, ParsedCms};
use super::path::{self, Evidence};
use super::pdf::{self, ModificationLevel};
use super::{Finding, Indication, SubIndication};
use crate::journal::{JournalFacet, JournalStatus};
use crate::pki::subject;
use crate::registry::{Registry, role_name};

/// Largest input accepted by the verifier.
pub const MAX_INPUT: usize = 64 * 1024 * 1024;

/// Input that is not a signed document at all (exit code 2, HTTP 400).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("input is {size} bytes, more than the {MAX_INPUT} accepted")]
    TooLarge { size: usize },
    #[error("not a PDF and not a CMS signature (DER or base64): {0}")]
    NotSigned(String),
    #[error("detached data given, but the CMS already carries its content")]
    DetachedWithAttached,
}

/// When to validate.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Fixed validation time; default: each signature's claimed signing time.
    pub at: Option<OffsetDateTime>,
    /// "Now", for the second facet.
    pub now: OffsetDateTime,
}

impl Options {
    pub fn now() -> Self {
        Options {
            at: None,
            now: OffsetDateTime::now_utc(),
        }
    }
}

/// What a qujat document says it is (its PDF /Keywords), used for authorization.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DocumentInfo {
    pub kind: Option<String>,
    pub issuer_bin: Option<String>,
    pub id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `pdf` or `cms`.
    pub format: &'static str,
    pub indication: Indication,
    pub sub_indication: Option<SubIndication>,
    pub document: Option<DocumentInfo>,
    pub signatures: Vec<SignatureReport>,
    /// What the journal says, when a journal was consulted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal: Option<JournalFacet>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignatureReport {
    /// The PDF signature field, if any.
    pub field: Option<String>,
    pub indication: Indication,
    pub sub_indication: Option<SubIndication>,
    /// Why, for the decisive finding.
    pub reason: Option<String>,
    /// Every failed check, decisive first.
    pub findings: Vec<FindingReport>,
    pub facets: Facets,
    pub signer: Option<SignerReport>,
    /// Claimed signing time (PDF /M or CMS signingTime), RFC 3339.
    pub signing_time: Option<String>,
    /// The time the certificate checks were made at, RFC 3339.
    pub validated_at: String,
    /// The same certificate checks at "now".
    pub now: NowFacet,
    /// Subjects of the certification path, signer first.
    pub chain: Vec<String>,
    /// Revocation evidence per certificate of the path.
    pub revocation: Vec<String>,
    /// One sentence per language: `kk`, `ru`, `en`.
    pub message: BTreeMap<&'static str, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingReport {
    pub sub_indication: SubIndication,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    /// The signed bytes hash to the signed messageDigest.
    pub intact: bool,
    /// The signature over the signed attributes verifies with the signer's key.
    pub valid: bool,
    /// A path to a pinned anchor was validated.
    pub trusted: bool,
    /// `entire_file`, `revision` (later revisions exist) or `unknown`.
    pub coverage: &'static str,
    pub modification_level: Option<ModificationLevel>,
    /// `false` not revoked, `true` revoked, `null` unknown or not checked.
    pub revoked: Option<bool>,
    pub revocation_checked: bool,
    pub authorized: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NowFacet {
    pub at: String,
    pub indication: Indication,
    pub sub_indication: Option<SubIndication>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignerReport {
    pub common_name: String,
    pub surname: Option<String>,
    pub given_name: Option<String>,
    pub patronymic: Option<String>,
    pub iin: Option<String>,
    /// The IIN fails its check digit (NCA test certificates do): a warning, not a failure.
    pub iin_check_digit_warning: bool,
    pub bin: Option<String>,
    pub organisation: Option<String>,
    pub roles: Vec<RoleReport>,
    pub certificate_serial: String,
    pub issuer: Option<String>,
    /// From the registry's authorization, when one matched.
    pub position_kk: Option<String>,
    pub position_ru: Option<String>,
    pub authorization: Option<String>,
}

impl SignerReport {
    /// "Surname Given Patronymic" from the certificate's name fields (empty if it has none).
    pub fn full_name(&self) -> String {
        [
            self.surname.as_deref(),
            self.given_name.as_deref(),
            self.patronymic.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RoleReport {
    pub oid: String,
    pub name: Option<&'static str>,
}

impl Report {
    /// Adds the journal's facet; an annulled, altered or unknown document makes the verdict
    /// worse (never better): the signature may be sound, but the document does not stand.
    pub fn apply_journal(&mut self, facet: JournalFacet) {
        let verdict = match facet.status {
            JournalStatus::Registered => None,
            JournalStatus::Annulled | JournalStatus::Modified => Some(Indication::TotalFailed),
            JournalStatus::NotRegistered => Some(Indication::Indeterminate),
        };
        let rank = |i: Indication| match i {
            Indication::TotalPassed => 0,
            Indication::Indeterminate => 1,
            Indication::TotalFailed => 2,
        };
        if let Some(indication) = verdict
            && rank(indication) > rank(self.indication)
        {
            self.indication = indication;
            self.sub_indication = Some(SubIndication::SigConstraintsFailure);
        }
        self.journal = Some(facet);
    }

    /// CLI exit code: 0 passed, 1 failed, 3 indeterminate.
    pub fn exit_code(&self) -> u8 {
        match self.indication {
            Indication::TotalPassed => 0,
            Indication::TotalFailed => 1,
            Indication::Indeterminate => 3,
        }
    }
}

/// Verifies a file: a PDF (every signature), or an attached CMS; `detached` is the signed
/// data of a detached CMS.
pub fn verify(
    input: &[u8],
    detached: Option<&[u8]>,
    registry: &Registry,
    opts: Options,
) -> Result<Report, VerifyError> {
    // Third-party parsers (x509-parser, asn1-rs) run inside: a panic in any of them must
    // still end in a verdict that is not "valid", never in a crash.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        verify_unguarded(input, detached, registry, opts)
    }))
    .unwrap_or_else(|_| {
        let format = if input.starts_with(b"%PDF-") {
            "pdf"
        } else {
            "cms"
        };
        Ok(failed_document(
            format,
            None,
            Finding::new(
                SubIndication::FormatFailure,
                "a parser failed on this input; it is not accepted",
            ),
            opts.now,
        ))
    })
}

fn verify_unguarded(
    input: &[u8],
    detached: Option<&[u8]>,
    registry: &Registry,
    opts: Options,
) -> Result<Report, VerifyError> {
    if input.len() > MAX_INPUT {
        return Err(VerifyError::TooLarge { size: input.len() });
    }
    if detached.is_none() && input.starts_with(b"%PDF-") {
        return Ok(verify_pdf(input, registry, opts));
    }
    let der = decode_cms(input)?;
    verify_cms(&der, detached, registry, opts)
}

/// DER as is, or base64 (whitespace and PEM armour allowed) as NCALayer returns it.
pub fn decode_cms(input: &[u8]) -> Result<Vec<u8>, VerifyError> {
    if input.first() == Some(&0x30) {
        return Ok(input.to_vec());
    }
    let text = std::str::from_utf8(input)
        .map_err(|_| VerifyError::NotSigned("neither DER nor base64 text".into()))?;
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.as_bytes())
        .map_err(|e| VerifyError::NotSigned(format!("invalid base64: {e}")))?;
    if der.first() != Some(&0x30) {
        return Err(VerifyError::NotSigned(
            "the decoded bytes are not a DER SEQUENCE".into(),
        ));
    }
    Ok(der)
}

/// Every signature of a PDF. A PDF that cannot be read, or has no signature, fails.
pub fn verify_pdf(pdf: &[u8], registry: &Registry, opts: Options) -> Report {
    let document = pdf::document_keywords(pdf).map(|k| parse_keywords(&k));
    let checks = match pdf::verify_pdf_structure(pdf) {
        Ok(c) => c,
        Err(f) => return failed_document("pdf", document, f, opts.now),
    };
    if checks.is_empty() {
        return failed_document(
            "pdf",
            document,
            Finding::new(SubIndication::FormatFailure, "the PDF has no signature"),
            opts.now,
        );
    }
    let info = document.clone().unwrap_or_default();
    let signatures = checks
        .into_iter()
        .map(|check| {
            let mut facets = Facets {
                coverage: "unknown",
                ..Facets::default()
            };
            let mut findings = Vec::new();
            let mut claimed = None;
            let field = check.signature.as_ref().map(|s| s.field_name.clone());
            if let Some(sig) = &check.signature {
                facets.coverage = if sig.covers_whole_file {
                    "entire_file"
                } else {
                    "revision"
                };
                claimed = sig.claimed_time.as_deref().and_then(parse_pdf_date);
            }
            match &check.result {
                Ok(level) => {
                    facets.intact = true;
                    facets.valid = true;
                    facets.modification_level = Some(*level);
                }
                Err(f) => {
                    // Structure failed: intact/valid only if the failure is a later one.
                    facets.intact = !matches!(
                        f.sub,
                        SubIndication::HashFailure | SubIndication::FormatFailure
                    );
                    facets.valid = facets.intact && f.sub != SubIndication::SigCryptoFailure;
                    findings.push(f.clone());
                }
            }
            let cms_time = check.cms.as_ref().and_then(|c| c.signing_time);
            claimed = claimed.or(cms_time);
            finish_signature(
                field,
                check.cms.as_ref(),
                facets,
                findings,
                claimed,
                Some(&info),
                registry,
                opts,
            )
        })
        .collect();
    summarize("pdf", document, signatures)
}

/// An attached CMS, or a detached one with its data.
pub fn verify_cms(
    der: &[u8],
    detached: Option<&[u8]>,
    registry: &Registry,
    opts: Options,
) -> Result<Report, VerifyError> {
    let parsed = match cms::parse(der) {
        Ok(p) => p,
        Err(f) => return Ok(failed_document("cms", None, f, opts.now)),
    };
    let content = match (&parsed.content, detached) {
        (Some(_), Some(_)) => return Err(VerifyError::DetachedWithAttached),
        (Some(c), None) => c.as_slice(),
        (None, Some(d)) => d,
        (None, None) => {
            return Ok(failed_document(
                "cms",
                None,
                Finding::new(
                    SubIndication::SignedDataNotFound,
                    "a detached CMS needs the signed data (--cms <signature> with the data file)",
                ),
                opts.now,
            ));
        }
    };
    let mut facets = Facets {
        coverage: "entire_file",
        ..Facets::default()
    };
    let mut findings = Vec::new();
    match cms::verify_digest(&parsed, content) {
        Ok(()) => facets.intact = true,
        Err(f) => findings.push(f),
    }
    match cms::verify_signature(&parsed) {
        Ok(()) => facets.valid = true,
        Err(f) => findings.push(f),
    }
    facets.modification_level = Some(ModificationLevel::None);
    let claimed = parsed.signing_time;
    let report = finish_signature(
        None,
        Some(&parsed),
        facets,
        findings,
        claimed,
        None,
        registry,
        opts,
    );
    Ok(summarize("cms", None, vec![report]))
}

/// Checks 4–7 at the validation time and at now, then the indication and messages.
#[allow(clippy::too_many_arguments)]
fn finish_signature(
    field: Option<String>,
    parsed: Option<&ParsedCms>,
    mut facets: Facets,
    mut findings: Vec<Finding>,
    claimed: Option<OffsetDateTime>,
    document: Option<&DocumentInfo>,
    registry: &Registry,
    opts: Options,
) -> SignatureReport {
    let at = opts.at.or(claimed).unwrap_or(opts.now);
    let mut signer = None;
    let mut chain = Vec::new();
    let mut revocation = Vec::new();
    let mut now_findings = Vec::new();
    if let Some(parsed) = parsed {
        let leaf = parsed.signer_certificate.as_slice();
        signer = signer_report(leaf);
        let cert_checks = certificate_checks(leaf, parsed, document, registry, at);
        facets.trusted = cert_checks.trusted;
        facets.revoked = cert_checks.revoked;
        facets.revocation_checked = cert_checks.revocation_checked;
        facets.authorized = cert_checks.authorized;
        chain = cert_checks.chain;
        revocation = cert_checks.revocation;
        if let (Some(s), Some(a)) = (signer.as_mut(), cert_checks.authorization) {
            s.position_kk = Some(a.position_kk);
            s.position_ru = Some(a.position_ru);
            s.authorization = Some(a.id);
        }
        findings.extend(cert_checks.findings);
        now_findings = certificate_checks(leaf, parsed, document, registry, opts.now).findings;
    }
    // The structural findings hold at any time.
    let structural: Vec<Finding> = findings
        .iter()
        .filter(|f| {
            matches!(
                f.sub,
                SubIndication::FormatFailure
                    | SubIndication::HashFailure
                    | SubIndication::SigCryptoFailure
                    | SubIndication::SignedDataNotFound
            )
        })
        .cloned()
        .collect();
    now_findings.splice(0..0, structural);
    let findings = order(findings);
    let now_findings = order(now_findings);
    let (indication, sub) = decide(&findings);
    let (now_indication, now_sub) = decide(&now_findings);
    let reason = findings.first().map(|f| f.reason.clone());
    let message = messages(indication, sub, signer.as_ref(), reason.as_deref());
    SignatureReport {
        field,
        indication,
        sub_indication: sub,
        reason,
        findings: findings
            .into_iter()
            .map(|f| FindingReport {
                sub_indication: f.sub,
                reason: f.reason,
            })
            .collect(),
        facets,
        signer,
        signing_time: claimed.and_then(|t| t.format(&Rfc3339).ok()),
        validated_at: at.format(&Rfc3339).unwrap_or_default(),
        now: NowFacet {
            at: opts.now.format(&Rfc3339).unwrap_or_default(),
            indication: now_indication,
            sub_indication: now_sub,
        },
        chain,
        revocation,
        message,
    }
}

struct CertificateChecks {
    findings: Vec<Finding>,
    trusted: bool,
    revoked: Option<bool>,
    revocation_checked: bool,
    authorized: Option<bool>,
    authorization: Option<path::AuthorizationMatch>,
    chain: Vec<String>,
    revocation: Vec<String>,
}

/// Checks 4–7 of the signer certificate at `at`.
fn certificate_checks(
    leaf: &[u8],
    parsed: &ParsedCms,
    document: Option<&DocumentInfo>,
    registry: &Registry,
    at: OffsetDateTime,
) -> CertificateChecks {
    let mut out = CertificateChecks {
        findings: Vec::new(),
        trusted: false,
        revoked: None,
        revocation_checked: false,
        authorized: None,
        authorization: None,
        chain: Vec::new(),
        revocation: Vec::new(),
    };
    match path::validate_path(leaf, &parsed.certificates, registry, at) {
        Ok(validated) => {
            out.trusted = true;
            out.chain = validated.subjects.clone();
            match path::check_revocation(&validated, registry, at) {
                Ok(status) => {
                    out.revoked = Some(false);
                    out.revocation_checked = true;
                    for c in &status.certificates {
                        let evidence = match &c.evidence {
                            Evidence::Crl {
                                this_update,
                                next_update,
                                ..
                            } => format!(
                                "CRL of {}{}",
                                this_update.date(),
                                next_update
                                    .map(|n| format!(" (next update {})", n.date()))
                                    .unwrap_or_default()
                            ),
                            Evidence::PinnedIntermediate => "pinned in the registry".into(),
                            Evidence::NotChecked { reason } => {
                                out.revocation_checked = false;
                                out.revoked = None;
                                format!("NOT checked (registry policy): {reason}")
                            }
                        };
                        let later = c
                            .revoked_later
                            .as_ref()
                            .map(|r| format!("; revoked later, {}", r.date.date()))
                            .unwrap_or_default();
                        out.revocation
                            .push(format!("{} ({}): {evidence}{later}", c.subject, c.serial));
                    }
                }
                Err(f) => {
                    if f.sub == SubIndication::Revoked {
                        out.revoked = Some(true);
                        out.revocation_checked = true;
                    }
                    out.findings.push(f);
                }
            }
        }
        Err(f) => out.findings.push(f),
    }
    if let Err(f) = path::check_key_usage(leaf) {
        out.findings.push(f);
    }
    // Whom an untrusted certificate names is unproven: authorization is judged only for a
    // certificate with a validated path.
    if !out.trusted {
        return out;
    }
    let (kind, bin) = document
        .map(|d| (d.kind.as_deref(), d.issuer_bin.as_deref()))
        .unwrap_or((None, None));
    match path::check_authorization(leaf, registry, kind, bin, at) {
        Ok(m) => {
            out.authorized = Some(true);
            out.authorization = Some(m);
        }
        Err(f) => {
            out.authorized = Some(false);
            out.findings.push(f);
        }
    }
    out
}

/// Decisive first: failures before indeterminate results, each in check order.
fn order(findings: Vec<Finding>) -> Vec<Finding> {
    let (mut failed, indeterminate): (Vec<_>, Vec<_>) = findings
        .into_iter()
        .partition(|f| f.sub.indication() == Indication::TotalFailed);
    failed.extend(indeterminate);
    failed
}

fn decide(ordered: &[Finding]) -> (Indication, Option<SubIndication>) {
    match ordered.first() {
        None => (Indication::TotalPassed, None),
        Some(f) => (f.sub.indication(), Some(f.sub)),
    }
}

fn summarize(
    format: &'static str,
    document: Option<DocumentInfo>,
    signatures: Vec<SignatureReport>,
) -> Report {
    let worst = signatures
        .iter()
        .find(|s| s.indication == Indication::TotalFailed)
        .or_else(|| {
            signatures
                .iter()
                .find(|s| s.indication == Indication::Indeterminate)
        });
    let (indication, sub_indication) = match worst {
        Some(s) => (s.indication, s.sub_indication),
        None => (Indication::TotalPassed, None),
    };
    Report {
        format,
        indication,
        sub_indication,
        document,
        signatures,
        journal: None,
    }
}

/// A document that fails before any signature could be examined.
fn failed_document(
    format: &'static str,
    document: Option<DocumentInfo>,
    f: Finding,
    now: OffsetDateTime,
) -> Report {
    let indication = f.sub.indication();
    let now = now.format(&Rfc3339).unwrap_or_default();
    let message = messages(indication, Some(f.sub), None, Some(&f.reason));
    let signature = SignatureReport {
        field: None,
        indication,
        sub_indication: Some(f.sub),
        reason: Some(f.reason.clone()),
        findings: vec![FindingReport {
            sub_indication: f.sub,
            reason: f.reason,
        }],
        facets: Facets {
            coverage: "unknown",
            ..Facets::default()
        },
        signer: None,
        signing_time: None,
        validated_at: now.clone(),
        now: NowFacet {
            at: now,
            indication,
            sub_indication: Some(f.sub),
        },
        chain: Vec::new(),
        revocation: Vec::new(),
        message,
    };
    summarize(format, document, vec![signature])
}

fn signer_report(leaf: &[u8]) -> Option<SignerReport> {
    let s = subject::parse(leaf).ok()?;
    Some(SignerReport {
        issuer: subject::issuer_common_name(leaf),
        common_name: s.common_name,
        surname: s.surname,
        given_name: s.given_name,
        patronymic: s.patronymic,
        iin: s.iin,
        iin_check_digit_warning: s.iin_check_digit_warning,
        bin: s.bin,
        organisation: s.organisation,
        roles: s
            .roles
            .into_iter()
            .map(|oid| RoleReport {
                name: role_name(&oid),
                oid,
            })
            .collect(),
        certificate_serial: s.serial,
        position_kk: None,
        position_ru: None,
        authorization: None,
    })
}

/// `kind=…`, `issuer_bin=…`, `id=…` tokens of a qujat document's keywords.
pub fn parse_keywords(keywords: &str) -> DocumentInfo {
    let mut info = DocumentInfo::default();
    for token in keywords.split([',', ';', ' ']) {
        let token = token.trim();
        if let Some(v) = token.strip_prefix("kind=") {
            info.kind = Some(v.to_owned());
        } else if let Some(v) = token.strip_prefix("issuer_bin=") {
            info.issuer_bin = Some(v.to_owned());
        } else if let Some(v) = token.strip_prefix("id=") {
            info.id = Some(v.to_owned());
        }
    }
    info
}

/// A PDF date `D:YYYYMMDDHHmmSS+HH'mm'` (seconds and zone optional).
pub fn parse_pdf_date(text: &str) -> Option<OffsetDateTime> {
    let t = text.strip_prefix("D:").unwrap_or(text);
    let digits = |from: usize, len: usize| -> Option<u32> {
        let s = t.get(from..from + len)?;
        s.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let year = digits(0, 4)? as i32;
    let month = digits(4, 2).unwrap_or(1) as u8;
    let day = digits(6, 2).unwrap_or(1) as u8;
    let hour = digits(8, 2).unwrap_or(0) as u8;
    let minute = digits(10, 2).unwrap_or(0) as u8;
    let second = digits(12, 2).unwrap_or(0) as u8;
    let date =
        time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?;
    let local = date.with_hms(hour, minute, second).ok()?;
    let zone = t.get(14..).unwrap_or("");
    let offset = match zone.as_bytes().first() {
        None | Some(b'Z') => time::UtcOffset::UTC,
        Some(sign @ (b'+' | b'-')) => {
            let h: i8 = zone.get(1..3)?.parse().ok()?;
            let m: i8 = zone.get(4..6).and_then(|m| m.parse().ok()).unwrap_or(0);
            let (h, m) = if *sign == b'-' { (-h, -m) } else { (h, m) };
            time::UtcOffset::from_hms(h, m, 0).ok()?
        }
        Some(_) => return None,
    };
    Some(local.assume_offset(offset))
}

const MESSAGES: &str = include_str!("messages.toml");

/// One sentence per language for the report.
fn messages(
    indication: Indication,
    sub: Option<SubIndication>,
    signer: Option<&SignerReport>,
    reason: Option<&str>,
) -> BTreeMap<&'static str, String> {
    static TABLE: std::sync::OnceLock<toml::Table> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| toml::from_str(MESSAGES).unwrap_or_default());
    let key = match indication {
        Indication::TotalPassed => "total_passed",
        Indication::TotalFailed => "total_failed",
        Indication::Indeterminate => "indeterminate",
    };
    let sub_key = sub
        .and_then(|s| serde_json::to_value(s).ok())
        .and_then(|v| v.as_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    let name = signer
        .map(SignerReport::full_name)
        .filter(|n| !n.is_empty())
        .or_else(|| signer.map(|s| s.common_name.clone()))
        .unwrap_or_else(|| "—".into());
    let mut out = BTreeMap::new();
    for lang in ["kk", "ru", "en"] {
        let Some(t) = table.get(lang).and_then(|t| t.as_table()) else {
            continue;
        };
        let text = |k: &str| t.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        let mut sentence = text(key).replace("{signer}", &name);
        if !sub_key.is_empty() {
            let why = text(&sub_key);
            if !why.is_empty() {
                sentence = sentence.replace("{why}", &why);
            }
        }
        sentence = sentence.replace("{why}", reason.unwrap_or(""));
        if lang == "en"
            && let Some(r) = reason
        {
            sentence = format!("{sentence} ({r})");
        }
        out.insert(lang, sentence);
    }
    out
}
