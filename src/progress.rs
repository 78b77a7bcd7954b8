//! A progress bar on stderr for long runs. It appears only on a terminal,
//! and only once a run has taken a second, so quick runs (the pre-commit
//! case) and piped output never see it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const DELAY: Duration = Duration::from_secs(1);

pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    done: Arc<AtomicBool>,
}

impl Progress {
    pub(crate) fn start(files: usize) -> Self {
        use std::io::IsTerminal as _;
        let done = Arc::new(AtomicBool::new(false));
        if !std::io::stderr().is_terminal() {
            return Self { bar: None, done };
        }
        let bar = ProgressBar::with_draw_target(Some(files as u64), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{spinner} checking {pos}/{len} files {wide_bar} {elapsed}") {
            bar.set_style(style);
        }
        let shown = bar.clone();
        let finished = Arc::clone(&done);
        std::thread::spawn(move || {
            std::thread::sleep(DELAY);
            if !finished.load(Ordering::Relaxed) && !shown.is_finished() {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(120));
            }
        });
        Self { bar: Some(bar), done }
    }

    pub(crate) fn advance(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    pub(crate) fn finish(&self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
