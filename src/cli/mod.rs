//! CLI adapter: argv → [`qujat::Engine`] → files and exit codes. No business logic here.
//!
//! Exit codes: 0 success, 1 failure, 2 bad input or usage.

mod bench;
mod bench_serve;
mod io;
mod journal;
mod sign;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use qujat::{Config, Document, Engine, KINDS, LangSet};

#[derive(Parser)]
#[command(
    name = "qujat",
    version,
    about = "Renders, signs and verifies Kazakhstan education service documents"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Base URL of the verification page, encoded in every QR code with the document id.
    #[arg(long, global = true, env = "QUJAT_VERIFICATION_URL")]
    verification_url: Option<String>,
    /// Directory of template files overriding the embedded ones.
    #[arg(long, global = true, env = "QUJAT_TEMPLATES")]
    templates: Option<PathBuf>,
    /// Certificate registry for verification (default: the embedded demo registry).
    #[arg(long, global = true, env = "QUJAT_REGISTRY")]
    registry: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// List the document kinds.
    Kinds,
    /// Print the JSON Schema of a kind's payload.
    Schema { kind: String },
    /// Print a valid sample payload of a kind.
    Example {
        kind: String,
        /// Set the payload's language: kk, ru or kk+ru.
        #[arg(long)]
        lang: Option<String>,
    },
    /// Render a payload to PDF/A-2b.
    Render {
        /// Payload JSON file, or `-` for standard input.
        payload: PathBuf,
        /// Language: kk, ru or kk+ru (default: the payload's `lang`, else kk+ru).
        #[arg(long)]
        lang: Option<String>,
        /// Output PDF, or `-` for standard output (default: the payload name with .pdf).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Sign a PDF (PAdES B-B, incremental update: earlier signatures stay valid).
    Sign {
        /// PDF file, or `-` for standard input.
        input: PathBuf,
        #[command(flatten)]
        key: sign::KeyArgs,
        /// Output PDF, or `-` for standard output.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Render a payload and sign it in one step; the signer block shows the certificate.
    Issue {
        /// Payload JSON file, or `-` for standard input.
        payload: PathBuf,
        /// Language: kk, ru or kk+ru (default: the payload's `lang`, else kk+ru).
        #[arg(long)]
        lang: Option<String>,
        #[command(flatten)]
        key: sign::KeyArgs,
        /// Output PDF, or `-` for standard output (default: the payload name with .pdf).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        db: journal::JournalArgs,
        /// Do not register: no journal entry, no registration number (a preview whose QR
        /// link resolves nowhere).
        #[arg(long)]
        no_journal: bool,
        /// A retry with the same key returns the already registered document.
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Verify a signed PDF, an attached CMS, or data with its detached CMS (--cms).
    /// Exit code: 0 passed, 1 failed, 3 indeterminate, 2 input error.
    Verify {
        /// Signed PDF, CMS (DER or base64), or with --cms the signed data; `-` for stdin.
        file: PathBuf,
        /// Detached CMS signature of `file` (DER or base64).
        #[arg(long)]
        cms: Option<PathBuf>,
        /// Validation time (RFC 3339); default: each signature's signing time.
        #[arg(long)]
        at: Option<String>,
        /// Print the machine-readable JSON report.
        #[arg(long)]
        json: bool,
        /// Also check the journal (registered, not annulled, same bytes).
        #[arg(long, env = "QUJAT_DATABASE_URL")]
        database_url: Option<String>,
    },
    /// The journal of issued documents.
    Journal {
        #[command(subcommand)]
        what: journal::JournalCommand,
    },
    /// API tokens of organisations.
    Token {
        #[command(subcommand)]
        what: journal::TokenCommand,
    },
    /// Run the HTTP API and the verification page.
    Serve(journal::ServeArgs),
    /// Certificate registries: trust anchors, intermediates, CRLs and authorized signers.
    Registry {
        #[command(subcommand)]
        what: verify::RegistryCommand,
    },
    /// CMS signatures of arbitrary files, as NCALayer makes them.
    Cms {
        #[command(subcommand)]
        what: CmsCommand,
    },
    /// Signing keys.
    Keys {
        #[command(subcommand)]
        what: KeysCommand,
    },
    /// Benchmarks (run a release build).
    Bench {
        #[command(subcommand)]
        what: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Generate a demo PKI (root, intermediate, NCA-profile signers, CRL). Demo only.
    Demo {
        /// Output directory (created; existing files are replaced).
        #[arg(long, default_value = "keys/demo")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum CmsCommand {
    /// Sign a file: CMS SignedData (attached unless --detached), base64 DER unless --der.
    Sign {
        /// File to sign, or `-` for standard input.
        file: PathBuf,
        /// Leave the content out of the CMS.
        #[arg(long)]
        detached: bool,
        /// Write DER instead of base64.
        #[arg(long)]
        der: bool,
        #[command(flatten)]
        key: sign::KeyArgs,
        /// Output file, or `-` for standard output (default).
        #[arg(short, long, default_value = "-")]
        output: PathBuf,
    },
}

/// An error with the exit code it maps to.
pub struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl Failure {
    pub fn input(error: impl Into<anyhow::Error>) -> Failure {
        Failure {
            code: 2,
            error: error.into(),
        }
    }

    /// A verification verdict already printed: only the exit code is left to give.
    pub fn verdict(code: u8) -> Failure {
        Failure {
            code,
            error: anyhow::anyhow!(""),
        }
    }
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Failure {
        let error: anyhow::Error = e.into();
        if let Some(code) = journal::exit_code(&error) {
            return Failure { code, error };
        }
        let code = match error.downcast_ref::<qujat::Error>() {
            Some(qujat::Error::Input(_)) => 2,
            Some(qujat::Error::Pdf(e)) if e.is_input_error() => 2,
            Some(qujat::Error::Verify(_) | qujat::Error::Registry(_)) => 2,
            _ => 1,
        };
        Failure { code, error }
    }
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let message = format!("{:#}", f.error);
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            ExitCode::from(f.code)
        }
    }
}

fn parse_lang(lang: Option<&str>) -> Result<Option<LangSet>, Failure> {
    lang.map(|s| {
        LangSet::parse(s).ok_or_else(|| {
            Failure::input(anyhow::anyhow!("--lang: `{s}` is not one of kk, ru, kk+ru"))
        })
    })
    .transpose()
}

fn engine(cli: &Cli) -> Result<Engine, Failure> {
    Engine::new(config(cli)).map_err(Failure::from)
}

fn config(cli: &Cli) -> Config {
    let mut config = Config::default();
    if let Some(url) = &cli.verification_url {
        config.verification_base = url.clone();
    }
    config.templates_dir = cli.templates.clone();
    config.registry_dir = cli.registry.clone();
    config
}

fn execute(cli: Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Kinds => {
            for k in KINDS {
                println!("{k}");
            }
        }
        Command::Schema { kind } => {
            let schema = Document::schema(kind).ok_or_else(|| unknown_kind(kind))?;
            println!("{}", serde_json::to_string_pretty(&schema)?);
        }
        Command::Example { kind, lang } => {
            let json = qujat::examples::example(kind).ok_or_else(|| unknown_kind(kind))?;
            match parse_lang(lang.as_deref())? {
                None => print!("{json}"),
                Some(l) => {
                    let mut value: serde_json::Value = serde_json::from_str(json)?;
                    value["lang"] = l.code().into();
                    println!("{}", serde_json::to_string_pretty(&value)?);
                }
            }
        }
        Command::Render {
            payload,
            lang,
            output,
        } => {
            let langs = parse_lang(lang.as_deref())?;
            let engine = engine(&cli)?;
            let input = io::read_input(payload)?;
            let doc = engine.parse(&input)?;
            let pdf = engine.render(&doc, langs)?;
            let out = output
                .clone()
                .unwrap_or_else(|| io::default_output(payload, "pdf"));
            io::write_output(&out, &pdf)?;
        }
        Command::Sign { input, key, output } => {
            let time = key.signing_time()?;
            let signer = key.load(None)?;
            let pdf = io::read_input(input)?;
            let signed = engine(&cli)?.sign(&pdf, &signer, time)?;
            io::write_output(output, &signed)?;
        }
        Command::Issue {
            payload,
            lang,
            key,
            output,
            db,
            no_journal,
            idempotency_key,
        } => {
            let langs = parse_lang(lang.as_deref())?;
            let time = key.signing_time()?;
            let engine = engine(&cli)?;
            let input = io::read_input(payload)?;
            let doc = engine.parse(&input)?;
            let signer = key.load(Some(&doc.head().issuer().bin))?;
            let out = output
                .clone()
                .unwrap_or_else(|| io::default_output(payload, "pdf"));
            if *no_journal {
                let pdf = engine.issue(&doc, langs, &signer, time)?;
                io::write_output(&out, &pdf)?;
                return Ok(());
            }
            let issued = journal::runtime()?.block_on(async {
                let registrar = qujat::registrar::Registrar::new(
                    std::sync::Arc::new(engine),
                    std::sync::Arc::new(journal::open(db).await?),
                    1,
                );
                Ok::<_, Failure>(
                    registrar
                        .issue(qujat::registrar::IssueRequest {
                            payload: &input,
                            langs,
                            idempotency_key: idempotency_key.as_deref(),
                            signer: std::sync::Arc::new(signer),
                            signing_time: time,
                            organisation: None,
                        })
                        .await?,
                )
            })?;
            io::write_output(&out, &issued.pdf)?;
            eprintln!(
                "{} {} registered as {}; verification: {}",
                if issued.replayed { "already" } else { "newly" },
                issued.record.id,
                issued.record.registration_number,
                issued.verification_url
            );
        }
        Command::Verify {
            file,
            cms,
            at,
            json,
            database_url,
        } => {
            let options = qujat::verify::Options {
                at: verify::parse_at(at.as_deref())?,
                now: time::OffsetDateTime::now_utc(),
            };
            let engine = engine(&cli)?;
            let input = io::read_input(file)?;
            let report = match (cms, database_url) {
                (Some(sig), _) => engine.verify(&io::read_input(sig)?, Some(&input), options)?,
                (None, None) => engine.verify(&input, None, options)?,
                (None, Some(url)) => journal::runtime()?.block_on(async {
                    let registrar = qujat::registrar::Registrar::new(
                        std::sync::Arc::new(engine),
                        std::sync::Arc::new(qujat::journal::open(url).await?),
                        1,
                    );
                    Ok::<_, Failure>(registrar.verify(input, options).await?)
                })?,
            };
            if *json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                verify::print_report(&report);
            }
            return match report.exit_code() {
                0 => Ok(()),
                code => Err(Failure::verdict(code)),
            };
        }
        Command::Registry { what } => verify::run_registry(what, engine(&cli)?.registry())?,
        Command::Cms {
            what:
                CmsCommand::Sign {
                    file,
                    detached,
                    der,
                    key,
                    output,
                },
        } => {
            let time = key.signing_time()?;
            let signer = key.load(None)?;
            let data = io::read_input(file)?;
            let out = sign::cms_sign(&data, &signer, *detached, time, *der)?;
            io::write_output(output, &out)?;
        }
        Command::Keys {
            what: KeysCommand::Demo { out },
        } => {
            qujat::pki::demo::generate(out)?;
            eprintln!(
                "demo PKI written to {} (password: {})",
                out.display(),
                qujat::pki::demo::DEMO_PASSWORD
            );
        }
        Command::Journal { what } => journal::run_journal(what)?,
        Command::Token { what } => journal::run_token(what)?,
        Command::Serve(args) => journal::serve(config(&cli), cli.verification_url.is_some(), args)?,
        Command::Bench { what } => bench::run(&engine(&cli)?, what)?,
    }
    Ok(())
}

fn unknown_kind(kind: &str) -> Failure {
    Failure::input(anyhow::anyhow!(
        "unknown kind `{kind}`; one of: {}",
        KINDS.join(", ")
    ))
}
