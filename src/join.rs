//! Two futures under way together, on one thread: the engine reads the shop and Systim at
//! the same time (different services, different rate limits). Pure Rust — no executor, no
//! timer: whoever polls the joined future drives both.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

/// Both outputs, once both futures are done. Each is polled only while it is unfinished;
/// a pending one does not hold the other back.
pub async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let mut a = pin!(a);
    let mut b = pin!(b);
    let (mut out_a, mut out_b) = (None, None);
    poll_fn(move |cx| {
        if out_a.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                out_a = Some(v);
            }
        }
        if out_b.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                out_b = Some(v);
            }
        }
        match (out_a.take(), out_b.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                out_a = a;
                out_b = b;
                Poll::Pending
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::join;
    use std::cell::RefCell;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    /// Pending `n` times, logging each poll, then ready with `v`.
    async fn steps(name: &'static str, n: usize, v: u32, log: &RefCell<Vec<&'static str>>) -> u32 {
        for _ in 0..n {
            log.borrow_mut().push(name);
            let mut first = true;
            std::future::poll_fn(|cx| {
                if std::mem::take(&mut first) {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            })
            .await;
        }
        v
    }

    #[test]
    fn both_make_progress_in_turn_and_both_outputs_come_back() {
        let log = RefCell::new(Vec::new());
        let mut fut = pin!(join(steps("shop", 3, 1, &log), steps("systim", 1, 2, &log)));
        let mut cx = Context::from_waker(Waker::noop());
        let mut polls = 0;
        let out = loop {
            polls += 1;
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                break v;
            }
        };
        assert_eq!(out, (1, 2));
        // Interleaved, not one after the other: the short one finished during the long one.
        assert_eq!(log.borrow().as_slice(), ["shop", "systim", "shop", "shop"]);
        assert_eq!(polls, 4);
    }

    #[test]
    fn a_ready_pair_is_ready_at_once() {
        let mut fut = pin!(join(async { "a" }, async { 7 }));
        assert_eq!(fut.as_mut().poll(&mut Context::from_waker(Waker::noop())), Poll::Ready(("a", 7)));
    }
}
