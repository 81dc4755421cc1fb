//! Registry directory operations: init/add/authorize/revoke/list round trip, idempotency,
//! refusal of non-CA or unverifiable inputs, errors naming the bad file, and the demo
//! registry staying equal to its generator.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{
    CertificateParams, CertificateRevocationListParams, DnType, Issuer, KeyIdMethod, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use time::macros::datetime;

use super::*;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn demo_keys() -> PathBuf {
    manifest().join("keys/demo")
}

/// A fresh, not yet existing directory under the system temp dir.
pub(crate) fn scratch(label: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("qujat-registry-{}-{label}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn person(id: &str, kinds: &[&str]) -> Authorization {
    Authorization {
        id: id.into(),
        signer: SignerMatch::Person {
            iin: "780312300453".into(),
            bin: "990440003210".into(),
            role: "1.2.398.3.3.4.1.2.1".into(),
        },
        organisation_bin: "990440003210".into(),
        position_kk: "Басшы".into(),
        position_ru: "Руководитель \"отдела\"".into(),
        kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
        valid_from: Moment::parse("2025-01-01"),
        valid_to: Moment::parse("2030-12-31T23:59:59+05:00"),
        revoked_at: None,
        note: Some("a note with # and \\ and \n newline".into()),
    }
}

#[test]
fn init_add_authorize_revoke_list_round_trip() {
    let dir = scratch("round-trip");
    Registry::init(&dir).unwrap();
    assert!(matches!(
        Registry::init(&dir),
        Err(RegistryError::NotEmpty { .. })
    ));
    let empty = Registry::load(&dir).unwrap();
    assert_eq!(empty, Registry::empty());

    let root = read(&demo_keys().join("root-ca.crt"));
    let added = Registry::add_anchor(&dir, &root).unwrap();
    let written = added.written.clone().expect("first add writes a file");
    assert_eq!(
        written.file_name().unwrap().to_str().unwrap(),
        format!("{}.pem", added.sha256),
        "file named after the fingerprint"
    );
    // Idempotent: same bytes (here as DER) add nothing.
    let der = pem_blocks(&root, "CERTIFICATE").unwrap().remove(0);
    assert_eq!(Registry::add_anchor(&dir, &der).unwrap().written, None);

    let inter = read(&demo_keys().join("intermediate-ca.crt"));
    assert!(
        Registry::add_intermediate(&dir, &inter)
            .unwrap()
            .written
            .is_some()
    );
    let crl = read(&demo_keys().join("intermediate-ca.crl"));
    let crl_added = Registry::add_crl(&dir, &crl).unwrap();
    assert!(crl_added.written.is_some());
    assert_eq!(Registry::add_crl(&dir, &crl).unwrap().written, None);

    // A comment added by hand must survive authorize and revoke.
    let toml_path = dir.join(REGISTRY_FILE);
    let mut text = std::fs::read_to_string(&toml_path).unwrap();
    text.push_str("\n# kept: a comment written by a person\n");
    std::fs::write(&toml_path, text).unwrap();

    Registry::authorize(&dir, person("head", &["*"])).unwrap();
    Registry::authorize(&dir, person("head-receipts", &["refusal_receipt"])).unwrap();
    assert!(matches!(
        Registry::authorize(&dir, person("head", &["*"])),
        Err(RegistryError::DuplicateAuthorization { .. })
    ));
    let at = datetime!(2026-03-01 10:00 UTC);
    Registry::revoke_authorization(&dir, "head", at).unwrap();
    assert!(matches!(
        Registry::revoke_authorization(&dir, "head", at),
        Err(RegistryError::AlreadyRevoked { .. })
    ));
    assert!(matches!(
        Registry::revoke_authorization(&dir, "nobody", at),
        Err(RegistryError::UnknownAuthorization { .. })
    ));

    let text = std::fs::read_to_string(&toml_path).unwrap();
    assert!(text.contains("# kept: a comment written by a person"));
    assert!(text.starts_with("# qujat certificate registry"));

    let registry = Registry::load(&dir).unwrap();
    assert_eq!(registry.anchors().len(), 1);
    assert_eq!(registry.intermediates().len(), 1);
    assert_eq!(registry.crls().len(), 1);
    let auths = registry.authorizations();
    assert_eq!(auths.len(), 2);
    assert_eq!(auths[0].revoked_at, Some(Moment::DateTime(at)));
    assert_eq!(auths[1].revoked_at, None);
    let mut expected = person("head", &["*"]);
    expected.revoked_at = Some(Moment::DateTime(at));
    assert_eq!(
        auths[0], expected,
        "every field, escapes included, reads back"
    );

    let listing = registry.list();
    for needle in [
        "Trust anchors (1)",
        "qujat DEMO Root CA (RSA)",
        &added.sha256,
        "Intermediate CAs (1)",
        "CRLs (1)",
        "signature verified with «qujat DEMO ҰКО intermediate CA (RSA)»",
        "Authorizations (2)",
        "REVOKED 2026-03-01T10:00:00Z",
        "role 1.2.398.3.3.4.1.2.1 (first head)",
        "signs refusal_receipt for BIN 990440003210",
    ] {
        assert!(
            listing.contains(needle),
            "listing lacks {needle:?}:\n{listing}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn refuses_inputs_that_are_not_what_they_claim() {
    let dir = scratch("refusals");
    Registry::init(&dir).unwrap();
    let inter = read(&demo_keys().join("intermediate-ca.crt"));
    let crl = read(&demo_keys().join("intermediate-ca.crl"));
    let signer = read(&demo_keys().join("signers/school-director-rsa.pem"));

    // Not self-signed.
    assert!(matches!(
        Registry::add_anchor(&dir, &inter),
        Err(RegistryError::NotSelfSigned { .. })
    ));
    // A signer file holds two certificates: ambiguous.
    let err = Registry::add_intermediate(&dir, &signer).unwrap_err();
    assert!(err.to_string().contains("2 PEM"), "{err}");
    // A leaf certificate is not a CA.
    let leaf = pem_blocks(&signer, "CERTIFICATE").unwrap().remove(0);
    assert!(matches!(
        Registry::add_intermediate(&dir, &leaf),
        Err(RegistryError::NotCa { .. })
    ));
    // A self-signed certificate without cA is not an anchor.
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, "not a CA");
    let self_signed = params.self_signed(&key).unwrap();
    assert!(matches!(
        Registry::add_anchor(&dir, self_signed.der()),
        Err(RegistryError::NotCa { .. })
    ));
    // A CRL whose issuer is not in the registry yet.
    assert!(matches!(
        Registry::add_crl(&dir, &crl),
        Err(RegistryError::CrlNotVerified { .. })
    ));
    // A CRL under the right name but another key (ECDSA here; the CA key is RSA).
    Registry::add_intermediate(&dir, &inter).unwrap();
    let forged = forged_crl();
    let err = Registry::add_crl(&dir, &forged).unwrap_err();
    assert!(
        matches!(&err, RegistryError::CrlNotVerified { reason, .. }
            if reason.contains("«qujat DEMO ҰКО intermediate CA (RSA)»")
                && reason.contains("issuer key is 1.2.840.113549.1.1.1")),
        "{err}"
    );
    // Garbage.
    assert!(matches!(
        Registry::add_anchor(&dir, b"hello"),
        Err(RegistryError::InvalidInput { .. })
    ));
    assert!(matches!(
        Registry::add_anchor(&dir, &[0x30, 0x82, 0xff]),
        Err(RegistryError::InvalidInput { .. })
    ));
    // Invalid authorizations.
    let mut bad = person("x y", &["*"]);
    assert!(matches!(
        Registry::authorize(&dir, bad.clone()),
        Err(RegistryError::InvalidAuthorization { .. })
    ));
    bad.id = "ok".into();
    bad.kinds = vec!["no_such_kind".into()];
    let err = Registry::authorize(&dir, bad.clone()).unwrap_err();
    assert!(err.to_string().contains("no_such_kind"), "{err}");
    bad.kinds = vec!["*".into(), "refusal_receipt".into()];
    assert!(Registry::authorize(&dir, bad).is_err());
    // Nothing of the above reached the file.
    assert!(Registry::load(&dir).unwrap().authorizations().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A CRL under the demo intermediate's exact name (as `pki::demo` encodes it), signed by a
/// fresh key.
fn forged_crl() -> Vec<u8> {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::default();
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(DnType::CountryName, "KZ");
    dn.push(DnType::OrganizationName, "qujat DEMO — NOT FOR PRODUCTION");
    dn.push(DnType::CommonName, "qujat DEMO ҰКО intermediate CA (RSA)");
    params.distinguished_name = dn;
    params.key_usages = vec![KeyUsagePurpose::CrlSign];
    let issuer = Issuer::new(params, key);
    CertificateRevocationListParams {
        this_update: datetime!(2026-01-01 0:00 UTC),
        next_update: datetime!(2036-01-01 0:00 UTC),
        crl_number: SerialNumber::from_slice(&[7]),
        issuing_distribution_point: None,
        revoked_certs: Vec::new(),
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&issuer)
    .unwrap()
    .der()
    .to_vec()
}

fn expect_invalid_naming(dir: &Path, file: &str, needle: &str) {
    let err = Registry::load(dir).unwrap_err();
    let text = err.to_string();
    assert!(text.contains(file), "error does not name {file}: {text}");
    assert!(
        text.contains(needle),
        "error does not say {needle:?}: {text}"
    );
}

#[test]
fn bad_files_give_errors_naming_the_file() {
    let dir = scratch("bad-files");
    assert!(matches!(
        Registry::load(&dir),
        Err(RegistryError::NotARegistry { .. })
    ));
    Registry::init(&dir).unwrap();
    let toml = dir.join(REGISTRY_FILE);
    let header = std::fs::read_to_string(&toml).unwrap();

    std::fs::write(&toml, "format = 1\n[[authorization]\n").unwrap();
    assert!(matches!(
        Registry::load(&dir),
        Err(RegistryError::Syntax { .. })
    ));
    expect_invalid_naming(&dir, "registry.toml", "invalid TOML");

    std::fs::write(&toml, "format = 2\n").unwrap();
    assert!(matches!(
        Registry::load(&dir),
        Err(RegistryError::UnsupportedVersion { found: 2, .. })
    ));
    std::fs::write(&toml, "authorization = []\n").unwrap();
    expect_invalid_naming(&dir, "registry.toml", "missing `format = 1`");
    std::fs::write(&toml, "format = 1\ncolour = \"blue\"\n").unwrap();
    expect_invalid_naming(&dir, "registry.toml", "unknown key `colour`");

    let entry = |extra: &str| {
        format!(
            "format = 1\n[[authorization]]\nid = \"a\"\niin = \"780312300453\"\nbin = \"990440003210\"\nrole = \"1.2.398.3.3.4.1.2.1\"\norganisation_bin = \"990440003210\"\nposition_kk = \"k\"\nposition_ru = \"r\"\n{extra}"
        )
    };
    std::fs::write(&toml, entry("kinds = [\"*\"]\nvalid_from = 2025-01-01\n")).unwrap();
    assert_eq!(Registry::load(&dir).unwrap().authorizations().len(), 1);
    std::fs::write(
        &toml,
        entry("kinds = [\"*\"]\nvalid_from = \"2025-01-01T00:00:00+05:00\"\n"),
    )
    .unwrap();
    assert!(Registry::load(&dir).is_ok(), "dates may also be strings");
    std::fs::write(
        &toml,
        entry("kinds = [\"*\"]\nvalid_from = 2025-01-01T00:00:00\n"),
    )
    .unwrap();
    expect_invalid_naming(&dir, "registry.toml", "has no offset");
    std::fs::write(&toml, entry("kinds = [\"certificates\"]\n")).unwrap();
    expect_invalid_naming(&dir, "registry.toml", "unknown kind \"certificates\"");
    std::fs::write(
        &toml,
        entry("kinds = [\"*\"]\ncertificate_sha256 = \"ab\"\n"),
    )
    .unwrap();
    expect_invalid_naming(&dir, "registry.toml", "not both");
    std::fs::write(&toml, entry("kinds = [\"*\"]\nrole = \"1.2.3\"\n")).unwrap();
    assert!(
        matches!(Registry::load(&dir), Err(RegistryError::Syntax { .. })),
        "duplicate key"
    );
    std::fs::write(&toml, entry("kinds = [\"*\"]\nposition = \"x\"\n")).unwrap();
    expect_invalid_naming(&dir, "registry.toml", "unknown key `position`");
    std::fs::write(&toml, &header).unwrap();

    let anchor = dir.join(ANCHORS).join("broken.pem");
    std::fs::write(
        &anchor,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    expect_invalid_naming(&dir, "anchors/broken.pem", "not a DER X.509 certificate");
    std::fs::remove_file(&anchor).unwrap();

    let stray = dir.join(CRLS).join("notes.txt");
    std::fs::write(&stray, "x").unwrap();
    expect_invalid_naming(&dir, "crls/notes.txt", "expected *.crl");
    std::fs::remove_file(&stray).unwrap();

    let crl = dir.join(CRLS).join("garbage.crl");
    std::fs::write(&crl, [0x30, 0x03, 0x02, 0x01, 0x00]).unwrap();
    expect_invalid_naming(&dir, "crls/garbage.crl", "not a DER X.509 CRL");
    std::fs::remove_file(&crl).unwrap();

    // An intermediate that is a leaf, dropped in by hand.
    let signer = read(&demo_keys().join("signers/gk-operator-ec.pem"));
    let leaf = pem_blocks(&signer, "CERTIFICATE").unwrap().remove(0);
    let path = dir.join(INTERMEDIATES).join("leaf.cer");
    std::fs::write(&path, leaf).unwrap();
    expect_invalid_naming(&dir, "intermediates/leaf.cer", "not a CA certificate");
    std::fs::remove_file(&path).unwrap();

    // Editor temp files are skipped; the registry loads again.
    std::fs::write(dir.join(ANCHORS).join(".swp"), "x").unwrap();
    assert!(Registry::load(&dir).is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn moments_read_as_documented() {
    let d = Moment::parse("2026-12-31").unwrap();
    assert!(
        d.covers_until(datetime!(2026-12-31 23:59:59 UTC)),
        "a date includes its day"
    );
    assert!(!d.covers_until(datetime!(2027-01-01 0:00 UTC)));
    assert_eq!(d.start(), datetime!(2026-12-31 0:00 UTC));
    assert_eq!(d.to_string(), "2026-12-31");
    let t = Moment::parse("2026-06-01T09:00:00+05:00").unwrap();
    assert_eq!(t.start(), datetime!(2026-06-01 4:00 UTC));
    assert!(Moment::parse("01.06.2026").is_none());
    assert!(Moment::parse("").is_none());
}

#[test]
fn revoke_edits_only_its_block() {
    let dir = scratch("revoke-edit");
    Registry::init(&dir).unwrap();
    Registry::authorize(&dir, person("a", &["*"])).unwrap();
    Registry::authorize(&dir, person("b", &["*"])).unwrap();
    let toml = dir.join(REGISTRY_FILE);
    // A person's comment between the blocks stays where it is.
    let text = std::fs::read_to_string(&toml).unwrap().replace(
        "\n[[authorization]]\nid = \"b\"",
        "\n# b follows\n[[authorization]]\nid = \"b\"",
    );
    std::fs::write(&toml, &text).unwrap();
    Registry::revoke_authorization(&dir, "b", datetime!(2026-02-02 0:00 UTC)).unwrap();
    let after = std::fs::read_to_string(&toml).unwrap();
    assert_eq!(
        after.matches("revoked_at").count() - text.matches("revoked_at").count(),
        1
    );
    assert!(after.contains("# b follows\n[[authorization]]\nid = \"b\""));
    let registry = Registry::load(&dir).unwrap();
    assert_eq!(registry.authorizations()[0].revoked_at, None);
    assert!(registry.authorizations()[1].revoked_at.is_some());
    // "Now" has nanoseconds; the file gets whole seconds.
    Registry::revoke_authorization(&dir, "a", time::OffsetDateTime::now_utc()).unwrap();
    let revoked = Registry::load(&dir).unwrap().authorizations()[0]
        .revoked_at
        .unwrap();
    assert_eq!(revoked.start().nanosecond(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `keys/demo/registry/` is exactly what the generator makes from `keys/demo/`. After
/// regenerating the demo PKI without `qujat keys demo`, run this test with
/// `QUJAT_UPDATE_DEMO_REGISTRY=1` to rewrite the committed directory.
#[test]
fn committed_demo_registry_matches_generator() {
    let committed = demo_keys().join("registry");
    if std::env::var_os("QUJAT_UPDATE_DEMO_REGISTRY").is_some() {
        demo::write(&demo_keys(), &committed).unwrap();
    }
    let fresh = scratch("demo");
    demo::write(&demo_keys(), &fresh).unwrap();
    let files = |root: &Path| {
        let mut out = Vec::new();
        for sub in ["", ANCHORS, INTERMEDIATES, CRLS] {
            for entry in std::fs::read_dir(root.join(sub)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    let rel = path.strip_prefix(root).unwrap().to_owned();
                    out.push((rel, read(&path)));
                }
            }
        }
        out.sort();
        out
    };
    let expected = files(&fresh);
    let actual = files(&committed);
    let names = |v: &[(PathBuf, Vec<u8>)]| v.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&actual),
        names(&expected),
        "file set of keys/demo/registry"
    );
    for ((path, want), (_, got)) in expected.iter().zip(&actual) {
        assert!(
            want == got,
            "keys/demo/registry/{} differs from the generator; rerun with QUJAT_UPDATE_DEMO_REGISTRY=1",
            path.display()
        );
    }
    // The embedded registry is the committed one.
    assert_eq!(
        Registry::demo().unwrap(),
        Registry::load(&committed).unwrap()
    );
    let _ = std::fs::remove_dir_all(&fresh);
}

#[test]
fn demo_registry_content() {
    let registry = Registry::demo().unwrap();
    assert_eq!(registry.anchors().len(), 1);
    assert_eq!(registry.intermediates().len(), 1);
    assert_eq!(registry.crls().len(), 1);
    let ids: Vec<_> = registry
        .authorizations()
        .iter()
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "district-head",
            "school-director-rsa",
            "school-director-ec",
            "school-deputy",
            "pmpc-head",
            "college-director",
            "gk-operator"
        ]
    );
    let listing = registry.to_string();
    assert!(listing.contains("signature verified with «qujat DEMO ҰКО intermediate CA (RSA)»"));
    // Writing the demo registry twice into the same place works (regeneration).
    let dir = scratch("demo-twice");
    demo::write(&demo_keys(), &dir).unwrap();
    demo::write(&demo_keys(), &dir).unwrap();
    assert_eq!(Registry::load(&dir).unwrap(), registry);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `qujat keys demo` writes the registry next to the keys, and it trusts exactly them.
#[test]
fn demo_pki_generation_writes_its_registry() {
    let out = scratch("demo-pki");
    crate::pki::demo::generate(&out).unwrap();
    let registry = Registry::load(&out.join("registry")).unwrap();
    assert_eq!(registry.authorizations().len(), 7);
    let pem = read(&out.join("signers/school-director-ec.pem"));
    let leaf = pem_blocks(&pem, "CERTIFICATE").unwrap().remove(0);
    let at = datetime!(2026-11-01 0:00 UTC);
    let path = crate::verify::path::validate_path(&leaf, &[], &registry, at).unwrap();
    crate::verify::path::check_revocation(&path, &registry, at).unwrap();
    let m = crate::verify::path::check_authorization(&leaf, &registry, None, None, at).unwrap();
    assert_eq!(m.id, "school-director-ec");
    // The committed demo registry does not trust the freshly generated keys.
    assert!(
        crate::verify::path::validate_path(&leaf, &[], &Registry::demo().unwrap(), at).is_err()
    );
    let _ = std::fs::remove_dir_all(&out);
}
