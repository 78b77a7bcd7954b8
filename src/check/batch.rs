//! The file-batch engine: read and parse each file once, call each
//! file-scoped plugin once per batch of files, and keep what the project
//! pass needs.

use std::sync::Arc;

use rayon::prelude::*;
use tenken_formats::{DiagnosticLevel, Document, Limits, ParsedFile, Skip};
use tenken_host::{CallDocuments, CheckOutput, DocumentInput, LoadedPlugin, PluginError, Scope};
use tenken_report::{DocumentSummary, FileOutcome, FileStatus, Finding, Location, Problem, ProblemKind};

use crate::builtin;
use crate::discover::InputFile;
use crate::kinds::KindMap;
use crate::locate::{Locator, excerpt};
use crate::read::{ReadFailure, read_input};
use crate::suppress;
use crate::terraform_modules::{CallDocument, ModuleCalls};

use super::project::text_hash;
use super::{FileResult, Retained, RetainedBlock, RetainedDocument, problem};

/// Where a retained block is closed and the next begun. A project call
/// decompresses every block that holds one of its documents, and calls are
/// as small as one directory, so blocks stay small enough that a call does
/// not decompress a whole batch for one manifest, and large enough that
/// neighbouring documents still compress together.
const RETAINED_BLOCK_BYTES: usize = 64 * 1024;

/// Keeps the documents of each parsed file whose kind some project-scoped
/// plugin reads (`read`): their trees in blocks of one kind each, and their
/// spans, which locate their findings, in blocks of their own. The result
/// lines up with `files`: nothing for a file that was not parsed or has no
/// such documents.
fn retain<'f>(
    files: impl IntoIterator<Item = Option<(&'f InputFile, &'f ParsedFile, &'f [Vec<u8>])>>,
    read: impl Fn(&str) -> bool,
) -> Vec<Option<Box<Retained>>> {
    // Each kind's trees, then per file the documents kept: (the document,
    // its kind's index, the block of its tree and its range there, then the
    // range of its spans in the locating block).
    let mut trees_by_kind: Vec<(&'static str, BlockWriter)> = Vec::new();
    let mut locating = BlockWriter::default();
    let kept: Vec<_> = files
        .into_iter()
        .map(|file| {
            let (file, parsed, trees) = file?;
            let mut documents = Vec::new();
            for (document, tree) in parsed.documents.iter().zip(trees) {
                if !read(document.kind) {
                    continue;
                }
                let kind = match trees_by_kind.iter().position(|(kind, _)| *kind == document.kind) {
                    Some(kind) => kind,
                    None => {
                        trees_by_kind.push((document.kind, BlockWriter::default()));
                        trees_by_kind.len() - 1
                    }
                };
                let writer = &mut trees_by_kind[kind].1;
                let block = writer.block();
                let range = writer.append_with(|out| out.extend_from_slice(tree));
                writer.close_if_full();
                documents.push((document, kind, block, range));
            }
            if documents.is_empty() {
                return None;
            }
            // The spans of one file's documents share a block, so that
            // locating its findings decompresses one.
            let block = locating.block();
            let documents: Vec<_> = documents
                .into_iter()
                .map(|(document, kind, block, range)| {
                    let spans = locating.append_with(|out| document.spans.pack_into(out));
                    (document, kind, block, range, spans)
                })
                .collect();
            locating.close_if_full();
            Some((file, block, text_hash(&parsed.source.text), documents))
        })
        .collect();
    let tree_blocks: Vec<Vec<Arc<RetainedBlock>>> =
        trees_by_kind.into_iter().map(|(_, writer)| writer.finish()).collect();
    let locating_blocks = locating.finish();
    kept.into_iter()
        .map(|kept| {
            let (file, block, text_hash, documents) = kept?;
            let documents = documents
                .into_iter()
                .map(|(document, kind, block, range, spans)| RetainedDocument {
                    kind: document.kind,
                    format: document.format,
                    index: document.index,
                    rendered_from: document.rendered_from.clone(),
                    block: tree_blocks[kind][block].clone(),
                    range,
                    spans,
                })
                .collect();
            Some(Box::new(Retained {
                file: file.clone(),
                locating: locating_blocks[block].clone(),
                text_hash,
                documents,
            }))
        })
        .collect()
}

/// Fills blocks of up to about [`RETAINED_BLOCK_BYTES`] one after the other
/// and compresses them when done.
#[derive(Default)]
struct BlockWriter {
    closed: Vec<Vec<u8>>,
    open: Vec<u8>,
}

impl BlockWriter {
    /// Which block appends go to.
    fn block(&self) -> usize {
        self.closed.len()
    }

    /// Appends what `write` writes to the open block, and says where it is.
    fn append_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) -> std::ops::Range<usize> {
        let start = self.open.len();
        write(&mut self.open);
        start..self.open.len()
    }

    /// Begins a new block if the open one is full. Called between
    /// documents, or between files where a file's entries stay in one block.
    fn close_if_full(&mut self) {
        if self.open.len() >= RETAINED_BLOCK_BYTES {
            self.closed.push(std::mem::take(&mut self.open));
        }
    }

    fn finish(mut self) -> Vec<Arc<RetainedBlock>> {
        if !self.open.is_empty() {
            self.closed.push(self.open);
        }
        self.closed.iter().map(|bytes| RetainedBlock::new(bytes)).collect()
    }
}

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

/// Reads and parses one input: the one way every pass does it, inputs and
/// the context files project plugins see alike.
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
    if file.content.in_memory().is_none()
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
fn open_file(
    file: &InputFile,
    kinds: &KindMap,
    limits: &Limits,
    locator: &Locator,
    modules: &ModuleCalls,
) -> (FileResult, Option<OpenFile>) {
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
                    let reason = format!("{skip}; {}", crate::helm::HOW_TO_RENDER);
                    result.outcome = Some(outcome(skipped(reason), Some(format), vec![]));
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
    // Encode each tree once; every plugin reads the same bytes.
    let mut trees: Vec<Vec<u8>> = parsed.documents.iter().map(|document| tenken_tree::encode(&document.tree)).collect();
    // A called module's file is also checked with each call's inputs.
    let from_calls = modules.call_documents(file, &parsed);
    trees.extend(from_calls.iter().map(|called| called.tree.clone()));
    (result, Some(OpenFile { parsed, trees, format: format.as_str(), from_calls }))
}

/// [`open_file`], with a panic (a bug in a parser, met on one file) turned
/// into an error on that file, so that every other file is still checked.
fn open_file_isolated(
    file: &InputFile,
    kinds: &KindMap,
    limits: &Limits,
    locator: &Locator,
    modules: &ModuleCalls,
) -> (FileResult, Option<OpenFile>) {
    let opened =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| open_file(file, kinds, limits, locator, modules)));
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

/// A parsed input, its trees encoded once for every plugin.
struct OpenFile {
    parsed: ParsedFile,
    /// The trees of the file's documents, then of `from_calls`.
    trees: Vec<Vec<u8>>,
    format: &'static str,
    /// The file's documents as the calls of its module make them (see
    /// [`crate::terraform_modules`]): checked by file-scoped plugins after
    /// the file's own, numbered after them.
    from_calls: Vec<CallDocument>,
}

impl OpenFile {
    /// The documents file-scoped plugins check: the file's own, then those
    /// of module calls.
    fn documents(&self) -> impl Iterator<Item = &Document> {
        self.parsed.documents.iter().chain(self.from_calls.iter().map(|called| &called.document))
    }

    fn document(&self, position: usize) -> &Document {
        let own = self.parsed.documents.len();
        match position.checked_sub(own) {
            Some(called) => &self.from_calls[called].document,
            None => &self.parsed.documents[position],
        }
    }

    /// The module call that made document `position`, if a call did.
    fn call_document(&self, position: usize) -> Option<&CallDocument> {
        self.from_calls.get(position.checked_sub(self.parsed.documents.len())?)
    }
}

/// Files are checked in batches: each file-scoped plugin is called once per
/// batch with the documents of every file in it, rather than once per file.
/// A call costs a fresh instance, and on a corpus most of the time went to
/// setting instances up and tearing them down. Findings name their
/// document, so each still lands in its own file.
pub(crate) const FILES_PER_BATCH: usize = 128;

/// What checking a batch of files needs.
pub(crate) struct Batch<'a> {
    pub(super) plugins: &'a [LoadedPlugin],
    pub(super) project: &'a [&'a LoadedPlugin],
    pub(super) kinds: &'a KindMap,
    pub(super) limits: &'a Limits,
    /// The most document text one call carries; a batch over it is split.
    pub(super) call_bytes: usize,
    pub(super) locator: &'a Locator,
    /// What calls of local Terraform modules give them.
    pub(super) modules: &'a ModuleCalls,
}

impl Batch<'_> {
    pub(super) fn check(&self, files: &[InputFile]) -> Vec<FileResult> {
        let mut opened: Vec<(FileResult, Option<OpenFile>)> = files
            .iter()
            .map(|file| open_file_isolated(file, self.kinds, self.limits, self.locator, self.modules))
            .collect();
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
                    open.documents()
                        .enumerate()
                        .filter(|(_, document)| applies_to(plugin, document.kind))
                        .map(move |(index, _)| (position, index))
                })
                .collect();
            for call in pack_whole_files(&selected, &opened, self.call_bytes) {
                planned.push((plugin, call));
            }
        }
        // Plugins that read the same documents (the Kubernetes practices
        // all read every manifest) get one prepared copy of them.
        let mut prepared: Vec<(&[(usize, usize)], CallDocuments)> = Vec::new();
        let shared: Vec<usize> = planned
            .iter()
            .map(|(_, call)| match prepared.iter().position(|(seen, _)| *seen == call.as_slice()) {
                Some(position) => position,
                None => {
                    prepared.push((call, CallDocuments::new(&call_inputs(call, &opened))));
                    prepared.len() - 1
                }
            })
            .collect();
        let outcomes: Vec<Vec<CallOutcome<'_>>> = planned
            .par_iter()
            .zip(&shared)
            .map(|((plugin, call), &documents)| call_file_plugin(plugin, call, &prepared[documents].1, &opened))
            .collect();
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
                let from_calls = std::mem::take(&mut result.findings_from_calls);
                crate::terraform_modules::merge_findings(&mut result.findings, from_calls);
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
pub(crate) fn pack_whole_files_by<T: Copy>(
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
    documents: &CallDocuments,
    opened: &[(FileResult, Option<OpenFile>)],
) -> Vec<CallOutcome<'c>> {
    let result = plugin.check_documents(documents);
    let spans_files = call.first().is_some_and(|first| call.iter().any(|other| other.0 != first.0));
    if result.is_err() && spans_files {
        return call
            .chunk_by(|a, b| a.0 == b.0)
            .flat_map(|file| {
                let documents = CallDocuments::new(&call_inputs(file, opened));
                call_file_plugin(plugin, file, &documents, opened)
            })
            .collect();
    }
    vec![CallOutcome { call, result }]
}

/// The documents of `call`, as the host hands them to plugins.
fn call_inputs<'o>(call: &[(usize, usize)], opened: &'o [(FileResult, Option<OpenFile>)]) -> Vec<DocumentInput<'o>> {
    call.iter()
        .filter_map(|&(file, document)| {
            let open = opened[file].1.as_ref()?;
            Some(document_input(&open.parsed, open.document(document), &open.trees[document]))
        })
        .collect()
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
                let Some(open) = open else { continue };
                let mut finding = locator.finding(plugin, &open.parsed, open.document(document), raw);
                match open.call_document(document) {
                    Some(called) => {
                        called.annotate(&mut finding);
                        result.findings_from_calls.push(finding);
                    }
                    None => result.findings.push(finding),
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
pub(crate) fn read_context(
    file: &InputFile,
    kinds: &KindMap,
    limits: &Limits,
    project: &[&LoadedPlugin],
) -> Option<FileResult> {
    let parsed = Reader { kinds, limits }.parse(file)?;
    let trees: Vec<Vec<u8>> = parsed.documents.iter().map(|document| tenken_tree::encode(&document.tree)).collect();
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

    /// The file's text as [`Reader::parse`] decodes it, without parsing it.
    pub(crate) fn text(&self, file: &InputFile) -> Option<String> {
        let bytes = read_input(file, self.limits.max_file_bytes).ok()?;
        tenken_formats::decode(&bytes).ok()
    }
}

pub(crate) fn applies_to(plugin: &LoadedPlugin, kind: &str) -> bool {
    plugin.info.applies_to(kind)
}

fn read_by_any(plugins: &[&LoadedPlugin], kind: &str) -> bool {
    plugins.iter().any(|plugin| applies_to(plugin, kind))
}

fn document_input<'a>(parsed: &'a ParsedFile, document: &'a Document, tree: &'a [u8]) -> DocumentInput<'a> {
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

pub(crate) fn plugin_problem(plugin: &LoadedPlugin, path: &str, error: &PluginError) -> Problem {
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use tenken_formats::{Format, Hints, Limits, ParsedFile};

    use super::retain;
    use crate::discover::InputFile;

    fn input(display: &str) -> InputFile {
        InputFile {
            display: display.to_owned(),
            path: PathBuf::from(display),
            not_read: None,
            explicit: false,
            content: crate::discover::Content::OnDisk,
        }
    }

    fn parse(display: &str, text: &str, format: Format) -> (ParsedFile, Vec<Vec<u8>>) {
        let parsed =
            tenken_formats::parse_file(display, text.as_bytes(), format, &Limits::default(), &Hints::default())
                .expect("the test's file parses");
        let trees = parsed.documents.iter().map(|document| tenken_tree::encode(&document.tree)).collect();
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
            let texts: Vec<Vec<u8>> =
                kept.documents.iter().map(|document| document.block.bytes()[document.range.clone()].to_vec()).collect();
            assert_eq!(&texts, trees, "{}", files[slot].display);
        }
        let [k8s_kept, terraform_kept] = [0, 2].map(|slot| retained[slot].as_ref().unwrap());
        assert!(
            !std::sync::Arc::ptr_eq(&k8s_kept.documents[0].block, &terraform_kept.documents[0].block),
            "each kind has a block of its own"
        );
        assert_eq!(k8s_kept.documents.iter().map(|document| document.index).collect::<Vec<_>>(), [0, 1]);
    }
}
