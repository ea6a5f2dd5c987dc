//! [`RpcMiningNode`]: padma-chain's [`MiningNode`] over a full node's JSON-RPC API
//! (`ChainHead`, `MinerGetBaseInfo`, `WalletSign`, `MpoolSelect`, `MinerCreateBlock`,
//! `SyncSubmitBlock`, `SyncCheckBad`; the timing from `ChainGetGenesis` and
//! `StateNetworkName`): the miner's client of the full node's mining API, through
//! which `padma-miner` runs padma-chain's mining loop against the node.

use anyhow::{anyhow, Context, Result};
use cid::Cid;
use fvm_shared::address::Address;
use fvm_shared::crypto::signature::{Signature, SignatureType};
use padma_api::chain::{ChainGetGenesis, ChainHead};
use padma_api::mining::{BlockMsgJson, MinerCreateBlock, MinerGetBaseInfo};
use padma_api::mpool::MpoolSelect;
use padma_api::state::StateNetworkName;
use padma_api::sync::{SyncCheckBad, SyncSubmitBlock};
use padma_api::wallet::WalletSign;
use padma_chain::base_info::MinerBaseInfo;
use padma_chain::miner::MiningNode;
use padma_chain::mining_json::{base_info_from_json, block_msg_json, template_json};
use padma_chain::network::NetworkParams;
use padma_chain::produce::BlockTemplate;
use padma_chain::validate::FullBlock;
use padma_rpc::client::RpcClient;
use padma_rpc::RpcMethod;
use padma_types::block::{BlockHeader, TipSet};
use padma_types::json::block::{TipSetJson, TipSetKeyJson};
use padma_types::json::{AddressJson, BytesJson, CidJson};
use padma_types::message::message_cid;
use padma_types::SignedMessage;
use std::collections::HashMap;
use tokio::sync::OnceCell;

/// A [`MiningNode`] that reaches the full node over JSON-RPC. The token needs `sign`
/// permission (for `WalletSign`); the worker key must be in the node's wallet.
pub struct RpcMiningNode {
    client: RpcClient,
    timing: OnceCell<(u64, u64)>,
}

impl RpcMiningNode {
    /// A mining node over `client` (an `/rpc/v1` client).
    pub fn new(client: RpcClient) -> Self {
        RpcMiningNode {
            client,
            timing: OnceCell::new(),
        }
    }

    async fn request<M: RpcMethod>(&self, params: M::Params) -> Result<M::Ok> {
        self.client
            .request::<M>(params)
            .await
            .map_err(|e| anyhow!("{}: {e}", crate::fullnode::method_name::<M>()))
    }
}

fn tipset(t: TipSetJson) -> Result<TipSet> {
    TipSet::try_from(t).map_err(|e| anyhow!("bad tipset from the node: {e}"))
}

/// The full block a `BlockMsg` describes, its messages taken from the template
/// they were created from.
fn full_block(b: BlockMsgJson, messages: &[SignedMessage]) -> Result<FullBlock> {
    let mut by_cid: HashMap<Cid, &SignedMessage> = HashMap::new();
    for m in messages {
        let c = if m.signature.sig_type == SignatureType::BLS {
            message_cid(&m.message)
        } else {
            m.cid()
        };
        by_cid.insert(c, m);
    }
    let get = |c: &Cid| {
        by_cid
            .get(c)
            .copied()
            .ok_or_else(|| anyhow!("the node's block has message {c}, which was not asked for"))
    };
    let bls_messages = b
        .bls_messages
        .iter()
        .map(|c| get(&c.0).map(|m| m.message.clone()))
        .collect::<Result<_>>()?;
    let secp_messages = b
        .secpk_messages
        .iter()
        .map(|c| get(&c.0).cloned())
        .collect::<Result<_>>()?;
    Ok(FullBlock {
        header: BlockHeader::try_from(b.header)
            .map_err(|e| anyhow!("bad block header from the node: {e}"))?,
        bls_messages,
        secp_messages,
    })
}

impl MiningNode for RpcMiningNode {
    async fn head(&self) -> Result<TipSet> {
        tipset(self.request::<ChainHead>(()).await?)
    }

    async fn base_info(
        &self,
        miner: &Address,
        round: i64,
        base: &TipSet,
    ) -> Result<Option<MinerBaseInfo>> {
        let info = self
            .request::<MinerGetBaseInfo>((
                AddressJson(*miner),
                round,
                TipSetKeyJson(base.key().clone()),
            ))
            .await?;
        info.map(base_info_from_json).transpose()
    }

    async fn sign(&self, key: &Address, data: &[u8]) -> Result<Signature> {
        let sig = self
            .request::<WalletSign>((AddressJson(*key), BytesJson(data.to_vec())))
            .await?;
        Signature::try_from(sig).map_err(|e| anyhow!("WalletSign: {e}"))
    }

    async fn select_messages(&self, base: &TipSet) -> Result<Vec<SignedMessage>> {
        let msgs = self
            .request::<MpoolSelect>((TipSetKeyJson(base.key().clone()), 1.0))
            .await?;
        msgs.into_iter()
            .map(|m| SignedMessage::try_from(m).map_err(|e| anyhow!("MpoolSelect: {e}")))
            .collect()
    }

    async fn create_block(&self, t: BlockTemplate) -> Result<FullBlock> {
        let b = self
            .request::<MinerCreateBlock>((template_json(&t),))
            .await?;
        full_block(b, &t.messages)
    }

    async fn submit_block(&self, b: FullBlock) -> Result<()> {
        self.request::<SyncSubmitBlock>((block_msg_json(&b),)).await
    }

    async fn bad_block(&self, cid: &Cid) -> Result<Option<String>> {
        let reason = self.request::<SyncCheckBad>((CidJson(*cid),)).await?;
        Ok((!reason.is_empty()).then_some(reason))
    }

    async fn timing(&self) -> Result<(u64, u64)> {
        let t = self
            .timing
            .get_or_try_init(|| async {
                let genesis = tipset(self.request::<ChainGetGenesis>(()).await?)?;
                let name = self.request::<StateNetworkName>(()).await?;
                let params = NetworkParams::parse(&name)
                    .with_context(|| format!("the node's network name '{name}'"))?;
                Ok::<_, anyhow::Error>((genesis.min_timestamp(), params.block_delay_ms))
            })
            .await?;
        Ok(*t)
    }
}
