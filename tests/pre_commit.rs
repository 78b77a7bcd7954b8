//! The real `pre-commit` tool running this repository's hook definitions
//! (`.pre-commit-hooks.yaml`) in a temporary git repository: a commit that
//! violates a practice is blocked, a clean one goes through.
//!
//! It uses the `tenken-system` hook with the tenken binary under test on
//! PATH. (.ci/run also installs the `language: rust` hook, which builds
//! tenken from source; that takes minutes, so it is a CI step rather than a
//! test.) pre-commit is taken from $TENKEN_PRE_COMMIT, then PATH, else
//! installed from PyPI into a venv under the target directory. Without
//! Python the test is skipped, saying so.
#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|candidate| candidate.is_file())
}

/// A `pre-commit` executable, or `None` when Python is not installed.
fn pre_commit() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TENKEN_PRE_COMMIT") {
        return Some(PathBuf::from(path));
    }
    if let Some(path) = find_on_path("pre-commit") {
        return Some(path);
    }
    let python = find_on_path("python3").or_else(|| find_on_path("python"))?;
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-venv");
    let executable = venv.join("bin/pre-commit");
    if executable.is_file() {
        return Some(executable);
    }
    // Test processes may run concurrently: one builds the venv while the
    // others wait on the lock.
    let lock = std::fs::File::create(venv.with_extension("lock")).unwrap();
    lock.lock().unwrap();
    if !executable.is_file() {
        run_ok(Command::new(&python).args(["-m", "venv"]).arg(&venv));
        run_ok(Command::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "pre-commit",
        ]));
    }
    lock.unlock().unwrap();
    Some(executable)
}

fn run_ok(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn git(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command.current_dir(dir).args([
        "-c",
        "user.name=tenken",
        "-c",
        "user.email=tenken@example.com",
        "-c",
        "commit.gpgsign=false",
    ]);
    command
}

#[test]
fn the_pre_commit_hook_blocks_a_violating_commit_and_passes_a_clean_one() {
    let Some(pre_commit) = pre_commit() else {
        eprintln!("SKIPPED: Python is not installed, so the real pre-commit cannot run");
        return;
    };
    let temp = tempfile::tempdir().unwrap();

    // A hook repository holding this repository's hook definitions as they
    // are in the working tree.
    let hooks = temp.path().join("hooks");
    std::fs::create_dir(&hooks).unwrap();
    std::fs::copy(common::repo_root().join(".pre-commit-hooks.yaml"), hooks.join(".pre-commit-hooks.yaml")).unwrap();
    run_ok(git(&hooks).args(["init", "-q"]));
    run_ok(git(&hooks).args(["add", "."]));
    run_ok(git(&hooks).args(["commit", "-q", "-m", "hooks"]));
    let rev = String::from_utf8(run_ok(git(&hooks).args(["rev-parse", "HEAD"])).stdout).unwrap();

    // A product repository that uses the hook.
    let project = temp.path().join("project");
    std::fs::create_dir(&project).unwrap();
    run_ok(git(&project).args(["init", "-q"]));
    std::fs::write(
        project.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: tenken-system\n",
            hooks.display(),
            rev.trim()
        ),
    )
    .unwrap();
    run_ok(git(&project).args(["add", "."]));
    run_ok(git(&project).args(["commit", "-q", "-m", "config"]));

    let binary_dir = Path::new(env!("CARGO_BIN_EXE_tenken")).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(binary_dir.to_owned()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let with_env = |mut command: Command| {
        command
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", temp.path().join("pre-commit-home"))
            .env("TENKEN_CACHE_DIR", common::shared_cache());
        command
    };
    let mut install = Command::new(&pre_commit);
    install.current_dir(&project).arg("install");
    run_ok(&mut with_env(install));

    // A Dockerfile whose image runs as root: the commit is refused.
    std::fs::write(project.join("Dockerfile"), "FROM alpine:3.20\nCMD [\"sleep\", \"infinity\"]\n").unwrap();
    run_ok(git(&project).args(["add", "Dockerfile"]));
    let mut commit = git(&project);
    commit.args(["commit", "-m", "add image"]);
    let blocked = with_env(commit).output().unwrap();
    let output = format!("{}{}", String::from_utf8_lossy(&blocked.stdout), String::from_utf8_lossy(&blocked.stderr));
    assert!(!blocked.status.success(), "the violating commit went through:\n{output}");
    assert!(output.contains("dockerfile-non-root-user/runs-as-root"), "{output}");
    assert!(output.contains("Dockerfile:1:1"), "{output}");

    // Fixed: the commit goes through.
    std::fs::write(
        project.join("Dockerfile"),
        "FROM alpine:3.20\nUSER 10001\nHEALTHCHECK CMD [\"true\"]\nCMD [\"sleep\", \"infinity\"]\n",
    )
    .unwrap();
    run_ok(git(&project).args(["add", "Dockerfile"]));
    let mut commit = git(&project);
    commit.args(["commit", "-m", "add image"]);
    let passed = with_env(commit).output().unwrap();
    let output = format!("{}{}", String::from_utf8_lossy(&passed.stdout), String::from_utf8_lossy(&passed.stderr));
    assert!(passed.status.success(), "the clean commit was blocked:\n{output}");
}
