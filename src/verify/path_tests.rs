//! Checks 4–7 against PKIs made here with rcgen (each negative case asserts its exact
//! sub-indication), against the demo PKI of `keys/demo/`, and against the real NCA RK test
//! certificates of `../shared/fixtures/`.

use std::path::PathBuf;

use ::time::OffsetDateTime;
use ::time::macros::datetime;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CustomExtension,
    DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair,
    KeyUsagePurpose, RevocationReason, RevokedCertParams, SerialNumber,
};

use super::*;
use crate::registry::{Authorization, CertEntry, Moment, Registry, SignerMatch};

const AT: OffsetDateTime = datetime!(2026-06-15 12:00 UTC);
const IIN: &str = "780312300453";
const BIN: &str = "990440003210";
const FIRST_HEAD: &str = "1.2.398.3.3.4.1.2.1";

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    der: Vec<u8>,
}

impl Ca {
    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }
}

fn name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "KZ");
    dn.push(DnType::CommonName, cn);
    dn
}

fn ca_params(cn: &str, path_len: Option<u8>) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = name(cn);
    p.is_ca = IsCa::Ca(match path_len {
        Some(n) => BasicConstraints::Constrained(n),
        None => BasicConstraints::Unconstrained,
    });
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = datetime!(2020-01-01 0:00 UTC);
    p.not_after = datetime!(2040-01-01 0:00 UTC);
    p
}

/// A self-signed root on P-384 (the intermediates are P-256: both curves get exercised).
fn root(cn: &str, path_len: Option<u8>) -> Ca {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap();
    let params = ca_params(cn, path_len);
    let der = params.self_signed(&key).unwrap().der().to_vec();
    Ca { params, key, der }
}

fn intermediate(cn: &str, parent: &Ca, edit: impl FnOnce(&mut CertificateParams)) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut params = ca_params(cn, Some(0));
    edit(&mut params);
    let der = params
        .signed_by(&key, &parent.issuer())
        .unwrap()
        .der()
        .to_vec();
    Ca { params, key, der }
}

fn serial(n: u8) -> SerialNumber {
    SerialNumber::from_slice(&[0x40, n])
}

/// An NCA-profile signing certificate (pki-kz.md) of a first head, valid through 2026.
fn leaf(parent: &Ca, n: u8, edit: impl FnOnce(&mut CertificateParams)) -> Vec<u8> {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "KZ");
    dn.push(DnType::CommonName, "ОСПАНОВ МАРАТ");
    dn.push(DnType::CustomDnType(vec![2, 5, 4, 4]), "ОСПАНОВ");
    dn.push(DnType::CustomDnType(vec![2, 5, 4, 5]), format!("IIN{IIN}"));
    dn.push(DnType::OrganizationName, "ТЕСТ");
    dn.push(DnType::OrganizationalUnitName, format!("BIN{BIN}"));
    p.distinguished_name = dn;
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    p.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::EmailProtection,
        ExtendedKeyUsagePurpose::Other(vec![1, 2, 398, 3, 3, 4, 1, 2]),
        ExtendedKeyUsagePurpose::Other(vec![1, 2, 398, 3, 3, 4, 1, 2, 1]),
    ];
    p.not_before = datetime!(2026-01-01 0:00 UTC);
    p.not_after = datetime!(2027-01-01 0:00 UTC);
    p.serial_number = Some(serial(n));
    edit(&mut p);
    p.signed_by(&key, &parent.issuer()).unwrap().der().to_vec()
}

fn crl(
    issuer: &Ca,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    revoked: &[(u8, OffsetDateTime)],
) -> Vec<u8> {
    CertificateRevocationListParams {
        this_update,
        next_update,
        crl_number: SerialNumber::from_slice(&[1]),
        issuing_distribution_point: None,
        revoked_certs: revoked
            .iter()
            .map(|&(n, at)| RevokedCertParams {
                serial_number: serial(n),
                revocation_time: at,
                reason_code: Some(RevocationReason::KeyCompromise),
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&issuer.issuer())
    .unwrap()
    .der()
    .to_vec()
}

fn head_authorization() -> Authorization {
    Authorization {
        id: "head".into(),
        signer: SignerMatch::Person {
            iin: IIN.into(),
            bin: BIN.into(),
            role: FIRST_HEAD.into(),
        },
        organisation_bin: BIN.into(),
        position_kk: "Басшы".into(),
        position_ru: "Руководитель".into(),
        kinds: vec!["refusal_receipt".into(), "acceptance_receipt".into()],
        valid_from: Moment::parse("2026-01-01"),
        valid_to: Moment::parse("2026-12-31"),
        revoked_at: None,
        note: None,
    }
}

struct Pki {
    root: Ca,
    inter: Ca,
    leaf: Vec<u8>,
}

fn pki() -> Pki {
    let root = root("Test Root", Some(1));
    let inter = intermediate("Test Intermediate", &root, |_| {});
    let leaf = leaf(&inter, 1, |_| {});
    Pki { root, inter, leaf }
}

/// Root as anchor, the intermediate, a fresh CRL of the intermediate (nothing revoked), and
/// the head's authorization.
fn registry(p: &Pki) -> Registry {
    let mut r = Registry::empty();
    r.insert_anchor(&p.root.der).unwrap();
    r.insert_intermediate(&p.inter.der).unwrap();
    r.insert_crl(&crl(
        &p.inter,
        datetime!(2026-06-01 0:00 UTC),
        datetime!(2026-07-01 0:00 UTC),
        &[],
    ))
    .unwrap();
    r.insert_authorization(head_authorization()).unwrap();
    r
}

fn sub<T: std::fmt::Debug>(result: Result<T, Finding>) -> SubIndication {
    match result {
        Ok(v) => panic!("expected a finding, got {v:?}"),
        Err(f) => f.sub,
    }
}

#[test]
fn a_good_signer_passes_all_four_checks() {
    let p = pki();
    let r = registry(&p);
    let path = validate_path(&p.leaf, &[], &r, AT).unwrap();
    assert_eq!(
        path.chain,
        vec![p.leaf.clone(), p.inter.der.clone(), p.root.der.clone()]
    );
    assert_eq!(
        path.origins,
        [CertOrigin::Signer, CertOrigin::Registry, CertOrigin::Anchor]
    );
    assert_eq!(path.subjects[2], "Test Root");
    let status = check_revocation(&path, &r, AT).unwrap();
    assert_eq!(status.certificates.len(), 2);
    let signer = status.signer().unwrap();
    assert!(matches!(signer.evidence, Evidence::Crl { .. }));
    assert_eq!(signer.revoked_later, None);
    assert_eq!(signer.serial, "4001");
    assert_eq!(
        status.certificates[1].evidence,
        Evidence::PinnedIntermediate
    );
    check_key_usage(&p.leaf).unwrap();
    let m = check_authorization(&p.leaf, &r, Some("refusal_receipt"), Some(BIN), AT).unwrap();
    assert_eq!(m.id, "head");
    assert_eq!(m.position_ru, "Руководитель");
    assert_eq!(m.organisation_bin, BIN);
    // A plain CMS has no kind and no issuer: the signer match alone is enough.
    assert_eq!(
        check_authorization(&p.leaf, &r, None, None, AT).unwrap().id,
        "head"
    );
}

#[test]
fn expired_and_not_yet_valid_signers() {
    let p = pki();
    let r = registry(&p);
    let expired = leaf(&p.inter, 2, |c| {
        c.not_before = datetime!(2024-01-01 0:00 UTC);
        c.not_after = datetime!(2025-01-01 0:00 UTC);
    });
    let f = validate_path(&expired, &[], &r, AT).unwrap_err();
    assert_eq!(f.sub, SubIndication::OutOfBoundsNoPoe);
    assert!(
        f.reason.contains("expired 2025-01-01T00:00:00Z"),
        "{}",
        f.reason
    );
    // Inside its validity it is fine: the time is the caller's, not "now".
    assert!(validate_path(&expired, &[], &r, datetime!(2024-06-01 0:00 UTC)).is_ok());

    let future = leaf(&p.inter, 3, |c| {
        c.not_before = datetime!(2027-01-01 0:00 UTC);
        c.not_after = datetime!(2028-01-01 0:00 UTC);
    });
    assert_eq!(
        sub(validate_path(&future, &[], &r, AT)),
        SubIndication::NotYetValid
    );
}

#[test]
fn an_expired_ca_fails_the_path() {
    let root = root("Test Root", Some(1));
    let inter = intermediate("Old Intermediate", &root, |c| {
        c.not_after = datetime!(2026-01-01 0:00 UTC);
    });
    let leaf = leaf(&inter, 1, |c| c.not_before = datetime!(2025-06-01 0:00 UTC));
    let mut r = Registry::empty();
    r.insert_anchor(&root.der).unwrap();
    r.insert_intermediate(&inter.der).unwrap();
    let f = validate_path(&leaf, &[], &r, AT).unwrap_err();
    assert_eq!(f.sub, SubIndication::OutOfBoundsNoPoe);
    assert!(
        f.reason.contains("CA certificate «Old Intermediate»"),
        "{}",
        f.reason
    );
}

#[test]
fn revoked_before_the_time_fails_and_after_is_reported() {
    let p = pki();
    let mut r = registry(&p);
    r.crls.clear();
    r.insert_crl(&crl(
        &p.inter,
        datetime!(2026-06-01 0:00 UTC),
        datetime!(2026-07-01 0:00 UTC),
        &[
            (1, datetime!(2026-03-01 8:00 UTC)),
            (9, datetime!(2026-01-05 0:00 UTC)),
        ],
    ))
    .unwrap();
    let path = validate_path(&p.leaf, &[], &r, AT).unwrap();
    let f = check_revocation(&path, &r, AT).unwrap_err();
    assert_eq!(f.sub, SubIndication::Revoked);
    assert!(
        f.reason.contains("revoked 2026-03-01T08:00:00Z"),
        "{}",
        f.reason
    );
    assert!(f.reason.contains("keyCompromise"), "{}", f.reason);
    assert_eq!(f.sub.indication(), crate::verify::Indication::TotalFailed);

    // Signed before the revocation: not revoked then; the later revocation is reported.
    let before = datetime!(2026-02-01 0:00 UTC);
    let path = validate_path(&p.leaf, &[], &r, before).unwrap();
    let status = check_revocation(&path, &r, before).unwrap();
    let later = status.signer().unwrap().revoked_later.clone().unwrap();
    assert_eq!(later.date, datetime!(2026-03-01 8:00 UTC));
    assert_eq!(later.reason, Some("keyCompromise"));
}

#[test]
fn a_crl_signed_by_another_key_does_not_count() {
    let p = pki();
    let mut r = registry(&p);
    r.crls.clear();
    // Same name as the intermediate, different key; it even claims nothing is revoked.
    let impostor = intermediate("Test Intermediate", &p.root, |_| {});
    let forged = crl(
        &impostor,
        datetime!(2026-06-01 0:00 UTC),
        datetime!(2026-07-01 0:00 UTC),
        &[],
    );
    // add_crl refuses it; a file dropped in by hand is loaded and then ignored.
    assert!(r.insert_crl(&forged).is_err());
    r.crls
        .push(crate::registry::CrlEntry::parse(forged).unwrap());
    let path = validate_path(&p.leaf, &[], &r, AT).unwrap();
    let f = check_revocation(&path, &r, AT).unwrap_err();
    assert_eq!(f.sub, SubIndication::TryLater);
    assert!(f.reason.contains("signature invalid"), "{}", f.reason);
    assert!(r.list().contains("signature NOT verified, CRL ignored"));
}

#[test]
fn stale_missing_and_late_crls() {
    let p = pki();
    let mut r = registry(&p);
    let path = validate_path(&p.leaf, &[], &r, AT).unwrap();

    r.crls.clear();
    r.insert_crl(&crl(
        &p.inter,
        datetime!(2026-01-01 0:00 UTC),
        datetime!(2026-02-01 0:00 UTC),
        &[],
    ))
    .unwrap();
    let f = check_revocation(&path, &r, AT).unwrap_err();
    assert_eq!(f.sub, SubIndication::RevocationOutOfBounds);
    assert!(f.reason.starts_with("stale CRL"), "{}", f.reason);
    assert_eq!(f.sub.indication(), crate::verify::Indication::Indeterminate);

    // A CRL issued after the time still speaks for it (while the certificate was valid).
    r.insert_crl(&crl(
        &p.inter,
        datetime!(2026-10-01 0:00 UTC),
        datetime!(2026-11-01 0:00 UTC),
        &[],
    ))
    .unwrap();
    assert!(check_revocation(&path, &r, AT).is_ok());

    r.crls.clear();
    assert_eq!(
        sub(check_revocation(&path, &r, AT)),
        SubIndication::TryLater
    );

    // Issued after the certificate expired, not listing it: proves nothing (RFC 5280 §3.3).
    r.insert_crl(&crl(
        &p.inter,
        datetime!(2027-03-01 0:00 UTC),
        datetime!(2027-04-01 0:00 UTC),
        &[],
    ))
    .unwrap();
    let f = check_revocation(&path, &r, AT).unwrap_err();
    assert_eq!(f.sub, SubIndication::RevocationOutOfBounds);
    assert!(f.reason.contains("after «ОСПАНОВ МАРАТ»"), "{}", f.reason);
}

#[test]
fn authentication_certificates_cannot_sign() {
    let p = pki();
    let auth = leaf(&p.inter, 2, |c| {
        c.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        c.extended_key_usages[0] = ExtendedKeyUsagePurpose::ClientAuth;
    });
    let f = check_key_usage(&auth).unwrap_err();
    assert_eq!(f.sub, SubIndication::SigConstraintsFailure);
    assert!(
        f.reason.contains("authentication certificate"),
        "{}",
        f.reason
    );

    // The EKU alone gives it away.
    let client_only = leaf(&p.inter, 3, |c| {
        c.extended_key_usages[0] = ExtendedKeyUsagePurpose::ClientAuth;
    });
    assert_eq!(
        sub(check_key_usage(&client_only)),
        SubIndication::SigConstraintsFailure
    );
    // So does keyUsage alone.
    let ke = leaf(&p.inter, 4, |c| {
        c.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
    });
    assert_eq!(
        sub(check_key_usage(&ke)),
        SubIndication::SigConstraintsFailure
    );
    // Neither signing bit, or no keyUsage at all.
    let cert_sign = leaf(&p.inter, 5, |c| {
        c.key_usages = vec![KeyUsagePurpose::KeyAgreement]
    });
    assert_eq!(
        sub(check_key_usage(&cert_sign)),
        SubIndication::SigConstraintsFailure
    );
    let none = leaf(&p.inter, 6, |c| c.key_usages.clear());
    assert_eq!(
        sub(check_key_usage(&none)),
        SubIndication::SigConstraintsFailure
    );
    // nonRepudiation alone signs; clientAuth next to emailProtection is fine.
    let nr = leaf(&p.inter, 7, |c| {
        c.key_usages = vec![KeyUsagePurpose::ContentCommitment];
        c.extended_key_usages
            .push(ExtendedKeyUsagePurpose::ClientAuth);
    });
    check_key_usage(&nr).unwrap();
}

#[test]
fn untrusted_root_and_missing_intermediate() {
    let p = pki();
    let r = registry(&p);
    // Another root and intermediate with the very same names.
    let other_root = root("Test Root", Some(1));
    let other_inter = intermediate("Test Intermediate", &other_root, |_| {});
    let stranger = leaf(&other_inter, 1, |_| {});
    let f = validate_path(&stranger, &[], &r, AT).unwrap_err();
    assert_eq!(f.sub, SubIndication::NoCertificateChainFound);
    assert!(f.reason.contains("not its key"), "{}", f.reason);
    let extra = vec![other_inter.der.clone(), other_root.der.clone()];
    assert_eq!(
        sub(validate_path(&stranger, &extra, &r, AT)),
        SubIndication::NoCertificateChainFound,
        "certificates in the document are hints, never anchors"
    );
    assert_eq!(
        sub(validate_path(&p.leaf, &[], &Registry::empty(), AT)),
        SubIndication::NoCertificateChainFound
    );

    // Only the root pinned: the intermediate must come from the document.
    let mut root_only = Registry::empty();
    root_only.insert_anchor(&p.root.der).unwrap();
    assert_eq!(
        sub(validate_path(&p.leaf, &[], &root_only, AT)),
        SubIndication::NoCertificateChainFound
    );
    let hints = vec![
        b"junk".to_vec(),
        other_inter.der.clone(),
        p.inter.der.clone(),
    ];
    let path = validate_path(&p.leaf, &hints, &root_only, AT).unwrap();
    assert_eq!(
        path.origins,
        [CertOrigin::Signer, CertOrigin::Document, CertOrigin::Anchor]
    );
    // An intermediate only the document vouches for needs its issuer's CRL.
    root_only
        .insert_crl(&crl(
            &p.inter,
            datetime!(2026-06-01 0:00 UTC),
            datetime!(2026-07-01 0:00 UTC),
            &[],
        ))
        .unwrap_err();
    root_only.insert_intermediate(&p.inter.der).unwrap();
    root_only
        .insert_crl(&crl(
            &p.inter,
            datetime!(2026-06-01 0:00 UTC),
            datetime!(2026-07-01 0:00 UTC),
            &[],
        ))
        .unwrap();
    root_only.intermediates.clear();
    let f = check_revocation(&path, &root_only, AT).unwrap_err();
    assert_eq!(f.sub, SubIndication::TryLater);
    assert!(f.reason.contains("no CRL of «Test Root»"), "{}", f.reason);
    root_only
        .insert_crl(&crl(
            &p.root,
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2027-01-01 0:00 UTC),
            &[],
        ))
        .unwrap();
    assert!(check_revocation(&path, &root_only, AT).is_ok());
}

#[test]
fn authorization_by_kind_organisation_person_and_time() {
    let p = pki();
    let mut r = registry(&p);
    let f = check_authorization(&p.leaf, &r, Some("externship_order"), Some(BIN), AT).unwrap_err();
    assert_eq!(f.sub, SubIndication::SigConstraintsFailure);
    assert!(f.reason.contains("not externship_order"), "{}", f.reason);

    let f = check_authorization(
        &p.leaf,
        &r,
        Some("refusal_receipt"),
        Some("051240006542"),
        AT,
    )
    .unwrap_err();
    assert_eq!(f.sub, SubIndication::SigConstraintsFailure);
    assert!(
        f.reason.contains("issued by BIN 051240006542"),
        "{}",
        f.reason
    );

    // Another person of the same organisation and role.
    let other = leaf(&p.inter, 2, |c| {
        c.distinguished_name
            .push(DnType::CustomDnType(vec![2, 5, 4, 5]), "IIN900722300112");
    });
    let f = check_authorization(&other, &r, None, None, AT).unwrap_err();
    assert_eq!(f.sub, SubIndication::SigConstraintsFailure);
    assert!(f.reason.starts_with("no authorization"), "{}", f.reason);
    // The same person without the first-head role.
    let employee = leaf(&p.inter, 3, |c| {
        c.extended_key_usages[2] =
            ExtendedKeyUsagePurpose::Other(vec![1, 2, 398, 3, 3, 4, 1, 2, 5]);
    });
    assert_eq!(
        sub(check_authorization(&employee, &r, None, None, AT)),
        SubIndication::SigConstraintsFailure
    );
    // By fingerprint: exactly this certificate.
    r.insert_authorization(Authorization {
        id: "by-cert".into(),
        signer: SignerMatch::Certificate {
            sha256: crate::hex_sha256(&other),
        },
        ..head_authorization()
    })
    .unwrap();
    assert_eq!(
        check_authorization(&other, &r, None, None, AT).unwrap().id,
        "by-cert"
    );

    // Outside its validity, or revoked before the time.
    assert_eq!(
        sub(check_authorization(
            &p.leaf,
            &r,
            None,
            None,
            datetime!(2027-01-01 0:00 UTC)
        )),
        SubIndication::SigConstraintsFailure
    );
    let mut revoked = Registry::empty();
    revoked
        .insert_authorization(Authorization {
            revoked_at: Some(Moment::DateTime(datetime!(2026-05-01 0:00 UTC))),
            ..head_authorization()
        })
        .unwrap();
    let f = check_authorization(&p.leaf, &revoked, None, None, AT).unwrap_err();
    assert!(f.reason.contains("revoked 2026-05-01"), "{}", f.reason);
    let before = datetime!(2026-04-01 0:00 UTC);
    assert!(check_authorization(&p.leaf, &revoked, None, None, before).is_ok());
}

#[test]
fn chain_constraints() {
    let root = root("Test Root", Some(1));
    let anchor_only = |root: &Ca, inter: &Ca| {
        let mut r = Registry::empty();
        r.insert_anchor(&root.der).unwrap();
        (r, vec![inter.der.clone()])
    };
    // An "intermediate" that is not a CA.
    let not_ca = intermediate("Not a CA", &root, |c| c.is_ca = IsCa::ExplicitNoCa);
    let (r, extra) = anchor_only(&root, &not_ca);
    let f = validate_path(&leaf(&not_ca, 1, |_| {}), &extra, &r, AT).unwrap_err();
    assert_eq!(f.sub, SubIndication::ChainConstraintsFailure);
    assert!(f.reason.contains("not a CA"), "{}", f.reason);
    // A CA without keyCertSign.
    let no_cert_sign = intermediate("No keyCertSign", &root, |c| {
        c.key_usages = vec![KeyUsagePurpose::CrlSign];
    });
    let (r, extra) = anchor_only(&root, &no_cert_sign);
    assert_eq!(
        sub(validate_path(
            &leaf(&no_cert_sign, 1, |_| {}),
            &extra,
            &r,
            AT
        )),
        SubIndication::ChainConstraintsFailure
    );
    // pathLenConstraint: a root allowing no intermediate.
    let strict_root = self::root("Strict Root", Some(0));
    let inter = intermediate("Below strict", &strict_root, |_| {});
    let (r, extra) = anchor_only(&strict_root, &inter);
    let f = validate_path(&leaf(&inter, 1, |_| {}), &extra, &r, AT).unwrap_err();
    assert_eq!(f.sub, SubIndication::ChainConstraintsFailure);
    assert!(f.reason.contains("pathLenConstraint"), "{}", f.reason);
    // Two intermediates under an intermediate with pathLen 0.
    let upper = intermediate("Upper", &root, |_| {});
    let lower = intermediate("Lower", &upper, |_| {});
    let (r, _) = anchor_only(&root, &upper);
    let extra = vec![lower.der.clone(), upper.der.clone()];
    assert_eq!(
        sub(validate_path(&leaf(&lower, 1, |_| {}), &extra, &r, AT)),
        SubIndication::ChainConstraintsFailure
    );
    // A critical extension nobody here understands.
    let good = intermediate("Good", &root, |_| {});
    let (r, extra) = anchor_only(&root, &good);
    let odd = leaf(&good, 1, |c| {
        let mut ext = CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 99999, 1], vec![5, 0]);
        ext.set_criticality(true);
        c.custom_extensions.push(ext);
    });
    let f = validate_path(&odd, &extra, &r, AT).unwrap_err();
    assert_eq!(f.sub, SubIndication::ChainConstraintsFailure);
    assert!(f.reason.contains("1.3.6.1.4.1.99999.1"), "{}", f.reason);
    // The same chain without it is fine.
    assert!(validate_path(&leaf(&good, 2, |_| {}), &extra, &r, AT).is_ok());
}

#[test]
fn hostile_input_never_panics() {
    let p = pki();
    let r = registry(&p);
    for bad in [
        &b""[..],
        &b"junk"[..],
        &[0x30, 0x80][..],
        &[0x30, 0x82, 0xff, 0xff, 0x00][..],
    ] {
        assert_eq!(
            sub(validate_path(bad, &[], &r, AT)),
            SubIndication::FormatFailure
        );
        assert_eq!(sub(check_key_usage(bad)), SubIndication::FormatFailure);
        assert_eq!(
            sub(check_authorization(bad, &r, None, None, AT)),
            SubIndication::FormatFailure
        );
    }
    // Every truncation, and trailing bytes, are refused.
    for n in 0..p.leaf.len() {
        assert!(validate_path(&p.leaf[..n], &[], &r, AT).is_err());
    }
    let mut long = p.leaf.clone();
    long.push(0);
    assert_eq!(
        sub(validate_path(&long, &[], &r, AT)),
        SubIndication::FormatFailure
    );
    // A flipped bit in the signature breaks the chain.
    let mut flipped = p.leaf.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert_eq!(
        sub(validate_path(&flipped, &[], &r, AT)),
        SubIndication::NoCertificateChainFound
    );
    // Many look-alike intermediates in the document: bounded, and still no chain.
    let mut root_only = Registry::empty();
    root_only.insert_anchor(&p.root.der).unwrap();
    let decoys: Vec<Vec<u8>> = (0..40)
        .map(|_| intermediate("Test Intermediate", &p.root, |_| {}).der)
        .collect();
    assert_eq!(
        sub(validate_path(&p.leaf, &decoys, &root_only, AT)),
        SubIndication::NoCertificateChainFound
    );
}

// ---------------------------------------------------------------------------------------
// The demo PKI (keys/demo) against the embedded demo registry.

fn demo_signer(file: &str) -> (Vec<u8>, Vec<Vec<u8>>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("keys/demo/signers")
        .join(format!("{file}.pem"));
    let pem = std::fs::read(&path).unwrap();
    let mut certs = crate::registry::pem_blocks(&pem, "CERTIFICATE").unwrap();
    let leaf = certs.remove(0);
    (leaf, certs)
}

/// A kind the signer's organisation issues (examples/*.json).
fn demo_kind(bin: &str) -> &'static str {
    match bin {
        "990440003210" => "preschool_queue_receipt",
        "051240006542" => "externship_extract",
        "030940009873" => "pmpc_conclusion",
        "980640004561" => "tvet_incomplete_education",
        _ => "acceptance_receipt",
    }
}

#[test]
fn demo_signers_against_the_demo_registry() {
    let registry = Registry::demo().unwrap();
    let at = datetime!(2026-11-01 0:00 UTC);
    let specs = crate::pki::demo::signers();
    assert_eq!(specs.len(), 13);
    for spec in specs {
        let (leaf, extra) = demo_signer(spec.file);
        let kind = Some(demo_kind(spec.bin));
        let bin = Some(spec.bin);
        let all = |at| -> Result<AuthorizationMatch, Finding> {
            let path = validate_path(&leaf, &extra, &registry, at)?;
            check_revocation(&path, &registry, at)?;
            check_key_usage(&leaf)?;
            check_authorization(&leaf, &registry, kind, bin, at)
        };
        if spec.expired {
            assert_eq!(
                sub(all(at)),
                SubIndication::OutOfBoundsNoPoe,
                "{}",
                spec.file
            );
        } else if spec.revoked {
            assert_eq!(sub(all(at)), SubIndication::Revoked, "{}", spec.file);
            let before = datetime!(2026-05-01 0:00 UTC);
            assert_eq!(all(before).unwrap().id, "school-deputy");
            let path = validate_path(&leaf, &extra, &registry, before).unwrap();
            let later = check_revocation(&path, &registry, before)
                .unwrap()
                .signer()
                .and_then(|s| s.revoked_later.clone())
                .unwrap();
            assert_eq!(later.date, datetime!(2026-06-01 0:00 UTC));
            assert_eq!(later.reason, Some("keyCompromise"));
        } else if spec.purpose == crate::pki::demo::Purpose::Auth {
            let path = validate_path(&leaf, &extra, &registry, at).unwrap();
            check_revocation(&path, &registry, at).unwrap();
            assert_eq!(
                sub(check_key_usage(&leaf)),
                SubIndication::SigConstraintsFailure
            );
            // And it is not authorized either (the director is pinned by fingerprint).
            assert_eq!(
                sub(check_authorization(&leaf, &registry, kind, bin, at)),
                SubIndication::SigConstraintsFailure
            );
        } else {
            let m = all(at).unwrap_or_else(|f| panic!("{}: {f:?}", spec.file));
            assert_eq!(m.organisation_bin, spec.bin, "{}", spec.file);
            // The registry-pinned path works without the document's certificates too.
            assert!(validate_path(&leaf, &[], &registry, at).is_ok());
        }
    }
    // The State Corporation operator signs receipts only.
    let (gk, _) = demo_signer("gk-operator-ec");
    assert_eq!(
        sub(check_authorization(
            &gk,
            &registry,
            Some("externship_order"),
            Some("150340001236"),
            at
        )),
        SubIndication::SigConstraintsFailure
    );
    // A head signs for her own organisation only.
    let (head, _) = demo_signer("pmpc-head-rsa");
    assert_eq!(
        sub(check_authorization(
            &head,
            &registry,
            Some("pmpc_conclusion"),
            Some("051240006542"),
            at
        )),
        SubIndication::SigConstraintsFailure
    );
}

// ---------------------------------------------------------------------------------------
// Real NCA RK test certificates.

fn nca(name: &str) -> Vec<u8> {
    let path = crate::cms::test_signer::shared_fixtures().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn nca_der(name: &str) -> Vec<u8> {
    crate::registry::pem_blocks(&nca(name), "CERTIFICATE")
        .unwrap()
        .remove(0)
}

#[test]
fn nca_rsa_test_certificates() {
    let dir = crate::registry::tests::scratch("nca");
    Registry::init(&dir).unwrap();
    Registry::add_anchor(&dir, &nca("nca-rsa-test/root_rsa_test.pem")).unwrap();
    Registry::add_intermediate(&dir, &nca("nca-rsa-test/nca_rsa_test.pem")).unwrap();
    Registry::add_crl(&dir, &nca("nca-rsa-test/nca_rsa_test.crl")).unwrap();
    let registry = Registry::load(&dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let at = datetime!(2020-09-13 12:00 UTC);

    let individual = nca_der("nca-rsa-test/individual_sign.cer");
    let path = validate_path(&individual, &[], &registry, at).unwrap();
    assert_eq!(path.chain.len(), 3);
    assert_eq!(
        path.subjects,
        ["ТЕСТОВ ТЕСТ", "ҰКО 3.0 (RSA TEST)", "НЕГІЗГІ КО TEST (RSA)"]
    );
    check_key_usage(&individual).unwrap();

    // The CRL (2022-03-29 → 2022-09-25, 126 entries) does not list the certificate, but it
    // was issued after the certificate expired (2021-01-27), when the NCA may already have
    // dropped it (RFC 5280 §3.3): it cannot show the certificate was not revoked in 2020.
    let crl_der = nca("nca-rsa-test/nca_rsa_test.crl");
    let crl = parse_crl(&crl_der).unwrap();
    assert_eq!(crl.iter_revoked_certificates().count(), 126);
    let cert = parse_certificate(&individual).unwrap();
    assert_eq!(
        serial_hex(&cert),
        "1C1C4ADB45086B3529E004C96302AE974D4F09A4"
    );
    assert!(
        !crl.iter_revoked_certificates()
            .any(|rc| rc.serial() == &cert.tbs_certificate.serial)
    );
    let f = check_revocation(&path, &registry, at).unwrap_err();
    assert_eq!(f.sub, SubIndication::RevocationOutOfBounds);
    assert!(
        f.reason.contains("issued 2022-03-29T04:18:29Z"),
        "{}",
        f.reason
    );
    assert!(
        f.reason.contains("expired 2021-01-27T06:23:04Z"),
        "{}",
        f.reason
    );

    // The NCA subject gives IIN and role for an authorization by person.
    let mut registry = registry;
    registry
        .insert_authorization(Authorization {
            id: "tester".into(),
            signer: SignerMatch::Person {
                iin: "123456789011".into(),
                bin: "123456789021".into(),
                role: "1.2.398.3.3.4.1.1".into(),
            },
            organisation_bin: "123456789021".into(),
            position_kk: "Тест".into(),
            position_ru: "Тест".into(),
            kinds: vec!["*".into()],
            valid_from: None,
            valid_to: None,
            revoked_at: None,
            note: None,
        })
        .unwrap();
    // The individual certificate has no BIN: no match.
    assert_eq!(
        sub(check_authorization(&individual, &registry, None, None, at)),
        SubIndication::SigConstraintsFailure
    );

    let legal_auth = nca_der("nca-rsa-test/legal_auth.cer");
    assert!(validate_path(&legal_auth, &[], &registry, at).is_ok());
    let f = check_key_usage(&legal_auth).unwrap_err();
    assert_eq!(f.sub, SubIndication::SigConstraintsFailure);
    assert!(
        f.reason.contains("authentication certificate"),
        "{}",
        f.reason
    );

    assert_eq!(
        sub(validate_path(&individual, &[], &Registry::empty(), at)),
        SubIndication::NoCertificateChainFound
    );
    // Without the pinned intermediate, the one in the document is enough for the path.
    let mut root_only = Registry::empty();
    root_only
        .insert_anchor(&nca("nca-rsa-test/root_rsa_test.pem"))
        .unwrap();
    let inter = nca_der("nca-rsa-test/nca_rsa_test.pem");
    assert!(validate_path(&individual, &[inter], &root_only, at).is_ok());
}

#[test]
fn gost_is_reported_as_a_crypto_constraint() {
    let root = nca("nca-gost2015-test/root_test_gost_2022.cer");
    // The registry refuses an anchor whose self-signature it cannot check.
    let err = Registry::empty().insert_anchor(&root).unwrap_err();
    assert!(err.to_string().contains("1.2.398.3.10.1.1.2.3.2"), "{err}");
    // Pinned anyway: the path reports the algorithm instead of a missing chain.
    let mut r = Registry::empty();
    r.anchors.push(CertEntry::parse(root).unwrap());
    let inter = nca("nca-gost2015-test/nca_gost2022_test.cer");
    let f = validate_path(&inter, &[], &r, datetime!(2026-09-01 0:00 UTC)).unwrap_err();
    assert_eq!(f.sub, SubIndication::CryptoConstraintsFailure);
    assert!(f.reason.contains("1.2.398.3.10.1.1.2.3.2"), "{}", f.reason);
    assert!(f.reason.contains("GOST R 34.10-2015"), "{}", f.reason);
}
