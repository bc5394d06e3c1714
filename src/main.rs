//! The `otcwatch` binary: parse the command line, set up logging, run, map the result to an exit
//! code. Everything else lives in the library (`otcwatch::cli`).

use std::process::ExitCode;

fn main() -> ExitCode {
    otcwatch::cli::main()
}
