//! `cargo-async-lint`: cargo runs it as `cargo-async-lint async-lint ARGS`; it also runs alone.

// syn builds many small allocations per token; mimalloc makes them much cheaper than glibc's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    no_huge_pages();
    let code = async_lint::run::main_with_args(std::env::args_os().collect());
    std::process::exit(code);
}

/// Opt this process out of transparent huge pages. Where the kernel's THP mode is `always`,
/// the first touch of each 2 MiB of the allocator's heap and of the worker's stack zeroes a
/// whole huge page: on a small crate that was a tenth of the run. A linter's life is too short
/// for the fewer TLB misses to pay that back.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
