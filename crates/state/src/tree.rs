//! The state tree: a HAMT (v3, bit width 5, SHA-256 keys) from binary ID addresses to
//! actor states `[Code, Head, Nonce, Balance, DelegatedAddress]`, under a StateRoot
//! `[Version 5, Actors, Info]`.

use crate::ipld::{get_cbor, put_cbor, put_empty_array};
use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_hamt::{BytesKey, Hamt};
use fvm_shared::address::{Address, Payload};
use fvm_shared::econ::TokenAmount;
use fvm_shared::state::{StateRoot, StateTreeVersion};

pub use fvm_shared::state::ActorState;

/// HAMT bit width of the state tree and most actor maps.
pub const HAMT_BIT_WIDTH: u32 = 5;

/// The state tree over a blockstore.
pub struct StateTree<BS: Blockstore> {
    actors: Hamt<BS, ActorState, BytesKey>,
}

fn id_key(id: u64) -> BytesKey {
    BytesKey(Address::new_id(id).to_bytes())
}

impl<BS: Blockstore> StateTree<BS> {
    /// An empty tree.
    pub fn new(store: BS) -> Self {
        StateTree {
            actors: Hamt::new_with_bit_width(store, HAMT_BIT_WIDTH),
        }
    }

    /// Loads the tree under the StateRoot `root`; only version 5 roots are accepted.
    pub fn load(store: BS, root: &Cid) -> Result<Self> {
        let sr: StateRoot = get_cbor(&store, root).context("loading the state root")?;
        if sr.version != StateTreeVersion::V5 {
            bail!(
                "unsupported state tree version {:?} (padma reads version 5)",
                sr.version
            );
        }
        let actors = Hamt::load_with_bit_width(&sr.actors, store, HAMT_BIT_WIDTH)
            .context("loading the actors HAMT")?;
        Ok(StateTree { actors })
    }

    /// The blockstore.
    pub fn store(&self) -> &BS {
        self.actors.store()
    }

    /// The actor with ID `id`.
    pub fn get_actor(&self, id: u64) -> Result<Option<ActorState>> {
        Ok(self.actors.get(&id_key(id))?.cloned())
    }

    /// The actor at an ID address (other protocols need the init actor's map).
    pub fn get_actor_at(&self, addr: &Address) -> Result<Option<ActorState>> {
        match addr.payload() {
            Payload::ID(id) => self.get_actor(*id),
            _ => Err(anyhow!("{addr} is not an ID address")),
        }
    }

    /// Creates or replaces the actor with ID `id`.
    pub fn set_actor(&mut self, id: u64, actor: ActorState) -> Result<()> {
        self.actors.set(id_key(id), actor)?;
        Ok(())
    }

    /// Removes the actor with ID `id`, returning it.
    pub fn delete_actor(&mut self, id: u64) -> Result<Option<ActorState>> {
        Ok(self.actors.delete(&id_key(id))?.map(|(_, v)| v))
    }

    /// Visits every actor with its ID.
    pub fn for_each(&self, mut f: impl FnMut(u64, &ActorState) -> Result<()>) -> Result<()> {
        self.actors.for_each(|k, v| {
            let addr =
                Address::from_bytes(&k.0).map_err(|e| anyhow!("bad key in the state tree: {e}"))?;
            let id = addr
                .id()
                .map_err(|_| anyhow!("non-ID key {addr} in the state tree"))?;
            f(id, v)
        })?;
        Ok(())
    }

    /// The sum of all balances.
    pub fn total_balance(&self) -> Result<TokenAmount> {
        let mut total = TokenAmount::default();
        self.for_each(|_, a| {
            total += &a.balance;
            Ok(())
        })?;
        Ok(total)
    }

    /// Writes the tree and returns the CID of its StateRoot.
    pub fn flush(&mut self) -> Result<Cid> {
        let actors = self.actors.flush()?;
        let info = put_empty_array(self.actors.store())?;
        put_cbor(
            self.actors.store(),
            &StateRoot {
                version: StateTreeVersion::V5,
                actors,
                info,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::ActorKind;
    use crate::ipld::empty_array_cid;
    use fvm_ipld_blockstore::MemoryBlockstore;

    fn account(balance: u64) -> ActorState {
        ActorState::new(
            ActorKind::Account.code(),
            empty_array_cid(),
            TokenAmount::from_atto(balance),
            0,
            None,
        )
    }

    #[test]
    fn well_known_empty_structures_match_the_vectors() {
        let bs = MemoryBlockstore::new();
        assert_eq!(
            empty_array_cid().to_string(),
            "bafy2bzacebc3bt6cedhoyw34drrmjvazhu4oj25er2ebk4u445pzycvq4ta4a"
        );
        let mut h: Hamt<_, ActorState, BytesKey> = Hamt::new_with_bit_width(&bs, 5);
        assert_eq!(
            h.flush().unwrap().to_string(),
            "bafy2bzaceamp42wmmgr2g2ymg46euououzfyck7szknvfacqscohrvaikwfay"
        );
        let mut amt0: fvm_ipld_amt::Amtv0<u64, _> = fvm_ipld_amt::Amtv0::new(&bs);
        assert_eq!(
            amt0.flush().unwrap().to_string(),
            "bafy2bzacedswlcz5ddgqnyo3sak3jmhmkxashisnlpq6ujgyhe4mlobzpnhs6"
        );
        let mut amt: fvm_ipld_amt::Amt<u64, _> = fvm_ipld_amt::Amt::new_with_bit_width(&bs, 5);
        assert_eq!(
            amt.flush().unwrap().to_string(),
            "bafy2bzaceacu3yonapahihxmnhzuvk76yupwjmyeymd2l5n6xfs5st52shm6a"
        );
    }

    #[test]
    fn actors_round_trip_through_a_flushed_root() {
        let bs = MemoryBlockstore::new();
        let mut t = StateTree::new(&bs);
        for id in [0u64, 1, 99, 100, 1000] {
            t.set_actor(id, account(id * 10)).unwrap();
        }
        let root = t.flush().unwrap();
        let t2 = StateTree::load(&bs, &root).unwrap();
        assert_eq!(
            t2.get_actor(99).unwrap().unwrap().balance,
            TokenAmount::from_atto(990)
        );
        assert_eq!(t2.get_actor(5).unwrap(), None);
        assert_eq!(
            t2.get_actor_at(&Address::new_id(1000))
                .unwrap()
                .unwrap()
                .balance,
            TokenAmount::from_atto(10000)
        );
        assert!(t2
            .get_actor_at(
                &padma_types::address::parse_address("f1ypi542zmmgaltijzw4byonei5c267ev5iif2liy")
                    .unwrap()
            )
            .is_err());
        assert_eq!(t2.total_balance().unwrap(), TokenAmount::from_atto(12000));
        let mut ids = Vec::new();
        t2.for_each(|id, _| {
            ids.push(id);
            Ok(())
        })
        .unwrap();
        ids.sort();
        assert_eq!(ids, vec![0, 1, 99, 100, 1000]);
        // The root decodes as [5, actors, EMPTY_ARR_CID].
        let sr: StateRoot = get_cbor(&bs, &root).unwrap();
        assert_eq!(sr.info, empty_array_cid());
    }

    #[test]
    fn roots_are_canonical_after_deletes() {
        let bs = MemoryBlockstore::new();
        let mut full = StateTree::new(&bs);
        for id in 0..300u64 {
            full.set_actor(id, account(id)).unwrap();
        }
        for id in (0..300u64).filter(|i| i % 3 != 0) {
            assert!(full.delete_actor(id).unwrap().is_some());
        }
        let mut fresh = StateTree::new(&bs);
        for id in (0..300u64).filter(|i| i % 3 == 0) {
            fresh.set_actor(id, account(id)).unwrap();
        }
        assert_eq!(full.flush().unwrap(), fresh.flush().unwrap());
    }

    #[test]
    fn works_on_the_parity_db_store() {
        let dir = tempfile::tempdir().unwrap();
        let root = {
            let store = padma_store::Store::open(dir.path()).unwrap();
            let mut t = StateTree::new(&store);
            t.set_actor(100, account(7)).unwrap();
            t.flush().unwrap()
        };
        let store = padma_store::Store::open(dir.path()).unwrap();
        let t = StateTree::load(&store, &root).unwrap();
        assert_eq!(
            t.get_actor(100).unwrap().unwrap().balance,
            TokenAmount::from_atto(7)
        );
        assert!(StateTree::load(&store, &empty_array_cid()).is_err());
    }
}
