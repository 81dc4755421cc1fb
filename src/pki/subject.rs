//! Reading an NCA RK certificate's subject: who signed, for which organisation, in which role
//! (pki-kz.md). NCA puts the given name only in CN and the patronymic in G.

use x509_parser::prelude::*;

use crate::lang::ids;

const SURNAME: &str = "2.5.4.4";
const SERIAL_NUMBER: &str = "2.5.4.5";
const GIVEN_NAME: &str = "2.5.4.42";
const COMMON_NAME: &str = "2.5.4.3";
const ORGANISATION: &str = "2.5.4.10";
const ORG_UNIT: &str = "2.5.4.11";
/// Prefix of the NCA role OIDs in the extended key usage.
const ROLE_PREFIX: &str = "1.2.398.3.3.4.";

/// The parts of an NCA certificate a verifier and the signer block need.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct NcaSubject {
    pub common_name: String,
    pub surname: Option<String>,
    pub given_name: Option<String>,
    pub patronymic: Option<String>,
    pub iin: Option<String>,
    /// The IIN fails its check digit (NCA test certificates do on purpose): a warning.
    pub iin_check_digit_warning: bool,
    pub organisation: Option<String>,
    pub bin: Option<String>,
    /// NCA role OIDs from the EKU (1.2.398.3.3.4.…).
    pub roles: Vec<String>,
    /// Certificate serial number, uppercase hex.
    pub serial: String,
    pub not_before: i64,
    pub not_after: i64,
}

impl NcaSubject {
    /// "SURNAME GIVEN PATRONYMIC" as NCA signer tables print it.
    pub fn display_name(&self) -> String {
        let mut parts = Vec::new();
        match (&self.surname, &self.given_name) {
            (Some(s), Some(g)) => {
                parts.push(s.clone());
                parts.push(g.clone());
            }
            _ => parts.push(self.common_name.clone()),
        }
        if let Some(p) = &self.patronymic {
            parts.push(p.clone());
        }
        parts.join(" ").to_uppercase()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("certificate is not valid DER X.509: {0}")]
pub struct CertificateParseError(String);

/// Reads the NCA subject fields of a DER certificate.
pub fn parse(der: &[u8]) -> Result<NcaSubject, CertificateParseError> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| CertificateParseError(e.to_string()))?;
    let mut s = NcaSubject {
        serial: cert
            .tbs_certificate
            .raw_serial_as_string()
            .replace(':', "")
            .to_uppercase(),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        ..NcaSubject::default()
    };
    for attr in cert.subject().iter_attributes() {
        let value = attr.as_str().map(str::to_owned).unwrap_or_default();
        match attr.attr_type().to_id_string().as_str() {
            COMMON_NAME => s.common_name = value,
            SURNAME => s.surname = Some(value),
            GIVEN_NAME => s.patronymic = Some(value),
            SERIAL_NUMBER => s.iin = value.strip_prefix("IIN").map(str::to_owned),
            ORGANISATION => s.organisation = Some(value),
            ORG_UNIT => {
                if let Some(bin) = value.strip_prefix("BIN") {
                    s.bin = Some(bin.to_owned());
                }
            }
            _ => {}
        }
    }
    // CN is "SURNAME GIVEN-NAME": the given name is what follows the surname.
    if let Some(surname) = &s.surname {
        s.given_name = s
            .common_name
            .strip_prefix(surname.as_str())
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_owned);
    }
    if let Some(iin) = &s.iin {
        s.iin_check_digit_warning = ids::validate_iin(iin).is_err();
    }
    if let Ok(Some(eku)) = cert.extended_key_usage() {
        s.roles = eku
            .value
            .other
            .iter()
            .map(|oid| oid.to_id_string())
            .filter(|oid| oid.starts_with(ROLE_PREFIX))
            .collect();
    }
    Ok(s)
}

/// The issuing CA's common name, for the signer block.
pub fn issuer_common_name(der: &[u8]) -> Option<String> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let cn = cert.issuer().iter_common_name().next()?;
    cn.as_str().ok().map(str::to_owned)
}
