//! Runs tenken policy plugins.
//!
//! This crate is the only one that knows wasmtime. It fixes the engine
//! configuration, caches compiled plugins per machine, links each plugin
//! once per run, and runs every call in a fresh sandbox that grants no
//! filesystem, network, environment or clock, with memory and time capped.
//! Every way a plugin can fail becomes a [`PluginError`]; the host process
//! is never at risk.
#![warn(missing_docs)]

mod bindings;
mod cache;
mod contract;
mod engine;
mod plugin;
mod sandbox;

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::Linker;

pub use cache::CacheOutcome;
pub use contract::CONTRACT_VERSION;
pub use plugin::{
    CallDocuments, CheckOutput, DocumentInput, EXHAUSTED_CALLS_BEFORE_DISABLING, LoadedPlugin,
    MAX_FINDINGS_PER_DOCUMENT, MAX_MESSAGE_BYTES, MAX_RULES, MAX_TITLE_BYTES, PluginInfo, RawFinding, RuleInfo, Scope,
    TreeEncoding,
};
pub use sandbox::SandboxLimits;

use engine::EpochTicker;
use sandbox::HostState;

/// The bytes of one plugin component and where they came from.
#[derive(Debug, Clone)]
pub struct PluginSource {
    /// Shown to users: `bundled` or the file's path.
    pub origin: String,
    /// The component.
    pub bytes: Cow<'static, [u8]>,
    /// The sha256 of `bytes` in lower-case hex, if already known (bundled
    /// plugins have it computed at build time).
    pub sha256: Option<String>,
    /// The component compiled ahead of time, with its info, when tenken was
    /// built (bundled plugins): no compile and no cache on any run.
    pub precompiled: Option<Precompiled>,
}

/// A plugin compiled when tenken was built, by [`precompile_portable`].
#[derive(Debug, Clone)]
pub struct Precompiled {
    /// The artifact, for the baseline CPU of the target architecture.
    pub artifact: Cow<'static, [u8]>,
    /// The plugin's info as JSON, as `info` returned it at build time.
    pub info: Cow<'static, str>,
}

/// Compiles a plugin for every CPU of `target` (a target triple) and
/// describes it by loading the artifact as a run will, so that a build
/// whose artifacts would not load fails at build time. For build scripts
/// that embed plugins; the target's architecture and operating system must
/// be this machine's.
pub fn precompile_portable(bytes: &[u8], target: &str) -> Result<Precompiled, LoadError> {
    let portable = engine::portable_engine(target)?;
    let artifact = portable.precompile_component(bytes).map_err(|err| LoadError::Compile(format!("{err:#}")))?;
    let host = Host::new(HostConfig::default())?;
    let pre = plugin::link_precompiled(&host.shared, &artifact, "")?;
    let source =
        PluginSource { origin: "build".to_owned(), bytes: Cow::Borrowed(&[]), sha256: None, precompiled: None };
    let plugin = LoadedPlugin::linked(&host.shared, &source, String::new(), CacheOutcome::Embedded, pre)?;
    let info = serde_json::to_string(&plugin.info).map_err(|err| LoadError::Info(err.to_string()))?;
    Ok(Precompiled { artifact: Cow::Owned(artifact), info: Cow::Owned(info) })
}

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The engine could not be created.
    #[error("could not start the WebAssembly engine: {0}")]
    Engine(String),
    /// The bytes are not a valid component, or compiling them failed.
    #[error("not a valid WebAssembly component: {0}")]
    Compile(String),
    /// The component does not export the tenken contract.
    #[error("not a tenken plugin: it does not export `tenken:plugin/policy`")]
    NotAPlugin,
    /// Built for another contract version.
    #[error(
        "built for plugin contract {found}, but this tenken speaks {expected}; rebuild the plugin against a compatible tenken-sdk"
    )]
    IncompatibleContract {
        /// The version the plugin exports.
        found: String,
        /// The version this host speaks.
        expected: String,
    },
    /// The component needs imports the sandbox does not grant.
    #[error("cannot be linked into the sandbox: {0}")]
    Link(String),
    /// Calling `info` failed.
    #[error("failed while describing itself: {0}")]
    Info(String),
    /// `info` returned something unusable.
    #[error("plugin `{plugin}` describes itself incorrectly: {reason}")]
    InvalidInfo {
        /// The id the plugin gave.
        plugin: String,
        /// What is wrong.
        reason: String,
    },
}

/// Why a call into a plugin failed. The run goes on; the failure is
/// reported against the files the call covered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PluginError {
    /// The call ran past its deadline and was stopped.
    #[error("stopped after exceeding its {}-ms deadline", limit.as_millis())]
    Deadline {
        /// The deadline.
        limit: Duration,
    },
    /// The plugin tried to use more memory than allowed.
    #[error("stopped after exceeding its {} MiB memory limit", limit_bytes / (1024 * 1024))]
    MemoryLimit {
        /// The limit in bytes.
        limit_bytes: usize,
    },
    /// The plugin trapped (a Rust panic, an uncaught exception, ...).
    #[error("crashed: {message}{}", stderr_suffix(stderr))]
    Trap {
        /// The trap.
        message: String,
        /// What the plugin wrote to stderr before it crashed.
        stderr: String,
    },
    /// The plugin returned an error instead of findings.
    #[error("reported an error: {0}")]
    Rejected(String),
    /// The plugin returned findings that break the contract.
    #[error("returned a malformed finding: {0}")]
    Malformed(String),
    /// The plugin was described from the cache, but its component could not
    /// be compiled or linked when it was first needed.
    #[error("could not be loaded: {0}")]
    Load(String),
    /// The plugin is no longer called in this run.
    #[error("was not called: {0}")]
    SwitchedOff(SwitchedOff),
}

/// Why a plugin is no longer called in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SwitchedOff {
    /// Its calls kept running out of time or memory: the run reports it
    /// once, however many calls were running when it was switched off.
    #[error("it was switched off after {EXHAUSTED_CALLS_BEFORE_DISABLING} calls ran out of time or memory")]
    Exhausted,
    /// The plugin calls of the run, together, took the run's whole budget.
    #[error("the run's plugin calls took their whole time budget of {} s", .0.as_secs())]
    RunBudget(Duration),
}

fn stderr_suffix(stderr: &str) -> String {
    let trimmed = stderr.trim();
    if trimmed.is_empty() {
        return String::new();
    }
    // The tail holds the panic message; keep it readable on one screen.
    let tail: String = {
        let chars: Vec<char> = trimmed.chars().collect();
        let start = chars.len().saturating_sub(800);
        chars[start..].iter().collect()
    };
    format!("\nplugin stderr:\n{tail}")
}

/// Settings for a [`Host`].
#[derive(Debug, Clone, Default)]
pub struct HostConfig {
    /// Where compiled plugins are cached; `None` compiles every run.
    pub cache_dir: Option<PathBuf>,
    /// Limits for every plugin call.
    pub limits: SandboxLimits,
}

/// The engine, the linker and the compile cache, shared by every plugin of
/// a run.
pub struct Host {
    shared: Arc<Shared>,
}

/// What every plugin of a host needs to be linked and called, at load time
/// or later.
pub(crate) struct Shared {
    pub(crate) engine: wasmtime::Engine,
    pub(crate) linker: Linker<HostState>,
    pub(crate) cache: cache::CompileCache,
    pub(crate) limits: SandboxLimits,
    /// Time spent in plugin calls so far, summed over every plugin and
    /// thread, in nanoseconds; bounded by `limits.run_budget`.
    pub(crate) spent_nanos: std::sync::atomic::AtomicU64,
    /// Keeps deadlines firing for as long as any plugin can be called.
    pub(crate) _ticker: EpochTicker,
}

impl Host {
    /// Creates the engine and starts the deadline ticker.
    pub fn new(config: HostConfig) -> Result<Self, LoadError> {
        let engine = engine::new_engine()?;
        let mut linker = Linker::new(&engine);
        // The WASI interfaces are linked so that components built by
        // standard toolchains instantiate, but the context behind them
        // grants nothing; see sandbox::new_store.
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|err| LoadError::Engine(format!("{err:#}")))?;
        let cache = cache::CompileCache::new(&engine, config.cache_dir);
        let ticker = EpochTicker::start(&engine)?;
        let spent_nanos = std::sync::atomic::AtomicU64::new(0);
        let shared = Shared { engine, linker, cache, limits: config.limits, spent_nanos, _ticker: ticker };
        Ok(Self { shared: Arc::new(shared) })
    }

    /// Describes a plugin. With the plugin's info in the cache this reads
    /// one small file, and the component is compiled (or mapped from the
    /// cache) and linked only when the plugin is first called. Otherwise
    /// the component is compiled, its contract version checked, and it is
    /// linked and asked for its info, which is then cached.
    pub fn load(&self, source: &PluginSource) -> Result<LoadedPlugin, LoadError> {
        let sha256 = source.sha256.clone().unwrap_or_else(|| sha256_hex(&source.bytes));
        if let Some(precompiled) = &source.precompiled {
            // Validated when the build asked the plugin for it.
            let info = serde_json::from_str(&precompiled.info).map_err(|err| LoadError::Info(err.to_string()))?;
            return Ok(LoadedPlugin::described(&self.shared, source, sha256, info, CacheOutcome::Embedded));
        }
        if let Some(info) = self.shared.cache.load_info(&sha256) {
            return Ok(LoadedPlugin::described(&self.shared, source, sha256, info, CacheOutcome::Hit));
        }
        let (pre, outcome) = plugin::compile_and_link(&self.shared, &source.bytes, &sha256)?;
        let plugin = LoadedPlugin::linked(&self.shared, source, sha256, outcome, pre)?;
        self.shared.cache.store_info(&plugin.sha256, &plugin.info);
        Ok(plugin)
    }

    /// Whether loading `source` compiles it: it is neither built into
    /// tenken nor described in the cache. (A cached description whose
    /// artifact has gone is compiled on first call, unannounced.)
    pub fn needs_compile(&self, source: &PluginSource) -> bool {
        if source.precompiled.is_some() {
            return false;
        }
        let sha256 = source.sha256.clone().unwrap_or_else(|| sha256_hex(&source.bytes));
        self.shared.cache.load_info(&sha256).is_none()
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> &SandboxLimits {
        &self.shared.limits
    }
}

/// Lower-case hex sha256 of `bytes`: a plugin's identity.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}
