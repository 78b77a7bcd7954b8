//! Helpers shared by the end-to-end tests: run the tenken binary and
//! normalize the parts of its output that differ from run to run.
#![allow(dead_code)] // Each test crate uses a different subset.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What one tenken process printed and how it exited.
pub(crate) struct Run {
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) code: i32,
}

pub(crate) fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Compiled plugins shared by the end-to-end tests, so each test process
/// does not compile them again.
pub(crate) fn shared_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-test-cache")
}

pub(crate) fn tenken_with_cache(cache: &Path, args: &[&str]) -> Run {
    tenken_in(repo_root(), cache, args)
}

/// Runs tenken in `dir`, so paths in its output are relative to `dir`.
pub(crate) fn tenken_in(dir: &Path, cache: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_tenken"))
        .args(args)
        .current_dir(dir)
        .env("TENKEN_CACHE_DIR", cache)
        .env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("the tenken binary runs");
    Run {
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        code: output.status.code().expect("tenken exits normally"),
    }
}

/// Runs tenken in the repository with `input` on standard input.
pub(crate) fn tenken_with_stdin(args: &[&str], input: &[u8]) -> Run {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenken"))
        .args(args)
        .current_dir(repo_root())
        .env("TENKEN_CACHE_DIR", shared_cache())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    Run {
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
        code: output.status.code().unwrap(),
    }
}

pub(crate) fn tenken(args: &[&str]) -> Run {
    tenken_with_cache(&shared_cache(), args)
}

/// Replaces the run time in a summary line, e.g. ` (0.03s)`, which differs
/// from run to run.
pub(crate) fn without_elapsed(text: &str) -> String {
    text.lines()
        .map(|line| match line.rfind(" (") {
            Some(start)
                if line.ends_with("s)")
                    && line[start + 2..line.len() - 2].chars().all(|c| c.is_ascii_digit() || c == '.') =>
            {
                format!("{} ([elapsed])", &line[..start])
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Plugin hashes change with every plugin edit; they are not what these
/// snapshots are about.
pub(crate) fn redact_hashes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("\"sha256\": \"") {
        let value_start = start + "\"sha256\": \"".len();
        out.push_str(&rest[..value_start]);
        let value_end = rest[value_start..].find('"').map_or(rest.len(), |end| value_start + end);
        out.push_str("[sha256]");
        rest = &rest[value_end..];
    }
    out.push_str(rest);
    out
}
