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

/// A tool of the repo's `.venv` (made by .ci/run): `env_override` if set, else
/// `.venv/bin/<name>`, else `name` on PATH.
pub fn venv_tool(name: &str, env_override: &str) -> String {
    if let Ok(p) = std::env::var(env_override) {
        return p;
    }
    let venv = root().join(".venv/bin").join(name);
    if venv.exists() {
        return venv.to_string_lossy().into_owned();
    }
    name.into()
}

/// pyHanko's CLI (`QUJAT_PYHANKO`).
pub fn pyhanko() -> String {
    venv_tool("pyhanko", "QUJAT_PYHANKO")
}

/// A `qujat serve` child process on a free loopback port, killed on drop.
pub struct Server {
    pub child: std::process::Child,
    pub port: u16,
    pub dir: PathBuf,
    pub database_url: String,
}

impl Server {
    /// Starts `qujat serve` in `dir` on `database_url` and waits until /healthz answers.
    pub fn start(dir: &Path, database_url: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        Self::start_on(dir, database_url, port)
    }

    pub fn start_on(dir: &Path, database_url: &str, port: u16) -> Server {
        let child = qujat()
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--database-url",
                database_url,
            ])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn qujat serve");
        let server = Server {
            child,
            port,
            dir: dir.to_owned(),
            database_url: database_url.to_owned(),
        };
        for _ in 0..200 {
            if let Ok(r) = server.try_request("GET", "/healthz", &[], b"")
                && r.status == 200
            {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("qujat serve did not become healthy on port {port}");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// A token for organisation `bin`, made with `qujat token create`.
    pub fn token(&self, bin: &str) -> String {
        let out = qujat()
            .args([
                "token",
                "create",
                "--org",
                bin,
                "--database-url",
                &self.database_url,
            ])
            .current_dir(&self.dir)
            .output()
            .expect("qujat token create");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        self.try_request(method, path, headers, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    pub fn try_request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Response> {
        http_request(self.port, method, path, headers, body)
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An HTTP response, body read to the end.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A minimal HTTP/1.1 client (one request per connection), so the tests need no HTTP crate.
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Response> {
    use std::io::{BufRead, BufReader, Read};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(120)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((n, v)) = l.split_once(':') {
            headers.push((n.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let mut raw = Vec::new();
    reader.read_to_end(&mut raw)?;
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked { dechunk(&raw) } else { raw };
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(pos) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(
            std::str::from_utf8(&raw[..pos])
                .unwrap_or("0")
                .split(';')
                .next()
                .unwrap_or("0")
                .trim(),
            16,
        )
        .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = pos + 2;
        out.extend_from_slice(&raw[start..start + size]);
        raw = &raw[start + size + 2..];
    }
    out
}

/// An example payload with another document id (and optionally another language).
pub fn payload_with_id(kind: &str, id: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(root().join("examples").join(format!("{kind}.json")))
        .expect("example payload");
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["document"]["id"] = id.into();
    serde_json::to_vec(&value).unwrap()
}

/// The PostgreSQL server of the machine (`QUJAT_TEST_POSTGRES`), in a fresh schema.
pub fn postgres_url(schema: &str) -> String {
    let base = std::env::var("QUJAT_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};");
    let out = Command::new("psql")
        .args([base.as_str(), "-v", "ON_ERROR_STOP=1", "-q", "-c", &sql])
        .output()
        .expect("psql must be installed (PostgreSQL client)");
    assert!(
        out.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!("{base}?options=-c%20search_path%3D{schema}")
}
