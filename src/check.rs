//! `tenken check`: discover → parse once → run plugins → resolve → report.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use rayon::prelude::*;
use tenken_formats::{DiagnosticLevel, Document, Limits, ParsedFile, Skip};
use tenken_host::{CheckOutput, DocumentInput, LoadedPlugin, PluginError, Scope};
use tenken_report::{
    DocumentSummary, FileOutcome, FileStatus, Finding, PluginSummary, Problem, ProblemKind, RenderOptions, Report,
    RuleDescriptor,
};

use crate::baseline;
use crate::changed;
use crate::cli::{CheckArgs, ColorChoice};
use crate::config;
use crate::discover::{self, InputFile, discover};
use crate::kinds::KindMap;
use crate::locate::{excerpt, finding};
use crate::plugins::{self, Plugins};
use crate::progress::Progress;
use crate::redact;
use crate::select;
use crate::suppress;

/// Runs `tenken check` and returns the exit code.
pub(crate) fn run(args: &CheckArgs) -> anyhow::Result<u8> {
    let started = Instant::now();
    let mut paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    if args.changed {
        paths = changed::within(changed::changed_files(args.base.as_deref())?, &paths);
    }
    let config_path = if args.no_config { None } else { config::find(args.config.as_deref(), &args.paths) };
    let (config, sources, mut config_errors) = match &config_path {
        Some(path) => config::load(path),
        None => (config::Config::default(), Vec::new(), Vec::new()),
    };
    // The command line's --kind mappings come last, so they win.
    let mut kind_mappings: Vec<(String, String)> =
        config.kinds.iter().map(|(glob, (kind, _))| (glob.clone(), kind.clone())).collect();
    kind_mappings.extend(args.kinds.iter().cloned());
    let kinds = KindMap::new(&kind_mappings)?;
    let mut runtime = args.runtime.clone();
    runtime.plugins.extend(config::plugin_paths(&config, &mut config_errors));
    // --plugin-settings are applied after tenken.toml's, below, so they win.
    let command_line_settings = std::mem::take(&mut runtime.plugin_settings);
    let mut plugins = plugins::load(&runtime)?;

    let rules: Vec<(String, String, &'static str, &'static str)> = plugins
        .loaded
        .iter()
        .flat_map(|plugin| {
            plugin.info.rules.iter().map(|rule| {
                (
                    format!("{}/{}", plugin.info.id, rule.id),
                    plugin.info.id.clone(),
                    select::category_name(rule.category),
                    rule.default_severity.as_str(),
                )
            })
        })
        .chain(suppress::rule_descriptors().into_iter().map(|rule| {
            (rule.id.clone(), rule.plugin.clone(), select::category_name(rule.category), rule.severity.as_str())
        }))
        .collect();
    let facts: Vec<select::RuleFacts<'_>> = rules
        .iter()
        .map(|(id, plugin, category, severity)| select::RuleFacts { id, plugin, category, severity })
        .collect();
    select::validate(&config, &facts, &mut config_errors);
    config::configure_plugins(&config, &sources, &mut plugins.loaded, &mut config_errors);
    if !config_errors.is_empty() {
        return Ok(report_config_errors(&config_errors));
    }
    plugins::configure(&mut plugins.loaded, &command_line_settings)?;
    // Every plugin runs and deselected findings are dropped afterwards, so
    // that exceptions for deselected rules are not mistaken for unused ones.
    let selection = select::Selection::new(&config);

    let pool = rayon::ThreadPoolBuilder::new().num_threads(args.jobs.unwrap_or(0)).build()?;
    let mut report = pool.install(|| check_paths(&paths, &plugins, &kinds, Context::Siblings, args.verbose));
    selection.apply(&mut report);
    if let Some(path) = &args.baseline {
        report.baseline_unmatched = Some(baseline::apply(&mut report, path)?);
    }
    report.elapsed = Some(started.elapsed());
    if let Some(path) = &args.write_baseline {
        let recorded = baseline::write(&report, path)?;
        eprintln!("tenken: recorded {recorded} findings in {}", path.display());
        return Ok(if report.errors.is_empty() { 0 } else { 2 });
    }

    let options = RenderOptions { color: use_color(args.color) };
    let version = env!("CARGO_PKG_VERSION");
    for (format, path) in &args.outputs {
        // Files never get colour codes.
        let text = tenken_report::render(&report, (*format).into(), RenderOptions::default(), version);
        std::fs::write(path, text).with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(tenken_report::render(&report, args.format.into(), options, version).as_bytes())?;
    out.flush()?;

    let code = report.exit_code(args.fail_on.into());
    Ok(if args.exit_zero && code == 1 { 0 } else { code })
}

/// Prints configuration errors, all of them, and returns the exit code for
/// a configuration error.
fn report_config_errors(errors: &[config::ConfigError]) -> u8 {
    let mut errors = errors.to_vec();
    errors.sort_by(|a, b| (&a.origin.file, a.origin.line, a.column).cmp(&(&b.origin.file, b.origin.line, b.column)));
    for error in &errors {
        eprintln!("tenken: error: {error}");
    }
    eprintln!(
        "tenken: {} configuration error{}; nothing was checked",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    2
}

/// Colour for `--color auto`: never when NO_COLOR is set (to anything but
/// the empty string), always when FORCE_COLOR or CLICOLOR_FORCE is (to
/// anything but `0`), else when stdout is a terminal.
fn use_color(choice: ColorChoice) -> bool {
    use std::io::IsTerminal as _;
    let set = |name: &str| std::env::var_os(name).is_some_and(|value| !value.is_empty() && value != "0");
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty()) => false,
        ColorChoice::Auto if set("FORCE_COLOR") || set("CLICOLOR_FORCE") => true,
        ColorChoice::Auto => std::io::stdout().is_terminal(),
    }
}

/// Everything one file contributed to the report.
#[derive(Default)]
struct FileResult {
    outcome: Option<FileOutcome>,
    findings: Vec<Finding>,
    errors: Vec<Problem>,
    warnings: Vec<Problem>,
    /// Kept only when a project-scoped plugin needs the file's documents.
    retained: Option<Retained>,
    /// A sibling read only as context for project-scoped plugins: not an
    /// input, so it is neither listed nor reported on.
    context: bool,
    /// The exceptions written in the file.
    exceptions: Vec<suppress::Exception>,
    log: Vec<String>,
}

/// A parsed file with each document's tree serialized once, shared by
/// every plugin that reads it.
struct Retained {
    parsed: ParsedFile,
    trees: Vec<String>,
}

/// Which files, besides the inputs, project-scoped plugins see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// When files are named one by one (as pre-commit does), their siblings
    /// too, so that a Deployment's PodDisruptionBudget next to it is seen.
    Siblings,
    /// Only the inputs: each fixture case must stand on its own.
    InputsOnly,
}

pub(crate) fn check_paths(
    paths: &[PathBuf],
    plugins: &Plugins,
    kinds: &KindMap,
    context: Context,
    verbose: bool,
) -> Report {
    let (files, walk_errors) = discover(paths);
    let limits = Limits::default();
    let needs_retention = plugins.loaded.iter().any(|plugin| plugin.info.scope == Scope::Project);

    let progress = Progress::start(files.len());
    let mut results: Vec<FileResult> = files
        .par_iter()
        .map(|file| {
            let result = check_file(file, &plugins.loaded, kinds, &limits, needs_retention);
            progress.advance();
            result
        })
        .collect();
    progress.finish();
    if needs_retention && context == Context::Siblings {
        let context = discover::sibling_context(paths, &files);
        results.par_extend(context.par_iter().filter_map(|file| read_context(file, kinds, &limits)));
    }

    let mut report = Report::default();
    let project_findings = run_project_plugins(&plugins.loaded, &mut results, &mut report);
    report.findings.extend(project_findings);

    for (origin, message) in &plugins.failed {
        report.errors.push(problem(ProblemKind::Plugin, origin, None, None, format!("plugin {message}")));
    }
    for error in walk_errors {
        report.errors.push(problem(ProblemKind::Read, &error.display, None, None, error.message));
        report.files.push(FileOutcome {
            path: error.display,
            status: FileStatus::Error,
            format: None,
            documents: vec![],
        });
    }
    let mut log = Vec::new();
    let mut exceptions = Vec::new();
    for result in results {
        exceptions.extend(result.exceptions);
        report.findings.extend(result.findings);
        report.errors.extend(result.errors);
        report.warnings.extend(result.warnings);
        report.files.extend(result.outcome);
        log.extend(result.log);
    }
    report.plugins = plugins
        .loaded
        .iter()
        .map(|plugin| PluginSummary {
            id: plugin.info.id.clone(),
            version: plugin.info.version.clone(),
            sha256: plugin.sha256.clone(),
        })
        .collect();
    // Exceptions apply to file- and project-scoped findings alike. Files that
    // could not be fully checked get no unused-exception findings.
    let unreliable: Vec<String> =
        report.files.iter().filter(|file| file.status == FileStatus::Error).map(|file| file.path.clone()).collect();
    let known_rule = |name: &str| {
        plugins.loaded.iter().any(|plugin| {
            name == plugin.info.id
                || name
                    .strip_prefix(plugin.info.id.as_str())
                    .and_then(|rest| rest.strip_prefix('/'))
                    .is_some_and(|rule| plugin.info.rule(rule).is_some())
        })
    };
    let about_exceptions =
        suppress::apply(&mut report.findings, &exceptions, suppress::today(), &unreliable, known_rule);
    let tenken_rules = if about_exceptions.is_empty() { Vec::new() } else { suppress::rule_descriptors() };
    report.findings.extend(about_exceptions);
    redact::redact(&mut report.findings, |rule| {
        plugins.loaded.iter().any(|plugin| {
            rule.strip_prefix(plugin.info.id.as_str())
                .and_then(|rest| rest.strip_prefix('/'))
                .and_then(|id| plugin.info.rule(id))
                .is_some_and(|info| info.sensitive)
        })
    });
    report.rules = plugins
        .loaded
        .iter()
        .flat_map(|plugin| {
            plugin.info.rules.iter().map(|rule| RuleDescriptor {
                id: format!("{}/{}", plugin.info.id, rule.id),
                plugin: plugin.info.id.clone(),
                title: rule.title.clone(),
                severity: rule.default_severity,
                category: rule.category,
                rationale: rule.rationale.clone(),
                fix: rule.fix.clone(),
                references: rule.references.clone(),
            })
        })
        .chain(tenken_rules)
        .collect();
    report.sort();

    if verbose {
        let stderr = std::io::stderr();
        let mut err = stderr.lock();
        for line in plugins.load_log.iter().chain(&log) {
            let _ = writeln!(err, "tenken: {line}");
        }
    }
    report
}

fn problem(kind: ProblemKind, path: &str, line: Option<u32>, column: Option<u32>, message: String) -> Problem {
    Problem { kind, path: path.to_owned(), line, column, plugin: None, message, excerpt: None }
}

fn check_file(
    file: &InputFile,
    plugins: &[LoadedPlugin],
    kinds: &KindMap,
    limits: &Limits,
    retain: bool,
) -> FileResult {
    let mut result = FileResult::default();
    let outcome = |status, format: Option<&str>, documents| FileOutcome {
        path: file.display.clone(),
        status,
        format: format.map(str::to_owned),
        documents,
    };
    if let Some(reason) = file.not_regular {
        result.outcome = Some(outcome(FileStatus::Skipped { reason: reason.to_owned() }, None, vec![]));
        return result;
    }
    let Some(format) = kinds.format(file) else {
        result.outcome = Some(outcome(FileStatus::Skipped { reason: "not a config file".to_owned() }, None, vec![]));
        return result;
    };
    let bytes = match std::fs::read(&file.path) {
        Ok(bytes) => bytes,
        Err(error) => {
            result.errors.push(problem(
                ProblemKind::Read,
                &file.display,
                None,
                None,
                format!("could not read: {error}"),
            ));
            result.outcome = Some(outcome(FileStatus::Error, Some(format.as_str()), vec![]));
            return result;
        }
    };
    let parsed = match tenken_formats::parse_file(&file.display, &bytes, format, limits, &kinds.hints(file)) {
        Ok(parsed) => parsed,
        Err(skip @ Skip::InvalidUtf8 { line, column }) => {
            result.errors.push(problem(ProblemKind::Read, &file.display, Some(line), Some(column), skip.to_string()));
            result.outcome = Some(outcome(FileStatus::Error, Some(format.as_str()), vec![]));
            return result;
        }
        Err(skip) => {
            result.outcome =
                Some(outcome(FileStatus::Skipped { reason: skip.to_string() }, Some(format.as_str()), vec![]));
            return result;
        }
    };

    for diagnostic in &parsed.diagnostics {
        let mut entry = problem(ProblemKind::Parse, &file.display, None, None, diagnostic.message.clone());
        if let Some(span) = diagnostic.span {
            let at = parsed.source.lines.line_column(&parsed.source.text, span.start);
            entry.line = Some(at.line);
            entry.column = Some(at.column);
            entry.excerpt = Some(excerpt(&parsed, span));
        }
        match diagnostic.level {
            DiagnosticLevel::Error => result.errors.push(entry),
            DiagnosticLevel::Warning => result.warnings.push(entry),
        }
    }

    result.exceptions = suppress::collect(&parsed);

    // Serialize each tree once; every plugin reads the same text.
    let trees: Vec<String> = parsed.documents.iter().map(|document| document.tree.to_string()).collect();
    for plugin in plugins.iter().filter(|plugin| plugin.info.scope == Scope::File) {
        let selected: Vec<usize> =
            (0..parsed.documents.len()).filter(|&index| applies_to(plugin, parsed.documents[index].kind)).collect();
        if selected.is_empty() {
            continue;
        }
        let inputs: Vec<DocumentInput<'_>> =
            selected.iter().map(|&index| document_input(&parsed, &parsed.documents[index], &trees[index])).collect();
        match plugin.check(&inputs) {
            Ok(output) => {
                log_output(&mut result.log, plugin, &file.display, &output);
                for raw in output.findings {
                    let document = &parsed.documents[selected[raw.document]];
                    result.findings.push(finding(plugin, &parsed, document, raw));
                }
            }
            Err(error) => result.errors.push(plugin_problem(plugin, &file.display, &error)),
        }
    }

    let status = if result.errors.is_empty() { FileStatus::Checked } else { FileStatus::Error };
    let documents = parsed
        .documents
        .iter()
        .map(|document| DocumentSummary { index: document.index, kind: document.kind.to_owned() })
        .collect();
    result.outcome = Some(outcome(status, Some(format.as_str()), documents));
    if retain {
        result.retained = Some(Retained { parsed, trees });
    }
    result
}

/// Parses a context file for project-scoped plugins. Context is best
/// effort: a sibling that cannot be read or parsed is simply not context.
fn read_context(file: &InputFile, kinds: &KindMap, limits: &Limits) -> Option<FileResult> {
    let format = kinds.format(file)?;
    let bytes = std::fs::read(&file.path).ok()?;
    let parsed = tenken_formats::parse_file(&file.display, &bytes, format, limits, &kinds.hints(file)).ok()?;
    let trees = parsed.documents.iter().map(|document| document.tree.to_string()).collect();
    Some(FileResult { retained: Some(Retained { parsed, trees }), context: true, ..FileResult::default() })
}

fn applies_to(plugin: &LoadedPlugin, kind: &str) -> bool {
    plugin.info.applies_to(kind)
}

fn document_input<'a>(parsed: &'a ParsedFile, document: &'a Document, tree: &'a str) -> DocumentInput<'a> {
    DocumentInput {
        path: &parsed.source.path,
        kind: document.kind,
        format: document.format.as_str(),
        index: document.index,
        tree,
    }
}

fn log_output(log: &mut Vec<String>, plugin: &LoadedPlugin, path: &str, output: &CheckOutput) {
    for (stream, text) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        for line in text.lines() {
            log.push(format!("plugin {} {stream} on {path}: {line}", plugin.info.id));
        }
    }
}

fn plugin_problem(plugin: &LoadedPlugin, path: &str, error: &PluginError) -> Problem {
    Problem {
        kind: ProblemKind::Plugin,
        path: path.to_owned(),
        line: None,
        column: None,
        plugin: Some(plugin.info.id.clone()),
        message: error.to_string(),
        excerpt: None,
    }
}

/// Calls each project-scoped plugin once with every document of its kinds.
fn run_project_plugins(plugins: &[LoadedPlugin], results: &mut [FileResult], report: &mut Report) -> Vec<Finding> {
    let mut findings = Vec::new();
    for plugin in plugins.iter().filter(|plugin| plugin.info.scope == Scope::Project) {
        // (file result index, document index) of every selected document.
        let mut selected = Vec::new();
        for (file_index, result) in results.iter().enumerate() {
            let Some(retained) = &result.retained else { continue };
            for (document_index, document) in retained.parsed.documents.iter().enumerate() {
                if applies_to(plugin, document.kind) {
                    selected.push((file_index, document_index));
                }
            }
        }
        if selected.is_empty() {
            continue;
        }
        // Inputs and context files in one order: by path, then position.
        selected.sort_by(|&(a_file, a_doc), &(b_file, b_doc)| {
            let path = |file: usize| results[file].retained.as_ref().map(|r| r.parsed.source.path.as_str());
            (path(a_file), a_doc).cmp(&(path(b_file), b_doc))
        });
        let inputs: Vec<DocumentInput<'_>> = selected
            .iter()
            .filter_map(|&(file_index, document_index)| {
                let retained = results[file_index].retained.as_ref()?;
                let document = &retained.parsed.documents[document_index];
                Some(document_input(&retained.parsed, document, &retained.trees[document_index]))
            })
            .collect();
        match plugin.check(&inputs) {
            Ok(output) => {
                for raw in output.findings {
                    let (file_index, document_index) = selected[raw.document];
                    if results[file_index].context {
                        continue;
                    }
                    if let Some(retained) = &results[file_index].retained {
                        let document = &retained.parsed.documents[document_index];
                        findings.push(finding(plugin, &retained.parsed, document, raw));
                    }
                }
            }
            Err(error) => {
                let paths: BTreeSet<&str> = selected
                    .iter()
                    .filter_map(|&(file_index, _)| results[file_index].outcome.as_ref().map(|o| o.path.as_str()))
                    .collect();
                for path in paths {
                    report.errors.push(plugin_problem(plugin, path, &error));
                }
                // The files were not fully checked.
                for &(file_index, _) in &selected {
                    if let Some(outcome) = results[file_index].outcome.as_mut() {
                        outcome.status = FileStatus::Error;
                    }
                }
            }
        }
    }
    findings
}
