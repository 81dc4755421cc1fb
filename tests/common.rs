//! Helpers shared by the integration tests: run the `qujat` binary, extract PDF text.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn qujat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qujat"))
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs qujat with `args`, feeding `stdin`.
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = qujat();
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().expect("spawn qujat");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait qujat")
}

/// A fresh temporary directory under the target dir (no extra crates needed).
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Text of a PDF via poppler's `pdftotext`, whitespace collapsed to single spaces.
pub fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext must be installed (poppler-utils)");
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn examples() -> Vec<(String, PathBuf)> {
    let mut list: Vec<_> = std::fs::read_dir(root().join("examples"))
        .expect("examples/")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    list.sort();
    list
}

/// The shared NCA RK test material (`../shared/fixtures` next to the checkout, or
/// `QUJAT_FIXTURES`, or the machine's `/work/shared/fixtures`).
pub fn shared_fixtures() -> PathBuf {
    let candidates = [
        std::env::var_os("QUJAT_FIXTURES").map(PathBuf::from),
        Some(root().join("../shared/fixtures")),
        Some(PathBuf::from("/work/shared/fixtures")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.join("nca-rsa-test").is_dir())
        .expect("NCA fixtures not found: set QUJAT_FIXTURES to the shared fixtures directory")
}

/// pyHanko's CLI: `QUJAT_PYHANKO`, else the repo's `.venv` (made by .ci/run), else PATH.
pub fn pyhanko() -> String {
    if let Ok(p) = std::env::var("QUJAT_PYHANKO") {
        return p;
    }
    let venv = root().join(".venv/bin/pyhanko");
    if venv.exists() {
        return venv.to_string_lossy().into_owned();
    }
    "pyhanko".into()
}
