//! The sandbox server: the pure [`sandbox::Sandbox`] behind two loopback HTTP/1.1 listeners, one
//! for the Shoper shop and one for the Systim account. The first line printed is JSON with the
//! URLs and credentials, so scripts can read it:
//!
//! ```text
//! sandbox --scenario demo --shoper-port 0 --systim-port 0
//! {"shoper":"http://127.0.0.1:41234","systim":"http://127.0.0.1:41235", ...}
//! ```
//!
//! Only loopback addresses are bound. Ctrl-C (or SIGTERM) stops it.
//!
//! The Systim profile is `--systim-profile strict|generous`, else the `SANDBOX_SYSTIM_PROFILE`
//! environment variable, else `sandbox::systim::config::DEFAULT_PROFILE`.
//!
//! Connections are kept alive; each request carries its index on its connection
//! (`Request::connection_seq`, 1 = fresh), which the `write_then_close` fault needs. A dropped
//! answer closes the connection without a byte; `reset_mid_answer` sends the headers (with the
//! full `Content-Length`) and half the body, then aborts the connection with a TCP reset.

use http_body_util::BodyExt;
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use sandbox::systim::config::{Profile, DEFAULT_PROFILE, PROFILE_ENV};
use sandbox::wire::Delivery;
use sandbox::{Request, Response, Sandbox, Service};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

struct Args {
    scenario: String,
    shoper_port: u16,
    systim_port: u16,
    systim_profile: Option<Profile>,
}

const USAGE: &str = "usage: sandbox [--scenario demo|multilang|warehouses|empty|big:N,M] [--shoper-port P] [--systim-port P] [--systim-profile strict|generous]   (0 = a free port)";

fn parse_args() -> Result<Args, String> {
    let mut args = Args { scenario: "demo".into(), shoper_port: 0, systim_port: 0, systim_profile: None };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--scenario" => args.scenario = value()?,
            "--shoper-port" => args.shoper_port = value()?.parse().map_err(|_| format!("bad port\n{USAGE}"))?,
            "--systim-port" => args.systim_port = value()?.parse().map_err(|_| format!("bad port\n{USAGE}"))?,
            "--systim-profile" => args.systim_profile = Some(Profile::parse(&value()?).map_err(|e| format!("{e}\n{USAGE}"))?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(args)
}

/// The flag, else the environment, else the default.
fn systim_profile(flag: Option<Profile>) -> Result<Profile, String> {
    if let Some(p) = flag {
        return Ok(p);
    }
    match std::env::var(PROFILE_ENV) {
        Ok(v) if !v.trim().is_empty() => Profile::parse(&v).map_err(|e| format!("{PROFILE_ENV}: {e}")),
        _ => Ok(DEFAULT_PROFILE),
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

type World = Arc<Mutex<Sandbox>>;

/// The error that makes hyper close the connection without answering (the "dropped after
/// commit" and "closed before write" faults).
#[derive(Debug)]
struct Dropped;
impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}
impl std::error::Error for Dropped {}

/// The body error that aborts a connection mid-answer (`reset_mid_answer`).
#[derive(Debug)]
struct Aborted;
impl std::fmt::Display for Aborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("answer aborted by fault injection")
    }
}
impl std::error::Error for Aborted {}

/// How long the first half of a reset answer has to reach the client before the reset.
const RESET_AFTER: Duration = Duration::from_millis(40);

/// A whole answer, or (reset fault) its first half and then an error that aborts the connection.
enum AnswerBody {
    Full(Option<Bytes>),
    Partial { part: Option<Bytes>, total: u64, abort: Pin<Box<tokio::time::Sleep>> },
}

impl Body for AnswerBody {
    type Data = Bytes;
    type Error = Aborted;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Aborted>>> {
        match self.get_mut() {
            AnswerBody::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            AnswerBody::Partial { part, abort, .. } => {
                if let Some(p) = part.take().filter(|p| !p.is_empty()) {
                    return Poll::Ready(Some(Ok(Frame::data(p))));
                }
                match abort.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Aborted))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, AnswerBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            AnswerBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            AnswerBody::Partial { total, .. } => SizeHint::with_exact(*total),
        }
    }
}

/// A TCP connection that ends with a reset (RST) instead of a FIN once `reset` is set.
struct Conn {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[std::io::IoSlice<'_>]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

async fn serve(
    world: World,
    service: Service,
    req: hyper::Request<Incoming>,
    connection_seq: u32,
    reset: Arc<AtomicBool>,
) -> Result<hyper::Response<AnswerBody>, Dropped> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
    let request = Request {
        method: parts.method.as_str().to_ascii_uppercase(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: parts.headers.iter().map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect(),
        body,
        connection_seq,
    };
    // The world is locked only while one request is served: calls are applied one at a time,
    // as a single-threaded PHP/SQL backend would order them.
    let response: Response = {
        let mut w = world.lock().unwrap_or_else(|p| p.into_inner());
        w.handle(service, &request, now_ms())
    };
    if response.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(response.delay_ms)).await;
    }
    if response.delivery.no_answer() {
        return Err(Dropped);
    }
    let mut builder = hyper::Response::builder().status(response.status);
    for (k, v) in &response.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let bytes = Bytes::from(response.body);
    let body = if response.delivery == Delivery::Reset {
        reset.store(true, Ordering::SeqCst);
        builder = builder.header("content-length", bytes.len().to_string());
        AnswerBody::Partial { total: bytes.len() as u64, part: Some(bytes.slice(..bytes.len() / 2)), abort: Box::pin(tokio::time::sleep(RESET_AFTER)) }
    } else {
        AnswerBody::Full(Some(bytes))
    };
    Ok(builder.body(body).unwrap_or_else(|_| {
        let mut r = hyper::Response::new(AnswerBody::Full(Some(Bytes::from_static(b"{\"error\":\"server_error\"}"))));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    }))
}

async fn accept_loop(listener: TcpListener, world: World, service: Service) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let world = world.clone();
        tokio::spawn(async move {
            let reset = Arc::new(AtomicBool::new(false));
            let served = Arc::new(AtomicU32::new(0));
            let conn = Conn { inner: stream, reset: reset.clone() };
            let svc = service_fn(move |req| {
                let seq = served.fetch_add(1, Ordering::SeqCst).saturating_add(1);
                serve(world.clone(), service, req, seq, reset.clone())
            });
            let _ = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(conn), svc).await;
        });
    }
}

async fn bind(port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", port)).await
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let profile = match systim_profile(args.systim_profile) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let sandbox = match Sandbox::with_profile(&args.scenario, profile) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(async move {
        let (shoper, systim) = match (bind(args.shoper_port).await, bind(args.systim_port).await) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("cannot listen: {e}");
                std::process::exit(1);
            }
        };
        let shoper_url = format!("http://{}", shoper.local_addr().expect("addr"));
        let systim_url = format!("http://{}", systim.local_addr().expect("addr"));
        let mut sandbox = sandbox;
        // Order URLs and permalinks carry the shop's real address.
        if let Err(e) = sandbox.shoper.configure(&serde_json::json!({"shop_url": shoper_url})) {
            eprintln!("cannot configure the shop URL: {e}");
        }
        let mut line = sandbox.info();
        line["shoper"] = shoper_url.clone().into();
        line["systim"] = systim_url.into();
        line["control"] = format!("{shoper_url}/__sandbox").into();
        println!("{line}");
        let world: World = Arc::new(Mutex::new(sandbox));
        tokio::spawn(accept_loop(shoper, world.clone(), Service::Shoper));
        tokio::spawn(accept_loop(systim, world, Service::Systim));
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    });
}
