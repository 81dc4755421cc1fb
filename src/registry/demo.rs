//! The demo registry, `keys/demo/registry/`: the demo root as anchor, the demo intermediate
//! and its CRL, and which demo signers may sign what. NOT FOR PRODUCTION (keys/demo/README.md).
//!
//! [`write`] generates the directory from `keys/demo/`; a unit test checks the committed copy
//! equals the generator's output, so it cannot drift from the demo keys. The files have fixed
//! names (not fingerprints) so [`Registry::demo`] can embed them with `include_bytes!`.
//!
//! Who is authorized, and why:
//! - each head or director (district, PMPC, college) for every kind (`*`) of their own
//!   organisation, matched by IIN + BIN + first-head role, so both the RSA and the EC key
//!   (and the expired key, which path validation then refuses) match;
//! - the school director by the fingerprints of her two signing certificates only, so her
//!   AUTH certificate (same IIN, BIN and role) is not authorized at all;
//! - the school deputy (signing right) for `externship_extract`: her certificate is revoked,
//!   and the rejection must come from the CRL, not from a missing authorization;
//! - the State Corporation operator (employee) for `acceptance_receipt` and
//!   `refusal_receipt`, the receipts the State Corporation issues.

use std::path::{Path, PathBuf};

use super::config::{self, Authorization, Moment, SignerMatch};
use super::{
    ANCHORS, CRLS, INTERMEDIATES, REGISTRY_FILE, Registry, RegistryError, cert_file_text,
    config_error, pem_blocks, read_capped, write_atomic,
};
use crate::pki::demo::{SignerSpec, signers};

const ANCHOR_FILE: &str = "root-ca.pem";
const INTERMEDIATE_FILE: &str = "intermediate-ca.pem";
const CRL_FILE: &str = "intermediate-ca.crl";

const EMBEDDED_ANCHOR: &[u8] = include_bytes!("../../keys/demo/registry/anchors/root-ca.pem");
const EMBEDDED_INTERMEDIATE: &[u8] =
    include_bytes!("../../keys/demo/registry/intermediates/intermediate-ca.pem");
const EMBEDDED_CRL: &[u8] = include_bytes!("../../keys/demo/registry/crls/intermediate-ca.crl");
const EMBEDDED_TOML: &str = include_str!("../../keys/demo/registry/registry.toml");

impl Registry {
    /// The demo registry, compiled in so an installed binary verifies demo documents without
    /// any files. Trusts the demo root, whose private key is public: demos and tests only.
    pub fn demo() -> Result<Registry, RegistryError> {
        let mut registry = Registry::empty();
        registry.insert_anchor(EMBEDDED_ANCHOR)?;
        registry.insert_intermediate(EMBEDDED_INTERMEDIATE)?;
        registry.insert_crl(EMBEDDED_CRL)?;
        registry.authorizations = config::parse(EMBEDDED_TOML).map_err(|e| {
            config_error(
                PathBuf::from("keys/demo/registry/registry.toml (embedded)"),
                e,
            )
        })?;
        Ok(registry)
    }
}

enum Signer {
    /// IIN + BIN + role of this demo signer's spec.
    Person(&'static str),
    /// The fingerprint of this demo signer's certificate.
    Certificate(&'static str),
}

struct DemoAuthorization {
    id: &'static str,
    signer: Signer,
    kinds: &'static [&'static str],
}

const AUTHORIZATIONS: &[DemoAuthorization] = &[
    DemoAuthorization {
        id: "district-head",
        signer: Signer::Person("district-head-rsa"),
        kinds: &["*"],
    },
    DemoAuthorization {
        id: "school-director-rsa",
        signer: Signer::Certificate("school-director-rsa"),
        kinds: &["*"],
    },
    DemoAuthorization {
        id: "school-director-ec",
        signer: Signer::Certificate("school-director-ec"),
        kinds: &["*"],
    },
    DemoAuthorization {
        id: "school-deputy",
        signer: Signer::Person("school-deputy-revoked-rsa"),
        kinds: &["externship_extract"],
    },
    DemoAuthorization {
        id: "pmpc-head",
        signer: Signer::Person("pmpc-head-rsa"),
        kinds: &["*"],
    },
    DemoAuthorization {
        id: "college-director",
        signer: Signer::Person("college-director-rsa"),
        kinds: &["*"],
    },
    DemoAuthorization {
        id: "gk-operator",
        signer: Signer::Person("gk-operator-rsa"),
        kinds: &["acceptance_receipt", "refusal_receipt"],
    },
];

/// Writes the demo registry for the demo PKI in `demo_keys_dir` into `out_dir`, replacing a
/// registry generated there before. Deterministic: the same keys give the same bytes.
pub fn write(demo_keys_dir: &Path, out_dir: &Path) -> Result<(), RegistryError> {
    clear(out_dir)?;
    Registry::init(out_dir)?;
    let mut registry = Registry::empty();
    let read = |name: &str| {
        let path = demo_keys_dir.join(name);
        read_capped(&path, super::MAX_CRL).map(|bytes| (path, bytes))
    };
    let in_file = |path: &Path, e: RegistryError| super::invalid(path, e);

    let (path, bytes) = read("root-ca.crt")?;
    let anchor = registry
        .insert_anchor(&bytes)
        .map_err(|e| in_file(&path, e))?
        .clone();
    write_atomic(
        &out_dir.join(ANCHORS).join(ANCHOR_FILE),
        &cert_file_text(&anchor),
    )?;
    let (path, bytes) = read("intermediate-ca.crt")?;
    let intermediate = registry
        .insert_intermediate(&bytes)
        .map_err(|e| in_file(&path, e))?
        .clone();
    write_atomic(
        &out_dir.join(INTERMEDIATES).join(INTERMEDIATE_FILE),
        &cert_file_text(&intermediate),
    )?;
    let (path, bytes) = read("intermediate-ca.crl")?;
    let crl = registry
        .insert_crl(&bytes)
        .map_err(|e| in_file(&path, e))?
        .clone();
    write_atomic(&out_dir.join(CRLS).join(CRL_FILE), &crl.der)?;

    let specs = signers();
    for demo in AUTHORIZATIONS {
        let file = match demo.signer {
            Signer::Person(f) | Signer::Certificate(f) => f,
        };
        let Some(spec) = specs.iter().find(|s| s.file == file) else {
            return Err(RegistryError::InvalidAuthorization {
                id: demo.id.into(),
                message: format!("no demo signer `{file}`"),
            });
        };
        let signer = match demo.signer {
            Signer::Person(_) => SignerMatch::Person {
                iin: spec.iin.into(),
                bin: spec.bin.into(),
                role: dotted(spec.role),
            },
            Signer::Certificate(_) => SignerMatch::Certificate {
                sha256: signer_fingerprint(demo_keys_dir, file)?,
            },
        };
        Registry::authorize(out_dir, authorization(demo, spec, signer))?;
    }
    Ok(())
}

fn authorization(
    demo: &DemoAuthorization,
    spec: &SignerSpec,
    signer: SignerMatch,
) -> Authorization {
    let (kk, ru) = spec
        .position
        .split_once(" / ")
        .unwrap_or((spec.position, spec.position));
    let date = |y, m| {
        time::Date::from_calendar_date(y, m, 1)
            .map(Moment::Date)
            .ok()
    };
    Authorization {
        id: demo.id.into(),
        signer,
        organisation_bin: spec.bin.into(),
        position_kk: kk.into(),
        position_ru: ru.into(),
        kinds: demo.kinds.iter().map(|k| (*k).to_owned()).collect(),
        valid_from: date(2025, time::Month::January),
        valid_to: date(2036, time::Month::January),
        revoked_at: None,
        note: Some(format!(
            "DEMO: {} {} {}, {}",
            spec.surname, spec.given_name, spec.patronymic, spec.organisation
        )),
    }
}

fn dotted(oid: &[u64]) -> String {
    oid.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

/// SHA-256 of the signer certificate: the first certificate of `signers/<file>.pem`.
fn signer_fingerprint(demo_keys_dir: &Path, file: &str) -> Result<String, RegistryError> {
    let path = demo_keys_dir.join("signers").join(format!("{file}.pem"));
    let bytes = read_capped(&path, super::MAX_CERT)?;
    let blocks = pem_blocks(&bytes, "CERTIFICATE").map_err(|message| RegistryError::Invalid {
        path: path.clone(),
        message,
    })?;
    match blocks.first() {
        Some(der) => Ok(crate::hex_sha256(der)),
        None => Err(RegistryError::Invalid {
            path,
            message: "no certificate".into(),
        }),
    }
}

/// Removes what [`write`] creates, and nothing else: `init` then refuses a directory that
/// still holds other files.
fn clear(out_dir: &Path) -> Result<(), RegistryError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| RegistryError::Io { path, source }
    };
    let toml = out_dir.join(REGISTRY_FILE);
    if toml.is_file() {
        std::fs::remove_file(&toml).map_err(io(&toml))?;
    }
    for (sub, file) in [
        (ANCHORS, ANCHOR_FILE),
        (INTERMEDIATES, INTERMEDIATE_FILE),
        (CRLS, CRL_FILE),
    ] {
        let path = out_dir.join(sub).join(file);
        if path.is_file() {
            std::fs::remove_file(&path).map_err(io(&path))?;
        }
        let dir = out_dir.join(sub);
        if dir.is_dir() && std::fs::read_dir(&dir).map_err(io(&dir))?.next().is_none() {
            std::fs::remove_dir(&dir).map_err(io(&dir))?;
        }
    }
    Ok(())
}
