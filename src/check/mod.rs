//! `tenken check`: the pipeline in one place.
//!
//! [`run`] reads top to bottom as the stages of a check: discover the
//! inputs, give each file its config (a scope), then for each scope check
//! its files ([`check_files`]: classify and parse each file once and call
//! file-scoped plugins in batches, in [`batch`]; call project-scoped
//! plugins over the scope, in [`project`]; locate findings and apply
//! exceptions), select, and finally apply the baseline and write the
//! report.

mod batch;
mod project;

use batch::{Batch, read_context};
pub(crate) use batch::{FILES_PER_BATCH, Reader};
use project::run_project_plugins;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use rayon::prelude::*;
use tenken_formats::Limits;
use tenken_host::{LoadedPlugin, Scope};
use tenken_report::{
    FileOutcome, FileStatus, Finding, OutputFormat, PluginSummary, Problem, ProblemKind, RenderOptions, Report,
    RuleDescriptor,
};

use crate::baseline;
use crate::builtin;
use crate::changed;
use crate::cli::{CheckArgs, ColorChoice};
use crate::config;
use crate::discover::{self, Content, InputFile, discover};
use crate::kinds::KindMap;
use crate::locate::Locator;
use crate::plugins::{self, Plugins};
use crate::progress::Progress;
use crate::redact;
use crate::scope;
use crate::select;
use crate::suppress;

/// Runs `tenken check` and returns the exit code.
pub(crate) fn run(args: &CheckArgs) -> anyhow::Result<u8> {
    let started = Instant::now();
    check_output_arguments(args)?;
    // Discover: the files under the paths, and standard input.
    let inputs = Inputs::gather(args)?;
    // Configure: each file is judged by its nearest tenken.toml (or the one
    // --config names); the files of one config form a scope.
    let scopes = scope::assign(inputs.files, &config_choice(args));
    // One pool for loading and checking: a second one would start its own
    // threads, which a one-file pre-commit run notices.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(args.jobs.unwrap_or(0)).build()?;
    let mut loaded = LoadedSets::default();
    let mut config_errors = Vec::new();
    let mut prepared = Vec::new();
    for scope in scopes {
        prepared.push(pool.install(|| prepare_scope(scope, args, &mut loaded, &mut config_errors))?);
    }
    if !config_errors.is_empty() {
        // Scopes that extend one base report its errors once.
        config_errors.sort_by_key(ToString::to_string);
        config_errors.dedup_by(|a, b| a.to_string() == b.to_string());
        return Ok(report_config_errors(&config_errors));
    }

    // Check each scope: classify, parse, run the plugins, locate findings,
    // apply exceptions, then the scope's selection; one report for all.
    let max_findings = args.max_findings.map_or(MAX_FINDINGS_PER_RUN, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let mut report = Report::default();
    let helm = crate::helm::HelmOptions {
        mode: args.render_charts,
        values: args.helm_values.clone(),
        set: args.helm_set.clone(),
    };
    for scope in &mut prepared {
        scope.read_stdin()?;
        let run = RunOptions {
            context: Context::Siblings,
            verbose: args.verbose,
            code_frames: shows_code_frames(args),
            max_findings: max_findings.saturating_sub(report.findings.len()),
        };
        let named = named_paths(&scope.files);
        let mut files = std::mem::take(&mut scope.files);
        // Charts are rendered before the check, and the findings in their
        // templates moved back into them after it.
        let mut render_warnings = Vec::new();
        let rendered =
            pool.install(|| crate::helm::render(&mut files, &helm, &scope.limits, !args.quiet, &mut render_warnings))?;
        // Overlays are built the same way; their findings are moved back
        // into the files as written before exceptions apply, since the
        // build drops the comments that hold them.
        let built = pool.install(|| {
            crate::kustomize::build::render(
                &mut files,
                args.render_overlays,
                &scope.limits,
                !args.quiet,
                &mut render_warnings,
            )
        })?;
        let mut part = pool
            .install(|| check_files_built(files, &named, &scope.plugins, &scope.kinds, &scope.limits, &run, &built));
        let reads_values = |rule: &str| {
            scope.plugins.loaded.iter().any(|plugin| {
                rule.strip_prefix(plugin.info.id.as_str()).is_some_and(|rest| rest.starts_with('/'))
                    && plugin.info.kinds.iter().any(|kind| kind == "helm-values")
            })
        };
        crate::helm::relocate(&mut part.findings, &rendered, &scope.limits, reads_values);
        part.warnings.extend(render_warnings);
        scope.selection.apply(&mut part);
        merge(&mut report, part);
    }
    add_walk_errors(&mut report, inputs.walk_errors);
    report.sort();
    let (checked, _, errored) = report.file_counts();
    if checked + errored == 0 && report.errors.is_empty() && !args.quiet {
        eprintln!("tenken: nothing to check: no config file among the given paths");
    }
    if let Some(path) = &args.baseline {
        report.baseline_unmatched = Some(baseline::apply(&mut report, path)?);
    }
    report.elapsed = Some(started.elapsed());
    if let Some(path) = &args.write_baseline {
        return write_baseline(&report, path);
    }

    let options = RenderOptions { color: use_color(args.color), each_skipped_file: args.verbose, quiet: args.quiet };
    let version = env!("CARGO_PKG_VERSION");
    for (format, path) in &args.outputs {
        // Files never get colour codes.
        let written = std::fs::File::create(path).and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            tenken_report::write(&report, (*format).into(), RenderOptions::default(), version, &mut out)?;
            out.flush()
        });
        written.with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.statistics {
        match args.format {
            crate::cli::OutputFormat::Json => tenken_report::statistics::write_json(&report, &mut out)?,
            _ => tenken_report::statistics::write_text(&report, &mut out)?,
        }
    } else {
        tenken_report::write(&report, args.format.into(), options, version, &mut out)?;
    }
    out.flush()?;

    let code = report.exit_code(args.fail_on.into());
    Ok(if args.exit_zero && code == 1 { 0 } else { code })
}

/// `--write-baseline`: records the findings, names what could not be
/// checked (its findings are not in the baseline, and would look new once
/// it is), and returns the exit code: 2 when something was not checked.
fn write_baseline(report: &Report, path: &std::path::Path) -> anyhow::Result<u8> {
    let recorded = baseline::write(report, path)?;
    eprintln!("tenken: recorded {recorded} findings in {}", path.display());
    // What could not be checked has no findings in the baseline: say
    // which, or the next run's findings there would look new.
    let unchecked_rules = [builtin::INVALID_SYNTAX.id, builtin::FILE_TOO_LARGE.id];
    let unchecked: Vec<&Finding> =
        report.findings.iter().filter(|finding| unchecked_rules.contains(&&*finding.rule.id)).collect();
    let problems = report.errors.iter().map(|problem| ("error", problem));
    for (level, problem) in problems.chain(report.warnings.iter().map(|problem| ("warning", problem))) {
        eprintln!("tenken: {}", tenken_report::untrusted::one_line(&problem_line(level, problem)));
    }
    for finding in &unchecked {
        let at = &finding.location;
        eprintln!(
            "tenken: {}:{}:{}: {} {}",
            tenken_report::untrusted::path(&at.path),
            at.line,
            at.column,
            finding.rule.id,
            tenken_report::untrusted::one_line(&finding.message)
        );
    }
    let (_, _, errored) = report.file_counts();
    if errored > 0 {
        eprintln!(
            "tenken: {errored} {} could not be fully checked; the baseline holds none of {} findings",
            if errored == 1 { "file" } else { "files" },
            if errored == 1 { "its" } else { "their" }
        );
    }
    Ok(if report.errors.is_empty() && errored == 0 { 0 } else { 2 })
}

/// Arguments that cannot go together, found before any work is done.
fn check_output_arguments(args: &CheckArgs) -> anyhow::Result<()> {
    use crate::cli::OutputFormat as Format;
    if args.statistics && !matches!(args.format, Format::Text | Format::Concise | Format::Json) {
        anyhow::bail!("--statistics prints text or JSON; use --format text or --format json with it");
    }
    Ok(())
}

/// Code frames cost memory in every finding; they are made only when an
/// output shows them.
fn shows_code_frames(args: &CheckArgs) -> bool {
    std::iter::once(args.format.into())
        .chain(args.outputs.iter().map(|(format, _)| (*format).into()))
        .any(OutputFormat::shows_code_frames)
}

fn config_choice(args: &CheckArgs) -> scope::ConfigChoice {
    match (&args.config, args.no_config) {
        (_, true) => scope::ConfigChoice::None,
        (Some(path), false) => scope::ConfigChoice::Explicit(path.clone()),
        (None, false) => scope::ConfigChoice::Nearest,
    }
}

/// What the command line asks to check.
struct Inputs {
    /// Every file found, standard input's among them (its bytes are read
    /// once its scope's size limit is known).
    files: Vec<InputFile>,
    walk_errors: Vec<discover::WalkError>,
}

impl Inputs {
    fn gather(args: &CheckArgs) -> anyhow::Result<Self> {
        let mut paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
        if args.changed {
            paths = changed::within(changed::changed_files(args.base.as_deref())?, &paths);
        }
        let stdin_at = paths.iter().position(|path| path.as_os_str() == crate::kinds::STDIN);
        if stdin_at.is_none() && args.stdin_filename.is_some() {
            anyhow::bail!("--stdin-filename names what `-` reads; pass `-` among the paths to read standard input");
        }
        let stdin = stdin_at.map(|at| {
            paths.remove(at);
            let name = args.stdin_filename.clone().unwrap_or_else(|| PathBuf::from(crate::kinds::STDIN));
            InputFile {
                display: name.to_string_lossy().replace('\\', "/"),
                path: name,
                not_read: None,
                explicit: true,
                content: Content::Stdin(Arc::from(Vec::new())),
            }
        });
        let (mut files, walk_errors) = discover(&paths);
        if let Some(stdin) = stdin {
            files.push(stdin);
            files.sort();
        }
        Ok(Self { files, walk_errors })
    }
}

/// The files named on the command line (rather than found in a walk):
/// project-scoped plugins also see the configs next to them.
fn named_paths(files: &[InputFile]) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|file| file.explicit && file.content.in_memory().is_none())
        .map(|file| file.path.clone())
        .collect()
}

/// One scope, ready to check: its plugins configured by its tenken.toml and
/// the command line, its kinds, limits and selection.
struct PreparedScope {
    files: Vec<InputFile>,
    plugins: Plugins,
    kinds: KindMap,
    limits: Limits,
    selection: select::Selection,
}

impl PreparedScope {
    /// Reads standard input into its file, if this scope has it, bounded by
    /// the scope's size limit.
    fn read_stdin(&mut self) -> anyhow::Result<()> {
        for file in &mut self.files {
            if let Content::Stdin(_) = file.content {
                let bytes = crate::read::read_stdin_bounded(self.limits.max_file_bytes)
                    .context("cannot read standard input")?;
                file.content = Content::Stdin(bytes.into());
            }
        }
        Ok(())
    }
}

/// Plugins loaded once per distinct list of plugin files: scopes whose
/// configs add the same plugins (most add none) share them, each with its
/// own settings.
#[derive(Default)]
struct LoadedSets {
    sets: Vec<(Vec<PathBuf>, Plugins)>,
}

impl LoadedSets {
    fn get(&mut self, runtime: &plugins::Runtime, announce: bool) -> anyhow::Result<Plugins> {
        if let Some((_, plugins)) = self.sets.iter().find(|(paths, _)| *paths == runtime.plugins) {
            return Ok(plugins.clone());
        }
        let plugins = plugins::load_announcing(runtime, announce)?;
        self.sets.push((runtime.plugins.clone(), plugins.clone()));
        Ok(plugins)
    }
}

/// Loads a scope's config and prepares its plugins, kinds, limits and
/// selection. Configuration errors are collected, for every scope, into
/// `config_errors`; other errors (a --kind or --select that names nothing)
/// end the run.
fn prepare_scope(
    scope: scope::Scope,
    args: &CheckArgs,
    loaded: &mut LoadedSets,
    config_errors: &mut Vec<config::ConfigError>,
) -> anyhow::Result<PreparedScope> {
    let (config, sources, mut errors) = match &scope.config {
        Some(path) => config::load(path),
        None => (config::Config::default(), Vec::new(), Vec::new()),
    };
    // The command line's --kind mappings come last, so they win.
    let mut kind_mappings: Vec<(String, String)> =
        config.kinds.iter().map(|(glob, (kind, _))| (glob.clone(), kind.clone())).collect();
    kind_mappings.extend(args.kinds.iter().cloned());
    let kinds = KindMap::new(&kind_mappings)?;
    let limits = Limits {
        max_file_bytes: args
            .max_file_size
            .or(config.max_file_size.as_ref().map(|(size, _)| *size))
            .unwrap_or(Limits::default().max_file_bytes),
        ..Limits::default()
    };
    let mut runtime = plugins::Runtime::from(&args.runtime);
    let errors_before_plugins = errors.len();
    runtime.plugins.extend(config::plugin_paths(&config, &mut errors));
    let plugins_refused = errors.len() > errors_before_plugins;
    // --plugin-settings are applied after tenken.toml's, below, so they win.
    let command_line_settings = std::mem::take(&mut runtime.plugin_settings);
    let announce = args.verbose || (!args.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let mut plugins = loaded.get(&runtime, announce)?;

    let rules = crate::catalog::every_rule(&plugins.loaded);
    let facts: Vec<select::RuleFacts<'_>> = rules.iter().map(crate::catalog::facts).collect();
    // A selector of a plugin that was refused (a sha256 mismatch) or
    // failed to load names nothing loaded, but is no typo: the refusal is
    // the error to report.
    if !plugins_refused && plugins.failed.is_empty() {
        select::validate(&config, &facts, &mut errors);
    }
    let current = |selectors: &[String]| -> Vec<String> {
        selectors.iter().map(|selector| crate::aliases::current(selector).to_owned()).collect()
    };
    let command_line_selection = select::CommandLineSelection {
        select: args.select.as_deref().map(current),
        extend_select: current(&args.extend_select),
        ignore: current(&args.ignore),
    };
    if let Some(message) =
        command_line_selection.selectors().find_map(|selector| select::unknown_selector(selector, &facts))
    {
        anyhow::bail!("{message}");
    }
    validate_kinds(&config, &args.kinds, &plugins, &sources, &mut errors)?;
    config::configure_plugins(&config, &sources, &mut plugins.loaded, &mut errors);
    if errors.is_empty() {
        plugins::configure(&mut plugins.loaded, &command_line_settings)?;
    }
    config_errors.extend(errors);
    // Every plugin runs and deselected findings are dropped afterwards, so
    // that exceptions for deselected rules are not mistaken for unused ones.
    let selection = select::Selection::with_command_line(&config, command_line_selection);
    Ok(PreparedScope { files: scope.files, plugins, kinds, limits, selection })
}

/// Adds one scope's report to the run's. Plugins and rules are listed
/// once; errors that every scope repeats (a plugin that failed to load)
/// are kept once.
fn merge(report: &mut Report, part: Report) {
    report.findings.extend(part.findings);
    for error in part.errors {
        if !report.errors.iter().any(|known| known.path == error.path && known.message == error.message) {
            report.errors.push(error);
        }
    }
    report.warnings.extend(part.warnings);
    report.files.extend(part.files);
    for plugin in part.plugins {
        if !report.plugins.iter().any(|known| known.id == plugin.id && known.sha256 == plugin.sha256) {
            report.plugins.push(plugin);
        }
    }
    for rule in part.rules {
        if !report.rules.iter().any(|known| known.id == rule.id) {
            report.rules.push(rule);
        }
    }
}

/// `path:line:column: error message`, for problems printed to stderr.
fn problem_line(level: &str, problem: &Problem) -> String {
    let position = match (problem.line, problem.column) {
        (Some(line), Some(column)) => format!(":{line}:{column}"),
        (Some(line), None) => format!(":{line}"),
        _ => String::new(),
    };
    format!("{}{position}: {level}: {}", problem.path, problem.full_message())
}

/// Checks that every kind named in `[kinds]` or `--kind` is one that tenken
/// classifies or a loaded plugin reads: a misspelt kind would otherwise
/// leave its files unchecked without a word. A `[kinds]` entry becomes a
/// config error at its line; a `--kind` is a usage error.
fn validate_kinds(
    config: &config::Config,
    command_line: &[(String, String)],
    plugins: &Plugins,
    sources: &[config::Source],
    errors: &mut Vec<config::ConfigError>,
) -> anyhow::Result<()> {
    let mut known: BTreeSet<&str> = tenken_formats::classify::KINDS.iter().copied().collect();
    known.extend(plugins.loaded.iter().flat_map(|plugin| &plugin.info.kinds).map(String::as_str));
    known.remove("*");
    let known_list = || known.iter().copied().collect::<Vec<_>>().join(", ");
    if let Some((glob, kind)) = command_line.iter().find(|(_, kind)| !known.contains(kind.as_str())) {
        anyhow::bail!("--kind '{glob}={kind}': unknown kind `{kind}`; known kinds: {}", known_list());
    }
    for (glob, (kind, origin)) in &config.kinds {
        if known.contains(kind.as_str()) {
            continue;
        }
        let Some(source) = sources.iter().find(|source| source.display == origin.file) else { continue };
        let pointer = format!("/kinds/{}", config::pointer_key(glob));
        errors.push(source.error(&pointer, format!("unknown kind `{kind}`; known kinds: {}", known_list())));
    }
    Ok(())
}

/// Prints configuration errors, all of them, and returns the exit code for
/// a configuration error.
pub(crate) fn report_config_errors(errors: &[config::ConfigError]) -> u8 {
    let mut errors = errors.to_vec();
    errors.sort_by(|a, b| (&a.origin.file, a.origin.line, a.column).cmp(&(&b.origin.file, b.origin.line, b.column)));
    for error in &errors {
        eprintln!("tenken: error: {}", tenken_report::untrusted::one_line(&error.to_string()));
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
    /// The documents project-scoped plugins read, if the file has any.
    retained: Option<Box<Retained>>,
    /// A sibling read only as context for project-scoped plugins: not an
    /// input, so it is neither listed nor reported on.
    context: bool,
    /// Part of the file did not parse (a finding says where), so not all
    /// of it was checked.
    incomplete: bool,
    /// Plugins switched off before they checked this file (too many calls
    /// ran out of time or memory, or the run's plugin time ran out), with
    /// why. Reported once per plugin and reason, with the number of files.
    not_checked_by: Vec<(String, String)>,
    /// Findings in a called module's file under one call's inputs, kept
    /// apart until those its own document has are left out.
    findings_from_calls: Vec<Finding>,
    /// The exceptions written in the file.
    exceptions: Vec<suppress::Exception>,
    log: Vec<String>,
}

/// What project-scoped plugins need of a file until every file is parsed:
/// the documents of their kinds, as the compact trees they receive, and
/// each document's spans, which locate findings in it. The parsed file
/// itself is dropped, so memory grows with compressed trees and spans
/// alone. A project finding is located by reading its file's text again
/// (a read, not a parse: parsing again took a sixth of a 10,000-file check)
/// and resolving its pointer with the retained tree and spans. Keeping the
/// text instead of reading it again held 21 MB more on `../shared/corpus`,
/// where few files have project findings.
struct Retained {
    file: InputFile,
    /// [`project::text_hash`] of the text as parsed, to notice a file that
    /// changed before its findings were located.
    text_hash: u64,
    /// The block that holds its documents' spans.
    locating: Arc<RetainedBlock>,
    documents: Box<[RetainedDocument]>,
}

struct RetainedDocument {
    kind: &'static str,
    format: tenken_formats::Format,
    index: u32,
    /// The template it was rendered from (see [`tenken_formats::Document::rendered_from`]).
    rendered_from: Option<Arc<str>>,
    /// The block that holds its compact tree, and where the tree is in it.
    /// The length sizes project calls.
    block: Arc<RetainedBlock>,
    range: std::ops::Range<usize>,
    /// Where its packed spans ([`tenken_formats::span::SpanNode::pack_into`])
    /// are in the file's `locating` block.
    spans: std::ops::Range<usize>,
}

/// Retained bytes of a batch of files, LZ4-compressed as one block: the
/// compact trees of the documents of one kind, or the spans that locate
/// findings. Documents of neighbouring files repeat each other's
/// keys and often their values, so a batch's block compresses about 5 times
/// where single documents compress 1.7 times (Kubernetes documents of the
/// generated corpus): about 30 MB less at 50,000 files, for one
/// decompression per block and project call. Trees are kept one kind per
/// block, so that a call decompresses only the kinds its plugin reads.
struct RetainedBlock {
    /// The bytes, size prepended.
    compressed: Box<[u8]>,
}

impl RetainedBlock {
    fn new(bytes: &[u8]) -> Arc<Self> {
        // Boxed, so the compressor's worst-case buffer is shrunk to fit.
        Arc::new(Self { compressed: lz4_flex::block::compress_prepend_size(bytes).into_boxed_slice() })
    }

    fn bytes(&self) -> Vec<u8> {
        lz4_flex::block::decompress_size_prepended(&self.compressed).expect("tenken compressed this block itself")
    }
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

/// How one run checks its files, beyond the plugins and limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunOptions {
    pub(crate) context: Context,
    /// Log plugin output and cache use to stderr.
    pub(crate) verbose: bool,
    /// Keep a few lines of source in each finding, for outputs that show them.
    pub(crate) code_frames: bool,
    /// The most findings the run holds; the rest are counted and reported.
    pub(crate) max_findings: usize,
}

/// Checks the files under `paths`, with one set of plugins and settings.
pub(crate) fn check_paths(
    paths: &[PathBuf],
    plugins: &Plugins,
    kinds: &KindMap,
    limits: &Limits,
    run: &RunOptions,
) -> Report {
    let (files, walk_errors) = discover(paths);
    let mut report = check_files(files, paths, plugins, kinds, limits, run);
    add_walk_errors(&mut report, walk_errors);
    report.sort();
    report
}

/// Reports the paths that could not be walked, as errors and as files
/// that could not be checked.
fn add_walk_errors(report: &mut Report, walk_errors: Vec<discover::WalkError>) {
    for error in walk_errors {
        report.errors.push(problem(ProblemKind::Read, &error.display, None, None, error.message));
        report.files.push(FileOutcome {
            path: error.display,
            status: FileStatus::Error,
            format: None,
            documents: vec![],
        });
    }
}

/// Checks `files` with one set of plugins and settings. Project-scoped
/// plugins also see the config files next to the files named in
/// `named_paths` (see [`Context::Siblings`]).
pub(crate) fn check_files(
    files: Vec<InputFile>,
    named_paths: &[PathBuf],
    plugins: &Plugins,
    kinds: &KindMap,
    limits: &Limits,
    run: &RunOptions,
) -> Report {
    check_files_built(files, named_paths, plugins, kinds, limits, run, &crate::kustomize::build::Built::default())
}

/// [`check_files`], where some files hold what a kustomize overlay builds
/// from them (`built`).
fn check_files_built(
    files: Vec<InputFile>,
    named_paths: &[PathBuf],
    plugins: &Plugins,
    kinds: &KindMap,
    limits: &Limits,
    run: &RunOptions,
    built: &crate::kustomize::build::Built,
) -> Report {
    let RunOptions { context, verbose, code_frames, max_findings } = *run;
    let project: Vec<&LoadedPlugin> =
        plugins.loaded.iter().filter(|plugin| plugin.info.scope == Scope::Project).collect();

    let progress = Progress::start(files.len());
    let locator = Locator::new(&plugins.loaded, code_frames);
    let reads_terraform =
        plugins.loaded.iter().any(|plugin| plugin.info.scope == Scope::File && plugin.info.applies_to("terraform"));
    let modules = if reads_terraform {
        crate::terraform_modules::ModuleCalls::gather(&files, Reader { kinds, limits })
    } else {
        crate::terraform_modules::ModuleCalls::default()
    };
    let batch = Batch {
        plugins: &plugins.loaded,
        project: &project,
        kinds,
        limits,
        call_bytes: plugins.call_bytes,
        locator: &locator,
        modules: &modules,
    };
    // Findings go into one vector as each batch finishes, in whatever order
    // batches finish: the report is sorted by a total order at the end. One
    // growing vector is reallocated in place by the allocator, where moving
    // per-file vectors into it at the end would hold every finding twice.
    let findings = std::sync::Mutex::new(Vec::new());
    let dropped = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<FileResult> = files
        .par_chunks(FILES_PER_BATCH)
        .flat_map_iter(|chunk| {
            let mut results = batch.check(chunk);
            let mut sink = findings.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            for result in &mut results {
                let room = max_findings.saturating_sub(sink.len());
                let mut found = std::mem::take(&mut result.findings);
                if found.len() > room {
                    dropped.fetch_add(found.len() - room, std::sync::atomic::Ordering::Relaxed);
                    found.truncate(room);
                    result.incomplete = true;
                }
                sink.extend(found);
            }
            drop(sink);
            for _ in chunk {
                progress.advance();
            }
            results
        })
        .collect();
    progress.finish();
    if !project.is_empty() && context == Context::Siblings {
        let context = discover::sibling_context(named_paths, &files);
        results.par_extend(context.par_iter().filter_map(|file| read_context(file, kinds, limits, &project)));
    }

    let mut report = Report {
        findings: findings.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner),
        ..Report::default()
    };
    let reader = Reader { kinds, limits };
    let mut project_findings =
        run_project_plugins(&project, plugins.call_bytes, &mut results, reader, &locator, &mut report);
    let mut dropped = dropped.into_inner();
    let room = max_findings.saturating_sub(report.findings.len());
    if project_findings.len() > room {
        dropped += project_findings.len() - room;
        // Which project findings are kept must not depend on the order
        // plugins returned them in: the files they land in are marked as
        // not fully reported below.
        project_findings.sort_by(|a, b| {
            (&a.location.path, a.location.line, a.location.column, &a.rule.id).cmp(&(
                &b.location.path,
                b.location.line,
                b.location.column,
                &b.rule.id,
            ))
        });
        let cut: std::collections::HashSet<&str> =
            project_findings[room..].iter().map(|finding| &*finding.location.path).collect();
        for outcome in results.iter_mut().filter_map(|result| result.outcome.as_mut()) {
            if cut.contains(outcome.path.as_str()) {
                outcome.status = FileStatus::Error;
            }
        }
        project_findings.truncate(room);
    }
    report.findings.extend(project_findings);

    if dropped > 0 {
        report.errors.push(problem(
            ProblemKind::Plugin,
            "",
            None,
            None,
            format!(
                "{dropped} findings were not reported: a run reports at most {max_findings} (--max-findings); check fewer \
                 files at once, or switch off the rules that report most"
            ),
        ));
    }
    for (origin, message) in &plugins.failed {
        report.errors.push(problem(ProblemKind::Plugin, origin, None, None, format!("plugin {message}")));
    }
    let mut log = Vec::new();
    let mut exceptions = Vec::new();
    let mut not_checked_by: BTreeMap<(String, String), usize> = BTreeMap::new();
    for result in results {
        for switched_off in result.not_checked_by {
            *not_checked_by.entry(switched_off).or_default() += 1;
        }
        exceptions.extend(result.exceptions);
        report.errors.extend(result.errors);
        report.warnings.extend(result.warnings);
        report.files.extend(result.outcome);
        log.extend(result.log);
    }
    for ((plugin, why), files) in not_checked_by {
        let files = if files == 1 { "1 file".to_owned() } else { format!("{files} files") };
        let mut error =
            problem(ProblemKind::Plugin, &plugin, None, None, format!("plugin {plugin} did not check {files}: {why}"));
        error.plugin = Some(plugin);
        report.errors.push(error);
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
    built.relocate(&mut report.findings, &mut exceptions, limits, code_frames);
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
    report.findings.extend(about_exceptions);
    // tenken's own rules are described when they have findings.
    let tenken_rules: Vec<RuleDescriptor> = builtin::all()
        .into_iter()
        .filter(|rule| report.findings.iter().any(|finding| *finding.rule.id == *rule.id))
        .map(builtin::BuiltinRule::descriptor)
        .collect();
    redact::redact(&mut report.findings, |rule| {
        plugins.loaded.iter().any(|plugin| {
            rule.strip_prefix(plugin.info.id.as_str())
                .and_then(|rest| rest.strip_prefix('/'))
                .and_then(|id| plugin.info.rule(id))
                .is_some_and(|info| info.sensitive)
        })
    });
    report.rules = crate::catalog::plugin_rules(&plugins.loaded).into_iter().chain(tenken_rules).collect();
    report.sort();

    if verbose {
        let stderr = std::io::stderr();
        let mut err = stderr.lock();
        let cache_notes = plugins.loaded.first().map(LoadedPlugin::cache_notes).unwrap_or_default();
        for line in plugins.load_log.iter().chain(&cache_notes).chain(&log) {
            let _ = writeln!(err, "tenken: {}", tenken_report::untrusted::one_line(line));
        }
    }
    report
}

fn problem(kind: ProblemKind, path: &str, line: Option<u32>, column: Option<u32>, message: String) -> Problem {
    Problem { kind, path: path.to_owned(), line, column, plugin: None, message, excerpt: None }
}

/// Reads and parses one input. Without a parsed file, the result already
/// says why: skipped with a reason, a finding of one of tenken's own rules
/// (a file that is too large or does not parse), or an error.
/// The most findings one run holds, about 250 MB of them. A real
/// 50,000-file repository had 305,232; past the limit, a plugin that
/// reports on every node could otherwise exhaust memory. Findings over it
/// are counted and reported as an error, never dropped silently.
pub(crate) const MAX_FINDINGS_PER_RUN: usize = 2_000_000;
