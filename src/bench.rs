//! Hooks for the benchmarks in `benches/`. Not a stable API.

use std::path::PathBuf;

use rayon::prelude::*;
use tenken_formats::Limits;

use crate::check::Reader;
use crate::discover::discover;
use crate::kinds::KindMap;

/// How many files share one call of a file-scoped plugin.
pub const FILES_PER_BATCH: usize = crate::check::FILES_PER_BATCH;

/// What the parse-only floor went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseFloor {
    /// Files discovered.
    pub files: usize,
    /// Documents parsed.
    pub documents: usize,
    /// Bytes of encoded trees: what plugins receive.
    pub tree_bytes: usize,
}

/// The work every `tenken check` does before any plugin runs, with no
/// plugin at all: discover the files, read them, parse each into trees with
/// span indexes, and encode every tree once, as plugins receive it. A full check is measured
/// against this floor.
pub fn parse_floor(paths: &[PathBuf], threads: usize) -> anyhow::Result<ParseFloor> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let kinds = KindMap::empty();
    let limits = Limits::default();
    let reader = Reader { kinds: &kinds, limits: &limits };
    let (files, _errors) = discover(paths);
    let (documents, tree_bytes) = pool.install(|| {
        files
            .par_iter()
            .filter_map(|file| {
                // The same read and parse as a check's, to the byte.
                let parsed = reader.parse(file)?;
                let tree_bytes: usize =
                    parsed.documents.iter().map(|document| tenken_tree::encode(&document.tree).len()).sum();
                Some((parsed.documents.len(), tree_bytes))
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    });
    Ok(ParseFloor { files: files.len(), documents, tree_bytes })
}
