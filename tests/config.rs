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
    // Ignored: low severity, seccomp, image pinning in legacy files.
    assert!(!output.contains("k8s-seccomp"), "{output}");
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
