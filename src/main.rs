//! The tenken command-line tool.

use std::process::ExitCode;

use clap::Parser as _;

/// The static Linux build's allocator; see Cargo.toml.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = tenken::cli::Cli::parse();
    // A panic is a bug in tenken, never in the user's files; report it as an
    // internal error with exit code 2 rather than let it pass as a verdict.
    std::panic::set_hook(Box::new(|info| {
        let info = tenken_report::untrusted::one_line(&info.to_string()).into_owned();
        eprintln!("tenken: internal error: {info}\nThis is a bug in tenken; please report it.");
    }));
    match std::panic::catch_unwind(|| tenken::run(&cli)) {
        Ok(Ok(code)) => ExitCode::from(code),
        // The reader of stdout went away (`tenken plugins | head`): end
        // quietly, as a process stopped by SIGPIPE would.
        Ok(Err(error)) if tenken::output::is_closed_pipe(&error) => ExitCode::from(tenken::output::CLOSED_PIPE_STATUS),
        Ok(Err(error)) => {
            // The error may quote file names, config text or plugin output.
            eprintln!("tenken: error: {}", tenken_report::untrusted::one_line(&format!("{error:#}")));
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}
