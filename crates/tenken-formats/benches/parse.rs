//! Parse-plus-span-indexing throughput per format, on a generated corpus of
//! 5,000 files mixing the formats (deterministic: the same bytes on every
//! run). This is the floor that every `tenken check` pays before any plugin
//! runs. With `TENKEN_BENCH_CORPUS=<dir>` the same measurement also runs on
//! real files, grouped by format.
//!
//! Run with `cargo bench -p tenken-formats --bench parse`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tenken_formats::{Format, Hints, Limits, classify, parse_file};

/// A small deterministic generator, so the corpus is the same everywhere.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

fn kubernetes(rng: &mut Lcg, index: usize) -> String {
    let mut text = String::new();
    for document in 0..1 + rng.next(3) {
        let containers = 1 + rng.next(3);
        text.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-{index}-{document}\n  labels: {{app: svc-{index}}}\nspec:\n  replicas: {}\n  template:\n    spec:\n      containers:\n",
            1 + rng.next(5)
        ));
        for container in 0..containers {
            text.push_str(&format!(
                "        - name: c{container}\n          image: registry.example.com/svc-{index}:{}.{}.0\n          env:\n            - {{name: MODE, value: \"{}\"}}\n          resources:\n            requests: {{cpu: {}m, memory: {}Mi}}\n",
                rng.next(5),
                rng.next(20),
                ["fast", "safe"][rng.next(2) as usize],
                50 * (1 + rng.next(8)),
                64 * (1 + rng.next(8))
            ));
        }
    }
    text
}

fn terraform(rng: &mut Lcg, index: usize) -> String {
    let mut text = String::from("terraform {\n  required_version = \">= 1.6\"\n}\n\n");
    for resource in 0..2 + rng.next(4) {
        text.push_str(&format!(
            "resource \"aws_s3_bucket\" \"b{index}_{resource}\" {{\n  bucket   = \"shop-${{var.env}}-{resource}\"\n  for_each = toset(var.names)\n  tags = {{\n    owner   = \"team-{}\"\n    service = \"svc\"\n  }}\n  versioning {{\n    enabled = {}\n  }}\n}}\n\n",
            rng.next(9),
            rng.next(2) == 0
        ));
    }
    text
}

fn dockerfile(rng: &mut Lcg, index: usize) -> String {
    format!(
        "# syntax=docker/dockerfile:1\nFROM golang:1.{} AS build\nWORKDIR /src\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache \\\n    go build -o /out/app{index} ./cmd/app\n\nFROM alpine:3.{}\nRUN apk add --no-cache ca-certificates\nCOPY --from=build /out/app{index} /app\nENV PORT=8080 MODE=prod\nUSER {}\nENTRYPOINT [\"/app\"]\n",
        20 + rng.next(4),
        18 + rng.next(3),
        ["app", "root", "10001"][rng.next(3) as usize]
    )
}

fn json(rng: &mut Lcg, index: usize) -> String {
    let entries: Vec<String> = (0..5 + rng.next(20))
        .map(|entry| format!("    \"key{entry}\": {{\"enabled\": true, \"weight\": {}}}", rng.next(100)))
        .collect();
    format!(
        "{{\n  // settings {index}\n  \"name\": \"svc-{index}\",\n  \"settings\": {{\n{}\n  }}\n}}\n",
        entries.join(",\n")
    )
}

fn toml(rng: &mut Lcg, index: usize) -> String {
    format!(
        "[package]\nname = \"svc-{index}\"\nversion = \"1.{}.0\"\n\n[dependencies]\nserde = {{ version = \"1\", features = [\"derive\"] }}\ntokio = \"1.{}\"\n\n[[bin]]\nname = \"svc\"\n",
        rng.next(10),
        rng.next(40)
    )
}

fn env(rng: &mut Lcg, _index: usize) -> String {
    (0..10 + rng.next(20)).map(|line| format!("SETTING_{line}=\"value {}\"\n", rng.next(1000))).collect()
}

fn properties(rng: &mut Lcg, _index: usize) -> String {
    (0..10 + rng.next(20)).map(|line| format!("app.section{line}.value={}\n", rng.next(1000))).collect()
}

fn ini(rng: &mut Lcg, _index: usize) -> String {
    (0..3 + rng.next(5))
        .map(|section| {
            format!("[section{section}]\nhost = 10.0.0.{}\nport = {}\n", rng.next(255), 1000 + rng.next(9000))
        })
        .collect()
}

type Generator = fn(&mut Lcg, usize) -> String;

/// (format, file name, files, generator): 5,000 files in all.
const MIX: &[(Format, &str, usize, Generator)] = &[
    (Format::Yaml, "deploy.yaml", 2000, kubernetes),
    (Format::Hcl, "main.tf", 800, terraform),
    (Format::Dockerfile, "Dockerfile", 800, dockerfile),
    (Format::Json, "settings.json", 500, json),
    (Format::Toml, "Cargo.toml", 300, toml),
    (Format::Env, ".env", 200, env),
    (Format::Properties, "application.properties", 200, properties),
    (Format::Ini, "setup.ini", 200, ini),
];

fn bench_group(c: &mut Criterion, group_name: &str, files: &[(Format, String, Vec<u8>)]) {
    let mut group = c.benchmark_group(group_name);
    group.sample_size(10);
    let mut formats: Vec<Format> = files.iter().map(|(format, _, _)| *format).collect();
    formats.sort();
    formats.dedup();
    for format in formats {
        let subset: Vec<&(Format, String, Vec<u8>)> = files.iter().filter(|(f, _, _)| *f == format).collect();
        let bytes: usize = subset.iter().map(|(_, _, content)| content.len()).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(format!("{format} ({} files)", subset.len()), |b| {
            b.iter(|| {
                for (format, name, content) in &subset {
                    let parsed = parse_file(name, content, *format, &Limits::default(), &Hints::default());
                    black_box(parsed.ok());
                }
            })
        });
    }
    group.finish();
}

fn benchmarks(c: &mut Criterion) {
    let mut rng = Lcg(0x007e_4be4);
    let mut generated = Vec::new();
    for (format, name, count, generate) in MIX {
        for index in 0..*count {
            generated.push((*format, (*name).to_owned(), generate(&mut rng, index).into_bytes()));
        }
    }
    bench_group(c, "generated", &generated);

    if let Some(root) = std::env::var_os("TENKEN_BENCH_CORPUS") {
        let mut real = Vec::new();
        collect(Path::new(&root), &mut real);
        bench_group(c, "corpus", &real);
    }
}

fn collect(dir: &Path, out: &mut Vec<(Format, String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if let (Some(format), Ok(bytes)) = (classify::format_of_path(&path), std::fs::read(&path)) {
            out.push((format, path.display().to_string(), bytes));
        }
    }
}

criterion_group!(benches, benchmarks);
criterion_main!(benches);
