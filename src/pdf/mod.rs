//! PDF: a strict reader for the structure signing touches, and PAdES B-B signing by
//! incremental update.

pub mod object;
pub mod parse;
pub mod sign;

#[cfg(test)]
mod tests;

pub use sign::{DEFAULT_CONTENTS_SIZE, SignOptions, sign_pdf};

use crate::cms::CmsError;

impl PdfError {
    /// Whether the input PDF (not the signer or the options) is at fault.
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            PdfError::Malformed { .. } | PdfError::Unsupported(_) | PdfError::TooLarge { .. }
        )
    }
}

/// What can go wrong while reading or signing a PDF.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The input is not a well-formed PDF where it matters; `offset` is the byte where the
    /// problem was found (for objects inside an object stream, the stream's offset).
    #[error("malformed PDF at byte {offset}: {what}")]
    Malformed {
        /// Byte offset in the input.
        offset: usize,
        /// What is wrong.
        what: String,
    },
    /// A well-formed PDF using something this reader does not handle (encryption, a
    /// filter other than FlateDecode, …).
    #[error("unsupported PDF: {0}")]
    Unsupported(String),
    /// The input is larger than accepted.
    #[error("PDF is {size} bytes, more than the {limit} accepted")]
    TooLarge {
        /// Input size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The signing options are out of range.
    #[error("invalid signing options: {0}")]
    Options(&'static str),
    /// The CMS is larger than the space reserved for it.
    #[error("signature is {needed} bytes but only {reserved} are reserved for /Contents")]
    ContentsTooSmall {
        /// DER length of the CMS.
        needed: usize,
        /// `contents_size` of the options.
        reserved: usize,
    },
    /// Building the CMS failed.
    #[error(transparent)]
    Cms(#[from] CmsError),
    /// A bug: an internal consistency check failed.
    #[error("internal error: {0}")]
    Internal(&'static str),
}
