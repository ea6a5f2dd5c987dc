//! Chain methods on the genesis, the head, block headers and raw IPLD objects.

use padma_rpc::rpc_methods;
use padma_types::json::block::{BlockHeaderJson, TipSetJson};
use padma_types::json::{bytes_b64, BytesJson, CidJson};
use serde::{Deserialize, Serialize};

/// An IPLD block as `ChainPutObj` takes it: its bytes (`RawData`, or `Data`) and,
/// optionally, its CID (`Cid`, or `CID`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BlockJson {
    /// The block's bytes (DAG-CBOR).
    #[serde(rename = "RawData", alias = "Data", with = "bytes_b64", default)]
    pub data: Vec<u8>,
    /// The CID the block is expected to have.
    #[serde(rename = "Cid", alias = "CID", default)]
    pub cid: Option<CidJson>,
}

rpc_methods! {
    /// The chain methods, in table order.
    pub fn chain_methods;
    /// The genesis tipset.
    ChainGetGenesis = "Filecoin.ChainGetGenesis", Read, call () -> TipSetJson;
    /// The heaviest tipset.
    ChainHead = "Filecoin.ChainHead", Read, call () -> TipSetJson;
    /// A block header by CID.
    ChainGetBlock = "Filecoin.ChainGetBlock", Read, call (bcid: CidJson) -> BlockHeaderJson;
    /// The raw bytes of an IPLD block.
    ChainReadObj = "Filecoin.ChainReadObj", Read, call (obj: CidJson) -> BytesJson;
    /// Whether the blockstore holds a block.
    ChainHasObj = "Filecoin.ChainHasObj", Read, call (obj: CidJson) -> bool;
    /// Stores a DAG-CBOR block (its CID, when given, must match the bytes).
    ChainPutObj = "Filecoin.ChainPutObj", Admin, call (block: BlockJson) -> (), versions = V1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_shape_and_aliases() {
        let cid = padma_types::cid::cbor_cid(&[0x80]);
        let b = BlockJson {
            data: vec![0x80],
            cid: Some(CidJson(cid)),
        };
        let text = serde_json::to_string(&b).expect("encodes");
        assert_eq!(
            text,
            format!(r#"{{"RawData":"gA==","Cid":{{"/":"{cid}"}}}}"#)
        );
        assert_eq!(
            serde_json::from_str::<BlockJson>(&text).expect("decodes"),
            b
        );
        let other: BlockJson =
            serde_json::from_str(&format!(r#"{{"Data":"gA==","CID":{{"/":"{cid}"}}}}"#))
                .expect("decodes the other field names");
        assert_eq!(other, b);
        let bare: BlockJson = serde_json::from_str("{}").expect("both fields are optional");
        assert_eq!(bare, BlockJson::default());
        assert_eq!(
            serde_json::to_string(&bare).expect("encodes"),
            r#"{"RawData":null,"Cid":null}"#
        );
    }
}
