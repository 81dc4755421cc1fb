//! The demo PKI of `keys/demo/`: a root CA, an intermediate, and signers in the NCA RK
//! certificate profile (pki-kz.md), with a CRL. For demonstrations and tests only.

use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CustomExtension,
    DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair,
    KeyUsagePurpose, RevocationReason, RevokedCertParams, SerialNumber, SignatureAlgorithm,
};
use time::{Duration, OffsetDateTime, macros::datetime};

use super::der::{encrypt_pkcs8_pem, pem};
use super::rsa_keygen;

/// Password of every demo key. Demo only: documented in keys/demo/README.md.
pub const DEMO_PASSWORD: &str = "qujat-demo";

/// NCA role OIDs carried in the extended key usage (pki-kz.md).
pub mod roles {
    pub const INDIVIDUAL: &[u64] = &[1, 2, 398, 3, 3, 4, 1, 1];
    pub const LEGAL_ENTITY: &[u64] = &[1, 2, 398, 3, 3, 4, 1, 2];
    pub const FIRST_HEAD: &[u64] = &[1, 2, 398, 3, 3, 4, 1, 2, 1];
    pub const SIGNING_RIGHT: &[u64] = &[1, 2, 398, 3, 3, 4, 1, 2, 2];
    pub const EMPLOYEE: &[u64] = &[1, 2, 398, 3, 3, 4, 1, 2, 5];
}

const SURNAME: &[u64] = &[2, 5, 4, 4];
const SERIAL_NUMBER: &[u64] = &[2, 5, 4, 5];
const GIVEN_NAME: &[u64] = &[2, 5, 4, 42];
const CERTIFICATE_POLICIES: &[u64] = &[2, 5, 29, 32];
/// NCA policy "EDS of legal entities" (1.2.398.3.3.2.1).
const POLICY_LEGAL_EDS: &[u64] = &[1, 2, 398, 3, 3, 2, 1];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Rsa,
    Ecdsa,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// digitalSignature + nonRepudiation, EKU emailProtection: may sign documents.
    Sign,
    /// digitalSignature + keyEncipherment, EKU clientAuth: must not sign documents.
    Auth,
}

/// One demo signer: who it is, which key, and what is special about it.
#[derive(Debug, Clone)]
pub struct SignerSpec {
    pub file: &'static str,
    pub surname: &'static str,
    pub given_name: &'static str,
    pub patronymic: &'static str,
    pub iin: &'static str,
    pub organisation: &'static str,
    pub bin: &'static str,
    pub role: &'static [u64],
    pub position: &'static str,
    pub algorithm: Algorithm,
    pub purpose: Purpose,
    pub revoked: bool,
    pub expired: bool,
}

const DISTRICT_ORG: &str = "«Алматы қаласы Әуезов ауданының білім бөлімі» ММ";
const DISTRICT_BIN: &str = "990440003210";
const SCHOOL_ORG: &str = "«№ 175 жалпы білім беретін мектеп» КММ";
const SCHOOL_BIN: &str = "051240006542";
const PMPC_ORG: &str = "«№ 2 психологиялық-медициналық-педагогикалық консультация» КММ";
const PMPC_BIN: &str = "030940009873";
const COLLEGE_ORG: &str = "«Алматы мемлекеттік политехникалық колледжі» МКҚК";
const COLLEGE_BIN: &str = "980640004561";
const GK_ORG: &str = "НАО «Государственная корпорация «Правительство для граждан»";
const GK_BIN: &str = "150340001236";

macro_rules! signer {
    ($file:literal, $sur:literal, $given:literal, $patr:literal, $iin:literal, $org:expr, $bin:expr,
     $role:expr, $pos:literal, $alg:ident, $purpose:ident, revoked: $rev:literal, expired: $exp:literal) => {
        SignerSpec {
            file: $file,
            surname: $sur,
            given_name: $given,
            patronymic: $patr,
            iin: $iin,
            organisation: $org,
            bin: $bin,
            role: $role,
            position: $pos,
            algorithm: Algorithm::$alg,
            purpose: Purpose::$purpose,
            revoked: $rev,
            expired: $exp,
        }
    };
}

/// Every demo signer. File names are stable: tests and the demo registry refer to them.
pub fn signers() -> Vec<SignerSpec> {
    vec![
        signer!("district-head-rsa", "ОСПАНОВ", "МАРАТ", "ЕРЛАНҰЛЫ", "780312300453", DISTRICT_ORG, DISTRICT_BIN, roles::FIRST_HEAD, "Білім бөлімінің басшысы / Руководитель отдела образования", Rsa, Sign, revoked: false, expired: false),
        signer!("district-head-ec", "ОСПАНОВ", "МАРАТ", "ЕРЛАНҰЛЫ", "780312300453", DISTRICT_ORG, DISTRICT_BIN, roles::FIRST_HEAD, "Білім бөлімінің басшысы / Руководитель отдела образования", Ecdsa, Sign, revoked: false, expired: false),
        signer!("school-director-rsa", "СЕРІКБАЕВА", "ГҮЛНАР", "АСҚАРҚЫЗЫ", "821105400675", SCHOOL_ORG, SCHOOL_BIN, roles::FIRST_HEAD, "Мектеп директоры / Директор школы", Rsa, Sign, revoked: false, expired: false),
        signer!("school-director-ec", "СЕРІКБАЕВА", "ГҮЛНАР", "АСҚАРҚЫЗЫ", "821105400675", SCHOOL_ORG, SCHOOL_BIN, roles::FIRST_HEAD, "Мектеп директоры / Директор школы", Ecdsa, Sign, revoked: false, expired: false),
        signer!("pmpc-head-rsa", "ИВАНОВА", "ЕЛЕНА", "ПЕТРОВНА", "750601400891", PMPC_ORG, PMPC_BIN, roles::FIRST_HEAD, "ПМПК меңгерушісі / Заведующая ПМПК", Rsa, Sign, revoked: false, expired: false),
        signer!("pmpc-head-ec", "ИВАНОВА", "ЕЛЕНА", "ПЕТРОВНА", "750601400891", PMPC_ORG, PMPC_BIN, roles::FIRST_HEAD, "ПМПК меңгерушісі / Заведующая ПМПК", Ecdsa, Sign, revoked: false, expired: false),
        signer!("college-director-rsa", "БЕКОВА", "СӘУЛЕ", "МАРАТҚЫЗЫ", "790412400128", COLLEGE_ORG, COLLEGE_BIN, roles::FIRST_HEAD, "Колледж директоры / Директор колледжа", Rsa, Sign, revoked: false, expired: false),
        signer!("college-director-ec", "БЕКОВА", "СӘУЛЕ", "МАРАТҚЫЗЫ", "790412400128", COLLEGE_ORG, COLLEGE_BIN, roles::FIRST_HEAD, "Колледж директоры / Директор колледжа", Ecdsa, Sign, revoked: false, expired: false),
        signer!("gk-operator-rsa", "СЕРІКБАЕВ", "АСҚАР", "БОЛАТҰЛЫ", "900722300112", GK_ORG, GK_BIN, roles::EMPLOYEE, "Мемлекеттік корпорация операторы / Оператор Государственной корпорации", Rsa, Sign, revoked: false, expired: false),
        signer!("gk-operator-ec", "СЕРІКБАЕВ", "АСҚАР", "БОЛАТҰЛЫ", "900722300112", GK_ORG, GK_BIN, roles::EMPLOYEE, "Мемлекеттік корпорация операторы / Оператор Государственной корпорации", Ecdsa, Sign, revoked: false, expired: false),
        signer!("school-deputy-revoked-rsa", "ӘБІЛОВА", "ДИНАРА", "СЕРІКҚЫЗЫ", "880918300220", SCHOOL_ORG, SCHOOL_BIN, roles::SIGNING_RIGHT, "Директордың оқу ісі жөніндегі орынбасары / Заместитель директора по учебной работе", Rsa, Sign, revoked: true, expired: false),
        signer!("school-director-auth-rsa", "СЕРІКБАЕВА", "ГҮЛНАР", "АСҚАРҚЫЗЫ", "821105400675", SCHOOL_ORG, SCHOOL_BIN, roles::FIRST_HEAD, "Мектеп директоры / Директор школы", Rsa, Auth, revoked: false, expired: false),
        signer!("district-head-expired-rsa", "ОСПАНОВ", "МАРАТ", "ЕРЛАНҰЛЫ", "780312300453", DISTRICT_ORG, DISTRICT_BIN, roles::FIRST_HEAD, "Білім бөлімінің басшысы / Руководитель отдела образования", Rsa, Sign, revoked: false, expired: true),
    ]
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("certificate generation: {0}")]
    Cert(#[from] rcgen::Error),
    #[error("{0}")]
    Random(#[from] super::der::RandomError),
    #[error("writing {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("demo registry: {0}")]
    Registry(#[from] crate::registry::RegistryError),
}

struct Key {
    pkcs8: Vec<u8>,
    pair: KeyPair,
}

fn new_key(alg: Algorithm) -> Result<Key, DemoError> {
    let (pkcs8, sig): (Vec<u8>, &'static SignatureAlgorithm) = match alg {
        Algorithm::Rsa => (rsa_keygen::generate_pkcs8(2048), &rcgen::PKCS_RSA_SHA256),
        Algorithm::Ecdsa => {
            let rng = ring::rand::SystemRandom::new();
            let doc = ring::signature::EcdsaKeyPair::generate_pkcs8(
                &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                &rng,
            )
            .map_err(|_| super::der::RandomError)?;
            (doc.as_ref().to_vec(), &rcgen::PKCS_ECDSA_P256_SHA256)
        }
    };
    let der = rustls_pki_types::PrivatePkcs8KeyDer::from(pkcs8.as_slice());
    let pair = KeyPair::from_pkcs8_der_and_sign_algo(&der, sig)?;
    Ok(Key { pkcs8, pair })
}

fn serial(n: u64) -> SerialNumber {
    // A leading 0x51 keeps serials positive and recognisably ours.
    let mut bytes = vec![0x51];
    bytes.extend_from_slice(&n.to_be_bytes());
    SerialNumber::from_slice(&bytes)
}

fn ca_params(cn: &str, serial_no: u64, path_len: Option<u8>) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "KZ");
    dn.push(DnType::OrganizationName, "qujat DEMO — NOT FOR PRODUCTION");
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(match path_len {
        Some(n) => BasicConstraints::Constrained(n),
        None => BasicConstraints::Unconstrained,
    });
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p.not_before = datetime!(2025-01-01 00:00 UTC);
    p.not_after = datetime!(2045-01-01 00:00 UTC);
    p.serial_number = Some(serial(serial_no));
    p.key_identifier_method = KeyIdMethod::Sha256;
    p.use_authority_key_identifier_extension = true;
    p
}

fn policies_extension(policy: &[u64]) -> CustomExtension {
    let der = yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_sequence(|w| {
                w.next()
                    .write_oid(&yasna::models::ObjectIdentifier::from_slice(policy));
            });
        });
    });
    CustomExtension::from_oid_content(CERTIFICATE_POLICIES, der)
}

fn signer_params(s: &SignerSpec, serial_no: u64) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "KZ");
    dn.push(
        DnType::CommonName,
        format!("{} {}", s.surname, s.given_name),
    );
    dn.push(DnType::CustomDnType(SURNAME.to_vec()), s.surname);
    dn.push(
        DnType::CustomDnType(SERIAL_NUMBER.to_vec()),
        format!("IIN{}", s.iin),
    );
    dn.push(DnType::CustomDnType(GIVEN_NAME.to_vec()), s.patronymic);
    dn.push(DnType::OrganizationName, s.organisation);
    dn.push(DnType::OrganizationalUnitName, format!("BIN{}", s.bin));
    p.distinguished_name = dn;
    p.is_ca = IsCa::ExplicitNoCa;
    match s.purpose {
        Purpose::Sign => {
            p.key_usages = vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::ContentCommitment,
            ];
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::EmailProtection];
        }
        Purpose::Auth => {
            p.key_usages = vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::KeyEncipherment,
            ];
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        }
    }
    p.extended_key_usages
        .push(ExtendedKeyUsagePurpose::Other(roles::LEGAL_ENTITY.to_vec()));
    p.extended_key_usages
        .push(ExtendedKeyUsagePurpose::Other(s.role.to_vec()));
    p.custom_extensions
        .push(policies_extension(POLICY_LEGAL_EDS));
    if s.expired {
        p.not_before = datetime!(2023-01-01 00:00 UTC);
        p.not_after = datetime!(2024-01-01 00:00 UTC);
    } else {
        p.not_before = datetime!(2026-01-01 00:00 UTC);
        p.not_after = datetime!(2036-01-01 00:00 UTC);
    }
    p.serial_number = Some(serial(serial_no));
    p.key_identifier_method = KeyIdMethod::Sha256;
    p.use_authority_key_identifier_extension = true;
    p
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), DemoError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| DemoError::Io {
            path: parent.display().to_string(),
            source,
        })?;
    }
    std::fs::write(path, bytes).map_err(|source| DemoError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Writes a complete demo PKI into `out` (see keys/demo/README.md for the layout).
pub fn generate(out: &Path) -> Result<(), DemoError> {
    let root_key = new_key(Algorithm::Rsa)?;
    let root_params = ca_params("qujat DEMO Root CA (RSA)", 1, Some(1));
    let root_cert = root_params.self_signed(&root_key.pair)?;
    let root = Issuer::new(root_params, &root_key.pair);

    let inter_key = new_key(Algorithm::Rsa)?;
    let inter_params = ca_params("qujat DEMO ҰКО intermediate CA (RSA)", 2, Some(0));
    let inter_cert = inter_params.signed_by(&inter_key.pair, &root)?;
    let intermediate = Issuer::new(inter_params, &inter_key.pair);

    write(
        &out.join("root-ca.crt"),
        pem("CERTIFICATE", root_cert.der()).as_bytes(),
    )?;
    write(
        &out.join("intermediate-ca.crt"),
        pem("CERTIFICATE", inter_cert.der()).as_bytes(),
    )?;
    write(
        &out.join("ca/root-ca.key.pem"),
        encrypt_pkcs8_pem(&root_key.pkcs8, DEMO_PASSWORD)?.as_bytes(),
    )?;
    write(
        &out.join("ca/intermediate-ca.key.pem"),
        encrypt_pkcs8_pem(&inter_key.pkcs8, DEMO_PASSWORD)?.as_bytes(),
    )?;

    let mut revoked = Vec::new();
    let mut manifest = String::from(
        "# Demo signers (generated by `qujat keys demo`). NOT FOR PRODUCTION.\n\
         # file | IIN | BIN | role OID | algorithm | purpose | status\n",
    );
    for (i, s) in signers().iter().enumerate() {
        let key = new_key(s.algorithm)?;
        let serial_no = 100 + i as u64;
        let cert = signer_params(s, serial_no).signed_by(&key.pair, &intermediate)?;
        let mut file = encrypt_pkcs8_pem(&key.pkcs8, DEMO_PASSWORD)?;
        file.push_str(&pem("CERTIFICATE", cert.der()));
        file.push_str(&pem("CERTIFICATE", inter_cert.der()));
        write(
            &out.join("signers").join(format!("{}.pem", s.file)),
            file.as_bytes(),
        )?;
        if s.revoked {
            revoked.push(RevokedCertParams {
                serial_number: serial(serial_no),
                revocation_time: datetime!(2026-06-01 00:00 UTC),
                reason_code: Some(RevocationReason::KeyCompromise),
                invalidity_date: None,
            });
        }
        let role = s
            .role
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(".");
        let status = if s.revoked {
            "revoked 2026-06-01"
        } else if s.expired {
            "expired 2024-01-01"
        } else {
            "valid to 2036-01-01"
        };
        manifest.push_str(&format!(
            "{} | {} | {} | {} | {:?} | {:?} | {}\n",
            s.file, s.iin, s.bin, role, s.algorithm, s.purpose, status
        ));
    }
    let now = OffsetDateTime::now_utc();
    let crl = CertificateRevocationListParams {
        this_update: now - Duration::days(1),
        // Long-lived on purpose: the demo must verify out of the box for years.
        next_update: datetime!(2036-01-01 00:00 UTC),
        crl_number: SerialNumber::from_slice(&[1]),
        issuing_distribution_point: None,
        revoked_certs: revoked,
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&intermediate)?;
    write(&out.join("intermediate-ca.crl"), crl.der())?;
    write(&out.join("signers.txt"), manifest.as_bytes())?;
    // The registry trusting exactly this PKI (src/registry/demo.rs embeds it).
    crate::registry::demo::write(out, &out.join("registry"))?;
    Ok(())
}

/// The demo signers' key files, compiled in so `qujat issue` works out of the box. They are
/// public demo keys (keys/demo/README.md), not secrets.
const EMBEDDED_SIGNERS: &[(&str, &[u8])] = &[
    (
        "district-head-rsa",
        include_bytes!("../../keys/demo/signers/district-head-rsa.pem"),
    ),
    (
        "district-head-ec",
        include_bytes!("../../keys/demo/signers/district-head-ec.pem"),
    ),
    (
        "school-director-rsa",
        include_bytes!("../../keys/demo/signers/school-director-rsa.pem"),
    ),
    (
        "school-director-ec",
        include_bytes!("../../keys/demo/signers/school-director-ec.pem"),
    ),
    (
        "pmpc-head-rsa",
        include_bytes!("../../keys/demo/signers/pmpc-head-rsa.pem"),
    ),
    (
        "pmpc-head-ec",
        include_bytes!("../../keys/demo/signers/pmpc-head-ec.pem"),
    ),
    (
        "college-director-rsa",
        include_bytes!("../../keys/demo/signers/college-director-rsa.pem"),
    ),
    (
        "college-director-ec",
        include_bytes!("../../keys/demo/signers/college-director-ec.pem"),
    ),
    (
        "gk-operator-rsa",
        include_bytes!("../../keys/demo/signers/gk-operator-rsa.pem"),
    ),
    (
        "gk-operator-ec",
        include_bytes!("../../keys/demo/signers/gk-operator-ec.pem"),
    ),
];

/// The embedded key file of a demo signer, by file stem (e.g. `school-director-rsa`).
pub fn embedded_signer(name: &str) -> Option<&'static [u8]> {
    EMBEDDED_SIGNERS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, pem)| *pem)
}

/// The demo signer who signs for organisation `bin`: a valid signing key of the requested
/// algorithm.
pub fn default_signer_for(bin: &str, algorithm: Algorithm) -> Option<&'static str> {
    signers()
        .into_iter()
        .find(|s| {
            s.bin == bin
                && s.algorithm == algorithm
                && s.purpose == Purpose::Sign
                && !s.revoked
                && !s.expired
        })
        .map(|s| s.file)
        .filter(|file| embedded_signer(file).is_some())
}
