//! Which files a kustomization applies as patches.
//!
//! A kustomize patch is a fragment: a Deployment patch that only changes an
//! image has no probes, resources or replicas because those live in the base
//! it patches. Checked as a whole object, one such file drew a dozen
//! "missing" findings. Documents of the files a `kustomization.yaml` lists
//! under `patches`, `patchesStrategicMerge` or `patchesJson6902` get the
//! kind `kubernetes-patch` instead of `kubernetes`: practices that report
//! something missing do not read them, and practices that report something
//! present and wrong (`privileged: true`, a `hostPath`) declare the kind
//! and still do (see docs/plugin-contract.md).

pub(crate) mod build;

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tenken_formats::{Format, Hints, Limits};

/// How far above a file a kustomization may list it: overlays keep their
/// patches next to the kustomization or in a directory or two below it.
const LEVELS_UP: usize = 4;

/// The names kustomize reads a kustomization from.
pub(crate) const KUSTOMIZATION_NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The patch files of every kustomization met so far, by directory. Shared
/// by the threads that classify files; each directory is read once.
#[derive(Default)]
pub(crate) struct KustomizePatches {
    by_directory: Mutex<HashMap<PathBuf, Arc<HashSet<PathBuf>>>>,
}

impl KustomizePatches {
    /// Whether a kustomization in the directory of `file` or above lists it
    /// as a patch.
    pub(crate) fn is_patch(&self, file: &Path) -> bool {
        let file = normalize(file);
        file.ancestors().skip(1).take(LEVELS_UP).any(|directory| self.patches_of(directory).contains(&file))
    }

    fn patches_of(&self, directory: &Path) -> Arc<HashSet<PathBuf>> {
        if let Some(known) = self.lock().get(directory) {
            return Arc::clone(known);
        }
        // Read outside the lock; two threads may read the same directory
        // once each, with the same result.
        let patches = Arc::new(read_patches(directory));
        self.lock().insert(directory.to_path_buf(), Arc::clone(&patches));
        patches
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Arc<HashSet<PathBuf>>>> {
        self.by_directory.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The files the kustomization in `directory` (if any) patches with, as
/// normalized paths. A kustomization that cannot be read or parsed lists
/// none: it is reported on its own when it is checked.
fn read_patches(directory: &Path) -> HashSet<PathBuf> {
    let dir = if directory.as_os_str().is_empty() { Path::new(".") } else { directory };
    let Some(path) = KUSTOMIZATION_NAMES.iter().map(|name| dir.join(name)).find(|path| path.is_file()) else {
        return HashSet::new();
    };
    let Ok(bytes) = crate::read::read_bounded(&path, crate::read::CONFIG_LIMIT) else {
        return HashSet::new();
    };
    let display = path.display().to_string();
    let Ok(parsed) = tenken_formats::parse_file(&display, &bytes, Format::Yaml, &Limits::default(), &Hints::default())
    else {
        return HashSet::new();
    };
    let Some(tree) = parsed.documents.first().map(|document| &document.tree) else {
        return HashSet::new();
    };
    patch_paths(tree).into_iter().map(|relative| normalize(&directory.join(relative))).collect()
}

/// The patch file paths a kustomization names, relative to it. Inline
/// patches (`patch:` text, or a multi-line entry of
/// `patchesStrategicMerge`) name no file.
pub(crate) fn patch_paths(kustomization: &Value) -> Vec<&str> {
    let entries = |key: &str| kustomization.get(key).and_then(Value::as_array).into_iter().flatten();
    let by_path = entries("patches").chain(entries("patchesJson6902")).filter_map(|entry| entry.get("path")?.as_str());
    let strategic_merge =
        entries("patchesStrategicMerge").filter_map(Value::as_str).filter(|text| !text.contains('\n'));
    by_path.chain(strategic_merge).collect()
}

/// `path` without `.` components and with `..` applied, so that
/// `overlays/prod/../prod/patch.yaml` and `overlays/prod/patch.yaml` compare
/// equal. Lexical: symbolic links are not resolved.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut normalized = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !normalized.pop() {
                    normalized.push("..");
                }
            }
            other => normalized.push(other.as_os_str()),
        }
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_of_listing_a_patch_file_is_read() {
        let kustomization = serde_json::json!({
            "resources": ["../../base"],
            "patches": [{"path": "patches/image.yaml"}, {"patch": "- op: remove\n  path: /spec/replicas"}],
            "patchesStrategicMerge": ["memory.yaml", "apiVersion: apps/v1\nkind: Deployment\n"],
            "patchesJson6902": [{"target": {"kind": "Deployment", "name": "web"}, "path": "json6902.yaml"}],
        });
        assert_eq!(patch_paths(&kustomization), ["patches/image.yaml", "json6902.yaml", "memory.yaml"]);
    }

    #[test]
    fn files_are_matched_however_their_paths_are_spelled() {
        let dir = tempfile::tempdir().unwrap();
        let overlay = dir.path().join("overlays/prod");
        std::fs::create_dir_all(overlay.join("patches")).unwrap();
        std::fs::write(
            overlay.join("kustomization.yaml"),
            "resources: [../../base]\npatches:\n  - path: ./patches/image.yaml\npatchesStrategicMerge:\n  - ../prod/memory.yaml\n",
        )
        .unwrap();
        let patches = KustomizePatches::default();
        assert!(patches.is_patch(&overlay.join("patches/image.yaml")));
        assert!(patches.is_patch(&overlay.join("memory.yaml")));
        assert!(patches.is_patch(&overlay.join("./patches/../memory.yaml")));
        assert!(!patches.is_patch(&overlay.join("deployment.yaml")));
        assert!(!patches.is_patch(&dir.path().join("base/memory.yaml")));
    }

    #[test]
    fn normalizing_applies_parent_components() {
        assert_eq!(normalize(Path::new("a/./b/../c.yaml")), Path::new("a/c.yaml"));
        assert_eq!(normalize(Path::new("../x/../y.yaml")), Path::new("../y.yaml"));
    }
}
