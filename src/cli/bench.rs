//! `qujat bench …`: throughput benchmarks of a release build, reported as medians.

use std::time::Instant;

use clap::Subcommand;
use qujat::cms::Signer as _;
use qujat::keys::SigningKey;
use qujat::pki::demo;
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
    /// Verify 1-signature documents (demo registry, offline CRL) on one thread, and the same
    /// files through poppler's `pdfsig` (if installed) in the same run.
    Verify {
        /// Verifications to run.
        #[arg(long, default_value_t = 5000)]
        count: usize,
        /// Files to verify with pdfsig (each is one process run).
        #[arg(long, default_value_t = 100)]
        pdfsig_count: usize,
    },
    /// Render + sign (PAdES B-B) with the demo RSA-2048 and ECDSA P-256 keys: throughput on
    /// all threads, and per-document medians against the floor measured in the same run
    /// (render alone + one bare signature).
    Issue {
        /// Documents per algorithm for the throughput run.
        #[arg(long, default_value_t = 2000)]
        count: usize,
        /// Documents per algorithm for the single-thread median comparison.
        #[arg(long, default_value_t = 300)]
        samples: usize,
        /// Threads for the throughput run (default: available cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Kind of document (its organisation's demo signer signs).
        #[arg(long, default_value = "refusal_receipt")]
        kind: String,
        /// Language of the documents.
        #[arg(long, default_value = "ru")]
        lang: String,
    },
    /// Load on `qujat serve` over loopback: issue/s and verify/s, p50/p99, errors.
    Serve(super::bench_serve::ServeBench),
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
        BenchCommand::Verify {
            count,
            pdfsig_count,
        } => bench_verify(engine, (*count).max(1), *pdfsig_count),
        BenchCommand::Issue {
            count,
            samples,
            threads,
            kind,
            lang,
        } => {
            let langs = LangSet::parse(lang).ok_or_else(|| {
                Failure::input(anyhow::anyhow!("--lang: `{lang}` is not kk, ru or kk+ru"))
            })?;
            let threads = threads
                .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
                .unwrap_or(1)
                .max(1);
            bench_issue(engine, kind, langs, *count, (*samples).max(1), threads)
        }
        BenchCommand::Serve(args) => super::bench_serve::run(args),
    }
}

/// The payload of `kind` with a distinct document id per `i`.
fn numbered(template: &serde_json::Value, i: usize) -> Result<Document, Failure> {
    let mut payload = template.clone();
    payload["document"]["id"] = format!("BENCH-{i:07}").into();
    Document::from_json(&serde_json::to_vec(&payload)?).map_err(Failure::input)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn bench_issue(
    engine: &Engine,
    kind: &str,
    langs: LangSet,
    count: usize,
    samples: usize,
    threads: usize,
) -> Result<(), Failure> {
    let template = payloads(&[kind])?.remove(0);
    let bin = template["issuer"]["bin"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let time = time::OffsetDateTime::now_utc();
    println!(
        "bench issue: kind {kind}, lang {}, {samples} single-thread samples, {count} documents on {threads} threads",
        langs.code()
    );
    for algorithm in [demo::Algorithm::Rsa, demo::Algorithm::Ecdsa] {
        let name = demo::default_signer_for(&bin, algorithm).ok_or_else(|| {
            Failure::input(anyhow::anyhow!(
                "no demo signer for BIN {bin} ({algorithm:?})"
            ))
        })?;
        let pem = demo::embedded_signer(name)
            .ok_or_else(|| Failure::input(anyhow::anyhow!("{name} not embedded")))?;
        let key = SigningKey::load(pem, demo::DEMO_PASSWORD)?;
        // Interleaved so drift (thermal, other load) hits all three series alike.
        let (mut render_ms, mut sign_ms, mut issue_ms) = (vec![], vec![], vec![]);
        // A signed-attributes-sized message: what one CMS signature signs.
        let message = [0x31u8; 150];
        for i in 0..samples {
            let doc = numbered(&template, i)?;
            let t = Instant::now();
            std::hint::black_box(engine.render(&doc, Some(langs))?);
            render_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            std::hint::black_box(key.sign(&message).map_err(|e| anyhow::anyhow!(e))?);
            sign_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            // A different document than the one just rendered: comemo would otherwise
            // reuse most of that compile and flatter the issue figure.
            let other = numbered(&template, i + samples)?;
            let t = Instant::now();
            std::hint::black_box(engine.issue(&other, Some(langs), &key, time)?);
            issue_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (render, sign, issue) = (median(render_ms), median(sign_ms), median(issue_ms));
        let floor = render + sign;
        // Throughput: every thread issues its share; wall time over all.
        let docs: Vec<Document> = (0..count)
            .map(|i| numbered(&template, i))
            .collect::<Result<_, _>>()?;
        let start = Instant::now();
        let failures = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for chunk in docs.chunks(count.div_ceil(threads).max(1)) {
                let (key, failures) = (&key, &failures);
                scope.spawn(move || {
                    for doc in chunk {
                        if engine.issue(doc, Some(langs), key, time).is_err() {
                            failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        let wall = start.elapsed().as_secs_f64();
        let failed = failures.into_inner();
        if failed > 0 {
            return Err(anyhow::anyhow!("{failed} documents failed to issue").into());
        }
        println!("  {algorithm:?} ({name}):");
        println!(
            "    throughput   {:.1} docs/s on {threads} threads ({count} documents in {wall:.2} s)",
            count as f64 / wall
        );
        println!(
            "    median       render {render:.3} ms, bare signature {sign:.3} ms, issue {issue:.3} ms"
        );
        println!(
            "    floor        {floor:.3} ms (render + one signature); issue / floor = {:.3}",
            issue / floor
        );
    }
    Ok(())
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

fn bench_verify(engine: &Engine, count: usize, pdfsig_count: usize) -> Result<(), Failure> {
    let time = time::OffsetDateTime::now_utc();
    // One signed document per kind, each signed by its organisation's demo RSA key.
    let mut docs = Vec::new();
    for (i, template) in payloads(KINDS)?.iter().enumerate() {
        let bin = template["issuer"]["bin"].as_str().unwrap_or_default();
        let Some(name) = demo::default_signer_for(bin, demo::Algorithm::Rsa) else {
            continue;
        };
        let pem = demo::embedded_signer(name)
            .ok_or_else(|| Failure::input(anyhow::anyhow!("{name} not embedded")))?;
        let key = SigningKey::load(pem, demo::DEMO_PASSWORD)?;
        docs.push(engine.issue(&numbered(template, i)?, None, &key, time)?);
    }
    let options = qujat::verify::Options {
        at: None,
        now: time,
    };
    let mut latencies = Vec::with_capacity(count);
    let start = Instant::now();
    for i in 0..count {
        let pdf = &docs[i % docs.len()];
        let t = Instant::now();
        let report = engine.verify(pdf, None, options)?;
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        if report.exit_code() != 0 {
            return Err(anyhow::anyhow!(
                "a genuine document did not pass: {:?}",
                report.sub_indication
            )
            .into());
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let ours_median = median(latencies);
    println!(
        "bench verify: {count} verifications of {} one-signature documents (RSA-2048, offline CRL), one thread",
        docs.len()
    );
    println!(
        "  qujat    {:.0} verifications/s, median {ours_median:.3} ms",
        count as f64 / wall
    );
    match pdfsig_run(&docs, pdfsig_count) {
        Ok(Some((per_second, pdfsig_median))) => {
            println!(
                "  pdfsig   {per_second:.1} verifications/s, median {pdfsig_median:.3} ms ({pdfsig_count} process runs, NSS db trusting the demo root)"
            );
            println!(
                "  ratio    qujat is {:.1}x pdfsig (median latency)",
                pdfsig_median / ours_median
            );
        }
        Ok(None) => println!("  pdfsig   skipped (--pdfsig-count 0)"),
        Err(e) => println!("  pdfsig   not measured: {e:#}"),
    }
    Ok(())
}

/// pdfsig over the same documents: (verifications/s, median ms).
fn pdfsig_run(docs: &[Vec<u8>], count: usize) -> anyhow::Result<Option<(f64, f64)>> {
    use anyhow::Context as _;
    if count == 0 {
        return Ok(None);
    }
    let dir = std::env::temp_dir().join(format!("qujat-bench-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = format!("sql:{}", dir.display());
    let run = |program: &str, args: &[&str]| -> anyhow::Result<std::process::Output> {
        std::process::Command::new(program)
            .args(args)
            .output()
            .with_context(|| format!("cannot run {program}"))
    };
    run("certutil", &["-N", "-d", &db, "--empty-password"])?;
    let root_ca = dir.join("root.crt");
    std::fs::write(&root_ca, include_bytes!("../../keys/demo/root-ca.crt"))?;
    let root_path = root_ca.to_string_lossy().into_owned();
    run(
        "certutil",
        &[
            "-A",
            "-d",
            &db,
            "-n",
            "demo-root",
            "-t",
            "CT,C,C",
            "-i",
            &root_path,
        ],
    )?;
    let mut files = Vec::new();
    for (i, pdf) in docs.iter().enumerate() {
        let path = dir.join(format!("doc-{i}.pdf"));
        std::fs::write(&path, pdf)?;
        files.push(path.to_string_lossy().into_owned());
    }
    let mut latencies = Vec::with_capacity(count);
    let start = Instant::now();
    for i in 0..count {
        let t = Instant::now();
        let out = run("pdfsig", &["-nssdir", &db, &files[i % files.len()]])?;
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        if !String::from_utf8_lossy(&out.stdout).contains("Signature is Valid.") {
            anyhow::bail!("pdfsig did not accept {}", files[i % files.len()]);
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Some((count as f64 / wall, median(latencies))))
}
