//! Which tenken.toml judges each file.
//!
//! As in ruff, each file is judged by the nearest `tenken.toml` in its
//! directory or above it; a config shares settings with another only
//! through `extends`. So `tenken check svc-a svc-b`, `tenken check svc-b
//! svc-a` and `tenken check .` judge `svc-a/deploy.yaml` alike, by
//! `svc-a/tenken.toml`, whatever else is on the command line: pre-commit
//! passes files from many directories at once. `--config` names one config
//! for every file, and `--no-config` none.
//!
//! Files that share a config form a [`Scope`]: one set of plugins,
//! settings and selection, and the documents project-scoped plugins
//! relate to one another.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::config::FILE_NAME;
use crate::discover::InputFile;

/// How the config of each file is chosen.
#[derive(Debug, Clone)]
pub(crate) enum ConfigChoice {
    /// `--no-config`: every bundled rule, default settings.
    None,
    /// `--config FILE`: this one for every file.
    Explicit(PathBuf),
    /// The nearest tenken.toml above each file.
    Nearest,
}

/// The files one configuration judges.
#[derive(Debug)]
pub(crate) struct Scope {
    /// The config, or `None` for the defaults.
    pub(crate) config: Option<PathBuf>,
    pub(crate) files: Vec<InputFile>,
}

/// Groups `files` by the config that judges each, in the order of the
/// configs' paths (the defaults first), each group's files in their order.
pub(crate) fn assign(files: Vec<InputFile>, choice: &ConfigChoice) -> Vec<Scope> {
    let mut nearest = Nearest::default();
    let mut scopes: Vec<Scope> = Vec::new();
    let mut by_config: HashMap<Option<PathBuf>, usize> = HashMap::new();
    for file in files {
        let config = match choice {
            ConfigChoice::None => None,
            ConfigChoice::Explicit(path) => Some(path.clone()),
            ConfigChoice::Nearest => nearest.for_file(&file.path),
        };
        let index = *by_config.entry(config.clone()).or_insert_with(|| {
            scopes.push(Scope { config, files: Vec::new() });
            scopes.len() - 1
        });
        scopes[index].files.push(file);
    }
    scopes.sort_by(|a, b| a.config.cmp(&b.config));
    scopes
}

/// The nearest tenken.toml of one path, as `tenken config show PATH` and
/// `tenken explain` find it: from the path's directory (or the path, if it
/// is one) up.
pub(crate) fn nearest_config(path: &Path) -> Option<PathBuf> {
    let start = absolute(path);
    let directory = if start.is_dir() { start } else { start.parent().map(Path::to_path_buf)? };
    Nearest::default().for_directory(&directory)
}

/// `path` made absolute without touching the filesystem beyond the current
/// directory: a `--stdin-filename` need not exist.
/// `.` components are dropped so that `./svc-a/x.yaml` and `svc-a/y.yaml`
/// find the same config by the same path.
fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_or_else(|_| path.to_path_buf(), |current| current.join(path))
    };
    joined.components().filter(|part| *part != std::path::Component::CurDir).collect()
}

/// The nearest config of each directory met, so a tree of thousands of
/// files looks each directory up once.
#[derive(Default)]
struct Nearest {
    by_directory: HashMap<PathBuf, Option<PathBuf>>,
}

impl Nearest {
    fn for_file(&mut self, file: &Path) -> Option<PathBuf> {
        let file = absolute(file);
        let directory = file.parent()?.to_path_buf();
        self.for_directory(&directory)
    }

    fn for_directory(&mut self, directory: &Path) -> Option<PathBuf> {
        let mut walked = Vec::new();
        let mut current = Some(directory);
        let found = loop {
            let Some(dir) = current else { break None };
            if let Some(known) = self.by_directory.get(dir) {
                break known.clone();
            }
            walked.push(dir.to_path_buf());
            let candidate = dir.join(FILE_NAME);
            if candidate.is_file() {
                break Some(candidate);
            }
            current = dir.parent();
        };
        for dir in walked {
            self.by_directory.insert(dir, found.clone());
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(path: &Path) -> InputFile {
        InputFile {
            display: path.display().to_string(),
            path: path.to_path_buf(),
            not_read: None,
            explicit: false,
            content: crate::discover::Content::OnDisk,
        }
    }

    #[test]
    fn each_file_gets_its_nearest_config() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for config in ["svc-a/tenken.toml", "svc-b/tenken.toml"] {
            std::fs::create_dir_all(root.join(config).parent().unwrap()).unwrap();
            std::fs::write(root.join(config), "").unwrap();
        }
        std::fs::create_dir_all(root.join("svc-a/k8s")).unwrap();
        std::fs::create_dir_all(root.join("shared")).unwrap();
        let files = ["svc-b/Dockerfile", "svc-a/k8s/deploy.yaml", "shared/ci.yml", "svc-a/Dockerfile"]
            .map(|file| input(&root.join(file)));
        let scopes = assign(files.to_vec(), &ConfigChoice::Nearest);
        let summary: Vec<(Option<PathBuf>, usize)> =
            scopes.iter().map(|scope| (scope.config.clone(), scope.files.len())).collect();
        assert_eq!(
            summary,
            [(None, 1), (Some(root.join("svc-a/tenken.toml")), 2), (Some(root.join("svc-b/tenken.toml")), 1)]
        );
        let explicit = assign(files.to_vec(), &ConfigChoice::Explicit(root.join("svc-b/tenken.toml")));
        assert_eq!(explicit.len(), 1);
        assert_eq!(assign(files.to_vec(), &ConfigChoice::None)[0].config, None);
        assert_eq!(nearest_config(&root.join("svc-a/k8s/new.yaml")), Some(root.join("svc-a/tenken.toml")));
    }
}
