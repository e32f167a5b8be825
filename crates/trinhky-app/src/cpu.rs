//! The bounded pool for CPU-bound work: typst layout and rasterising, PDF parsing, signing,
//! verification and argon2. An async handler that did this work on a tokio worker would stall
//! every other request on that worker (with two cores, two previews stop `/healthz` and login), so
//! every such call goes through [`CpuPool::run`]: it waits for one of a fixed number of permits,
//! then runs the closure on tokio's blocking threads. The permits bound how many cores the heavy
//! work may take at once; the rest of the requests keep the async workers.
//!
//! The pool belongs to the [`crate::App`] (one per application, sized by `TRINHKY_CPU_WORKERS`)
//! and is handed to the parts that do such work; clones share the permits.

use std::sync::Arc;

use tokio::sync::Semaphore;

/// The default number of permits: one less than the cores the process may use (at least one), so
/// that a core stays free for the async workers: with every core rasterising, `/healthz` and
/// login would wait for the scheduler behind the heavy work.
pub fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .saturating_sub(1)
        .max(1)
}

/// A fixed number of permits for CPU-bound work; clones share them.
#[derive(Clone, Debug)]
pub struct CpuPool {
    permits: Arc<Semaphore>,
}

impl Default for CpuPool {
    /// [`default_workers`] permits.
    fn default() -> Self {
        CpuPool::new(default_workers())
    }
}

impl CpuPool {
    /// A pool of `workers` permits (at least one).
    pub fn new(workers: usize) -> Self {
        CpuPool {
            permits: Arc::new(Semaphore::new(workers.max(1))),
        }
    }

    /// How many permits are free now (for tests and metrics).
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }

    /// Runs `f` on a blocking thread once a permit is free, and returns its result. A panic in
    /// `f` resumes in the caller, as if `f` had run inline (the web layer turns it into a 500
    /// page).
    pub async fn run<F, T>(&self, f: F) -> T
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // The semaphore is never closed, so acquiring cannot fail. The permit moves into the
        // blocking task: a caller that gives up waiting does not free it while the work still
        // runs.
        let permit = self.permits.clone().acquire_owned().await.ok();
        let joined = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f()
        })
        .await;
        match joined {
            Ok(v) => v,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Cancelled only when the runtime shuts down; nothing is waiting for the value then.
            Err(e) => std::panic::resume_unwind(Box::new(format!("blocking task cancelled: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn runs_and_returns_the_value() {
        assert_eq!(CpuPool::default().run(|| 2 + 2).await, 4);
    }

    #[tokio::test]
    async fn a_panic_resumes_in_the_caller() {
        let pool = CpuPool::default();
        let h = tokio::spawn(async move { pool.run(|| -> u32 { panic!("boom") }).await });
        let e = h.await.unwrap_err();
        assert!(e.is_panic());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_the_permits_run_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let now = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let limit = 2;
        let pool = CpuPool::new(limit);
        let tasks: Vec<_> = (0..limit * 3)
            .map(|_| {
                let (now, peak, pool) = (now.clone(), peak.clone(), pool.clone());
                tokio::spawn(async move {
                    pool.run(move || {
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(n, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        now.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert!(peak.load(Ordering::SeqCst) <= limit);
        assert_eq!(pool.available(), limit);
    }

    #[tokio::test]
    async fn two_pools_do_not_share_permits() {
        let (a, b) = (CpuPool::new(1), CpuPool::new(3));
        let shared = a.clone();
        let _held = shared.permits.clone().acquire_owned().await.unwrap();
        assert_eq!(a.available(), 0);
        assert_eq!(b.available(), 3);
    }
}
