//! The registry: what a verifier trusts and who may sign what (design.md "Journal and
//! registry", checks 4–7). It is a directory a person can read, edit and keep in git:
//!
//! ```text
//! <dir>/registry.toml       authorizations + format version (commented TOML)
//! <dir>/anchors/*.pem       pinned trust anchors (self-signed CA certificates)
//! <dir>/intermediates/*.pem CA certificates
//! <dir>/crls/*.crl          CRLs, DER or PEM
//! ```
//!
//! [`Registry`] is the immutable in-memory snapshot the verifier reads; the associated
//! functions taking a `dir` edit a directory. Every write goes to a temporary file that is then
//! renamed over the target, so a crash never leaves half a file. Files added by qujat are named
//! after their SHA-256 fingerprint; adding the same certificate or CRL twice changes nothing.

mod config;
pub mod demo;
#[cfg(test)]
pub(crate) mod tests;

use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use time::OffsetDateTime;

use config::ParseError;
pub use config::{Authorization, FORMAT_VERSION, Moment, SignerMatch};

use crate::verify::path as pkix;

const REGISTRY_FILE: &str = "registry.toml";
const ANCHORS: &str = "anchors";
const INTERMEDIATES: &str = "intermediates";
const CRLS: &str = "crls";

// Size caps: a registry file is read whole into memory.
const MAX_TOML: u64 = 4 << 20;
const MAX_CERT: u64 = 1 << 20;
/// Full NCA CRLs are large; 64 MiB leaves room.
const MAX_CRL: u64 = 64 << 20;

/// Something wrong with a registry directory, one of its files, or an input to add.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a registry (no registry.toml); create one with init", dir.display())]
    NotARegistry { dir: PathBuf },
    #[error("{}: exists and is not empty; refusing to initialise a registry there", dir.display())]
    NotEmpty { dir: PathBuf },
    #[error("{}: invalid TOML: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("{}: format version {found} is not supported (this qujat reads version {FORMAT_VERSION})", path.display())]
    UnsupportedVersion { path: PathBuf, found: i64 },
    #[error("{what}: {message}")]
    InvalidInput { what: &'static str, message: String },
    #[error("certificate «{subject}» is not a CA certificate: {reason}")]
    NotCa { subject: String, reason: String },
    #[error("certificate «{subject}» is not a self-signed root: {reason}")]
    NotSelfSigned { subject: String, reason: String },
    #[error("CRL of «{issuer}» is not signed by a CA in the registry: {reason}")]
    CrlNotVerified { issuer: String, reason: String },
    #[error("authorization `{id}`: {message}")]
    InvalidAuthorization { id: String, message: String },
    #[error("authorization `{id}` already exists")]
    DuplicateAuthorization { id: String },
    #[error("no authorization `{id}` in the registry")]
    UnknownAuthorization { id: String },
    #[error("authorization `{id}` is already revoked ({at})")]
    AlreadyRevoked { id: String, at: Moment },
    #[error(
        "{}: could not find the [[authorization]] block of `{id}` to add revoked_at; edit it by hand",
        path.display()
    )]
    CannotEdit { path: PathBuf, id: String },
}

/// A CA certificate of the registry (anchor or intermediate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertEntry {
    pub der: Vec<u8>,
    /// Lowercase hex SHA-256 of `der`.
    pub sha256: String,
    /// Subject CN (the full DN when there is no CN).
    pub subject: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

impl CertEntry {
    pub(crate) fn parse(der: Vec<u8>) -> Result<Self, String> {
        let cert = pkix::parse_certificate(&der)?;
        let entry = CertEntry {
            sha256: crate::hex_sha256(&der),
            subject: pkix::display_name(cert.subject()),
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
            der: Vec::new(),
        };
        Ok(CertEntry { der, ..entry })
    }
}

/// A CRL of the registry. Its signature is checked where it is used (revocation, listing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlEntry {
    /// DER (PEM files are decoded on load).
    pub der: Vec<u8>,
    /// Lowercase hex SHA-256 of `der`.
    pub sha256: String,
    /// Issuer CN (the full DN when there is no CN).
    pub issuer: String,
    pub this_update: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
    pub entries: usize,
    /// A delta CRL (RFC 5280 §5.2.4): its entries count, but it cannot prove "not revoked".
    pub delta: bool,
}

impl CrlEntry {
    pub(crate) fn parse(der: Vec<u8>) -> Result<Self, String> {
        let crl = pkix::parse_crl(&der)?;
        let entry = CrlEntry {
            sha256: crate::hex_sha256(&der),
            issuer: pkix::display_name(crl.issuer()),
            this_update: crl.last_update().to_datetime(),
            next_update: crl.next_update().map(|t| t.to_datetime()),
            entries: crl.iter_revoked_certificates().count(),
            delta: pkix::is_delta_crl(&crl),
            der: Vec::new(),
        };
        Ok(CrlEntry { der, ..entry })
    }
}

/// What an `add_*` call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    pub sha256: String,
    /// Subject (certificates) or issuer (CRLs).
    pub name: String,
    /// The file written; `None` when the registry already held these bytes.
    pub written: Option<PathBuf>,
}

/// An immutable snapshot of a registry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registry {
    pub(crate) anchors: Vec<CertEntry>,
    pub(crate) intermediates: Vec<CertEntry>,
    pub(crate) crls: Vec<CrlEntry>,
    pub(crate) authorizations: Vec<Authorization>,
    /// CA certificate fingerprints whose issued certificates need no revocation evidence.
    pub(crate) revocation_unchecked: Vec<String>,
}

impl Registry {
    /// An empty registry: trusts nothing, authorizes no one.
    pub fn empty() -> Registry {
        Registry::default()
    }

    pub fn anchors(&self) -> &[CertEntry] {
        &self.anchors
    }

    pub fn intermediates(&self) -> &[CertEntry] {
        &self.intermediates
    }

    pub fn crls(&self) -> &[CrlEntry] {
        &self.crls
    }

    pub fn authorizations(&self) -> &[Authorization] {
        &self.authorizations
    }

    /// Whether the registry's policy accepts certificates issued by the CA with this
    /// certificate fingerprint without revocation evidence (`revocation_not_checked_for`).
    pub fn revocation_unchecked(&self, issuer_sha256: &str) -> bool {
        self.revocation_unchecked.iter().any(|f| f == issuer_sha256)
    }

    /// Adds a trust anchor (PEM or DER): a self-signed CA certificate whose self-signature
    /// verifies. Idempotent.
    pub fn insert_anchor(&mut self, bytes: &[u8]) -> Result<&CertEntry, RegistryError> {
        let entry = check_anchor(single(bytes, "CERTIFICATE", "certificate")?)?;
        Ok(insert(&mut self.anchors, entry))
    }

    /// Adds an intermediate CA certificate (PEM or DER). Idempotent.
    pub fn insert_intermediate(&mut self, bytes: &[u8]) -> Result<&CertEntry, RegistryError> {
        let entry = check_ca(single(bytes, "CERTIFICATE", "certificate")?)?;
        Ok(insert(&mut self.intermediates, entry))
    }

    /// Adds a CRL (PEM or DER) whose signature verifies with a CA already in the registry.
    /// Idempotent.
    pub fn insert_crl(&mut self, bytes: &[u8]) -> Result<&CrlEntry, RegistryError> {
        let entry = self.check_crl(single(bytes, "X509 CRL", "CRL")?)?;
        Ok(insert(&mut self.crls, entry))
    }

    /// Adds an authorization (validated; its id must be new).
    pub fn insert_authorization(&mut self, a: Authorization) -> Result<(), RegistryError> {
        a.validate()
            .map_err(|message| RegistryError::InvalidAuthorization {
                id: a.id.clone(),
                message,
            })?;
        if self.authorizations.iter().any(|b| b.id == a.id) {
            return Err(RegistryError::DuplicateAuthorization { id: a.id });
        }
        self.authorizations.push(a);
        Ok(())
    }

    fn check_crl(&self, der: Vec<u8>) -> Result<CrlEntry, RegistryError> {
        let entry = CrlEntry::parse(der).map_err(|message| RegistryError::InvalidInput {
            what: "CRL",
            message,
        })?;
        match self.crl_signer(&entry) {
            Ok(_) => Ok(entry),
            Err(reason) => Err(RegistryError::CrlNotVerified {
                issuer: entry.issuer,
                reason,
            }),
        }
    }

    /// The CA of the registry whose key verifies `crl`, or why there is none.
    pub fn crl_signer(&self, crl: &CrlEntry) -> Result<&CertEntry, String> {
        let parsed = pkix::parse_crl(&crl.der)?;
        let mut reasons = Vec::new();
        for ca in self.anchors.iter().chain(&self.intermediates) {
            let Ok(cert) = pkix::parse_certificate(&ca.der) else {
                continue;
            };
            if cert.subject().as_raw() != parsed.issuer().as_raw() {
                continue;
            }
            match pkix::verify_crl_signed_by(&parsed, &cert) {
                Ok(()) => return Ok(ca),
                Err(e) => reasons.push(format!("«{}» ({}…): {e}", ca.subject, short(&ca.sha256))),
            }
        }
        if reasons.is_empty() {
            Err("no CA with the CRL's issuer name".into())
        } else {
            Err(reasons.join("; "))
        }
    }

    /// Creates an empty registry in `dir` (created if missing). Refuses a directory that
    /// already has anything in it, so an existing registry is never overwritten.
    pub fn init(dir: &Path) -> Result<(), RegistryError> {
        match std::fs::read_dir(dir) {
            Ok(mut entries) => {
                if entries.next().is_some() {
                    return Err(RegistryError::NotEmpty {
                        dir: dir.to_owned(),
                    });
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(RegistryError::Io {
                    path: dir.to_owned(),
                    source,
                });
            }
        }
        for sub in [ANCHORS, INTERMEDIATES, CRLS] {
            create_dir(&dir.join(sub))?;
        }
        let text = format!("{}\nformat = {FORMAT_VERSION}\n", config::HEADER);
        write_atomic(&dir.join(REGISTRY_FILE), text.as_bytes())
    }

    /// Reads and checks a registry directory. Every anchor must be a self-signed CA whose
    /// signature verifies, every intermediate a CA; CRLs must parse (their signatures are
    /// checked when used). A missing subdirectory is empty (git keeps no empty directories).
    pub fn load(dir: &Path) -> Result<Registry, RegistryError> {
        let (text, authorizations) = read_config(dir)?;
        let revocation_unchecked = config::revocation_unchecked(&text)
            .map_err(|e| config_error(dir.join(REGISTRY_FILE), e))?;
        let mut registry = Registry {
            authorizations,
            revocation_unchecked,
            ..Registry::default()
        };
        for (path, bytes) in read_files(&dir.join(ANCHORS), &["pem", "crt", "cer"], MAX_CERT)? {
            let entry = single(&bytes, "CERTIFICATE", "certificate")
                .and_then(check_anchor)
                .map_err(|e| invalid(&path, e))?;
            insert(&mut registry.anchors, entry);
        }
        for (path, bytes) in read_files(&dir.join(INTERMEDIATES), &["pem", "crt", "cer"], MAX_CERT)?
        {
            let entry = single(&bytes, "CERTIFICATE", "certificate")
                .and_then(check_ca)
                .map_err(|e| invalid(&path, e))?;
            insert(&mut registry.intermediates, entry);
        }
        for (path, bytes) in read_files(&dir.join(CRLS), &["crl", "pem"], MAX_CRL)? {
            let entry = single(&bytes, "X509 CRL", "CRL")
                .and_then(|der| {
                    CrlEntry::parse(der).map_err(|message| RegistryError::InvalidInput {
                        what: "CRL",
                        message,
                    })
                })
                .map_err(|e| invalid(&path, e))?;
            insert(&mut registry.crls, entry);
        }
        Ok(registry)
    }

    /// Adds a trust anchor to the registry in `dir` (see [`Registry::insert_anchor`]).
    pub fn add_anchor(dir: &Path, bytes: &[u8]) -> Result<Added, RegistryError> {
        let mut registry = Registry::load(dir)?;
        let before = registry.anchors.len();
        let entry = registry.insert_anchor(bytes)?.clone();
        let new = registry.anchors.len() > before;
        add_file(
            dir,
            ANCHORS,
            "pem",
            new,
            &entry.sha256,
            &entry.subject,
            || cert_file_text(&entry),
        )
    }

    /// Adds an intermediate CA certificate to the registry in `dir`.
    pub fn add_intermediate(dir: &Path, bytes: &[u8]) -> Result<Added, RegistryError> {
        let mut registry = Registry::load(dir)?;
        let before = registry.intermediates.len();
        let entry = registry.insert_intermediate(bytes)?.clone();
        let new = registry.intermediates.len() > before;
        add_file(
            dir,
            INTERMEDIATES,
            "pem",
            new,
            &entry.sha256,
            &entry.subject,
            || cert_file_text(&entry),
        )
    }

    /// Adds a CRL (stored as DER) to the registry in `dir`; its issuer must already be there.
    pub fn add_crl(dir: &Path, bytes: &[u8]) -> Result<Added, RegistryError> {
        let mut registry = Registry::load(dir)?;
        let before = registry.crls.len();
        let entry = registry.insert_crl(bytes)?.clone();
        let new = registry.crls.len() > before;
        add_file(dir, CRLS, "crl", new, &entry.sha256, &entry.issuer, || {
            entry.der.clone()
        })
    }

    /// Appends an `[[authorization]]` to `registry.toml`, keeping the file's comments.
    pub fn authorize(dir: &Path, a: Authorization) -> Result<(), RegistryError> {
        let (text, existing) = read_config(dir)?;
        let mut registry = Registry {
            authorizations: existing,
            ..Registry::default()
        };
        let block = a.to_toml();
        registry.insert_authorization(a)?;
        let mut new_text = text;
        if !new_text.ends_with('\n') {
            new_text.push('\n');
        }
        new_text.push('\n');
        new_text.push_str(&block);
        write_config(dir, &new_text, &registry.authorizations)
    }

    /// Sets `revoked_at` on authorization `id`: from `at` on it authorizes nothing. Earlier
    /// signatures stay authorized (they were made while it held).
    pub fn revoke_authorization(
        dir: &Path,
        id: &str,
        at: OffsetDateTime,
    ) -> Result<(), RegistryError> {
        let (text, mut authorizations) = read_config(dir)?;
        let Some(a) = authorizations.iter_mut().find(|a| a.id == id) else {
            return Err(RegistryError::UnknownAuthorization { id: id.to_owned() });
        };
        if let Some(at) = a.revoked_at {
            return Err(RegistryError::AlreadyRevoked {
                id: id.to_owned(),
                at,
            });
        }
        // Whole seconds: the file is for people, and sub-second precision proves nothing here.
        let at = Moment::DateTime(at.replace_nanosecond(0).unwrap_or(at));
        a.revoked_at = Some(at);
        let path = dir.join(REGISTRY_FILE);
        let new_text =
            config::insert_revoked_at(&text, id, at).ok_or_else(|| RegistryError::CannotEdit {
                path: path.clone(),
                id: id.to_owned(),
            })?;
        write_config(dir, &new_text, &authorizations)
    }

    /// A readable listing: anchors, intermediates, CRLs and authorizations.
    pub fn list(&self) -> String {
        self.to_string()
    }
}

/// Writes `registry.toml` after checking that `text` parses to exactly `expected`, so a
/// text edit can never store something other than what the caller asked for.
fn write_config(dir: &Path, text: &str, expected: &[Authorization]) -> Result<(), RegistryError> {
    let path = dir.join(REGISTRY_FILE);
    match config::parse(text) {
        Ok(parsed) if parsed == expected => write_atomic(&path, text.as_bytes()),
        Ok(_) => Err(RegistryError::Invalid {
            path,
            message: "the edited file does not read back as intended; edit it by hand".into(),
        }),
        Err(e) => Err(config_error(path, e)),
    }
}

fn read_config(dir: &Path) -> Result<(String, Vec<Authorization>), RegistryError> {
    let path = dir.join(REGISTRY_FILE);
    if !path.exists() {
        return Err(RegistryError::NotARegistry {
            dir: dir.to_owned(),
        });
    }
    let bytes = read_capped(&path, MAX_TOML)?;
    let text = String::from_utf8(bytes).map_err(|_| RegistryError::Invalid {
        path: path.clone(),
        message: "not UTF-8 text".into(),
    })?;
    let authorizations = config::parse(&text).map_err(|e| config_error(path, e))?;
    Ok((text, authorizations))
}

fn config_error(path: PathBuf, e: ParseError) -> RegistryError {
    match e {
        ParseError::Syntax(message) => RegistryError::Syntax { path, message },
        ParseError::Invalid(message) => RegistryError::Invalid { path, message },
        ParseError::Version(found) => RegistryError::UnsupportedVersion { path, found },
    }
}

fn invalid(path: &Path, e: RegistryError) -> RegistryError {
    RegistryError::Invalid {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

fn insert<T: HasFingerprint>(list: &mut Vec<T>, entry: T) -> &T {
    let index = match list.iter().position(|e| e.sha256() == entry.sha256()) {
        Some(i) => i,
        None => {
            list.push(entry);
            list.len() - 1
        }
    };
    &list[index]
}

trait HasFingerprint {
    fn sha256(&self) -> &str;
}

impl HasFingerprint for CertEntry {
    fn sha256(&self) -> &str {
        &self.sha256
    }
}

impl HasFingerprint for CrlEntry {
    fn sha256(&self) -> &str {
        &self.sha256
    }
}

fn check_ca(der: Vec<u8>) -> Result<CertEntry, RegistryError> {
    let cert = pkix::parse_certificate(&der).map_err(|message| RegistryError::InvalidInput {
        what: "certificate",
        message,
    })?;
    let subject = pkix::display_name(cert.subject());
    pkix::check_ca_capable(&cert).map_err(|reason| RegistryError::NotCa {
        subject: subject.clone(),
        reason,
    })?;
    CertEntry::parse(der).map_err(|message| RegistryError::InvalidInput {
        what: "certificate",
        message,
    })
}

fn check_anchor(der: Vec<u8>) -> Result<CertEntry, RegistryError> {
    {
        let cert =
            pkix::parse_certificate(&der).map_err(|message| RegistryError::InvalidInput {
                what: "certificate",
                message,
            })?;
        let subject = pkix::display_name(cert.subject());
        if cert.subject().as_raw() != cert.issuer().as_raw() {
            return Err(RegistryError::NotSelfSigned {
                subject,
                reason: format!("issued by «{}»", pkix::display_name(cert.issuer())),
            });
        }
        pkix::verify_certificate_signed_by(&cert, &cert).map_err(|e| {
            RegistryError::NotSelfSigned {
                subject: subject.clone(),
                reason: format!("self-signature: {e}"),
            }
        })?;
    }
    check_ca(der)
}

/// The one PEM block labelled `label` in `bytes`, or `bytes` itself when it is DER.
fn single(bytes: &[u8], label: &str, what: &'static str) -> Result<Vec<u8>, RegistryError> {
    if bytes.first() == Some(&0x30) {
        return Ok(bytes.to_vec());
    }
    let blocks = pem_blocks(bytes, label)
        .map_err(|message| RegistryError::InvalidInput { what, message })?;
    match <[Vec<u8>; 1]>::try_from(blocks) {
        Ok([der]) => Ok(der),
        Err(blocks) if blocks.is_empty() => Err(RegistryError::InvalidInput {
            what,
            message: format!("neither DER nor PEM with a `-----BEGIN {label}-----` block"),
        }),
        Err(blocks) => Err(RegistryError::InvalidInput {
            what,
            message: format!("{} PEM `{label}` blocks; give one per file", blocks.len()),
        }),
    }
}

/// Decodes every `-----BEGIN label-----` block; text outside the blocks is ignored.
pub(crate) fn pem_blocks(bytes: &[u8], label: &str) -> Result<Vec<Vec<u8>>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not DER, and not PEM text".to_owned())?;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&begin) {
        let body_start = start + begin.len();
        let Some(len) = rest[body_start..].find(&end) else {
            return Err(format!("`{begin}` without `{end}`"));
        };
        let body: String = rest[body_start..body_start + len]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|e| format!("bad base64 in a `{label}` block: {e}"))?;
        out.push(der);
        rest = &rest[body_start + len + end.len()..];
    }
    Ok(out)
}

/// A certificate file: a short readable header, then the PEM (OpenSSL ignores the header).
fn cert_file_text(entry: &CertEntry) -> Vec<u8> {
    format!(
        "Subject: {}\nSHA-256: {}\nValid: {} → {}\n{}",
        entry.subject,
        entry.sha256,
        date_time(entry.not_before),
        date_time(entry.not_after),
        pem("CERTIFICATE", &entry.der)
    )
    .into_bytes()
}

/// PEM armour with 64-column lines.
fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn add_file(
    dir: &Path,
    sub: &str,
    ext: &str,
    new: bool,
    sha256: &str,
    name: &str,
    contents: impl FnOnce() -> Vec<u8>,
) -> Result<Added, RegistryError> {
    let written = if new {
        let folder = dir.join(sub);
        create_dir(&folder)?;
        let path = folder.join(format!("{sha256}.{ext}"));
        write_atomic(&path, &contents())?;
        Some(path)
    } else {
        None
    };
    Ok(Added {
        sha256: sha256.to_owned(),
        name: name.to_owned(),
        written,
    })
}

fn create_dir(path: &Path) -> Result<(), RegistryError> {
    std::fs::create_dir_all(path).map_err(|source| RegistryError::Io {
        path: path.to_owned(),
        source,
    })
}

fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, RegistryError> {
    let io = |source| RegistryError::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(RegistryError::Invalid {
            path: path.to_owned(),
            message: format!("larger than {cap} bytes"),
        });
    }
    Ok(bytes)
}

/// The files of `dir` in name order. Dot files (editor and temporary files) are skipped;
/// any other file without an expected extension is an error, so a misnamed anchor is noticed.
fn read_files(
    dir: &Path,
    extensions: &[&str],
    cap: u64,
) -> Result<Vec<(PathBuf, Vec<u8>)>, RegistryError> {
    let io = |source| RegistryError::Io {
        path: dir.to_owned(),
        source,
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(e)),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(io)?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !path.is_file() || !extensions.contains(&ext) {
            return Err(RegistryError::Invalid {
                path,
                message: format!(
                    "unexpected entry; expected *.{} files",
                    extensions.join(", *.")
                ),
            });
        }
        paths.push(path);
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| read_capped(&p, cap).map(|bytes| (p, bytes)))
        .collect()
}

/// Write to a temporary file in the same directory, flush it to disk, rename it over `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RegistryError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let io = |source| RegistryError::Io {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // Make the rename itself durable; not possible everywhere, so best effort.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

fn short(sha256: &str) -> &str {
    sha256.get(..16).unwrap_or(sha256)
}

fn date_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// English name of an NCA role OID (pki-kz.md).
pub fn role_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.2.398.3.3.4.1.1" => "individual",
        "1.2.398.3.3.4.1.2" => "legal entity",
        "1.2.398.3.3.4.1.2.1" => "first head",
        "1.2.398.3.3.4.1.2.2" => "signing right",
        "1.2.398.3.3.4.1.2.3" => "financial signing right",
        "1.2.398.3.3.4.1.2.4" => "HR",
        "1.2.398.3.3.4.1.2.5" => "employee",
        "1.2.398.3.3.4.1.2.6" => "information system",
        _ => return None,
    })
}

impl fmt::Display for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let certs = |f: &mut fmt::Formatter<'_>, title: &str, list: &[CertEntry]| {
            writeln!(f, "{title} ({}):", list.len())?;
            for c in list {
                writeln!(f, "  {}", c.subject)?;
                writeln!(f, "    SHA-256  {}", c.sha256)?;
                writeln!(
                    f,
                    "    valid    {} → {}",
                    date_time(c.not_before),
                    date_time(c.not_after)
                )?;
            }
            Ok(())
        };
        certs(f, "Trust anchors", &self.anchors)?;
        certs(f, "Intermediate CAs", &self.intermediates)?;
        if !self.revocation_unchecked.is_empty() {
            writeln!(f, "Revocation NOT checked for certificates issued by:")?;
            for fp in &self.revocation_unchecked {
                writeln!(f, "  SHA-256  {fp}")?;
            }
        }
        writeln!(f, "CRLs ({}):", self.crls.len())?;
        for c in &self.crls {
            let kind = if c.delta { "delta CRL" } else { "CRL" };
            writeln!(f, "  {kind} of {}", c.issuer)?;
            writeln!(f, "    SHA-256  {}", c.sha256)?;
            let next = c.next_update.map_or("none".to_owned(), date_time);
            writeln!(
                f,
                "    this update {}, next update {next}, {} entr{}",
                date_time(c.this_update),
                c.entries,
                if c.entries == 1 { "y" } else { "ies" }
            )?;
            match self.crl_signer(c) {
                Ok(ca) => writeln!(f, "    signature verified with «{}»", ca.subject)?,
                Err(why) => writeln!(f, "    signature NOT verified, CRL ignored: {why}")?,
            }
        }
        writeln!(f, "Authorizations ({}):", self.authorizations.len())?;
        for a in &self.authorizations {
            writeln!(f, "  {}", a.id)?;
            match &a.signer {
                SignerMatch::Certificate { sha256 } => {
                    writeln!(f, "    certificate SHA-256 {sha256}")?;
                }
                SignerMatch::Person { iin, bin, role } => {
                    let name = role_name(role).map_or(String::new(), |n| format!(" ({n})"));
                    writeln!(f, "    IIN {iin}, BIN {bin}, role {role}{name}")?;
                }
            }
            writeln!(
                f,
                "    signs {} for BIN {}",
                a.kinds.join(", "),
                a.organisation_bin
            )?;
            writeln!(f, "    position {} / {}", a.position_kk, a.position_ru)?;
            let from = a.valid_from.map_or("always".to_owned(), |m| m.to_string());
            let to = a.valid_to.map_or("open".to_owned(), |m| m.to_string());
            write!(f, "    valid {from} → {to}")?;
            match a.revoked_at {
                Some(at) => writeln!(f, ", REVOKED {at}")?,
                None => writeln!(f)?,
            }
            if let Some(note) = &a.note {
                writeln!(f, "    note: {note}")?;
            }
        }
        Ok(())
    }
}
