//! `trinhky`: the command line. `main` only parses arguments, sets up logging and dispatches;
//! the work happens in the library crates.

mod cli;
mod demo_run;
mod directive;
mod pdfcmd;
mod serve;

use std::process::ExitCode;

use clap::Parser;

/// Counts heap use only once `trinhky verify` arms it (see `trinhky_alloc`).
#[global_allocator]
static ALLOC: trinhky_alloc::CappedAllocator = trinhky_alloc::CappedAllocator;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    // Verification needs no database and no async runtime: answered before either starts, so
    // `trinhky verify` costs little more than the verification itself.
    if let cli::Command::Verify { file, trust, json } = &args.command {
        let settings = match trinhky_app::Settings::from_env(args.config.as_deref()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e:#}");
                return ExitCode::from(2);
            }
        };
        return match pdfcmd::verify(&settings, file, trust, *json) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(2)
            }
        };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
