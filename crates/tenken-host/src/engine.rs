//! The wasmtime engine, configured once for every plugin, and the epoch
//! ticker that enforces call deadlines.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::LoadError;

/// How often the engine's epoch advances. A call's deadline is rounded up to
/// whole ticks, so a runaway plugin is stopped at most one tick late.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Builds the engine. Epoch interruption is the only interruption mechanism:
/// it costs far less than fuel on parse-heavy guests. Async and the
/// component-model concurrency machinery are off, since plugins are plain
/// synchronous functions.
pub(crate) fn new_engine() -> Result<wasmtime::Engine, LoadError> {
    wasmtime::Engine::new(&config()).map_err(|err| LoadError::Engine(format!("{err:#}")))
}

/// An engine that compiles for the baseline CPU of `target` (a target
/// triple) rather than for the CPU it runs on: what it compiles runs on
/// every CPU of that architecture, and loads into [`new_engine`]'s engine.
/// Bundled plugins are compiled with it when tenken is built.
pub(crate) fn portable_engine(target: &str) -> Result<wasmtime::Engine, LoadError> {
    let mut config = config();
    config.target(target).map_err(|err| LoadError::Engine(format!("{err:#}")))?;
    wasmtime::Engine::new(&config).map_err(|err| LoadError::Engine(format!("{err:#}")))
}

/// The one engine configuration: artifacts load only into an engine
/// configured like the one that compiled them.
fn config() -> wasmtime::Config {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.concurrency_support(false);
    config.parallel_compilation(true);
    config.cranelift_opt_level(wasmtime::OptLevel::Speed);
    // Copy each instance's data segments into fresh memory instead of
    // mapping them copy-on-write from the compiled file: plugins' data is
    // small, and the mapping and unmapping cost more than the copy across
    // the thousands of short-lived instances of a large check (5% of a
    // 10,000-file run; no difference for one file).
    config.memory_init_cow(false);
    // Native unwind info (.eh_frame) only lets outside unwinders (a
    // debugger, perf) walk through guest frames; wasmtime does not need it.
    // Registering and removing it is quadratic in LLVM's libunwind, which
    // the static musl build links: 72% of a one-file check went to removing
    // it at exit (66 ms against 16 ms for the glibc build). Windows
    // requires it.
    if !cfg!(windows) {
        config.native_unwind_info(false);
    }
    config
}

/// A background thread that advances the engine's epoch every
/// [`EPOCH_TICK`]. It stops when this handle is dropped.
pub(crate) struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    /// Starts the ticker. Without it no deadline would ever fire, so failing
    /// to start the thread is an error, not a degraded mode.
    pub(crate) fn start(engine: &wasmtime::Engine) -> Result<Self, LoadError> {
        let stop = Arc::new(AtomicBool::new(false));
        let engine = engine.weak();
        let thread_stop = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("tenken-epoch".into())
            .spawn(move || {
                while !thread_stop.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    match engine.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .map_err(|err| LoadError::Engine(format!("could not start the deadline ticker thread: {err}")))?;
        Ok(Self { stop })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        // Not joined: the thread notices within one tick, and waiting for it
        // would add that tick to every process exit.
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The number of epoch ticks that covers `deadline`.
pub(crate) fn deadline_ticks(deadline: Duration) -> u64 {
    let ticks = deadline.as_nanos().div_ceil(EPOCH_TICK.as_nanos());
    u64::try_from(ticks).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_round_up_to_whole_ticks() {
        assert_eq!(deadline_ticks(Duration::from_millis(1)), 1);
        assert_eq!(deadline_ticks(Duration::from_millis(5)), 1);
        assert_eq!(deadline_ticks(Duration::from_millis(6)), 2);
        assert_eq!(deadline_ticks(Duration::from_secs(2)), 400);
        assert_eq!(deadline_ticks(Duration::ZERO), 1);
    }
}
