//! The candidates for handing a document to a plugin, measured on what a
//! Kubernetes practice does with it: find the kind and the pod spec, then
//! read a few fields of every container (docs/design.md, "One decoding per
//! document"). Run natively: the ratios carry over to the sandbox, where
//! each plugin does the same work on its own copy.
//!
//! `cargo bench -p tenken-tree --bench decode`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde::Deserialize;
use serde_json::Value;

/// A Deployment as the corpus generator writes them: two containers with
/// probes, resources, environment and mounts (2.3 KB of JSON).
fn deployment() -> Value {
    let container = |name: &str, image: &str| {
        serde_json::json!({
            "name": name,
            "image": image,
            "imagePullPolicy": "IfNotPresent",
            "args": ["--port=8080", "--log-level=info", "--metrics"],
            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            "env": [
                {"name": "LOG_FORMAT", "value": "json"},
                {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}}},
                {"name": "REGION", "value": "eu-west-1"}
            ],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
            "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5},
            "livenessProbe": {"httpGet": {"path": "/live", "port": "http"}, "initialDelaySeconds": 10},
            "securityContext": {"runAsNonRoot": true, "allowPrivilegeEscalation": false,
                                "capabilities": {"drop": ["ALL"]}},
            "volumeMounts": [{"name": "config", "mountPath": "/etc/app", "readOnly": true}]
        })
    };
    serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "checkout", "namespace": "shop",
                     "labels": {"app.kubernetes.io/name": "checkout", "app.kubernetes.io/part-of": "shop"},
                     "annotations": {"owner": "team-checkout"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app.kubernetes.io/name": "checkout"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "checkout"}},
                "spec": {
                    "serviceAccountName": "checkout",
                    "securityContext": {"runAsUser": 10001, "fsGroup": 10001},
                    "containers": [container("app", "registry.example/shop/checkout:1.4.2"),
                                   container("proxy", "envoyproxy/envoy:v1.31.0")],
                    "volumes": [{"name": "config", "configMap": {"name": "checkout"}}]
                }
            }
        }
    })
}

/// What a container practice reads, the way the plugins read it.
fn judge_value(tree: &Value) -> usize {
    let mut seen = 0;
    if tree.get("kind").and_then(Value::as_str) != Some("Deployment") {
        return 0;
    }
    let containers = tree.pointer("/spec/template/spec/containers").and_then(Value::as_array);
    for container in containers.into_iter().flatten() {
        seen += container.get("image").and_then(Value::as_str).map_or(0, str::len);
        let context = container.get("securityContext");
        seen += usize::from(context.and_then(|c| c.get("runAsNonRoot")).and_then(Value::as_bool) == Some(true));
        seen += container.pointer("/resources/limits/memory").map_or(0, |_| 1);
    }
    seen
}

fn judge_node(tree: tenken_tree::Node<'_>) -> usize {
    use tenken_tree::Node;
    let mut seen = 0;
    if tree.get("kind").and_then(Node::as_str) != Some("Deployment") {
        return 0;
    }
    let containers = tree.pointer("/spec/template/spec/containers").and_then(Node::as_array);
    for container in containers.into_iter().flatten() {
        seen += container.get("image").and_then(Node::as_str).map_or(0, str::len);
        let context = container.get("securityContext");
        seen += usize::from(context.and_then(|c| c.get("runAsNonRoot")).and_then(Node::as_bool) == Some(true));
        seen += container.pointer("/resources/limits/memory").map_or(0, |_| 1);
    }
    seen
}

/// The typed candidate: only the fields the practice reads, borrowed.
#[derive(Deserialize)]
struct Workload<'a> {
    #[serde(borrow)]
    kind: &'a str,
    #[serde(borrow)]
    spec: Option<WorkloadSpec<'a>>,
}

#[derive(Deserialize)]
struct WorkloadSpec<'a> {
    #[serde(borrow)]
    template: Option<Template<'a>>,
}

#[derive(Deserialize)]
struct Template<'a> {
    #[serde(borrow)]
    spec: Option<PodSpec<'a>>,
}

#[derive(Deserialize)]
struct PodSpec<'a> {
    #[serde(borrow, default)]
    containers: Vec<Container<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Container<'a> {
    image: Option<&'a str>,
    security_context: Option<SecurityContext>,
    resources: Option<Resources<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SecurityContext {
    run_as_non_root: Option<bool>,
}

#[derive(Deserialize)]
struct Resources<'a> {
    #[serde(borrow)]
    limits: Option<Limits<'a>>,
}

#[derive(Deserialize)]
struct Limits<'a> {
    memory: Option<&'a str>,
}

fn judge_typed(workload: &Workload<'_>) -> usize {
    if workload.kind != "Deployment" {
        return 0;
    }
    let containers = workload.spec.as_ref().and_then(|spec| spec.template.as_ref()).and_then(|t| t.spec.as_ref());
    let mut seen = 0;
    for container in containers.map(|spec| spec.containers.as_slice()).unwrap_or_default() {
        seen += container.image.map_or(0, str::len);
        seen += usize::from(container.security_context.as_ref().and_then(|c| c.run_as_non_root) == Some(true));
        seen += container.resources.as_ref().and_then(|r| r.limits.as_ref()).and_then(|l| l.memory).map_or(0, |_| 1);
    }
    seen
}

fn candidates(c: &mut Criterion) {
    let tree = deployment();
    let json = tree.to_string();
    let compact = tenken_tree::encode(&tree);
    let mut group = c.benchmark_group("one-plugin-reads-a-deployment");
    group.bench_function("json-text-to-value", |b| {
        b.iter(|| {
            let value: Value = serde_json::from_str(black_box(&json)).expect("valid");
            judge_value(&value)
        });
    });
    group.bench_function("json-text-typed-borrowed", |b| {
        b.iter(|| {
            let workload: Workload<'_> = serde_json::from_str(black_box(&json)).expect("valid");
            judge_typed(&workload)
        });
    });
    group.bench_function("compact-view", |b| {
        b.iter(|| judge_node(tenken_tree::read(black_box(&compact)).expect("valid")));
    });
    group.bench_function("compact-typed-borrowed", |b| {
        b.iter(|| {
            let root = tenken_tree::read(black_box(&compact)).expect("valid");
            let workload: Workload<'_> = root.deserialize().expect("valid");
            judge_typed(&workload)
        });
    });
    group.finish();

    let mut group = c.benchmark_group("host-prepares-a-deployment");
    group.bench_function("json-text", |b| b.iter(|| black_box(&tree).to_string()));
    group.bench_function("compact", |b| b.iter(|| tenken_tree::encode(black_box(&tree))));
    group.finish();
    println!("sizes: json {} bytes, compact {} bytes", json.len(), compact.len());
}

criterion_group!(benches, candidates);
criterion_main!(benches);
