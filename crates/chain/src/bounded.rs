//! A map that holds at most a fixed number of entries and forgets the oldest first:
//! the one shape of every in-memory cache of the chain (tipsets, tipset outcomes, bad
//! blocks, BLS signatures).

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// A bounded map; an insert past the capacity evicts the oldest key.
pub(crate) struct BoundedMap<K, V> {
    map: HashMap<K, V>,
    order: VecDeque<K>,
    cap: usize,
}

impl<K: Eq + Hash + Clone, V> BoundedMap<K, V> {
    /// An empty map holding at most `cap` entries.
    pub(crate) fn new(cap: usize) -> Self {
        BoundedMap {
            map: HashMap::new(),
            order: VecDeque::new(),
            cap,
        }
    }

    /// The value of `k`.
    pub(crate) fn get(&self, k: &K) -> Option<&V> {
        self.map.get(k)
    }

    /// Inserts or replaces `k` (a replaced key keeps its age).
    pub(crate) fn insert(&mut self, k: K, v: V) {
        if self.map.insert(k.clone(), v).is_none() {
            self.order.push_back(k);
            while self.order.len() > self.cap {
                if let Some(old) = self.order.pop_front() {
                    self.map.remove(&old);
                }
            }
        }
    }

    /// Removes `k`.
    pub(crate) fn remove(&mut self, k: &K) {
        if self.map.remove(k).is_some() {
            self.order.retain(|o| o != k);
        }
    }

    /// Removes everything.
    pub(crate) fn clear(&mut self) {
        self.map.clear();
        self.order.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::BoundedMap;

    #[test]
    fn forgets_the_oldest_beyond_its_capacity() {
        let mut m = BoundedMap::new(2);
        m.insert(1, "a");
        m.insert(2, "b");
        m.insert(1, "A");
        m.insert(3, "c");
        assert_eq!(
            m.get(&1),
            None,
            "1 was the oldest even after its value changed"
        );
        assert_eq!((m.get(&2), m.get(&3)), (Some(&"b"), Some(&"c")));
        m.remove(&2);
        m.insert(4, "d");
        assert_eq!((m.get(&3), m.get(&4)), (Some(&"c"), Some(&"d")));
        m.clear();
        assert_eq!(m.get(&3), None);
    }
}
