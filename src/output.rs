//! Writing to stdout without panicking when the reader goes away.
//!
//! `print!` panics when stdout is a closed pipe (`tenken plugins | head
//! -c 10`). Every command writes through [`print`] instead, so a closed
//! pipe is an `io::Error` that [`is_closed_pipe`] recognises; `main` then
//! ends the run quietly with the status a shell gives a process stopped by
//! SIGPIPE.

use std::io::Write as _;

/// The status a shell reports for a process stopped by SIGPIPE (128 + 13).
pub const CLOSED_PIPE_STATUS: u8 = 141;

/// Writes `text` to stdout and flushes it.
pub(crate) fn print(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Whether `error` (or what caused it) is a write to a pipe whose reader
/// has closed it.
pub fn is_closed_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
