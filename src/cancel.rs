//! Cooperative cancellation: the `auto` portfolio ([`crate::verdict`]) runs the engines
//! side by side and stops the others once one has a certified answer.
//!
//! A [`Cancel`] is a shared flag with hooks. Work runs under it with [`Cancel::run`],
//! which makes it the current thread's token; the engines' clocks ([`cancelled`], read by
//! [`crate::automata::Budget`], the BDD engine and the z3 engine wherever they check
//! the time) then stop as they would at a deadline. Work a clock cannot reach (one z3
//! call, a child process) registers a hook that interrupts it ([`Cancel::on_cancel`]).
//! The token is per thread so that the engines' signatures need not carry it: code run
//! outside any token is never cancelled.
//!
//! ```
//! use ltlattn::cancel::{cancelled, Cancel};
//! let token = Cancel::new();
//! token.cancel();
//! assert!(token.run(cancelled));
//! assert!(!cancelled()); // outside `run`, nothing is cancelled
//! ```

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

type Hook = Box<dyn FnMut() + Send>;

#[derive(Default)]
struct Shared {
    flag: AtomicBool,
    next_hook: AtomicU64,
    hooks: Mutex<Vec<(u64, Hook)>>,
}

/// A cancellation token, shared by cloning.
#[derive(Clone, Default)]
pub struct Cancel(Arc<Shared>);

impl std::fmt::Debug for Cancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cancel({})", self.is_cancelled())
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Cancel>> = const { RefCell::new(None) };
}

/// Whether the work on this thread was cancelled (false outside [`Cancel::run`]).
pub fn cancelled() -> bool {
    CURRENT.with(|c| c.borrow().as_ref().is_some_and(Cancel::is_cancelled))
}

/// The current thread's token, if it runs under one.
pub fn current() -> Option<Cancel> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Removes its hook when dropped (see [`Cancel::on_cancel`]).
pub struct HookGuard {
    owner: Cancel,
    id: u64,
}

impl Drop for HookGuard {
    fn drop(&mut self) {
        if let Ok(mut hooks) = self.owner.0.hooks.lock() {
            hooks.retain(|(id, _)| *id != self.id);
        }
    }
}

impl Cancel {
    /// A token not cancelled yet.
    pub fn new() -> Self {
        Cancel::default()
    }

    /// Cancels: the flag is set, then every registered hook runs (once).
    pub fn cancel(&self) {
        if self.0.flag.swap(true, Ordering::SeqCst) {
            return;
        }
        if let Ok(mut hooks) = self.0.hooks.lock() {
            for (_, hook) in hooks.iter_mut() {
                hook();
            }
        }
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.flag.load(Ordering::SeqCst)
    }

    /// Runs `work` with this token as the current thread's (restoring the previous one).
    pub fn run<R>(&self, work: impl FnOnce() -> R) -> R {
        let before = CURRENT.with(|c| c.replace(Some(self.clone())));
        struct Restore(Option<Cancel>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let prev = self.0.take();
                CURRENT.with(|c| *c.borrow_mut() = prev);
            }
        }
        let _restore = Restore(before);
        work()
    }

    /// Registers `hook` to run on cancellation (at once if cancelled already) until the
    /// guard is dropped. The hook runs under a lock that the guard's drop also takes, so
    /// whatever the hook touches may be freed safely after the guard is dropped.
    pub fn on_cancel(&self, mut hook: impl FnMut() + Send + 'static) -> HookGuard {
        let id = self.0.next_hook.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut hooks) = self.0.hooks.lock() {
            if self.is_cancelled() {
                hook();
            }
            hooks.push((id, Box::new(hook)));
        }
        HookGuard {
            owner: self.clone(),
            id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hooks_run_once_and_not_after_their_guard_is_dropped() {
        let token = Cancel::new();
        let hits = Arc::new(AtomicU64::new(0));
        let h = hits.clone();
        let kept = token.on_cancel(move || {
            h.fetch_add(1, Ordering::SeqCst);
        });
        let h = hits.clone();
        drop(token.on_cancel(move || {
            h.fetch_add(100, Ordering::SeqCst);
        }));
        token.cancel();
        token.cancel();
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        drop(kept);
        // Registered after the fact: runs at once.
        let h = hits.clone();
        let _late = token.on_cancel(move || {
            h.fetch_add(10, Ordering::SeqCst);
        });
        assert_eq!(hits.load(Ordering::SeqCst), 11);
    }

    #[test]
    fn the_token_is_per_thread_and_restored() {
        let outer = Cancel::new();
        let inner = Cancel::new();
        inner.cancel();
        outer.run(|| {
            assert!(!cancelled());
            inner.run(|| assert!(cancelled()));
            assert!(!cancelled());
            std::thread::scope(|s| {
                s.spawn(|| assert!(current().is_none()));
            });
        });
        assert!(current().is_none());
    }
}
