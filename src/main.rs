//! `cargo-async-lint`: cargo runs it as `cargo-async-lint async-lint ARGS`; it also runs alone.

// syn builds many small allocations per token; mimalloc makes them much cheaper than glibc's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let code = async_lint::run::main_with_args(std::env::args_os().collect());
    std::process::exit(code);
}
