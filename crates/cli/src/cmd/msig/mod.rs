//! `padma msig`: multisig wallets, as `lotus msig`. Each command has the node build
//! the message (`Msig*`, v1), pushes it with the node's wallet (`MpoolPushMessage`),
//! waits for it with `--confidence` and reports what the actor returned.

use crate::node::Target;
use crate::util::tipset_key;
use anyhow::{bail, Result};
use fil_actor_multisig_state::v18 as msig;
use padma_api::msig::*;
use padma_types::fil::format_fil;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{BytesJson, TokenAmountJson};

mod args;
mod inspect;
mod publish;

pub use args::MsigCmd;
use publish::{addr, decode, fil, publish, report_approve, report_propose, sender, txn_details};

/// Runs `padma msig`.
pub async fn run(cmd: MsigCmd, target: &Target) -> Result<()> {
    let c = target.client()?;
    let zero = || TokenAmountJson::default();
    match cmd {
        MsigCmd::Create {
            signers,
            required,
            value,
            duration,
            opts,
        } => {
            let signers = signers
                .iter()
                .map(|s| addr("signer address", s))
                .collect::<Result<Vec<_>>>()?;
            let value = fil("value", &value)?;
            let from = sender(&c, &opts).await?;
            let proto = c
                .request::<MsigCreate>((required, signers, duration, value, from, zero()))
                .await?;
            let lookup = publish(&c, proto, "create", opts.confidence).await?;
            let r: fil_actor_init_state::v18::ExecReturn =
                decode("create", &lookup.receipt.return_data.0)?;
            println!(
                "Created new multisig:  {} {}",
                r.id_address, r.robust_address
            );
        }
        MsigCmd::Inspect {
            address,
            vesting,
            tipset,
        } => inspect::inspect(&c, addr("multisig address", &address)?, vesting, tipset).await?,
        MsigCmd::Propose {
            multisig,
            destination,
            value,
            method,
            params,
            opts,
        } => {
            if method.is_none() && params.is_some() {
                bail!("must either pass both or neither of method and params");
            }
            let m = addr("multisig address", &multisig)?;
            let t = txn_details(&destination, &value, method, params.as_deref())?;
            let from = sender(&c, &opts).await?;
            let proto = c
                .request::<MsigPropose>((m, t.to, t.value, from, t.method, t.params))
                .await?;
            report_propose(&publish(&c, proto, "proposal", opts.confidence).await?)?;
        }
        MsigCmd::Approve {
            multisig,
            txn_id,
            proposer,
            destination,
            value,
            method,
            params,
            opts,
        } => {
            let m = addr("multisig address", &multisig)?;
            let from = sender(&c, &opts).await?;
            let proto = match (proposer, destination, value) {
                (None, None, None) => c.request::<MsigApprove>((m, txn_id, from)).await?,
                (Some(p), Some(d), Some(v)) => {
                    let p = addr("proposer address", &p)?;
                    let t = txn_details(&d, &v, method, params.as_deref())?;
                    c.request::<MsigApproveTxnHash>((
                        m, txn_id, p, t.to, t.value, from, t.method, t.params,
                    ))
                    .await?
                }
                _ => bail!("usage: msig approve <multisig> <txn-id> [<proposer> <destination> <value> [<method> <params>]]"),
            };
            report_approve(&publish(&c, proto, "approval", opts.confidence).await?)?;
        }
        MsigCmd::Cancel {
            multisig,
            txn_id,
            destination,
            value,
            method,
            params,
            opts,
        } => {
            let m = addr("multisig address", &multisig)?;
            let from = sender(&c, &opts).await?;
            let proto = match (destination, value) {
                (None, None) => c.request::<MsigCancel>((m, txn_id, from)).await?,
                (Some(d), Some(v)) => {
                    let t = txn_details(&d, &v, method, params.as_deref())?;
                    c.request::<MsigCancelTxnHash>((
                        m, txn_id, t.to, t.value, from, t.method, t.params,
                    ))
                    .await?
                }
                _ => bail!("usage: msig cancel <multisig> <txn-id> [<destination> <value> [<method> <params>]]"),
            };
            publish(&c, proto, "cancel", opts.confidence).await?;
        }
        MsigCmd::AddPropose {
            multisig,
            signer,
            increase_threshold,
            opts,
        } => {
            let m = addr("multisig address", &multisig)?;
            let s = addr("signer address", &signer)?;
            let from = sender(&c, &opts).await?;
            let proto = c
                .request::<MsigAddPropose>((m, from, s, increase_threshold))
                .await?;
            report_propose(&publish(&c, proto, "add proposal", opts.confidence).await?)?;
        }
        MsigCmd::AddApprove {
            multisig,
            proposer,
            txn_id,
            signer,
            increase_threshold,
            opts,
        } => {
            let m = addr("multisig address", &multisig)?;
            let p = addr("proposer address", &proposer)?;
            let s = addr("signer address", &signer)?;
            let from = sender(&c, &opts).await?;
            let proto = c
                .request::<MsigAddApprove>((m, from, txn_id, p, s, increase_threshold))
                .await?;
            report_approve(&publish(&c, proto, "add approval", opts.confidence).await?)?;
        }
        MsigCmd::AddCancel {
            multisig,
            txn_id,
            signer,
            increase_threshold,
            opts,
        } => {
            let m = addr("multisig address", &multisig)?;
            let s = addr("signer address", &signer)?;
            let from = sender(&c, &opts).await?;
            let proto = c
                .request::<MsigAddCancel>((m, from, txn_id, s, increase_threshold))
                .await?;
            publish(&c, proto, "add cancel", opts.confidence).await?;
        }
        MsigCmd::SwapPropose {
            multisig,
            old,
            new,
            opts,
        } => {
            let m = addr("multisig address", &multisig)?;
            let (o, n) = (addr("old address", &old)?, addr("new address", &new)?);
            let from = sender(&c, &opts).await?;
            let proto = c.request::<MsigSwapPropose>((m, from, o, n)).await?;
            report_propose(&publish(&c, proto, "swap proposal", opts.confidence).await?)?;
        }
        MsigCmd::SwapApprove {
            multisig,
            proposer,
            txn_id,
            old,
            new,
            opts,
        } => {
            let m = addr("multisig address", &multisig)?;
            let p = addr("proposer address", &proposer)?;
            let (o, n) = (addr("old address", &old)?, addr("new address", &new)?);
            let from = sender(&c, &opts).await?;
            let proto = c
                .request::<MsigSwapApprove>((m, from, txn_id, p, o, n))
                .await?;
            report_approve(&publish(&c, proto, "swap approval", opts.confidence).await?)?;
        }
        MsigCmd::SwapCancel {
            multisig,
            txn_id,
            old,
            new,
            opts,
        } => {
            let m = addr("multisig address", &multisig)?;
            let (o, n) = (addr("old address", &old)?, addr("new address", &new)?);
            let from = sender(&c, &opts).await?;
            let proto = c.request::<MsigSwapCancel>((m, from, txn_id, o, n)).await?;
            publish(&c, proto, "swap cancel", opts.confidence).await?;
        }
        MsigCmd::ProposeRemove {
            multisig,
            signer,
            decrease_threshold,
            opts,
        } => {
            let m = addr("multisig address", &multisig)?;
            let s = addr("signer address", &signer)?;
            let from = sender(&c, &opts).await?;
            let proto = c
                .request::<MsigRemoveSigner>((m, from, s, decrease_threshold))
                .await?;
            report_propose(&publish(&c, proto, "remove proposal", opts.confidence).await?)?;
        }
        MsigCmd::ProposeThreshold {
            multisig,
            threshold,
            opts,
        } => {
            let m = addr("multisig address", &multisig)?;
            let from = sender(&c, &opts).await?;
            let params = msig::ChangeNumApprovalsThresholdParams {
                new_threshold: threshold,
            };
            let params = BytesJson(fvm_ipld_encoding::to_vec(&params)?);
            let method = msig::Method::ChangeNumApprovalsThreshold as u64;
            let proto = c
                .request::<MsigPropose>((m, m, zero(), from, method, params))
                .await?;
            report_propose(
                &publish(&c, proto, "change threshold proposal", opts.confidence).await?,
            )?;
        }
        MsigCmd::Vested {
            multisig,
            start_epoch,
            end_epoch,
        } => {
            let m = addr("multisig address", &multisig)?;
            let start = tipset_key(&c, Some(&format!("@{start_epoch}"))).await?;
            let end = match end_epoch {
                Some(e) => tipset_key(&c, Some(&format!("@{e}"))).await?,
                None => TipSetKeyJson::default(),
            };
            let v = c.request::<MsigGetVested>((m, start, end)).await?;
            println!("Vested: {} FIL", format_fil(&v.0.atto().to_string()));
        }
    }
    Ok(())
}
