//! The full node as the miner sees it: found like Lotus's miner finds it
//! (`FULLNODE_API_INFO`, else the node repo's `api` and `token` files), with typed
//! calls over its JSON-RPC API (padma-api's definitions).

use anyhow::{anyhow, Context, Result};
use padma_rpc::client::{ApiInfo, RpcClient};
use padma_rpc::RpcMethod;
use std::path::Path;

/// A connection to the full node's v1 API.
#[derive(Clone)]
pub struct FullNode {
    /// Where the node is.
    pub info: ApiInfo,
    client: RpcClient,
}

impl FullNode {
    /// The node named by `FULLNODE_API_INFO`, else by the files of `node_repo`.
    pub fn discover(node_repo: &Path) -> Result<FullNode> {
        if let Ok(v) = std::env::var("FULLNODE_API_INFO") {
            if !v.trim().is_empty() {
                let info = ApiInfo::parse(&v).map_err(|e| anyhow!("FULLNODE_API_INFO: {e}"))?;
                return Ok(FullNode::new(info));
            }
        }
        let (api, token) = padma_repo::api_files::read_api_files(node_repo).with_context(|| {
            format!(
                "cannot find the full node: set FULLNODE_API_INFO or start `padma daemon` (repo {})",
                node_repo.display()
            )
        })?;
        let info = ApiInfo::parse(&api)
            .map_err(|e| anyhow!("{}: {e}", node_repo.join("api").display()))?;
        Ok(FullNode::new(ApiInfo { token, ..info }))
    }

    /// A node at `info`.
    pub fn new(info: ApiInfo) -> FullNode {
        FullNode {
            client: RpcClient::new(&info, "v1"),
            info,
        }
    }

    /// The v1 client.
    pub fn client(&self) -> &RpcClient {
        &self.client
    }

    /// Calls the typed method `M`; an error names the method (`ChainHead: …`).
    pub async fn request<M: RpcMethod>(&self, params: M::Params) -> Result<M::Ok> {
        self.client
            .request::<M>(params)
            .await
            .map_err(|e| anyhow!("{}: {e}", method_name::<M>()))
    }
}

/// `M`'s name as errors show it: without the `Filecoin.` namespace.
pub fn method_name<M: RpcMethod>() -> &'static str {
    M::NAME.strip_prefix("Filecoin.").unwrap_or(M::NAME)
}
