//! The global allocator of every binary that links this crate (all of Hearth's, and their
//! tests): mimalloc, which returns freed memory to the system shortly after a burst of uploads,
//! where glibc's malloc kept it in its per-thread arenas (ADR 0072; the figures are in
//! docs/benchmarks.md, "Memory after a burst").

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
