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

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use sandbox::wire::Delivery;
use sandbox::{Request, Response, Sandbox, Service};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;

struct Args {
    scenario: String,
    shoper_port: u16,
    systim_port: u16,
}

const USAGE: &str = "usage: sandbox [--scenario demo|multilang|warehouses|empty|big:N,M] [--shoper-port P] [--systim-port P]   (0 = a free port)";

fn parse_args() -> Result<Args, String> {
    let mut args = Args { scenario: "demo".into(), shoper_port: 0, systim_port: 0 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--scenario" => args.scenario = value()?,
            "--shoper-port" => args.shoper_port = value()?.parse().map_err(|_| format!("bad port\n{USAGE}"))?,
            "--systim-port" => args.systim_port = value()?.parse().map_err(|_| format!("bad port\n{USAGE}"))?,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(args)
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

type World = Arc<Mutex<Sandbox>>;

/// The error that makes hyper close the connection without answering (the "dropped after
/// commit" fault).
#[derive(Debug)]
struct Dropped;
impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}
impl std::error::Error for Dropped {}

async fn serve(world: World, service: Service, req: hyper::Request<Incoming>) -> Result<hyper::Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
    let request = Request {
        method: parts.method.as_str().to_ascii_uppercase(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        body,
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
    if response.delivery == Delivery::Drop {
        return Err(Dropped);
    }
    let mut builder = hyper::Response::builder().status(response.status);
    for (k, v) in &response.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    Ok(builder.body(Full::new(Bytes::from(response.body))).unwrap_or_else(|_| {
        let mut r = hyper::Response::new(Full::new(Bytes::from_static(b"{\"error\":\"server_error\"}")));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    }))
}

async fn accept_loop(listener: TcpListener, world: World, service: Service) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let world = world.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| serve(world.clone(), service, req));
            let _ = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), svc).await;
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
    let sandbox = match Sandbox::new(&args.scenario) {
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
