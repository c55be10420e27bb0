//! The listing decoder fed a body in any chunking, with any batch size, gives what decoding the
//! whole body with serde gives: the same devices, or an error for both.
//!
//! Input: two bytes of batch size, one byte `n`, `n` chunk lengths, then the body (so a seed is
//! a listing with four bytes in front: `fuzz/run` makes them from the fixtures).
#![no_main]

use libfuzzer_sys::fuzz_target;
use orb_cloud::Device;

fuzz_target!(|data: &[u8]| {
    let [b0, b1, n, rest @ ..] = data else {
        return;
    };
    let batch = usize::from(u16::from_le_bytes([*b0, *b1]));
    let n = usize::from(*n).min(rest.len());
    let (cuts, body) = rest.split_at(n);
    let mut cuts: Vec<usize> = cuts.iter().map(|c| usize::from(*c) + 1).collect();
    if cuts.is_empty() {
        cuts.push(body.len().max(1));
    }
    let chunked = orb_cloud::fuzzing::decode_listing_in_chunks(body, &cuts, batch);
    let whole = serde_json::from_slice::<Vec<Device>>(body);
    match (chunked, whole) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(_), Err(_)) => {}
        (a, b) => panic!(
            "chunked {a:?} but whole {b:?} for {:?}",
            String::from_utf8_lossy(body)
        ),
    }
});
