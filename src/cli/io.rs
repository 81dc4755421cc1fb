//! Reading payloads and writing outputs: `-` is stdin/stdout; files are written atomically
//! (temporary file + rename), so a failure never leaves partial output.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::Failure;

/// Payloads above this size are refused before parsing.
const MAX_INPUT: u64 = 16 * 1024 * 1024;

pub fn read_input(path: &Path) -> Result<Vec<u8>, Failure> {
    let mut buf = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut buf)
            .context("reading standard input")
            .map_err(Failure::input)?;
    } else {
        let file = std::fs::File::open(path)
            .with_context(|| format!("cannot open {}", path.display()))
            .map_err(Failure::input)?;
        file.take(MAX_INPUT + 1)
            .read_to_end(&mut buf)
            .with_context(|| format!("reading {}", path.display()))
            .map_err(Failure::input)?;
    }
    if buf.len() as u64 > MAX_INPUT {
        return Err(Failure::input(anyhow::anyhow!(
            "{}: larger than {} bytes",
            path.display(),
            MAX_INPUT
        )));
    }
    Ok(buf)
}

pub fn default_output(input: &Path, ext: &str) -> PathBuf {
    if input.as_os_str() == "-" {
        PathBuf::from("-")
    } else {
        input.with_extension(ext)
    }
}

pub fn write_output(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes).context("writing standard output")?;
        out.flush().context("writing standard output")?;
        return Ok(());
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> anyhow::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Failure::from(
            e.context(format!("writing {}", path.display())),
        ));
    }
    Ok(())
}
