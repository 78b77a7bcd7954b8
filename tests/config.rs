//! tenken.toml: selection, severities, plugin settings, kinds and
//! per-path ignores, inherited through `extends`, and its errors.
#![allow(clippy::unwrap_used)]

mod common;

use common::{tenken_in, without_elapsed};

fn fixtures() -> std::path::PathBuf {
    common::repo_root().join("tests/fixtures/config")
}

#[test]
fn config_show_traces_every_value_through_two_levels_of_extends() {
    let run = tenken_in(&fixtures(), &common::shared_cache(), &["config", "show", "--config", "app/tenken.toml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn the_nearest_config_selects_rules_sets_severities_and_settings() {
    // Found by walking up from the checked path.
    let run = tenken_in(&fixtures().join("app"), &common::shared_cache(), &["check", "k8s", "--format", "concise"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let output = without_elapsed(&run.stdout);
    // Ignored: low severity, seccomp, image pinning in legacy files. An
    // exception for the ignored seccomp rule is not reported as unused.
    assert!(!output.contains("k8s-seccomp"), "{output}");
    assert!(!output.contains("unused-suppression"), "{output}");
    assert!(!output.contains("legacy-web.yaml:15"), "{output}");
    // Re-selected by the platform layer although it is low.
    assert!(output.contains("k8s-service-account-token/token-automounted"), "{output}");
    // min-replicas = 2 from the nearer file: two replicas pass.
    assert!(!output.contains("too-few-replicas"), "{output}");
    insta::assert_snapshot!(output);

    let without = tenken_in(
        &fixtures().join("app"),
        &common::shared_cache(),
        &["check", "k8s", "--no-config", "--format", "concise"],
    );
    assert!(without.stdout.contains("k8s-seccomp"), "{}", without.stdout);
}

#[test]
fn every_config_error_is_reported_at_its_line_at_once() {
    let run = tenken_in(&fixtures(), &common::shared_cache(), &["check", "app/k8s", "--config", "broken.toml"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn pinned_plugins_load_only_with_the_pinned_hash() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("plugins")).unwrap();
    let component = std::fs::read(tenken_test_guests::PROJECT_ECHO).unwrap();
    std::fs::write(dir.path().join("plugins/echo.wasm"), &component).unwrap();
    std::fs::copy(common::repo_root().join("tests/fixtures/clean/Dockerfile"), dir.path().join("Dockerfile")).unwrap();
    let actual = {
        use sha2::Digest as _;
        sha2::Sha256::digest(&component).iter().map(|byte| format!("{byte:02x}")).collect::<String>()
    };
    let wrong = "0".repeat(64);

    // Selectors of the refused plugin are no typos: the refusal is the
    // one error.
    std::fs::write(
        dir.path().join("tenken.toml"),
        format!(
            "extend-select = [\"project-echo\"]\n[severity]\n\"project-echo/seen\" = \"high\"\n\n\
             [[plugins]]\npath = \"plugins/echo.wasm\"\nsha256 = \"{wrong}\"\n"
        ),
    )
    .unwrap();
    let refused = tenken_in(dir.path(), &common::shared_cache(), &["check", "."]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("tenken.toml:5:1: plugin ")
            && refused.stderr.contains(&format!("has sha256 {actual}, but the config pins {wrong}")),
        "expected sha256 {actual}: {}",
        refused.stderr
    );
    assert!(!refused.stderr.contains("names no loaded rule"), "{}", refused.stderr);
    assert!(refused.stderr.contains("1 configuration error;"), "{}", refused.stderr);

    std::fs::write(
        dir.path().join("tenken.toml"),
        format!("[[plugins]]\npath = \"plugins/echo.wasm\"\nsha256 = \"{actual}\"\n"),
    )
    .unwrap();
    let run = tenken_in(dir.path(), &common::shared_cache(), &["check", ".", "--format", "concise"]);
    assert!(run.stdout.contains("project-echo/seen"), "{}{}", run.stdout, run.stderr);

    // The configured plugin is listed and explained like a bundled one.
    let listed = tenken_in(dir.path(), &common::shared_cache(), &["plugins"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(
        listed.stdout.contains("project-echo 0.1.0 (") && listed.stdout.contains("echo.wasm, sha256"),
        "{}",
        listed.stdout
    );
    let explained = tenken_in(dir.path(), &common::shared_cache(), &["explain", "project-echo/seen"]);
    assert_eq!(explained.code, 0, "{}", explained.stderr);
    assert!(explained.stdout.contains("project-echo/seen"), "{}", explained.stdout);
}

#[test]
fn init_writes_a_starter_config_that_fits_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    let shop = common::repo_root().join("examples/shop");
    for file in ["Dockerfile", "docker-compose.yml", "k8s/deployment.yaml", ".github/workflows/ci.yml"] {
        let target = dir.path().join(file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(shop.join(file), target).unwrap();
    }
    let run = tenken_in(dir.path(), &common::shared_cache(), &["init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read_to_string(dir.path().join("tenken.toml")).unwrap();
    insta::assert_snapshot!(written);

    // It is a valid config as written, and init does not overwrite it.
    assert_eq!(tenken_in(dir.path(), &common::shared_cache(), &["config", "show"]).code, 0);
    let again = tenken_in(dir.path(), &common::shared_cache(), &["init"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists; use --force"), "{}", again.stderr);
}

#[test]
fn command_line_plugin_settings_win_over_the_config() {
    // The config asks for 3 replicas (org) then 2 (platform); the command
    // line asks for 4, so the two-replica Deployments are reported.
    let run = tenken_in(
        &fixtures().join("app"),
        &common::shared_cache(),
        &["check", "k8s", "--format", "concise", "--plugin-settings", r#"k8s-replicas={"min-replicas": 4}"#],
    );
    assert!(run.stdout.contains("k8s-replicas/too-few-replicas"), "{}{}", run.stdout, run.stderr);
}

/// `tenken explain` shows the severity the nearest tenken.toml gives a
/// rule; an unknown settings key is reported at its own line with the
/// nearest known key.
#[test]
fn explain_shows_the_configured_severity_and_settings_typos_point_at_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tenken.toml"), "[severity]\n\"k8s-probes/missing-liveness-probe\" = \"high\"\n")
        .unwrap();
    let run = tenken_in(dir.path(), &common::shared_cache(), &["explain", "k8s-probes/missing-liveness-probe"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Severity: high (set in tenken.toml; medium by default)."), "{}", run.stdout);

    std::fs::write(
        dir.path().join("tenken.toml"),
        "[settings.k8s-replicas]\n# a comment\nmin-replica = 2\n\n[settings.k8s-probe]\nx = 1\n",
    )
    .unwrap();
    let run = tenken_in(dir.path(), &common::shared_cache(), &["check", "."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "tenken.toml:3:15: `settings.k8s-replicas`: unknown key `min-replica`; did you mean `min-replicas`?"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("no plugin `k8s-probe` is loaded; did you mean `k8s-probes`?"), "{}", run.stderr);
}

/// Each file is judged by its nearest tenken.toml, whatever else is on the
/// command line and in whatever order: pre-commit passes files of many
/// directories at once.
#[test]
fn each_file_is_judged_by_its_nearest_config_in_any_argument_order() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = std::fs::read_to_string(common::repo_root().join("examples/shop/k8s/deployment.yaml")).unwrap();
    for (service, config) in [("svc-a", "ignore = [\"k8s-probes\"]\n"), ("svc-b", "select = [\"k8s-probes\"]\n")] {
        std::fs::create_dir_all(dir.path().join(service).join("k8s")).unwrap();
        std::fs::write(dir.path().join(service).join("tenken.toml"), config).unwrap();
        std::fs::write(dir.path().join(service).join("k8s/deployment.yaml"), &manifest).unwrap();
    }
    let findings = |args: &[&str]| {
        let mut all = vec!["check", "--format", "json"];
        all.extend_from_slice(args);
        let run = tenken_in(dir.path(), &common::shared_cache(), &all);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let mut found: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}:{}", f["rule"].as_str().unwrap(), f["path"].as_str().unwrap(), f["line"]))
            .collect();
        found.sort();
        found
    };
    let forward = findings(&["svc-a", "svc-b"]);
    assert_eq!(findings(&["svc-b", "svc-a"]), forward);
    assert_eq!(findings(&["."]), forward);
    assert_eq!(
        findings(&["svc-b/k8s/deployment.yaml", "svc-a/k8s/deployment.yaml"]),
        forward,
        "files named one by one, as pre-commit passes them"
    );
    let (a, b): (Vec<&String>, Vec<&String>) = forward.iter().partition(|f| f.contains(" svc-a/"));
    assert!(!a.is_empty() && a.iter().all(|f| !f.starts_with("k8s-probes/")), "{a:?}");
    assert!(!b.is_empty() && b.iter().all(|f| f.starts_with("k8s-probes/")), "{b:?}");

    // --config names one config for every file.
    let all_b = findings(&["--config", "svc-b/tenken.toml", "."]);
    assert!(all_b.iter().all(|f| f.starts_with("k8s-probes/")) && all_b.len() == 2 * b.len(), "{all_b:?}");

    // `config show PATH` says which config judges a file.
    let shown = tenken_in(dir.path(), &common::shared_cache(), &["config", "show", "svc-a/k8s/deployment.yaml"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(
        shown.stdout.starts_with("# svc-a/k8s/deployment.yaml is judged by svc-a/tenken.toml\n"),
        "{}",
        shown.stdout
    );
    assert!(shown.stdout.contains("k8s-probes"), "{}", shown.stdout);
}
