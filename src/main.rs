//! The `qujat` command line: parses arguments, calls the library, prints results.

mod cli;

/// Typst and krilla allocate many small, short-lived objects per document; mimalloc serves
/// them markedly faster than glibc's malloc (see `qujat bench render`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
