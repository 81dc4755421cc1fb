//! The verifier's entry point on arbitrary bytes: a PDF, an attached CMS, or (when the first
//! byte is odd) a detached CMS over the rest. It must never panic, and garbage must never be
//! judged valid.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use qujat::registry::Registry;
use qujat::verify::{Indication, Options, verify};

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry::demo().expect("embedded demo registry"))
}

fuzz_target!(|data: &[u8]| {
    let options = Options {
        at: None,
        now: time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_600),
    };
    let (detached, input) = match data.split_first() {
        Some((flag, rest)) if flag & 1 == 1 && !rest.starts_with(b"%PDF-") => {
            let cut = rest.len() / 2;
            (Some(&rest[..cut]), &rest[cut..])
        }
        _ => (None, data),
    };
    if let Ok(report) = verify(input, detached, registry(), options) {
        // Only our own seeds can pass; a passed report must have a signer that is trusted.
        if report.indication == Indication::TotalPassed {
            for s in &report.signatures {
                assert!(s.facets.intact && s.facets.valid && s.facets.trusted);
            }
        }
    }
});
