//! Turns the paths on the command line into the list of files to check.
//!
//! Directories are walked with the `ignore` crate, honouring .gitignore and
//! .ignore files; hidden directories are entered (CI configs live in
//! `.github/` and `.gitlab-ci.yml`) except version-control metadata, and
//! dependency directories are skipped. Symlinks are not followed, so a
//! symlink loop cannot trap the walk. Files named explicitly are always
//! checked, even if ignored: that is what pre-commit passes.

use std::path::{Path, PathBuf};

/// Directories that hold other people's code, never the product's config.
const SKIPPED_DIRECTORIES: &[&str] = &[".git", ".hg", ".svn", "node_modules", ".terraform", "vendor"];

/// Directories of test inputs, by the convention Go's tools follow (they
/// ignore `testdata`): parser fixtures and golden outputs, often invalid or
/// incomplete on purpose. Files in them are listed as skipped, with this
/// reason, unless named on the command line.
const TEST_DATA_DIRECTORY: &str = "testdata";
const TEST_DATA_REASON: &str = "test data: a testdata directory holds inputs for tests, not deployed config";

/// A file to check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct InputFile {
    /// Shown to users: as given on the command line, `/`-separated.
    pub(crate) display: String,
    /// Where to read it.
    pub(crate) path: PathBuf,
    /// Why it is not read at all: an entry that is not a regular file, or
    /// test data found in a directory walk.
    pub(crate) not_read: Option<&'static str>,
    /// Named on the command line, rather than found in a directory: a file
    /// the user asked for, so not checking it deserves a warning.
    pub(crate) explicit: bool,
    /// Where its bytes come from.
    pub(crate) content: Content,
}

/// Where an input's bytes come from.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Content {
    /// The file at `path`, read when it is checked.
    #[default]
    OnDisk,
    /// Standard input (`tenken check -`), read once; `path` is then the
    /// name given by `--stdin-filename`, for kind detection.
    Stdin(std::sync::Arc<[u8]>),
    /// A Helm chart template as `helm template` rendered it; `path` is the
    /// template's, and findings are moved back into it (see
    /// [`crate::helm`]).
    Rendered(std::sync::Arc<[u8]>),
}

impl Content {
    /// The bytes, when they are held in memory rather than read from `path`.
    pub(crate) fn in_memory(&self) -> Option<&std::sync::Arc<[u8]>> {
        match self {
            Content::OnDisk => None,
            Content::Stdin(bytes) | Content::Rendered(bytes) => Some(bytes),
        }
    }
}

/// A path that could not be walked.
#[derive(Debug, Clone)]
pub(crate) struct WalkError {
    pub(crate) display: String,
    pub(crate) message: String,
}

/// Expands `paths` into files, sorted and without duplicates.
pub(crate) fn discover(paths: &[PathBuf]) -> (Vec<InputFile>, Vec<WalkError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        let outside = symlink_out_of_tree(root);
        if outside.is_some() || root.is_file() {
            files.push(InputFile {
                display: display_path(root),
                path: root.clone(),
                not_read: outside,
                explicit: true,
                content: Content::OnDisk,
            });
            continue;
        }
        if !root.exists() {
            errors.push(WalkError { display: display_path(root), message: "no such file or directory".to_owned() });
            continue;
        }
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .follow_links(false)
            .require_git(false)
            .filter_entry(|entry| {
                let is_dir = entry.file_type().is_some_and(|kind| kind.is_dir());
                !(is_dir
                    && entry.depth() > 0
                    && SKIPPED_DIRECTORIES.contains(&entry.file_name().to_string_lossy().as_ref()))
            })
            .build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let Some(kind) = entry.file_type() else { continue };
                    // Directories are walked; everything else is listed, so
                    // nothing in a tree disappears without a reason.
                    let in_test_data = entry.path().strip_prefix(root).is_ok_and(|relative| {
                        relative.components().any(|part| part.as_os_str() == TEST_DATA_DIRECTORY)
                    });
                    let not_read = if kind.is_dir() {
                        continue;
                    } else if in_test_data {
                        Some(TEST_DATA_REASON)
                    } else if kind.is_file() {
                        None
                    } else if kind.is_symlink() {
                        Some("symbolic link, not followed")
                    } else {
                        Some("not a regular file")
                    };
                    files.push(InputFile {
                        display: display_path(entry.path()),
                        path: entry.into_path(),
                        not_read,
                        explicit: false,
                        content: Content::OnDisk,
                    });
                }
                Err(error) => {
                    let display = error_path(&error).map_or_else(|| display_path(root), |path| display_path(&path));
                    errors.push(WalkError { display, message: error.to_string() });
                }
            }
        }
    }
    files.sort();
    // A file both named and found in a named directory was named.
    files.dedup_by(|later, kept| {
        let same = later.display == kept.display;
        kept.explicit |= same && later.explicit;
        same
    });
    (files, errors)
}

/// Why a path named on the command line (or by `--changed`) is not read:
/// a symbolic link whose target lies outside the current directory's tree.
/// A committed link to `/etc/passwd` must not put a line of it into a
/// report; a link within the tree is read like the file it names.
fn symlink_out_of_tree(path: &Path) -> Option<&'static str> {
    let metadata = std::fs::symlink_metadata(path).ok()?;
    if !metadata.file_type().is_symlink() {
        return None;
    }
    let Ok(target) = std::fs::canonicalize(path) else { return Some("symbolic link to nothing, not followed") };
    let tree = std::env::current_dir().and_then(std::fs::canonicalize).ok()?;
    (!target.starts_with(&tree)).then_some("symbolic link to a target outside the checked tree, not followed")
}

/// The config files next to the explicitly named files among `paths`, that
/// are not inputs themselves: the context a cross-document practice needs
/// when a hook passes only the changed files. Directories named in `paths`
/// are walked in full already, so they add no context.
pub(crate) fn sibling_context(paths: &[PathBuf], inputs: &[InputFile]) -> Vec<InputFile> {
    let mut directories: Vec<PathBuf> = paths
        .iter()
        .filter(|path| path.is_file())
        .map(|path| path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf))
        .map(|dir| if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir })
        .collect();
    directories.sort();
    directories.dedup();
    let mut context = Vec::new();
    for directory in directories {
        let Ok(entries) = std::fs::read_dir(&directory) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let is_file = entry.file_type().is_ok_and(|kind| kind.is_file());
            if !is_file || tenken_formats::classify::format_of_path(&path).is_none() {
                continue;
            }
            let display = display_path(&path);
            if !inputs.iter().any(|input| input.display == display) {
                context.push(InputFile { display, path, not_read: None, explicit: false, content: Content::OnDisk });
            }
        }
    }
    context.sort();
    context.dedup_by(|a, b| a.display == b.display);
    context
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        _ => None,
    }
}

/// The path as the user wrote it, `/`-separated, without a leading `./`.
fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let trimmed = text.strip_prefix("./").unwrap_or(&text);
    if trimmed.is_empty() { ".".to_owned() } else { trimmed.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_hidden_dirs_honours_gitignore_and_skips_dependencies() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in
            [".github/workflows/ci.yml", "k8s/app.yaml", "node_modules/x/a.yaml", "ignored/b.yaml", "Dockerfile"]
        {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "ignored/\n").unwrap();
        let (files, errors) = discover(&[root.to_owned()]);
        assert!(errors.is_empty());
        let names: Vec<String> =
            files.iter().map(|f| f.path.strip_prefix(root).unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, vec![".github/workflows/ci.yml", ".gitignore", "Dockerfile", "k8s/app.yaml"]);
    }

    #[test]
    fn test_data_is_listed_as_skipped_unless_named() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in ["k8s/app.yaml", "internal/decode/testdata/multi.yaml", "testdata/golden.yaml"] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let (files, _) = discover(&[root.to_owned()]);
        let reasons: Vec<(String, Option<&str>)> = files
            .iter()
            .map(|f| (f.path.strip_prefix(root).unwrap().to_string_lossy().into_owned(), f.not_read))
            .collect();
        assert_eq!(
            reasons,
            vec![
                ("internal/decode/testdata/multi.yaml".to_owned(), Some(TEST_DATA_REASON)),
                ("k8s/app.yaml".to_owned(), None),
                ("testdata/golden.yaml".to_owned(), Some(TEST_DATA_REASON)),
            ]
        );
        // Named, as a file or as the directory to check, it is checked.
        let (named, _) = discover(&[root.join("testdata/golden.yaml"), root.join("internal/decode/testdata")]);
        assert!(named.iter().all(|file| file.not_read.is_none()), "{named:?}");
    }

    #[test]
    fn missing_paths_are_errors() {
        let (files, errors) = discover(&[PathBuf::from("does/not/exist")]);
        assert!(files.is_empty());
        assert_eq!(errors[0].display, "does/not/exist");
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_do_not_trap_the_walk() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("a/loop")).unwrap();
        std::fs::write(dir.path().join("a/x.yaml"), "a: 1").unwrap();
        let (files, _) = discover(&[dir.path().to_owned()]);
        let listed: Vec<(String, Option<&str>)> = files
            .iter()
            .map(|f| (f.path.strip_prefix(dir.path()).unwrap().display().to_string(), f.not_read))
            .collect();
        assert_eq!(
            listed,
            vec![("a/loop".to_owned(), Some("symbolic link, not followed")), ("a/x.yaml".to_owned(), None)]
        );
    }
}
