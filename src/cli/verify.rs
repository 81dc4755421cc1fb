//! `qujat verify` (report printing and exit codes) and `qujat registry …`.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::Subcommand;
use qujat::registry::{Authorization, Moment, Registry, SignerMatch};
use qujat::verify::report::{Report, SignatureReport};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Failure, io};

/// The verification time from `--at`.
pub fn parse_at(at: Option<&str>) -> Result<Option<OffsetDateTime>, Failure> {
    at.map(|s| {
        OffsetDateTime::parse(s, &Rfc3339)
            .map_err(|e| Failure::input(anyhow!("--at: `{s}` is not an RFC 3339 time: {e}")))
    })
    .transpose()
}

/// The human report: one block per signature, then the overall result.
pub fn print_report(report: &Report) {
    if let Some(doc) = &report.document {
        let field = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
        println!(
            "Document: kind {}, issuer BIN {}, id {}",
            field(&doc.kind),
            field(&doc.issuer_bin),
            field(&doc.id)
        );
    }
    for (i, s) in report.signatures.iter().enumerate() {
        print_signature(i + 1, s);
    }
    if let Some(j) = &report.journal {
        let status = match j.status {
            qujat::journal::JournalStatus::Registered => "registered, standing".to_owned(),
            qujat::journal::JournalStatus::Annulled => format!(
                "ANNULLED: {}",
                j.annul_reason.as_deref().unwrap_or_default()
            ),
            qujat::journal::JournalStatus::Modified => {
                "the journal holds a DIFFERENT file under this id".to_owned()
            }
            qujat::journal::JournalStatus::NotRegistered => "NOT in the journal".to_owned(),
        };
        println!(
            "Journal: {status}{}",
            j.registration_number
                .as_deref()
                .map(|n| format!(" (№ {n})"))
                .unwrap_or_default()
        );
    }
    println!(
        "Result: {}{}",
        name(&report.indication),
        report
            .sub_indication
            .map(|s| format!(" / {}", name(&s)))
            .unwrap_or_default()
    );
}

fn name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    }
}

fn print_signature(n: usize, s: &SignatureReport) {
    let field = s
        .field
        .as_deref()
        .map(|f| format!(" (field {f})"))
        .unwrap_or_default();
    let sub = s
        .sub_indication
        .map(|x| format!(" / {}", name(&x)))
        .unwrap_or_default();
    println!("Signature {n}{field}: {}{sub}", name(&s.indication));
    if let Some(signer) = &s.signer {
        let person = signer.full_name();
        println!(
            "  signer        {}",
            if person.is_empty() {
                &signer.common_name
            } else {
                &person
            }
        );
        if let Some(iin) = &signer.iin {
            let warn = if signer.iin_check_digit_warning {
                " (warning: check digit does not match)"
            } else {
                ""
            };
            println!("  IIN           {iin}{warn}");
        }
        if let Some(bin) = &signer.bin {
            println!("  BIN           {bin}");
        }
        if let Some(org) = &signer.organisation {
            println!("  organisation  {org}");
        }
        if !signer.roles.is_empty() {
            let roles: Vec<String> = signer
                .roles
                .iter()
                .map(|r| format!("{} ({})", r.name.unwrap_or("?"), r.oid))
                .collect();
            println!("  NCA roles     {}", roles.join(", "));
        }
        if let (Some(kk), Some(ru)) = (&signer.position_kk, &signer.position_ru) {
            println!("  position      {kk} / {ru}");
        }
        println!(
            "  certificate   serial {}, issued by {}",
            signer.certificate_serial,
            signer.issuer.as_deref().unwrap_or("?")
        );
    }
    println!(
        "  signing time  {} (validated at {})",
        s.signing_time.as_deref().unwrap_or("not stated"),
        s.validated_at
    );
    let f = &s.facets;
    println!(
        "  facets        intact {}, valid {}, trusted {}, coverage {}, modifications {}, revoked {}{}, authorized {}",
        yes_no(Some(f.intact)),
        yes_no(Some(f.valid)),
        yes_no(Some(f.trusted)),
        f.coverage,
        f.modification_level
            .map(|m| name(&m))
            .unwrap_or_else(|| "unknown".into()),
        yes_no(f.revoked),
        if f.revocation_checked {
            ""
        } else {
            " (not checked)"
        },
        yes_no(f.authorized)
    );
    if !s.chain.is_empty() {
        println!("  chain         {}", s.chain.join(" → "));
    }
    for r in &s.revocation {
        println!("  revocation    {r}");
    }
    for finding in &s.findings {
        println!(
            "  problem       {}: {}",
            name(&finding.sub_indication),
            finding.reason
        );
    }
    println!(
        "  at now        {}{} ({})",
        name(&s.now.indication),
        s.now
            .sub_indication
            .map(|x| format!(" / {}", name(&x)))
            .unwrap_or_default(),
        s.now.at
    );
    for (lang, text) in &s.message {
        println!("  {lang}            {text}");
    }
}

// Parsed once per process: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum RegistryCommand {
    /// Create an empty registry directory.
    Init { dir: PathBuf },
    /// Pin a trust anchor (a self-signed CA certificate, PEM or DER).
    AddAnchor { dir: PathBuf, certificate: PathBuf },
    /// Add an intermediate CA certificate.
    AddIntermediate { dir: PathBuf, certificate: PathBuf },
    /// Add a CRL (its issuer must already be in the registry).
    AddCrl { dir: PathBuf, crl: PathBuf },
    /// Authorize a signer (by certificate, or by IIN + BIN + NCA role) for document kinds of
    /// an organisation.
    Authorize {
        dir: PathBuf,
        /// Stable short id of the authorization.
        #[arg(long)]
        id: String,
        /// The signer's certificate file (authorizes exactly this certificate).
        #[arg(long, conflicts_with_all = ["fingerprint", "iin"])]
        certificate: Option<PathBuf>,
        /// SHA-256 fingerprint of the signer's certificate.
        #[arg(long, conflicts_with = "iin")]
        fingerprint: Option<String>,
        /// The signer's IIN (with --bin and --role: any certificate of this person).
        #[arg(long, requires_all = ["bin", "role"])]
        iin: Option<String>,
        /// BIN in the signer's certificate.
        #[arg(long)]
        bin: Option<String>,
        /// NCA role OID in the certificate's EKU, e.g. 1.2.398.3.3.4.1.2.1 (first head).
        #[arg(long)]
        role: Option<String>,
        /// BIN of the organisation whose documents the signer may sign.
        #[arg(long)]
        organisation_bin: String,
        #[arg(long)]
        position_kk: String,
        #[arg(long)]
        position_ru: String,
        /// Document kinds, comma-separated, or `*`.
        #[arg(long, value_delimiter = ',', default_value = "*")]
        kinds: Vec<String>,
        /// Start (date or RFC 3339).
        #[arg(long)]
        valid_from: Option<String>,
        /// End (date, inclusive, or RFC 3339).
        #[arg(long)]
        valid_to: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Revoke an authorization from now (or --at).
    RevokeAuthorization {
        dir: PathBuf,
        id: String,
        #[arg(long)]
        at: Option<String>,
    },
    /// Show a registry (default: the one verification uses).
    List { dir: Option<PathBuf> },
}

fn moment(field: &str, text: Option<&String>) -> Result<Option<Moment>, Failure> {
    text.map(|t| {
        Moment::parse(t).ok_or_else(|| {
            Failure::input(anyhow!(
                "--{field}: `{t}` is neither a date (YYYY-MM-DD) nor an RFC 3339 time"
            ))
        })
    })
    .transpose()
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    io::read_input(path)
}

/// Runs a registry command; `current` is the registry verification uses now.
pub fn run_registry(cmd: &RegistryCommand, current: &Registry) -> Result<(), Failure> {
    let input = |e: qujat::registry::RegistryError| Failure::input(anyhow::Error::new(e));
    match cmd {
        RegistryCommand::Init { dir } => {
            Registry::init(dir).map_err(input)?;
            println!("initialized registry {}", dir.display());
        }
        RegistryCommand::AddAnchor { dir, certificate } => {
            let added = Registry::add_anchor(dir, &read(certificate)?).map_err(input)?;
            report_added("anchor", &added);
        }
        RegistryCommand::AddIntermediate { dir, certificate } => {
            let added = Registry::add_intermediate(dir, &read(certificate)?).map_err(input)?;
            report_added("intermediate", &added);
        }
        RegistryCommand::AddCrl { dir, crl } => {
            let added = Registry::add_crl(dir, &read(crl)?).map_err(input)?;
            report_added("CRL", &added);
        }
        RegistryCommand::Authorize {
            dir,
            id,
            certificate,
            fingerprint,
            iin,
            bin,
            role,
            organisation_bin,
            position_kk,
            position_ru,
            kinds,
            valid_from,
            valid_to,
            note,
        } => {
            let signer = match (certificate, fingerprint, iin, bin, role) {
                (Some(cert), _, _, _, _) => {
                    let der = certificate_der(&read(cert)?)?;
                    SignerMatch::Certificate {
                        sha256: qujat::hex_sha256(&der),
                    }
                }
                (None, Some(fp), _, _, _) => SignerMatch::Certificate {
                    sha256: fp.replace(':', "").to_ascii_lowercase(),
                },
                (None, None, Some(iin), Some(bin), Some(role)) => SignerMatch::Person {
                    iin: iin.clone(),
                    bin: bin.clone(),
                    role: role.clone(),
                },
                _ => {
                    return Err(Failure::input(anyhow!(
                        "name the signer: --certificate, --fingerprint, or --iin with --bin and --role"
                    )));
                }
            };
            let authorization = Authorization {
                id: id.clone(),
                signer,
                organisation_bin: organisation_bin.clone(),
                position_kk: position_kk.clone(),
                position_ru: position_ru.clone(),
                kinds: kinds.clone(),
                valid_from: moment("valid-from", valid_from.as_ref())?,
                valid_to: moment("valid-to", valid_to.as_ref())?,
                revoked_at: None,
                note: note.clone(),
            };
            Registry::authorize(dir, authorization).map_err(input)?;
            println!("authorized `{id}` in {}", dir.display());
        }
        RegistryCommand::RevokeAuthorization { dir, id, at } => {
            let at = parse_at(at.as_deref())?.unwrap_or_else(OffsetDateTime::now_utc);
            Registry::revoke_authorization(dir, id, at).map_err(input)?;
            println!("revoked `{id}` in {}", dir.display());
        }
        RegistryCommand::List { dir } => match dir {
            Some(dir) => print!("{}", Registry::load(dir).map_err(input)?.list()),
            None => print!("{}", current.list()),
        },
    }
    Ok(())
}

fn report_added(what: &str, added: &qujat::registry::Added) {
    match &added.written {
        Some(path) => println!("added {what} «{}» → {}", added.name, path.display()),
        None => println!("{what} «{}» is already in the registry", added.name),
    }
    println!("  SHA-256 {}", added.sha256);
}

/// A certificate file, PEM or DER, as DER.
fn certificate_der(bytes: &[u8]) -> Result<Vec<u8>, Failure> {
    if bytes.first() == Some(&0x30) {
        return Ok(bytes.to_vec());
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Failure::input(anyhow!("--certificate: neither DER nor PEM")))?;
    let (_, pem) = x509_parser::pem::parse_x509_pem(text.as_bytes())
        .map_err(|e| Failure::input(anyhow!("--certificate: invalid PEM: {e}")))?;
    Ok(pem.contents)
}
