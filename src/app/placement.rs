//! A CPU of its own for each HTTP worker, when there are exactly as many workers as CPUs.
//!
//! actix gives each connection to one worker for its whole life, and a worker is one
//! thread. Left to itself, the kernel now and then runs both workers on one CPU (it likes
//! to wake a thread beside the one that woke it) while the other CPU runs something else
//! or nothing: for that while, every connection of one worker waits for a CPU. On a
//! machine whose cores the workers fill, that wait is the long tail of every answer. With
//! one worker on each CPU, the kernel can still give a worker's CPU to another thread for
//! a slice, but never hands one worker's CPU to the other. Measured on two cores with
//! the load generator beside sigil (BENCHMARKS.md, "A CPU of its own for each worker"):
//! the same rates, and the p99 of issuance, introspection and JWKS at 64 connections went
//! from 2.0–4.0 ms to 0.9–2.5 ms.
//!
//! Pinning is done only where the workers fill the CPUs sigil may use: when they match,
//! one to one, the CPUs this process may run on (its affinity mask, as
//! systemd's `CPUAffinity=`, `taskset` or a cpuset container leave it). Under a CPU
//! quota without a cpuset, sigil starts as many workers as the quota allows, fewer than
//! the mask holds, and nothing is pinned; nor is it when `SIGIL_WORKERS` asks for more or
//! fewer workers than CPUs, or `SIGIL_PIN_WORKERS=false` says not to. Every other thread
//! (the password hashers, the log writer, Postgres beside sigil) stays free, and the
//! kernel moves them around the pinned workers.
//!
//! A thread inherits the CPUs of the thread that starts it, so threads meant to roam
//! are started before the workers are pinned, or by a runtime no worker runs (the
//! embedded store opens its connections, a thread each, when it opens).
//!
//! A worker that actix restarts keeps its index, so it goes back to its CPU. Should a
//! worker's index not be found, or the kernel refuse, that worker runs unpinned: a
//! slower tail, never a refusal to serve.

/// Where each HTTP worker runs: `cpus[i]` for the worker with index `i`.
#[derive(Clone, Debug)]
pub struct Placement {
    cpus: Vec<usize>,
}

/// actix-server names each worker's thread after its index, which a restarted worker
/// keeps.
const WORKER_THREAD: &str = "actix-server worker ";

impl Placement {
    /// The placement for `workers` workers, or `None` when they are better left to the
    /// kernel: pinning turned off, another count of CPUs than workers, or no affinity
    /// mask to read (off Linux). Call it before the workers start: it reads the mask of
    /// the calling thread, which is the process's until some thread is pinned.
    pub fn plan(workers: usize, enabled: bool) -> Option<Placement> {
        if !enabled {
            return None;
        }
        let cpus = allowed_cpus()?;
        if cpus.len() != workers {
            tracing::debug!(
                workers,
                cpus = cpus.len(),
                "HTTP workers left to the kernel: they do not match the CPUs one to one"
            );
            return None;
        }
        tracing::info!(?cpus, "each HTTP worker runs on a CPU of its own");
        Some(Placement { cpus })
    }

    /// Pins the calling thread, an actix worker, to its CPU. Idempotent: actix builds a
    /// worker's services once for each listener.
    pub fn pin_this_worker(&self) {
        let thread = std::thread::current();
        let Some(cpu) = thread
            .name()
            .and_then(worker_index)
            .and_then(|i| self.cpus.get(i).copied())
        else {
            tracing::warn!(thread = ?thread.name(), "an HTTP worker of unknown index runs unpinned");
            return;
        };
        if let Err(e) = pin_current_thread(cpu) {
            tracing::warn!(cpu, error = %e, "an HTTP worker could not be pinned; it runs unpinned");
        }
    }
}

/// The worker index in an actix worker thread's name.
fn worker_index(name: &str) -> Option<usize> {
    name.strip_prefix(WORKER_THREAD)?.parse().ok()
}

#[cfg(target_os = "linux")]
fn allowed_cpus() -> Option<Vec<usize>> {
    use rustix::thread::{CpuSet, sched_getaffinity};
    match sched_getaffinity(None) {
        Ok(set) => Some((0..CpuSet::MAX_CPU).filter(|&c| set.is_set(c)).collect()),
        Err(e) => {
            tracing::debug!(error = %e, "no affinity mask to place the HTTP workers by");
            None
        }
    }
}

#[cfg(target_os = "linux")]
fn pin_current_thread(cpu: usize) -> std::io::Result<()> {
    use rustix::thread::{CpuSet, sched_setaffinity};
    let mut set = CpuSet::new();
    set.set(cpu);
    sched_setaffinity(None, &set).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn allowed_cpus() -> Option<Vec<usize>> {
    None
}

#[cfg(not(target_os = "linux"))]
fn pin_current_thread(_cpu: usize) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_index_is_read_from_actix_thread_names_only() {
        assert_eq!(worker_index("actix-server worker 0"), Some(0));
        assert_eq!(worker_index("actix-server worker 17"), Some(17));
        assert_eq!(worker_index("actix-server worker "), None);
        assert_eq!(worker_index("actix-server worker -1"), None);
        assert_eq!(worker_index("actix-server acceptor"), None);
        assert_eq!(worker_index("tokio-rt-worker"), None);
        assert_eq!(worker_index("argon2-0"), None);
    }

    #[test]
    fn nothing_is_placed_when_turned_off_or_when_workers_and_cpus_differ() {
        assert!(Placement::plan(1, false).is_none());
        let Some(cpus) = allowed_cpus() else { return };
        assert!(!cpus.is_empty());
        assert!(Placement::plan(cpus.len() + 1, true).is_none());
        let placed = Placement::plan(cpus.len(), true).expect("workers match the CPUs");
        assert_eq!(placed.cpus, cpus);
    }
}
