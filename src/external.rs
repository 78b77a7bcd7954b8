//! Running the tools that render configs as they deploy (`helm template`,
//! `kustomize build`): bounded in time and in output, since a chart or an
//! overlay is untrusted input and may make its tool loop or print without
//! end.

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one rendering may take. Rendering a large chart or overlay
/// takes well under a second; one that takes a minute is stuck.
pub(crate) const RENDER_TIMEOUT: Duration = Duration::from_secs(60);

/// The most bytes of a tool's error output kept for a message.
const STDERR_LIMIT: u64 = 64 * 1024;

/// Runs `command` with no input and returns what it printed, as UTF-8.
/// The error is one line: the tool's own first error line, or why it was
/// stopped (over `limit` bytes of output, or over [`RENDER_TIMEOUT`]).
pub(crate) fn run_bounded(mut command: Command, limit: u64) -> Result<String, String> {
    let program = command.get_program().to_string_lossy().into_owned();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run {program}: {error}"))?;
    let stdout = child.stdout.take().map(|out| std::thread::spawn(move || read_up_to(out, limit)));
    let stderr = child.stderr.take().map(|err| std::thread::spawn(move || read_up_to(err, STDERR_LIMIT)));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > RENDER_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("stopped after {} seconds", RENDER_TIMEOUT.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(error) => return Err(format!("cannot wait for {program}: {error}")),
        }
    };
    let stdout = stdout.and_then(|reader| reader.join().ok()).unwrap_or_default();
    let stderr = stderr.and_then(|reader| reader.join().ok()).unwrap_or_default();
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
        let first = stderr.lines().find(|line| !line.trim().is_empty()).unwrap_or("no error message");
        let first: String = first.chars().take(2000).collect();
        return Err(format!("{} ({status})", tenken_report::untrusted::one_line(&first)));
    }
    if stdout.len() as u64 > limit {
        return Err(format!("its output is over {limit} bytes"));
    }
    String::from_utf8(stdout).map_err(|_| "its output is not UTF-8".to_owned())
}

/// Reads at most `limit + 1` bytes, so that "more than the limit" shows,
/// then drains the rest so that the writer does not block on a full pipe.
fn read_up_to(reader: impl std::io::Read, limit: u64) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut reader = reader.take(limit.saturating_add(1));
    let _ = reader.read_to_end(&mut bytes);
    let _ = std::io::copy(&mut reader.into_inner(), &mut std::io::sink());
    bytes
}

/// A word as a POSIX shell reads it back: quoted when it holds anything but
/// the characters paths and values usually have.
pub(crate) fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=,:@%+".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A path as findings show paths: `/`-separated, without a leading `./`.
pub(crate) fn display(path: &std::path::Path) -> String {
    let path = path.strip_prefix(".").unwrap_or(path);
    let shown = path.to_string_lossy().replace('\\', "/");
    if shown.is_empty() { ".".to_owned() } else { shown }
}
