//! The argon2 workers: `concurrency` threads of their own, fed through a queue of at most
//! `queue` jobs, hashing in at most `concurrency` buffers of argon2 memory that are
//! reused while logins keep coming and handed back to the system when they stop.
//!
//! Why not tokio's blocking pool: a blocking task cannot be cancelled, so a login whose
//! caller went away (a load balancer's timeout, a flood that disconnects) kept hashing
//! there after its permit was released, on as many threads as there had been callers,
//! each allocating its own buffer (19 MiB at the parameters of the time). A flood of
//! abandoned logins then saturated every core and, through the allocator's per-thread
//! arenas, held on to hundreds of MiB for good. Here at most `concurrency` hashes ever
//! run, and a job whose caller has gone is dropped unstarted.
//!
//! Why buffers are reserved larger than they are used: glibc serves a large allocation
//! from a mapping of its own, but freeing one of up to 32 MiB (its largest dynamic mmap
//! threshold on 64-bit) raises the threshold to that size, and the next buffer of that size
//! then comes from the thread's arena, which keeps the memory after it is freed. Handing
//! idle buffers back that way once left 185–195 MiB behind after a benchmark. A buffer
//! reserved above 32 MiB is always a mapping of its own, is unmapped when freed, and
//! never moves the threshold; the reserve beyond what argon2 writes is address space
//! only, never resident. Other allocators (musl, jemalloc) map such sizes directly too.
//!
//! Why huge pages: argon2 reads a pseudo-random earlier block for every block it writes,
//! so on 4 KiB pages most of those reads miss the TLB, and two hashes at once share the
//! cache their page walks need. The whole 2 MiB pages of each buffer are advised as
//! transparent huge pages before it is first written (`sigil-pagehint`); only pages
//! inside what argon2 uses, so the advice never makes a buffer hold more memory.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use argon2::Block;
use tokio::sync::{Semaphore, oneshot};

use crate::crypto::CryptoError;

/// Blocks (1 KiB each) a buffer reserves at least: above glibc's 32 MiB bound.
const RESERVE_BLOCKS: usize = 33 * 1024;

/// How long the workers stay without a job before they free their buffers. Long enough
/// that a steady trickle of logins reuses them (mapping a buffer afresh costs a few ms of
/// page faults), short enough that memory comes back soon after a flood.
pub const RELEASE_AFTER: Duration = Duration::from_secs(3);

/// `count` zeroed blocks, in memory the allocator maps on its own and the kernel backs
/// with huge pages where it can (see the module docs).
fn buffer(count: usize) -> Vec<Block> {
    let mut blocks = Vec::with_capacity(count.max(RESERVE_BLOCKS));
    // Before the first write, so each 2 MiB is faulted in as one page.
    sigil_pagehint::prefer_huge_pages(&mut blocks.spare_capacity_mut()[..count]);
    blocks.resize(count, Block::default());
    blocks
}

/// Argon2 memory for one job. Up to `keep` blocks (what the configured parameters need)
/// are reused from job to job; a stored hash that needs more (made under costlier
/// parameters, before a change) gets a buffer of its own for that one job.
pub struct Memory {
    blocks: Vec<Block>,
    keep: usize,
}

impl Memory {
    pub fn new(keep: usize) -> Self {
        Self {
            blocks: Vec::new(),
            keep,
        }
    }

    /// `count` blocks to hash with. Argon2 writes every block before it reads it, so what
    /// an earlier job left in them is never used.
    pub fn blocks(&mut self, count: usize) -> Blocks<'_> {
        if count > self.keep {
            return Blocks::Owned(buffer(count));
        }
        if self.blocks.len() < count {
            // Freed before the new one is made, so two never coexist.
            self.blocks = Vec::new();
            self.blocks = buffer(self.keep);
        }
        Blocks::Kept(&mut self.blocks[..count])
    }
}

pub enum Blocks<'a> {
    Kept(&'a mut [Block]),
    Owned(Vec<Block>),
}

impl AsMut<[Block]> for Blocks<'_> {
    fn as_mut(&mut self) -> &mut [Block] {
        match self {
            Self::Kept(blocks) => blocks,
            Self::Owned(blocks) => blocks,
        }
    }
}

/// The buffers between jobs, and how many are out with a job.
struct Spare {
    idle: Vec<Memory>,
    lent: usize,
}

struct Buffers {
    spare: Mutex<Spare>,
    keep: usize,
}

impl Buffers {
    fn spare(&self) -> std::sync::MutexGuard<'_, Spare> {
        // Nothing panics while holding it; a poisoned lock still holds consistent data.
        self.spare.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lend(&self) -> Lent<'_> {
        let mut spare = self.spare();
        spare.lent += 1;
        let memory = spare.idle.pop().unwrap_or_else(|| Memory::new(self.keep));
        Lent {
            buffers: self,
            memory,
        }
    }

    fn give_back(&self, memory: Memory) {
        let mut spare = self.spare();
        spare.lent -= 1;
        spare.idle.push(memory);
    }

    /// Frees the idle buffers; those out with a job are freed after they come back.
    fn release(&self) {
        self.spare().idle.clear();
    }

    /// Whether any buffer exists, idle or out with a job.
    fn any(&self) -> bool {
        let spare = self.spare();
        !spare.idle.is_empty() || spare.lent > 0
    }
}

/// A buffer out with a job, back among the spares when dropped: when the job is done,
/// or when it panicked.
struct Lent<'a> {
    buffers: &'a Buffers,
    memory: Memory,
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        let keep = self.memory.keep;
        let memory = std::mem::replace(&mut self.memory, Memory::new(keep));
        self.buffers.give_back(memory);
    }
}

type Job = Box<dyn for<'a> FnOnce(Lent<'a>) + Send>;

pub struct Pool {
    jobs: Sender<Job>,
    /// One permit per job running or waiting: `concurrency + queue`. A job holds its
    /// permit until it has run, or been dropped unstarted.
    admitted: Arc<Semaphore>,
}

impl Pool {
    /// Starts `concurrency` workers, whose buffers are `keep_blocks` each and are freed
    /// after `release_after` without a job; `queue` more jobs may wait.
    pub fn new(
        concurrency: usize,
        queue: usize,
        keep_blocks: usize,
        release_after: Duration,
    ) -> Result<Self, CryptoError> {
        let (jobs, waiting) = channel::<Job>();
        let waiting = Arc::new(Mutex::new(waiting));
        let buffers = Arc::new(Buffers {
            spare: Mutex::new(Spare {
                idle: Vec::new(),
                lent: 0,
            }),
            keep: keep_blocks,
        });
        let concurrency = concurrency.max(1);
        for i in 0..concurrency {
            let (waiting, buffers) = (waiting.clone(), buffers.clone());
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || work(&waiting, &buffers, release_after))
                .map_err(|e| CryptoError::Password(format!("starting a password worker: {e}")))?;
        }
        Ok(Self {
            jobs,
            admitted: Arc::new(Semaphore::new(concurrency + queue)),
        })
    }

    /// Runs `job` on a worker. Refused as busy when every worker is hashing and the
    /// queue is full. If the caller stops waiting before a worker takes the job, the job
    /// never runs.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Memory) -> Result<T, CryptoError> + Send + 'static,
    ) -> Result<T, CryptoError> {
        let permit = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| CryptoError::Busy)?;
        let (answer, answered) = oneshot::channel();
        let metrics = crate::metrics::get();
        let queued_at = Instant::now();
        metrics.hash_queued();
        let job: Job = Box::new(move |mut lent| {
            if answer.is_closed() {
                metrics.hash_dropped();
                return;
            }
            metrics.hash_started(queued_at.elapsed());
            let result = job(&mut lent.memory);
            // The buffer and the place go back before the answer, so a caller that asks
            // again as soon as it has its answer finds both, whichever worker takes it.
            drop(lent);
            drop(permit);
            let _ = answer.send(result);
        });
        self.jobs.send(job).map_err(|_| {
            metrics.hash_dropped();
            CryptoError::Password("the password workers have stopped".into())
        })?;
        answered
            .await
            .map_err(|_| CryptoError::Password("a password worker failed".into()))?
    }
}

fn work(waiting: &Mutex<Receiver<Job>>, buffers: &Buffers, release_after: Duration) {
    loop {
        // One worker at a time waits on the queue; the lock is released once it has a job.
        // It waits with a timeout only while there is memory to free: with none idle and
        // none out, no buffer can appear before the next job, so an idle pool sleeps.
        let job = {
            let Ok(queue) = waiting.lock() else { return };
            let next = if buffers.any() {
                queue.recv_timeout(release_after)
            } else {
                queue.recv().map_err(|_| RecvTimeoutError::Disconnected)
            };
            match next {
                Ok(job) => job,
                Err(RecvTimeoutError::Timeout) => {
                    drop(queue);
                    buffers.release();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return, // the hasher was dropped
            }
        };
        let lent = buffers.lend();
        // A panic in one job (a bug) must not take the worker with it; its caller sees
        // the dropped answer as a failure, and the buffer goes back as it unwinds.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(lent)));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[test]
    fn memory_is_kept_up_to_its_bound_and_lent_beyond_it() {
        let mut memory = Memory::new(8);
        assert_eq!(memory.blocks(8).as_mut().len(), 8);
        assert_eq!(memory.blocks.len(), 8, "kept");
        assert_eq!(memory.blocks(4).as_mut().len(), 4);
        assert_eq!(memory.blocks(16).as_mut().len(), 16);
        assert_eq!(memory.blocks.len(), 8, "a bigger job's buffer is not kept");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn buffers_are_reused_while_busy_and_freed_when_idle() {
        /// Hashes in 8 blocks; answers how many the job found allocated.
        async fn held(pool: &Pool) -> usize {
            pool.run(|memory| {
                let before = memory.blocks.len();
                memory.blocks(8);
                Ok(before)
            })
            .await
            .unwrap()
        }
        // An idle time long enough that a loaded machine (tests run side by side on two
        // cores) cannot stall between two back-to-back jobs for that long. Two workers:
        // the next job may go to the other one, and must still find the buffer.
        let pool = Pool::new(2, 4, 8, Duration::from_secs(1)).unwrap();
        assert_eq!(held(&pool).await, 0, "nothing is allocated before a job");
        for _ in 0..50 {
            assert_eq!(held(&pool).await, 8, "the next job reuses the buffer");
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(held(&pool).await, 0, "freed after the idle time");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_with_its_answer_may_ask_again_at_once() {
        // One place in all: each answer must have freed it for the next call.
        let pool = Pool::new(1, 0, 1, RELEASE_AFTER).unwrap();
        for i in 0..200 {
            assert_eq!(pool.run(move |_| Ok(i)).await.unwrap(), i);
        }
    }

    #[test]
    fn a_buffer_reserves_more_than_it_uses_and_is_zeroed() {
        let blocks = buffer(8);
        assert_eq!(blocks.len(), 8);
        assert!(blocks.capacity() * 1024 > 32 << 20);
        assert!(blocks.iter().all(|b| b.as_ref().iter().all(|w| *w == 0)));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_whose_caller_left_never_runs() {
        let pool = Arc::new(Pool::new(1, 4, 1, RELEASE_AFTER).unwrap());
        let ran = Arc::new(AtomicUsize::new(0));
        // Hold the only worker until released.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let holding = {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.run(move |_| {
                    let _ = held.recv();
                    Ok(())
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let abandoned = {
            let (pool, ran) = (pool.clone(), ran.clone());
            tokio::spawn(async move {
                pool.run(move |_| {
                    ran.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        abandoned.abort();
        let _ = abandoned.await;
        release.send(()).unwrap();
        holding.await.unwrap().unwrap();
        // A job queued after the abandoned one runs, so the worker went past it.
        let ran_after = ran.clone();
        pool.run(move |_| {
            ran_after.fetch_add(10, Ordering::SeqCst);
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(
            ran.load(Ordering::SeqCst),
            10,
            "the abandoned job was skipped"
        );
    }
}
