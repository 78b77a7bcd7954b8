//! The project engine: project-scoped plugins see every document of a
//! scope at once, in calls split along directories to stay within a
//! plugin's memory.

use std::collections::BTreeSet;
use std::sync::Arc;

use rayon::prelude::*;
use tenken_formats::span::{SpanNode, resolve_pointer_compact};
use tenken_host::{CheckOutput, DocumentInput, LoadedPlugin, PluginError, RawFinding};
use tenken_report::{FileStatus, Finding, ProblemKind, Report};

use crate::locate::Locator;

use super::batch::{applies_to, pack_whole_files_by, plugin_problem};
use super::{FileResult, Reader, Retained, RetainedBlock, problem};

/// A project finding waiting to be located.
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
pub(crate) fn run_project_plugins<'p>(
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
            let mut blocks: Vec<(&Arc<RetainedBlock>, Vec<u8>)> = Vec::new();
            for &(file, document) in call {
                let block = &retained(file).documents[document].block;
                if !blocks.iter().any(|(seen, _)| Arc::ptr_eq(seen, block)) {
                    blocks.push((block, block.bytes()));
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
                        format: document.format.as_str(),
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

/// Locates project findings with what the first pass retained of their
/// files (each block of spans, and each block of trees, is decompressed
/// once per group of files that share it) and their text, read again.
fn locate_pending(
    mut pending: Vec<Pending<'_>>,
    results: &mut [FileResult],
    reader: Reader<'_>,
    locator: &Locator,
    report: &mut Report,
) -> Vec<Finding> {
    pending.sort_by_key(|finding| (finding.file, finding.document));
    let total = pending.len();
    let retained = |file: usize| results[file].retained.as_deref();
    // One group per block of spans, owned, so each finding moves
    // into its location. A batch's files share blocks in file order, so
    // files sorted by index meet their block's other files in a row.
    let mut groups: Vec<Vec<Pending<'_>>> = Vec::new();
    for finding in pending {
        let same_block = |group: &Vec<Pending<'_>>| match (retained(group[0].file), retained(finding.file)) {
            (Some(a), Some(b)) => Arc::ptr_eq(&a.locating, &b.locating),
            _ => false,
        };
        match groups.last_mut() {
            Some(group) if same_block(group) => group.push(finding),
            _ => groups.push(vec![finding]),
        }
    }
    // One outcome per file: a file that cannot be located loses its own
    // findings, reported, and no other file's.
    let located: Vec<Vec<Located>> = groups
        .into_par_iter()
        .map(|group| {
            let Some(first) = retained(group[0].file) else { return Vec::new() };
            let locating = first.locating.bytes();
            let mut tree_blocks: Vec<(&Arc<RetainedBlock>, Vec<u8>)> = Vec::new();
            let mut outcomes = Vec::new();
            for file_findings in group.chunk_by(|a, b| a.file == b.file) {
                let file = file_findings[0].file;
                let Some(retained) = retained(file) else { continue };
                outcomes.push(locate_file(file_findings, retained, &locating, &mut tree_blocks, reader, locator));
            }
            outcomes
        })
        .collect();
    let mut findings = Vec::with_capacity(total);
    for outcome in located.into_iter().flatten() {
        match outcome {
            Ok(located) => findings.extend(located),
            Err((file, why)) => {
                let (kind, message) = match why {
                    Unlocated::Changed => (
                        ProblemKind::Read,
                        "changed while it was being checked; project-wide findings for it were dropped",
                    ),
                    // tenken wrote these blocks itself: reading them back
                    // cannot fail short of a bug, which must still not
                    // pass silently.
                    Unlocated::Unreadable => (
                        ProblemKind::Plugin,
                        "internal error: the retained trees or spans of this file could not be read back, so its \
                         project-wide findings were dropped; this is a bug in tenken",
                    ),
                };
                let path = results[file].retained.as_ref().map_or_else(String::new, |r| r.file.display.clone());
                report.errors.push(problem(kind, &path, None, None, message.to_owned()));
                if let Some(outcome) = results[file].outcome.as_mut() {
                    outcome.status = FileStatus::Error;
                }
            }
        }
    }
    findings
}

/// Locates the project findings of one file, all of them or none.
fn locate_file<'b>(
    file_findings: &[Pending<'_>],
    retained: &'b Retained,
    locating: &[u8],
    tree_blocks: &mut Vec<(&'b Arc<RetainedBlock>, Vec<u8>)>,
    reader: Reader<'_>,
    locator: &Locator,
) -> Located {
    let file = file_findings[0].file;
    let Some(source) = retained_source(retained, reader) else { return Err((file, Unlocated::Changed)) };
    let parsed = tenken_formats::ParsedFile {
        source,
        format: retained.documents[0].format,
        documents: Vec::new(),
        diagnostics: Vec::new(),
    };
    let mut findings = Vec::with_capacity(file_findings.len());
    for document_findings in file_findings.chunk_by(|a, b| a.document == b.document) {
        let document = &retained.documents[document_findings[0].document];
        if !tree_blocks.iter().any(|(block, _)| Arc::ptr_eq(block, &document.block)) {
            tree_blocks.push((&document.block, document.block.bytes()));
        }
        let (_, trees) = tree_blocks
            .iter()
            .find(|(block, _)| Arc::ptr_eq(block, &document.block))
            .expect("the block was decompressed above");
        let tree = trees.get(document.range.clone()).and_then(|tree| tenken_tree::read(tree).ok());
        let spans = locating.get(document.spans.clone()).and_then(SpanNode::unpack);
        let (Some(tree), Some(spans)) = (tree, spans) else { return Err((file, Unlocated::Unreadable)) };
        for pending in document_findings {
            let resolved = resolve_pointer_compact(tree, &spans, &pending.raw.pointer);
            let raw = pending.raw.clone();
            let mut finding = locator.finding_at(pending.plugin, &parsed, document.index, resolved.span, raw);
            finding.rendered_from = document.rendered_from.clone();
            findings.push(finding);
        }
    }
    Ok(findings)
}

/// The project findings of one file, located, or why they could not be,
/// with the file's index.
type Located = Result<Vec<Finding>, (usize, Unlocated)>;

/// Why a file's project findings could not be located.
enum Unlocated {
    /// Its text is no longer the text that was parsed.
    Changed,
    /// What was retained of it does not read back.
    Unreadable,
}

/// A retained file's text, read again, with its line index; `None` if it
/// is no longer the text that was parsed.
fn retained_source(retained: &Retained, reader: Reader<'_>) -> Option<tenken_formats::SourceFile> {
    let text = reader.text(&retained.file).filter(|text| text_hash(text) == retained.text_hash)?;
    let lines = tenken_formats::span::LineIndex::new(&text);
    Some(tenken_formats::SourceFile { path: Arc::from(retained.file.display.as_str()), text, lines })
}

/// Identifies a file's text, to notice that it changed between the parse
/// and the read that locates project findings.
pub(crate) fn text_hash(text: &str) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// Splits a project's documents, given as (path, tree bytes) in path order,
/// into calls of at most `budget` bytes, along directory lines: all of a
/// directory's documents go into one call if they fit; else its files and
/// subdirectories that fit are packed, whole and in order, into calls up to
/// the budget, and each that does not is split the same way. A small
/// repository is one call; a monorepo becomes a few calls of whole
/// services, not an out-of-memory trap, and not one fresh instance per
/// service either (with a call per service, each project plugin took one
/// instance per service of the generated corpus; packing siblings made the
/// 10k check a tenth faster). A single file over the budget is still one
/// call, since a document cannot be split.
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
    let mut packed: Vec<usize> = Vec::new();
    let mut packed_bytes = 0;
    for (key, group) in groups {
        let group_bytes: usize = group.iter().map(|&member| documents[member].1).sum();
        if group_bytes > budget {
            calls.extend((!packed.is_empty()).then(|| std::mem::take(&mut packed)));
            packed_bytes = 0;
            if key.is_empty() {
                split_files(documents, group, budget, calls);
            } else {
                split_directory(documents, group, depth + 1, budget, calls);
            }
            continue;
        }
        if packed_bytes + group_bytes > budget {
            calls.push(std::mem::take(&mut packed));
            packed_bytes = 0;
        }
        packed.extend(group);
        packed_bytes += group_bytes;
    }
    calls.extend((!packed.is_empty()).then_some(packed));
}

/// The files directly in one directory: together if they fit, else in
/// runs of whole files up to the budget.
fn split_files(documents: &[(&str, usize)], members: Vec<usize>, budget: usize, calls: &mut Vec<Vec<usize>>) {
    let same_file = |&a: &usize, &b: &usize| documents[a].0 == documents[b].0;
    calls.extend(pack_whole_files_by(&members, same_file, |&member| documents[member].1, budget));
}

#[cfg(test)]
mod tests {
    use super::project_calls;

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
    fn sibling_directories_that_fit_share_a_call() {
        let documents = [
            ("repo/services/a/deploy.yaml", 30),
            ("repo/services/b/deploy.yaml", 30),
            ("repo/services/c/deploy.yaml", 30),
            ("repo/services/d/big.yaml", 90),
            ("repo/services/e/deploy.yaml", 10),
        ];
        assert_eq!(
            calls(&documents, 70),
            vec![
                vec!["repo/services/a/deploy.yaml", "repo/services/b/deploy.yaml"],
                vec!["repo/services/c/deploy.yaml"],
                vec!["repo/services/d/big.yaml"],
                vec!["repo/services/e/deploy.yaml"],
            ]
        );
    }

    #[test]
    fn files_of_one_directory_are_packed_whole_and_one_file_is_never_split() {
        let documents = [("d/a.yaml", 30), ("d/a.yaml", 30), ("d/b.yaml", 30), ("d/c.yaml", 200)];
        assert_eq!(calls(&documents, 70), vec![vec!["d/a.yaml", "d/a.yaml"], vec!["d/b.yaml"], vec!["d/c.yaml"]]);
    }
}
