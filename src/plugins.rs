//! Finding and loading plugins: the bundled ones, compiled into this
//! binary, and any given with `--plugin`.

use std::borrow::Cow;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use tenken_host::{Host, HostConfig, LoadError, LoadedPlugin, PluginSource, Precompiled, SandboxLimits};

/// A plugin embedded in the binary by build.rs.
#[derive(Debug)]
pub struct BundledPlugin {
    /// The cargo package name under `plugins/`.
    pub package: &'static str,
    /// sha256 of the component, computed at build time.
    pub sha256: &'static str,
    /// The component.
    pub bytes: &'static [u8],
    /// The component compiled for this binary's architecture, with its
    /// info; `None` when the binary was built for another architecture
    /// than the machine that built it.
    pub precompiled: Option<Precompiled>,
}

impl BundledPlugin {
    /// What the host loads: the precompiled artifact when there is one.
    pub fn source(&self) -> PluginSource {
        PluginSource {
            origin: format!("bundled:{}", self.package),
            bytes: Cow::Borrowed(self.bytes),
            sha256: Some(self.sha256.to_owned()),
            precompiled: self.precompiled.clone(),
        }
    }
}

include!(concat!(env!("OUT_DIR"), "/bundled_plugins.rs"));

/// How plugins are loaded and sandboxed: the plain form of the command
/// line's runtime options, so that nothing below the CLI takes clap types.
#[derive(Debug, Clone)]
pub struct Runtime {
    /// Directory for compiled plugins; `None` for the default.
    pub cache_dir: Option<PathBuf>,
    /// Compile plugins on every run instead of caching them.
    pub no_cache: bool,
    /// Memory limit for each plugin instance, in MiB.
    pub plugin_memory: usize,
    /// Time limit for each plugin call, in milliseconds.
    pub plugin_timeout: u64,
    /// Time all plugin calls of a run may take together, in seconds.
    pub plugin_time_budget: u64,
    /// Extra plugins: `.wasm` components, or directories of them.
    pub plugins: Vec<PathBuf>,
    /// Settings for plugins, by plugin id.
    pub plugin_settings: Vec<(String, serde_json::Value)>,
}

impl From<&crate::cli::RuntimeArgs> for Runtime {
    fn from(args: &crate::cli::RuntimeArgs) -> Self {
        Self {
            cache_dir: args.cache_dir.clone(),
            no_cache: args.no_cache,
            plugin_memory: args.plugin_memory,
            plugin_timeout: args.plugin_timeout,
            plugin_time_budget: args.plugin_time_budget,
            plugins: args.plugins.clone(),
            plugin_settings: args.plugin_settings.clone(),
        }
    }
}

/// The plugins of a run, and those that failed to load.
#[derive(Clone)]
pub struct Plugins {
    pub loaded: Vec<LoadedPlugin>,
    /// (origin, why) of every plugin that could not be loaded.
    pub failed: Vec<(String, String)>,
    /// One line per plugin: how it was loaded and how long it took.
    pub load_log: Vec<String>,
    /// The most document text one plugin call carries: a batch of files
    /// or a project is split to stay under it (see `check::project_calls`).
    pub call_bytes: usize,
}

/// A sixteenth of a plugin's memory. A guest holds the request's compact
/// trees and what it builds from them; since plugins read trees in place a
/// call needs far less than this, but larger calls (a quarter, an eighth)
/// measured no faster on the 10k corpus and raised peak memory by up to
/// 75 MB, since two threads each hold a call's trees three times over
/// (decompressed, prepared, in the guest).
pub(crate) fn call_bytes(runtime: &Runtime) -> usize {
    runtime.plugin_memory.saturating_mul(1024 * 1024) / 16
}

/// Creates the host and loads every plugin, in parallel (a cold start
/// compiles them all at once). Says so on stderr, when it is a terminal,
/// before compiling plugins.
pub fn load(runtime: &Runtime) -> anyhow::Result<Plugins> {
    load_announcing(runtime, std::io::IsTerminal::is_terminal(&std::io::stderr()))
}

/// [`load`], saying on stderr whether plugins are compiled when
/// `announce` is set.
pub fn load_announcing(runtime: &Runtime, announce: bool) -> anyhow::Result<Plugins> {
    let host = new_host(runtime)?;

    let mut failed = Vec::new();
    let mut sources: Vec<PluginSource> = BUNDLED_PLUGINS.iter().map(BundledPlugin::source).collect();
    for path in extra_plugin_files(&runtime.plugins, &mut failed) {
        match crate::read::read_bounded(&path, crate::read::PLUGIN_LIMIT) {
            Ok(bytes) => sources.push(PluginSource {
                origin: path.display().to_string(),
                sha256: Some(tenken_host::sha256_hex(&bytes)),
                bytes: Cow::Owned(bytes),
                precompiled: None,
            }),
            Err(error) => failed.push((path.display().to_string(), format!("could not be read: {error}"))),
        }
    }
    // Compiling takes 0.1 s for a small Rust plugin and seconds for a
    // Python or JavaScript one: a run that seems to hang for that long
    // should say why.
    let compiling = sources.iter().filter(|source| host.needs_compile(source)).count();
    if announce && compiling > 0 {
        let plugins = if compiling == 1 { "plugin" } else { "plugins" };
        eprintln!("tenken: compiling {compiling} {plugins} for this machine; later runs use the compiled copy");
    }
    let results: Vec<(String, Result<LoadedPlugin, LoadError>, Duration)> = sources
        .par_iter()
        .map(|source| {
            let started = Instant::now();
            let result = host.load(source);
            (source.origin.clone(), result, started.elapsed())
        })
        .collect();

    let mut plugins = Plugins { loaded: Vec::new(), failed, load_log: Vec::new(), call_bytes: call_bytes(runtime) };
    for (origin, result, elapsed) in results {
        match result {
            Ok(plugin) => {
                if let Some(existing) = plugins.loaded.iter().find(|loaded| loaded.info.id == plugin.info.id) {
                    let message =
                        format!("has plugin id `{}`, already loaded from {}", plugin.info.id, existing.origin);
                    plugins.failed.push((origin, message));
                    continue;
                }
                let how = match plugin.cache {
                    tenken_host::CacheOutcome::Hit => "loaded from the compile cache",
                    tenken_host::CacheOutcome::Compiled => "compiled and cached",
                    tenken_host::CacheOutcome::CompiledUncached => "compiled (no cache)",
                    tenken_host::CacheOutcome::Embedded => "precompiled in this binary",
                };
                plugins.load_log.push(format!(
                    "plugin {} {}: {how} in {:.1} ms",
                    plugin.info.id,
                    plugin.info.version,
                    elapsed.as_secs_f64() * 1000.0
                ));
                plugins.loaded.push(plugin);
            }
            Err(error) => plugins.failed.push((origin, format!("could not be loaded: {error}"))),
        }
    }
    plugins.loaded.sort_by(|a, b| a.info.id.cmp(&b.info.id));
    configure(&mut plugins.loaded, &runtime.plugin_settings)?;
    Ok(plugins)
}

/// The host with the runtime's limits and compile cache.
pub(crate) fn new_host(runtime: &Runtime) -> anyhow::Result<Host> {
    let limits = SandboxLimits {
        memory_bytes: runtime.plugin_memory.saturating_mul(1024 * 1024),
        deadline: Duration::from_millis(runtime.plugin_timeout),
        run_budget: Duration::from_secs(runtime.plugin_time_budget),
        ..SandboxLimits::default()
    };
    let cache_dir = if runtime.no_cache { None } else { cache_dir(runtime) };
    Ok(Host::new(HostConfig { cache_dir, limits })?)
}

/// The `.wasm` files named by `--plugin`, directories expanded in name order.
fn extra_plugin_files(paths: &[PathBuf], failed: &mut Vec<(String, String)>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        match std::fs::read_dir(path) {
            Ok(entries) => {
                let mut found: Vec<PathBuf> = entries
                    .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                    .filter(|file| file.extension().is_some_and(|extension| extension == "wasm"))
                    .collect();
                found.sort();
                files.extend(found);
            }
            Err(error) => failed.push((path.display().to_string(), format!("could not be read: {error}"))),
        }
    }
    files
}

/// Applies `--plugin-settings`. Settings a plugin rejects, or settings for
/// a plugin that is not loaded, are configuration errors: the run stops
/// before checking anything rather than check with the wrong settings.
pub(crate) fn configure(plugins: &mut [LoadedPlugin], settings: &[(String, serde_json::Value)]) -> anyhow::Result<()> {
    for (id, value) in settings {
        let Some(plugin) = plugins.iter_mut().find(|plugin| &plugin.info.id == id) else {
            anyhow::bail!("--plugin-settings names plugin `{id}`, which is not loaded");
        };
        plugin.configure(value).map_err(|error| anyhow::anyhow!("plugin `{id}` rejected its settings: {error}"))?;
    }
    Ok(())
}

fn cache_dir(runtime: &Runtime) -> Option<PathBuf> {
    runtime
        .cache_dir
        .clone()
        .or_else(|| std::env::var_os("TENKEN_CACHE_DIR").map(PathBuf::from))
        .or_else(|| dirs::cache_dir().map(|dir| dir.join("tenken")))
}
