//! Transactional actor states: a stack of in-memory layers over the state tree, so a
//! failed call's changes can be dropped (revert) and a successful call's merged into
//! its caller's layer (commit), as the FVM's state-tree layers do.

use crate::tree::{ActorState, StateTree};
use anyhow::{bail, Result};
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use std::collections::HashMap;

/// A change to one actor: its new state, or `None` for a deletion.
type Layer = HashMap<u64, Option<ActorState>>;

/// The state tree with transaction layers on top.
pub struct LayeredTree<BS: Blockstore> {
    tree: StateTree<BS>,
    layers: Vec<Layer>,
}

impl<BS: Blockstore> LayeredTree<BS> {
    /// Wraps a state tree.
    pub fn new(tree: StateTree<BS>) -> Self {
        LayeredTree {
            tree,
            layers: Vec::new(),
        }
    }

    /// The actor with ID `id`, seen through the open layers.
    pub fn get(&self, id: u64) -> Result<Option<ActorState>> {
        for l in self.layers.iter().rev() {
            if let Some(a) = l.get(&id) {
                return Ok(a.clone());
            }
        }
        self.tree.get_actor(id)
    }

    /// Sets the actor `id` in the innermost layer (or the tree when none is open).
    pub fn set(&mut self, id: u64, actor: ActorState) -> Result<()> {
        match self.layers.last_mut() {
            Some(l) => {
                l.insert(id, Some(actor));
                Ok(())
            }
            None => self.tree.set_actor(id, actor),
        }
    }

    /// Deletes the actor `id` in the innermost layer (or the tree when none is open).
    pub fn delete(&mut self, id: u64) -> Result<()> {
        match self.layers.last_mut() {
            Some(l) => {
                l.insert(id, None);
                Ok(())
            }
            None => self.tree.delete_actor(id).map(|_| ()),
        }
    }

    /// Opens a transaction.
    pub fn begin(&mut self) {
        self.layers.push(Layer::new());
    }

    /// Closes the innermost transaction, keeping its changes (`commit`) or dropping
    /// them.
    pub fn end(&mut self, commit: bool) -> Result<()> {
        let Some(top) = self.layers.pop() else {
            bail!("no open state transaction");
        };
        if !commit {
            return Ok(());
        }
        match self.layers.last_mut() {
            Some(below) => below.extend(top),
            None => {
                let mut changes: Vec<_> = top.into_iter().collect();
                changes.sort_by_key(|(id, _)| *id);
                for (id, a) in changes {
                    match a {
                        Some(a) => self.tree.set_actor(id, a)?,
                        None => {
                            self.tree.delete_actor(id)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Number of open transactions.
    pub fn depth(&self) -> usize {
        self.layers.len()
    }

    /// The underlying tree (changes in open layers are not in it).
    pub fn tree(&self) -> &StateTree<BS> {
        &self.tree
    }

    /// Writes the tree and returns its StateRoot CID; fails with open transactions.
    pub fn flush(&mut self) -> Result<Cid> {
        if !self.layers.is_empty() {
            bail!("cannot flush the state tree inside a transaction");
        }
        self.tree.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::ActorKind;
    use crate::ipld::empty_array_cid;
    use fvm_ipld_blockstore::MemoryBlockstore;
    use fvm_shared::econ::TokenAmount;

    fn acct(bal: u64) -> ActorState {
        ActorState::new(
            ActorKind::Account.code(),
            empty_array_cid(),
            TokenAmount::from_atto(bal),
            0,
            None,
        )
    }

    #[test]
    fn nested_commit_and_revert() {
        let bs = MemoryBlockstore::new();
        let mut t = LayeredTree::new(StateTree::new(&bs));
        t.set(100, acct(1)).unwrap();
        let r0 = {
            let mut c = StateTree::new(&bs);
            c.set_actor(100, acct(1)).unwrap();
            c.flush().unwrap()
        };
        t.begin();
        t.set(100, acct(2)).unwrap();
        t.begin();
        t.set(101, acct(3)).unwrap();
        t.delete(100).unwrap();
        assert_eq!(t.get(100).unwrap(), None);
        t.end(false).unwrap();
        assert_eq!(t.get(100).unwrap(), Some(acct(2)));
        assert_eq!(t.get(101).unwrap(), None);
        t.end(false).unwrap();
        assert_eq!(t.flush().unwrap(), r0);
        t.begin();
        t.begin();
        t.set(102, acct(4)).unwrap();
        t.end(true).unwrap();
        t.end(true).unwrap();
        assert_eq!(t.tree().get_actor(102).unwrap(), Some(acct(4)));
        assert!(t.end(true).is_err());
    }
}
