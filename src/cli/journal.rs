//! `qujat journal …`, `qujat token …`, `qujat serve` and the journal side of `issue` and
//! `verify`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use clap::{Args, Subcommand};
use qujat::journal::{self, Journal, JournalError, ListFilter, SqlJournal};
use qujat::keys::KeyStore;
use qujat::registrar::{Registrar, RegistrarError};
use qujat::{Config, Engine};

use super::Failure;

/// Where the journal is.
#[derive(Args, Clone)]
pub struct JournalArgs {
    /// Journal database: a SQLite file path or `sqlite://…`, or `postgres://…`.
    #[arg(long, env = "QUJAT_DATABASE_URL", default_value = "qujat.db")]
    pub database_url: String,
}

#[derive(Subcommand)]
pub enum JournalCommand {
    /// The latest registered documents.
    List {
        #[command(flatten)]
        db: JournalArgs,
        /// Only this organisation (BIN).
        #[arg(long)]
        org: Option<String>,
        /// Only this kind.
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// One document's record (JSON); `--pdf FILE` also writes its signed PDF.
    Show {
        id: String,
        #[command(flatten)]
        db: JournalArgs,
        #[arg(long)]
        pdf: Option<PathBuf>,
    },
    /// Annul a document: verification then reports it as annulled.
    Annul {
        id: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        db: JournalArgs,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an organisation; printed once, stored only as its hash.
    Create {
        /// The organisation's BIN.
        #[arg(long)]
        org: String,
        #[arg(long, default_value = "")]
        label: String,
        #[command(flatten)]
        db: JournalArgs,
    },
}

/// `qujat serve` options.
#[derive(Args)]
pub struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub db: JournalArgs,
    /// Signing keys per organisation (TOML); default: the embedded demo keys.
    #[arg(long, env = "QUJAT_KEYS")]
    pub keys: Option<PathBuf>,
    /// Concurrent renders (default: the number of CPUs).
    #[arg(long)]
    pub render_threads: Option<usize>,
}

/// A runtime for the CLI's journal calls.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?)
}

pub async fn open(db: &JournalArgs) -> Result<SqlJournal, Failure> {
    Ok(journal::open(&db.database_url).await?)
}

pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Exit code of library errors that come through the registrar.
pub fn exit_code(error: &anyhow::Error) -> Option<u8> {
    let journal_code = |e: &JournalError| match e {
        JournalError::DuplicateId(_)
        | JournalError::IdempotencyMismatch { .. }
        | JournalError::NotFound(_)
        | JournalError::AlreadyAnnulled(_) => 2,
        _ => 1,
    };
    if let Some(e) = error.downcast_ref::<RegistrarError>() {
        return Some(match e {
            RegistrarError::Engine(qujat::Error::Input(_)) | RegistrarError::Forbidden(_) => 2,
            RegistrarError::Journal(e) => journal_code(e),
            _ => 1,
        });
    }
    error.downcast_ref::<JournalError>().map(journal_code)
}

pub fn run_journal(what: &JournalCommand) -> Result<(), Failure> {
    runtime()?.block_on(async {
        match what {
            JournalCommand::List {
                db,
                org,
                kind,
                limit,
            } => {
                let j = open(db).await?;
                let records = j
                    .list(&ListFilter {
                        issuer_bin: org.clone(),
                        kind: kind.clone(),
                        limit: *limit,
                    })
                    .await?;
                for r in records {
                    let status = match &r.status {
                        journal::Status::Issued => "issued".to_owned(),
                        journal::Status::Annulled { .. } => "ANNULLED".to_owned(),
                    };
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{status}",
                        r.registration_number,
                        r.id,
                        r.kind,
                        r.issuer_bin,
                        r.issued_at.date()
                    );
                }
            }
            JournalCommand::Show { id, db, pdf } => {
                let j = open(db).await?;
                let record = j
                    .get(id)
                    .await?
                    .ok_or_else(|| Failure::input(JournalError::NotFound(id.clone())))?;
                println!("{}", serde_json::to_string_pretty(&record)?);
                if let Some(path) = pdf {
                    let bytes = j
                        .pdf(id)
                        .await?
                        .ok_or_else(|| Failure::input(JournalError::NotFound(id.clone())))?;
                    super::io::write_output(path, &bytes)?;
                }
            }
            JournalCommand::Annul { id, reason, db } => {
                let engine = Arc::new(Engine::new(Config::default())?);
                let registrar = Registrar::new(engine, Arc::new(open(db).await?), 1);
                let record = registrar.annul(id, reason, None).await?;
                eprintln!("annulled {} ({})", record.id, record.registration_number);
            }
        }
        Ok(())
    })
}

pub fn run_token(what: &TokenCommand) -> Result<(), Failure> {
    let TokenCommand::Create { org, label, db } = what;
    if org.len() != 12 || !org.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Failure::input(anyhow!("--org: a BIN is 12 digits")));
    }
    let token = new_token()?;
    runtime()?.block_on(async {
        let j = open(db).await?;
        j.add_token(&qujat::hex_sha256(token.as_bytes()), org, label)
            .await?;
        Ok::<_, Failure>(())
    })?;
    println!("{token}");
    Ok(())
}

/// 256 random bits, base64url, with a prefix that secret scanners can find.
fn new_token() -> Result<String, Failure> {
    use base64::Engine as _;
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| anyhow!("the system random generator failed"))?;
    Ok(format!(
        "qjt_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

pub fn serve(mut config: Config, explicit_url: bool, args: &ServeArgs) -> Result<(), Failure> {
    if !explicit_url {
        config.verification_base = format!("http://{}/verify/", args.listen);
    }
    let engine = Arc::new(Engine::new(config)?);
    let keys = match &args.keys {
        Some(path) => KeyStore::from_file(path)?,
        None => {
            eprintln!("signing with the embedded DEMO keys (keys/demo/, not for production)");
            KeyStore::demo()?
        }
    };
    let threads = args.render_threads.unwrap_or_else(cpus).max(1);
    runtime()?.block_on(async {
        let journal: Arc<dyn Journal> = Arc::new(open(&args.db).await?);
        let service = Arc::new(qujat::http::Service {
            registrar: Registrar::new(engine, journal, threads),
            keys,
        });
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        eprintln!(
            "qujat serving on http://{} (journal: {})",
            args.listen,
            journal::redact(&args.db.database_url)
        );
        qujat::http::serve(service, listener).await?;
        Ok(())
    })
}
