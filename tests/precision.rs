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
