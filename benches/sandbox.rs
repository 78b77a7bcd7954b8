//! What a plugin call costs, against the cost of parsing the same document
//! natively. The numbers behind the instance strategy in docs/design.md:
//!
//! - `parse/saphyr-events-only`: the YAML event parser alone, the part of
//!   the parse tenken does not control;
//! - `parse/native`: tenken's own parse of a 5 KB Deployment (YAML to tree
//!   plus spans) and serializing the tree once, the floor every check pays;
//! - `check/fresh-instance`: one `check` call as tenken makes it, in a new
//!   store and instance;
//! - `check/reused-instance`: the same call in an instance kept across calls;
//! - `load/bundled`: creating the engine and describing every bundled
//!   plugin from the info built into the binary, the fixed cost of a
//!   pre-commit run (each plugin is linked later, when first called).
//!
//! Run with `cargo bench --bench sandbox`.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use tenken_formats::{Format, Hints, Limits};
use tenken_host::{CallDocuments, DocumentInput, Host, HostConfig, LoadedPlugin, PluginSource};

/// A realistic Deployment of about 5 KB: several containers with env,
/// probes, volumes and resources.
fn deployment_manifest() -> String {
    let mut yaml = String::from(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\n  namespace: shop\n  labels:\n    app.kubernetes.io/name: checkout\n    app.kubernetes.io/part-of: shop\nspec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: checkout\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: checkout\n    spec:\n      containers:\n",
    );
    for container in 0..4 {
        yaml.push_str(&format!(
            "        - name: service-{container}\n          image: registry.example.com/shop/checkout-{container}:2.14.1\n          ports:\n            - containerPort: {port}\n              name: http\n          env:\n",
            port = 8080 + container
        ));
        for variable in 0..8 {
            yaml.push_str(&format!(
                "            - name: SETTING_{variable}\n              value: \"value-{container}-{variable}\"\n"
            ));
        }
        yaml.push_str(
            "          readinessProbe:\n            httpGet: {path: /ready, port: http}\n            periodSeconds: 5\n          livenessProbe:\n            httpGet: {path: /live, port: http}\n            periodSeconds: 10\n          volumeMounts:\n            - {name: config, mountPath: /etc/checkout}\n",
        );
        if container % 2 == 0 {
            yaml.push_str("          resources:\n            requests: {cpu: 250m, memory: 256Mi}\n            limits: {memory: 256Mi}\n");
        }
    }
    yaml.push_str("      volumes:\n        - name: config\n          configMap: {name: checkout}\n");
    yaml
}

fn parse_manifest(manifest: &str) -> tenken_formats::ParsedFile {
    tenken_formats::parse_file("deploy.yaml", manifest.as_bytes(), Format::Yaml, &Limits::default(), &Hints::default())
        .expect("parses")
}

fn bundled(package: &str) -> PluginSource {
    let plugin = tenken::plugins::BUNDLED_PLUGINS
        .iter()
        .find(|plugin| plugin.package == package)
        .unwrap_or_else(|| panic!("{package} is bundled"));
    plugin.source()
}

fn load_all(host: &Host) -> Vec<LoadedPlugin> {
    tenken::plugins::BUNDLED_PLUGINS.iter().map(|plugin| host.load(&bundled(plugin.package)).expect("loads")).collect()
}

fn benchmarks(c: &mut Criterion) {
    let manifest = deployment_manifest();
    let cache = std::env::temp_dir().join("tenken-bench-cache");
    let config = || HostConfig { cache_dir: Some(cache.clone()), ..HostConfig::default() };

    let mut parse = c.benchmark_group("parse");
    parse.throughput(criterion::Throughput::Bytes(manifest.len() as u64));
    parse.bench_function("saphyr-events-only", |b| {
        b.iter(|| {
            let mut parser = saphyr_parser::Parser::new_from_str(&manifest);
            let mut events = 0;
            while let Some(Ok(_)) = parser.next_event() {
                events += 1;
            }
            black_box(events)
        })
    });
    parse.bench_function("native", |b| {
        b.iter(|| black_box(tenken_tree::encode(&parse_manifest(&manifest).documents[0].tree)))
    });
    parse.finish();

    let parsed = parse_manifest(&manifest);
    let tree = tenken_tree::encode(&parsed.documents[0].tree);
    let document = DocumentInput { path: "deploy.yaml", kind: "kubernetes", format: "yaml", index: 0, tree: &tree };
    let host = Host::new(config()).expect("engine starts");
    let plugin = host.load(&bundled("k8s-resource-limits")).expect("loads");

    let mut check = c.benchmark_group("check");
    check.throughput(criterion::Throughput::Bytes(manifest.len() as u64));
    check.bench_function("fresh-instance", |b| b.iter(|| black_box(plugin.check(&[document]).expect("checks"))));
    check.bench_function("reused-instance", |b| {
        b.iter_custom(|iterations| {
            let started = Instant::now();
            black_box(
                plugin
                    .check_reusing_one_instance(&CallDocuments::new(&[document]), iterations as usize)
                    .expect("checks"),
            );
            started.elapsed()
        })
    });
    check.finish();

    // Warm the cache once, then measure what a pre-commit run pays.
    load_all(&host);
    c.bench_function("load/bundled", |b| {
        b.iter(|| {
            let host = Host::new(config()).expect("engine starts");
            black_box(load_all(&host))
        })
    });
}

criterion_group!(benches, benchmarks);
criterion_main!(benches);
