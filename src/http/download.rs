//! Downloads streamed from the descriptor `/file` checked.
//!
//! warp's reply bodies are whole buffers, so a download was the whole file in memory for as
//! long as the client took to read it (30 slow clients of a 60 MB report: 2.3 GB). The handler
//! instead leaves the opened file in the reply's extensions ([`Download`]), and the accept loop
//! turns it into a body read a chunk at a time on the blocking pool ([`ReplyBody`]): a
//! download holds one chunk, and a slow client only slows its own reads.

use std::error::Error as StdError;
use std::fs::File;
use std::future::Future as _;
use std::io::Read;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};

use hyper::body::{Body, Bytes, Frame, SizeHint};
use tokio::task::JoinHandle;

/// Bytes read from the file per frame.
const CHUNK: usize = 64 << 10;

type BoxError = Box<dyn StdError + Send + Sync>;

/// An opened file to send as the body of a reply: `size` bytes of it, no more. Carried in the
/// reply's extensions (which must be `Clone`, hence the shared slot; only one body takes it).
#[derive(Clone, Debug)]
pub(super) struct Download(Arc<Mutex<Option<(File, u64)>>>);

impl Download {
    pub(super) fn new(file: File, size: u64) -> Self {
        Download(Arc::new(Mutex::new(Some((file, size)))))
    }

    fn take(&self) -> Option<(File, u64)> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// The body of a reply: the routes' own, or a file streamed from its descriptor.
pub(super) enum ReplyBody<B> {
    /// What warp's routes answered.
    Routes(B),
    /// A [`Download`].
    File(FileBody),
}

/// The type of a response's body (warp does not export its body type by name).
pub(super) trait BodyOf {
    type Body;
}

impl<B> BodyOf for warp::http::Response<B> {
    type Body = B;
}

/// What the server answers: the routes' reply, or a download.
pub(super) type Answer = warp::http::Response<ReplyBody<<warp::reply::Response as BodyOf>::Body>>;

/// `reply` with the file it carries as its body, if it carries one.
pub(super) fn with_download(reply: warp::reply::Response) -> Answer {
    let download = reply
        .extensions()
        .get::<Download>()
        .and_then(Download::take);
    match download {
        Some((file, size)) => reply.map(|_| {
            ReplyBody::File(FileBody {
                state: State::Idle(file),
                remaining: size,
            })
        }),
        None => reply.map(ReplyBody::Routes),
    }
}

/// A file read in chunks on the blocking pool.
pub(super) struct FileBody {
    state: State,
    /// Bytes still to send.
    remaining: u64,
}

enum State {
    Idle(File),
    Reading(JoinHandle<(File, std::io::Result<Vec<u8>>)>),
    Done,
}

impl FileBody {
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, BoxError>>> {
        loop {
            match std::mem::replace(&mut self.state, State::Done) {
                State::Done => return Poll::Ready(None),
                State::Idle(_) if self.remaining == 0 => return Poll::Ready(None),
                State::Idle(file) => {
                    let want = self.remaining.min(CHUNK as u64);
                    self.state = State::Reading(tokio::task::spawn_blocking(move || {
                        let mut chunk = Vec::with_capacity(want as usize);
                        let read = (&file).take(want).read_to_end(&mut chunk);
                        (file, read.map(|_| chunk))
                    }));
                }
                State::Reading(mut task) => {
                    let outcome = match Pin::new(&mut task).poll(cx) {
                        Poll::Pending => {
                            self.state = State::Reading(task);
                            return Poll::Pending;
                        }
                        Poll::Ready(outcome) => outcome,
                    };
                    let (file, read) = outcome.map_err(|e| Box::new(e) as BoxError)?;
                    let chunk = read.map_err(|e| Box::new(e) as BoxError)?;
                    if chunk.is_empty() {
                        // The file shrank while it was sent: the promised length cannot be met.
                        return Poll::Ready(Some(Err("the file shrank while it was sent".into())));
                    }
                    self.remaining -= chunk.len() as u64;
                    self.state = State::Idle(file);
                    return Poll::Ready(Some(Ok(Bytes::from(chunk))));
                }
            }
        }
    }
}

impl<B> Body for ReplyBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.get_mut() {
            ReplyBody::Routes(body) => Pin::new(body)
                .poll_frame(cx)
                .map(|frame| frame.map(|f| f.map_err(Into::into))),
            ReplyBody::File(file) => {
                let chunk = ready!(file.poll_chunk(cx));
                Poll::Ready(chunk.map(|c| c.map(Frame::data)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ReplyBody::Routes(body) => body.is_end_stream(),
            ReplyBody::File(file) => file.remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ReplyBody::Routes(body) => body.size_hint(),
            ReplyBody::File(file) => SizeHint::with_exact(file.remaining),
        }
    }
}
