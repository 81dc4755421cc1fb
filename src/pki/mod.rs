//! Public-key infrastructure: the demo PKI and key writing.

pub mod demo;
mod der;
mod rsa_keygen;
pub mod subject;
