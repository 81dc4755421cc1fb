//! Which signing key signs for which organisation in the service: each organisation (BIN)
//! has its keys; a request can only use its own organisation's key.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::{KeyError, SigningKey};
use crate::pki::demo;

/// Signing keys by organisation BIN, decrypted once at start.
#[derive(Default)]
pub struct KeyStore {
    by_bin: HashMap<String, Arc<SigningKey>>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    #[error("keys file {path}: {message}")]
    Config { path: String, message: String },
    #[error("key of organisation {bin}: {source}")]
    Key { bin: String, source: KeyError },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    #[serde(default)]
    key: Vec<KeyEntry>,
}

/// `[[key]] bin = "…", file = "head.p12", password_env = "HEAD_PW"` (or `password_file`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    bin: String,
    file: String,
    password_env: Option<String>,
    password_file: Option<String>,
}

impl KeyStore {
    /// The embedded demo PKI: the RSA demo signer of every demo organisation.
    pub fn demo() -> Result<KeyStore, KeyStoreError> {
        let mut by_bin = HashMap::new();
        for spec in demo::signers() {
            if by_bin.contains_key(spec.bin) {
                continue;
            }
            let Some(name) = demo::default_signer_for(spec.bin, demo::Algorithm::Rsa) else {
                continue;
            };
            let Some(pem) = demo::embedded_signer(name) else {
                continue;
            };
            let key = SigningKey::load(pem, demo::DEMO_PASSWORD).map_err(|source| {
                KeyStoreError::Key {
                    bin: spec.bin.to_owned(),
                    source,
                }
            })?;
            by_bin.insert(spec.bin.to_owned(), Arc::new(key));
        }
        Ok(KeyStore { by_bin })
    }

    /// Keys listed in a TOML file; relative key paths are relative to the file. Passwords
    /// come from the environment or a file, never from the TOML itself.
    pub fn from_file(path: &Path) -> Result<KeyStore, KeyStoreError> {
        let config = |message: String| KeyStoreError::Config {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| config(e.to_string()))?;
        let file: KeysFile = toml::from_str(&text).map_err(|e| config(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut by_bin = HashMap::new();
        for entry in file.key {
            let password = match (&entry.password_env, &entry.password_file) {
                (Some(var), None) => std::env::var(var).map_err(|_| {
                    config(format!(
                        "key of {}: environment variable {var} is not set",
                        entry.bin
                    ))
                })?,
                (None, Some(file)) => std::fs::read_to_string(base.join(file))
                    .map_err(|e| {
                        config(format!("key of {}: password file {file}: {e}", entry.bin))
                    })?
                    .trim_end_matches(['\r', '\n'])
                    .to_owned(),
                _ => {
                    return Err(config(format!(
                        "key of {}: give exactly one of password_env, password_file",
                        entry.bin
                    )));
                }
            };
            let key =
                SigningKey::load_file(&base.join(&entry.file), &password).map_err(|source| {
                    KeyStoreError::Key {
                        bin: entry.bin.clone(),
                        source,
                    }
                })?;
            if by_bin.insert(entry.bin.clone(), Arc::new(key)).is_some() {
                return Err(config(format!("organisation {} has two keys", entry.bin)));
            }
        }
        Ok(KeyStore { by_bin })
    }

    /// The key that signs for organisation `bin`.
    pub fn signer_for(&self, bin: &str) -> Option<Arc<SigningKey>> {
        self.by_bin.get(bin).cloned()
    }

    pub fn organisations(&self) -> impl Iterator<Item = &str> {
        self.by_bin.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("qujat-keystore-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn demo_store_has_a_key_per_demo_organisation() {
        let store = KeyStore::demo().unwrap();
        let key = store.signer_for("150340001236").expect("GK demo key");
        let subject = crate::pki::subject::parse(key.certificate()).unwrap();
        assert_eq!(subject.bin.as_deref(), Some("150340001236"));
        assert!(store.signer_for("000000000000").is_none());
    }

    #[test]
    fn file_store_reads_keys_with_passwords_from_env_or_file() {
        let dir = temp("file");
        let name = demo::default_signer_for("150340001236", demo::Algorithm::Rsa).unwrap();
        std::fs::write(dir.join("gk.pem"), demo::embedded_signer(name).unwrap()).unwrap();
        std::fs::write(dir.join("pw"), format!("{}\n", demo::DEMO_PASSWORD)).unwrap();
        let toml = dir.join("keys.toml");
        std::fs::write(
            &toml,
            "[[key]]\nbin = \"150340001236\"\nfile = \"gk.pem\"\npassword_file = \"pw\"\n",
        )
        .unwrap();
        let store = KeyStore::from_file(&toml).unwrap();
        assert!(store.signer_for("150340001236").is_some());

        std::fs::write(
            &toml,
            "[[key]]\nbin = \"150340001236\"\nfile = \"gk.pem\"\n",
        )
        .unwrap();
        let e = KeyStore::from_file(&toml).err().unwrap().to_string();
        assert!(
            e.contains("exactly one of password_env, password_file"),
            "{e}"
        );

        std::fs::write(dir.join("pw"), "wrong").unwrap();
        std::fs::write(
            &toml,
            "[[key]]\nbin = \"150340001236\"\nfile = \"gk.pem\"\npassword_file = \"pw\"\n",
        )
        .unwrap();
        let e = KeyStore::from_file(&toml).err().unwrap().to_string();
        assert!(
            e.contains("150340001236") && e.contains("wrong password"),
            "{e}"
        );

        std::fs::write(&toml, "[[key]]\nbin = 1\n").unwrap();
        assert!(KeyStore::from_file(&toml).is_err());
    }
}
