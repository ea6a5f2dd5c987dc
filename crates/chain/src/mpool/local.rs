//! Durable copies of the messages pushed to this node (Lotus keeps them under
//! `/mpool/local`): one file per message, named by its CID and holding its DAG-CBOR
//! bytes, written to a temporary name, synced and renamed, so a push is on disk
//! before its CID is returned and a crash never leaves a half-written entry. A file
//! per message makes a push and a removal one small write each, whatever the
//! number of pending messages. At start the pool adds them back
//! ([`MessagePool::restore_local`]).
//!
//! (The node's ParityDB datastore is not used: its commits return before they reach
//! its log, so a message could still be lost by a kill right after its push.)

use super::{MessagePool, MpoolError, MpoolState};
use crate::bounded::BoundedMap;
use anyhow::{Context, Result};
use cid::Cid;
use padma_types::message::decode_signed_message;
use padma_types::SignedMessage;
use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

const EXT: &str = "msg";
const TMP_EXT: &str = "tmp";
/// Included local messages remembered, so that a reorg reverting them keeps them local.
const INCLUDED: usize = 4096;

/// The directory of local messages and the CIDs it holds.
pub struct LocalStore {
    dir: PathBuf,
    held: HashSet<Cid>,
    included: BoundedMap<Cid, ()>,
}

impl LocalStore {
    /// Opens (creating it if needed) the directory `dir` and reads its messages;
    /// unreadable entries and leftovers of interrupted writes are removed, with a log line.
    pub fn open(dir: &Path) -> Result<(LocalStore, Vec<SignedMessage>)> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut store = LocalStore {
            dir: dir.to_path_buf(),
            held: HashSet::new(),
            included: BoundedMap::new(INCLUDED),
        };
        let mut msgs = Vec::new();
        let entries =
            std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            match read_entry(&path) {
                Ok(Some(m)) => {
                    store.held.insert(m.cid());
                    msgs.push(m);
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(file = %path.display(), "dropping an unreadable local message: {e:#}");
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        Ok((store, msgs))
    }

    /// Writes `m` durably (file and directory synced) before returning.
    pub fn save(&mut self, m: &SignedMessage) -> Result<()> {
        let cid = m.cid();
        if self.held.contains(&cid) {
            return Ok(());
        }
        let tmp = self.dir.join(format!("{cid}.{TMP_EXT}"));
        let path = self.path(&cid);
        let write = || -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            f.write_all(&m.cbor())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            File::open(&self.dir)?.sync_all()
        };
        write().with_context(|| format!("saving local message {cid}"))?;
        self.held.insert(cid);
        Ok(())
    }

    /// Forgets message `cid` (nothing happens when it is not held). A removal that
    /// does not reach the disk only brings the message back at the next start, where
    /// it is dropped again once found stale.
    pub fn remove(&mut self, cid: &Cid) {
        if self.held.remove(cid) {
            if let Err(e) = std::fs::remove_file(self.path(cid)) {
                tracing::warn!(%cid, "removing a local message: {e}");
            }
        }
    }

    /// Notes that message `cid`, if held, is leaving the pool because it was included.
    pub fn mark_included(&mut self, cid: &Cid) {
        if self.held.contains(cid) {
            self.included.insert(*cid, ());
        }
    }

    /// Whether message `cid` was a local message until it was included.
    pub fn was_included(&self, cid: &Cid) -> bool {
        self.included.get(cid).is_some()
    }

    /// Whether message `cid` is held.
    pub fn holds(&self, cid: &Cid) -> bool {
        self.held.contains(cid)
    }

    fn path(&self, cid: &Cid) -> PathBuf {
        self.dir.join(format!("{cid}.{EXT}"))
    }
}

impl<S: MpoolState> MessagePool<S> {
    /// Keeps the messages pushed to this node in `dir` from now on, and adds back
    /// those saved there (Lotus re-adds its local messages at start); one that is no
    /// longer valid is dropped, with a log line. Returns how many came back.
    pub fn restore_local(&self, dir: &Path) -> Result<usize> {
        let (store, mut saved) = LocalStore::open(dir)?;
        self.lock().local = Some(store);
        // In nonce order per sender; a replacement after the message it replaced.
        saved.sort_by(|a, b| {
            let key = |m: &SignedMessage| {
                (
                    m.message.from.to_bytes(),
                    m.message.sequence,
                    m.message.gas_premium.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        let mut restored = 0;
        for m in saved {
            let cid = m.cid();
            match self.add(m, true, false) {
                Ok(_) => restored += 1,
                Err(MpoolError::Duplicate { .. }) => {}
                Err(e @ MpoolError::State(_)) => {
                    tracing::warn!(%cid, "a saved local message cannot be checked now, kept for the next start: {e}");
                }
                Err(e) => {
                    tracing::warn!(%cid, "dropping a saved local message: {e}");
                    if let Some(store) = self.lock().local.as_mut() {
                        store.remove(&cid);
                    }
                }
            }
        }
        tracing::info!(restored, dir = %dir.display(), "local messages restored to the message pool");
        Ok(restored)
    }

    /// The pending messages that were pushed to this node and are kept on disk: what a
    /// network layer republishes periodically, as Lotus does with its local messages.
    pub fn local_messages(&self) -> Vec<SignedMessage> {
        let inner = self.lock();
        let Some(store) = inner.local.as_ref() else {
            return Vec::new();
        };
        inner
            .senders
            .values()
            .flat_map(|s| s.msgs.values())
            .filter(|m| store.holds(&m.cid()))
            .cloned()
            .collect()
    }
}

/// The message in `path`: `None` for files that are not entries (leftover temporary
/// files are deleted), an error for an entry that does not decode or is misnamed.
fn read_entry(path: &Path) -> Result<Option<SignedMessage>> {
    let ext = path.extension().and_then(|e| e.to_str());
    if ext == Some(TMP_EXT) {
        std::fs::remove_file(path)?;
        return Ok(None);
    }
    if ext != Some(EXT) {
        return Ok(None);
    }
    let bytes = std::fs::read(path)?;
    let m = decode_signed_message(&bytes).map_err(anyhow::Error::msg)?;
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if name != m.cid().to_string() {
        anyhow::bail!("its name is not the CID {} of its content", m.cid());
    }
    Ok(Some(m))
}
