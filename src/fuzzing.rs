//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`): internals reached without
//! a server. Not part of the API; may change at any time.

use crate::array_decoder::{drive, ArrayDecoder};
use crate::Device;

/// A device listing decoded as the transport does, fed in the chunks `cuts` makes (each cut a
/// chunk length, cycled) with batches of `batch` bytes of whole elements: the devices, or the
/// failure's path and message.
pub fn decode_listing_in_chunks(
    body: &[u8],
    cuts: &[usize],
    batch: usize,
) -> Result<Vec<Device>, String> {
    let mut decoder = ArrayDecoder::<Device>::new(None);
    decoder.set_batch(batch.max(1));
    let mut chunks = Vec::new();
    let mut at = 0;
    for cut in cuts.iter().cycle().take(body.len() + 1) {
        if at >= body.len() {
            break;
        }
        let end = (at + cut.max(&1)).min(body.len());
        chunks.push(&body[at..end]);
        at = end;
    }
    if at < body.len() {
        chunks.push(&body[at..]);
    }
    drive(&mut decoder, chunks).map_err(|f| format!("{}: {}", f.path, f.message))
}
