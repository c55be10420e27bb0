//! Lenient listings: the elements that decode, and an error for each one that does not, so that
//! one device Orb sends in an unexpected shape does not cost the whole listing.

use crate::error::Error;

/// What a lenient listing returns (see
/// [`DevicesHandle::list_lenient`](crate::DevicesHandle::list_lenient)).
///
/// ```
/// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
/// let listing = client.organization("org-id").devices().list_lenient().await?;
/// for skipped in &listing.skipped {
///     eprintln!("left out: {skipped}");
/// }
/// println!("{} devices", listing.items.len());
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Lenient<T> {
    /// The elements that decoded, in the order Orb sent them.
    pub items: Vec<T>,
    /// The elements that did not, in order.
    pub skipped: Vec<SkippedItem>,
}

/// An element of a listing that is valid JSON but not of the shape expected.
#[derive(Debug, thiserror::Error)]
#[error("element {index}{} was left out: {error}", id.as_ref().map(|id| format!(" ({id})")).unwrap_or_default())]
#[non_exhaustive]
pub struct SkippedItem {
    /// Its index in the listing.
    pub index: usize,
    /// Its id (a device's `orb_id`), when that much could be read.
    pub id: Option<String>,
    /// Why it did not decode: an [`Error::Decode`] naming the field, with the element's start.
    #[source]
    pub error: Error,
}
