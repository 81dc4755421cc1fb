//! `qujat bench serve`: load on a `qujat serve` over loopback — issue/s and verify/s at N
//! keep-alive connections, latency p50/p99 and the error count, each phase bounded in time.
//!
//! The server is this binary, started as a child process on a fresh SQLite journal (or the
//! `--database-url` given), so the figures are the service's as deployed.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use clap::Args;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::Failure;

#[derive(Args)]
pub struct ServeBench {
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Seconds per phase (issue, then verify).
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Journal of the server under test (default: a fresh SQLite file in a temp dir).
    #[arg(long)]
    database_url: Option<String>,
    /// Kind issued in the issue phase (its organisation's demo key signs).
    #[arg(long, default_value = "refusal_receipt")]
    kind: String,
    /// Language of the issued documents.
    #[arg(long, default_value = "ru")]
    lang: String,
    /// Open loop: issue requests at this total rate (per second) instead of as fast as the
    /// connections go; latency counts from each request's scheduled time, so a server that
    /// falls behind is charged for the wait.
    #[arg(long)]
    issue_rate: Option<f64>,
    /// Open loop for the verify phase (see --issue-rate).
    #[arg(long)]
    verify_rate: Option<f64>,
}

/// The server child, killed when the bench ends.
struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Phase {
    /// Sorted.
    latencies_ms: Vec<f64>,
    /// Every request's HTTP status; 0 when the connection failed.
    statuses: Vec<u16>,
    elapsed: Duration,
}

pub fn run(args: &ServeBench) -> Result<(), Failure> {
    let payload = qujat::examples::example(&args.kind)
        .ok_or_else(|| Failure::input(anyhow!("unknown kind `{}`", args.kind)))?;
    let mut payload: serde_json::Value = serde_json::from_str(payload)?;
    payload["lang"] = args.lang.clone().into();
    let bin = payload["issuer"]["bin"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let dir = std::env::temp_dir().join(format!("qujat-bench-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let database_url = args
        .database_url
        .clone()
        .unwrap_or_else(|| dir.join("journal.db").to_string_lossy().into_owned());
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let exe = std::env::current_exe()?;
    let token = String::from_utf8(
        Command::new(&exe)
            .args([
                "token",
                "create",
                "--org",
                &bin,
                "--database-url",
                &database_url,
            ])
            .output()?
            .stdout,
    )?
    .trim()
    .to_owned();
    if token.is_empty() {
        return Err(anyhow!("could not create a token on {database_url}").into());
    }
    let _server = ServerProcess(
        Command::new(&exe)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--database-url",
                &database_url,
            ])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting qujat serve")?,
    );
    let runtime = super::journal::runtime()?;
    runtime.block_on(async {
        wait_healthy(port).await?;
        println!(
            "qujat bench serve: {} connections, {} s per phase, kind {}, lang {}, journal {}",
            args.connections,
            args.duration,
            args.kind,
            args.lang,
            if database_url.starts_with("postgres") {
                "postgres"
            } else {
                "sqlite"
            }
        );
        let duration = Duration::from_secs(args.duration);
        let auth = format!("Bearer {token}");
        let template = Arc::new(payload);
        let issue = load(port, args.connections, duration, args.issue_rate, {
            let auth = auth.clone();
            move |conn, n| {
                let mut doc = (*template).clone();
                doc["document"]["id"] = format!("B-{port}-{conn}-{n}").into();
                let body = serde_json::to_vec(&doc).unwrap_or_default();
                request("POST", "/v1/documents", &[("Authorization", &auth)], &body)
            }
        })
        .await;
        report("issue", &issue, 201, args.issue_rate);

        // One issued PDF, verified over and over.
        let mut doc = serde_json::from_str::<serde_json::Value>(
            qujat::examples::example(&args.kind).unwrap_or("{}"),
        )?;
        doc["document"]["id"] = format!("B-{port}-verify").into();
        let mut conn = Connection::open(port).await?;
        let (status, body) = conn
            .send(&request(
                "POST",
                "/v1/documents",
                &[("Authorization", &auth), ("Accept", "application/pdf")],
                &serde_json::to_vec(&doc)?,
            ))
            .await?;
        if status != 201 {
            return Err(anyhow!("issuing the document to verify: HTTP {status}").into());
        }
        let pdf = Arc::new(body);
        let verify = load(
            port,
            args.connections,
            duration,
            args.verify_rate,
            move |_, _| {
                request(
                    "POST",
                    "/v1/verify",
                    &[("Content-Type", "application/pdf")],
                    &pdf,
                )
            },
        )
        .await;
        report("verify", &verify, 200, args.verify_rate);
        Ok::<_, Failure>(())
    })?;
    let _ = std::fs::remove_dir_all(PathBuf::from(&dir));
    Ok(())
}

async fn wait_healthy(port: u16) -> Result<(), Failure> {
    for _ in 0..300 {
        if let Ok(mut c) = Connection::open(port).await
            && let Ok((200, _)) = c.send(&request("GET", "/healthz", &[], b"")).await
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(anyhow!("qujat serve did not come up on port {port}").into())
}

/// Runs `connections` loops sending `make(conn, n)` until `duration` has passed: closed
/// loop, or at `rate` requests/s in all (each connection on its own schedule).
async fn load<F>(
    port: u16,
    connections: usize,
    duration: Duration,
    rate: Option<f64>,
    make: F,
) -> Phase
where
    F: Fn(usize, usize) -> Vec<u8> + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = (0..connections)
        .map(|conn| {
            let make = make.clone();
            let interval = rate
                .filter(|r| *r > 0.0)
                .map(|r| Duration::from_secs_f64(connections as f64 / r));
            // Connections start staggered over one interval.
            let mut scheduled = start
                + interval
                    .map(|i| i.mul_f64(conn as f64 / connections as f64))
                    .unwrap_or_default();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut statuses = Vec::new();
                let mut connection = None;
                let mut n = 0;
                loop {
                    let t = match interval {
                        Some(i) => {
                            tokio::time::sleep_until(scheduled.into()).await;
                            let t = scheduled;
                            scheduled += i;
                            t
                        }
                        None => Instant::now(),
                    };
                    if t >= deadline {
                        break;
                    }
                    let req = make(conn, n);
                    n += 1;
                    let c = match connection.take() {
                        Some(c) => c,
                        None => match Connection::open(port).await {
                            Ok(c) => c,
                            Err(_) => {
                                statuses.push(0);
                                continue;
                            }
                        },
                    };
                    let mut c = c;
                    match c.send(&req).await {
                        Ok((status, _)) => {
                            latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                            statuses.push(status);
                            connection = Some(c);
                        }
                        Err(_) => statuses.push(0),
                    }
                }
                (latencies, statuses)
            })
        })
        .collect();
    let mut latencies_ms = Vec::new();
    let mut all_statuses = Vec::new();
    for task in tasks {
        if let Ok((l, s)) = task.await {
            latencies_ms.extend(l);
            all_statuses.extend(s);
        }
    }
    latencies_ms.sort_by(f64::total_cmp);
    Phase {
        latencies_ms,
        statuses: all_statuses,
        elapsed: start.elapsed(),
    }
}

fn report(name: &str, phase: &Phase, expected: u16, rate: Option<f64>) {
    let ok = phase.statuses.iter().filter(|s| **s == expected).count();
    let errors = phase.statuses.len() - ok;
    let pct = |p: f64| {
        let l = &phase.latencies_ms;
        if l.is_empty() {
            return f64::NAN;
        }
        l[((l.len() as f64 - 1.0) * p).round() as usize]
    };
    let mode = match rate {
        Some(r) => format!("open loop at {r} req/s"),
        None => "closed loop".to_owned(),
    };
    println!(
        "{name:>7} ({mode}): {:>8.1} req/s  ({ok} × HTTP {expected} in {:.1} s)  p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms  errors {errors}",
        ok as f64 / phase.elapsed.as_secs_f64(),
        phase.elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        pct(1.0),
    );
}

fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// One keep-alive HTTP/1.1 connection (responses must carry Content-Length, as axum's do).
struct Connection {
    stream: BufReader<TcpStream>,
}

impl Connection {
    async fn open(port: u16) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream: BufReader::new(stream),
        })
    }

    async fn send(&mut self, request: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        self.stream.get_mut().write_all(request).await?;
        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let mut length = 0usize;
        loop {
            line.clear();
            self.stream.read_line(&mut line).await?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((n, v)) = l.split_once(':')
                && n.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).await?;
        Ok((status, body))
    }
}
