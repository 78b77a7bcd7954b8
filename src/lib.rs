//! The tenken command-line tool as a library, so that benchmarks and tests
//! can drive the same code the binary runs.

mod aliases;
mod baseline;
#[doc(hidden)]
pub mod bench;
mod builtin;
mod catalog;
mod changed;
mod check;
pub mod cli;
mod config;
mod default_set;
mod describe;
mod discover;
mod external;
pub mod fixtures;
mod helm;
mod init;
mod inspect;
mod kinds;
mod kustomize;
mod locate;
pub mod output;
pub mod plugins;
mod progress;
mod read;
mod redact;
mod rule_docs;
pub mod scaffold;
mod scope;
mod select;
mod suggest;
mod suppress;
mod terraform_modules;

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: &cli::Cli) -> anyhow::Result<u8> {
    match &cli.command {
        cli::Command::Check(args) => check::run(args),
        cli::Command::Plugins(args) => describe::list(args),
        cli::Command::Rules(args) => describe::rules(args),
        cli::Command::Explain(args) => describe::explain(args),
        cli::Command::Plugin(cli::PluginCommand::Test(args)) => fixtures::run(args),
        cli::Command::Plugin(cli::PluginCommand::Inspect(args)) => inspect::run(args),
        cli::Command::Plugin(cli::PluginCommand::New(args)) => scaffold::run(args),
        cli::Command::Plugin(cli::PluginCommand::Docs(args)) => rule_docs::run(args),
        cli::Command::Config(cli::ConfigCommand::Show(args)) => config::show(args),
        cli::Command::Init(args) => init::run(args),
    }
}
