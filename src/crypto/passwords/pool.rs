//! The argon2 workers: `concurrency` threads of their own, each holding one block of
//! argon2 memory for its whole life, fed through a queue of at most `queue` jobs.
//!
//! Why not tokio's blocking pool: a blocking task cannot be cancelled, so a login whose
//! caller went away (a load balancer's timeout, a flood that disconnects) kept hashing
//! there after its permit was released, on as many threads as there had been callers,
//! each allocating its own 19 MiB. A flood of abandoned logins then saturated every core
//! and, through the allocator's per-thread arenas, held on to hundreds of MiB for good.
//! Here at most `concurrency` hashes ever run, a job whose caller has gone is dropped
//! unstarted, and argon2's memory is `concurrency` buffers, reused.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use argon2::Block;
use tokio::sync::{Semaphore, oneshot};

use crate::crypto::CryptoError;

/// A worker's argon2 memory. Up to `keep` blocks (what the configured parameters need)
/// stay allocated between jobs; a stored hash that needs more (made under costlier
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
            return Blocks::Owned(vec![Block::default(); count]);
        }
        if self.blocks.len() < count {
            self.blocks.resize(count, Block::default());
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

type Job = Box<dyn FnOnce(&mut Memory) + Send>;

pub struct Pool {
    jobs: Sender<Job>,
    /// One permit per job running or waiting: `concurrency + queue`. A job holds its
    /// permit until it has run, or been dropped unstarted.
    admitted: Arc<Semaphore>,
}

impl Pool {
    /// Starts `concurrency` workers, each keeping `keep_blocks` of memory once it has
    /// hashed; `queue` more jobs may wait.
    pub fn new(concurrency: usize, queue: usize, keep_blocks: usize) -> Result<Self, CryptoError> {
        let (jobs, waiting) = channel::<Job>();
        let waiting = Arc::new(Mutex::new(waiting));
        let concurrency = concurrency.max(1);
        for i in 0..concurrency {
            let waiting = waiting.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || work(&waiting, Memory::new(keep_blocks)))
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
        let job: Job = Box::new(move |memory| {
            let _permit = permit;
            if answer.is_closed() {
                return;
            }
            let _ = answer.send(job(memory));
        });
        self.jobs
            .send(job)
            .map_err(|_| CryptoError::Password("the password workers have stopped".into()))?;
        answered
            .await
            .map_err(|_| CryptoError::Password("a password worker failed".into()))?
    }
}

fn work(waiting: &Mutex<Receiver<Job>>, mut memory: Memory) {
    loop {
        // One worker at a time waits on the queue; the lock is released once it has a job.
        let job = match waiting.lock() {
            Ok(queue) => match queue.recv() {
                Ok(job) => job,
                Err(_) => return, // every sender is gone: the hasher was dropped
            },
            Err(_) => return,
        };
        // A panic in one job (a bug) must not take the worker with it; its caller sees
        // the dropped answer as a failure.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut memory)));
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
    async fn a_job_whose_caller_left_never_runs() {
        let pool = Arc::new(Pool::new(1, 4, 1).unwrap());
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
