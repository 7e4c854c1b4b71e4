//! Interference with a transport, the same for the in-process sandbox and the real server: a
//! cut-off (a killed background: the call never returns and the run's future is dropped) and a
//! hook run just before a given call (an expired token, a second browser's run… mid-run).

use shoper_systim::io::HttpRequest;
use std::cell::{Cell, RefCell};

#[derive(Default)]
pub struct Tap {
    /// Calls left before the transport dies, and whether the dying call is served first.
    cutoff: Cell<Option<(u64, bool)>>,
    hook: RefCell<Option<Hook>>,
}

struct Hook {
    matching: String,
    left: u32,
    /// Fire before the call that follows the n-th match instead of before the match.
    after: bool,
    /// The n-th match has passed: fire before the next call.
    armed: bool,
    action: Box<dyn FnOnce()>,
}

impl Tap {
    /// After `calls` more calls, every call hangs forever. The dying call is served first when
    /// `commit_last`.
    pub fn kill_after(&self, calls: u64, commit_last: bool) {
        self.cutoff.set(Some((calls, commit_last)));
    }

    /// Undo [`Self::kill_after`].
    pub fn heal(&self) {
        self.cutoff.set(None);
    }

    /// Run `action` just before the `nth` call whose URL or body contains `matching`.
    pub fn before_call(&self, matching: &str, nth: u32, action: impl FnOnce() + 'static) {
        self.set_hook(matching, nth, false, action);
    }

    /// Run `action` just before the call that follows the `nth` call matching `matching`.
    pub fn after_call(&self, matching: &str, nth: u32, action: impl FnOnce() + 'static) {
        self.set_hook(matching, nth, true, action);
    }

    /// Forget a hook that has not fired.
    pub fn clear_hook(&self) {
        self.hook.borrow_mut().take();
    }

    fn set_hook(&self, matching: &str, nth: u32, after: bool, action: impl FnOnce() + 'static) {
        *self.hook.borrow_mut() = Some(Hook { matching: matching.into(), left: nth, after, armed: false, action: Box::new(action) });
    }

    /// At the start of every call: run the hook if it is due.
    pub fn run_hook(&self, req: &HttpRequest) {
        let due = {
            let mut slot = self.hook.borrow_mut();
            let Some(hook) = slot.as_mut() else { return };
            let matches = req.url.contains(&hook.matching) || req.body.as_deref().unwrap_or("").contains(&hook.matching);
            if !hook.armed && matches {
                hook.left = hook.left.saturating_sub(1);
                hook.armed = hook.left == 0 && hook.after;
                if hook.left == 0 && !hook.after {
                    slot.take()
                } else {
                    None
                }
            } else if hook.armed {
                slot.take()
            } else {
                None
            }
        };
        if let Some(hook) = due {
            (hook.action)();
        }
    }

    /// Whether this call is the one the cut-off takes (and whether it is served first).
    pub fn dies_now(&self) -> Option<bool> {
        let (left, commit) = self.cutoff.get()?;
        if left == 0 {
            return Some(commit);
        }
        self.cutoff.set(Some((left - 1, commit)));
        None
    }
}
