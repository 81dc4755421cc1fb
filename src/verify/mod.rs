//! Verification of signed PDFs and CMS against a certificate registry.
//!
//! The eight checks of the design each end in an ETSI EN 319 102-1 indication and
//! sub-indication; the report combines them per signature. Submodules do one check family:
//! `cms` (structure, digest, signature), `pdf` (format, coverage, modifications), `path`
//! (chain to a pinned anchor, CRL, key usage, roles).

pub mod cms;
pub mod path;
pub mod pdf;
pub mod report;

pub use report::{Options, Report, VerifyError, verify};

/// ETSI EN 319 102-1 main indication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Indication {
    TotalPassed,
    TotalFailed,
    Indeterminate,
}

/// ETSI EN 319 102-1 sub-indications used by qujat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubIndication {
    // TOTAL_FAILED
    FormatFailure,
    HashFailure,
    SigCryptoFailure,
    Revoked,
    ExpiredUnrevoked,
    // INDETERMINATE or TOTAL_FAILED depending on context
    SigConstraintsFailure,
    ChainConstraintsFailure,
    // INDETERMINATE
    NoCertificateChainFound,
    OutOfBoundsNoPoe,
    NotYetValid,
    TryLater,
    RevocationOutOfBounds,
    NoSignerCertificateFound,
    SignedDataNotFound,
    CryptoConstraintsFailure,
}

impl SubIndication {
    /// The main indication this sub-indication belongs to.
    pub fn indication(self) -> Indication {
        use SubIndication::*;
        match self {
            FormatFailure
            | HashFailure
            | SigCryptoFailure
            | Revoked
            | ExpiredUnrevoked
            | SigConstraintsFailure
            | ChainConstraintsFailure => Indication::TotalFailed,
            NoCertificateChainFound
            | OutOfBoundsNoPoe
            | NotYetValid
            | TryLater
            | RevocationOutOfBounds
            | NoSignerCertificateFound
            | SignedDataNotFound
            | CryptoConstraintsFailure => Indication::Indeterminate,
        }
    }
}

/// A failed check: the sub-indication and a precise English reason for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub sub: SubIndication,
    pub reason: String,
}

impl Finding {
    pub fn new(sub: SubIndication, reason: impl Into<String>) -> Self {
        Finding {
            sub,
            reason: reason.into(),
        }
    }
}
