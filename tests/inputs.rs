//! Real-world inputs, end to end: files the ecosystem's own tools accept are
//! checked, files tenken cannot check are reported where every output
//! shows them, and nothing passes silently.
#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

mod common;

use std::path::Path;

use common::{shared_cache, tenken_in};

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn json_report(dir: &Path, args: &[&str]) -> (serde_json::Value, common::Run) {
    let mut all = vec!["check", "--no-config", "--format", "json"];
    all.extend_from_slice(args);
    let run = tenken_in(dir, &shared_cache(), &all);
    assert!(!run.stderr.contains("internal error"), "{}", run.stderr);
    (serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("{}\n{}", run.stdout, run.stderr)), run)
}

/// `rule path:line:column` of every finding.
fn findings(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!("{} {}:{}:{}", f["rule"].as_str().unwrap(), f["path"].as_str().unwrap(), f["line"], f["column"])
        })
        .collect()
}

/// A compose healthcheck whose flow sequence closes at the key's column,
/// and a Pod whose quoted argument continues left of its `- `: kubectl,
/// docker compose and libyaml accept both.
const COMPOSE_FLOW_CLOSED_AT_KEY: &str = "services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n      test: [\n          \"CMD\", \"true\",\n      ]\n";
const POD_UNDER_INDENTED_QUOTED: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: app\n    image: nginx:1.27\n    args:\n    - \"--config=one\n  two\"\n";

#[test]
fn files_libyaml_accepts_are_checked_with_findings_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "docker-compose.yml", COMPOSE_FLOW_CLOSED_AT_KEY.as_bytes());
    write(dir.path(), "pod.yaml", POD_UNDER_INDENTED_QUOTED.as_bytes());
    let (report, run) = json_report(dir.path(), &["docker-compose.yml", "pod.yaml"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(report["summary"]["files_checked"], 2);
    assert!(report["warnings"].as_array().unwrap().is_empty(), "{report:#}");
    let found = findings(&report);
    assert!(
        found.contains(&"compose-resource-limits/missing-memory-limit docker-compose.yml:2:3".to_owned()),
        "{found:?}"
    );
    assert!(found.contains(&"k8s-resource-limits/missing-memory-limit pod.yaml:7:5".to_owned()), "{found:?}");
    assert!(!found.iter().any(|finding| finding.starts_with("tenken/")), "{found:?}");
}

#[test]
fn a_file_that_does_not_parse_is_a_located_finding_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.yaml", b"apiVersion: v1\nkind: Pod\nspec: [unclosed\n");
    write(dir.path(), "main.tf", b"resource \"aws_s3_bucket\" \"b\" {\n  bucket = \n}\n");
    let (report, run) = json_report(dir.path(), &["."]);
    assert_eq!(run.code, 1, "a syntax error is a finding, not a crash of the run: {}", run.stderr);
    assert_eq!(findings(&report), vec!["tenken/invalid-syntax bad.yaml:3:16", "tenken/invalid-syntax main.tf:2:12"]);
    assert!(report["errors"].as_array().unwrap().is_empty());
    let status = |path: &str| {
        report["files"].as_array().unwrap().iter().find(|file| file["path"] == path).unwrap()["status"].clone()
    };
    assert_eq!(status("bad.yaml"), "error", "a file that did not parse was not fully checked");

    let run = tenken_in(dir.path(), &shared_cache(), &["check", "--no-config", ".", "--exit-zero"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("high[tenken/invalid-syntax]: YAML syntax error"), "{}", run.stdout);
    assert!(run.stdout.contains("3 | spec: [unclosed"), "the code frame shows the line: {}", run.stdout);
    for (format, expected) in [
        ("concise", "bad.yaml:3:16: high tenken/invalid-syntax YAML syntax error"),
        ("github", "::error file=bad.yaml,line=3,col=16,"),
        ("sarif", "\"ruleId\": \"tenken/invalid-syntax\""),
        ("junit", "tenken/invalid-syntax"),
    ] {
        let run = tenken_in(dir.path(), &shared_cache(), &["check", "--no-config", ".", "--format", format]);
        assert_eq!(run.code, 1, "{format}");
        assert!(run.stdout.contains(expected), "{format}: {}", run.stdout);
    }

    // Ignored per path like any rule.
    write(dir.path(), "tenken.toml", b"[per-path-ignores]\n\"*\" = [\"tenken/invalid-syntax\"]\n");
    let run = tenken_in(dir.path(), &shared_cache(), &["check", ".", "--format", "concise"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn a_file_over_the_size_limit_is_a_finding_and_the_limit_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "big.yaml", &vec![b'#'; 9 * 1024 * 1024]);
    let (report, run) = json_report(dir.path(), &["big.yaml"]);
    assert_eq!(run.code, 1);
    assert_eq!(findings(&report), vec!["tenken/file-too-large big.yaml:1:1"]);
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("file is 9437184 bytes, over the 8388608-byte limit"),
        "{report:#}"
    );
    let (_, run) = json_report(dir.path(), &["big.yaml", "--exit-zero"]);
    assert_eq!(run.code, 0);
    let (report, run) = json_report(dir.path(), &["big.yaml", "--max-file-size", "16MiB"]);
    assert_eq!((run.code, report["summary"]["files_checked"].as_u64()), (0, Some(1)));
    write(dir.path(), "tenken.toml", b"max-file-size = \"16MiB\"\n");
    let run = tenken_in(dir.path(), &shared_cache(), &["check", "big.yaml"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn unknown_kind_names_are_errors_that_list_the_known_kinds() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", b"kind: Pod\n");
    let run = tenken_in(dir.path(), &shared_cache(), &["check", "--no-config", "--kind", "*.txt=kubernets", "."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown kind `kubernets`; known kinds: alertmanager-config, cloudformation, compose,"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("kubernetes"), "{}", run.stderr);

    write(dir.path(), "tenken.toml", b"[kinds]\n\"*.txt\" = \"kubernets\"\n");
    let run = tenken_in(dir.path(), &shared_cache(), &["check", "."]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("tenken.toml:2:11: unknown kind `kubernets`; known kinds:"), "{}", run.stderr);
}

#[test]
fn nothing_is_skipped_silently() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "k8s/pod.yaml", b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n");
    write(dir.path(), "README.md", b"# readme\n");
    write(dir.path(), "notes.txt", b"notes\n");
    write(dir.path(), "chart/templates/deploy.yaml", b"kind: {{ .Values.kind }}\n");
    write(dir.path(), "chart/Chart.yaml", b"apiVersion: v2\nname: c\nversion: 1.0.0\n");

    // One line per reason, then each file with -v.
    let run = tenken_in(dir.path(), &shared_cache(), &["check", "--no-config", ".", "--format", "concise"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.contains(&"2 files skipped: not a config file"), "{}", run.stdout);
    let helm_template = "1 file skipped: Helm chart template: rendered by Helm, not plain YAML; check it as rendered by \
                         putting helm on PATH, or with `helm template CHART | tenken check -`";
    assert!(lines.contains(&helm_template), "{}", run.stdout);
    let run = tenken_in(dir.path(), &shared_cache(), &["check", "--no-config", ".", "-v"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.contains(&"README.md: skipped: not a config file"), "{}", run.stdout);
    assert!(lines.contains(&"notes.txt: skipped: not a config file"), "{}", run.stdout);
    for (format, expected) in [
        ("github", "::notice title=tenken::2 files skipped: not a config file"),
        ("sarif", "\"text\": \"2 files skipped: not a config file\""),
        ("junit", "<skipped message=\"2 files skipped: not a config file\"/>"),
    ] {
        let run = tenken_in(dir.path(), &shared_cache(), &["check", "--no-config", ".", "--format", format]);
        assert!(run.stdout.contains(expected), "{format}: {}", run.stdout);
    }

    // A file named explicitly that tenken cannot check is a warning naming it.
    let (report, run) = json_report(dir.path(), &["notes.txt", "k8s/pod.yaml"]);
    assert_eq!(run.code, 0, "a warning alone does not fail the run: {}", run.stderr);
    let warnings = report["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w["path"] == "notes.txt" && w["message"].as_str().unwrap().contains("not a config file")),
        "{report:#}"
    );

    // An empty run says so.
    write(dir.path(), "empty/.keep", b"");
    let run = tenken_in(dir.path(), &shared_cache(), &["check", "--no-config", "empty"]);
    assert_eq!(run.code, 0);
    assert!(run.stderr.contains("nothing to check"), "{}", run.stderr);
}

#[test]
fn dockerfile_naming_conventions_and_classic_mac_line_endings() {
    let dir = tempfile::tempdir().unwrap();
    let dockerfile = b"FROM alpine:3.20\nCMD [\"sleep\", \"infinity\"]\n";
    for name in ["Dockerfile-WINDOWS_LTSC2019", "api.Containerfile", "Dockerfile_alpine", "web.dockerfile"] {
        write(dir.path(), name, dockerfile);
    }
    write(
        dir.path(),
        "pod.yaml",
        b"apiVersion: v1\rkind: Pod\rmetadata:\r  name: p\rspec:\r  containers:\r  - name: c\r    image: i:1\r",
    );
    let (report, _) = json_report(dir.path(), &["."]);
    assert_eq!(report["summary"]["files_checked"], 5, "{report:#}");
    let found = findings(&report);
    for name in ["Dockerfile-WINDOWS_LTSC2019", "api.Containerfile", "Dockerfile_alpine", "web.dockerfile"] {
        assert!(
            found.iter().any(|f| f.starts_with("dockerfile-non-root-user/") && f.contains(name)),
            "{name}: {found:?}"
        );
    }
    assert!(found.contains(&"k8s-resource-limits/missing-memory-limit pod.yaml:7:5".to_owned()), "{found:?}");
}

/// git checks a symbolic link out as a file holding its target when
/// `core.symlinks` is false; read as HCL it is a syntax error. It is
/// skipped, with the reason and the target, in every format.
#[test]
fn a_symbolic_link_stored_as_text_is_skipped_with_its_target() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "locals.tf", b"locals {\n  region = \"eu-west-1\"\n}\n");
    write(dir.path(), "fixture/locals.tf", b"../locals.tf");
    let (report, run) = json_report(dir.path(), &["fixture"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(findings(&report).is_empty(), "{report:#}");
    let file = &report["files"].as_array().unwrap()[0];
    assert_eq!(file["status"], "skipped", "{file:#}");
    let reason = file["reason"].as_str().unwrap();
    assert!(reason.contains("symbolic link stored as a text file") && reason.contains("`../locals.tf`"), "{reason}");
    for format in ["concise", "github", "sarif", "junit"] {
        let run = tenken_in(dir.path(), &shared_cache(), &["check", "--no-config", "fixture", "--format", format]);
        assert!(run.stdout.contains("symbolic link stored as a text file"), "{format}: {}", run.stdout);
    }
}
