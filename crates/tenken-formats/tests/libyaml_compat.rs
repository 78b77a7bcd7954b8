//! Every YAML file that libyaml accepts, tenken accepts too.
//!
//! libyaml is the reference because the ecosystem reads YAML with it or
//! with a port of it: PyYAML (checkov, Ansible), Go's yaml.v2 and yaml.v3
//! (kubectl, Helm, docker compose). A file those tools take and tenken
//! rejects would fail a team's CI for no reason.
//!
//! The files come from the real-world corpus (`TENKEN_CORPUS`, else
//! `../shared/corpus` beside the repository) and the verdicts from PyYAML's
//! libyaml loader (`TENKEN_PYTHON`, else `python3`). Without either the
//! test says so and passes: neither is needed to build or test tenken.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tenken_formats::{DiagnosticLevel, Format, Hints, Limits, parse_file};

/// Reads file paths from stdin and prints, for each, `1` if libyaml
/// composes every document of it, `0` if not. Composing checks syntax,
/// anchors and aliases without resolving tags, as CloudFormation's `!Ref`
/// needs.
const LIBYAML_VERDICTS: &str = r#"
import sys, yaml
loader = getattr(yaml, "CSafeLoader", None)
if loader is None:
    sys.exit(3)
for path in sys.stdin.read().split("\n"):
    if not path:
        continue
    try:
        with open(path, "rb") as handle:
            list(yaml.compose_all(handle.read(), Loader=loader))
        print(1)
    except Exception:
        print(0)
"#;

fn corpus() -> Option<PathBuf> {
    let path = std::env::var_os("TENKEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    path.is_dir().then_some(path)
}

fn yaml_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file()
                && path.extension().is_some_and(|extension| extension == "yaml" || extension == "yml")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// libyaml's verdict on each file, or `None` when PyYAML with libyaml
/// cannot be run here.
fn libyaml_verdicts(files: &[PathBuf]) -> Option<Vec<bool>> {
    let python = std::env::var("TENKEN_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let mut child = Command::new(&python)
        .args(["-c", LIBYAML_VERDICTS])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let list: String = files.iter().map(|file| format!("{}\n", file.display())).collect();
    child.stdin.take().unwrap().write_all(list.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    if !output.status.success() {
        return None;
    }
    let verdicts: Vec<bool> = String::from_utf8(output.stdout).unwrap().lines().map(|line| line == "1").collect();
    assert_eq!(verdicts.len(), files.len(), "one verdict per file");
    Some(verdicts)
}

/// The first error tenken reports for the file, if any.
fn tenken_error(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).unwrap();
    match parse_file(&path.display().to_string(), &bytes, Format::Yaml, &Limits::default(), &Hints::default()) {
        Err(skip) => Some(skip.to_string()),
        Ok(parsed) => {
            let error = parsed.diagnostics.iter().find(|diagnostic| diagnostic.level == DiagnosticLevel::Error)?;
            let at = error.span.map(|span| parsed.source.lines.line_column(&parsed.source.text, span.start));
            Some(format!("{} at {at:?}", error.message))
        }
    }
}

#[test]
fn every_yaml_file_libyaml_accepts_parses() {
    let Some(corpus) = corpus() else {
        eprintln!("no corpus (set TENKEN_CORPUS): skipped");
        return;
    };
    let files = yaml_files(&corpus);
    let Some(verdicts) = libyaml_verdicts(&files) else {
        eprintln!("PyYAML with libyaml is not available (set TENKEN_PYTHON): skipped");
        return;
    };
    let mut rejected = Vec::new();
    let mut accepted_by_libyaml = 0;
    let mut lenient = 0;
    for (file, libyaml_accepts) in files.iter().zip(verdicts) {
        let error = tenken_error(file);
        match (libyaml_accepts, error) {
            (true, Some(error)) => rejected.push(format!("{}: {error}", file.display())),
            (true, None) => accepted_by_libyaml += 1,
            (false, None) => lenient += 1,
            (false, Some(_)) => {}
        }
    }
    // The figures docs/design.md quotes.
    eprintln!(
        "{} YAML files: libyaml accepts {}, tenken rejects {} of those, and accepts {} that libyaml rejects",
        files.len(),
        accepted_by_libyaml + rejected.len(),
        rejected.len(),
        lenient
    );
    assert!(rejected.is_empty(), "tenken rejects files libyaml accepts:\n{}", rejected.join("\n"));
}
