//! One benchmark world: the in-process sandbox behind the engine's real `Http`, on the virtual
//! clock both share, and what a measured run cost — read from the sandbox's own request log,
//! not from the engine.

use crate::alloc;
use crate::common::harness::connection;
use crate::common::{InProcess, SHOP_URL};
use pollster::block_on;
use sandbox::catalogue::Scenario;
use sandbox::control::LogEntry;
use sandbox::{Sandbox, Service};
use serde_json::{json, Value};
use shoper_systim::engine::report::{Report, RunKind};
use shoper_systim::engine::{Engine, Phase, Progress, RunRequest};
use shoper_systim::io::{Clock, Http, HttpRequest, HttpResponse, NetError};
use shoper_systim::mem::{MemStorage, VirtualClock};
use shoper_systim::settings::Settings;
use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

pub const LIMIT: f64 = 10.0;

/// What one run cost, as the sandbox saw it.
#[derive(Clone, Debug, Default)]
pub struct Cost {
    /// HTTP requests to Shoper (`/auth` and `/bulk` included, a bulk call counted once).
    pub shoper_calls: u64,
    /// Of which `/bulk` calls.
    pub shoper_bulk: u64,
    /// Operations: plain requests plus every operation inside a bulk call.
    pub shoper_ops: u64,
    /// The calls had every read travelled alone: a bulk call of reads counts one per page, a bulk
    /// call of writes counts once (the way of counting, compared with `Floor::pages`).
    pub shoper_page_calls: u64,
    pub systim_calls: u64,
    pub http_429: u64,
    /// Highest bucket level the shop reported.
    pub peak_bucket: f64,
    /// Virtual time the run took (sleeps and simulated latency).
    pub wall_ms: u64,
    /// Real time the run took on this machine (engine + in-process sandbox).
    pub real_ms: u64,
    /// The part of `real_ms` outside the sandbox: the engine's own work (parsing, decoding,
    /// planning, storage).
    pub engine_real_ms: u64,
    /// The engine's own work as CPU time of the thread (the sandbox's CPU time left out): what
    /// `engine_real_ms` would be on a machine nothing else uses.
    pub engine_cpu_ms: u64,
    /// The most memory the run held at once beyond what was live before it (engine and
    /// sandbox: the sandbox's part is the answers it renders, freed as they are sent).
    pub peak_bytes: u64,
    /// The same without the sandbox's work of building an answer: the engine's own memory, the
    /// answers it received included (what the extension holds; a real server is elsewhere).
    pub engine_peak_bytes: u64,
    /// Bytes of every answer body (both services).
    pub received_bytes: u64,
    /// Calls per endpoint: `GET products`, `POST bulk`, Systim `addOrder`…
    pub by_endpoint: BTreeMap<String, u64>,
    /// Real ms spent in each phase the engine reported, in order.
    pub real_phases: Vec<(String, u64)>,
    /// The engine's peak memory (MB above the run's start) by the end of each phase.
    pub phase_peaks: Vec<(String, u64)>,
}

/// CPU time this thread has run (ns), from `/proc/thread-self/schedstat`: unlike the wall clock it
/// does not grow while other work on a shared machine holds the CPU. 0 where it cannot be read.
pub fn thread_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    stat.split_whitespace().next().and_then(|ns| ns.parse().ok()).unwrap_or(0)
}

/// Deadlines of the calls in flight (virtual ms), for [`run_virtual`].
type Timers = Rc<RefCell<BinaryHeap<Reverse<u64>>>>;

/// A call's trip: pending until the virtual clock reaches the deadline. Calls in flight at the
/// same time wait together — the engine reads the shop and Systim at once — so their latency
/// overlaps as it does on a real network.
struct Trip {
    clock: VirtualClock,
    deadline: u64,
    timers: Timers,
    registered: bool,
}

impl Future for Trip {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.clock.now_ms() >= self.deadline {
            return Poll::Ready(());
        }
        if !std::mem::replace(&mut self.registered, true) {
            self.timers.borrow_mut().push(Reverse(self.deadline));
        }
        Poll::Pending
    }
}

/// Drive `fut` on virtual time: whenever everything waits, the clock jumps to the next
/// deadline of a call in flight (sleeps of the pacing advance the clock themselves).
pub fn run_virtual<F: Future>(fut: F, clock: &VirtualClock, timers: &Timers) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        let Some(Reverse(next)) = timers.borrow_mut().pop() else { panic!("the run waits with no call in flight") };
        let now = clock.now_ms();
        clock.advance(next.saturating_sub(now));
    }
}

/// The in-process sandbox behind a stopwatch: the real time spent serving requests is the
/// sandbox's, the rest of a run's real time is the engine's own work. With a latency, each
/// call reaches the sandbox that long after it was sent (virtual time).
#[derive(Clone)]
pub struct Timed {
    net: Rc<RefCell<InProcess>>,
    serving: Rc<Cell<Duration>>,
    /// CPU time (ns) the sandbox took serving.
    serving_cpu: Rc<Cell<u64>>,
    /// The calls counted so far: the sandbox's log is tallied and emptied after every call, so the
    /// log (every request with its body) never adds to the memory measured.
    tally: Rc<RefCell<Cost>>,
    received: Rc<Cell<u64>>,
    latency_ms: Rc<Cell<u64>>,
    timers: Timers,
}

impl Http for Timed {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, NetError> {
        let clock = self.net.borrow().clock.clone();
        let deadline = clock.now_ms() + self.latency_ms.get();
        Trip { clock, deadline, timers: self.timers.clone(), registered: false }.await;
        let started = Instant::now();
        let cpu = thread_cpu_ns();
        let net = self.net.borrow().clone();
        // The in-process sandbox answers at once (latency is the trip above).
        alloc::begin_outside();
        let answer = net.send(req).await;
        {
            let mut sandbox = net.sandbox.borrow_mut();
            let mut cost = self.tally.borrow_mut();
            for e in sandbox.log.drain(..) {
                tally(&mut cost, &e);
            }
        }
        alloc::end_outside();
        self.serving_cpu.set(self.serving_cpu.get() + thread_cpu_ns().saturating_sub(cpu));
        self.serving.set(self.serving.get() + started.elapsed());
        if let Ok(a) = &answer {
            self.received.set(self.received.get() + a.body.len() as u64);
        }
        answer
    }
}

pub struct World {
    pub net: InProcess,
    /// The engine's `Http` (for reads outside a run).
    pub http: Timed,
    serving: Rc<Cell<Duration>>,
    serving_cpu: Rc<Cell<u64>>,
    tally: Rc<RefCell<Cost>>,
    received: Rc<Cell<u64>>,
    latency_ms: Rc<Cell<u64>>,
    timers: Timers,
    pub engine: Engine<Timed, MemStorage, VirtualClock>,
}

impl World {
    pub fn new(scenario: Scenario, settings: Settings) -> World {
        // The generous Systim profile: the benchmark measures the engine's calls and time over
        // every rule, category included (strict Systim differs by two refused probes a day).
        let net = InProcess::with_systim_profile(Sandbox::from_scenario(scenario), sandbox::systim::config::Profile::Generous);
        net.sandbox.borrow_mut().shoper.configure(&json!({"shop_url": SHOP_URL})).expect("shop url");
        let (serving, received): (Rc<Cell<Duration>>, Rc<Cell<u64>>) = Default::default();
        let (latency_ms, timers): (Rc<Cell<u64>>, Timers) = Default::default();
        let transport = Rc::new(RefCell::new(net.clone()));
        let serving_cpu: Rc<Cell<u64>> = Rc::default();
        let tally: Rc<RefCell<Cost>> = Rc::default();
        let timed = Timed {
            net: transport,
            serving: serving.clone(),
            serving_cpu: serving_cpu.clone(),
            tally: tally.clone(),
            received: received.clone(),
            latency_ms: latency_ms.clone(),
            timers: timers.clone(),
        };
        let engine = Engine::new(timed.clone(), MemStorage::new(), net.clock.clone());
        engine.set_dev_hosts(true); // the sandbox is at loopback addresses
        let conn = connection(&net);
        block_on(async {
            engine.save_connection(conn).await.expect("connection");
            engine.save_settings(settings).await.expect("settings");
        });
        let world = World { net, http: timed, serving, serving_cpu, tally, received, latency_ms, timers, engine };
        world.unlimited();
        world
    }

    /// Switch the shop's rate limit off (for setting a world up quickly).
    pub fn unlimited(&self) {
        self.configure(json!({"rate_limit": {"enabled": false}}));
    }

    /// The real limit: a bucket of 10, leaking `bandwidth` calls a second, a bulk call costing 1.
    pub fn limited(&self, bandwidth: f64) {
        self.configure(json!({"rate_limit": {"enabled": true, "limit": LIMIT, "bandwidth": bandwidth, "bulk_cost": 1}}));
    }

    fn configure(&self, knobs: Value) {
        self.net.sandbox.borrow_mut().shoper.configure(&knobs).expect("shoper knobs");
    }

    pub fn run(&self, kind: RunKind, dry_run: bool, confirm_zeroing: bool) -> Report {
        let report = run_virtual(self.engine.run(RunRequest { kind, dry_run, confirm_zeroing }), &self.net.clock, &self.timers).expect("the run starts");
        if let Some(e) = &report.error {
            panic!("{kind:?} run failed: {} {}", e.code, e.message_en);
        }
        report
    }

    /// Virtual network latency of every call from now on.
    pub fn set_latency(&self, ms: u64) {
        self.latency_ms.set(ms);
    }

    /// A preview of `kind` without the rate limit: the shop token is then cached, as after any
    /// earlier run of the extension.
    pub fn warm_up(&self, kind: RunKind) {
        self.run(kind, true, false);
    }

    /// Run `work` on the virtual clock and measure what it cost the engine: real time without the
    /// sandbox's, memory with and without the sandbox's work of building answers.
    pub fn measure_work<T>(&self, work: impl Future<Output = T>) -> (T, Cost) {
        self.net.sandbox.borrow_mut().log.clear();
        *self.tally.borrow_mut() = Cost::default();
        self.serving.set(Duration::ZERO);
        self.serving_cpu.set(0);
        self.received.set(0);
        let baseline = alloc::reset_peak();
        let started = Instant::now();
        let cpu = thread_cpu_ns();
        let out = run_virtual(work, &self.net.clock, &self.timers);
        let elapsed = started.elapsed();
        let cpu_ns = thread_cpu_ns().saturating_sub(cpu).saturating_sub(self.serving_cpu.get());
        let mut cost = self.cost();
        cost.real_ms = elapsed.as_millis() as u64;
        cost.engine_real_ms = elapsed.saturating_sub(self.serving.get()).as_millis() as u64;
        cost.engine_cpu_ms = cpu_ns / 1_000_000;
        cost.received_bytes = self.received.get();
        cost.peak_bytes = alloc::peak().saturating_sub(baseline) as u64;
        cost.engine_peak_bytes = alloc::engine_peak().saturating_sub(baseline) as u64;
        (out, cost)
    }

    /// Run `kind` for real from an empty bucket and measure it.
    pub fn measure(&self, kind: RunKind) -> (Report, Cost) {
        // Long enough for any bucket to drain.
        self.net.clock.advance(60_000);
        self.net.sandbox.borrow_mut().log.clear();
        *self.tally.borrow_mut() = Cost::default();
        let virtual_start = self.net.clock.now_ms();
        self.serving.set(Duration::ZERO);
        self.serving_cpu.set(0);
        self.received.set(0);
        let baseline = alloc::reset_peak();
        let started = Instant::now();
        let cpu = thread_cpu_ns();
        let phases: Rc<RefCell<Vec<(Phase, Instant)>>> = Rc::default();
        let seen = phases.clone();
        // The engine's peak memory up to each change of phase: where a run's peak comes from.
        let peaks: Rc<RefCell<Vec<u64>>> = Rc::default();
        let peaked = peaks.clone();
        self.engine.set_progress_listener(Box::new(move |p: &Progress| {
            let mut seen = seen.borrow_mut();
            if seen.last().is_none_or(|(phase, _)| *phase != p.phase) {
                seen.push((p.phase, Instant::now()));
                peaked.borrow_mut().push(alloc::engine_peak().saturating_sub(baseline) as u64);
            }
        }));
        let report = self.run(kind, false, false);
        let finished = Instant::now();
        let cpu_ns = thread_cpu_ns().saturating_sub(cpu).saturating_sub(self.serving_cpu.get());
        let mut cost = self.cost();
        cost.wall_ms = self.net.clock.now_ms() - virtual_start;
        cost.real_ms = (finished - started).as_millis() as u64;
        cost.received_bytes = self.received.get();
        cost.peak_bytes = alloc::peak().saturating_sub(baseline) as u64;
        cost.engine_peak_bytes = alloc::engine_peak().saturating_sub(baseline) as u64;
        cost.engine_real_ms = (finished - started).saturating_sub(self.serving.get()).as_millis() as u64;
        cost.engine_cpu_ms = cpu_ns / 1_000_000;
        let phases = phases.borrow();
        let ends = phases.iter().skip(1).map(|(_, at)| *at).chain([finished]);
        cost.real_phases = phases.iter().zip(ends).map(|((phase, from), to)| (format!("{phase:?}"), (to - *from).as_millis() as u64)).collect();
        let peaks = peaks.borrow();
        let ends = peaks.iter().skip(1).copied().chain([cost.engine_peak_bytes]);
        cost.phase_peaks = phases.iter().zip(ends).map(|((phase, _), peak)| (format!("{phase:?}"), peak / 1_000_000)).collect();
        (report, cost)
    }

    /// What the calls since the last measure cost, as tallied from the sandbox's log.
    fn cost(&self) -> Cost {
        self.tally.borrow().clone()
    }
}

/// Count a logged call into `cost`.
fn tally(cost: &mut Cost, e: &LogEntry) {
    if e.service == Service::Systim {
        cost.systim_calls += 1;
        *cost.by_endpoint.entry(format!("systim {}", e.act)).or_default() += 1;
        return;
    }
    let resource = e.path.trim_start_matches("/webapi/rest/").split('/').next().unwrap_or_default();
    *cost.by_endpoint.entry(format!("shoper {} {resource}", e.method)).or_default() += 1;
    cost.shoper_calls += 1;
    cost.http_429 += u64::from(e.status == 429);
    cost.peak_bucket = cost.peak_bucket.max(e.bucket_level.unwrap_or(0.0));
    if e.path.ends_with("/bulk") {
        let ops = e.body.as_ref().and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        cost.shoper_bulk += 1;
        cost.shoper_ops += ops.len() as u64;
        let reads = ops.iter().filter(|op| op["method"] == "GET").count() as u64;
        cost.shoper_page_calls += reads + u64::from(reads < ops.len() as u64);
    } else {
        cost.shoper_ops += 1;
        cost.shoper_page_calls += 1;
    }
}
