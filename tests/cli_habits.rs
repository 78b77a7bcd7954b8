//! The command line as people use it: pipes, stdin, rule selection on the
//! command line, listings and counts, and help with typos.
#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

mod common;

use std::io::Read as _;
use std::process::{Command, Stdio};

use common::{repo_root, shared_cache, tenken, tenken_with_stdin};

/// `tenken plugins --format json | head -c 10`: the reader closes the pipe
/// after 10 bytes; tenken stops quietly with the status of a process
/// stopped by SIGPIPE, without a panic message.
#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenken"))
        .args(["plugins", "--format", "json"])
        .current_dir(repo_root())
        .env("TENKEN_CACHE_DIR", shared_cache())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The pipe's read end is dropped here: later writes fail.
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("internal error") && !stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(output.status.code(), Some(141), "{stderr}");
    assert_eq!(&first[..1], b"[");
}

#[test]
fn plugins_listing_still_works_on_an_open_pipe() {
    let run = tenken(&["plugins", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(serde_json::from_str::<serde_json::Value>(&run.stdout).is_ok());
}

/// The finding lines of concise output: `path:line:column: ...`.
fn finding_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|line| {
            let mut parts = line.splitn(4, ':');
            let (_, line_number, column) = (parts.next(), parts.next(), parts.next());
            let number = |part: Option<&str>| part.is_some_and(|text| text.parse::<u32>().is_ok());
            number(line_number) && number(column)
        })
        .collect()
}

#[test]
fn standard_input_is_checked_as_the_file_it_is_named_for() {
    let path = "examples/shop/k8s/deployment.yaml";
    let manifest = std::fs::read(repo_root().join(path)).unwrap();
    let piped = tenken_with_stdin(&["check", "-", "--stdin-filename", path, "--format", "concise"], &manifest);
    let named = tenken(&["check", path, "--format", "concise"]);
    assert_eq!(piped.code, named.code, "{}", piped.stderr);
    assert!(!finding_lines(&named.stdout).is_empty());
    assert_eq!(finding_lines(&piped.stdout), finding_lines(&named.stdout));

    // Without a name, standard input is YAML shown as `-`: what `helm
    // template . | tenken check -` needs.
    let unnamed = tenken_with_stdin(&["check", "-", "--format", "concise", "--no-config"], &manifest);
    assert_eq!(unnamed.code, 1, "{}", unnamed.stderr);
    assert!(finding_lines(&unnamed.stdout).iter().all(|line| line.starts_with("-:")), "{}", unnamed.stdout);
    assert!(unnamed.stdout.contains("k8s-resource-limits/"), "{}", unnamed.stdout);

    // Standard input is bounded like any file.
    let big = tenken_with_stdin(&["check", "-", "--max-file-size", "100", "--format", "concise"], &manifest);
    assert!(big.stdout.contains("tenken/file-too-large"), "{}", big.stdout);

    let stray = tenken(&["check", path, "--stdin-filename", path]);
    assert_eq!(stray.code, 2);
    assert!(stray.stderr.contains("pass `-` among the paths"), "{}", stray.stderr);
}

#[test]
fn rules_are_selected_on_the_command_line() {
    let run = tenken(&["check", "examples", "--select", "k8s-probes", "--format", "concise"]);
    let lines = finding_lines(&run.stdout);
    assert!(!lines.is_empty(), "{}", run.stdout);
    assert!(lines.iter().all(|line| line.contains(" k8s-probes/")), "{}", run.stdout);

    let run = tenken(&["check", "examples", "--ignore", "k8s-probes,security", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["plugin"] != "k8s-probes" && f["category"] != "security"), "{report:#}");

    // Rules off by default run when named.
    let run = tenken(&["check", "examples", "--extend-select", "dockerfile-healthcheck", "--format", "concise"]);
    assert!(run.stdout.contains("dockerfile-healthcheck/missing-healthcheck"), "{}", run.stdout);

    let option = tenken(&["check", "examples", "--selct", "k8s-probes"]);
    assert_eq!(option.code, 2);
    assert!(option.stderr.contains("a similar argument exists: '--select'"), "{}", option.stderr);

    let typo = tenken(&["check", "examples", "--select", "k8s-probe"]);
    assert_eq!(typo.code, 2);
    assert!(typo.stderr.contains("did you mean `k8s-probes`?"), "{}", typo.stderr);
}

#[test]
fn statistics_count_findings_per_rule_and_quiet_keeps_only_findings() {
    let run = tenken(&["check", "examples", "--statistics", "--format", "json"]);
    assert_eq!(run.code, 1, "the exit code is the check's: {}", run.stderr);
    let counts: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    let full = tenken(&["check", "examples", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&full.stdout).unwrap();
    let total: u64 = counts.iter().map(|count| count["count"].as_u64().unwrap()).sum();
    assert_eq!(total as usize, report["findings"].as_array().unwrap().len());
    assert!(counts.windows(2).all(|pair| pair[0]["count"].as_u64() >= pair[1]["count"].as_u64()));

    let text = tenken(&["check", "examples", "--statistics"]);
    assert!(text.stdout.ends_with(&format!("{total} findings of {} rules\n", counts.len())), "{}", text.stdout);
    let sarif = tenken(&["check", "examples", "--statistics", "--format", "sarif"]);
    assert_eq!(sarif.code, 2);

    let quiet = tenken(&["check", "examples", "-q", "--format", "concise"]);
    assert_eq!(quiet.code, 1);
    assert!(!quiet.stdout.contains("skipped") && !quiet.stdout.contains("checked by"), "{}", quiet.stdout);
    assert_eq!(quiet.stdout.lines().count(), total as usize);
}

#[test]
fn every_rule_is_listed_with_its_state_and_typos_get_a_suggestion() {
    let ids = tenken(&["rules", "--ids"]);
    assert_eq!(ids.code, 0, "{}", ids.stderr);
    let ids: Vec<&str> = ids.stdout.lines().collect();
    assert!(ids.contains(&"tenken/invalid-syntax") && ids.contains(&"k8s-probes/missing-liveness-probe"));
    let rules = tenken(&["rules"]);
    let healthcheck = rules.stdout.lines().find(|line| line.starts_with("dockerfile-healthcheck/missing-healthcheck "));
    assert!(healthcheck.unwrap().contains(" off "), "{}", rules.stdout);
    let plugins = tenken(&["plugins"]);
    assert!(plugins.stdout.contains("tenken (built in)") && plugins.stdout.contains("unused-suppression"));

    let explain = tenken(&["explain", "k8s-resource-limit/missing-memory-limit"]);
    assert_eq!(explain.code, 2);
    assert!(explain.stderr.contains("did you mean `k8s-resource-limits/missing-memory-limit`?"), "{}", explain.stderr);
    assert!(explain.stderr.len() < 300, "no list of every plugin: {}", explain.stderr);
}
