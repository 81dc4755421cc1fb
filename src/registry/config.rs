//! `registry.toml`: the authorizations of a registry, read strictly (unknown keys, unknown
//! kinds and malformed values are errors, so a typo never silently changes who may sign) and
//! written as plain, commented TOML a person can edit.

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, Time};

/// Version of the `registry.toml` format this build reads and writes.
pub const FORMAT_VERSION: i64 = 1;

/// Prefix of the NCA role OIDs (pki-kz.md); only these appear in a certificate's roles.
const ROLE_PREFIX: &str = "1.2.398.3.3.4.";

/// The comment block every `registry.toml` written by qujat starts with.
pub(crate) const HEADER: &str = "\
# qujat certificate registry: whom a verifier trusts, and who may sign what.
#
# Next to this file: anchors/*.pem (pinned trust anchors), intermediates/*.pem (CA
# certificates) and crls/*.crl (CRLs, DER or PEM). Files added by qujat are named after
# their SHA-256 fingerprint; any *.pem / *.crl name works.
#
# Each [[authorization]] lets one signer sign documents of some kinds for one organisation:
#   id                   stable short name (letters, digits, '.', '_', '-')
#   certificate_sha256   SHA-256 fingerprint (hex) of the signer certificate, or instead
#   iin, bin, role       the IIN and BIN of an NCA certificate and an NCA role OID of its EKU:
#                        1.2.398.3.3.4.1.2.1 first head, .1.2.2 signing right, .1.2.5 employee
#   organisation_bin     BIN of the organisation whose documents the signer may sign
#   position_kk/_ru      the signer's position, shown in verification reports
#   kinds                document kinds, or [\"*\"] for every kind
#   valid_from/valid_to  optional; a date (UTC; valid_to includes that whole day) or an
#                        RFC 3339 date-time
#   revoked_at           set when the authorization is revoked: invalid from that moment
#   note                 optional free text
#
# Optional top-level policy: revocation_not_checked_for = [\"<CA certificate SHA-256>\", ...]
# accepts certificates issued by those CAs when no CRL can prove their status at the
# validation time; reports then say revocation was NOT checked. Use only for test CAs.
";

/// A point in time as written in `registry.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// A calendar date, read in UTC.
    Date(Date),
    /// An RFC 3339 date-time with an offset.
    DateTime(OffsetDateTime),
}

impl Moment {
    /// Parses `2026-01-01` or an RFC 3339 date-time such as `2026-01-01T09:00:00+05:00`.
    pub fn parse(text: &str) -> Option<Moment> {
        let text = text.trim();
        if let Ok(dt) = OffsetDateTime::parse(text, &Rfc3339) {
            return Some(Moment::DateTime(dt));
        }
        let format = time::macros::format_description!("[year]-[month]-[day]");
        Date::parse(text, format).ok().map(Moment::Date)
    }

    /// The first instant the moment denotes (a date: 00:00 UTC of that day).
    pub fn start(self) -> OffsetDateTime {
        match self {
            Moment::Date(d) => d.with_time(Time::MIDNIGHT).assume_utc(),
            Moment::DateTime(dt) => dt,
        }
    }

    /// Whether `at` is not after the moment; a date covers its whole day (UTC).
    pub fn covers_until(self, at: OffsetDateTime) -> bool {
        match self {
            Moment::Date(_) => at < self.start() + Duration::days(1),
            Moment::DateTime(dt) => at <= dt,
        }
    }
}

impl fmt::Display for Moment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Moment::Date(d) => write!(
                f,
                "{:04}-{:02}-{:02}",
                d.year(),
                u8::from(d.month()),
                d.day()
            ),
            Moment::DateTime(dt) => match dt.format(&Rfc3339) {
                Ok(s) => f.write_str(&s),
                // Years outside 0..=9999 cannot be RFC 3339; never produced by parse.
                Err(_) => write!(f, "{dt}"),
            },
        }
    }
}

/// Which certificates an authorization applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerMatch {
    /// Exactly one certificate, by its SHA-256 fingerprint (lowercase hex).
    Certificate { sha256: String },
    /// Any NCA certificate of this person (IIN) in this organisation (BIN) with this role OID
    /// in its EKU: survives the yearly certificate renewal.
    Person {
        iin: String,
        bin: String,
        role: String,
    },
}

/// One `[[authorization]]`: a signer may sign `kinds` for `organisation_bin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub id: String,
    pub signer: SignerMatch,
    pub organisation_bin: String,
    pub position_kk: String,
    pub position_ru: String,
    /// Document kind names (`crate::KINDS`), or `["*"]`.
    pub kinds: Vec<String>,
    pub valid_from: Option<Moment>,
    pub valid_to: Option<Moment>,
    pub revoked_at: Option<Moment>,
    pub note: Option<String>,
}

impl Authorization {
    /// Checks the fields a person could get wrong; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        validate_id(&self.id)?;
        match &self.signer {
            SignerMatch::Certificate { sha256 } => {
                normalize_fingerprint(sha256).map(drop)?;
            }
            SignerMatch::Person { iin, bin, role } => {
                twelve_digits("iin", iin)?;
                twelve_digits("bin", bin)?;
                validate_role(role)?;
            }
        }
        twelve_digits("organisation_bin", &self.organisation_bin)?;
        if self.position_kk.trim().is_empty() {
            return Err("position_kk: empty".into());
        }
        if self.position_ru.trim().is_empty() {
            return Err("position_ru: empty".into());
        }
        validate_kinds(&self.kinds)?;
        if let (Some(from), Some(to)) = (self.valid_from, self.valid_to)
            && !to.covers_until(from.start())
        {
            return Err(format!("valid_to {to} is before valid_from {from}"));
        }
        Ok(())
    }

    /// Whether the authorization may be used at `at`; otherwise why not.
    pub fn check_time(&self, at: OffsetDateTime) -> Result<(), String> {
        if let Some(from) = self.valid_from
            && at < from.start()
        {
            return Err(format!("authorization `{}` starts {from}", self.id));
        }
        if let Some(to) = self.valid_to
            && !to.covers_until(at)
        {
            return Err(format!("authorization `{}` ended {to}", self.id));
        }
        if let Some(revoked) = self.revoked_at
            && at >= revoked.start()
        {
            return Err(format!("authorization `{}` was revoked {revoked}", self.id));
        }
        Ok(())
    }

    /// Whether documents of `kind` are covered.
    pub fn allows_kind(&self, kind: &str) -> bool {
        self.kinds.iter().any(|k| k == "*" || k == kind)
    }

    /// The `[[authorization]]` block as written to `registry.toml`.
    pub(crate) fn to_toml(&self) -> String {
        let mut out = String::from("[[authorization]]\n");
        let mut line = |key: &str, value: String| {
            out.push_str(key);
            out.push_str(" = ");
            out.push_str(&value);
            out.push('\n');
        };
        line("id", quote(&self.id));
        match &self.signer {
            SignerMatch::Certificate { sha256 } => line("certificate_sha256", quote(sha256)),
            SignerMatch::Person { iin, bin, role } => {
                line("iin", quote(iin));
                line("bin", quote(bin));
                line("role", quote(role));
            }
        }
        line("organisation_bin", quote(&self.organisation_bin));
        line("position_kk", quote(&self.position_kk));
        line("position_ru", quote(&self.position_ru));
        let kinds: Vec<String> = self.kinds.iter().map(|k| quote(k)).collect();
        line("kinds", format!("[{}]", kinds.join(", ")));
        if let Some(m) = self.valid_from {
            line("valid_from", m.to_string());
        }
        if let Some(m) = self.valid_to {
            line("valid_to", m.to_string());
        }
        if let Some(m) = self.revoked_at {
            line("revoked_at", m.to_string());
        }
        if let Some(note) = &self.note {
            line("note", quote(note));
        }
        out
    }
}

/// A TOML basic string with escapes.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn validate_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "id {id:?}: use 1 to 64 letters, digits, '.', '_' or '-'"
        ))
    }
}

fn twelve_digits(field: &str, value: &str) -> Result<(), String> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("{field}: {value:?} is not 12 digits"))
    }
}

fn validate_role(role: &str) -> Result<(), String> {
    let dotted = !role.is_empty()
        && role
            .split('.')
            .all(|arc| !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit()));
    if dotted && role.starts_with(ROLE_PREFIX) {
        Ok(())
    } else {
        Err(format!(
            "role: {role:?} is not an NCA role OID ({ROLE_PREFIX}…, e.g. 1.2.398.3.3.4.1.2.1)"
        ))
    }
}

fn validate_kinds(kinds: &[String]) -> Result<(), String> {
    if kinds.is_empty() {
        return Err("kinds: empty; list document kinds or use [\"*\"]".into());
    }
    if kinds.len() > 1 && kinds.iter().any(|k| k == "*") {
        return Err("kinds: \"*\" already means every kind; list nothing else".into());
    }
    for kind in kinds {
        if kind != "*" && !crate::KINDS.contains(&kind.as_str()) {
            return Err(format!(
                "kinds: unknown kind {kind:?}; one of: {}",
                crate::KINDS.join(", ")
            ));
        }
    }
    Ok(())
}

/// Lowercase hex of a SHA-256 fingerprint written with any case and optional ':' separators.
pub(crate) fn normalize_fingerprint(text: &str) -> Result<String, String> {
    let hex: String = text
        .chars()
        .filter(|c| *c != ':')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hex)
    } else {
        Err(format!(
            "certificate_sha256: {text:?} is not a SHA-256 fingerprint (64 hex digits)"
        ))
    }
}

/// Key of the list of CA fingerprints whose certificates are accepted without revocation
/// evidence: an explicit, reported policy for CAs whose CRLs cannot cover the validation
/// time (e.g. expired test hierarchies whose CAs drop expired certificates from CRLs).
pub(crate) const REVOCATION_UNCHECKED: &str = "revocation_not_checked_for";

/// The normalized fingerprints listed under `revocation_not_checked_for`.
pub(crate) fn revocation_unchecked(text: &str) -> Result<Vec<String>, ParseError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| ParseError::Syntax(e.to_string()))?;
    let Some(value) = table.get(REVOCATION_UNCHECKED) else {
        return Ok(Vec::new());
    };
    let items = value.as_array().ok_or_else(|| {
        invalid(format!(
            "{REVOCATION_UNCHECKED}: expected a list of SHA-256 fingerprints"
        ))
    })?;
    items
        .iter()
        .map(|v| {
            let text = v.as_str().ok_or_else(|| {
                invalid(format!(
                    "{REVOCATION_UNCHECKED}: expected fingerprint strings"
                ))
            })?;
            normalize_fingerprint(text).map_err(|m| invalid(format!("{REVOCATION_UNCHECKED}: {m}")))
        })
        .collect()
}

/// Reads a whole `registry.toml`. The error is a message without the file name.
pub(crate) fn parse(text: &str) -> Result<Vec<Authorization>, ParseError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| ParseError::Syntax(e.to_string()))?;
    let mut format = None;
    let mut authorizations = Vec::new();
    for (key, value) in &table {
        match key.as_str() {
            "format" => format = Some(value),
            // Read by `revocation_unchecked`; validated there.
            REVOCATION_UNCHECKED => {}
            "authorization" => {
                let Some(items) = value.as_array() else {
                    return Err(invalid("authorization: expected [[authorization]] tables"));
                };
                for (i, item) in items.iter().enumerate() {
                    let Some(t) = item.as_table() else {
                        return Err(invalid(format!(
                            "authorization #{}: expected a table",
                            i + 1
                        )));
                    };
                    let a = from_table(t).map_err(|m| {
                        let id = t.get("id").and_then(|v| v.as_str()).unwrap_or("?");
                        invalid(format!("authorization #{} (id {id:?}): {m}", i + 1))
                    })?;
                    authorizations.push(a);
                }
            }
            other => {
                return Err(invalid(format!(
                    "unknown key `{other}` (expected `format`, `{REVOCATION_UNCHECKED}` and [[authorization]])"
                )));
            }
        }
    }
    match format {
        None => return Err(invalid(format!("missing `format = {FORMAT_VERSION}`"))),
        Some(toml::Value::Integer(FORMAT_VERSION)) => {}
        Some(toml::Value::Integer(n)) => return Err(ParseError::Version(*n)),
        Some(_) => return Err(invalid("format: expected an integer")),
    }
    for (i, a) in authorizations.iter().enumerate() {
        if authorizations[..i].iter().any(|b| b.id == a.id) {
            return Err(invalid(format!(
                "authorization id {:?} is used twice",
                a.id
            )));
        }
    }
    Ok(authorizations)
}

#[derive(Debug)]
pub(crate) enum ParseError {
    Syntax(String),
    Invalid(String),
    Version(i64),
}

fn invalid(message: impl Into<String>) -> ParseError {
    ParseError::Invalid(message.into())
}

const KEYS: &[&str] = &[
    "id",
    "certificate_sha256",
    "iin",
    "bin",
    "role",
    "organisation_bin",
    "position_kk",
    "position_ru",
    "kinds",
    "valid_from",
    "valid_to",
    "revoked_at",
    "note",
];

fn from_table(t: &toml::Table) -> Result<Authorization, String> {
    if let Some(unknown) = t.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(format!("unknown key `{unknown}`"));
    }
    let fingerprint = opt_str(t, "certificate_sha256")?;
    let person = (opt_str(t, "iin")?, opt_str(t, "bin")?, opt_str(t, "role")?);
    let signer = match (fingerprint, person) {
        (Some(fp), (None, None, None)) => SignerMatch::Certificate {
            sha256: normalize_fingerprint(&fp)?,
        },
        (None, (Some(iin), Some(bin), Some(role))) => SignerMatch::Person { iin, bin, role },
        (Some(_), _) => {
            return Err("give either certificate_sha256 or iin + bin + role, not both".into());
        }
        (None, (None, None, None)) => {
            return Err("no signer: give certificate_sha256, or iin + bin + role".into());
        }
        (None, _) => return Err("iin, bin and role go together".into()),
    };
    let kinds = match t.get("kinds") {
        None => return Err("missing key `kinds`".into()),
        Some(toml::Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| "kinds: expected strings".to_owned())
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err("kinds: expected a list of strings".into()),
    };
    let a = Authorization {
        id: req_str(t, "id")?,
        signer,
        organisation_bin: req_str(t, "organisation_bin")?,
        position_kk: req_str(t, "position_kk")?,
        position_ru: req_str(t, "position_ru")?,
        kinds,
        valid_from: moment(t, "valid_from")?,
        valid_to: moment(t, "valid_to")?,
        revoked_at: moment(t, "revoked_at")?,
        note: opt_str(t, "note")?,
    };
    a.validate()?;
    Ok(a)
}

fn opt_str(t: &toml::Table, key: &str) -> Result<Option<String>, String> {
    match t.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{key}: expected a string")),
    }
}

fn req_str(t: &toml::Table, key: &str) -> Result<String, String> {
    opt_str(t, key)?.ok_or_else(|| format!("missing key `{key}`"))
}

fn moment(t: &toml::Table, key: &str) -> Result<Option<Moment>, String> {
    let bad =
        || format!("{key}: expected a date (2026-01-01) or an RFC 3339 date-time with an offset");
    match t.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Moment::parse(s).map(Some).ok_or_else(bad),
        Some(toml::Value::Datetime(dt)) => {
            // A date-time without an offset is ambiguous (UTC? Astana?): refuse it.
            if dt.time.is_some() && dt.offset.is_none() {
                return Err(format!("{key}: {dt} has no offset; add Z or +05:00"));
            }
            if dt.date.is_none() {
                return Err(bad());
            }
            Moment::parse(&dt.to_string()).map(Some).ok_or_else(bad)
        }
        Some(_) => Err(bad()),
    }
}

/// `text` with `revoked_at = at` added to the block of authorization `id`, keeping every
/// comment and line of the file. `None` when the block cannot be found by its lines (e.g.
/// an inline table); the caller then reports that the file must be edited by hand.
pub(crate) fn insert_revoked_at(text: &str, id: &str, at: Moment) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let is_header = |l: &str| {
        let compact: String = l
            .split('#')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        compact.starts_with("[[") || (compact.starts_with('[') && compact.ends_with(']'))
    };
    let mut start = None;
    for (i, line) in lines.iter().enumerate() {
        let compact: String = line.split_whitespace().collect();
        if !compact.starts_with("[[authorization]]") {
            continue;
        }
        let end = (i + 1..lines.len())
            .find(|&j| is_header(lines[j]))
            .unwrap_or(lines.len());
        let block: String = lines[i..end].concat();
        let parsed: Result<toml::Table, _> = toml::from_str(&block);
        let matches = parsed.ok().and_then(|t| {
            t.get("authorization")?
                .as_array()?
                .first()?
                .get("id")?
                .as_str()
                .map(|s| s == id)
        });
        if matches == Some(true) {
            start = Some((i, end));
            break;
        }
    }
    let (i, end) = start?;
    // After the block's last key line, so trailing comments stay with the next block.
    let last_key = (i..end).rev().find(|&j| {
        let t = lines[j].trim();
        !t.is_empty() && !t.starts_with('#')
    })?;
    let mut out = String::with_capacity(text.len() + 40);
    for (j, line) in lines.iter().enumerate() {
        out.push_str(line);
        if j == last_key {
            if !line.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&format!("revoked_at = {at}\n"));
        }
    }
    Some(out)
}
