//! A fixed-seed xorshift generator for tests that feed random inputs: failures reproduce, and
//! no dependency is needed for it.

/// Yields pseudo-random `u64`s from `seed` (which must not be 0).
pub(crate) fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
