//! `padma msig inspect`: a multisig's balance, what is spendable, its vesting
//! schedule, threshold, signers and pending transactions.

use super::publish::addr;
use crate::util::tipset_key;
use anyhow::Result;
use padma_api::msig::{MsigGetAvailableBalance, MsigGetPending, MsigGetVestingSchedule};
use padma_api::state::{StateLookupID, StateReadState};
use padma_rpc::client::RpcClient;
use padma_types::fil::format_fil;
use padma_types::json::AddressJson;

/// `padma msig inspect`: balance, spendable, (vesting), threshold, signers, pending.
pub(super) async fn inspect(
    c: &RpcClient,
    m: AddressJson,
    vesting: bool,
    tipset: Option<String>,
) -> Result<()> {
    let tsk = tipset_key(c, tipset.as_deref()).await?;
    let st = c.request::<StateReadState>((m, tsk.clone())).await?;
    let available = c
        .request::<MsigGetAvailableBalance>((m, tsk.clone()))
        .await?;
    println!("Balance: {}", format_fil(&st.balance.0.atto().to_string()));
    println!("Spendable: {}", format_fil(&available.0.atto().to_string()));
    if vesting {
        let v = c
            .request::<MsigGetVestingSchedule>((m, tsk.clone()))
            .await?;
        println!(
            "InitialBalance: {}",
            format_fil(&v.initial_balance.0.atto().to_string())
        );
        println!("StartEpoch: {}", v.start_epoch);
        println!("UnlockDuration: {}", v.unlock_duration);
    }
    let state = &st.state;
    let signers: Vec<String> = state["Signers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    println!(
        "Threshold: {} / {}",
        state["NumApprovalsThreshold"],
        signers.len()
    );
    println!("Signers:");
    println!("ID\tAddress");
    for s in &signers {
        let id = match addr("signer", s) {
            Ok(a) => c
                .request::<StateLookupID>((a, tsk.clone()))
                .await
                .map(|i| i.0.to_string())
                .unwrap_or_else(|_| "<unknown>".into()),
            Err(_) => "<unknown>".into(),
        };
        println!("{id}\t{s}");
    }
    let pending = c.request::<MsigGetPending>((m, tsk)).await?;
    println!("Transactions:  {}", pending.len());
    if !pending.is_empty() {
        println!("ID\tState\tApprovals\tTo\tValue\tMethod\tParams");
        for t in pending {
            let method = if t.method == 0 {
                "Send(0)".to_string()
            } else {
                t.method.to_string()
            };
            println!(
                "{}\tpending\t{}\t{}\t{}\t{}\t{}",
                t.id,
                t.approved.len(),
                t.to.0,
                format_fil(&t.value.0.atto().to_string()),
                method,
                hex::encode(&t.params.0)
            );
        }
    }
    Ok(())
}
