//! The command line as people use it: pipes, stdin, rule selection on the
//! command line, listings and counts, and help with typos.
#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

mod common;

use std::io::Read as _;
use std::process::{Command, Stdio};

use common::{repo_root, shared_cache, tenken};

/// `tenken plugins --format json | head -c 10`: the reader closes the pipe
/// after 10 bytes; tenken stops quietly with the status of a process
/// stopped by SIGPIPE, without a panic message.
#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenken"))
        .args(["plugins", "--format", "json"])
        .current_dir(repo_root())
        .env("TENKEN_CACHE_DIR", shared_cache())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The pipe's read end is dropped here: later writes fail.
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("internal error") && !stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(output.status.code(), Some(141), "{stderr}");
    assert_eq!(&first[..1], b"[");
}

#[test]
fn plugins_listing_still_works_on_an_open_pipe() {
    let run = tenken(&["plugins", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(serde_json::from_str::<serde_json::Value>(&run.stdout).is_ok());
}
