//! The performance harness of docs/performance.md, over a generated corpus
//! (`xtask::corpus`, seeded) or a real one:
//!
//! 1. `parse-floor/jN`: discover, read, parse with span indexes and
//!    encode every tree, natively, with no plugin, on N threads;
//! 2. `full-check/jN`: `tenken check` with every bundled plugin over the
//!    same corpus, as a whole process, on N threads;
//! 3. `per-plugin/<id>`: each plugin over the documents it reads from the
//!    first 500 files of the corpus, called as tenken calls it; criterion
//!    reports the time per document;
//! 4. `start/warm`: the whole process on one small Dockerfile with every
//!    plugin and a warm compile cache, the pre-commit case; `start/version`
//!    is `tenken --version`, the floor of starting the process at all;
//! 5. `start/cold`: the same one-file check with an empty compile cache.
//!
//! Environment:
//! - `TENKEN_BENCH_FILES`: corpus size (default 1000; the documented figures
//!   use 10000);
//! - `TENKEN_BENCH_CORPUS`: a directory of real configs to use instead, e.g.
//!   `../shared/corpus`.
//!
//! Run with `cargo bench --bench check`, or one group with
//! `cargo bench --bench check -- start/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use tenken_formats::{Limits, classify};
use tenken_host::{DocumentInput, Host, HostConfig, Scope};

const TENKEN: &str = env!("CARGO_BIN_EXE_tenken");

fn target_tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// The corpus to measure: the real one named by TENKEN_BENCH_CORPUS, or the
/// generated one of TENKEN_BENCH_FILES files, written once per size.
fn corpus() -> PathBuf {
    if let Some(dir) = std::env::var_os("TENKEN_BENCH_CORPUS") {
        return PathBuf::from(dir);
    }
    let files: usize = std::env::var("TENKEN_BENCH_FILES").ok().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let root = target_tmp().join(format!("bench-corpus-{files}-{:x}", xtask::corpus::DEFAULT_SEED));
    let marker = root.join(".complete");
    if !marker.exists() {
        let summary = xtask::corpus::generate(&root, files, xtask::corpus::DEFAULT_SEED).expect("corpus is written");
        std::fs::write(&marker, summary.to_string()).expect("marker is written");
        eprintln!("{summary}");
    }
    root
}

/// A compile cache that every plugin has been stored in.
fn warm_cache() -> PathBuf {
    let dir = target_tmp().join("bench-compile-cache");
    let status = Command::new(TENKEN)
        .args(["plugins", "--cache-dir"])
        .arg(&dir)
        .stdout(Stdio::null())
        .status()
        .expect("tenken runs");
    assert!(status.success(), "tenken plugins failed");
    dir
}

/// Runs tenken and checks that it finished with findings or none, not with
/// an error, so that a broken run is never mistaken for a fast one.
fn run_tenken(args: &[&str], cache: &Path) {
    let status = Command::new(TENKEN)
        .args(args)
        .arg("--cache-dir")
        .arg(cache)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("tenken runs");
    assert!(matches!(status.code(), Some(0 | 1)), "tenken {args:?} exited with {status}");
}

fn throughput(c: &mut Criterion) {
    let corpus = corpus();
    let cache = warm_cache();
    let corpus_arg = corpus.to_str().expect("corpus path is UTF-8");
    let mut group = c.benchmark_group("throughput");
    group.sample_size(10).measurement_time(Duration::from_secs(20)).warm_up_time(Duration::from_secs(1));
    let floor = tenken::bench::parse_floor(std::slice::from_ref(&corpus), 1).expect("corpus parses");
    group.throughput(Throughput::Elements(floor.files as u64));
    for threads in [1, 2] {
        group.bench_function(format!("parse-floor/j{threads}"), |b| {
            b.iter(|| tenken::bench::parse_floor(std::slice::from_ref(&corpus), threads).expect("corpus parses"))
        });
        let jobs = threads.to_string();
        group.bench_function(format!("full-check/j{threads}"), |b| {
            b.iter(|| run_tenken(&["check", corpus_arg, "--format", "json", "--jobs", &jobs], &cache))
        });
    }
    group.finish();
}

/// One parsed document, with its tree encoded once.
struct Sample {
    path: String,
    kind: &'static str,
    format: &'static str,
    index: u32,
    tree: Vec<u8>,
}

fn sample_documents(corpus: &Path, limit: usize) -> Vec<Sample> {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(corpus)
        .hidden(false)
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|kind| kind.is_file()))
        .map(|entry| entry.into_path())
        .collect();
    files.sort();
    let mut samples = Vec::new();
    for path in files.into_iter().take(limit) {
        let Some(format) = classify::format_of_path(&path) else { continue };
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let display = path.display().to_string();
        let hints = tenken_formats::Hints::for_path(&path);
        let Ok(parsed) = tenken_formats::parse_file(&display, &bytes, format, &Limits::default(), &hints) else {
            continue;
        };
        for document in &parsed.documents {
            samples.push(Sample {
                path: display.clone(),
                kind: document.kind,
                format: document.format.as_str(),
                index: document.index,
                tree: tenken_tree::encode(&document.tree),
            });
        }
    }
    samples
}

/// The documents of `inputs` in runs of whole files, as many files per run
/// as tenken puts in one call.
fn batches<'a, 'b>(inputs: &'b [DocumentInput<'a>]) -> Vec<&'b [DocumentInput<'a>]> {
    let mut batches = Vec::new();
    let mut start = 0;
    let mut files = 0;
    for index in 0..inputs.len() {
        let new_file = index == 0 || inputs[index].path != inputs[index - 1].path;
        if new_file {
            if files == tenken::bench::FILES_PER_BATCH {
                batches.push(&inputs[start..index]);
                start = index;
                files = 0;
            }
            files += 1;
        }
    }
    if start < inputs.len() {
        batches.push(&inputs[start..]);
    }
    batches
}

fn per_plugin(c: &mut Criterion) {
    let samples = sample_documents(&corpus(), 500);
    let host = Host::new(HostConfig { cache_dir: Some(warm_cache()), ..HostConfig::default() }).expect("engine");
    let mut group = c.benchmark_group("per-plugin");
    group.sample_size(10).measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(300));
    for bundled in tenken::plugins::BUNDLED_PLUGINS {
        let plugin = host.load(&bundled.source()).expect("bundled plugin loads");
        let inputs: Vec<DocumentInput<'_>> = samples
            .iter()
            .filter(|sample| plugin.info.applies_to(sample.kind))
            .map(|sample| DocumentInput {
                path: &sample.path,
                kind: sample.kind,
                format: sample.format,
                index: sample.index,
                tree: &sample.tree,
            })
            .collect();
        if inputs.is_empty() {
            continue;
        }
        group.throughput(Throughput::Elements(inputs.len() as u64));
        group.bench_function(&plugin.info.id, |b| {
            b.iter(|| match plugin.info.scope {
                // As tenken calls them: file-scoped plugins once per batch
                // of files, project-scoped ones once with every document. A
                // failing call would make a plugin look fast, so it stops
                // the benchmark.
                Scope::File => {
                    for batch in batches(&inputs) {
                        plugin.check(batch).expect("the plugin checks the batch");
                    }
                }
                Scope::Project => {
                    plugin.check(&inputs).expect("the plugin checks the project");
                }
            })
        });
    }
    group.finish();
}

fn start(c: &mut Criterion) {
    let scratch = tempfile::tempdir().expect("scratch directory");
    let dockerfile = scratch.path().join("Dockerfile");
    std::fs::write(&dockerfile, "FROM alpine:3.20\nUSER app\nCMD [\"sleep\", \"infinity\"]\n").expect("written");
    let file = dockerfile.to_str().expect("UTF-8 path");
    let cache = warm_cache();

    let mut group = c.benchmark_group("start");
    group.sample_size(50);
    group.bench_function("version", |b| {
        b.iter(|| Command::new(TENKEN).arg("--version").stdout(Stdio::null()).status().expect("tenken runs"))
    });
    group.bench_function("warm", |b| b.iter(|| run_tenken(&["check", file], &cache)));
    group.sample_size(10).measurement_time(Duration::from_secs(30));
    group.bench_function("cold", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("empty cache"),
            |empty| run_tenken(&["check", file], empty.path()),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, start, throughput, per_plugin);
criterion_main!(benches);
