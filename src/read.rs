//! Reading a file with a bound, for every file tenken opens: inputs,
//! tenken.toml and what it extends, plugins, baselines.
//!
//! The file's metadata is checked first, before it is opened: a FIFO or a
//! device (`/dev/zero`) is refused rather than read forever, and a file
//! over its limit is refused without reading a byte. The read itself stops
//! just past the limit, so a file that grows in between costs no more.

use std::io::Read as _;
use std::path::Path;

/// The most bytes read from a `tenken.toml`, a file it extends, or a
/// baseline. Real ones are a few kilobytes; a baseline of 100,000
/// findings is about 20 MB.
pub(crate) const CONFIG_LIMIT: u64 = 1 << 20;
pub(crate) const BASELINE_LIMIT: u64 = 64 << 20;
/// The most bytes read from a plugin component. The bundled ones are
/// about 100 KB; a Python plugin built with componentize-py is about 40 MB.
pub(crate) const PLUGIN_LIMIT: u64 = 128 << 20;

/// Why [`read_bounded`] returned no bytes.
#[derive(Debug)]
pub(crate) enum ReadFailure {
    /// Larger than the limit: by its metadata, before reading, or by what
    /// reading found when the file grew in between.
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// A directory, FIFO, socket or device.
    NotRegular,
    Io(std::io::Error),
}

impl std::fmt::Display for ReadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadFailure::TooLarge { size, limit } => write!(f, "file is {size} bytes, over the {limit}-byte limit"),
            ReadFailure::NotRegular => f.write_str("not a regular file"),
            ReadFailure::Io(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ReadFailure {}

/// Reads a regular file of at most `limit` bytes. A symbolic link is
/// followed to its target, which must be a regular file too.
pub(crate) fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadFailure> {
    let metadata = std::fs::metadata(path).map_err(ReadFailure::Io)?;
    if !metadata.is_file() {
        return Err(ReadFailure::NotRegular);
    }
    if metadata.len() > limit {
        return Err(ReadFailure::TooLarge { size: metadata.len(), limit });
    }
    let file = std::fs::File::open(path).map_err(ReadFailure::Io)?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(ReadFailure::Io)?;
    let read = bytes.len() as u64;
    if read > limit {
        return Err(ReadFailure::TooLarge { size: read, limit });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_and_special_files_are_refused_before_reading() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join("a.yaml");
        std::fs::write(&file, b"0123456789").expect("writable");
        assert_eq!(read_bounded(&file, 10).expect("within the limit"), b"0123456789");
        assert!(matches!(read_bounded(&file, 9), Err(ReadFailure::TooLarge { size: 10, limit: 9 })));
        assert!(matches!(read_bounded(dir.path(), 10), Err(ReadFailure::NotRegular)));
        #[cfg(unix)]
        assert!(matches!(read_bounded(Path::new("/dev/zero"), 10), Err(ReadFailure::NotRegular)));
    }
}

/// The largest file taken for a symbolic link stored as text: git writes
/// the link's target, and targets are short paths.
const LINK_TEXT_LIMIT: usize = 1024;

/// The target, when `bytes` read from `path` are a symbolic link that git
/// checked out as a plain file (`core.symlinks=false`, the default on
/// Windows and in some archives): one line without a newline or spaces,
/// naming a path that exists next to the file, such as `../locals.tf`.
/// Read as a config, it is a syntax error or an empty document; the real
/// content is checked where the target lies.
pub(crate) fn link_stored_as_text(path: &Path, bytes: &[u8]) -> Option<String> {
    if bytes.is_empty() || bytes.len() > LINK_TEXT_LIMIT {
        return None;
    }
    let target = std::str::from_utf8(bytes).ok()?;
    let path_like = target.contains('/') && !target.chars().any(|c| c.is_whitespace() || c.is_control());
    if !path_like || target.starts_with('/') || target.contains("://") {
        return None;
    }
    let directory = path.parent()?;
    std::fs::symlink_metadata(directory.join(target)).is_ok().then(|| target.to_owned())
}

#[cfg(test)]
mod link_tests {
    use super::*;

    #[test]
    fn a_link_stored_as_text_is_told_from_a_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("fixture")).unwrap();
        std::fs::write(dir.path().join("locals.tf"), "locals {}\n").unwrap();
        let file = dir.path().join("fixture/locals.tf");
        assert_eq!(link_stored_as_text(&file, b"../locals.tf").as_deref(), Some("../locals.tf"));
        // A target that does not exist, a line with a newline or spaces,
        // an absolute path: not taken for a link.
        for text in [&b"../missing.tf"[..], b"../locals.tf\n", b"a = \"../locals.tf\"", b"/etc/passwd", b""] {
            assert_eq!(link_stored_as_text(&file, text), None, "{}", String::from_utf8_lossy(text));
        }
    }
}

/// Reads standard input up to one byte past `limit`: a pipe has no size to
/// check first, so the read stops where [`read_input`] can tell it is too
/// large, without holding more.
pub(crate) fn read_stdin_bounded(limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin().lock().take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The bytes of an input file: standard input's, read once, or the file's.
pub(crate) fn read_input(
    file: &crate::discover::InputFile,
    limit: u64,
) -> Result<std::borrow::Cow<'_, [u8]>, ReadFailure> {
    match file.content.in_memory() {
        // Standard input is kept to one byte past the limit, so its size
        // reads as "at least".
        Some(bytes) if bytes.len() as u64 > limit => Err(ReadFailure::TooLarge { size: bytes.len() as u64, limit }),
        Some(bytes) => Ok(std::borrow::Cow::Borrowed(bytes)),
        None => read_bounded(&file.path, limit).map(std::borrow::Cow::Owned),
    }
}
