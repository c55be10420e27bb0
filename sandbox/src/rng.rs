//! A tiny, portable, seeded pseudo-random generator.
//!
//! The fleet must be byte-identical for the same seed on every platform and with every version of
//! every dependency, so the sandbox carries its own generator instead of depending on `rand`'s
//! algorithms (which may change between releases): SplitMix64 to expand seeds and xoshiro256** to
//! draw. Only exact IEEE operations (`+ - * /`, `floor`, `round`) are applied to the numbers drawn
//! here; no transcendental function (`exp`, `ln`, `sin`) is, because those may differ by platform.

/// One step of SplitMix64: a good 64-bit mixer, used to expand seeds and to hash indices.
///
/// ```
/// use orb_cloud_sandbox::rng::splitmix64;
/// let mut state = 7;
/// let a = splitmix64(&mut state);
/// let mut again = 7;
/// assert_eq!(a, splitmix64(&mut again));
/// ```
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Mixes several words into one seed (order matters), e.g. `(seed, org index, device index)`.
///
/// ```
/// use orb_cloud_sandbox::rng::mix;
/// assert_ne!(mix(&[1, 2]), mix(&[2, 1]));
/// ```
pub fn mix(words: &[u64]) -> u64 {
    let mut state = 0x6A09_E667_F3BC_C908;
    let mut out = 0;
    for w in words {
        state ^= *w;
        out = splitmix64(&mut state);
        state = out;
    }
    out
}

/// xoshiro256**: the generator every random choice of the sandbox draws from.
///
/// ```
/// use orb_cloud_sandbox::rng::Rng;
/// let mut a = Rng::new(42);
/// let mut b = Rng::new(42);
/// assert_eq!(a.next_u64(), b.next_u64());
/// let x = a.range_f64(1.0, 2.0);
/// assert!((1.0..2.0).contains(&x));
/// ```
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose whole sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Rng { s }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A uniform float in `[lo, hi)`.
    pub fn range_f64(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// A uniform integer in `[0, n)`; `n` must be at least 1 (0 is treated as 1).
    pub fn below(&mut self, n: u64) -> u64 {
        let n = n.max(1);
        // Lemire's multiply-shift; the tiny bias is irrelevant here and it is portable.
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// A uniform integer in `[lo, hi]`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo).saturating_add(1))
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given relative weights (all zero weights give index 0).
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return 0;
        }
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    /// An approximately normal value (Irwin–Hall of 4 uniforms), mean `mean`, deviation `sd`.
    pub fn normalish(&mut self, mean: f64, sd: f64) -> f64 {
        let s = self.unit() + self.unit() + self.unit() + self.unit();
        // Sum of 4 uniforms: mean 2, variance 4/12.
        mean + (s - 2.0) * sd * 1.732_050_807_568_877_2
    }

    /// `len` characters drawn from `alphabet`.
    pub fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| *self.pick(alphabet) as char)
            .collect::<String>()
    }

    /// A version-4 style UUID string.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        let a = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
        let b = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xFFFF,
            a & 0xFFFF,
            b >> 48,
            b & 0xFFFF_FFFF_FFFF
        )
    }
}

/// Lowercase letters and digits: the alphabet of Orb ids.
pub const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// Lowercase letters.
pub const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";

/// A 28-character Orb-style id (lowercase alphanumerics, starting with a letter), like
/// `cjwbntmuy97ta4rx3mbrjf2gj8j7`.
///
/// ```
/// use orb_cloud_sandbox::rng::{orb_id, Rng};
/// let id = orb_id(&mut Rng::new(1));
/// assert_eq!(id.len(), 28);
/// assert!(id.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
/// ```
pub fn orb_id(rng: &mut Rng) -> String {
    let mut s = rng.string(LOWER, 1);
    s.push_str(&rng.string(LOWER_ALNUM, 27));
    s
}

/// Secret-grade random text from the operating system's entropy (through `std`'s randomly keyed
/// hasher), for API keys and the admin token. Never seeded: keys must not be guessable from a seed.
pub fn secret(len: usize) -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            h.write_u128(t.as_nanos());
        }
        let mut rng = Rng::new(h.finish());
        out.push_str(&rng.string(LOWER_ALNUM, 10));
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoshiro_is_stable() {
        // Pinned outputs: a change here changes every fleet.
        let mut r = Rng::new(0);
        let first: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
        let mut again = Rng::new(0);
        assert_eq!(first, (0..3).map(|_| again.next_u64()).collect::<Vec<_>>());
        let mut sm = 0u64;
        assert_eq!(splitmix64(&mut sm), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn ranges_hold() {
        let mut r = Rng::new(9);
        for _ in 0..10_000 {
            let b = r.below(7);
            assert!(b < 7);
            let x = r.between(3, 5);
            assert!((3..=5).contains(&x));
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
        }
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn uuid_shape() {
        let u = Rng::new(3).uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }

    #[test]
    fn secrets_differ() {
        let a = secret(40);
        let b = secret(40);
        assert_eq!(a.len(), 40);
        assert_ne!(a, b);
    }
}
