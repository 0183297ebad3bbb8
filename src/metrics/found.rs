//! The series a hot path keeps finding, remembered by each thread.
//!
//! Finding a series in a `Family` takes the family's lock, a cache line that every
//! worker writes, and SipHashes each label: at tens of thousands of requests a second
//! that was a few percent of an introspection. A thread instead keeps the handles it
//! has found (a counter or a histogram is a shared pointer to its series) and finds one
//! again with a foldhash lookup and no lock. The labels are sigil's own static strings
//! and the ids of clients that authenticated, nothing a caller picks freely, so there
//! are no more kept handles than series in the families (times the threads), and a
//! hasher without flooding resistance is enough. A kept handle counts in its family
//! only while the family holds its series: the families kept here are never cleared.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hash;

use thread_local::ThreadLocal;

type Fast = foldhash::fast::RandomState;

/// One thread's handles: by the first label, then by the rest.
type Kept<K, M> = HashMap<Box<str>, HashMap<K, M, Fast>, Fast>;

/// Handles by an owned first label (a route, a client id) and a key of static labels.
pub struct Found<K: Send, M: Send> {
    per_thread: ThreadLocal<RefCell<Kept<K, M>>>,
}

impl<K: Eq + Hash + Send, M: Send> Found<K, M> {
    pub fn new() -> Self {
        Self {
            per_thread: ThreadLocal::new(),
        }
    }

    /// Runs `act` on the handle kept under (`first`, `key`), finding it with `find` the
    /// first time this thread asks. The handle is lent, not cloned: a clone would write
    /// its shared reference count, the very cache line this avoids.
    pub fn with(&self, first: &str, key: K, find: impl FnOnce() -> M, act: impl FnOnce(&M)) {
        let mut kept = self.per_thread.get_or_default().borrow_mut();
        let by_key = match kept.get_mut(first) {
            Some(by_key) => by_key,
            None => kept.entry(first.into()).or_default(),
        };
        act(by_key.entry(key).or_insert_with(find));
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn a_handle_is_found_once_per_thread_and_key() {
        let found = Found::<(&str, u16), u32>::new();
        let finds = &Cell::new(0);
        let find = |v| {
            move || {
                finds.set(finds.get() + 1);
                v
            }
        };
        let mut seen = Vec::new();
        found.with("a", ("x", 1), find(1), |m| seen.push(*m));
        found.with("a", ("x", 1), find(9), |m| seen.push(*m));
        found.with("a", ("x", 2), find(2), |m| seen.push(*m));
        found.with("b", ("x", 1), find(3), |m| seen.push(*m));
        assert_eq!(seen, [1, 1, 2, 3]);
        assert_eq!(finds.get(), 3);
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut other = Vec::new();
                found.with("a", ("x", 1), || 7, |m| other.push(*m));
                assert_eq!(other, [7], "another thread finds its own");
            });
        });
    }
}
