//! Template files: embedded in the binary, optionally overridden from a directory.
//!
//! Only the files listed in [`FILES`] exist for Typst, under the same virtual paths whatever
//! their origin, so the set of FileIds is fixed and a template can never read the disk.

use std::collections::HashMap;
use std::path::Path;

use typst::foundations::Bytes;

use super::RenderError;

macro_rules! template_files {
    ($($path:literal),* $(,)?) => {
        /// Every template file, by its path relative to `templates/`.
        pub const FILES: &[(&str, &[u8])] = &[
            $(($path, include_bytes!(concat!("../../templates/", $path)))),*
        ];
    };
}

template_files! {
    "lib/layout.typ",
    "lib/labels.toml",
    "refusal_receipt/main.typ",
    "refusal_receipt/labels.toml",
    "acceptance_receipt/main.typ",
    "acceptance_receipt/labels.toml",
    "externship_order/main.typ",
    "externship_order/labels.toml",
    "externship_order/body.typ",
    "externship_extract/main.typ",
    "externship_extract/labels.toml",
    "duplicate_certificate/main.typ",
    "duplicate_certificate/labels.toml",
    "pmpc_conclusion/main.typ",
    "pmpc_conclusion/labels.toml",
    "pmpc_conclusion/body.typ",
    "pmpc_recommendation/main.typ",
    "pmpc_recommendation/labels.toml",
    "preschool_queue_receipt/main.typ",
    "preschool_queue_receipt/labels.toml",
    "tvet_incomplete_education/main.typ",
    "tvet_incomplete_education/labels.toml",
}

/// The template set in use: virtual path (`/templates/...`) → bytes, plus its hash.
#[derive(Clone)]
pub struct Templates {
    files: HashMap<String, Bytes>,
    /// SHA-256 over all files in [`FILES`] order, recorded with issued documents.
    pub hash: String,
}

impl Templates {
    pub fn embedded() -> Templates {
        Self::build(FILES.iter().map(|(p, b)| (*p, Bytes::new(*b))).collect())
    }

    /// Embedded templates with any file present under `dir` taking precedence (regional
    /// variants without a rebuild). Files are looked up only by the known relative paths and
    /// must resolve inside `dir`, so a symlink cannot pull in files from elsewhere.
    pub fn with_overrides(dir: &Path) -> Result<Templates, RenderError> {
        let root = dir.canonicalize().map_err(|e| RenderError::Templates {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut files = Vec::new();
        for (rel, embedded) in FILES {
            let candidate = root.join(rel);
            let bytes = match candidate.canonicalize() {
                Ok(real) if real.starts_with(&root) => {
                    let data = std::fs::read(&real).map_err(|e| RenderError::Templates {
                        path: real.clone(),
                        message: e.to_string(),
                    })?;
                    Bytes::new(data)
                }
                Ok(real) => {
                    return Err(RenderError::Templates {
                        path: real,
                        message: format!("resolves outside {}", root.display()),
                    });
                }
                Err(_) => Bytes::new(*embedded),
            };
            files.push((*rel, bytes));
        }
        Ok(Self::build(files))
    }

    fn build(list: Vec<(&str, Bytes)>) -> Templates {
        let mut hasher = ring::digest::Context::new(&ring::digest::SHA256);
        let mut files = HashMap::new();
        for (rel, bytes) in list {
            hasher.update(rel.as_bytes());
            hasher.update(&(bytes.len() as u64).to_be_bytes());
            hasher.update(bytes.as_slice());
            files.insert(format!("/templates/{rel}"), bytes);
        }
        Templates {
            files,
            hash: crate::hex(hasher.finish().as_ref()),
        }
    }

    pub fn get(&self, vpath: &str) -> Option<&Bytes> {
        self.files.get(vpath)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Bytes)> {
        self.files.iter()
    }
}

/// Where a kind's entry template lives.
pub fn main_path(kind: &str) -> String {
    format!("/templates/{kind}/main.typ")
}
