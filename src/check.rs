//! `tenken check`: discover → parse once → run plugins → resolve → report.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use rayon::prelude::*;
use tenken_formats::{DiagnosticLevel, Document, Limits, ParsedFile, Skip};
use tenken_host::{CheckOutput, DocumentInput, LoadedPlugin, PluginError, RawFinding, Scope};
use tenken_report::{
    DocumentSummary, FileOutcome, FileStatus, Finding, Location, OutputFormat, PluginSummary, Problem, ProblemKind,
    RenderOptions, Report, RuleDescriptor,
};

use crate::baseline;
use crate::builtin;
use crate::changed;
use crate::cli::{CheckArgs, ColorChoice};
use crate::config;
use crate::discover::{self, InputFile, discover};
use crate::kinds::KindMap;
use crate::locate::{Locator, excerpt};
use crate::plugins::{self, Plugins};
use crate::progress::Progress;
use crate::read::{ReadFailure, read_input};
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
        config_errors.dedup_by(|a, b| a.to_string() == b.to_string());
        return Ok(report_config_errors(&config_errors));
    }

    // Check each scope: classify, parse, run the plugins, locate findings,
    // apply exceptions, then the scope's selection; one report for all.
    let max_findings = args.max_findings.map_or(MAX_FINDINGS_PER_RUN, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let mut report = Report::default();
    for scope in &mut prepared {
        scope.read_stdin()?;
        let run = RunOptions {
            context: Context::Siblings,
            verbose: args.verbose,
            code_frames: shows_code_frames(args),
            max_findings: max_findings.saturating_sub(report.findings.len()),
        };
        let named = named_paths(&scope.files);
        let files = std::mem::take(&mut scope.files);
        let mut part = pool.install(|| check_files(files, &named, &scope.plugins, &scope.kinds, &scope.limits, &run));
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
        let recorded = baseline::write(&report, path)?;
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
        return Ok(if report.errors.is_empty() && errored == 0 { 0 } else { 2 });
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
                stdin: Some(Arc::from(Vec::new())),
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
    files.iter().filter(|file| file.explicit && file.stdin.is_none()).map(|file| file.path.clone()).collect()
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
            if file.stdin.is_some() {
                let bytes = crate::read::read_stdin_bounded(self.limits.max_file_bytes)
                    .context("cannot read standard input")?;
                file.stdin = Some(bytes.into());
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

    let rules = rule_facts(&plugins);
    let facts: Vec<select::RuleFacts<'_>> = rules
        .iter()
        .map(|(id, plugin, category, severity)| select::RuleFacts { id, plugin, category, severity })
        .collect();
    // A selector of a plugin that was refused (a sha256 mismatch) or
    // failed to load names nothing loaded, but is no typo: the refusal is
    // the error to report.
    if !plugins_refused && plugins.failed.is_empty() {
        select::validate(&config, &facts, &mut errors);
    }
    let command_line_selection = select::CommandLineSelection {
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
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

/// (id, plugin, category, severity) of every loaded rule and tenken's own.
fn rule_facts(plugins: &Plugins) -> Vec<(String, String, &'static str, &'static str)> {
    plugins
        .loaded
        .iter()
        .flat_map(|plugin| {
            plugin.info.rules.iter().map(|rule| {
                (
                    format!("{}/{}", plugin.info.id, rule.id),
                    plugin.info.id.clone(),
                    rule.category.as_str(),
                    rule.default_severity.as_str(),
                )
            })
        })
        .chain(
            builtin::descriptors()
                .into_iter()
                .map(|rule| (rule.id.clone(), rule.plugin.clone(), rule.category.as_str(), rule.severity.as_str())),
        )
        .collect()
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
    /// The exceptions written in the file.
    exceptions: Vec<suppress::Exception>,
    log: Vec<String>,
}

/// What project-scoped plugins need of a file until every file is parsed:
/// the documents of their kinds, as the JSON text they receive. The parsed
/// file itself is dropped, so memory grows with those documents alone; the
/// few files a project finding lands in are parsed again to locate it.
struct Retained {
    file: InputFile,
    /// [`text_hash`] of the file's text as parsed.
    text_hash: u64,
    documents: Box<[RetainedDocument]>,
}

struct RetainedDocument {
    /// Position in the parsed file's documents.
    position: usize,
    kind: &'static str,
    format: &'static str,
    index: u32,
    /// The block that holds its JSON text, and where the text is in it.
    /// The length sizes project calls.
    block: Arc<RetainedBlock>,
    range: std::ops::Range<usize>,
}

/// The JSON text of the retained documents of one kind in a batch of
/// files, one after the other, LZ4-compressed as one block. Documents of
/// neighbouring files repeat each other's keys and often their values, so
/// a batch's block compresses about 5 times where single documents
/// compress 1.7 times (Kubernetes documents of the generated corpus):
/// about 30 MB less at 50,000 files, for one decompression per block and
/// project call. One kind per block, so that a call decompresses only text
/// of the kinds its plugin reads.
struct RetainedBlock {
    /// The text, size prepended.
    compressed: Box<[u8]>,
}

impl RetainedBlock {
    fn new(text: &str) -> Arc<Self> {
        // Boxed, so the compressor's worst-case buffer is shrunk to fit.
        Arc::new(Self { compressed: lz4_flex::block::compress_prepend_size(text.as_bytes()).into_boxed_slice() })
    }

    fn text(&self) -> String {
        let bytes =
            lz4_flex::block::decompress_size_prepended(&self.compressed).expect("tenken compressed this block itself");
        String::from_utf8(bytes).expect("tenken compressed this block from a string")
    }
}

/// Keeps the documents of each parsed file whose kind some project-scoped
/// plugin reads (`read`), in one block per kind. The result lines up with
/// `files`: nothing for a file that was not parsed or has no such
/// documents.
fn retain<'f>(
    files: impl IntoIterator<Item = Option<(&'f InputFile, &'f ParsedFile, &'f [String])>>,
    read: impl Fn(&str) -> bool,
) -> Vec<Option<Box<Retained>>> {
    // Each kind's text, and per file the documents kept: (position in the
    // file, the document, index of its kind's text, range in that text).
    let mut texts: Vec<(&'static str, String)> = Vec::new();
    let kept: Vec<_> = files
        .into_iter()
        .map(|file| {
            let (file, parsed, trees) = file?;
            let mut documents = Vec::new();
            for (position, (document, tree)) in parsed.documents.iter().zip(trees).enumerate() {
                if !read(document.kind) {
                    continue;
                }
                let kind = match texts.iter().position(|(kind, _)| *kind == document.kind) {
                    Some(kind) => kind,
                    None => {
                        texts.push((document.kind, String::new()));
                        texts.len() - 1
                    }
                };
                let text = &mut texts[kind].1;
                let start = text.len();
                text.push_str(tree);
                documents.push((position, document, kind, start..text.len()));
            }
            (!documents.is_empty()).then_some((file, parsed, documents))
        })
        .collect();
    let blocks: Vec<Arc<RetainedBlock>> = texts.iter().map(|(_, text)| RetainedBlock::new(text)).collect();
    kept.into_iter()
        .map(|kept| {
            let (file, parsed, documents) = kept?;
            let documents = documents
                .into_iter()
                .map(|(position, document, kind, range)| RetainedDocument {
                    position,
                    kind: document.kind,
                    format: document.format.as_str(),
                    index: document.index,
                    block: blocks[kind].clone(),
                    range,
                })
                .collect();
            Some(Box::new(Retained { file: file.clone(), text_hash: text_hash(&parsed.source.text), documents }))
        })
        .collect()
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
    let RunOptions { context, verbose, code_frames, max_findings } = *run;
    let project: Vec<&LoadedPlugin> =
        plugins.loaded.iter().filter(|plugin| plugin.info.scope == Scope::Project).collect();

    let progress = Progress::start(files.len());
    let locator = Locator::new(&plugins.loaded, code_frames);
    let batch = Batch {
        plugins: &plugins.loaded,
        project: &project,
        kinds,
        limits,
        call_bytes: plugins.call_bytes,
        locator: &locator,
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
/// Why a file yields no parsed documents.
enum Unparsed {
    /// Not read at all (see [`InputFile::not_read`]).
    NotRead(&'static str),
    /// No format tenken knows, by name or mapping.
    NotAConfig,
    /// Over the size limit, by its size before reading.
    TooLarge { size: u64, format: tenken_formats::Format },
    /// The bytes could not be read.
    Unreadable { error: ReadFailure, format: tenken_formats::Format },
    /// A symbolic link git checked out as a file holding its target.
    LinkStoredAsText { target: String, format: tenken_formats::Format },
    /// Read, but not parsed: too large once decoded, not text, a Helm template.
    Skipped { skip: Skip, format: tenken_formats::Format },
}

/// Reads and parses one input: the one way every pass does it, so that
/// the files project plugins read again are read exactly as at first.
fn read_and_parse(file: &InputFile, kinds: &KindMap, limits: &Limits) -> Result<ParsedFile, Unparsed> {
    if let Some(reason) = file.not_read {
        return Err(Unparsed::NotRead(reason));
    }
    let format = kinds.format(file).ok_or(Unparsed::NotAConfig)?;
    let bytes = match read_input(file, limits.max_file_bytes) {
        Ok(bytes) => bytes,
        Err(ReadFailure::TooLarge { size, .. }) => return Err(Unparsed::TooLarge { size, format }),
        Err(error) => return Err(Unparsed::Unreadable { error, format }),
    };
    if file.stdin.is_none()
        && let Some(target) = crate::read::link_stored_as_text(&file.path, &bytes)
    {
        return Err(Unparsed::LinkStoredAsText { target, format });
    }
    tenken_formats::parse_file(&file.display, &bytes, format, limits, &kinds.hints(file))
        .map_err(|skip| Unparsed::Skipped { skip, format })
}

/// Reads and parses one input. Without a parsed file, the result already
/// says why: skipped with a reason, a finding of one of tenken's own rules
/// (a file that is too large or does not parse), or an error.
fn open_file(file: &InputFile, kinds: &KindMap, limits: &Limits, locator: &Locator) -> (FileResult, Option<OpenFile>) {
    let mut result = FileResult::default();
    let outcome = |status, format: Option<tenken_formats::Format>, documents| FileOutcome {
        path: file.display.clone(),
        status,
        format: format.map(|format| format.as_str().to_owned()),
        documents,
    };
    let skipped = |reason: String| FileStatus::Skipped { reason };
    let parsed = match read_and_parse(file, kinds, limits) {
        Ok(parsed) => parsed,
        Err(unparsed) => {
            match unparsed {
                Unparsed::NotRead(reason) => result.outcome = Some(outcome(skipped(reason.to_owned()), None, vec![])),
                Unparsed::NotAConfig => {
                    if file.explicit {
                        result.warnings.push(problem(
                            ProblemKind::Read,
                            &file.display,
                            None,
                            None,
                            "named on the command line, but not a config file tenken knows; map it to a kind with \
                             `--kind GLOB=KIND` or `[kinds]` in tenken.toml to check it"
                                .to_owned(),
                        ));
                    }
                    result.outcome = Some(outcome(skipped(NOT_A_CONFIG.to_owned()), None, vec![]));
                }
                Unparsed::TooLarge { size, format } => {
                    let message = format!(
                        "{}; not checked (the limit is set by --max-file-size or max-file-size in tenken.toml)",
                        Skip::TooLarge { size, limit: limits.max_file_bytes }
                    );
                    result.findings.push(file_level_finding(&builtin::FILE_TOO_LARGE, file, 1, 1, message));
                    result.outcome = Some(outcome(FileStatus::Error, Some(format), vec![]));
                }
                Unparsed::Unreadable { error, format } => {
                    let message = format!("could not read: {error}");
                    result.errors.push(problem(ProblemKind::Read, &file.display, None, None, message));
                    result.outcome = Some(outcome(FileStatus::Error, Some(format), vec![]));
                }
                Unparsed::LinkStoredAsText { target, format } => {
                    let reason = format!(
                        "a symbolic link stored as a text file (git checked it out with core.symlinks=false) \
                         pointing to `{target}`; the target is what to check"
                    );
                    result.outcome = Some(outcome(skipped(reason), Some(format), vec![]));
                }
                Unparsed::Skipped { skip: skip @ Skip::HelmTemplate, format } => {
                    result.outcome = Some(outcome(skipped(skip.to_string()), Some(format), vec![]));
                }
                Unparsed::Skipped { skip: skip @ Skip::TooLarge { .. }, format } => {
                    let finding = file_level_finding(&builtin::FILE_TOO_LARGE, file, 1, 1, skip.to_string());
                    result.findings.push(finding);
                    result.outcome = Some(outcome(FileStatus::Error, Some(format), vec![]));
                }
                Unparsed::Skipped { skip: skip @ (Skip::InvalidUtf8 { .. } | Skip::Binary), format } => {
                    let (line, column) = match skip {
                        Skip::InvalidUtf8 { line, column } => (line, column),
                        _ => (1, 1),
                    };
                    let message = format!("{skip}; a {format} file must be text");
                    result.findings.push(file_level_finding(&builtin::INVALID_SYNTAX, file, line, column, message));
                    result.outcome = Some(outcome(FileStatus::Error, Some(format), vec![]));
                }
            }
            return (result, None);
        }
    };
    let format = parsed.format;

    for diagnostic in &parsed.diagnostics {
        match diagnostic.level {
            DiagnosticLevel::Error => {
                let span = diagnostic.span.unwrap_or_default();
                result.findings.push(locator.builtin(&builtin::INVALID_SYNTAX, &parsed, span, &diagnostic.message));
                result.incomplete = true;
            }
            DiagnosticLevel::Warning => {
                let mut entry = problem(ProblemKind::Parse, &file.display, None, None, diagnostic.message.clone());
                if let Some(span) = diagnostic.span {
                    let at = parsed.source.lines.line_column(&parsed.source.text, span.start);
                    entry.line = Some(at.line);
                    entry.column = Some(at.column);
                    entry.excerpt = Some(excerpt(&parsed, span));
                }
                result.warnings.push(entry);
            }
        }
    }

    result.exceptions = suppress::collect(&parsed);
    // Serialize each tree once; every plugin reads the same text.
    let trees = parsed.documents.iter().map(|document| document.tree.to_string()).collect();
    (result, Some(OpenFile { parsed, trees, format: format.as_str() }))
}

/// [`open_file`], with a panic (a bug in a parser, met on one file) turned
/// into an error on that file, so that every other file is still checked.
fn open_file_isolated(
    file: &InputFile,
    kinds: &KindMap,
    limits: &Limits,
    locator: &Locator,
) -> (FileResult, Option<OpenFile>) {
    let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| open_file(file, kinds, limits, locator)));
    opened.unwrap_or_else(|panic| {
        let mut result = FileResult::default();
        result.errors.push(problem(
            ProblemKind::Parse,
            &file.display,
            None,
            None,
            format!("internal error while reading this file: {}; this is a bug in tenken", panic_message(&*panic)),
        ));
        result.outcome = Some(FileOutcome {
            path: file.display.clone(),
            status: FileStatus::Error,
            format: None,
            documents: vec![],
        });
        (result, None)
    })
}

/// The text a panic was raised with.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

/// The reason given for files whose name marks no config format.
const NOT_A_CONFIG: &str = "not a config file";

/// A finding of one of tenken's own rules about a file that was not parsed,
/// so has no source to show.
fn file_level_finding(
    rule: &builtin::BuiltinRule,
    file: &InputFile,
    line: u32,
    column: u32,
    message: String,
) -> Finding {
    let location = Location { path: file.display.as_str().into(), line, column, end_line: line, end_column: column };
    rule.finding(message, location)
}

/// A parsed input, its trees serialized once for every plugin.
struct OpenFile {
    parsed: ParsedFile,
    trees: Vec<String>,
    format: &'static str,
}

/// The most findings one run holds, about 250 MB of them. A real
/// 50,000-file repository had 305,232; past the limit, a plugin that
/// reports on every node could otherwise exhaust memory. Findings over it
/// are counted and reported as an error, never dropped silently.
pub(crate) const MAX_FINDINGS_PER_RUN: usize = 2_000_000;

/// Files are checked in batches: each file-scoped plugin is called once per
/// batch with the documents of every file in it, rather than once per file.
/// A call costs a fresh instance, and on a corpus most of the time went to
/// setting instances up and tearing them down. Findings name their
/// document, so each still lands in its own file.
pub(crate) const FILES_PER_BATCH: usize = 32;

/// What checking a batch of files needs.
struct Batch<'a> {
    plugins: &'a [LoadedPlugin],
    project: &'a [&'a LoadedPlugin],
    kinds: &'a KindMap,
    limits: &'a Limits,
    /// The most document text one call carries; a batch over it is split.
    call_bytes: usize,
    locator: &'a Locator,
}

impl Batch<'_> {
    fn check(&self, files: &[InputFile]) -> Vec<FileResult> {
        let mut opened: Vec<(FileResult, Option<OpenFile>)> =
            files.iter().map(|file| open_file_isolated(file, self.kinds, self.limits, self.locator)).collect();
        // Every (plugin, call) of the batch, planned, then made in parallel:
        // for a one-file pre-commit run that links and runs a dozen plugins
        // on every core rather than one after the other. Outcomes are
        // applied in plan order, so the report does not depend on timing.
        let mut planned: Vec<(&LoadedPlugin, Vec<(usize, usize)>)> = Vec::new();
        for plugin in self.plugins.iter().filter(|plugin| plugin.info.scope == Scope::File) {
            // (file in the batch, document) of every document the plugin
            // reads, in file order.
            let selected: Vec<(usize, usize)> = opened
                .iter()
                .enumerate()
                .filter_map(|(position, (_, open))| open.as_ref().map(|open| (position, open)))
                .flat_map(|(position, open)| {
                    open.parsed
                        .documents
                        .iter()
                        .enumerate()
                        .filter(|(_, document)| applies_to(plugin, document.kind))
                        .map(move |(index, _)| (position, index))
                })
                .collect();
            for call in pack_whole_files(&selected, &opened, self.call_bytes) {
                planned.push((plugin, call));
            }
        }
        let outcomes: Vec<Vec<CallOutcome<'_>>> =
            planned.par_iter().map(|(plugin, call)| call_file_plugin(plugin, call, &opened)).collect();
        for ((plugin, _), outcomes) in planned.iter().zip(outcomes) {
            for outcome in outcomes {
                // Locating resolves the plugin's pointers in the file: a
                // panic there (a bug) loses this call's findings, reported
                // on its file, not the run.
                let first = outcome.call[0].0;
                let located = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    apply_call_outcome(self.locator, plugin, outcome, &mut opened);
                }));
                if let Err(panic) = located {
                    let path = path_of(&opened, first);
                    let message = format!(
                        "internal error while locating this plugin's findings: {}; this is a bug in tenken",
                        panic_message(&*panic)
                    );
                    let mut error = problem(ProblemKind::Plugin, &path, None, None, message);
                    error.plugin = Some(plugin.info.id.clone());
                    opened[first].0.errors.push(error);
                }
            }
        }
        let retained = retain(
            files
                .iter()
                .zip(&opened)
                .map(|(file, (_, open))| open.as_ref().map(|open| (file, &open.parsed, open.trees.as_slice()))),
            |kind| read_by_any(self.project, kind),
        );
        files
            .iter()
            .zip(opened)
            .zip(retained)
            .map(|((file, (mut result, open)), retained)| {
                let Some(open) = open else { return result };
                let complete = result.errors.is_empty() && !result.incomplete;
                let status = if complete { FileStatus::Checked } else { FileStatus::Error };
                let documents = open
                    .parsed
                    .documents
                    .iter()
                    .map(|document| DocumentSummary { index: document.index, kind: document.kind.to_owned() })
                    .collect();
                result.outcome = Some(FileOutcome {
                    path: file.display.clone(),
                    status,
                    format: Some(open.format.to_owned()),
                    documents,
                });
                result.retained = retained;
                result
            })
            .collect()
    }
}

/// Groups `selected` documents into calls of whole files, each up to
/// `budget` bytes of trees (a single larger file is a call of its own).
fn pack_whole_files(
    selected: &[(usize, usize)],
    opened: &[(FileResult, Option<OpenFile>)],
    budget: usize,
) -> Vec<Vec<(usize, usize)>> {
    let tree_bytes =
        |&(file, document): &(usize, usize)| opened[file].1.as_ref().map_or(0, |open| open.trees[document].len());
    pack_whole_files_by(selected, |a, b| a.0 == b.0, tree_bytes, budget)
}

/// Packs `items` (in file order; `same_file` tells runs of one file apart)
/// into groups of whole files, each up to `budget` bytes, except a single
/// file over the budget, which is a group of its own.
fn pack_whole_files_by<T: Copy>(
    items: &[T],
    same_file: impl Fn(&T, &T) -> bool,
    bytes_of: impl Fn(&T) -> usize,
    budget: usize,
) -> Vec<Vec<T>> {
    let mut groups = Vec::new();
    let mut group: Vec<T> = Vec::new();
    let mut bytes = 0;
    for file in items.chunk_by(|a, b| same_file(a, b)) {
        let file_bytes: usize = file.iter().map(&bytes_of).sum();
        if !group.is_empty() && bytes + file_bytes > budget {
            groups.push(std::mem::take(&mut group));
            bytes = 0;
        }
        group.extend_from_slice(file);
        bytes += file_bytes;
    }
    if !group.is_empty() {
        groups.push(group);
    }
    groups
}

/// One call of a file-scoped plugin: the documents it covered and what
/// came back.
struct CallOutcome<'c> {
    call: &'c [(usize, usize)],
    result: Result<CheckOutput, PluginError>,
}

/// Calls a file-scoped plugin with the documents of `call`, which may span
/// several files. If a call over several files fails, each file is called
/// again on its own, so that the error is reported against the file that
/// caused it and the other files still get their findings.
fn call_file_plugin<'c>(
    plugin: &LoadedPlugin,
    call: &'c [(usize, usize)],
    opened: &[(FileResult, Option<OpenFile>)],
) -> Vec<CallOutcome<'c>> {
    let inputs: Vec<DocumentInput<'_>> = call
        .iter()
        .filter_map(|&(file, document)| {
            let open = opened[file].1.as_ref()?;
            Some(document_input(&open.parsed, &open.parsed.documents[document], &open.trees[document]))
        })
        .collect();
    let result = plugin.check(&inputs);
    let spans_files = call.first().is_some_and(|first| call.iter().any(|other| other.0 != first.0));
    if result.is_err() && spans_files {
        return call.chunk_by(|a, b| a.0 == b.0).flat_map(|file| call_file_plugin(plugin, file, opened)).collect();
    }
    vec![CallOutcome { call, result }]
}

/// Files each finding of a call with its own file, or the error with the
/// (single) file of a failed call.
fn apply_call_outcome(
    locator: &Locator,
    plugin: &LoadedPlugin,
    outcome: CallOutcome<'_>,
    opened: &mut [(FileResult, Option<OpenFile>)],
) {
    let CallOutcome { call, result } = outcome;
    let first = call[0].0;
    match result {
        Ok(output) => {
            let label = match call.iter().filter(|entry| entry.0 != first).count() {
                0 => path_of(opened, first),
                _ => format!("{} and the rest of its batch", path_of(opened, first)),
            };
            log_output(&mut opened[first].0.log, plugin, &label, &output);
            for raw in output.findings {
                let (file, document) = call[raw.document];
                let (result, open) = &mut opened[file];
                if let Some(open) = open {
                    result.findings.push(locator.finding(plugin, &open.parsed, &open.parsed.documents[document], raw));
                }
            }
        }
        Err(PluginError::SwitchedOff(why)) => {
            for (file, _) in call {
                let result = &mut opened[*file].0;
                let entry = (plugin.info.id.clone(), why.to_string());
                if !result.not_checked_by.contains(&entry) {
                    result.not_checked_by.push(entry);
                    result.incomplete = true;
                }
            }
        }
        Err(error) => {
            let path = path_of(opened, first);
            opened[first].0.errors.push(plugin_problem(plugin, &path, &error));
        }
    }
}

fn path_of(opened: &[(FileResult, Option<OpenFile>)], file: usize) -> String {
    opened[file].1.as_ref().map_or_else(String::new, |open| open.parsed.source.path.to_string())
}

/// Parses a context file for project-scoped plugins. Context is best
/// effort: a sibling that cannot be read or parsed is simply not context.
fn read_context(file: &InputFile, kinds: &KindMap, limits: &Limits, project: &[&LoadedPlugin]) -> Option<FileResult> {
    let parsed = Reader { kinds, limits }.parse(file)?;
    let trees: Vec<String> = parsed.documents.iter().map(|document| document.tree.to_string()).collect();
    let retained =
        retain([Some((file, &parsed, trees.as_slice()))], |kind| read_by_any(project, kind)).pop().flatten()?;
    Some(FileResult { retained: Some(retained), context: true, ..FileResult::default() })
}

/// Reads and parses a file the way the first pass did.
#[derive(Clone, Copy)]
pub(crate) struct Reader<'a> {
    pub(crate) kinds: &'a KindMap,
    pub(crate) limits: &'a Limits,
}

impl Reader<'_> {
    pub(crate) fn parse(&self, file: &InputFile) -> Option<ParsedFile> {
        read_and_parse(file, self.kinds, self.limits).ok()
    }
}

fn applies_to(plugin: &LoadedPlugin, kind: &str) -> bool {
    plugin.info.applies_to(kind)
}

fn read_by_any(plugins: &[&LoadedPlugin], kind: &str) -> bool {
    plugins.iter().any(|plugin| applies_to(plugin, kind))
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

/// A project finding waiting to be located: the file is parsed again.
struct Pending<'p> {
    plugin: &'p LoadedPlugin,
    file: usize,
    /// Index into the file's retained documents.
    document: usize,
    raw: RawFinding,
}

/// Calls each project-scoped plugin with every document of its kinds, in
/// as few calls as its memory allows (see [`project_calls`]), then locates
/// the findings.
fn run_project_plugins<'p>(
    plugins: &[&'p LoadedPlugin],
    call_bytes: usize,
    results: &mut [FileResult],
    reader: Reader<'_>,
    locator: &Locator,
    report: &mut Report,
) -> Vec<Finding> {
    let retained = |file: usize| results[file].retained.as_ref().expect("selected files are retained");
    // Every (plugin, call) of the run, planned first and then made in
    // parallel: the calls are independent, and the results are applied in
    // plan order, so the report does not depend on the thread count.
    let mut planned: Vec<(&'p LoadedPlugin, Vec<(usize, usize)>)> = Vec::new();
    for &plugin in plugins {
        // (file result index, retained document index) of every selected
        // document, inputs and context alike, by path and then position.
        let mut selected = Vec::new();
        for (file_index, result) in results.iter().enumerate() {
            let Some(retained) = &result.retained else { continue };
            for (document_index, document) in retained.documents.iter().enumerate() {
                if applies_to(plugin, document.kind) {
                    selected.push((file_index, document_index));
                }
            }
        }
        selected.sort_by(|&(a_file, a_doc), &(b_file, b_doc)| {
            (retained(a_file).file.display.as_str(), a_doc).cmp(&(retained(b_file).file.display.as_str(), b_doc))
        });
        let sized: Vec<(&str, usize)> = selected
            .iter()
            .map(|&(file, document)| {
                (retained(file).file.display.as_str(), retained(file).documents[document].range.len())
            })
            .collect();
        for call in project_calls(&sized, call_bytes) {
            planned.push((plugin, call.iter().map(|&position| selected[position]).collect()));
        }
    }
    let outcomes: Vec<Result<CheckOutput, PluginError>> = planned
        .par_iter()
        .map(|(plugin, call)| {
            // Each block the call reads, decompressed once. A call's
            // documents are in path order, as the blocks' files are, so
            // it reads a few neighbouring blocks.
            let mut blocks: Vec<(&Arc<RetainedBlock>, String)> = Vec::new();
            for &(file, document) in call {
                let block = &retained(file).documents[document].block;
                if !blocks.iter().any(|(seen, _)| Arc::ptr_eq(seen, block)) {
                    blocks.push((block, block.text()));
                }
            }
            let inputs: Vec<DocumentInput<'_>> = call
                .iter()
                .map(|&(file, document)| {
                    let retained = retained(file);
                    let document = &retained.documents[document];
                    let (_, text) = blocks
                        .iter()
                        .find(|(block, _)| Arc::ptr_eq(block, &document.block))
                        .expect("every block of the call was decompressed above");
                    DocumentInput {
                        path: &retained.file.display,
                        kind: document.kind,
                        format: document.format,
                        index: document.index,
                        tree: &text[document.range.clone()],
                    }
                })
                .collect();
            plugin.check(&inputs)
        })
        .collect();

    let mut pending: Vec<Pending<'p>> = Vec::new();
    let mut failed_files = BTreeSet::new();
    for ((plugin, call), outcome) in planned.into_iter().zip(outcomes) {
        match outcome {
            Ok(output) => {
                for raw in output.findings {
                    let (file, document) = call[raw.document];
                    if !results[file].context {
                        pending.push(Pending { plugin, file, document, raw });
                    }
                }
            }
            Err(error) => {
                let paths: BTreeSet<&str> = call
                    .iter()
                    .filter_map(|&(file, _)| results[file].outcome.as_ref().map(|o| o.path.as_str()))
                    .collect();
                for path in paths {
                    report.errors.push(plugin_problem(plugin, path, &error));
                }
                failed_files.extend(call.iter().map(|&(file, _)| file));
            }
        }
    }
    // The files were not fully checked.
    for file in failed_files {
        if let Some(outcome) = results[file].outcome.as_mut() {
            outcome.status = FileStatus::Error;
        }
    }
    locate_pending(pending, results, reader, locator, report)
}

/// Parses each file with project findings once more and locates them.
fn locate_pending(
    mut pending: Vec<Pending<'_>>,
    results: &mut [FileResult],
    reader: Reader<'_>,
    locator: &Locator,
    report: &mut Report,
) -> Vec<Finding> {
    pending.sort_by_key(|finding| finding.file);
    let total = pending.len();
    // One group per file, owned, so each finding moves into its location.
    let mut groups: Vec<Vec<Pending<'_>>> = Vec::new();
    for finding in pending {
        match groups.last_mut() {
            Some(group) if group[0].file == finding.file => group.push(finding),
            _ => groups.push(vec![finding]),
        }
    }
    let located: Vec<Result<Vec<Finding>, usize>> = groups
        .into_par_iter()
        .map(|group| {
            let file = group[0].file;
            let Some(retained) = results[file].retained.as_ref() else { return Ok(Vec::new()) };
            let parsed =
                reader.parse(&retained.file).filter(|parsed| text_hash(&parsed.source.text) == retained.text_hash);
            let Some(parsed) = parsed else { return Err(file) };
            Ok(group
                .into_iter()
                .map(|pending| {
                    let position = retained.documents[pending.document].position;
                    locator.finding(pending.plugin, &parsed, &parsed.documents[position], pending.raw)
                })
                .collect())
        })
        .collect();
    let mut findings = Vec::with_capacity(total);
    for outcome in located {
        match outcome {
            Ok(located) => findings.extend(located),
            Err(file) => {
                let message =
                    "changed while it was being checked; project-wide findings for it were dropped".to_owned();
                let path = results[file].retained.as_ref().map_or_else(String::new, |r| r.file.display.clone());
                report.errors.push(problem(ProblemKind::Read, &path, None, None, message));
                if let Some(outcome) = results[file].outcome.as_mut() {
                    outcome.status = FileStatus::Error;
                }
            }
        }
    }
    findings
}

/// Identifies a file's text, to notice that it changed between the first
/// parse and the one that locates project findings.
fn text_hash(text: &str) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// Splits a project's documents, given as (path, tree bytes) in path order,
/// into calls of at most `budget` bytes, along directory lines: all of a
/// directory's documents go into one call if they fit, else the files
/// directly in it form one call and each subdirectory is split the same
/// way. A small repository is one call; a monorepo becomes one call per
/// service, not an out-of-memory trap. A single file over the budget is
/// still one call, since a document cannot be split.
fn project_calls(documents: &[(&str, usize)], budget: usize) -> Vec<Vec<usize>> {
    let mut calls = Vec::new();
    split_directory(documents, (0..documents.len()).collect(), 0, budget, &mut calls);
    calls
}

fn split_directory(
    documents: &[(&str, usize)],
    members: Vec<usize>,
    depth: usize,
    budget: usize,
    calls: &mut Vec<Vec<usize>>,
) {
    if members.is_empty() {
        return;
    }
    let bytes: usize = members.iter().map(|&member| documents[member].1).sum();
    let one_file = members.iter().all(|&member| documents[member].0 == documents[members[0]].0);
    if bytes <= budget || one_file {
        calls.push(members);
        return;
    }
    // Group by the path component below this directory; files directly in
    // it (no further component) share the empty key. BTreeMap keeps the
    // calls in path order, so output does not depend on thread timing.
    let mut groups: std::collections::BTreeMap<&str, Vec<usize>> = std::collections::BTreeMap::new();
    for member in members {
        let components: Vec<&str> = documents[member].0.split('/').collect();
        let key = if components.len() > depth + 1 { components[depth] } else { "" };
        groups.entry(key).or_default().push(member);
    }
    for (key, group) in groups {
        if key.is_empty() {
            split_files(documents, group, budget, calls);
        } else {
            split_directory(documents, group, depth + 1, budget, calls);
        }
    }
}

/// The files directly in one directory: together if they fit, else in
/// runs of whole files up to the budget.
fn split_files(documents: &[(&str, usize)], members: Vec<usize>, budget: usize, calls: &mut Vec<Vec<usize>>) {
    let same_file = |&a: &usize, &b: &usize| documents[a].0 == documents[b].0;
    calls.extend(pack_whole_files_by(&members, same_file, |&member| documents[member].1, budget));
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use tenken_formats::{Format, Hints, Limits, ParsedFile};

    use super::{project_calls, retain};
    use crate::discover::InputFile;

    fn input(display: &str) -> InputFile {
        InputFile {
            display: display.to_owned(),
            path: PathBuf::from(display),
            not_read: None,
            explicit: false,
            stdin: None,
        }
    }

    fn parse(display: &str, text: &str, format: Format) -> (ParsedFile, Vec<String>) {
        let parsed =
            tenken_formats::parse_file(display, text.as_bytes(), format, &Limits::default(), &Hints::default())
                .expect("the test's file parses");
        let trees = parsed.documents.iter().map(|document| document.tree.to_string()).collect();
        (parsed, trees)
    }

    #[test]
    fn retained_documents_read_back_from_the_blocks_of_their_kind() {
        let manifests = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n\
                         apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\n";
        let (k8s, k8s_trees) = parse("a/k8s.yaml", manifests, Format::Yaml);
        let (terraform, terraform_trees) =
            parse("a/main.tf", "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n", Format::Hcl);
        let (compose, compose_trees) = parse("a/compose.yaml", "services:\n  web: {image: nginx}\n", Format::Yaml);
        let files = [input("a/k8s.yaml"), input("a/missing.yaml"), input("a/main.tf"), input("a/compose.yaml")];

        let retained = retain(
            [
                Some((&files[0], &k8s, k8s_trees.as_slice())),
                None,
                Some((&files[2], &terraform, terraform_trees.as_slice())),
                Some((&files[3], &compose, compose_trees.as_slice())),
            ],
            |kind| kind == "kubernetes" || kind == "terraform",
        );

        assert_eq!(retained.len(), 4, "one entry per file, kept or not");
        assert!(retained[1].is_none(), "a file that was not parsed keeps nothing");
        assert!(retained[3].is_none(), "a file with no document of a read kind keeps nothing");
        for (slot, trees) in [(0, &k8s_trees), (2, &terraform_trees)] {
            let kept = retained[slot].as_ref().expect("the file has documents of a read kind");
            assert_eq!(kept.file.display, files[slot].display);
            let texts: Vec<String> = kept
                .documents
                .iter()
                .map(|document| document.block.text()[document.range.clone()].to_owned())
                .collect();
            assert_eq!(&texts, trees, "{}", files[slot].display);
        }
        let [k8s_kept, terraform_kept] = [0, 2].map(|slot| retained[slot].as_ref().unwrap());
        assert!(
            !std::sync::Arc::ptr_eq(&k8s_kept.documents[0].block, &terraform_kept.documents[0].block),
            "each kind has a block of its own"
        );
        assert_eq!(k8s_kept.documents.iter().map(|document| document.position).collect::<Vec<_>>(), [0, 1]);
    }

    fn calls(documents: &[(&str, usize)], budget: usize) -> Vec<Vec<&'static str>> {
        let names: Vec<&'static str> =
            documents.iter().map(|(path, _)| &*Box::leak(path.to_string().into_boxed_str())).collect();
        project_calls(documents, budget)
            .into_iter()
            .map(|call| call.into_iter().map(|index| names[index]).collect())
            .collect()
    }

    #[test]
    fn a_project_that_fits_is_one_call() {
        let documents = [("a/deploy.yaml", 10), ("a/pdb.yaml", 5), ("b/x.yaml", 10)];
        assert_eq!(calls(&documents, 100), vec![vec!["a/deploy.yaml", "a/pdb.yaml", "b/x.yaml"]]);
    }

    #[test]
    fn an_oversized_project_splits_along_directories() {
        let documents = [
            ("repo/services/a/k8s/deploy.yaml", 40),
            ("repo/services/a/k8s/deploy.yaml", 10),
            ("repo/services/a/k8s/pdb.yaml", 10),
            ("repo/services/b/k8s/deploy.yaml", 50),
            ("repo/top.yaml", 5),
        ];
        assert_eq!(
            calls(&documents, 70),
            vec![
                // A directory's own files come before its subdirectories.
                vec!["repo/top.yaml"],
                vec![
                    "repo/services/a/k8s/deploy.yaml",
                    "repo/services/a/k8s/deploy.yaml",
                    "repo/services/a/k8s/pdb.yaml"
                ],
                vec!["repo/services/b/k8s/deploy.yaml"],
            ]
        );
    }

    #[test]
    fn files_of_one_directory_are_packed_whole_and_one_file_is_never_split() {
        let documents = [("d/a.yaml", 30), ("d/a.yaml", 30), ("d/b.yaml", 30), ("d/c.yaml", 200)];
        assert_eq!(calls(&documents, 70), vec![vec!["d/a.yaml", "d/a.yaml"], vec!["d/b.yaml"], vec!["d/c.yaml"]]);
    }
}
