//! qujat renders the result documents of Kazakhstan's education state services in Kazakh
//! and Russian, signs them, registers them, and verifies signed documents.
//!
//! [`Engine`] is the one entry point; the CLI and the HTTP service are thin adapters over it.

pub mod calendar;
pub mod cms;
pub mod engine;
pub mod examples;
pub mod http;
pub mod journal;
pub mod keys;
pub mod lang;
pub mod model;
pub mod pdf;
pub mod pki;
pub mod registrar;
pub mod registry;
pub mod render;
pub mod verify;

pub use engine::{Config, Engine, Error};
pub use model::{Document, InputError, KINDS, LangSet};

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn hex_sha256(bytes: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}
