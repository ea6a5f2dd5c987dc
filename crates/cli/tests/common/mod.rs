//! What only the CLI's integration tests share: a genesis template in Lotus's JSON.
//! The process harness (daemons, devnets, JSON-RPC) is in `padma-testkit`.

use serde_json::{json, Value};
use std::path::Path;

/// The owner (and worker) key of the genesis miner in [`write_lotus_template`] (BLS).
pub fn template_owner_key() -> padma_types::crypto::KeyInfo {
    let mut sk = [7u8; 32];
    sk[31] &= 0x3f;
    padma_types::crypto::KeyInfo::new(padma_types::crypto::KeyType::Bls, sk.to_vec()).unwrap()
}

/// Writes a genesis template in Lotus's JSON, as `lotus-seed genesis` would: one 2KiB
/// miner (t01000) with two fake pre-sealed sectors owned by [`template_owner_key`],
/// which is also a funded account. Returns the owner's address.
pub fn write_lotus_template(path: &Path, network_name: &str, timestamp: u64) -> String {
    use fvm_shared::commcid::{data_commitment_v1_to_cid, replica_commitment_v1_to_cid};
    let key = template_owner_key();
    padma_types::address::set_network(padma_types::Network::Testnet);
    let owner = key.address().unwrap().to_string();
    let key_json = serde_json::to_value(padma_types::json::KeyInfoJson::from(&key)).unwrap();
    let sectors: Vec<Value> = (0..2u8)
        .map(|i| {
            let comm_d = data_commitment_v1_to_cid(&[i + 1; 32]).unwrap().to_string();
            let comm_r = replica_commitment_v1_to_cid(&[i + 9; 32])
                .unwrap()
                .to_string();
            json!({
                "CommR": {"/": comm_r}, "CommD": {"/": comm_d}, "SectorID": i,
                "Deal": {
                    "PieceCID": {"/": comm_d}, "PieceSize": 2048, "VerifiedDeal": false,
                    "Client": owner, "Provider": "t01000", "Label": i.to_string(),
                    "StartEpoch": 0, "EndEpoch": 9001, "StoragePricePerEpoch": "0",
                    "ProviderCollateral": "0", "ClientCollateral": "0"
                },
                "DealClientKey": key_json, "ProofType": 5
            })
        })
        .collect();
    let signer = "t1ceb34gnsc6qk5dt6n7xg6ycwzasjhbxm3iylkiy";
    let msig = json!({"Type": "multisig", "Balance": "0",
        "Meta": {"Signers": [signer], "Threshold": 1, "VestingDuration": 0, "VestingStart": 0}});
    let t = json!({
        "NetworkVersion": 28,
        "Accounts": [{"Type": "account", "Balance": "50000000000000000000000000", "Meta": {"Owner": owner}}],
        "Miners": [{
            "ID": "t01000", "Owner": owner, "Worker": owner,
            "PeerId": "12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf",
            "MarketBalance": "0", "PowerBalance": "0", "SectorSize": 2048, "Sectors": sectors
        }],
        "NetworkName": network_name,
        "Timestamp": timestamp,
        "VerifregRootKey": msig,
        "RemainderAccount": msig,
    });
    std::fs::write(path, serde_json::to_string_pretty(&t).unwrap()).unwrap();
    owner
}
