//! In-test web sites on 127.0.0.0/8, port 0: a [`Site`] builder over axum for ordinary routes
//! (pages, redirects, statuses with headers, encoded bodies, custom handlers), and
//! [`stream_site`], a raw TCP server for what a framework smooths over: a head that comes late,
//! a body that trickles, a body that never ends. Both count the requests they answer, so a test
//! can show that a refused address received none. Servers stop when the handle is dropped.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodRouter, get};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use url::Url;

/// How long binding a listener may take before the test fails.
const BIND_TIMEOUT: Duration = Duration::from_secs(5);

/// A site under construction: routes on an axum router.
pub(crate) struct Site {
    router: Router,
}

/// A content coding applied to a body by [`Site::encoded`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Coding {
    Gzip,
    /// HTTP `deflate`, which is the zlib format.
    Deflate,
    Br,
}

impl Site {
    pub(crate) fn new() -> Site {
        Site { router: Router::new() }
    }

    /// `path` answers 200 with `content_type` (omitted when empty) and `body`.
    pub(crate) fn page(self, path: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Site {
        let headers: Vec<(&str, &str)> =
            if content_type.is_empty() { vec![] } else { vec![("content-type", content_type)] };
        self.response(path, 200, &headers, body)
    }

    /// `path` answers `status` with `headers` and `body`.
    pub(crate) fn response(
        self,
        path: &str,
        status: u16,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) -> Site {
        let status = StatusCode::from_u16(status).expect("valid status");
        let headers: Vec<(HeaderName, HeaderValue)> = headers
            .iter()
            .map(|(name, value)| {
                let name = HeaderName::try_from(*name).expect("valid header name");
                (name, HeaderValue::from_str(value).expect("valid header value"))
            })
            .collect();
        let body: Vec<u8> = body.into();
        self.raw(
            path,
            get(move || {
                let (headers, body) = (headers.clone(), body.clone());
                async move {
                    let mut response = Response::new(Body::from(body));
                    *response.status_mut() = status;
                    response.headers_mut().extend(headers);
                    response
                }
            }),
        )
    }

    /// `path` answers 302 Found to `location` (relative or absolute).
    pub(crate) fn redirect(self, path: &str, location: &str) -> Site {
        self.response(path, 302, &[("location", location)], "")
    }

    /// `path` answers 200 with `body` encoded with `coding` and a matching `Content-Encoding`.
    pub(crate) fn encoded(
        self,
        path: &str,
        content_type: &str,
        coding: Coding,
        body: &[u8],
    ) -> Site {
        let (name, encoded) = match coding {
            Coding::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(body).expect("gzip in memory");
                ("gzip", encoder.finish().expect("gzip in memory"))
            }
            Coding::Deflate => {
                let mut encoder =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(body).expect("zlib in memory");
                ("deflate", encoder.finish().expect("zlib in memory"))
            }
            Coding::Br => ("br", brotli_stored(body)),
        };
        self.response(
            path,
            200,
            &[("content-type", content_type), ("content-encoding", name)],
            encoded,
        )
    }

    /// `path` is served by any axum handler.
    pub(crate) fn raw(mut self, path: &str, handler: MethodRouter) -> Site {
        self.router = self.router.route(path, handler);
        self
    }

    /// Serves the site on 127.0.0.1, port 0.
    pub(crate) async fn start(self) -> RunningSite {
        self.serve(bind(Ipv4Addr::LOCALHOST).await)
    }

    /// Serves the site on a listener the test bound itself (see [`bind`]), for a site that
    /// must know its own port, or listen on another loopback address.
    pub(crate) fn serve(self, listener: TcpListener) -> RunningSite {
        let addr = listener.local_addr().expect("listener address");
        let hits = Arc::new(AtomicUsize::new(0));
        let app = self.router.layer(middleware::from_fn_with_state(hits.clone(), count));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("test site serves");
        });
        RunningSite { addr, hits, task }
    }
}

/// A site that is running; it stops when dropped.
#[derive(Debug)]
pub(crate) struct RunningSite {
    pub(crate) addr: SocketAddr,
    hits: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl RunningSite {
    /// `http://<addr><path>`.
    pub(crate) fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{path}", self.addr)).expect("site URL")
    }

    /// The origin, `http://<addr>/`.
    pub(crate) fn origin(&self) -> Url {
        self.url("/")
    }

    /// How many requests the site has received.
    pub(crate) fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for RunningSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds `ip` (somewhere in 127.0.0.0/8) on port 0.
pub(crate) async fn bind(ip: Ipv4Addr) -> TcpListener {
    let addr = SocketAddr::new(IpAddr::V4(ip), 0);
    tokio::time::timeout(BIND_TIMEOUT, TcpListener::bind(addr))
        .await
        .expect("bind in time")
        .unwrap_or_else(|e| panic!("bind {addr}: {e}"))
}

/// What [`stream_site`] answers to every request, whatever its path.
#[derive(Debug, Clone)]
pub(crate) enum Stream {
    /// Waits this long, then sends a small HTML page.
    SlowHead(Duration),
    /// Sends the head at once, then a few bytes every `interval`, forever.
    Trickle { interval: Duration, content_type: &'static str },
    /// Sends the head at once, then 16 KiB chunks as fast as they are read, forever.
    Endless { content_type: &'static str },
}

/// A raw HTTP/1.1 server on 127.0.0.1 answering every request with `stream`.
pub(crate) async fn stream_site(stream: Stream) -> RunningSite {
    let listener = bind(Ipv4Addr::LOCALHOST).await;
    let addr = listener.local_addr().expect("listener address");
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let task = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (counter, stream) = (counter.clone(), stream.clone());
            // A write error means the client hung up, which is what clients under test do.
            tokio::spawn(async move { drop(answer(socket, &counter, &stream).await) });
        }
    });
    RunningSite { addr, hits, task }
}

async fn count(State(hits): State<Arc<AtomicUsize>>, request: Request, next: Next) -> Response {
    hits.fetch_add(1, Ordering::SeqCst);
    next.run(request).await
}

async fn answer(mut socket: TcpStream, hits: &AtomicUsize, stream: &Stream) -> std::io::Result<()> {
    // Read the request head; its content does not matter.
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    hits.fetch_add(1, Ordering::SeqCst);
    let chunked = |content_type: &str| {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\n\
             transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        )
    };
    match stream {
        Stream::SlowHead(delay) => {
            tokio::time::sleep(*delay).await;
            let body = "<p>late</p>";
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(response.as_bytes()).await
        }
        Stream::Trickle { interval, content_type } => {
            socket.write_all(chunked(content_type).as_bytes()).await?;
            loop {
                socket.write_all(b"6\r\n<p>.</\r\n").await?;
                tokio::time::sleep(*interval).await;
            }
        }
        Stream::Endless { content_type } => {
            socket.write_all(chunked(content_type).as_bytes()).await?;
            let mut chunk = b"4000\r\n".to_vec();
            chunk.extend(std::iter::repeat_n(b'a', 0x4000));
            chunk.extend_from_slice(b"\r\n");
            loop {
                socket.write_all(&chunk).await?;
            }
        }
    }
}

/// `data` as a valid brotli stream of uncompressed meta-blocks (RFC 7932 §9.2), so that a
/// `br` response can be served without a brotli encoder: a window-size bit, then per block
/// ISLAST=0, MNIBBLES=4, MLEN-1 in 16 bits, ISUNCOMPRESSED=1, padding to the byte, the bytes;
/// then an empty last block (ISLAST=1, ISLASTEMPTY=1).
fn brotli_stored(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut bits = BitWriter::default();
    bits.push(0, 1); // WBITS = 16
    for block in data.chunks(1 << 16) {
        bits.push(0, 1); // ISLAST
        bits.push(0, 2); // MNIBBLES = 4
        bits.push((block.len() - 1) as u64, 16);
        bits.push(1, 1); // ISUNCOMPRESSED
        bits.flush_to(&mut out);
        out.extend_from_slice(block);
    }
    bits.push(1, 1); // ISLAST
    bits.push(1, 1); // ISLASTEMPTY
    bits.flush_to(&mut out);
    out
}

/// Bits packed least-significant first, as brotli reads them.
#[derive(Default)]
struct BitWriter {
    acc: u64,
    len: u32,
}

impl BitWriter {
    fn push(&mut self, value: u64, width: u32) {
        self.acc |= value << self.len;
        self.len += width;
    }

    /// Writes the pending bits, zero-padded to a whole byte.
    fn flush_to(&mut self, out: &mut Vec<u8>) {
        while self.len > 0 {
            out.push((self.acc & 0xff) as u8);
            self.acc >>= 8;
            self.len = self.len.saturating_sub(8);
        }
        self.acc = 0;
    }
}
