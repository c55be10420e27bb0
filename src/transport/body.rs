//! Reading a successful answer and decoding it in one pass: whole for most answers, in batches
//! of elements while it arrives for listings (see `array_decoder`).

use reqwest::Request;
use serde::de::DeserializeOwned;

use super::{Answer, Transport};
use crate::array_decoder::{locate_failure, ArrayDecoder, Decoding, Element, Skipped, BATCH};
use crate::error::Error;
use crate::listing::Lenient;
use crate::operation::Operation;

impl Transport {
    /// Send and decode a JSON body straight into `T`.
    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        operation: Operation,
        request: Request,
    ) -> Result<T, Error> {
        let answer = self.send_answer(operation, request).await?;
        self.read_json(operation, answer).await
    }

    /// The whole body of a successful answer, decoded into `T`; on failure, the error says
    /// where (`[3].summary.orb_score`) and shows the body's start.
    async fn read_json<T: DeserializeOwned>(
        &self,
        operation: Operation,
        mut answer: Answer,
    ) -> Result<T, Error> {
        let limit = self.inner.max_body;
        if answer.response.content_length().is_some_and(|n| n > limit) {
            return Err(Error::BodyTooLarge { operation, limit });
        }
        let cap = usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX);
        let (bytes, read) = read_up_to(&mut answer, cap).await;
        if let Err(failed) = read {
            return Err(self.body_error(operation, &answer, failed));
        }
        if bytes.len() as u64 > limit {
            return Err(Error::BodyTooLarge { operation, limit });
        }
        serde_json::from_slice(&bytes).map_err(|first| {
            self.decode_error(operation, locate_failure::<T>(&bytes, first), &bytes)
        })
    }

    /// Send and decode a JSON array in batches of whole elements while it arrives, on several
    /// cores when the machine has them (see `array_decoder`): the same result as
    /// [`Transport::json`] with `Vec<T>`, sooner and without holding the body.
    pub(crate) async fn json_array<T: Element>(
        &self,
        operation: Operation,
        request: Request,
    ) -> Result<Vec<T>, Error> {
        let answer = self.send_answer(operation, request).await?;
        let length = answer.response.content_length();
        // A small answer of known length (most are) is read and decoded in one go.
        if length.is_some_and(|n| n <= BATCH as u64) {
            return self.read_json(operation, answer).await;
        }
        let (items, _) = self
            .read_array(operation, answer, ArrayDecoder::new(length))
            .await?;
        Ok(items)
    }

    /// [`Transport::json_array`] that leaves out the elements that are valid JSON but do not
    /// decode as `T`, and says why for each (a body that is not valid JSON still fails).
    pub(crate) async fn json_array_lenient<T: Element>(
        &self,
        operation: Operation,
        request: Request,
    ) -> Result<Lenient<T>, Error> {
        let answer = self.send_answer(operation, request).await?;
        let length = answer.response.content_length();
        let (items, skipped) = self
            .read_array(operation, answer, ArrayDecoder::new(length).lenient())
            .await?;
        let skipped = skipped
            .into_iter()
            .map(|s| self.skipped_item(operation, s))
            .collect();
        Ok(Lenient { items, skipped })
    }

    async fn read_array<T: Element>(
        &self,
        operation: Operation,
        mut answer: Answer,
        mut decoder: ArrayDecoder<T>,
    ) -> Result<(Vec<T>, Vec<Skipped>), Error> {
        let limit = self.inner.max_body;
        if answer.response.content_length().is_some_and(|n| n > limit) {
            return Err(Error::BodyTooLarge { operation, limit });
        }
        let mut decoding = Decoding::<T>::new(answer.response.content_length());
        let mut received = 0u64;
        loop {
            match answer.chunk().await {
                Ok(Some(chunk)) => {
                    // Bounds the buffered unfinished element as well as the whole listing.
                    received += chunk.len() as u64;
                    if received > limit {
                        return Err(Error::BodyTooLarge { operation, limit });
                    }
                    if let Some(batch) = decoder.push(&chunk) {
                        decoding
                            .submit(batch)
                            .await
                            .map_err(|f| self.decode_error(operation, f, decoder.head()))?;
                    }
                    while let Some(buffer) = decoding.take_spare() {
                        decoder.recycle(buffer);
                    }
                    if decoder.failed() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(failed) => return Err(self.body_error(operation, &answer, failed)),
            }
        }
        let last = decoder.finish();
        let decoded = decoding
            .finish(last)
            .await
            .map_err(|f| self.decode_error(operation, f, decoder.head()))?;
        match decoder.failure() {
            Some(f) => Err(self.decode_error(operation, f, decoder.head())),
            None => Ok(decoded),
        }
    }
}

/// The body, at most `cap` bytes of it, in one buffer sized from `Content-Length` (up to 256 MiB
/// ahead; a hostile length costs nothing it does not send): `Response::bytes` grows by doubling
/// instead, copying a large body several times over. On a failure mid-body, what arrived before
/// it is returned with the error.
pub(super) async fn read_up_to(answer: &mut Answer, cap: usize) -> (Vec<u8>, reqwest::Result<()>) {
    const MAX_AHEAD: u64 = 256 << 20;
    let expected = answer
        .response
        .content_length()
        .unwrap_or(0)
        .min(MAX_AHEAD)
        .min(u64::try_from(cap).unwrap_or(u64::MAX));
    let mut body = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    loop {
        match answer.chunk().await {
            Ok(Some(chunk)) => {
                let room = cap.saturating_sub(body.len());
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if body.len() >= cap {
                    return (body, Ok(()));
                }
            }
            Ok(None) => return (body, Ok(())),
            Err(e) => return (body, Err(e)),
        }
    }
}

/// `response` with its body held to `limit` bytes as it is read: past it, reading fails with
/// [`BodyLimitExceeded`] (as the source of reqwest's body error).
pub(super) fn limited(response: reqwest::Response, limit: u64) -> reqwest::Response {
    use futures_util::StreamExt;
    type BoxError = Box<dyn std::error::Error + Send + Sync>;
    let (status, version) = (response.status(), response.version());
    let headers = response.headers().clone();
    let mut received = 0u64;
    let body = response.bytes_stream().map(move |chunk| {
        let chunk = chunk.map_err(BoxError::from)?;
        received += chunk.len() as u64;
        if received > limit {
            return Err(BoxError::from(BodyLimitExceeded { limit }));
        }
        Ok(chunk)
    });
    let mut rebuilt = http::Response::new(reqwest::Body::wrap_stream(body));
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    reqwest::Response::from(rebuilt)
}

/// A body passed the client's limit (`OrbCloudBuilder::max_body_bytes`) while being read: the
/// source of the reading error of an answer handed over unread.
#[derive(Debug, thiserror::Error)]
#[error("the answer is larger than this client's limit of {limit} bytes (OrbCloudBuilder::max_body_bytes)")]
#[non_exhaustive]
pub struct BodyLimitExceeded {
    /// The limit, in bytes.
    pub limit: u64,
}
