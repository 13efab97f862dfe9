//! `cargo-async-lint`: cargo runs it as `cargo-async-lint async-lint ARGS`; it also runs alone.

fn main() {
    let code = async_lint::run::main_with_args(std::env::args_os().collect());
    std::process::exit(code);
}
