//! Precision on the shapes real repositories hold: the same pod template
//! gets the same findings whatever workload kind carries it.
#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

mod common;

use std::collections::BTreeSet;

use common::{shared_cache, tenken_in};

/// A workload of `kind` named `name`, with one pod template that lacks
/// most practices, laid out line for line alike for every kind.
fn workload(api_version: &str, kind: &str, name: &str) -> String {
    format!(
        "apiVersion: {api_version}
kind: {kind}
metadata:
  name: {name}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: app
        image: registry.example.com/{name}:latest
        securityContext: {{privileged: true}}
"
    )
}

#[test]
fn deployment_replacements_get_the_findings_of_a_deployment() {
    let dir = tempfile::tempdir().unwrap();
    let kinds = [
        ("apps/v1", "Deployment", "deployment.yaml"),
        ("apps.openshift.io/v1", "DeploymentConfig", "deploymentconfig.yaml"),
        ("argoproj.io/v1alpha1", "Rollout", "rollout.yaml"),
    ];
    for (api_version, kind, file) in kinds {
        std::fs::write(dir.path().join(file), workload(api_version, kind, "web")).unwrap();
    }
    let run = tenken_in(dir.path(), &shared_cache(), &["check", "--no-config", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let findings_in = |file: &str| -> BTreeSet<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|finding| finding["path"] == file)
            .map(|finding| format!("{} {}:{}", finding["rule"].as_str().unwrap(), finding["line"], finding["column"]))
            .collect()
    };
    let deployment = findings_in("deployment.yaml");
    for rule in
        ["k8s-replicas/too-few-replicas", "k8s-probes/missing-liveness-probe", "k8s-no-privileged/privileged-container"]
    {
        assert!(deployment.iter().any(|finding| finding.starts_with(rule)), "{rule}: {deployment:#?}");
    }
    assert_eq!(findings_in("deploymentconfig.yaml"), deployment);
    assert_eq!(findings_in("rollout.yaml"), deployment);
}

/// A kustomize overlay's patches are fragments: an image-only patch draws
/// no "missing" finding from any plugin, while a patch that makes a
/// container privileged is reported where it says so. The base, a whole
/// object, is checked as usual.
#[test]
fn kustomize_patches_are_checked_for_what_they_set_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("base")).unwrap();
    std::fs::create_dir_all(root.join("overlays/prod/patches")).unwrap();
    std::fs::write(root.join("base/kustomization.yaml"), "resources: [deployment.yaml]\n").unwrap();
    std::fs::write(root.join("base/deployment.yaml"), workload("apps/v1", "Deployment", "web")).unwrap();
    std::fs::write(
        root.join("overlays/prod/kustomization.yaml"),
        "resources: [../../base]\npatches:\n  - path: patches/image.yaml\npatchesStrategicMerge:\n  - privileged.yaml\n",
    )
    .unwrap();
    let patch = |body: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n{body}"
        )
    };
    std::fs::write(
        root.join("overlays/prod/patches/image.yaml"),
        patch("        image: registry.example.com/web:1.5.0\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("overlays/prod/privileged.yaml"),
        patch("        securityContext:\n          privileged: true\n"),
    )
    .unwrap();

    // As written: where kustomize is on PATH, overlays are built instead
    // (tests/kustomize.rs).
    let run = tenken_in(
        root,
        &shared_cache(),
        &["check", "--no-config", ".", "--format", "json", "--render-overlays", "never"],
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let findings_in = |path: &str| -> BTreeSet<String> {
        let findings = report["findings"].as_array().unwrap().iter();
        findings
            .filter(|finding| finding["path"] == path)
            .map(|finding| finding["rule"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        findings_in("overlays/prod/patches/image.yaml").is_empty(),
        "{:?}",
        findings_in("overlays/prod/patches/image.yaml")
    );
    assert_eq!(
        findings_in("overlays/prod/privileged.yaml"),
        BTreeSet::from(["k8s-no-privileged/privileged-container".to_owned()])
    );
    let base = findings_in("base/deployment.yaml");
    for rule in [
        "k8s-probes/missing-liveness-probe",
        "k8s-resource-limits/missing-memory-limit",
        "k8s-no-privileged/privileged-container",
    ] {
        assert!(base.contains(rule), "the base is a whole object: {base:?}");
    }
    let kinds: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|file| file["path"].as_str().unwrap().starts_with("overlays/prod/p"))
        .flat_map(|file| {
            file["documents"].as_array().unwrap().iter().map(|document| document["kind"].as_str().unwrap())
        })
        .collect();
    assert_eq!(kinds, ["kubernetes-patch", "kubernetes-patch"]);
}
