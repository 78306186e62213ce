//! How the C library's allocator is set for every Hearth process (ADR 0072). glibc's malloc
//! takes blocks of 128 KiB and more straight from the system and gives them back on free, but
//! only until the first such block is freed: then it raises that threshold (up to 32 MiB) and
//! keeps later large blocks in its arenas, where they stay after the burst that needed them.
//! An upload's 1 MiB write buffers did that: 25 MB more, kept after the uploads ended. Fixing
//! the threshold keeps every large block mapped on its own, so memory comes back when the
//! work ends.

/// Allocations this large or larger are mapped on their own and unmapped when freed.
const MAPPED_FROM_BYTES: i32 = 128 * 1024;

/// Fixes the allocator's threshold for mapped blocks; call it first in `main`, before any
/// thread starts.
#[allow(unsafe_code)]
pub fn return_large_blocks_when_freed() {
    // SAFETY: mallopt only sets a parameter of glibc's allocator; called before threads exist.
    let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MAPPED_FROM_BYTES) };
    if set != 1 {
        eprintln!("note: the allocator's mapping threshold could not be set; memory may stay high after uploads");
    }
}
