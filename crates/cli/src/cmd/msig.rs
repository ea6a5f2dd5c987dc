//! `padma msig`: multisig wallets, as `lotus msig`. Each command has the node build
//! the message (`Msig*`, v1), pushes it with the node's wallet (`MpoolPushMessage`),
//! waits for it with `--confidence` and reports what the actor returned.

use crate::node::Target;
use crate::util::{atto_amount, parse_addr, tipset_key};
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use fil_actor_multisig_state::v18 as msig;
use padma_api::gas::MessageSendSpecJson;
use padma_api::mpool::MpoolPushMessage;
use padma_api::msg_search::{MsgLookupJson, StateWaitMsg};
use padma_api::msig::*;
use padma_api::state::{StateLookupID, StateReadState};
use padma_api::wallet::WalletDefaultAddress;
use padma_rpc::client::RpcClient;
use padma_types::fil::{format_fil, parse_fil};
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, BytesJson, CidJson, TokenAmountJson};

/// Options every sending command shares.
#[derive(Args, Clone)]
pub struct SendOpts {
    /// Account to send from (default: the wallet's default address).
    #[arg(long)]
    from: Option<String>,
    /// Epochs to wait on top of the message's tipset before reporting.
    #[arg(long, default_value_t = 5)]
    confidence: u64,
}

/// `padma msig` subcommands.
#[derive(Subcommand)]
pub enum MsigCmd {
    /// Create a new multisig wallet.
    Create {
        /// The signers' addresses.
        #[arg(required = true)]
        signers: Vec<String>,
        /// Approvals required (0: all signers).
        #[arg(long, default_value_t = 0)]
        required: u64,
        /// Initial funds in FIL.
        #[arg(long, default_value = "0")]
        value: String,
        /// Epochs over which the initial funds unlock linearly (0: unlocked at once).
        #[arg(long, default_value_t = 0)]
        duration: i64,
        #[command(flatten)]
        opts: SendOpts,
    },
    /// Show a multisig's balance, signers and pending transactions.
    Inspect {
        /// The multisig.
        address: String,
        /// Also show the vesting schedule.
        #[arg(long)]
        vesting: bool,
        /// Tipset to inspect at (default: the head).
        #[arg(long)]
        tipset: Option<String>,
    },
    /// Propose a transaction: send `value` FIL to `destination` (or call a method).
    Propose {
        /// The multisig.
        multisig: String,
        /// The recipient.
        destination: String,
        /// Amount in FIL.
        value: String,
        /// Method number to call on the recipient.
        method: Option<u64>,
        /// The method's parameters, hex CBOR.
        params: Option<String>,
        #[command(flatten)]
        opts: SendOpts,
    },
    /// Approve a pending transaction (with its details: only if it is that one).
    Approve {
        /// The multisig.
        multisig: String,
        /// The transaction ID.
        txn_id: u64,
        /// The proposer (with the details below, checks the proposal hash).
        proposer: Option<String>,
        /// The recipient.
        destination: Option<String>,
        /// Amount in FIL.
        value: Option<String>,
        /// Method number.
        method: Option<u64>,
        /// Parameters, hex CBOR.
        params: Option<String>,
        #[command(flatten)]
        opts: SendOpts,
    },
    /// Cancel a pending transaction you proposed.
    Cancel {
        /// The multisig.
        multisig: String,
        /// The transaction ID.
        txn_id: u64,
        /// The recipient (with the details below, checks the proposal hash).
        destination: Option<String>,
        /// Amount in FIL.
        value: Option<String>,
        /// Method number.
        method: Option<u64>,
        /// Parameters, hex CBOR.
        params: Option<String>,
        #[command(flatten)]
        opts: SendOpts,
    },
    /// Propose adding a signer.
    AddPropose {
        /// The multisig.
        multisig: String,
        /// The new signer.
        signer: String,
        /// Also raise the approval threshold by one.
        #[arg(long)]
        increase_threshold: bool,
        #[command(flatten)]
        opts: SendOpts,
    },
    /// Approve a pending add-signer proposal.
    AddApprove {
        /// The multisig.
        multisig: String,
        /// Who proposed it.
        proposer: String,
        /// The transaction ID.
        txn_id: u64,
        /// The new signer.
        signer: String,
        /// Whether the proposal raises the threshold (`true` or `false`).
        #[arg(action = clap::ArgAction::Set)]
        increase_threshold: bool,
        #[command(flatten)]
        opts: SendOpts,
    },
    /// Cancel a pending add-signer proposal.
    AddCancel {
        /// The multisig.
        multisig: String,
        /// The transaction ID.
        txn_id: u64,
        /// The new signer.
        signer: String,
        /// Whether the proposal raises the threshold (`true` or `false`).
        #[arg(action = clap::ArgAction::Set)]
        increase_threshold: bool,
        #[command(flatten)]
        opts: SendOpts,
    },
    /// Propose swapping a signer for another.
    SwapPropose {
        /// The multisig.
        multisig: String,
        /// The signer to replace.
        old: String,
        /// Its replacement.
        new: String,
        #[command(flatten)]
        opts: SendOpts,
    },
    /// Approve a pending swap proposal.
    SwapApprove {
        /// The multisig.
        multisig: String,
        /// Who proposed it.
        proposer: String,
        /// The transaction ID.
        txn_id: u64,
        /// The signer to replace.
        old: String,
        /// Its replacement.
        new: String,
        #[command(flatten)]
        opts: SendOpts,
    },
    /// Cancel a pending swap proposal.
    SwapCancel {
        /// The multisig.
        multisig: String,
        /// The transaction ID.
        txn_id: u64,
        /// The signer to replace.
        old: String,
        /// Its replacement.
        new: String,
        #[command(flatten)]
        opts: SendOpts,
    },
    /// Propose removing a signer.
    ProposeRemove {
        /// The multisig.
        multisig: String,
        /// The signer to remove.
        signer: String,
        /// Also lower the approval threshold by one.
        #[arg(long)]
        decrease_threshold: bool,
        #[command(flatten)]
        opts: SendOpts,
    },
    /// Propose a new approval threshold.
    ProposeThreshold {
        /// The multisig.
        multisig: String,
        /// The new threshold.
        threshold: u64,
        #[command(flatten)]
        opts: SendOpts,
    },
    /// How much unlocked between two epochs.
    Vested {
        /// The multisig.
        multisig: String,
        /// First epoch (default: 0).
        #[arg(long, default_value_t = 0)]
        start_epoch: i64,
        /// Last epoch (default: the head).
        #[arg(long)]
        end_epoch: Option<i64>,
    },
}

fn addr(what: &str, s: &str) -> Result<AddressJson> {
    parse_addr(what, s)
}

fn fil(what: &str, s: &str) -> Result<TokenAmountJson> {
    let v = parse_fil(s).map_err(|e| anyhow!("failed to parse {what}: {e}"))?;
    if v.starts_with('-') {
        bail!("failed to parse {what}: must not be negative");
    }
    Ok(TokenAmountJson(atto_amount(&v)?))
}

fn hex_params(p: Option<&str>) -> Result<BytesJson> {
    match p {
        None => Ok(BytesJson::default()),
        Some(h) => hex::decode(h.trim().trim_start_matches("0x"))
            .map(BytesJson)
            .map_err(|e| anyhow!("failed to decode hex params: {e}")),
    }
}

async fn sender(c: &RpcClient, opts: &SendOpts) -> Result<AddressJson> {
    match &opts.from {
        Some(f) => addr("--from", f),
        None => c
            .request::<WalletDefaultAddress>(())
            .await
            .map_err(|e| anyhow!("failed to get default address: {e}")),
    }
}

/// Pushes a prototype with the node's wallet, prints `sent <what> in message: CID`,
/// waits for it and fails on a non-zero exit code.
async fn publish(
    c: &RpcClient,
    proto: MessagePrototypeJson,
    what: &str,
    confidence: u64,
) -> Result<MsgLookupJson> {
    let signed = c
        .request::<MpoolPushMessage>((proto.message, Some(MessageSendSpecJson::default())))
        .await?;
    let cid = padma_types::SignedMessage::try_from(signed)
        .map_err(|e| anyhow!("the node returned an unreadable signed message: {e}"))?
        .cid();
    println!("sent {what} in message:  {cid}");
    let lookup = c
        .request::<StateWaitMsg>((CidJson(cid), Some(confidence), Some(-1), Some(true)))
        .await?;
    if lookup.receipt.exit_code != 0 {
        bail!("{what} returned exit {}", lookup.receipt.exit_code);
    }
    Ok(lookup)
}

fn decode<T: serde::de::DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T> {
    fvm_ipld_encoding::from_slice(bytes).with_context(|| format!("decoding the {what} return"))
}

/// Reports an inner transaction the propose or approve executed.
fn report_applied(applied: bool, code: u32, ret: &[u8], when: &str) {
    if applied {
        println!("Transaction was executed during {when}");
        println!("Exit Code: {code}");
        println!("Return Value: {}", hex::encode(ret));
    }
}

fn report_propose(lookup: &MsgLookupJson) -> Result<()> {
    let r: msig::ProposeReturn = decode("propose", &lookup.receipt.return_data.0)?;
    println!("Transaction ID: {}", r.txn_id.0);
    report_applied(r.applied, r.code.value(), &r.ret, "propose");
    Ok(())
}

fn report_approve(lookup: &MsgLookupJson) -> Result<()> {
    let r: msig::ApproveReturn = decode("approve", &lookup.receipt.return_data.0)?;
    report_applied(r.applied, r.code.value(), &r.ret, "approve");
    Ok(())
}

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
        } => inspect(&c, addr("multisig address", &address)?, vesting, tipset).await?,
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
            let to = addr("destination address", &destination)?;
            let value = fil("value", &value)?;
            let params = hex_params(params.as_deref())?;
            let from = sender(&c, &opts).await?;
            let proto = c
                .request::<MsigPropose>((m, to, value, from, method.unwrap_or(0), params))
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
                    let d = addr("destination address", &d)?;
                    let v = fil("value", &v)?;
                    let params = hex_params(params.as_deref())?;
                    c.request::<MsigApproveTxnHash>((
                        m,
                        txn_id,
                        p,
                        d,
                        v,
                        from,
                        method.unwrap_or(0),
                        params,
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
                    let d = addr("destination address", &d)?;
                    let v = fil("value", &v)?;
                    let params = hex_params(params.as_deref())?;
                    c.request::<MsigCancelTxnHash>((
                        m,
                        txn_id,
                        d,
                        v,
                        from,
                        method.unwrap_or(0),
                        params,
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

/// `padma msig inspect`: balance, spendable, (vesting), threshold, signers, pending.
async fn inspect(
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
