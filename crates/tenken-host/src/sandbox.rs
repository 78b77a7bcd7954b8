//! The sandbox each plugin call runs in: a fresh store whose WASI context
//! grants nothing, with memory capped and a deadline set.

use std::time::Duration;

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{Deterministic, HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxView, WasiView};

use crate::engine::deadline_ticks;

/// Resource bounds for one plugin call.
#[derive(Debug, Clone)]
pub struct SandboxLimits {
    /// Largest linear memory a plugin instance may grow to, in bytes.
    pub memory_bytes: usize,
    /// Longest a single call may run.
    pub deadline: Duration,
    /// Most bytes kept of a plugin's stdout and of its stderr, each.
    pub output_bytes: usize,
    /// Most time the plugin calls of one run may take together, summed
    /// over plugins and threads. Past it no plugin is called again: calls
    /// that each finish within their deadline, but slowly, over thousands
    /// of files, cannot hold a run for hours.
    pub run_budget: Duration,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self {
            memory_bytes: 64 * 1024 * 1024,
            deadline: Duration::from_secs(2),
            output_bytes: 64 * 1024,
            run_budget: Duration::from_secs(600),
        }
    }
}

/// The data of one store: WASI state that grants nothing, and the limiter.
pub(crate) struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: Limiter,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// What a call printed, captured rather than passed through.
pub(crate) struct CapturedOutput {
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
}

impl CapturedOutput {
    pub(crate) fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout.contents()).into_owned()
    }

    pub(crate) fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents()).into_owned()
    }
}

/// The bytes every random request cycles through. Plugins check configs;
/// none has a use for real randomness, and fixed bytes keep runs repeatable.
const FIXED_RANDOM: [u8; 16] = *b"tenken-sandbox!!";

/// Builds a fresh store for one call.
///
/// The WASI context is empty: no preopened directories (so every file
/// access fails), no environment variables, no arguments, no sockets or name
/// lookups, clocks frozen at the Unix epoch, and randomness from a fixed
/// sequence, so a plugin's result can depend on nothing but its input (a
/// guest's hash maps seed themselves from WASI randomness). Stdout and
/// stderr go to bounded buffers.
pub(crate) fn new_store(engine: &wasmtime::Engine, limits: &SandboxLimits) -> (Store<HostState>, CapturedOutput) {
    let output = CapturedOutput {
        stdout: MemoryOutputPipe::new(limits.output_bytes),
        stderr: MemoryOutputPipe::new(limits.output_bytes),
    };
    let wasi = WasiCtx::builder()
        .stdout(output.stdout.clone())
        .stderr(output.stderr.clone())
        .wall_clock(FrozenClock)
        .monotonic_clock(FrozenClock)
        .secure_random(Deterministic::new(FIXED_RANDOM.to_vec()))
        .insecure_random(Deterministic::new(FIXED_RANDOM.to_vec()))
        .insecure_random_seed(0)
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .build();
    let state = HostState {
        wasi,
        table: ResourceTable::new(),
        limiter: Limiter { memory_bytes: limits.memory_bytes, memory_denied: false },
    };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limiter);
    store.set_epoch_deadline(deadline_ticks(limits.deadline));
    store.epoch_deadline_trap();
    (store, output)
}

/// Whether the last failure in this store was a denied memory growth.
pub(crate) fn memory_was_denied(store: &Store<HostState>) -> bool {
    store.data().limiter.memory_denied
}

/// Caps linear memory and the number of instances, tables and memories.
/// A denied growth traps (rather than returning -1 to the guest), because a
/// guest allocator that sees failure would abort with a less clear message.
struct Limiter {
    memory_bytes: usize,
    memory_denied: bool,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            self.memory_denied = true;
            return Err(wasmtime::format_err!(
                "plugin tried to grow its memory to {desired} bytes, over the {}-byte limit",
                self.memory_bytes
            ));
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }

    fn instances(&self) -> usize {
        // A component instantiates a handful of core modules (the guest and
        // its adapters); 64 is far above that and far below abuse.
        64
    }

    fn tables(&self) -> usize {
        64
    }

    fn memories(&self) -> usize {
        16
    }
}

/// A clock that always reads zero: the Unix epoch, and the start of time
/// for the monotonic clock.
struct FrozenClock;

impl HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }

    fn now(&self) -> u64 {
        0
    }
}
