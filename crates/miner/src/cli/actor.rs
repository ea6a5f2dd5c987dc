//! `padma-miner actor control list|withdraw|set-peer-id`.

use super::{full_node, miner_address, Targets};
use crate::messages::{message, push_and_wait};
use anyhow::{anyhow, Context, Result};
use clap::Subcommand;
use fvm_ipld_encoding::RawBytes;
use fvm_shared::econ::TokenAmount;
use padma_api::miner_state::{StateMinerAvailableBalance, StateMinerInfo};
use padma_api::state::StateAccountKey;
use padma_api::wallet::WalletBalance;
use padma_state::actors::method;
use padma_types::fil::format_fil;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::AddressJson;

/// Actor commands.
#[derive(Subcommand)]
pub enum ActorCmd {
    /// Control addresses.
    #[command(subcommand)]
    Control(ControlCmd),
    /// Withdraw available balance to the owner (all of it without AMOUNT, in FIL).
    Withdraw {
        /// Amount in FIL.
        amount: Option<String>,
        /// Epochs to wait after the message lands.
        #[arg(long, default_value_t = 5)]
        confidence: u64,
    },
    /// Set the miner's libp2p peer ID on chain.
    SetPeerId {
        /// The peer ID (base58, `12D3KooW…`).
        peer_id: String,
        /// Epochs to wait after the message lands.
        #[arg(long, default_value_t = 5)]
        confidence: u64,
    },
}

/// `actor control` commands.
#[derive(Subcommand)]
pub enum ControlCmd {
    /// The owner, worker and control addresses with their keys and balances.
    List,
}

/// Parses a non-negative FIL amount as Lotus's `types.ParseFIL` does (`1.5`, `2 FIL`,
/// `7 attoFIL`).
pub fn parse_fil(s: &str) -> Result<TokenAmount> {
    let atto = padma_types::fil::parse_fil(s).map_err(|e| anyhow!("bad FIL amount '{s}': {e}"))?;
    if atto.starts_with('-') {
        return Err(anyhow!("bad FIL amount '{s}': negative"));
    }
    let n: fvm_shared::bigint::BigInt = atto.parse().context("bad FIL amount")?;
    Ok(TokenAmount::from_atto(n))
}

/// Runs an actor command.
pub async fn run(cmd: ActorCmd, t: &Targets) -> Result<()> {
    let node = full_node(t)?;
    let maddr = miner_address(t).await?;
    let info = node
        .request::<StateMinerInfo>((AddressJson(maddr), TipSetKeyJson::default()))
        .await?;
    match cmd {
        ActorCmd::Control(ControlCmd::List) => {
            let mut rows = vec![
                ("owner".to_string(), info.owner),
                ("worker".to_string(), info.worker),
            ];
            for (i, c) in info.control_addresses.into_iter().flatten().enumerate() {
                rows.push((format!("control-{i}"), c));
            }
            println!("{:<10} {:<8} {:<88} balance", "name", "ID", "key");
            for (name, a) in rows {
                let key = node
                    .request::<StateAccountKey>((a, TipSetKeyJson::default()))
                    .await
                    .map_or_else(|_| "?".to_string(), |k| k.0.to_string());
                let bal = node
                    .request::<WalletBalance>((a,))
                    .await
                    .map_or_else(|_| "0".to_string(), |b| b.0.atto().to_string());
                println!(
                    "{name:<10} {:<8} {:<88} {}",
                    a.0.to_string(),
                    key,
                    format_fil(&bal)
                );
            }
        }
        ActorCmd::Withdraw { amount, confidence } => {
            let available = node
                .request::<StateMinerAvailableBalance>((
                    AddressJson(maddr),
                    TipSetKeyJson::default(),
                ))
                .await?
                .0
                .atto()
                .clone();
            let amount = match amount {
                Some(a) => parse_fil(&a)?,
                None => TokenAmount::from_atto(available.clone()),
            };
            if amount.atto() > &available {
                return Err(anyhow!(
                    "can't withdraw more funds than available; requested: {}, available: {}",
                    format_fil(&amount.atto().to_string()),
                    format_fil(&available.to_string())
                ));
            }
            let params = RawBytes::serialize(fil_actor_miner_state::v18::WithdrawBalanceParams {
                amount_requested: amount.clone(),
            })?;
            let msg = message(
                info.owner.0,
                maddr,
                method::miner::WITHDRAW_BALANCE,
                TokenAmount::from_atto(0),
                params,
            );
            push_and_wait(&node, &msg, confidence, "WithdrawBalance").await?;
            println!("Withdrew {}", format_fil(&amount.atto().to_string()));
        }
        ActorCmd::SetPeerId {
            peer_id,
            confidence,
        } => {
            let bytes = padma_types::peer_id::parse_peer_id(&peer_id).map_err(|e| anyhow!(e))?;
            let params = RawBytes::serialize(fil_actor_miner_state::v18::ChangePeerIDParams {
                new_id: bytes,
            })?;
            let msg = message(
                info.worker.0,
                maddr,
                method::miner::CHANGE_PEER_ID,
                TokenAmount::from_atto(0),
                params,
            );
            push_and_wait(&node, &msg, confidence, "ChangePeerID").await?;
            println!("peer ID of {maddr} set to {}", peer_id.trim());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fil_amounts() {
        assert_eq!(
            parse_fil("1.5").unwrap().atto().to_string(),
            "1500000000000000000"
        );
        assert_eq!(
            parse_fil("2 FIL").unwrap().atto().to_string(),
            "2000000000000000000"
        );
        assert_eq!(parse_fil("0").unwrap().atto().to_string(), "0");
        assert_eq!(parse_fil("7 attoFIL").unwrap().atto().to_string(), "7");
        for bad in ["", "x", "1.2.3", "-1", "0.0000000000000000001"] {
            assert!(parse_fil(bad).is_err(), "{bad}");
        }
    }
}
