//! Every attempt's time limit, kept by one thread with one ordered list of deadlines.
//!
//! Why not reqwest's per-request `timeout`: it arms a tokio timer for every request, and a timer
//! earlier than any other the runtime has wakes the thread parked on the runtime's clock, so that
//! it can sleep less. That is one thread wake-up per call, about 3% of a call on loopback
//! (BENCHMARKS.md, request overhead). Here a new attempt's deadline joins the list under a lock;
//! it is nearly always the latest, so that wakes nobody, and the thread wakes about once per
//! timeout period however many calls are made.
//!
//! The thread belongs to no runtime: attempts made under several runtimes, or under one that is no
//! longer driven, all keep their limits. If it cannot be started, [`Watch::until`] says so and the
//! caller falls back to reqwest's timeout.

use std::collections::BTreeMap;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::Poll;
use std::time::Instant;

use futures_util::task::AtomicWaker;

/// The watched deadlines and the thread that keeps them.
struct Watchdog {
    state: Mutex<State>,
    /// Signalled when a deadline earlier than the one the thread sleeps until joins the list.
    earlier: Condvar,
}

struct State {
    /// Deadlines not yet passed, by deadline then arrival (which makes keys unique).
    pending: BTreeMap<(Instant, u64), Arc<Slot>>,
    arrivals: u64,
    /// When the thread will next look at the list by itself; `None` when it waits for a signal.
    sleeping_until: Option<Instant>,
}

/// What an attempt and the thread share.
#[derive(Default)]
struct Slot {
    expired: AtomicBool,
    waker: AtomicWaker,
}

static WATCHDOG: Watchdog = Watchdog {
    state: Mutex::new(State {
        pending: BTreeMap::new(),
        arrivals: 0,
        sleeping_until: None,
    }),
    earlier: Condvar::new(),
};

/// Whether the thread runs (started on first use).
static RUNNING: OnceLock<bool> = OnceLock::new();

impl Watchdog {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock; a poisoned one is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn running(&'static self) -> bool {
        *RUNNING.get_or_init(|| {
            std::thread::Builder::new()
                .name("orb-cloud-watchdog".into())
                .spawn(move || self.run())
                .is_ok()
        })
    }

    fn run(&self) {
        let mut due = Vec::new();
        let mut state = self.lock();
        loop {
            let now = Instant::now();
            while let Some(entry) = state.pending.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                due.push(entry.remove());
            }
            if !due.is_empty() {
                // Wake the attempts without holding the lock, then look again.
                drop(state);
                for slot in due.drain(..) {
                    slot.expired.store(true, Ordering::Release);
                    slot.waker.wake();
                }
                state = self.lock();
                continue;
            }
            state.sleeping_until = state.pending.first_key_value().map(|(key, _)| key.0);
            state = match state.sleeping_until {
                // An early or spurious return is harmless: nothing expires before its deadline.
                Some(until) => {
                    let wait = until.saturating_duration_since(now);
                    self.earlier
                        .wait_timeout(state, wait)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self
                    .earlier
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
            };
        }
    }
}

/// One attempt's deadline, watched until this is dropped. Race the request against it, then
/// each read of the body, so that one deadline covers the whole answer as reqwest's does.
pub(crate) struct Watch {
    key: (Instant, u64),
    slot: Arc<Slot>,
}

/// The deadline passed before the future raced against it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Expired;

impl Watch {
    /// Watch `deadline`; `None` if the watchdog thread could not be started.
    pub(crate) fn until(deadline: Instant) -> Option<Watch> {
        if !WATCHDOG.running() {
            return None;
        }
        let slot = Arc::new(Slot::default());
        let mut state = WATCHDOG.lock();
        state.arrivals += 1;
        let key = (deadline, state.arrivals);
        state.pending.insert(key, slot.clone());
        if state.sleeping_until.is_none_or(|until| deadline < until) {
            state.sleeping_until = Some(deadline);
            WATCHDOG.earlier.notify_one();
        }
        Some(Watch { key, slot })
    }

    /// Whether the deadline has passed (as seen by the watchdog).
    pub(crate) fn expired(&self) -> bool {
        self.slot.expired.load(Ordering::Acquire)
    }

    /// `future`'s output, or [`Expired`] once the deadline passes; `future` is dropped then.
    pub(crate) async fn race<F: Future>(&self, future: F) -> Result<F::Output, Expired> {
        let mut future = pin!(future);
        poll_fn(|cx| {
            if self.expired() {
                return Poll::Ready(Err(Expired));
            }
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                return Poll::Ready(Ok(output));
            }
            self.slot.waker.register(cx.waker());
            // The thread may have expired the slot before the waker was in place.
            if self.expired() {
                Poll::Ready(Err(Expired))
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // Gone already if it expired. The thread may still wake for this deadline: it then finds
        // nothing due and sleeps until the next one.
        WATCHDOG.lock().pending.remove(&self.key);
    }
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("deadline", &self.key.0)
            .field("expired", &self.expired())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn is_pending(watch: &Watch) -> bool {
        WATCHDOG.lock().pending.contains_key(&watch.key)
    }

    #[tokio::test]
    async fn a_future_that_never_ends_expires_at_its_deadline_and_not_before() {
        let deadline = Instant::now() + Duration::from_millis(50);
        let watch = Watch::until(deadline).unwrap();
        assert_eq!(watch.race(std::future::pending::<()>()).await, Err(Expired));
        assert!(Instant::now() >= deadline);
        assert!(watch.expired());
        assert!(!is_pending(&watch), "an expired deadline leaves the list");
    }

    #[tokio::test]
    async fn a_finished_future_wins_and_its_deadline_leaves_the_list_on_drop() {
        let watch = Watch::until(Instant::now() + Duration::from_secs(3600)).unwrap();
        assert_eq!(watch.race(async { 7 }).await, Ok(7));
        assert_eq!(watch.race(async { 8 }).await, Ok(8), "a watch races again");
        assert!(is_pending(&watch));
        let key = watch.key;
        drop(watch);
        assert!(!WATCHDOG.lock().pending.contains_key(&key));
    }

    #[tokio::test]
    async fn an_earlier_deadline_is_kept_while_the_thread_waits_for_a_later_one() {
        // The thread goes to sleep until the late deadline; the early one must wake it.
        let late = Watch::until(Instant::now() + Duration::from_secs(3600)).unwrap();
        let early_deadline = Instant::now() + Duration::from_millis(30);
        let early = Watch::until(early_deadline).unwrap();
        assert_eq!(early.race(std::future::pending::<()>()).await, Err(Expired));
        assert!(Instant::now() >= early_deadline);
        assert!(!late.expired());
    }

    #[tokio::test]
    async fn an_already_passed_deadline_expires_at_once() {
        let watch = Watch::until(Instant::now()).unwrap();
        assert_eq!(watch.race(std::future::pending::<()>()).await, Err(Expired));
        // Once expired, even a ready future loses, as with reqwest's timeout.
        assert_eq!(watch.race(async {}).await, Err(Expired));
    }

    #[test]
    fn many_attempts_under_several_runtimes_each_expire_at_their_deadline() {
        let start = Instant::now();
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .build()
                        .unwrap();
                    runtime.block_on(async move {
                        let mut tasks = Vec::new();
                        for i in 0..50u64 {
                            let deadline = start + Duration::from_millis(5 * ((i * 7 + t) % 13));
                            tasks.push(tokio::spawn(async move {
                                let watch = Watch::until(deadline).unwrap();
                                let result = watch.race(std::future::pending::<()>()).await;
                                (result, Instant::now() >= deadline)
                            }));
                        }
                        for task in tasks {
                            assert_eq!(task.await.unwrap(), (Err(Expired), true));
                        }
                    })
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
    }
}
