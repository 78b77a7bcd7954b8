//! `cargo run -p xtask -- gen-corpus --files 10000 --out target/corpus-10k`
//!
//! Writes the synthetic repository that the benchmarks and
//! `bench/compare.sh` run over. The same seed and size always give the same
//! bytes.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "tenken project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a realistic mixed repository of config files.
    GenCorpus {
        /// How many config files to write.
        #[arg(long, default_value_t = 1000)]
        files: usize,
        /// The seed; the same seed and size give the same corpus.
        #[arg(long, default_value_t = xtask::corpus::DEFAULT_SEED)]
        seed: u64,
        /// The directory to write to. It is emptied first.
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::GenCorpus { files, seed, out } => {
            let summary = xtask::corpus::generate(&out, files, seed)?;
            println!("{summary}");
        }
    }
    Ok(())
}
