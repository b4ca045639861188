//! The accept loop: hyper serves each connection with the routes as a warp service.
//!
//! It is ours rather than warp's `run` for two reasons. A client that hangs up mid-request (a
//! closed tab, a cancelled `curl`, a port scanner) is routine, so it is logged at debug; warp logs
//! it at ERROR. And a request whose handler panics is answered with a 500 and logged once, instead
//! of the connection being dropped without an answer.

use std::any::Any;
use std::convert::Infallible;
use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;
use hyper::body::Incoming;
use hyper::service::Service as _;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use warp::http::Request;
use warp::reply::{Reply, Response};
use warp::Filter;

use super::download::{with_download, Answer};
use super::error::{ApiError, Format};
use super::{routes, PeerAddr};

/// How long shutdown waits for requests in flight. Idle keep-alive connections close at once;
/// searches have a 5-second budget, so only a client stalling on purpose is cut off.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Pause after a failed accept such as EMFILE (out of file descriptors): retrying at once would
/// spin, and open connections may free descriptors meanwhile (what warp and hyper 0.14 did).
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_secs(1);

/// Longest request path quoted in a log line.
const LOGGED_PATH_CHARS: usize = 200;

/// Serves `routes` on `listener` until `shutdown` completes, then lets requests in flight finish
/// (for at most [`DRAIN_TIMEOUT`]).
pub(super) async fn serve<F, R>(
    listener: TcpListener,
    routes: F,
    shutdown: impl Future<Output = ()> + Send + 'static,
) where
    F: Filter<Extract = (R,), Error = Infallible> + Clone + Send + Sync + 'static,
    R: Reply + 'static,
{
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) if is_client_side(&err) => {
                    // The client gave up between SYN and accept: nothing to serve.
                    tracing::debug!("accepting a connection: {err}");
                    continue;
                }
                Err(err) => {
                    tracing::warn!("accepting a connection: {err}; retrying in 1 s");
                    tokio::select! {
                        () = tokio::time::sleep(ACCEPT_ERROR_PAUSE) => continue,
                        () = &mut shutdown => break,
                    }
                }
            },
            () = &mut shutdown => break,
        };
        let service = request_service(routes.clone(), peer);
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            // HTTP/1 only: browsers speak nothing else over plain HTTP, so h2c would be surface
            // without a user. The timer enables hyper's header-read timeout (30 s by default), so
            // a client that sends half a request head cannot hold the connection forever.
            let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
            builder.http1().timer(TokioTimer::new());
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            if let Err(err) = watcher.watch(conn).await {
                let err: &(dyn StdError + 'static) = &*err;
                if chain(err).any(is_client_side_error) {
                    tracing::debug!("connection from {peer} ended: {}", one_line(err));
                } else {
                    tracing::warn!("connection from {peer} failed: {}", one_line(err));
                }
            }
        });
    }
    // Stop accepting before draining, so that new clients are refused rather than left waiting.
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::info!(
            "requests still running after {} s: dropping them",
            DRAIN_TIMEOUT.as_secs()
        );
    }
}

/// The service for one connection: tags each request with the client's address, turns a
/// panic while answering it into a 500, and streams a download from its file.
fn request_service<F, R>(
    routes: F,
    peer: SocketAddr,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = Answer,
    Error = Infallible,
    Future = impl Future<Output = Result<Answer, Infallible>> + Send,
> + Clone
where
    F: Filter<Extract = (R,), Error = Infallible> + Clone + Send + Sync + 'static,
    R: Reply + 'static,
{
    let routes = TowerToHyperService::new(warp::service(routes));
    hyper::service::service_fn(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(PeerAddr(peer));
        let path = req.uri().path().to_owned();
        let routes = routes.clone();
        // The call itself is inside the guarded future: warp starts running filters when the
        // request is handed to it, not only when the future is polled.
        AssertUnwindSafe(async move { routes.call(req).await })
            .catch_unwind()
            .map(move |outcome| match outcome {
                Ok(answer) => answer.map(with_download),
                Err(panic) => Ok(with_download(panicked(&path, panic.as_ref()))),
            })
    })
}

/// The answer to a request whose handler panicked. Unwinding already printed the panic through
/// the process's panic hook (the binary's business); this is the server's single log line.
fn panicked(path: &str, panic: &(dyn Any + Send)) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    let shown: String = path.chars().take(LOGGED_PATH_CHARS).collect();
    // `{:?}` keeps a multi-line panic message on one line.
    tracing::error!("panic while answering {shown}: {message:?}");
    let format = if path.starts_with("/api/") {
        Format::Json
    } else {
        Format::Html
    };
    let reply = ApiError::internal(format);
    routes::with_security_headers(reply.into_response())
}

/// An error and its sources, outermost first.
fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |&e| e.source())
}

/// True for a connection error the client caused: it hung up mid-request, reset the connection,
/// sent something that is not HTTP, or was too slow to send its request head.
fn is_client_side_error(err: &(dyn StdError + 'static)) -> bool {
    if let Some(e) = err.downcast_ref::<hyper::Error>() {
        return e.is_incomplete_message()
            || e.is_parse()
            || e.is_parse_too_large()
            || e.is_timeout()
            || e.is_canceled()
            || e.is_closed()
            || e.is_body_write_aborted();
    }
    err.downcast_ref::<io::Error>().is_some_and(is_client_side)
}

fn is_client_side(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::NotConnected
            | io::ErrorKind::TimedOut
    )
}

/// An error with its sources on one line (hyper's errors keep the I/O cause as a source).
fn one_line(err: &(dyn StdError + 'static)) -> String {
    let parts: Vec<String> = chain(err).map(|e| e.to_string()).collect();
    parts.join(": ").escape_debug().to_string()
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    /// Serves `routes` on an ephemeral port; returns its address and a stopper.
    async fn start<F, R>(routes: F) -> (SocketAddr, tokio::sync::oneshot::Sender<()>)
    where
        F: Filter<Extract = (R,), Error = Infallible> + Clone + Send + Sync + 'static,
        R: Reply + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(listener, routes, async {
            let _ = stopped.await;
        }));
        (addr, stop)
    }

    /// One request over a plain socket: the whole response as text, and the client's address.
    async fn fetch(addr: SocketAddr, path: &str) -> (String, SocketAddr) {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(addr).unwrap();
            let local = stream.local_addr().unwrap();
            write!(
                stream,
                "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).unwrap();
            (response, local)
        })
        .await
        .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_handler_gets_a_500_and_the_server_keeps_serving() {
        let routes = warp::path::full().map(|path: warp::path::FullPath| {
            if path.as_str().ends_with("/boom") {
                panic!("deliberate panic in a test handler\nsecond line");
            }
            "fine"
        });
        let (addr, _stop) = start(routes).await;

        let (api, _) = fetch(addr, "/api/boom").await;
        assert!(api.starts_with("HTTP/1.1 500"), "{api}");
        assert!(api.ends_with(r#"{"error":"internal error"}"#), "{api}");
        assert!(api.contains("content-type: application/json"), "{api}");
        assert!(api.contains("x-content-type-options: nosniff"), "{api}");
        assert!(
            api.contains("content-security-policy: default-src 'none'"),
            "{api}"
        );

        let (page, _) = fetch(addr, "/boom").await;
        assert!(page.starts_with("HTTP/1.1 500"), "{page}");
        assert!(page.contains("text/html"), "{page}");
        assert!(page.contains("internal error"), "{page}");
        assert!(!page.contains("deliberate"), "panic text leaked: {page}");

        let (ok, _) = fetch(addr, "/still/alive").await;
        assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
        assert!(ok.ends_with("fine"), "{ok}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_carry_the_client_address() {
        let routes = warp::ext::optional::<PeerAddr>()
            .map(|peer: Option<PeerAddr>| peer.map_or("none".to_owned(), |p| p.0.to_string()));
        let (addr, _stop) = start(routes).await;
        let (response, client) = fetch(addr, "/").await;
        assert!(
            response.ends_with(&client.to_string()),
            "{response} from {client}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn shutdown_stops_accepting() {
        let (addr, stop) = start(warp::any().map(|| "ok")).await;
        let (ok, _) = fetch(addr, "/").await;
        assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
        stop.send(()).unwrap();
        // A guard against hanging, not a speed check: the listener must close at all.
        let guard = std::time::Instant::now() + Duration::from_secs(120);
        while tokio::net::TcpStream::connect(addr).await.is_ok() {
            assert!(
                std::time::Instant::now() < guard,
                "still accepting two minutes after shutdown"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// An error with a cause, as hyper wraps the I/O error that ended a connection.
    #[derive(Debug)]
    struct Wrapped(io::Error);

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("connection error")
        }
    }

    impl StdError for Wrapped {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn hang_ups_are_the_clients_doing() {
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert!(is_client_side_error(&reset));
        let odd = io::Error::from(io::ErrorKind::PermissionDenied);
        assert!(!is_client_side_error(&odd));
        let wrapped = Wrapped(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(!is_client_side_error(&wrapped));
        assert!(chain(&wrapped).any(is_client_side_error));
        assert_eq!(one_line(&wrapped), "connection error: broken pipe");
        let odd = Wrapped(io::Error::other("disk on fire"));
        assert!(!chain(&odd).any(is_client_side_error));
    }
}
