//! Exceptions (inline comments, file comments, Kubernetes annotations) and
//! baselines, end to end through the binary.
#![allow(clippy::unwrap_used)]

mod common;

use common::{tenken, tenken_in, without_elapsed};

#[test]
fn every_exception_scope_in_text_output() {
    let run = tenken(&["check", "tests/fixtures/suppressions"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(without_elapsed(&run.stdout));
}

#[test]
fn suppressed_findings_stay_in_json_and_sarif_with_their_reasons() {
    let run = tenken(&["check", "tests/fixtures/suppressions", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let suppressed: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding.get("suppressed").is_some())
        .map(|finding| {
            let exception = &finding["suppressed"];
            format!(
                "{}:{} {} <- {} at {}: {}{}",
                finding["path"].as_str().unwrap(),
                finding["line"],
                finding["rule"].as_str().unwrap(),
                exception["kind"].as_str().unwrap(),
                exception["source"].as_str().unwrap(),
                exception["reason"].as_str().unwrap(),
                exception.get("until").map(|until| format!(" (until {})", until.as_str().unwrap())).unwrap_or_default(),
            )
        })
        .collect();
    insta::assert_snapshot!(suppressed.join("\n"));
    assert_eq!(report["summary"]["suppressed"], suppressed.len());

    let sarif = tenken(&["check", "tests/fixtures/suppressions", "--format", "sarif"]);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let in_source = results.iter().filter(|result| result["suppressions"][0]["kind"] == "inSource").count();
    assert_eq!(in_source, suppressed.len());
    assert!(results.iter().any(|result| result["ruleId"] == "tenken/unused-suppression"));
    let explained = tenken(&["explain", "tenken/unused-suppression"]);
    assert!(explained.stdout.starts_with("# tenken/unused-suppression: Remove exceptions"), "{}", explained.stdout);
}

#[test]
fn only_suppressed_findings_exit_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "# tenken:ignore-file dockerfile-healthcheck -- probed by the load balancer\nFROM alpine:3.20\n\
         # tenken:ignore dockerfile-non-root-user/explicit-root-user -- mounts filesystems at start\nUSER root\n\
         EXPOSE 8080\n",
    )
    .unwrap();
    let run = tenken_in(dir.path(), &common::shared_cache(), &["check", ".", "--format", "concise"]);
    let plugins = tenken::plugins::BUNDLED_PLUGINS.len();
    assert_eq!(
        without_elapsed(&run.stdout),
        format!("0 findings in 1 file checked by {plugins} plugins; 1 finding suppressed ([elapsed])\n")
    );
    // The missing HEALTHCHECK the first exception excuses is a rule off by
    // default: deselected, it is not counted, and its exception is not
    // reported as unused either.
    assert!(!run.stdout.contains("unused-suppression"), "{}", run.stdout);
    assert_eq!(run.code, 0);
}

#[test]
fn a_baseline_survives_inserted_lines_and_reports_new_and_fixed_findings() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = std::fs::read_to_string(common::repo_root().join("examples/shop/k8s/deployment.yaml")).unwrap();
    std::fs::write(dir.path().join("deployment.yaml"), &manifest).unwrap();
    let cache = common::shared_cache();
    let written = tenken_in(dir.path(), &cache, &["check", "deployment.yaml", "--write-baseline", "baseline.json"]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert!(written.stderr.contains("recorded 11 findings in baseline.json"), "{}", written.stderr);

    // Lines inserted above every finding: all still recorded.
    let shifted = format!("# owned by the storefront team\n# see the runbook\n{manifest}");
    std::fs::write(dir.path().join("deployment.yaml"), &shifted).unwrap();
    let run = tenken_in(dir.path(), &cache, &["check", "deployment.yaml", "--baseline", "baseline.json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(without_elapsed(&run.stdout).starts_with("0 findings in 1 file"), "{}", run.stdout);

    // A new problem is reported; a fixed one leaves an unmatched entry.
    let changed = shifted
        .replace("image: registry.example.com/shop/web:2.14.1", "image: registry.example.com/shop/web:latest")
        .replace("      containers:", "      automountServiceAccountToken: false\n      containers:");
    std::fs::write(dir.path().join("deployment.yaml"), changed).unwrap();
    let run = tenken_in(
        dir.path(),
        &cache,
        &["check", "deployment.yaml", "--baseline", "baseline.json", "--format", "concise"],
    );
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(without_elapsed(&run.stdout));
}

/// A comment that starts like a directive but is not one, a directive where
/// the format has no comment, and an exception that misses its finding:
/// each is reported where it is written, with the form or the place that
/// would work. Ordinary comments that mention tenken are left alone.
#[test]
fn misfired_directives_say_what_would_work() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n    tenken.dev/ignore: \"k8s-probes: batch pod; k8s-seccomp\"\nspec:\n  # tenken: ignore k8s-host-isolation -- CNI agent\n  # tenken:ignroe k8s-host-isolation -- CNI agent\n  # tenken checks this file on every commit; see https://example.com/#tenken:ignore\n  # tenken:ignore k8s-host-isolation/host-network -- CNI agent\n  containers:\n    - name: web  # tenken:ignore-fiel k8s-probes -- x\n      image: nginx:1.27\n  hostNetwork: true\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM alpine:3.20\nRUN apk add curl # tenken:ignore dockerfile-package-hygiene -- kept on purpose\nUSER 1000\n",
    )
    .unwrap();
    let cache = common::shared_cache();
    let run =
        tenken_in(dir.path(), &cache, &["check", ".", "--no-config", "--format", "concise", "--select", "tenken"]);
    let lines: Vec<&str> = run.stdout.lines().filter(|line| line.contains("tenken/")).collect();
    let expected = [
        "Dockerfile:2:18: medium tenken/invalid-suppression this exception is at the end of a Dockerfile instruction",
        "pod.yaml:6:24: medium tenken/invalid-suppression this exception entry `k8s-seccomp` gives no reason",
        "pod.yaml:8:3: medium tenken/invalid-suppression this exception `tenken: ignore` is not a tenken directive; write `tenken:ignore <plugin>/<rule> -- <reason>`",
        "pod.yaml:9:3: medium tenken/invalid-suppression this exception `tenken:ignroe` is not a tenken directive",
        "pod.yaml:11:3: low tenken/unused-suppression this exception for k8s-host-isolation/host-network covers no finding where it stands; the finding of k8s-host-isolation/host-network is at line 15",
        "pod.yaml:13:18: medium tenken/invalid-suppression this exception `tenken:ignore-fiel` is not a tenken directive",
    ];
    assert_eq!(lines.len(), expected.len(), "{}", run.stdout);
    for (line, expected) in lines.iter().zip(expected) {
        assert!(line.starts_with(expected), "{line}\nexpected to start with\n{expected}");
    }
}

/// Writing a baseline over a file that does not parse records what could
/// be checked, names what could not, and exits 2: the broken file's
/// findings are not in the baseline, and would look new once it parses.
#[test]
fn a_baseline_written_over_an_unparseable_file_says_what_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = std::fs::read_to_string(common::repo_root().join("examples/shop/k8s/deployment.yaml")).unwrap();
    std::fs::write(dir.path().join("deployment.yaml"), &manifest).unwrap();
    std::fs::write(dir.path().join("broken.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n").unwrap();
    let cache = common::shared_cache();
    let run = tenken_in(dir.path(), &cache, &["check", ".", "--no-config", "--write-baseline", "baseline.json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("broken.yaml:3:19: tenken/invalid-syntax YAML syntax error"), "{}", run.stderr);
    assert!(
        run.stderr.contains("1 file could not be fully checked; the baseline holds none of its findings"),
        "{}",
        run.stderr
    );
}

/// Rules renamed to one spelling across stacks (docs/rules changelog): the
/// old ids still select, ignore, suppress, explain and match baselines.
#[test]
fn renamed_rule_ids_keep_working_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let cache = common::shared_cache();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM node:latest AS build\nRUN npm ci\n# tenken:ignore dockerfile-pinned-base-image/untagged-base-image -- scratch-like helper, rebuilt daily\nFROM alpine\nUSER 1000\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("docker-compose.yml"), "services:\n  web:\n    image: nginx:latest\n").unwrap();

    // Selected and ignored by old ids.
    let run = tenken_in(
        dir.path(),
        &cache,
        &[
            "check",
            ".",
            "--no-config",
            "--format",
            "json",
            "--select",
            "dockerfile-pinned-base-image/latest-base-image,compose-pinned-images/latest-image,dockerfile-pinned-base-image/untagged-base-image",
        ],
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let found: Vec<(String, bool)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_owned(), f.get("suppressed").is_some()))
        .collect();
    assert_eq!(
        found,
        [
            ("dockerfile-pinned-base-image/latest-tag".to_owned(), false),
            ("dockerfile-pinned-base-image/missing-tag".to_owned(), true),
            ("compose-pinned-images/latest-tag".to_owned(), false),
        ],
        "{}",
        run.stdout
    );
    std::fs::write(dir.path().join("tenken.toml"), "ignore = [\"compose-pinned-images/latest-image\"]\n").unwrap();
    let run = tenken_in(dir.path(), &cache, &["check", "docker-compose.yml", "--format", "concise"]);
    assert!(!run.stdout.contains("latest-tag"), "{}", run.stdout);
    std::fs::remove_file(dir.path().join("tenken.toml")).unwrap();

    // A baseline recorded under the old id still matches.
    let old_fingerprint = {
        use sha2::Digest as _;
        let finding =
            report["findings"].as_array().unwrap().iter().find(|f| f["plugin"] == "compose-pinned-images").unwrap();
        let mut hasher = sha2::Sha256::new();
        for part in [
            "compose-pinned-images/latest-image",
            finding["path"].as_str().unwrap(),
            finding["pointer"].as_str().unwrap(),
            finding["message"].as_str().unwrap(),
        ] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        hasher.finalize()[..16].iter().map(|byte| format!("{byte:02x}")).collect::<String>()
    };
    let baseline = serde_json::json!({"version": 1, "findings": [{
        "fingerprint": old_fingerprint, "rule": "compose-pinned-images/latest-image",
        "path": "docker-compose.yml", "message": "recorded before the rename"}]});
    std::fs::write(dir.path().join("baseline.json"), baseline.to_string()).unwrap();
    let run = tenken_in(
        dir.path(),
        &cache,
        &[
            "check",
            "docker-compose.yml",
            "--no-config",
            "--select",
            "compose-pinned-images",
            "--baseline",
            "baseline.json",
            "--format",
            "concise",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    let explained = tenken_in(dir.path(), &cache, &["explain", "gitlab-pinned-images/image-without-digest"]);
    assert!(explained.stdout.starts_with("# gitlab-pinned-images/missing-digest:"), "{}", explained.stdout);
    assert!(explained.stdout.contains("Formerly `gitlab-pinned-images/image-without-digest`"), "{}", explained.stdout);
}
