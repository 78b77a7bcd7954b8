//! Broken and hostile input, end to end: every file gets a clear outcome
//! (checked, skipped with a reason, or an error with a location), the run
//! goes on, and nothing panics.
#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

mod common;

use std::path::Path;
use std::process::Command;

use common::{shared_cache, tenken_in};

/// Writes the hostile corpus into `dir`.
fn write_corpus(dir: &Path) {
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10u8 {
        let (previous, name) = ((b'a' + level - 1) as char, (b'a' + level) as char);
        bomb.push_str(&format!("{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"));
    }
    write("alias-bomb.yaml", bomb.as_bytes());
    write("deep.yaml", ("[".repeat(10_000) + &"]".repeat(10_000)).as_bytes());
    write("deep.json", ("[".repeat(10_000) + &"]".repeat(10_000)).as_bytes());
    write("deep.tf", format!("x = {}{}\n", "[".repeat(10_000), "]".repeat(10_000)).as_bytes());
    write("huge.yaml", &vec![b'#'; 9 * 1024 * 1024]);
    write("invalid-utf8.yaml", b"a: 1\nb: \xff\xfe broken\n");
    let utf16: Vec<u8> =
        [0xFF, 0xFE].into_iter().chain("kind: Pod\n".encode_utf16().flat_map(u16::to_le_bytes)).collect();
    write("utf16.yaml", &utf16);
    write("crlf.yaml", b"apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\nspec:\r\n  containers:\r\n    - name: c\r\n      image: i:1\r\n");
    write("nul.yaml", b"a: 1\0\n");
    write("binary.json", &[0x89, b'P', b'N', b'G', 0, 0, 0, 13]);
    write("empty.yaml", b"");
    write("duplicate.yaml", b"a: 1\na: 2\n");
    write(
        "mid-stream-error.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata: {name: first}\nspec: {containers: [{name: a, image: i:1}]}\n---\nbroken: [\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: third}\nspec: {containers: [{name: c, image: i:1}]}\n",
    );
    write("bad.tf", b"resource \"x\" {\n");
    write("notes.txt", b"not a config file\n");
    // Found by the parse_yaml fuzz target: a non-ASCII character before a
    // block scalar header once panicked the whole run.
    write("fuzz-block-scalar.yaml", "k\u{59f}      run: |\n Apah\n".as_bytes());
    #[cfg(unix)]
    {
        std::fs::create_dir(dir.join("loop")).unwrap();
        std::os::unix::fs::symlink(dir, dir.join("loop/to-root")).unwrap();
        std::os::unix::fs::symlink(dir.join("missing.yaml"), dir.join("dangling.yaml")).unwrap();
    }
}

#[test]
fn every_hostile_file_gets_an_outcome_and_nothing_panics() {
    let dir = tempfile::tempdir().unwrap();
    write_corpus(dir.path());
    let run = tenken_in(dir.path(), &shared_cache(), &["check", ".", "--format", "json"]);
    assert!(!run.stderr.contains("internal error"), "{}", run.stderr);
    assert_eq!(run.code, 1, "files that do not parse are findings of tenken's own rules");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();

    let outcome = |path: &str| -> String {
        let file = report["files"].as_array().unwrap().iter().find(|f| f["path"] == path);
        let file = file.unwrap_or_else(|| panic!("{path} is not listed"));
        match file["status"].as_str().unwrap() {
            "skipped" => format!("skipped: {}", file["reason"].as_str().unwrap()),
            status => status.to_owned(),
        }
    };
    // What tenken/invalid-syntax or tenken/file-too-large says of the file.
    let error = |path: &str| -> String {
        let found = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path && f["plugin"] == "tenken" && f["rule"] != "tenken/unused-suppression");
        let found = found.unwrap_or_else(|| panic!("{path} has no finding of tenken's own"));
        format!("{}:{} {}", found["line"], found["column"], found["message"].as_str().unwrap())
    };
    assert!(report["errors"].as_array().unwrap().is_empty(), "{:#}", report["errors"]);

    assert_eq!(outcome("alias-bomb.yaml"), "error");
    assert!(error("alias-bomb.yaml").contains("refusing a possible alias bomb"), "{}", error("alias-bomb.yaml"));
    for deep in ["deep.yaml", "deep.json", "deep.tf"] {
        assert_eq!(outcome(deep), "error", "{deep}");
        let message = error(deep);
        assert!(
            message.contains("deeper than") || message.contains("depth") || message.contains("recursion"),
            "{deep}: {message}"
        );
    }
    assert_eq!(outcome("huge.yaml"), "error");
    assert!(
        error("huge.yaml").starts_with("1:1 file is 9437184 bytes, over the 8388608-byte limit"),
        "{}",
        error("huge.yaml")
    );
    assert_eq!(outcome("invalid-utf8.yaml"), "error");
    assert_eq!(
        error("invalid-utf8.yaml"),
        "2:4 not valid UTF-8: invalid byte at line 2, column 4; a yaml file must be text"
    );
    assert_eq!(outcome("utf16.yaml"), "checked");
    assert_eq!(outcome("crlf.yaml"), "checked");
    assert_eq!(outcome("nul.yaml"), "error");
    assert_eq!(error("nul.yaml"), "1:1 binary file (contains NUL bytes); a yaml file must be text");
    assert_eq!(outcome("binary.json"), "error");
    assert_eq!(error("binary.json"), "1:1 binary file (contains NUL bytes); a json file must be text");
    assert_eq!(outcome("empty.yaml"), "checked");
    assert_eq!(outcome("duplicate.yaml"), "checked");
    assert!(report["warnings"].as_array().unwrap().iter().any(|w| w["path"] == "duplicate.yaml" && w["line"] == 2));
    assert_eq!(outcome("mid-stream-error.yaml"), "error");
    assert_eq!(outcome("bad.tf"), "error");
    assert!(error("bad.tf").contains("HCL syntax error"), "{}", error("bad.tf"));
    assert_eq!(outcome("notes.txt"), "skipped: not a config file");
    assert_eq!(outcome("fuzz-block-scalar.yaml"), "checked");
    #[cfg(unix)]
    {
        assert_eq!(outcome("loop/to-root"), "skipped: symbolic link, not followed");
        assert_eq!(outcome("dangling.yaml"), "skipped: symbolic link, not followed");
    }

    // The documents around the broken one were still checked: both pods
    // lack resources, so each gets findings, at its own line.
    let pods: std::collections::BTreeSet<u64> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == "mid-stream-error.yaml" && f["plugin"] == "k8s-resource-limits")
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(pods.into_iter().collect::<Vec<_>>(), vec![4, 11]);
    // CRLF input keeps exact columns: the container is at line 7, column 7.
    let crlf = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "crlf.yaml" && f["plugin"] == "k8s-resource-limits")
        .unwrap();
    assert_eq!((crlf["line"].as_u64(), crlf["column"].as_u64()), (Some(7), Some(7)));
}

/// `extends` graphs and plugin paths that would exhaust memory, time or the
/// stack: each is refused with a clear error, quickly.
#[test]
fn hostile_configs_are_refused_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("pod.yaml"), b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n").unwrap();
    let check = |config: &str| {
        std::fs::write(root.join("tenken.toml"), config).unwrap();
        let run = tenken_in(root, &shared_cache(), &["check", "pod.yaml"]);
        assert!(!run.stderr.contains("internal error"), "{}", run.stderr);
        run
    };

    #[cfg(unix)]
    {
        // A device and a FIFO are not read, so neither fills memory nor
        // blocks the run.
        let run = check("extends = [\"/dev/zero\"]\n");
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("cannot read the config: not a regular file"), "{}", run.stderr);
        let fifo = root.join("fifo.toml");
        assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let run = check("extends = [\"fifo.toml\"]\n");
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
        let run = check("[[plugins]]\npath = \"/dev/zero\"\n");
        assert_eq!(run.code, 2);
        assert!(
            run.stderr.contains("not a regular file") || run.stdout.contains("not a regular file"),
            "{}",
            run.stdout
        );
    }

    // A diamond lattice 25 levels deep: each file extends the next level's
    // two files, which is 2^25 paths but 50 files, each loaded once.
    for level in 0..25 {
        for side in ["a", "b"] {
            let next =
                if level == 24 { String::new() } else { format!("\"l{}a.toml\", \"l{}b.toml\"", level + 1, level + 1) };
            std::fs::write(root.join(format!("l{level}{side}.toml")), format!("extends = [{next}]\n")).unwrap();
        }
    }
    let run = check("extends = [\"l0a.toml\", \"l0b.toml\"]\n");
    assert_eq!(run.code, 0, "{}", run.stderr);

    // A chain of 1,000 files stops at the depth limit.
    for link in 0..1000 {
        std::fs::write(root.join(format!("c{link}.toml")), format!("extends = [\"c{}.toml\"]\n", link + 1)).unwrap();
    }
    let run = check("extends = [\"c0.toml\"]\n");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("`extends` chains more than 32 files"), "{}", run.stderr);
}

/// File names and config text reach the terminal and CI logs escaped: no
/// control character gets through, and no line begins like a workflow
/// command (`::error ...`) that a CI runner would execute.
#[test]
fn untrusted_text_cannot_inject_terminal_or_ci_commands() {
    let dir = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    std::fs::write(
        dir.path().join("x\n::error file=README.md::Injected\ny.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: \"p\u{1b}[2J\"}\nspec:\n  containers:\n  - name: c\n    image: i:1\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("::warning::boom.yaml"), "a: [1 \u{1b}[31m\n").unwrap();
    for format in ["text", "concise", "github"] {
        let run = tenken_in(dir.path(), &shared_cache(), &["check", "--no-config", ".", "--format", format, "-v"]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        for line in run.stdout.lines().chain(run.stderr.lines()) {
            assert!(!line.contains('\u{1b}'), "{format}: raw escape in {line:?}");
            let command = line.trim_start().starts_with("::") || line.trim_start().starts_with("##[");
            // GitHub output is made of commands, but only tenken's own.
            let ours = format == "github"
                && (line.starts_with("::error file=")
                    || line.starts_with("::warning file=")
                    || line.starts_with("::notice "));
            assert!(!command || ours, "{format}: {line:?}");
            assert!(!line.starts_with("::error file=README.md"), "{format}: {line:?}");
        }
    }
}

/// A plugin that loops on every file costs its deadline a few times, not
/// once per file: after three calls run out of time it is switched off for
/// the rest of the run, reported once with the number of files it missed.
#[test]
fn a_plugin_that_keeps_timing_out_is_switched_off_once() {
    let dir = tempfile::tempdir().unwrap();
    for file in 0..40 {
        std::fs::write(
            dir.path().join(format!("cm{file:02}.yaml")),
            format!("kind: ConfigMap\nmetadata: {{name: c{file}}}\n"),
        )
        .unwrap();
    }
    let run = tenken_in(
        dir.path(),
        &shared_cache(),
        &[
            "check",
            "--no-config",
            ".",
            "--format",
            "json",
            "--plugin",
            tenken_test_guests::HOSTILE,
            "--plugin-settings",
            r#"hostile={"mode":"loop"}"#,
            "--plugin-timeout",
            "50",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    let report: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("{}\n{}", run.stdout, run.stderr));
    let errors: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|error| error["plugin"] == "hostile")
        .map(|error| error["message"].as_str().unwrap())
        .collect();
    let deadlines = errors.iter().filter(|message| message.contains("deadline")).count();
    assert!(deadlines <= 3, "{errors:#?}");
    let switched_off: Vec<&&str> = errors.iter().filter(|message| message.contains("switched off")).collect();
    assert_eq!(switched_off.len(), 1, "{errors:#?}");
    let expected = format!("did not check {} files: it was switched off after", 40 - deadlines);
    assert!(switched_off[0].contains(&expected), "{errors:#?}");
    // The bundled plugins still checked every file.
    assert_eq!(report["summary"]["files_errored"], 40);
}

/// Plugin calls share one time budget per run; once it is spent, no plugin
/// is called again, and each says how many files it did not check.
#[test]
fn the_run_has_one_plugin_time_budget() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n").unwrap();
    let run = tenken_in(
        dir.path(),
        &shared_cache(),
        &["check", "--no-config", "pod.yaml", "--format", "json", "--plugin-time-budget", "0"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let errors = report["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|error| error["message"]
            == "plugin k8s-resource-limits did not check 1 file: the run's plugin calls took their whole time budget of 0 s"),
        "{errors:#?}"
    );
    assert_eq!(report["files"][0]["status"], "error");
}

/// A named symbolic link (as `--changed` names a committed one) is read
/// only when its target is inside the checked tree.
#[cfg(unix)]
#[test]
fn symbolic_links_out_of_the_tree_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.yaml"), "password: [not-for-you\n").unwrap();
    std::fs::write(dir.path().join("pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n").unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.yaml"), dir.path().join("leak.yaml")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("pod.yaml"), dir.path().join("alias.yaml")).unwrap();
    let run = tenken_in(
        dir.path(),
        &shared_cache(),
        &["check", "--no-config", "leak.yaml", "alias.yaml", "--format", "json"],
    );
    assert!(!run.stdout.contains("not-for-you"), "{}", run.stdout);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let status = |path: &str| {
        let file = report["files"].as_array().unwrap().iter().find(|file| file["path"] == path).unwrap();
        format!("{} {}", file["status"].as_str().unwrap(), file["reason"].as_str().unwrap_or_default())
    };
    assert_eq!(status("leak.yaml"), "skipped symbolic link to a target outside the checked tree, not followed");
    assert_eq!(status("alias.yaml"), "checked ");
}

/// The memory and time attacks, at sizes that suit CI: each ends in a
/// bounded outcome (checked, or a finding or error with a reason), and the
/// other files of the run are still checked.
#[test]
fn large_and_amplifying_inputs_have_bounded_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |name: &str, text: &str| std::fs::write(root.join(name), text).unwrap();
    // 200 documents of 1,000 alias-expanded nodes each: under a
    // per-document limit, over the per-file one.
    let document = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
    write("aliases.yaml", &vec![document; 200].join("---\n"));
    // A sparse 6 GB file: judged by its size, never read.
    std::fs::File::create(root.join("huge.yaml")).unwrap().set_len(6 << 30).unwrap();
    // 20,000 keys in one object, in every format.
    let keys: Vec<String> = (0..20_000).map(|key| format!("k{key}")).collect();
    write("wide.yaml", &keys.iter().map(|key| format!("{key}: 1\n")).collect::<String>());
    write(
        "wide.json",
        &serde_json::to_string(
            &keys.iter().map(|key| (key.clone(), serde_json::Value::from(1))).collect::<serde_json::Map<_, _>>(),
        )
        .unwrap(),
    );
    write("wide.toml", &keys.iter().map(|key| format!("{key} = 1\n")).collect::<String>());
    write(
        "wide.tf",
        &format!("locals {{\n{}}}\n", keys.iter().map(|key| format!("  {key} = 1\n")).collect::<String>()),
    );
    write(".env", &keys.iter().map(|key| format!("{}=1\n", key.to_uppercase())).collect::<String>());
    write("wide.ini", &format!("[s]\n{}", keys.iter().map(|key| format!("{key} = 1\n")).collect::<String>()));
    write(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i:1\n",
    );

    let run = tenken_in(root, &shared_cache(), &["check", "--no-config", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let status = |path: &str| {
        report["files"].as_array().unwrap().iter().find(|file| file["path"] == path).unwrap()["status"].clone()
    };
    let own = |path: &str| -> String {
        let finding =
            report["findings"].as_array().unwrap().iter().find(|f| f["path"] == path && f["plugin"] == "tenken");
        finding.map_or_else(String::new, |finding| finding["message"].as_str().unwrap().to_owned())
    };
    assert!(own("aliases.yaml").contains("in this file; refusing a possible alias bomb"), "{}", own("aliases.yaml"));
    assert!(
        own("huge.yaml").starts_with("file is 6442450944 bytes, over the 8388608-byte limit"),
        "{}",
        own("huge.yaml")
    );
    for wide in ["wide.yaml", "wide.json", "wide.toml", "wide.tf", ".env", "wide.ini"] {
        assert_eq!(status(wide), "checked", "{wide}");
    }
    assert_eq!(status("pod.yaml"), "checked");
    assert!(
        report["findings"].as_array().unwrap().iter().any(|f| f["path"] == "pod.yaml" && f["plugin"] == "k8s-probes")
    );
    std::fs::remove_file(root.join("huge.yaml")).unwrap();

    // Hundreds of Deployments, each excusing its probes in an annotation:
    // every exception is matched to its own document's findings.
    let deployment = |index: usize| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{index}\n  annotations:\n    \
             tenken.dev/ignore: \"k8s-probes: batch worker\"\nspec:\n  template:\n    spec:\n      containers:\n      \
             - name: app\n        image: nginx:1.27\n        ports: [{{containerPort: 80}}]\n"
        )
    };
    write("deployments.yaml", &(0..300).map(deployment).collect::<Vec<_>>().join("---\n"));
    let run = tenken_in(root, &shared_cache(), &["check", "--no-config", "deployments.yaml", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let probes: Vec<&serde_json::Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["plugin"] == "k8s-probes").collect();
    assert_eq!(probes.len(), 600, "two probe findings per Deployment");
    assert!(probes.iter().all(|f| f["suppressed"]["reason"] == "batch worker"));
    assert!(!report["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "tenken/unused-suppression"));

    // A tenken.toml past its size limit (500,000 settings keys were once
    // read and validated for minutes) is refused before it is read.
    write(
        "tenken.toml",
        &format!("[settings.k8s-replicas]\n{}", (0..100_000).map(|key| format!("k{key} = 1\n")).collect::<String>()),
    );
    let run = tenken_in(root, &shared_cache(), &["check", "pod.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot read the config: file is") && run.stderr.contains("-byte limit"),
        "{}",
        run.stderr
    );
}

/// `tenken check` of a `cm.yaml` in JSON, with the hostile guest loaded
/// and given `settings` (`hostile={...}`).
fn check_config_map_with_hostile(settings: &str) -> [&str; 9] {
    [
        "check",
        "--no-config",
        "cm.yaml",
        "--format",
        "json",
        "--plugin",
        tenken_test_guests::HOSTILE,
        "--plugin-settings",
        settings,
    ]
}

/// A plugin's message is cut at the bound, and says so; nothing is cut
/// silently.
#[test]
fn a_huge_plugin_message_is_cut_visibly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cm.yaml"), "kind: ConfigMap\nmetadata: {name: c}\n").unwrap();
    let settings = format!(r#"hostile={{"mode":"say","message":"{}"}}"#, "x".repeat(50_000));
    let run = tenken_in(dir.path(), &shared_cache(), &check_config_map_with_hostile(&settings));
    let report: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("{}\n{}", run.stdout, run.stderr));
    let said = report["findings"].as_array().unwrap().iter().find(|f| f["plugin"] == "hostile").unwrap();
    let message = said["message"].as_str().unwrap();
    assert!(message.len() < 2_200, "{}", message.len());
    assert!(message.ends_with("[cut by tenken: the plugin's message was 50000 bytes]"), "{message}");
}

/// A plugin that declares a 10 MB rule title would repeat it in every
/// finding of several formats. It is refused at load with the reason, and
/// the bundled plugins still check the file.
#[test]
fn a_plugin_with_an_oversized_title_is_refused_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}\n";
    std::fs::write(dir.path().join("pod.yaml"), pod).unwrap();
    let run = tenken_in(
        dir.path(),
        &shared_cache(),
        &["check", "--no-config", "pod.yaml", "--format", "json", "--plugin", tenken_test_guests::OVERSIZED_INFO],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.len() < 200_000, "the report repeats the title: {} bytes", run.stdout.len());
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let errors = report["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|error| error["message"]
            .as_str()
            .unwrap()
            .contains("a title or summary is 10485760 bytes long; at most 300 are accepted")),
        "{errors:#?}"
    );
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.iter().any(|finding| finding["plugin"] == "k8s-probes"), "bundled plugins still ran");
    assert!(findings.iter().all(|finding| finding["plugin"] != "oversized-info"));
}

/// Findings past the run's cap are counted and reported as an error, never
/// dropped silently; the findings within it are kept. The default cap (two
/// million) is lowered here so that the test stays small.
#[test]
fn findings_past_the_run_cap_are_counted_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let pods: String = (0..20)
        .map(|index| format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p{index}}}\nspec: {{containers: [{{name: c, image: i}}]}}\n---\n"))
        .collect();
    std::fs::write(dir.path().join("pods.yaml"), pods).unwrap();
    let uncapped = tenken_in(dir.path(), &shared_cache(), &["check", "--no-config", ".", "--format", "json"]);
    let uncapped: serde_json::Value = serde_json::from_str(&uncapped.stdout).unwrap();
    let total = uncapped["findings"].as_array().unwrap().len();
    assert!(total > 100, "{total}");

    let run = tenken_in(
        dir.path(),
        &shared_cache(),
        &["check", "--no-config", ".", "--format", "json", "--max-findings", "50"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 50);
    let expected = format!(
        "{} findings were not reported: a run reports at most 50 (--max-findings); check fewer files at once, or \
         switch off the rules that report most",
        total - 50
    );
    let errors = report["errors"].as_array().unwrap();
    assert!(errors.iter().any(|error| error["message"] == expected.as_str()), "{errors:#?}");
    assert_eq!(report["files"][0]["status"], "error", "a file with findings dropped was not fully reported");

    let text = tenken_in(dir.path(), &shared_cache(), &["check", "--no-config", ".", "--max-findings", "50"]);
    assert!(text.stdout.contains(&expected) || text.stderr.contains(&expected), "{}\n{}", text.stdout, text.stderr);
}

/// A cache that cannot be written (here, each artifact's name is taken by
/// a directory, so the final rename fails, as a full disk fails the write)
/// costs only time: the run's result is the same, and no temporary file is
/// left behind to keep the disk full.
#[test]
fn a_failed_cache_write_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cm.yaml"), "kind: ConfigMap\nmetadata: {name: c}\n").unwrap();
    let args = check_config_map_with_hostile(r#"hostile={"mode":"say","message":"m"}"#);
    let working = tempfile::tempdir().unwrap();
    let expected = tenken_in(dir.path(), working.path(), &args);
    let artifacts: Vec<std::ffi::OsString> = std::fs::read_dir(working.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter(|name| name.to_string_lossy().ends_with(".cwasm"))
        .collect();
    assert!(!artifacts.is_empty(), "the hostile guest is compiled into the cache");

    let blocked = tempfile::tempdir().unwrap();
    for name in &artifacts {
        std::fs::create_dir(blocked.path().join(name)).unwrap();
    }
    let run = tenken_in(dir.path(), blocked.path(), &args);
    assert_eq!(run.code, expected.code, "{}", run.stderr);
    let findings = |stdout: &str| serde_json::from_str::<serde_json::Value>(stdout).unwrap()["findings"].clone();
    assert_eq!(findings(&run.stdout), findings(&expected.stdout));
    let left: Vec<String> = std::fs::read_dir(blocked.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
}
