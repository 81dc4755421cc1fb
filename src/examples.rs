//! The sample payloads of `examples/`, embedded so `qujat example <kind>` works anywhere.

macro_rules! embedded_examples {
    ($($kind:literal),* $(,)?) => {
        /// (kind, payload JSON) for every kind.
        pub const EXAMPLES: &[(&str, &str)] = &[
            $(($kind, include_str!(concat!("../examples/", $kind, ".json")))),*
        ];
    };
}

embedded_examples! {
    "externship_order",
    "externship_extract",
    "duplicate_certificate",
    "pmpc_conclusion",
    "pmpc_recommendation",
    "refusal_receipt",
    "acceptance_receipt",
    "preschool_queue_receipt",
    "tvet_incomplete_education",
}

/// The sample payload of `kind`.
pub fn example(kind: &str) -> Option<&'static str> {
    EXAMPLES
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, json)| *json)
}
