//! The tenken command-line tool.

mod check;
mod cli;
mod describe;
mod discover;
mod plugins;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // A panic is a bug in tenken, never in the user's files; report it as an
    // internal error with exit code 2 rather than let it pass as a verdict.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("tenken: internal error: {info}\nThis is a bug in tenken; please report it.");
    }));
    let outcome = std::panic::catch_unwind(|| match &cli.command {
        cli::Command::Check(args) => check::run(args),
        cli::Command::Plugins(args) => describe::list(args),
        cli::Command::Explain(args) => describe::explain(args),
    });
    match outcome {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(error)) => {
            eprintln!("tenken: error: {error:#}");
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}
