//! `qujat sign`, `qujat issue`, `qujat cms sign`: key and password options, signing time.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use base64::Engine as _;
use clap::Args;
use qujat::keys::{KeyError, SigningKey};
use qujat::pki::demo;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Failure;

/// Where the signing key comes from.
#[derive(Args, Clone, Debug)]
pub struct KeyArgs {
    /// Signing key: PKCS#12 (.p12/.pfx, as NCA issues them) or encrypted PKCS#8 PEM with its
    /// certificates. Default for `issue`: the demo signer of the document's organisation.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// File whose first line is the key password.
    #[arg(long, conflicts_with = "password_env")]
    pub password_file: Option<PathBuf>,
    /// Environment variable holding the key password.
    #[arg(long)]
    pub password_env: Option<String>,
    /// Use the ECDSA P-256 demo key instead of the RSA one (only without --key).
    #[arg(long)]
    pub ec: bool,
    /// Signing time (RFC 3339); default: now.
    #[arg(long)]
    pub at: Option<String>,
}

impl KeyArgs {
    /// The signing time: `--at`, else the clock.
    pub fn signing_time(&self) -> Result<OffsetDateTime, Failure> {
        match &self.at {
            None => Ok(OffsetDateTime::now_utc()),
            Some(s) => OffsetDateTime::parse(s, &Rfc3339)
                .map_err(|e| Failure::input(anyhow!("--at: `{s}` is not an RFC 3339 time: {e}"))),
        }
    }

    /// Loads `--key` with its password, or, when there is no `--key` and `demo_bin` names an
    /// organisation with a demo signer, that embedded demo key.
    pub fn load(&self, demo_bin: Option<&str>) -> Result<SigningKey, Failure> {
        let Some(path) = &self.key else {
            let bin = demo_bin.ok_or_else(|| Failure::input(anyhow!("--key is required")))?;
            let algorithm = if self.ec {
                demo::Algorithm::Ecdsa
            } else {
                demo::Algorithm::Rsa
            };
            let name = demo::default_signer_for(bin, algorithm).ok_or_else(|| {
                Failure::input(anyhow!(
                    "no demo signer for organisation BIN {bin}; pass --key and a password"
                ))
            })?;
            let pem = demo::embedded_signer(name)
                .ok_or_else(|| Failure::input(anyhow!("demo signer {name} is not embedded")))?;
            eprintln!("warning: signing with the DEMO key `{name}` (not for production)");
            return SigningKey::load(pem, demo::DEMO_PASSWORD).map_err(key_failure);
        };
        let password = self.password()?;
        SigningKey::load_file(path, &password).map_err(key_failure)
    }

    fn password(&self) -> Result<String, Failure> {
        if let Some(file) = &self.password_file {
            return read_password_file(file);
        }
        if let Some(var) = &self.password_env {
            return std::env::var(var).map_err(|_| {
                Failure::input(anyhow!(
                    "--password-env: environment variable {var} is not set"
                ))
            });
        }
        Err(Failure::input(anyhow!(
            "the key needs a password: use --password-file <file> or --password-env <VAR>"
        )))
    }
}

fn read_password_file(file: &Path) -> Result<String, Failure> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("--password-file: cannot read {}", file.display()))
        .map_err(Failure::input)?;
    Ok(text.lines().next().unwrap_or_default().to_owned())
}

/// Every key problem is the user's input: a wrong password or an unusable file.
fn key_failure(e: KeyError) -> Failure {
    Failure::input(anyhow::Error::new(e).context("cannot load the signing key"))
}

/// `qujat cms sign`: base64 DER (what NCALayer returns) unless `der`.
pub fn cms_sign(
    data: &[u8],
    key: &SigningKey,
    detached: bool,
    time: OffsetDateTime,
    der: bool,
) -> Result<Vec<u8>, Failure> {
    let cms = qujat::cms::sign_data(data, key, !detached, time)?;
    Ok(if der {
        cms
    } else {
        let mut text = base64::engine::general_purpose::STANDARD.encode(cms);
        text.push('\n');
        text.into_bytes()
    })
}
