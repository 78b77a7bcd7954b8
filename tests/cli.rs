//! End-to-end tests of the tenken binary over `tests/fixtures`, with the
//! real bundled plugins in the real sandbox.
#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Compiled plugins shared by the tests in this file, so each test process
/// does not compile them again.
fn shared_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-test-cache")
}

fn tenken_with_cache(cache: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_tenken"))
        .args(args)
        .current_dir(repo_root())
        .env("TENKEN_CACHE_DIR", cache)
        .env_remove("NO_COLOR")
        .output()
        .expect("the tenken binary runs");
    Run {
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        code: output.status.code().expect("tenken exits normally"),
    }
}

fn tenken(args: &[&str]) -> Run {
    tenken_with_cache(&shared_cache(), args)
}

/// Plugin hashes change with every plugin edit; they are not what these
/// snapshots are about.
fn redact_hashes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("\"sha256\": \"") {
        let value_start = start + "\"sha256\": \"".len();
        out.push_str(&rest[..value_start]);
        let value_end = rest[value_start..].find('"').map_or(rest.len(), |end| value_start + end);
        out.push_str("[sha256]");
        rest = &rest[value_end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn text_report_of_the_skeleton_fixtures() {
    let run = tenken(&["check", "tests/fixtures/skeleton", "--color", "never"]);
    insta::assert_snapshot!(run.stdout);
    // A parse error means something was not checked: 2 beats 1.
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn json_report_of_the_skeleton_fixtures() {
    let run = tenken(&["check", "tests/fixtures/skeleton", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    for finding in report["findings"].as_array().unwrap() {
        for field in ["path", "line", "column", "rule", "severity", "message"] {
            assert!(!finding[field].is_null(), "finding lacks {field}: {finding}");
        }
    }
    insta::assert_snapshot!(redact_hashes(&run.stdout));
    assert_eq!(run.code, 2);
}

#[test]
fn findings_only_exit_with_one() {
    let run = tenken(&["check", "tests/fixtures/skeleton/k8s/workloads.yaml", "tests/fixtures/skeleton/Dockerfile"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.ends_with("6 findings (3 high, 3 medium) in 2 files checked by 2 plugins\n"), "{}", run.stdout);
}

#[test]
fn fail_on_raises_the_threshold() {
    let run = tenken(&["check", "tests/fixtures/skeleton/k8s/workloads.yaml", "--fail-on", "critical"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn a_clean_directory_exits_zero() {
    let run = tenken(&["check", "tests/fixtures/clean"]);
    assert_eq!(run.stdout, "0 findings in 2 files checked by 2 plugins\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn the_bundled_examples_have_findings_from_both_plugins() {
    let run = tenken(&["check", "examples", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let plugins: std::collections::BTreeSet<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["plugin"].as_str().unwrap()).collect();
    assert_eq!(plugins.into_iter().collect::<Vec<_>>(), vec!["dockerfile-non-root-user", "k8s-resource-limits"]);
    assert_eq!(run.code, 1);
}

#[test]
fn a_crashing_plugin_is_an_error_and_other_plugins_still_report() {
    let run = tenken(&[
        "check",
        "tests/fixtures/skeleton/k8s/workloads.yaml",
        "--color",
        "never",
        "--plugin",
        tenken_test_guests::HOSTILE,
        "--plugin-settings",
        r#"hostile={"mode":"panic"}"#,
    ]);
    insta::assert_snapshot!(run.stdout);
    assert_eq!(run.code, 2);
}

#[test]
fn a_looping_plugin_is_stopped_and_reported() {
    let run = tenken(&[
        "check",
        "tests/fixtures/clean/deployment.yaml",
        "--format",
        "json",
        "--plugin-timeout",
        "100",
        "--plugin",
        tenken_test_guests::HOSTILE,
        "--plugin-settings",
        r#"hostile={"mode":"loop"}"#,
    ]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["errors"][0]["plugin"], "hostile");
    assert_eq!(report["errors"][0]["message"], "stopped after exceeding its 100-ms deadline");
    assert_eq!(report["files"][0]["status"], "error");
    assert_eq!(run.code, 2);
}

#[test]
fn settings_a_plugin_rejects_stop_the_run() {
    let run = tenken(&[
        "check",
        "tests/fixtures/clean",
        "--plugin-settings",
        r#"k8s-resource-limits={"require-cpu-limits":true}"#,
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("plugin `k8s-resource-limits` rejected its settings"), "{}", run.stderr);
    assert!(run.stderr.contains("unknown field `require-cpu-limits`"), "{}", run.stderr);
}

#[test]
fn plugin_settings_change_what_is_checked() {
    let args = ["check", "tests/fixtures/clean/deployment.yaml", "--format", "json"];
    let strict = [&args[..], &["--plugin-settings", r#"k8s-resource-limits={"require-cpu-limit":true}"#]].concat();
    let run = tenken(&strict);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["findings"][0]["rule"], "k8s-resource-limits/missing-cpu-limit");
    assert_eq!(run.code, 1);
}

#[test]
fn a_warm_cache_compiles_nothing() {
    let cache = tempfile::tempdir().unwrap();
    let args = ["check", "tests/fixtures/clean/Dockerfile", "--verbose"];
    let cold = tenken_with_cache(cache.path(), &args);
    assert_eq!(cold.stderr.matches("compiled and cached").count(), 2, "{}", cold.stderr);
    let warm = tenken_with_cache(cache.path(), &args);
    assert_eq!(warm.stderr.matches("loaded from the compile cache").count(), 2, "{}", warm.stderr);
    assert!(!warm.stderr.contains("compiled"), "{}", warm.stderr);
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let one = tenken(&["check", "tests/fixtures/skeleton", "examples", "--format", "json", "--jobs", "1"]);
    let two = tenken(&["check", "tests/fixtures/skeleton", "examples", "--format", "json", "--jobs", "2"]);
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn a_missing_path_is_an_error() {
    let run = tenken(&["check", "tests/fixtures/no-such-dir"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("no such file or directory"), "{}", run.stdout);
}

#[test]
fn usage_errors_exit_with_two() {
    assert_eq!(tenken(&["check", "--format", "yaml"]).code, 2);
    assert_eq!(tenken(&["no-such-command"]).code, 2);
}

#[test]
fn plugins_lists_bundled_plugins_with_rules_and_kinds() {
    let run = tenken(&["plugins", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plugins: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<&str> = plugins.as_array().unwrap().iter().map(|p| p["info"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["dockerfile-non-root-user", "k8s-resource-limits"]);
    assert_eq!(plugins[1]["info"]["kinds"], serde_json::json!(["kubernetes"]));
    insta::assert_snapshot!(
        tenken(&["plugins"]).stdout.lines().filter(|l| !l.contains("sha256")).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn explain_prints_why_and_how() {
    let run = tenken(&["explain", "k8s-resource-limits/missing-memory-limit"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.starts_with("# k8s-resource-limits/missing-memory-limit: Set a memory limit on every container")
    );
    assert!(run.stdout.contains("## Why it matters"));
    assert!(run.stdout.contains("## How to fix it"));
    let unknown = tenken(&["explain", "k8s-resource-limits/nope"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("has no rule `nope`"), "{}", unknown.stderr);
}
