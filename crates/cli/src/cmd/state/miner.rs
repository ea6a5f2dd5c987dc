//! `padma state miner-info` and `padma state power`.

use crate::multiaddr::multiaddr_text;
use crate::util::epoch_time;
use anyhow::{anyhow, bail, Result};
use padma_api::common::Version;
use padma_api::miner_state::{
    StateMinerAvailableBalance, StateMinerInfo, StateMinerPower, StateMinerProvingDeadline,
};
use padma_api::state::{StateGetActor, StateReadState};
use padma_chain::network::MAINNET_BLOCK_DELAY_SECS;
use padma_rpc::client::RpcClient;
use padma_state::actors::ids;
use padma_state::ActorKind;
use padma_types::fil::{deci_str, format_fil, size_str};
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, TokenAmountJson};
use padma_types::Address;
use serde_json::Value;

/// An amount as its decimal attoFIL text.
pub(super) fn atto(t: &TokenAmountJson) -> String {
    t.0.atto().to_string()
}

/// `num * 100 / den` as Go's `%0.4f`.
fn percent(num: &str, den: &str) -> String {
    let n: f64 = num.parse().unwrap_or(0.0);
    let d: f64 = den.parse().unwrap_or(0.0);
    let p = if d == 0.0 { 0.0 } else { n * 100.0 / d };
    format!("{p:.4}")
}

/// The node's seconds between epochs (mainnet's when it does not say).
async fn block_delay(c: &RpcClient) -> u64 {
    c.request::<Version>(())
        .await
        .map_or(MAINNET_BLOCK_DELAY_SECS, |v| v.block_delay)
}

/// `state miner-info`: a miner's addresses, peer, sector size, power and proving
/// period, as Lotus prints them.
pub(super) async fn miner_info(
    c: &RpcClient,
    maddr: AddressJson,
    tsk: &TipSetKeyJson,
) -> Result<()> {
    let args = || (maddr, tsk.clone());
    let mi = c.request::<StateMinerInfo>(args()).await?;
    let avail = c
        .request::<StateMinerAvailableBalance>(args())
        .await
        .map_err(|e| anyhow!("getting miner available balance: {e}"))?;
    println!("Available Balance: {}", format_fil(&atto(&avail)));
    println!("Owner:\t{}", mi.owner.0);
    println!("Worker:\t{}", mi.worker.0);
    for (i, a) in mi.control_addresses.iter().flatten().enumerate() {
        println!("Control {i}: \t{}", a.0);
    }
    println!("Beneficiary:\t{}", mi.beneficiary.0);
    if mi.beneficiary != mi.owner {
        let term = &mi.beneficiary_term;
        println!("Beneficiary Quota:\t{}", atto(&term.quota));
        println!("Beneficiary Used Quota:\t{}", atto(&term.used_quota));
        println!("Beneficiary Expiration:\t{}", term.expiration);
    }
    if let Some(pending) = &mi.pending_beneficiary_term {
        println!("Pending Beneficiary Term:");
        println!("New Beneficiary:\t{}", pending.new_beneficiary.0);
        println!("New Quota:\t{}", atto(&pending.new_quota));
        println!("New Expiration:\t{}", pending.new_expiration);
        println!(
            "Approved By Beneficiary:\t{}",
            pending.approved_by_beneficiary
        );
        println!("Approved By Nominee:\t{}", pending.approved_by_nominee);
    }
    println!("PeerID:\t{}", mi.peer_id.as_deref().unwrap_or("<nil>"));
    let mut addrs = String::new();
    for a in mi.multiaddrs.iter().flatten() {
        let text = multiaddr_text(&a.0).map_err(|e| anyhow!("undecodable listen address: {e}"))?;
        addrs += &format!("{text} ");
    }
    println!("Multiaddrs:\t{addrs}");
    println!("Consensus Fault End:\t{}", mi.consensus_fault_elapsed);
    let ssize = mi.sector_size.to_string();
    println!("SectorSize:\t{} ({ssize})", size_str(&ssize));
    let pow = c.request::<StateMinerPower>(args()).await?;
    let (mp, tp) = (&pow.miner_power, &pow.total_power);
    let (mp_raw, tp_raw) = (mp.raw_byte_power.to_string(), tp.raw_byte_power.to_string());
    println!(
        "Byte Power:   {} / {} ({}%)",
        size_str(&mp_raw),
        size_str(&tp_raw),
        percent(&mp_raw, &tp_raw)
    );
    let (mp_qa, tp_qa) = (
        mp.quality_adj_power.to_string(),
        tp.quality_adj_power.to_string(),
    );
    println!(
        "Actual Power: {} / {} ({}%)",
        deci_str(&mp_qa),
        deci_str(&tp_qa),
        percent(&mp_qa, &tp_qa)
    );
    println!();
    let cd = c
        .request::<StateMinerProvingDeadline>(args())
        .await
        .map_err(|e| anyhow!("getting miner info: {e}"))?;
    let delay = block_delay(c).await;
    println!(
        "Proving Period Start:\t{}",
        epoch_time(cd.current_epoch, cd.period_start, delay)
    );
    Ok(())
}

/// `state power`: the network's quality-adjusted power, or a miner's share of it.
pub(super) async fn power(
    c: &RpcClient,
    miner: Option<AddressJson>,
    tsk: &TipSetKeyJson,
) -> Result<()> {
    let Some(m) = miner else {
        // The network total, from the power actor's state (Lotus asks StateMinerPower
        // with the undefined address, which the API's address type cannot carry).
        let power_actor = AddressJson(Address::new_id(ids::POWER));
        let rs = c
            .request::<StateReadState>((power_actor, tsk.clone()))
            .await?;
        let tp = rs
            .state
            .get("TotalQualityAdjPower")
            .and_then(Value::as_str)
            .unwrap_or("0");
        println!("{tp}({})", size_str(tp));
        return Ok(());
    };
    let act = c.request::<StateGetActor>((m, tsk.clone())).await?;
    if ActorKind::from_code(&act.code.0) != Some(ActorKind::StorageMiner) {
        bail!("provided address does not correspond to a miner actor");
    }
    let p = c.request::<StateMinerPower>((m, tsk.clone())).await?;
    let tp = p.total_power.quality_adj_power.to_string();
    let mp = p.miner_power.quality_adj_power.to_string();
    println!(
        "{mp}({}) / {tp}({}) ~= {}%",
        size_str(&mp),
        size_str(&tp),
        percent(&mp, &tp)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages() {
        assert_eq!(percent("4096", "4096"), "100.0000");
        assert_eq!(percent("1", "3"), "33.3333");
        assert_eq!(percent("1", "0"), "0.0000");
    }
}
