//! The install artifacts agree with each other and with this checkout: the
//! pre-commit mirror pins this version and matches the main hook's files,
//! and the release builds what the action and binstall download. `.ci/run`
//! builds and runs each artifact; these catch a version bump or a rename
//! that forgets one of them.
#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

mod common;

use common::repo_root;

fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn toml(path: &str) -> toml_edit::DocumentMut {
    read(path).parse().unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn version() -> String {
    let manifest = toml("Cargo.toml");
    manifest["workspace"]["package"]["version"].as_str().unwrap().to_owned()
}

#[test]
fn the_pre_commit_mirror_pins_this_version() {
    let mirror = toml("dist/pre-commit-mirror/pyproject.toml");
    let project = &mirror["project"];
    assert_eq!(project["version"].as_str().unwrap(), version());
    let dependencies: Vec<&str> =
        project["dependencies"].as_array().unwrap().iter().map(|value| value.as_str().unwrap()).collect();
    assert_eq!(dependencies, [format!("tenken=={}", version())]);
}

/// The `files` pattern a hook passes tenken, as written in a hooks file.
fn files_pattern(path: &str, hook: &str) -> String {
    let text = read(path);
    let start = text.find(&format!("- id: {hook}\n")).unwrap_or_else(|| panic!("{path} has no hook {hook}"));
    let line = text[start..].lines().find(|line| line.trim_start().starts_with("files:")).unwrap();
    let pattern = line.trim_start().trim_start_matches("files:").trim();
    // The main file names the pattern with a YAML anchor.
    let pattern = pattern.trim_start_matches("&config-files").trim();
    pattern.trim_matches('\'').to_owned()
}

#[test]
fn the_mirror_hook_passes_the_same_files_as_the_main_hook() {
    assert_eq!(
        files_pattern("dist/pre-commit-mirror/.pre-commit-hooks.yaml", "tenken"),
        files_pattern(".pre-commit-hooks.yaml", "tenken")
    );
}

#[test]
fn the_wheel_ships_the_binary_alone() {
    let pyproject = toml("pyproject.toml");
    assert_eq!(pyproject["tool"]["maturin"]["bindings"].as_str(), Some("bin"));
    assert_eq!(pyproject["project"]["name"].as_str(), Some("tenken"));
}

/// Every platform the action downloads a binary for is built by the release
/// workflow, and binstall's archive names are the ones dist/archive.sh
/// writes.
#[test]
fn the_release_builds_what_the_action_and_binstall_download() {
    let release = read(".github/workflows/release.yml");
    let action = read("action.yml");
    let action_targets: Vec<&str> = action
        .lines()
        .filter_map(|line| line.split_once("target=").map(|(_, rest)| rest.trim_end_matches(" ;;").trim()))
        .filter(|target| !target.is_empty() && !target.starts_with('$'))
        .collect();
    assert!(action_targets.len() >= 4, "{action_targets:?}");
    for target in action_targets {
        assert!(release.contains(&format!("target: {target} }}")), "the release does not build {target}");
    }
    let archive = read("dist/archive.sh");
    assert!(archive.contains(r#"name="tenken-$version-$target""#));
    let manifest = toml("Cargo.toml");
    let binstall = &manifest["package"]["metadata"]["binstall"];
    assert_eq!(
        binstall["pkg-url"].as_str(),
        Some("{ repo }/releases/download/v{ version }/tenken-{ version }-{ target }{ archive-suffix }")
    );
}
