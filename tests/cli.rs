//! End-to-end tests of the tenken binary over `tests/fixtures`, with the
//! real bundled plugins in the real sandbox.
#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

mod common;

use common::{redact_hashes, tenken, tenken_with_cache, without_elapsed};
use tenken::plugins::BUNDLED_PLUGINS;

/// The ids of the bundled plugins, sorted: each plugin's id is its package
/// name under `plugins/`.
fn bundled_ids() -> Vec<&'static str> {
    let mut ids: Vec<&str> = BUNDLED_PLUGINS.iter().map(|plugin| plugin.package).collect();
    ids.sort_unstable();
    ids
}

#[test]
fn text_report_of_the_skeleton_fixtures() {
    let run = tenken(&["check", "tests/fixtures/skeleton", "--color", "never"]);
    insta::assert_snapshot!(without_elapsed(&run.stdout));
    // A parse error is a finding of tenken/invalid-syntax, not a failure of
    // the run: 1, not 2.
    assert_eq!(run.code, 1, "{}", run.stderr);
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
    assert_eq!(run.code, 1);
}

#[test]
fn findings_only_exit_with_one() {
    let run = tenken(&["check", "tests/fixtures/skeleton/k8s/workloads.yaml", "tests/fixtures/skeleton/Dockerfile"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let summary = without_elapsed(&run.stdout);
    assert!(
        summary.ends_with(&format!(
            "32 findings (7 high, 22 medium, 3 low) in 2 files checked by {} plugins ([elapsed])\n",
            BUNDLED_PLUGINS.len()
        )),
        "{summary}"
    );
}

#[test]
fn fail_on_raises_the_threshold() {
    let run = tenken(&["check", "tests/fixtures/skeleton/k8s/workloads.yaml", "--fail-on", "critical"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn a_clean_directory_exits_zero() {
    let run = tenken(&["check", "tests/fixtures/clean"]);
    let expected = format!("0 findings in 2 files checked by {} plugins ([elapsed])\n", BUNDLED_PLUGINS.len());
    assert_eq!(without_elapsed(&run.stdout), expected);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn the_bundled_examples_have_findings_from_every_plugin() {
    // The examples' findings of these plugins come from rules off by
    // default (docs/rules/README.md#the-default-set); naming the plugins
    // runs them.
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(config.path(), "extend-select = [\"dockerfile-healthcheck\", \"tf-ownership-tags\"]\n").unwrap();
    let config = config.path().to_str().unwrap();
    let run = tenken(&["check", "examples", "--format", "json", "--config", config]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let plugins: std::collections::BTreeSet<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["plugin"].as_str().unwrap()).collect();
    assert_eq!(plugins.into_iter().collect::<Vec<_>>(), bundled_ids());
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
    insta::assert_snapshot!(without_elapsed(&run.stdout));
    assert_eq!(run.code, 2);
}

#[test]
fn a_plugin_that_fails_on_one_file_of_a_batch_still_checks_the_others() {
    // File-scoped plugins get the documents of many files in one call. When
    // that call fails, each file is checked on its own, so the error lands
    // on the one file that causes it.
    let dir = tempfile::tempdir().unwrap();
    for name in ["a", "b", "c", "d"] {
        let marker = if name == "c" { "poison" } else { "fine" };
        let manifest = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  note: {marker}\n");
        std::fs::write(dir.path().join(format!("{name}.yaml")), manifest).unwrap();
    }
    let run = tenken(&[
        "check",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--plugin",
        tenken_test_guests::HOSTILE,
        "--plugin-settings",
        r#"hostile={"mode":"panic-on-message","message":"poison"}"#,
    ]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["plugin"], "hostile");
    assert!(errors[0]["path"].as_str().unwrap().ends_with("c.yaml"), "{errors:?}");
    let checked: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["plugin"] == "hostile")
        .map(|finding| finding["path"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(checked, ["a.yaml", "b.yaml", "d.yaml"]);
    assert_eq!(run.code, 2);
}

#[test]
fn output_does_not_depend_on_the_thread_count() {
    // More files than one batch, every kind, and project-scoped plugins.
    let dir = tempfile::tempdir().unwrap();
    xtask::corpus::generate(&dir.path().join("corpus"), 120, 11).unwrap();
    let corpus = dir.path().join("corpus");
    let corpus = corpus.to_str().unwrap();
    let one = tenken(&["check", corpus, "--format", "json", "--jobs", "1"]);
    let two = tenken(&["check", corpus, "--format", "json", "--jobs", "2"]);
    let three = tenken(&["check", corpus, "--format", "sarif", "--jobs", "3"]);
    let one_sarif = tenken(&["check", corpus, "--format", "sarif", "--jobs", "1"]);
    assert_eq!(one.code, 1, "{}", one.stderr);
    assert!(one.stdout.len() > 10_000, "the corpus has findings");
    assert!(one.stdout == two.stdout, "JSON differs between one and two threads");
    assert!(one_sarif.stdout == three.stdout, "SARIF differs between one and three threads");
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

/// Bundled plugins are compiled when tenken is built: no run compiles one,
/// with or without a cache. The first run stores the artifacts it used in
/// the cache, so that later runs map them from files instead of copying
/// them out of the binary.
#[test]
fn bundled_plugins_are_never_compiled() {
    let cache = tempfile::tempdir().unwrap();
    let args = ["check", "tests/fixtures/clean/Dockerfile", "--verbose"];
    let plugins = BUNDLED_PLUGINS.len();
    assert!(BUNDLED_PLUGINS.iter().all(|plugin| plugin.precompiled.is_some()), "built for this machine");
    for run in [
        tenken_with_cache(cache.path(), &args),
        tenken_with_cache(cache.path(), &args),
        tenken_with_cache(cache.path(), &[&args[..], &["--no-cache"]].concat()),
    ] {
        assert_eq!(run.stderr.matches("precompiled in this binary").count(), plugins, "{}", run.stderr);
        assert!(!run.stderr.contains("compiled and cached") && !run.stderr.contains("compiling"), "{}", run.stderr);
        assert!(!run.stderr.contains("replaced"), "{}", run.stderr);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let stored = std::fs::read_dir(cache.path())
        .unwrap()
        .filter(|entry| entry.as_ref().unwrap().file_name().to_string_lossy().ends_with(".cwasm"))
        .count();
    let dockerfile_plugins = BUNDLED_PLUGINS.iter().filter(|plugin| plugin.package.starts_with("dockerfile-")).count();
    assert!(stored >= dockerfile_plugins && stored < plugins, "only the plugins the run used: {stored}");
}

/// Plugins not built into tenken are compiled once, with a notice, and
/// mapped from the cache afterwards.
#[test]
fn other_plugins_are_compiled_once_with_a_notice() {
    let cache = tempfile::tempdir().unwrap();
    let args = ["check", "tests/fixtures/clean/Dockerfile", "--verbose", "--plugin", tenken_test_guests::HOSTILE];
    let cold = tenken_with_cache(cache.path(), &args);
    assert!(
        cold.stderr.contains("tenken: compiling 1 plugin for this machine; later runs use the compiled copy\n"),
        "{}",
        cold.stderr
    );
    assert_eq!(cold.stderr.matches("compiled and cached").count(), 1, "{}", cold.stderr);
    let warm = tenken_with_cache(cache.path(), &args);
    assert_eq!(warm.stderr.matches("loaded from the compile cache").count(), 1, "{}", warm.stderr);
    assert!(!warm.stderr.contains("compiling") && !warm.stderr.contains("compiled and"), "{}", warm.stderr);
}

#[test]
fn bundled_plugins_name_no_path_of_the_machine_that_built_them() {
    // Their sha256 is reported and can be pinned, so it should not depend
    // on where the source was checked out or on the cargo home.
    let checkout = env!("CARGO_MANIFEST_DIR");
    let cargo_home =
        std::env::var("CARGO_HOME").unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap()));
    for plugin in BUNDLED_PLUGINS {
        for path in [checkout, cargo_home.as_str()] {
            let found = plugin.bytes.windows(path.len()).any(|window| window == path.as_bytes());
            assert!(!found, "{} contains the path {path}", plugin.package);
        }
    }
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
    assert_eq!(ids, bundled_ids());
    let limits = plugins.as_array().unwrap().iter().find(|p| p["info"]["id"] == "k8s-resource-limits").unwrap();
    assert_eq!(limits["info"]["kinds"], serde_json::json!(["kubernetes", "helm-values"]));
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

#[test]
fn project_plugins_see_sibling_files_as_context_but_report_only_given_files() {
    let run = tenken(&[
        "check",
        "tests/fixtures/skeleton/k8s/workloads.yaml",
        "--format",
        "json",
        "--plugin",
        tenken_test_guests::PROJECT_ECHO,
    ]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let echoes: Vec<&serde_json::Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["plugin"] == "project-echo").collect();
    // One finding per Kubernetes document of the given file...
    assert_eq!(echoes.len(), 3, "{echoes:#?}");
    assert!(echoes.iter().all(|f| f["path"] == "tests/fixtures/skeleton/k8s/workloads.yaml"));
    // ...from a call that also held the sibling manifests.
    let message = echoes[0]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "call held tests/fixtures/skeleton/k8s/broken.yaml#0 tests/fixtures/skeleton/k8s/duplicate-keys.yaml#0 \
         tests/fixtures/skeleton/k8s/pod-list.yaml#0 tests/fixtures/skeleton/k8s/workloads.yaml#0 \
         tests/fixtures/skeleton/k8s/workloads.yaml#1 tests/fixtures/skeleton/k8s/workloads.yaml#2"
    );
    // Context files are not inputs: they are neither listed nor counted.
    let files: Vec<&str> = report["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(files, vec!["tests/fixtures/skeleton/k8s/workloads.yaml"]);
}

#[test]
fn kind_mappings_override_detection() {
    let dir = tempfile::tempdir().unwrap();
    let manifest =
        std::fs::read_to_string(common::repo_root().join("tests/fixtures/skeleton/k8s/workloads.yaml")).unwrap();
    // A name tenken would not read at all, and one it would read as a
    // different kind.
    std::fs::write(dir.path().join("workloads.k8s"), &manifest).unwrap();
    std::fs::write(dir.path().join("compose.yaml"), &manifest).unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        let run = common::tenken_in(dir.path(), &common::shared_cache(), args);
        serde_json::from_str(&run.stdout).unwrap()
    };
    let plain = json(&["check", ".", "--format", "json"]);
    let statuses: Vec<&str> =
        plain["files"].as_array().unwrap().iter().map(|f| f["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["checked", "skipped"], "compose.yaml holds kubernetes objects; workloads.k8s is unknown");

    let mapped = json(&["check", ".", "--format", "json", "--kind", "*.k8s=kubernetes", "--kind", "compose.yaml=yaml"]);
    let kinds: Vec<(String, String)> = mapped["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_owned(), f["documents"][0]["kind"].as_str().unwrap_or("-").to_owned()))
        .collect();
    assert_eq!(kinds, vec![("compose.yaml".into(), "yaml".into()), ("workloads.k8s".into(), "kubernetes".into())]);
    let paths: std::collections::BTreeSet<&str> =
        mapped["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths.into_iter().collect::<Vec<_>>(), vec!["workloads.k8s"]);
}

#[test]
fn a_malformed_kind_mapping_is_a_usage_error() {
    let run = tenken(&["check", "examples", "--kind", "*.yaml=Kubernetes"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("kind `Kubernetes` is not kebab-case"), "{}", run.stderr);
}

#[test]
fn static_arg_values_reach_plugins_expanded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "ARG RUN_AS=root\nFROM alpine:3.20\nARG RUN_AS\nUSER ${RUN_AS}\n")
        .unwrap();
    let run = common::tenken_in(dir.path(), &common::shared_cache(), &["check", ".", "--format", "concise"]);
    assert!(
        run.stdout.contains(
            "Dockerfile:4:6: high dockerfile-non-root-user/explicit-root-user the final stage runs as `root`"
        ),
        "{}",
        run.stdout
    );
}
