//! `--changed`: the files that differ from a git revision, for checking only
//! what a pull request or a working tree touches.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

/// Files changed since the merge base of `base` and HEAD (committed or
/// not), plus untracked files that are not ignored. Deleted files are left
/// out. Paths are relative to the current directory.
pub(crate) fn changed_files(base: Option<&str>) -> anyhow::Result<Vec<PathBuf>> {
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(top.trim());
    let since = match base {
        Some(base) => {
            let merge_base = git(&["merge-base", base, "HEAD"])
                .with_context(|| format!("cannot find a common ancestor of `{base}` and HEAD"))?;
            merge_base.trim().to_owned()
        }
        None => "HEAD".to_owned(),
    };
    let mut names = git(&["diff", "--name-only", "--diff-filter=ACMR", "-z", &since, "--"])?;
    names.push_str(&git(&["ls-files", "--others", "--exclude-standard", "-z", "--full-name", "--", ":/"])?);
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let mut files: Vec<PathBuf> = names
        .split('\0')
        .filter(|name| !name.is_empty())
        .map(|name| relative_to(&top.join(name), &cwd))
        .filter(|path| path.exists())
        .collect();
    files.sort();
    files.dedup();
    Ok(files)
}

/// Keeps the changed files that lie under one of `paths`.
pub(crate) fn within(files: Vec<PathBuf>, paths: &[PathBuf]) -> Vec<PathBuf> {
    let roots: Vec<PathBuf> = paths.iter().map(|path| normalize(path)).collect();
    files
        .into_iter()
        .filter(|file| roots.iter().any(|root| root.as_os_str() == "." || file.starts_with(root)))
        .collect()
}

fn normalize(path: &Path) -> PathBuf {
    path.components().filter(|component| !matches!(component, std::path::Component::CurDir)).collect::<PathBuf>()
}

fn relative_to(path: &Path, base: &Path) -> PathBuf {
    match path.strip_prefix(base) {
        Ok(relative) => relative.to_owned(),
        Err(_) => path.to_owned(),
    }
}

fn git(args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("git").args(args).output().context("--changed needs git, which could not be run")?;
    if !output.status.success() {
        bail!("git {} failed: {}", args.join(" "), String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
