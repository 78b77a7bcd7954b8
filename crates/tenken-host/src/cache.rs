//! A per-machine cache of precompiled components.
//!
//! Cranelift takes ~90 ms of CPU for a small Rust plugin and seconds for a
//! Python or JavaScript one; loading a precompiled artifact by mmap takes
//! ~70 µs. Entries are keyed by the component's sha256 and the engine's
//! compatibility fingerprint, so a different tenken build or engine setting
//! never loads an artifact it cannot use. wasmtime's own cache was measured
//! 12× slower on a hit (it hashes and decompresses) and pulls in zstd.
//!
//! Next to each artifact the cache keeps the plugin's validated info as
//! JSON. A warm run then knows every plugin's kinds and rules without
//! touching its component, and links only the plugins that the checked
//! files need: with dozens of bundled plugins, that is most of the time of
//! a one-file pre-commit run.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use wasmtime::component::Component;

use crate::LoadError;
use crate::plugin::PluginInfo;

/// How a component was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Found in the cache: the info at once, the precompiled artifact when
    /// the plugin is first called. No Cranelift work.
    Hit,
    /// Compiled now, and stored for next time.
    Compiled,
    /// Compiled now; no cache directory is configured or writable.
    CompiledUncached,
    /// Compiled when tenken was built and embedded in the binary. Loaded
    /// when the plugin is first called: from the cache when an earlier run
    /// stored it there, else from the binary, and then stored.
    Embedded,
}

/// The cache directory, or none to always compile.
#[derive(Debug, Clone)]
pub(crate) struct CompileCache {
    dir: Option<PathBuf>,
    fingerprint: String,
    /// What happened to damaged entries in this run, for `-v`.
    notes: Arc<Mutex<Vec<String>>>,
}

/// Next to each artifact, `<artifact>.check` holds its CRC-32 and length,
/// so that a damaged file is recognised before wasmtime, which trusts what
/// it deserializes, maps it as code.
const CHECK_EXTENSION: &str = "check";

/// The largest artifact read back; a precompiled Python plugin is about
/// 60 MB.
const ARTIFACT_LIMIT: u64 = 512 << 20;

impl CompileCache {
    pub(crate) fn new(engine: &wasmtime::Engine, dir: Option<PathBuf>) -> Self {
        // SipHash with fixed keys: stable for a given binary, which is all
        // the key needs, since artifacts only load into the binary's engine.
        #[allow(deprecated)]
        let mut hasher = std::hash::SipHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        Self { dir, fingerprint: format!("{:016x}", hasher.finish()), notes: Arc::default() }
    }

    /// Records something `-v` should show about compiled plugins.
    pub(crate) fn note(&self, note: String) {
        self.notes.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(note);
    }

    /// What was found damaged in the cache and compiled again, in this run.
    pub(crate) fn notes(&self) -> Vec<String> {
        self.notes.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn artifact_path(&self, sha256: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|dir| dir.join(format!("{sha256}-{}.cwasm", self.fingerprint)))
    }

    fn info_path(&self, sha256: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|dir| dir.join(format!("{sha256}-{}.info.json", self.fingerprint)))
    }

    /// The info stored for the component with digest `sha256`, if any. An
    /// entry that does not parse is a miss: the plugin is asked again.
    pub(crate) fn load_info(&self, sha256: &str) -> Option<PluginInfo> {
        let text = read_small(&self.info_path(sha256)?)?;
        serde_json::from_slice(&text).ok()
    }

    /// Stores `info` for the component with digest `sha256`. Best effort: a
    /// cache that cannot be written only costs the next run some time.
    pub(crate) fn store_info(&self, sha256: &str, info: &PluginInfo) {
        if let Some(path) = self.info_path(sha256)
            && let Ok(text) = serde_json::to_vec(info)
        {
            let _ = store(&path, &text);
        }
    }

    /// Loads the component with digest `sha256` from the cache, or compiles
    /// `bytes` and stores the result.
    pub(crate) fn load(
        &self,
        engine: &wasmtime::Engine,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<(Component, CacheOutcome), LoadError> {
        if let Some(component) = self.cached(engine, sha256) {
            return Ok((component, CacheOutcome::Hit));
        }
        let precompiled = engine.precompile_component(bytes).map_err(|err| LoadError::Compile(format!("{err:#}")))?;
        let stored = self.store_artifact(sha256, &precompiled);
        // Safe to deserialize: the bytes were produced by this engine just now.
        let component = deserialize_bytes(engine, &precompiled)?;
        let outcome = if stored { CacheOutcome::Compiled } else { CacheOutcome::CompiledUncached };
        Ok((component, outcome))
    }

    /// Loads a plugin compiled when tenken was built. Its artifact is part
    /// of the binary, but loading it from there copies it (wasmtime maps
    /// code only from files or memory it owns): 4 ms more than mapping
    /// cached files for a one-file Kubernetes check. So the first run
    /// writes each artifact it uses to the cache, and later runs map it
    /// from there like any cached artifact.
    pub(crate) fn load_embedded(
        &self,
        engine: &wasmtime::Engine,
        artifact: &[u8],
        sha256: &str,
    ) -> Result<Component, LoadError> {
        if let Some(component) = self.cached(engine, sha256) {
            return Ok(component);
        }
        let component = deserialize_embedded(engine, artifact)?;
        self.store_artifact(sha256, artifact);
        Ok(component)
    }

    /// The cached artifact for the component with digest `sha256`, if there
    /// is one and it is whole. A damaged, truncated or foreign artifact is
    /// a miss, to be replaced, and `-v` says so.
    fn cached(&self, engine: &wasmtime::Engine, sha256: &str) -> Option<Component> {
        let artifact = self.artifact_path(sha256)?;
        if !artifact.is_file() {
            return None;
        }
        match verify_artifact(&artifact)
            .and_then(|()| deserialize_file(engine, &artifact).map_err(|error| format!("it does not load: {error}")))
        {
            Ok(component) => Some(component),
            Err(reason) => {
                self.note(format!("compile cache: {} is damaged ({reason}); replaced", artifact.display()));
                None
            }
        }
    }

    /// Stores an artifact and its checksum; false when there is no cache
    /// or it cannot be written.
    fn store_artifact(&self, sha256: &str, artifact: &[u8]) -> bool {
        let stored = self.artifact_path(sha256).is_some_and(|path| {
            // The checksum first: an artifact without a matching one is
            // compiled again, never run.
            store(&check_path(&path), check_line(artifact).as_bytes()).is_ok() && store(&path, artifact).is_ok()
        });
        if stored {
            self.prune_other_builds(std::time::SystemTime::now());
        }
        stored
    }

    /// Removes the entries of other tenken builds (another engine
    /// fingerprint) last written [`STALE_AFTER`] or longer before `now`.
    /// Every upgrade leaves a full set of artifacts behind, about 30 MB for
    /// the bundled plugins alone, which nothing would ever read again. Runs
    /// only when this build stores an artifact, which is on its first runs,
    /// not on every run. A build still in use whose entries are removed
    /// writes them again when it next runs (for bundled plugins, a copy out
    /// of its binary). Best effort, like every cache write.
    fn prune_other_builds(&self, now: std::time::SystemTime) {
        let Some(dir) = &self.dir else { return };
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.take(PRUNE_SCAN_LIMIT).flatten() {
            let name = entry.file_name();
            let Some(fingerprint) = name.to_str().and_then(entry_fingerprint) else { continue };
            if fingerprint == self.fingerprint {
                continue;
            }
            let age = entry
                .metadata()
                .ok()
                .filter(std::fs::Metadata::is_file)
                .and_then(|metadata| metadata.modified().ok())
                .and_then(|modified| now.duration_since(modified).ok());
            if age.is_some_and(|age| age >= STALE_AFTER) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// How long an entry of another tenken build is kept after it was written.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 60 * 60);

/// The most directory entries one pruning looks at, so that a cache
/// directory someone filled with other files costs a bounded time.
const PRUNE_SCAN_LIMIT: usize = 10_000;

/// The engine fingerprint in the name of a cache entry,
/// `<sha256>-<fingerprint>.cwasm` (or `.cwasm.check`, `.info.json`); `None`
/// for any other name, which pruning leaves alone.
fn entry_fingerprint(name: &str) -> Option<&str> {
    let (stem, _) = name.split_once('.')?;
    let (sha256, fingerprint) = stem.split_once('-')?;
    let hex = |text: &str, length: usize| text.len() == length && text.bytes().all(|byte| byte.is_ascii_hexdigit());
    (hex(sha256, 64) && hex(fingerprint, 16)).then_some(fingerprint)
}

/// Writes through a temporary file and a rename, so a concurrent tenken
/// never maps a half-written artifact.
fn store(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|name| name.to_str()).unwrap_or("artifact"),
        std::process::id()
    ));
    // A failed write (a full disk) or rename leaves no temporary file.
    std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path)).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

/// A cache file other than an artifact (plugin info, checksums): a regular
/// file of at most 1 MiB, else a miss.
fn read_small(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read as _;
    const LIMIT: u64 = 1 << 20;
    let metadata = std::fs::metadata(path).ok()?;
    if !metadata.is_file() || metadata.len() > LIMIT {
        return None;
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path).ok()?.take(LIMIT).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

fn check_path(artifact: &Path) -> PathBuf {
    let mut name = artifact.as_os_str().to_owned();
    name.push(".");
    name.push(CHECK_EXTENSION);
    PathBuf::from(name)
}

/// What `<artifact>.check` holds: the CRC-32 and the length of the bytes.
fn check_line(bytes: &[u8]) -> String {
    format!("crc32 {:08x} length {}\n", crc32fast::hash(bytes), bytes.len())
}

/// Checks an artifact file against its `.check` file; `Err` says what is
/// wrong. The file is mapped, not read: hashing the page cache in place
/// added 1.2 ms to a warm one-file run (about 20 artifacts), where reading
/// it out added 2 ms, and wasmtime maps the same pages right after
/// (`deserialize_file`).
#[allow(unsafe_code)]
fn verify_artifact(path: &Path) -> Result<(), String> {
    let expected = read_small(&check_path(path)).ok_or("it has no checksum")?;
    let file = std::fs::File::open(path).map_err(|error| error.to_string())?;
    let size = file.metadata().map_err(|error| error.to_string())?.len();
    if size > ARTIFACT_LIMIT {
        return Err(format!("{size} bytes, over the {ARTIFACT_LIMIT}-byte limit"));
    }
    // SAFETY: the map is read while this function runs and dropped at its
    // end. Another tenken replaces cache files only by renaming a new file
    // over the name, which leaves this mapping's file as it was.
    let mapped = unsafe { memmap2::Mmap::map(&file) }.map_err(|error| error.to_string())?;
    let found = format!("crc32 {:08x} length {}\n", crc32fast::hash(&mapped), mapped.len());
    if found.as_bytes() != expected.as_slice() {
        return Err("its checksum does not match".to_owned());
    }
    Ok(())
}

#[allow(unsafe_code)]
fn deserialize_file(engine: &wasmtime::Engine, path: &Path) -> wasmtime::Result<Component> {
    // SAFETY: wasmtime requires a file holding an artifact produced by
    // `precompile_component` of a compatible engine, not modified while
    // mapped. Only tenken writes this directory, through atomic renames,
    // under names keyed by the engine's fingerprint, and the file's
    // checksum was verified just before (`verify_artifact`), so a file
    // damaged on disk is compiled again rather than run. The cache is the
    // user's own directory, trusted like the tenken binary itself.
    unsafe { Component::deserialize_file(engine, path) }
}

#[allow(unsafe_code)]
fn deserialize_embedded(engine: &wasmtime::Engine, artifact: &[u8]) -> Result<Component, LoadError> {
    // SAFETY: wasmtime maps what it deserializes as code without checking
    // it. The artifact was made by `precompile_portable` when this binary
    // was built, by the same wasmtime with the same configuration, and is
    // part of the binary itself; wasmtime still checks that its engine
    // settings and CPU features match before using it.
    unsafe { Component::deserialize(engine, artifact) }.map_err(|err| LoadError::Compile(format!("{err:#}")))
}

#[allow(unsafe_code)]
fn deserialize_bytes(engine: &wasmtime::Engine, bytes: &[u8]) -> Result<Component, LoadError> {
    // SAFETY: `bytes` come straight from `engine.precompile_component`.
    unsafe { Component::deserialize(engine, bytes) }.map_err(|err| LoadError::Compile(format!("{err:#}")))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    #[test]
    fn entries_of_other_builds_are_pruned_once_stale() {
        let dir = std::env::temp_dir().join(format!("tenken-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let engine = crate::engine::new_engine().unwrap();
        let cache = CompileCache::new(&engine, Some(dir.clone()));
        let sha = "ab".repeat(32);
        let ours = format!("{sha}-{}.cwasm", cache.fingerprint);
        let other_old = [
            format!("{sha}-0123456789abcdef.cwasm"),
            format!("{sha}-0123456789abcdef.cwasm.check"),
            format!("{sha}-0123456789abcdef.info.json"),
        ];
        let other_recent = format!("{}-fedcba9876543210.cwasm", "cd".repeat(32));
        let unrelated = ["notes.txt".to_owned(), "0123456789abcdef-0123456789abcdef.cwasm".to_owned()];
        let now = SystemTime::now();
        let long_ago = now - STALE_AFTER - Duration::from_secs(60);
        for name in other_old.iter().chain(unrelated.iter()).chain([&ours]) {
            let file = std::fs::File::create(dir.join(name)).unwrap();
            file.set_modified(long_ago).unwrap();
        }
        std::fs::write(dir.join(&other_recent), b"").unwrap();

        cache.prune_other_builds(now);

        for name in &other_old {
            assert!(!dir.join(name).exists(), "{name}: another build's stale entry is removed");
        }
        for name in unrelated.iter().chain([&ours, &other_recent]) {
            assert!(dir.join(name).exists(), "{name} is kept");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
