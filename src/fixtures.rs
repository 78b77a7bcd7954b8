//! `tenken plugin test`: runs one plugin, in the real sandbox, over fixture
//! files whose expected findings are written inline, in Semgrep's style:
//!
//! ```yaml
//! spec:
//!   # expect: host-network
//!   hostNetwork: true
//!   hostPID: false  # ok: host-pid
//! ```
//!
//! `expect:` on a line of its own applies to the next line that holds
//! something other than a comment; at the end of a line it applies to that
//! line. `ok:` marks where a rule must not fire. Two more directives set up
//! a case: `fixture-kind: <kind>` for files whose name does not say what
//! they are, and `fixture-settings: <JSON object>` for the plugin's
//! settings.
//!
//! Each file directly in the fixture directory is one case. Each
//! subdirectory is one case too, checked as a project, for plugins that
//! relate documents to each other.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use tenken_host::PluginSource;
use tenken_report::{Finding, Problem};

use crate::check::{Context, RunOptions, check_paths};
use crate::cli::PluginTestArgs;
use crate::kinds::KindMap;
use crate::plugins::{Plugins, Runtime, new_host};

/// `tenken plugin test <dir>`: finds the built component and the fixtures,
/// runs them, prints the outcome. Exit code 0 when every case passes, 1
/// when one fails.
pub(crate) fn run(args: &PluginTestArgs) -> anyhow::Result<u8> {
    let component = match &args.component {
        Some(path) => path.clone(),
        None => find_component(&args.dir)?,
    };
    let fixtures = args.fixtures.clone().unwrap_or_else(|| args.dir.join("tests").join("fixtures"));
    if let Some(newer) = source_newer_than(&args.dir, &component) {
        // A build that failed leaves the last good component in place:
        // testing it without a word would pass on code that no longer is.
        eprintln!(
            "tenken: warning: {} changed after {} was built; this tests the old build (rebuild the plugin, or \
             did its build fail?)",
            tenken_report::untrusted::path(&newer.display().to_string()),
            tenken_report::untrusted::path(&component.display().to_string())
        );
    }
    let bytes = crate::read::read_bounded(&component, crate::read::PLUGIN_LIMIT)
        .with_context(|| format!("cannot read {}", component.display()))?;
    let source = PluginSource {
        origin: component.display().to_string(),
        bytes: Cow::Owned(bytes),
        sha256: None,
        precompiled: None,
    };
    let report = run_fixtures(&Runtime::from(&args.runtime), &source, &fixtures)?;
    crate::output::print(&report.render())?;
    if args.list_findings {
        crate::output::print(&report.listing())?;
    }
    Ok(if report.passed() { 0 } else { 1 })
}

/// Directories of a plugin project that hold no source: build outputs,
/// dependencies, fixtures (inputs, not code), version control.
const NOT_SOURCE: &[&str] = &["target", "dist", "build", "node_modules", "tests", "__pycache__", ".git", ".venv"];

/// How many entries of a plugin project are looked at for a newer source:
/// enough for any plugin, bounded for a directory that is not one.
const SOURCE_SCAN_LIMIT: usize = 10_000;

/// A source file of the plugin in `dir` changed after `component` was
/// written, if any: the newest one.
fn source_newer_than(dir: &Path, component: &Path) -> Option<PathBuf> {
    let built = std::fs::metadata(component).and_then(|metadata| metadata.modified()).ok()?;
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .follow_links(false)
        .filter_entry(|entry| entry.depth() == 0 || !NOT_SOURCE.contains(&entry.file_name().to_string_lossy().as_ref()))
        .build();
    walker
        .take(SOURCE_SCAN_LIMIT)
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|kind| kind.is_file()))
        .filter_map(|entry| {
            let modified = entry.metadata().ok()?.modified().ok()?;
            (modified > built).then(|| (modified, entry.into_path()))
        })
        .max()
        .map(|(_, path)| path)
}

/// Where toolchains put a built component, most specific first: a release
/// build of a Rust crate, then the output directories that componentize-py
/// and jco examples use, then the plugin directory itself.
const COMPONENT_DIRS: &[&str] = &["target/wasm32-wasip2/release", "dist", "build", "."];

fn find_component(dir: &Path) -> anyhow::Result<PathBuf> {
    for candidate in COMPONENT_DIRS {
        let Ok(entries) = std::fs::read_dir(dir.join(candidate)) else { continue };
        let mut found: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.is_file() && path.extension().is_some_and(|extension| extension == "wasm"))
            .collect();
        found.sort();
        match found.len() {
            0 => continue,
            1 => return Ok(found.remove(0)),
            _ => {
                let names: Vec<String> = found.iter().map(|path| path.display().to_string()).collect();
                bail!("{} components found, name one with --component: {}", names.len(), names.join(", "));
            }
        }
    }
    bail!(
        "no built component (.wasm) in {} (looked in {}); build the plugin first, or name it with --component",
        dir.display(),
        COMPONENT_DIRS.join(", ")
    )
}

/// The outcome of every fixture case of one plugin.
#[derive(Debug)]
pub struct FixtureReport {
    /// The plugin's id and version.
    pub plugin: String,
    /// One entry per case, in name order.
    pub cases: Vec<CaseResult>,
}

/// One fixture case: a file, or a directory checked as a project.
#[derive(Debug)]
pub struct CaseResult {
    /// Path relative to the fixture directory.
    pub name: String,
    /// Everything the plugin reported, located.
    pub findings: Vec<Finding>,
    /// Where the findings differ from the expectations.
    pub mismatches: Vec<Mismatch>,
    /// Read, parse and plugin errors, and malformed annotations. Any of
    /// them fails the case.
    pub errors: Vec<String>,
}

/// One difference between what a case expects and what the plugin did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// Expected at `line` of `path`, not reported anywhere near.
    Missing { path: String, rule: String, line: u32 },
    /// Reported where nothing was expected.
    Unexpected { path: String, rule: String, line: u32, message: String },
    /// Reported on another line than the one expected.
    Mislocated { path: String, rule: String, expected_line: u32, line: u32 },
    /// Reported on a line marked `ok:` for that rule.
    FiredWhereOk { path: String, rule: String, line: u32, message: String },
}

impl FixtureReport {
    /// Whether every case passed.
    pub fn passed(&self) -> bool {
        self.cases.iter().all(CaseResult::passed)
    }

    /// What a plugin author reads: one line per passing case, the
    /// differences for each failing one, and a count.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "plugin {}: {} fixture cases", self.plugin, self.cases.len());
        for case in &self.cases {
            if case.passed() {
                let count = case.findings.len();
                let noun = if count == 1 { "finding" } else { "findings" };
                let _ = writeln!(out, "ok    {} ({count} {noun}, as expected)", case.name);
                continue;
            }
            let _ = writeln!(out, "FAIL  {}", case.name);
            for error in &case.errors {
                let _ = writeln!(out, "      error: {error}");
            }
            for mismatch in &case.mismatches {
                let _ = writeln!(out, "      {}", mismatch.describe());
            }
        }
        let failed = self.cases.iter().filter(|case| !case.passed()).count();
        let _ = writeln!(out, "{} passed, {failed} failed", self.cases.len() - failed);
        out
    }

    /// Every finding of every case, located, one per line: what the
    /// snapshot tests of the bundled plugins record.
    pub fn listing(&self) -> String {
        let mut out = String::new();
        for finding in self.cases.iter().flat_map(|case| &case.findings) {
            let location = &finding.location;
            let _ = writeln!(
                out,
                "{}:{}:{}: {} [{}] {}",
                location.path, location.line, location.column, finding.rule.id, finding.severity, finding.message
            );
        }
        out
    }
}

impl CaseResult {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.errors.is_empty() && self.mismatches.is_empty()
    }
}

impl Mismatch {
    fn describe(&self) -> String {
        match self {
            Mismatch::Missing { path, rule, line } => format!("- {path}:{line}: expected {rule}, not reported"),
            Mismatch::Unexpected { path, rule, line, message } => {
                format!("+ {path}:{line}: {rule} reported, not expected: {message}")
            }
            Mismatch::Mislocated { path, rule, expected_line, line } => {
                format!("~ {path}:{line}: {rule} reported here, expected on line {expected_line}")
            }
            Mismatch::FiredWhereOk { path, rule, line, message } => {
                format!("! {path}:{line}: {rule} reported on a line marked ok: {message}")
            }
        }
    }
}

/// Runs `source`'s plugin over every case in `fixtures`.
pub fn run_fixtures(runtime: &Runtime, source: &PluginSource, fixtures: &Path) -> anyhow::Result<FixtureReport> {
    let host = new_host(runtime)?;
    let plugin = host.load(source).with_context(|| format!("cannot load {}", source.origin))?;
    let cases = fixture_cases(fixtures)?;
    if cases.is_empty() {
        bail!("no fixture files in {}", fixtures.display());
    }
    let mut plugins = Plugins {
        loaded: vec![plugin],
        failed: vec![],
        load_log: vec![],
        call_bytes: crate::plugins::call_bytes(runtime),
    };
    let mut results = Vec::with_capacity(cases.len());
    for case in cases {
        results.push(run_case(&mut plugins, fixtures, &case));
    }
    let info = &plugins.loaded[0].info;
    Ok(FixtureReport { plugin: format!("{} {}", info.id, info.version), cases: results })
}

/// The files and subdirectories directly in `fixtures`, in name order.
fn fixture_cases(fixtures: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries =
        std::fs::read_dir(fixtures).with_context(|| format!("cannot read the fixtures in {}", fixtures.display()))?;
    let mut cases: Vec<PathBuf> = entries.filter_map(|entry| entry.ok().map(|entry| entry.path())).collect();
    cases.sort();
    Ok(cases)
}

/// The files of a case: the file itself, or every file below the directory.
fn case_files(case: &Path) -> Vec<PathBuf> {
    if !case.is_dir() {
        return vec![case.to_path_buf()];
    }
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(case)
        .standard_filters(false)
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|kind| kind.is_file()))
        .map(ignore::DirEntry::into_path)
        .collect();
    files.sort();
    files
}

fn run_case(plugins: &mut Plugins, fixtures: &Path, case: &Path) -> CaseResult {
    let name = relative(fixtures, &case.display().to_string());
    let mut result = CaseResult { name, findings: vec![], mismatches: vec![], errors: vec![] };
    let plugin = &mut plugins.loaded[0];
    let rules: Vec<String> = plugin.info.rules.iter().map(|rule| rule.id.clone()).collect();

    let mut annotations = BTreeMap::new();
    let mut kind_mappings = Vec::new();
    let mut settings = None;
    for file in case_files(case) {
        let display = normalized(&file.display().to_string());
        let text = match crate::read::read_bounded(&file, tenken_formats::Limits::default().max_file_bytes) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(error) => {
                result.errors.push(format!("{display}: cannot read: {error}"));
                continue;
            }
        };
        match parse_annotations(&text, &plugin.info.id, &rules) {
            Ok(parsed) => {
                if let Some(kind) = &parsed.kind {
                    kind_mappings.push((globset::escape(&display), kind.clone()));
                }
                if let Some(value) = parsed.settings.clone() {
                    if settings.as_ref().is_some_and(|previous| previous != &value) {
                        result.errors.push(format!("{display}: the case's files set different fixture-settings"));
                    }
                    settings = Some(value);
                }
                annotations.insert(display, parsed);
            }
            Err(error) => result.errors.push(format!("{}: {error}", relative(fixtures, &display))),
        }
    }
    if !result.errors.is_empty() {
        return result;
    }

    let settings = settings.unwrap_or_else(|| serde_json::json!({}));
    if let Err(error) = plugin.configure(&settings) {
        result.errors.push(format!("the plugin rejected the fixture-settings: {error}"));
        return result;
    }
    let kinds = match KindMap::new(&kind_mappings) {
        Ok(kinds) => kinds,
        Err(error) => {
            result.errors.push(format!("fixture-kind: {error}"));
            return result;
        }
    };
    let limits = tenken_formats::Limits::default();
    let run = RunOptions {
        context: Context::InputsOnly,
        verbose: false,
        code_frames: true,
        max_findings: crate::check::MAX_FINDINGS_PER_RUN,
    };
    let report = check_paths(&[case.to_path_buf()], plugins, &kinds, &limits, &run);
    result.errors.extend(report.errors.iter().map(|problem| describe_problem(fixtures, problem)));
    // A fixture that does not parse tests nothing: say so, rather than
    // compare its findings.
    for finding in report.findings.iter().filter(|finding| finding.rule.plugin.as_ref() == "tenken") {
        if crate::builtin::find(&finding.rule.id).is_some_and(|rule| rule.reports_unchecked_files()) {
            let at = &finding.location;
            result.errors.push(format!(
                "{}:{}:{}: {}",
                relative(fixtures, &at.path),
                at.line,
                at.column,
                finding.message
            ));
        }
    }
    for outcome in &report.files {
        if let tenken_report::FileStatus::Skipped { reason } = &outcome.status {
            result.errors.push(format!("{} was not checked: {reason}", relative(fixtures, &outcome.path)));
        }
    }
    let plugin_id = plugins.loaded[0].info.id.clone();
    for (path, parsed) in &annotations {
        let findings: Vec<&Finding> =
            report.findings.iter().filter(|finding| *finding.location.path == **path).collect();
        result.mismatches.extend(compare(&relative(fixtures, path), &plugin_id, parsed, &findings));
    }
    result.findings = report.findings;
    for finding in &mut result.findings {
        finding.location.path = relative(fixtures, &finding.location.path).into();
    }
    result
}

fn describe_problem(fixtures: &Path, problem: &Problem) -> String {
    let mut at = relative(fixtures, &problem.path);
    if let Some(line) = problem.line {
        let _ = write!(at, ":{line}");
    }
    format!("{at}: {}", problem.full_message())
}

/// A path as `check` displays it: `/`-separated, without a leading `./`.
fn normalized(path: &str) -> String {
    let path = path.replace('\\', "/");
    path.strip_prefix("./").map_or(path.clone(), str::to_owned)
}

/// `path` relative to the fixture directory.
fn relative(fixtures: &Path, path: &str) -> String {
    let base = normalized(&fixtures.display().to_string());
    let path = normalized(path);
    path.strip_prefix(base.trim_end_matches('/'))
        .and_then(|rest| rest.strip_prefix('/'))
        .map_or(path.clone(), str::to_owned)
}

/// The inline annotations of one fixture file.
#[derive(Debug, Default, PartialEq)]
struct Annotations {
    /// (rule, line) pairs that must be reported, in line order.
    expected: Vec<(String, u32)>,
    /// (rule, line) pairs that must not be.
    ok: Vec<(String, u32)>,
    kind: Option<String>,
    settings: Option<serde_json::Value>,
}

/// A directive in a comment: its keyword, its text, and whether the comment
/// is the whole line. A comment starts at `#` or `//` at the start of the
/// line or after whitespace, so `https://host/#frag` is not one.
fn directive(line: &str) -> Option<(&'static str, &str, bool)> {
    const KEYWORDS: &[&str] = &["expect:", "ok:", "fixture-kind:", "fixture-settings:"];
    let mut search = 0;
    while let Some(offset) = line[search..].find(['#', '/']) {
        let start = search + offset;
        if start > 0 && !line[..start].ends_with(char::is_whitespace) {
            search = start + 1;
            continue;
        }
        let marker_len = if line[start..].starts_with("//") {
            2
        } else if line[start..].starts_with('#') {
            1
        } else {
            search = start + 1;
            continue;
        };
        let body = line[start + marker_len..].trim_start();
        if let Some(keyword) = KEYWORDS.iter().find(|keyword| body.starts_with(**keyword)) {
            let whole_line = line[..start].trim().is_empty();
            return Some((keyword.trim_end_matches(':'), body[keyword.len()..].trim(), whole_line));
        }
        search = start + marker_len;
    }
    None
}

fn is_comment_or_blank(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("//")
}

fn parse_annotations(text: &str, plugin_id: &str, rules: &[String]) -> Result<Annotations, String> {
    let mut annotations = Annotations::default();
    // Whole-line annotations waiting for the line they apply to.
    let mut pending: Vec<(&'static str, String, u32)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index as u32 + 1;
        let found = directive(line);
        match found {
            Some(("fixture-kind", value, _)) => annotations.kind = Some(value.to_owned()),
            Some(("fixture-settings", value, _)) => {
                let parsed: serde_json::Value = serde_json::from_str(value)
                    .map_err(|error| format!("line {number}: fixture-settings is not valid JSON: {error}"))?;
                if !parsed.is_object() {
                    return Err(format!("line {number}: fixture-settings must be a JSON object"));
                }
                annotations.settings = Some(parsed);
            }
            Some((keyword, value, whole_line)) => {
                for rule in value.split(',').map(str::trim) {
                    let local = rule.strip_prefix(plugin_id).and_then(|rest| rest.strip_prefix('/')).unwrap_or(rule);
                    if !rules.iter().any(|known| known == local) {
                        return Err(format!(
                            "line {number}: `{rule}` is not a rule of {plugin_id} (its rules: {})",
                            rules.join(", ")
                        ));
                    }
                    if whole_line {
                        pending.push((keyword, local.to_owned(), number));
                    } else {
                        annotations.push(keyword, local.to_owned(), number);
                    }
                }
            }
            None => {}
        }
        if !is_comment_or_blank(line) {
            for (keyword, rule, _) in pending.drain(..) {
                annotations.push(keyword, rule, number);
            }
        }
    }
    if let Some((keyword, rule, line)) = pending.first() {
        return Err(format!("line {line}: `{keyword}: {rule}` is not followed by a line it could apply to"));
    }
    Ok(annotations)
}

impl Annotations {
    fn push(&mut self, keyword: &str, rule: String, line: u32) {
        if keyword == "ok" {
            self.ok.push((rule, line));
        } else {
            self.expected.push((rule, line));
        }
    }
}

/// Pairs expectations with findings: same rule on the same line first,
/// then the same rule on another line (mislocated), then the rest.
fn compare(path: &str, plugin_id: &str, annotations: &Annotations, findings: &[&Finding]) -> Vec<Mismatch> {
    let local_rule = |finding: &Finding| {
        finding
            .rule
            .id
            .strip_prefix(plugin_id)
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or(&finding.rule.id)
            .to_owned()
    };
    let mut unmatched: Vec<(String, u32, &str)> =
        findings.iter().map(|finding| (local_rule(finding), finding.location.line, &*finding.message)).collect();
    let mut missing = Vec::new();
    for (rule, line) in &annotations.expected {
        match unmatched.iter().position(|(found, at, _)| found == rule && at == line) {
            Some(position) => {
                unmatched.remove(position);
            }
            None => missing.push((rule.clone(), *line)),
        }
    }
    let mut mismatches = Vec::new();
    for (rule, expected_line) in missing {
        let nearest = unmatched
            .iter()
            .enumerate()
            .filter(|(_, (found, _, _))| *found == rule)
            .min_by_key(|(_, (_, at, _))| at.abs_diff(expected_line))
            .map(|(position, _)| position);
        match nearest {
            Some(position) => {
                let (_, line, _) = unmatched.remove(position);
                mismatches.push(Mismatch::Mislocated { path: path.to_owned(), rule, expected_line, line });
            }
            None => mismatches.push(Mismatch::Missing { path: path.to_owned(), rule, line: expected_line }),
        }
    }
    for (rule, line, message) in unmatched {
        let marked_ok = annotations.ok.iter().any(|(ok_rule, ok_line)| *ok_rule == rule && *ok_line == line);
        let (path, message) = (path.to_owned(), message.to_owned());
        mismatches.push(if marked_ok {
            Mismatch::FiredWhereOk { path, rule, line, message }
        } else {
            Mismatch::Unexpected { path, rule, line, message }
        });
    }
    mismatches.sort_by_key(|mismatch| match mismatch {
        Mismatch::Missing { line, .. }
        | Mismatch::Unexpected { line, .. }
        | Mismatch::FiredWhereOk { line, .. }
        | Mismatch::Mislocated { expected_line: line, .. } => *line,
    });
    mismatches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<String> {
        vec!["host-network".to_owned(), "host-pid".to_owned()]
    }

    #[test]
    fn annotations_apply_to_the_next_code_line_or_their_own() {
        let text = "\
# fixture-kind: kubernetes
# fixture-settings: {\"allowed\": [\"/var/log\"]}
spec:
  # expect: host-network, k8s-host-isolation/host-pid
  # a plain comment in between

  hostNetwork: true
  hostPID: false  # ok: host-pid
";
        let parsed = parse_annotations(text, "k8s-host-isolation", &rules()).unwrap();
        assert_eq!(parsed.kind.as_deref(), Some("kubernetes"));
        assert_eq!(parsed.settings, Some(serde_json::json!({"allowed": ["/var/log"]})));
        assert_eq!(parsed.expected, vec![("host-network".to_owned(), 7), ("host-pid".to_owned(), 7)]);
        assert_eq!(parsed.ok, vec![("host-pid".to_owned(), 8)]);
    }

    #[test]
    fn slash_comments_work_and_urls_are_not_comments() {
        let text = "url = \"https://example.com/#expect:x\"\nresource \"a\" \"b\" { // expect: host-pid\n}\n";
        let parsed = parse_annotations(text, "p", &rules()).unwrap();
        assert_eq!(parsed.expected, vec![("host-pid".to_owned(), 2)]);
    }

    #[test]
    fn unknown_rules_and_dangling_annotations_are_errors() {
        let unknown = parse_annotations("# expect: host-netwrk\na: 1\n", "p", &rules()).unwrap_err();
        assert!(unknown.contains("`host-netwrk` is not a rule of p"), "{unknown}");
        let dangling = parse_annotations("a: 1\n# expect: host-pid\n", "p", &rules()).unwrap_err();
        assert!(dangling.contains("line 2"), "{dangling}");
        let settings = parse_annotations("# fixture-settings: [1]\n", "p", &rules()).unwrap_err();
        assert!(settings.contains("must be a JSON object"), "{settings}");
    }
}
