//! The machine-readable formats and CI behaviour, end to end: every format
//! over the same fixtures, SARIF against its schema, stable fingerprints,
//! GitHub escaping, several outputs at once, exit-code policy and
//! `--changed`.
#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

mod common;

use std::path::Path;
use std::process::Command;

use common::{Run, redact_hashes, shared_cache, tenken, tenken_in, without_elapsed};

const FIXTURES: &str = "tests/fixtures/skeleton";

fn format(name: &str) -> Run {
    tenken(&["check", FIXTURES, "--format", name])
}

#[test]
fn concise_format() {
    let run = format("concise");
    insta::assert_snapshot!(without_elapsed(&run.stdout));
    assert_eq!(run.code, 1);
}

#[test]
fn sarif_format() {
    let run = format("sarif");
    insta::assert_snapshot!(redact_hashes(&run.stdout));
    assert_eq!(run.code, 1);
}

#[test]
fn junit_format() {
    let run = format("junit");
    insta::assert_snapshot!(run.stdout);
    assert!(run.stdout.starts_with("<?xml"));
}

#[test]
fn github_format() {
    let run = format("github");
    insta::assert_snapshot!(without_elapsed(&run.stdout));
}

#[test]
fn sarif_is_valid_against_the_sarif_2_1_0_schema() {
    let schema_path = common::repo_root().join("tests/schemas/sarif-2.1.0.json");
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    // The fixtures have findings, parse errors and warnings; the hostile
    // plugin adds plugin errors, so every part of the log is exercised.
    for args in [
        vec!["check", FIXTURES, "--format", "sarif"],
        vec!["check", "examples", "--format", "sarif"],
        vec![
            "check",
            FIXTURES,
            "--format",
            "sarif",
            "--plugin",
            tenken_test_guests::HOSTILE,
            "--plugin-settings",
            r#"hostile={"mode":"panic"}"#,
        ],
    ] {
        let run = tenken(&args);
        let log: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let errors: Vec<String> =
            validator.iter_errors(&log).map(|error| format!("{error} at {}", error.instance_path())).collect();
        assert!(errors.is_empty(), "{args:?}: SARIF is invalid:\n{}", errors.join("\n"));
        assert!(!log["runs"][0]["results"].as_array().unwrap().is_empty());
    }
}

#[test]
fn sarif_describes_rules_for_code_scanning() {
    let log: serde_json::Value = serde_json::from_str(&format("sarif").stdout).unwrap();
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let rule = rules.iter().find(|rule| rule["id"] == "dockerfile-non-root-user/runs-as-root").unwrap();
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    assert_eq!(rule["properties"]["security-severity"], "8.0");
    assert!(rule["helpUri"].as_str().unwrap().starts_with("https://"));
    assert!(rule["help"]["markdown"].as_str().unwrap().contains("## How to fix it"));
    let reliability = rules.iter().find(|rule| rule["id"] == "k8s-resource-limits/missing-memory-limit").unwrap();
    assert!(reliability["properties"].get("security-severity").is_none());
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    // The fixtures' syntax error is a finding, not a failure of the run.
    assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], true);
}

fn fingerprints(dir: &Path) -> Vec<(String, String, u64)> {
    let run = tenken_in(dir, &shared_cache(), &["check", ".", "--format", "sarif"]);
    let log: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| {
            (
                result["ruleId"].as_str().unwrap().to_owned(),
                result["partialFingerprints"]["tenken/v1"].as_str().unwrap().to_owned(),
                result["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_survive_a_blank_line_inserted_above_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = std::fs::read_to_string(common::repo_root().join(FIXTURES).join("k8s/workloads.yaml")).unwrap();
    let path = dir.path().join("workloads.yaml");
    std::fs::write(&path, &manifest).unwrap();
    let before = fingerprints(dir.path());
    std::fs::write(&path, format!("\n{manifest}")).unwrap();
    let after = fingerprints(dir.path());
    assert_eq!(before.len(), after.len());
    for ((rule, print, line), (rule_after, print_after, line_after)) in before.iter().zip(&after) {
        assert_eq!((rule, print), (rule_after, print_after));
        assert_eq!(line + 1, *line_after, "the finding moved down one line");
    }
}

#[test]
fn github_annotations_escape_percent_comma_colon_and_newlines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("odd, name: 100%.yaml"), "a: 1\n").unwrap();
    let run = tenken_in(
        dir.path(),
        &shared_cache(),
        &[
            "check",
            ".",
            "--format",
            "github",
            "--plugin",
            tenken_test_guests::HOSTILE,
            "--plugin-settings",
            r#"hostile={"mode":"say","message":"100% sure: a, b\nsecond line"}"#,
        ],
    );
    let annotation = run.stdout.lines().next().unwrap();
    assert_eq!(
        annotation,
        "::notice file=odd%2C name%3A 100%25.yaml,line=1,col=1,endLine=1,endColumn=5,title=hostile/observed (info)\
         ::100%25 sure: a, b%0Asecond line%0AWhat the guest observed; see `tenken explain hostile/observed`"
    );
}

#[test]
fn several_outputs_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("results.sarif");
    let junit = dir.path().join("report.xml");
    let run = tenken(&[
        "check",
        "examples",
        "--format",
        "concise",
        "--output",
        &format!("sarif={}", sarif.display()),
        "-o",
        &format!("junit={}", junit.display()),
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("k8s-resource-limits/missing-memory-limit"));
    let log: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(sarif).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    // Code frames are made only when some output shows them: concise on
    // stdout does not, but the SARIF written beside it has every snippet.
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        let snippet = &result["locations"][0]["physicalLocation"]["region"]["snippet"]["text"];
        assert!(snippet.is_string(), "no snippet: {result}");
    }
    assert!(std::fs::read_to_string(junit).unwrap().contains("<testsuites"));
}

#[test]
fn a_bad_output_spec_is_a_usage_error() {
    let run = tenken(&["check", "examples", "--output", "pdf=x.pdf"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown format `pdf`"), "{}", run.stderr);
}

#[test]
fn exit_zero_hides_findings_but_never_errors() {
    assert_eq!(tenken(&["check", "examples", "--exit-zero"]).code, 0);
    // A file that does not parse is a finding like any other.
    assert_eq!(tenken(&["check", FIXTURES, "--exit-zero"]).code, 0);
    // A path that cannot be read is an error of the run.
    assert_eq!(tenken(&["check", FIXTURES, "no-such-path", "--exit-zero"]).code, 2);
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn changed_checks_only_files_that_differ_from_the_base() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let examples = common::repo_root().join("examples/shop");
    std::fs::copy(examples.join("Dockerfile"), root.join("Dockerfile")).unwrap();
    std::fs::create_dir(root.join("k8s")).unwrap();
    std::fs::copy(examples.join("k8s/deployment.yaml"), root.join("k8s/deployment.yaml")).unwrap();
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    git(root, &["checkout", "-q", "-b", "feature"]);
    std::fs::write(
        root.join("k8s/deployment.yaml"),
        std::fs::read_to_string(examples.join("k8s/deployment.yaml")).unwrap() + "\n",
    )
    .unwrap();
    git(root, &["commit", "-q", "-am", "touch the deployment"]);
    std::fs::write(root.join("Containerfile"), "FROM alpine:3.20\n").unwrap();

    let run = tenken_in(root, &shared_cache(), &["check", "--changed", "--base", "main", "--format", "concise"]);
    let checked: std::collections::BTreeSet<&str> =
        run.stdout.lines().filter(|line| line.contains(": ")).filter_map(|line| line.split(':').next()).collect();
    assert_eq!(
        checked.into_iter().collect::<Vec<_>>(),
        ["Containerfile", "k8s/deployment.yaml"],
        "the unchanged Dockerfile is not checked: {}",
        run.stdout
    );
    assert_eq!(run.code, 1);
}
