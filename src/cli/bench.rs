//! `qujat bench …`: throughput benchmarks of a release build, reported as medians.

use std::time::Instant;

use clap::Subcommand;
use qujat::{Document, Engine, KINDS, LangSet};

use super::Failure;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Render documents on one thread; every document gets its own id (distinct QR and data).
    Render {
        /// Number of documents.
        #[arg(long, default_value_t = 5000)]
        count: usize,
        /// Only this kind (default: every kind in turn).
        #[arg(long)]
        kind: Option<String>,
        /// Language of the documents.
        #[arg(long, default_value = "ru")]
        lang: String,
    },
}

pub fn run(engine: &Engine, cmd: &BenchCommand) -> Result<(), Failure> {
    match cmd {
        BenchCommand::Render { count, kind, lang } => {
            let langs = LangSet::parse(lang).ok_or_else(|| {
                Failure::input(anyhow::anyhow!("--lang: `{lang}` is not kk, ru or kk+ru"))
            })?;
            let kinds: Vec<&str> = match kind {
                Some(k) => vec![
                    KINDS
                        .iter()
                        .copied()
                        .find(|x| x == k)
                        .ok_or_else(|| Failure::input(anyhow::anyhow!("unknown kind `{k}`")))?,
                ],
                None => KINDS.to_vec(),
            };
            bench_render(engine, &kinds, langs, *count)
        }
    }
}

fn payloads(kinds: &[&str]) -> Result<Vec<serde_json::Value>, Failure> {
    kinds
        .iter()
        .map(|k| {
            let json = qujat::examples::example(k)
                .ok_or_else(|| Failure::input(anyhow::anyhow!("no example for {k}")))?;
            Ok(serde_json::from_str(json)?)
        })
        .collect()
}

fn bench_render(
    engine: &Engine,
    kinds: &[&str],
    langs: LangSet,
    count: usize,
) -> Result<(), Failure> {
    let templates = payloads(kinds)?;
    let mut latencies = Vec::with_capacity(count);
    let mut rss_after_100 = None;
    let mut pages_bytes = 0usize;
    let start = Instant::now();
    for i in 0..count {
        let mut payload = templates[i % templates.len()].clone();
        payload["document"]["id"] = format!("BENCH-{i:07}").into();
        let bytes = serde_json::to_vec(&payload)?;
        let t = Instant::now();
        let doc = Document::from_json(&bytes).map_err(Failure::input)?;
        let pdf = engine.render(&doc, Some(langs))?;
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        pages_bytes += pdf.len();
        if i + 1 == 100 {
            rss_after_100 = proc_status_kib("VmRSS:");
        }
    }
    let total = start.elapsed().as_secs_f64();
    let rss_end = proc_status_kib("VmRSS:");
    let peak = proc_status_kib("VmHWM:");
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "bench render: {count} documents, kinds: {}, lang: {}",
        kinds.join(","),
        langs.code()
    );
    println!(
        "  throughput     {:.1} docs/s (one thread)",
        count as f64 / total
    );
    println!(
        "  latency        median {:.2} ms, p90 {:.2} ms, p99 {:.2} ms",
        pct(0.5),
        pct(0.9),
        pct(0.99)
    );
    println!("  mean PDF size  {} bytes", pages_bytes / count.max(1));
    if let (Some(a), Some(b)) = (rss_after_100, rss_end) {
        println!(
            "  RSS            after 100: {} MiB, after {count}: {} MiB, ratio {:.2}",
            a / 1024,
            b / 1024,
            b as f64 / a as f64
        );
    }
    if let Some(p) = peak {
        println!("  peak RSS       {} MiB", p / 1024);
    }
    Ok(())
}

/// A memory figure of this process in KiB from /proc/self/status (Linux): `VmRSS:` is the
/// resident set now, `VmHWM:` its peak.
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
