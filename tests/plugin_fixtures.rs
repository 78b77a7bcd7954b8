//! Runs every bundled plugin, in the real sandbox, over the fixtures in
//! `plugins/<name>/tests/fixtures` through the same runner as
//! `tenken plugin test`, and snapshots where each finding lands.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use tenken::fixtures::run_fixtures;
use tenken::plugins::{BUNDLED_PLUGINS, Runtime};

fn runtime() -> Runtime {
    Runtime {
        cache_dir: Some(common::shared_cache()),
        no_cache: false,
        plugin_memory: 64,
        plugin_timeout: 2000,
        plugin_time_budget: 600,
        plugins: vec![],
        plugin_settings: vec![],
    }
}

#[test]
fn every_bundled_plugin_passes_its_fixtures() {
    let mut failures = Vec::new();
    let mut expected_somewhere = std::collections::BTreeSet::new();
    for plugin in BUNDLED_PLUGINS {
        let fixtures = common::repo_root().join("plugins").join(plugin.package).join("tests/fixtures");
        assert!(fixtures.is_dir(), "bundled plugin {} has no fixtures in {}", plugin.package, fixtures.display());
        let report = run_fixtures(&runtime(), &plugin.source(), &fixtures).unwrap();
        if !report.passed() {
            failures.push(report.render());
        }
        // A passing report holds only expected findings: each rule found is
        // one a fixture has an `# expect:` line for.
        for case in &report.cases {
            expected_somewhere.extend(case.findings.iter().map(|finding| finding.rule.id.to_string()));
        }
        insta::assert_snapshot!(format!("fixtures__{}", plugin.package), report.listing());
    }
    assert!(failures.is_empty(), "fixture failures:\n{}", failures.join("\n"));

    // Every rule of every bundled plugin is shown to fire by a fixture.
    let rules = common::tenken(&["rules", "--ids"]);
    let untested: Vec<&str> = rules
        .stdout
        .lines()
        .filter(|rule| !rule.starts_with("tenken/") && !expected_somewhere.contains(*rule))
        .collect();
    assert!(untested.is_empty(), "rules without an `# expect:` line in their plugin's fixtures: {untested:?}");
}

/// The CLI finds the component in the plugin directory and shows each kind
/// of difference between the annotations and the findings.
#[test]
fn plugin_test_reports_missing_unexpected_and_mislocated_findings() {
    let plugin = BUNDLED_PLUGINS.iter().find(|plugin| plugin.package == "k8s-host-isolation").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("target/wasm32-wasip2/release");
    std::fs::create_dir_all(&release).unwrap();
    std::fs::write(release.join("k8s_host_isolation.wasm"), plugin.bytes).unwrap();
    let fixtures = dir.path().join("tests/fixtures");
    std::fs::create_dir_all(&fixtures).unwrap();
    std::fs::write(
        fixtures.join("wrong.yaml"),
        "\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  # expect: host-network
  hostPID: true  # ok: host-pid
  # expect: host-ipc

  hostIPC: false
  containers:
    - name: web
      ports: [{containerPort: 80, hostPort: 80}]
  # expect: host-port
  volumes: []
",
    )
    .unwrap();
    std::fs::write(
        fixtures.join("right.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  # expect: host-pid\n  hostPID: true\n",
    )
    .unwrap();

    let run = common::tenken_in(dir.path(), &common::shared_cache(), &["plugin", "test"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    insta::assert_snapshot!(run.stdout);

    std::fs::remove_file(fixtures.join("wrong.yaml")).unwrap();
    let run = common::tenken_in(dir.path(), &common::shared_cache(), &["plugin", "test", "--list-findings"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("right.yaml:6:12: k8s-host-isolation/host-pid [high]"), "{}", run.stdout);
    assert!(!run.stderr.contains("old build"), "{}", run.stderr);

    // A source changed after the component was built (a build that failed
    // leaves the old component): the run says it tests the old build.
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    let source = std::fs::File::create(dir.path().join("src/lib.rs")).unwrap();
    let later = std::fs::metadata(release.join("k8s_host_isolation.wasm")).unwrap().modified().unwrap()
        + std::time::Duration::from_secs(60);
    source.set_modified(later).unwrap();
    let run = common::tenken_in(dir.path(), &common::shared_cache(), &["plugin", "test"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("src/lib.rs changed after") && run.stderr.contains("old build"), "{}", run.stderr);
}

#[test]
fn plugin_test_without_a_component_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::tenken_in(dir.path(), &common::shared_cache(), &["plugin", "test", "."]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no built component (.wasm)"), "{}", run.stderr);
    assert!(Path::new(&dir.path()).exists());
}

#[test]
fn plugin_inspect_prints_the_documents_a_plugin_receives() {
    let run = common::tenken(&["plugin", "inspect", "examples/shop/k8s/deployment.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let documents: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(documents[0]["kind"], "kubernetes");
    assert_eq!(documents[0]["tree"]["spec"]["replicas"], 3);
    assert_eq!(documents[1]["index"], 1);
    let unknown = common::tenken(&["plugin", "inspect", "README.md"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("not a config file"), "{}", unknown.stderr);
}

#[test]
fn plugin_new_creates_a_standalone_project_with_a_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::tenken_in(dir.path(), &common::shared_cache(), &["plugin", "new", "owner-label"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let project = dir.path().join("owner-label");
    for file in [
        "Cargo.toml",
        "src/lib.rs",
        "tests/fixtures/deployments.yaml",
        "README.md",
        "tenken-sdk/Cargo.toml",
        "tenken-sdk/src/lib.rs",
        "tenken-sdk/wit/tenken-plugin.wit",
    ] {
        assert!(project.join(file).is_file(), "{file} missing");
    }
    let source = std::fs::read_to_string(project.join("src/lib.rs")).unwrap();
    assert!(source.contains("pub struct OwnerLabel;") && source.contains("tenken_sdk::plugin_info!("), "{source}");
    // The plugin's id is its crate's name.
    let manifest = std::fs::read_to_string(project.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"owner-label\""), "{manifest}");
    let sdk = std::fs::read_to_string(project.join("tenken-sdk/src/lib.rs")).unwrap();
    assert!(sdk.contains("path: \"wit\""), "the copied SDK must find its own copy of the contract");
    assert!(std::fs::read_to_string(project.join("Cargo.toml")).unwrap().contains("[workspace]"));

    let again = common::tenken_in(dir.path(), &common::shared_cache(), &["plugin", "new", "owner-label"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    let bad = common::tenken_in(dir.path(), &common::shared_cache(), &["plugin", "new", "Owner_Label"]);
    assert!(bad.stderr.contains("use kebab-case"), "{}", bad.stderr);
}

/// docs/rules is generated from the bundled plugins; a plugin change that
/// does not regenerate it fails here with the command to run.
#[test]
fn the_rule_reference_in_docs_is_up_to_date() {
    let run = common::tenken(&["plugin", "docs", "docs/rules", "--check"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn plugin_new_writes_python_and_javascript_projects() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, name, files) in [
        (
            "python",
            "py-owner",
            &["app.py", "wit/tenken-plugin.wit", "tests/fixtures/deployments.yaml", "README.md"][..],
        ),
        (
            "js",
            "js-owner",
            &[
                "app.js",
                "package.json",
                "package-lock.json",
                "wit/tenken-plugin.wit",
                "tests/fixtures/deployments.yaml",
            ][..],
        ),
    ] {
        let run = common::tenken_in(dir.path(), &common::shared_cache(), &["plugin", "new", name, "--lang", lang]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        for file in files {
            assert!(dir.path().join(name).join(file).is_file(), "{lang}: {file} missing");
        }
    }
    let app = std::fs::read_to_string(dir.path().join("py-owner/app.py")).unwrap();
    assert!(app.contains("id=\"py-owner\"") && !app.contains("python-owner-label"), "{app}");
    let package = std::fs::read_to_string(dir.path().join("js-owner/package.json")).unwrap();
    assert!(package.contains("\"name\": \"js-owner\"") && package.contains("--wit wit"), "{package}");
}
