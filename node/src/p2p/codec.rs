//! The wire format of every p2p protocol: one length-prefixed frame per request and one
//! per response, each on its own stream.
//!
//! A frame is a 4-byte big-endian length followed by that many bytes. The length is
//! checked against the protocol's limit before anything is read into memory, and the
//! body is read as it arrives (never pre-allocated from the claimed length), so a peer
//! that announces a huge frame costs nothing: the stream fails with [`FrameTooLarge`]
//! and is dropped (reset) by the request-response handler, while the connection and
//! the other streams on it carry on.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::request_response::Codec;
use libp2p::StreamProtocol;
use tracing::warn;

use super::ingress::{Counters, Shared};

/// Bytes of the length prefix.
const LENGTH_BYTES: usize = 4;

/// A frame longer than its protocol allows; the error inside the `io::Error` that a
/// refused read or write returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("frame of {len} bytes exceeds the limit of {max} bytes")]
pub(crate) struct FrameTooLarge {
    /// The length the frame claims (or has, when writing).
    pub len: u64,
    /// The protocol's limit.
    pub max: usize,
}

impl FrameTooLarge {
    /// The `FrameTooLarge` inside `error`, if that is why it failed.
    pub(crate) fn within(error: &io::Error) -> Option<FrameTooLarge> {
        error.get_ref().and_then(|inner| inner.downcast_ref::<FrameTooLarge>()).copied()
    }
}

/// Opaque byte frames in both directions, at most `frame_bytes_max` long.
#[derive(Debug, Clone)]
pub(crate) struct FrameCodec {
    frame_bytes_max: usize,
    /// Counts refused inbound frames: libp2p drops a request that fails to read without
    /// telling the behaviour, so the codec is the only place that sees the refusal.
    shared: Arc<Shared>,
}

impl FrameCodec {
    pub(crate) fn new(frame_bytes_max: usize, shared: Arc<Shared>) -> Self {
        Self { frame_bytes_max, shared }
    }

    /// Reads a frame; counts and logs one that is too large.
    async fn read<T: AsyncRead + Unpin>(&self, io: &mut T) -> io::Result<Vec<u8>> {
        let read = read_frame(io, self.frame_bytes_max).await;
        if let Some(too_large) = read.as_ref().err().and_then(FrameTooLarge::within) {
            Counters::bump(&self.shared.counters.refused_oversized);
            // The peer is not known here; the stream is reset, the connection stays.
            warn!("refused an inbound frame: {too_large}");
        }
        read
    }
}

/// Reads one frame of at most `max` bytes.
pub(crate) async fn read_frame<T: AsyncRead + Unpin>(io: &mut T, max: usize) -> io::Result<Vec<u8>> {
    let mut prefix = [0u8; LENGTH_BYTES];
    io.read_exact(&mut prefix).await?;
    let len = u32::from_be_bytes(prefix);
    if u64::from(len) > max as u64 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, FrameTooLarge { len: len.into(), max }));
    }
    // Grows with the bytes that actually arrive: the claimed length is not trusted for
    // an allocation.
    let mut body = Vec::new();
    io.take(u64::from(len)).read_to_end(&mut body).await?;
    if body.len() as u64 != u64::from(len) {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "frame shorter than its length prefix"));
    }
    Ok(body)
}

/// Writes one frame of at most `max` bytes.
pub(crate) async fn write_frame<T: AsyncWrite + Unpin>(
    io: &mut T,
    body: &[u8],
    max: usize,
) -> io::Result<()> {
    let too_large =
        || io::Error::new(io::ErrorKind::InvalidInput, FrameTooLarge { len: body.len() as u64, max });
    if body.len() > max {
        return Err(too_large());
    }
    let len = u32::try_from(body.len()).map_err(|_| too_large())?;
    io.write_all(&len.to_be_bytes()).await?;
    io.write_all(body).await?;
    io.flush().await
}

/// The future type `request_response::Codec` methods return (the trait is declared with
/// `async_trait`; this is its expansion, written out to avoid one more dependency).
type CodecFuture<'a, T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send + 'a>>;

impl Codec for FrameCodec {
    type Protocol = StreamProtocol;
    type Request = Vec<u8>;
    type Response = Vec<u8>;

    fn read_request<'life0, 'life1, 'life2, 'async_trait, T>(
        &'life0 mut self,
        _protocol: &'life1 StreamProtocol,
        io: &'life2 mut T,
    ) -> CodecFuture<'async_trait, Vec<u8>>
    where
        T: AsyncRead + Unpin + Send + 'async_trait,
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.read(io).await })
    }

    fn read_response<'life0, 'life1, 'life2, 'async_trait, T>(
        &'life0 mut self,
        _protocol: &'life1 StreamProtocol,
        io: &'life2 mut T,
    ) -> CodecFuture<'async_trait, Vec<u8>>
    where
        T: AsyncRead + Unpin + Send + 'async_trait,
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.read(io).await })
    }

    fn write_request<'life0, 'life1, 'life2, 'async_trait, T>(
        &'life0 mut self,
        _protocol: &'life1 StreamProtocol,
        io: &'life2 mut T,
        request: Vec<u8>,
    ) -> CodecFuture<'async_trait, ()>
    where
        T: AsyncWrite + Unpin + Send + 'async_trait,
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        let max = self.frame_bytes_max;
        Box::pin(async move { write_frame(io, &request, max).await })
    }

    fn write_response<'life0, 'life1, 'life2, 'async_trait, T>(
        &'life0 mut self,
        _protocol: &'life1 StreamProtocol,
        io: &'life2 mut T,
        response: Vec<u8>,
    ) -> CodecFuture<'async_trait, ()>
    where
        T: AsyncWrite + Unpin + Send + 'async_trait,
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        let max = self.frame_bytes_max;
        Box::pin(async move { write_frame(io, &response, max).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: Future>(future: F) -> F::Output {
        futures::executor::block_on(future)
    }

    #[test]
    fn frame_round_trips() {
        let mut wire = Vec::new();
        block_on(write_frame(&mut wire, b"vote", 16)).expect("fits");
        assert_eq!(wire, [0, 0, 0, 4, b'v', b'o', b't', b'e']);
        let read = block_on(read_frame(&mut wire.as_slice(), 16)).expect("well formed");
        assert_eq!(read, b"vote");
    }

    #[test]
    fn empty_frame_round_trips() {
        let mut wire = Vec::new();
        block_on(write_frame(&mut wire, b"", 0)).expect("fits");
        assert_eq!(block_on(read_frame(&mut wire.as_slice(), 0)).expect("well formed"), b"");
    }

    #[test]
    fn oversized_length_is_refused_before_reading_the_body() {
        // Claims 4 GiB - 1 and carries nothing: refused on the prefix alone.
        let wire = [0xff, 0xff, 0xff, 0xff];
        let error = block_on(read_frame(&mut wire.as_slice(), 1024)).expect_err("too large");
        assert_eq!(FrameTooLarge::within(&error), Some(FrameTooLarge { len: u32::MAX.into(), max: 1024 }));
    }

    #[test]
    fn oversized_write_is_refused() {
        let mut wire = Vec::new();
        let error = block_on(write_frame(&mut wire, &[0; 17], 16)).expect_err("too large");
        assert_eq!(FrameTooLarge::within(&error), Some(FrameTooLarge { len: 17, max: 16 }));
        assert!(wire.is_empty());
    }

    #[test]
    fn truncated_frames_are_errors() {
        for wire in [&[0u8, 0][..], &[0, 0, 0, 5, 1, 2][..]] {
            assert!(block_on(read_frame(&mut &wire[..], 16)).is_err());
        }
    }
}
