//! `padma mpool ...`: pending messages, a live feed of message pool changes, and nonces.

use crate::message_cids::signed_message_with_cids;
use crate::node::Target;
use crate::util::{parse_addr, print_json};
use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use padma_api::mpool::{MpoolGetNonce, MpoolPending, MpoolSub, MpoolUpdateJson};
use padma_api::wallet::WalletList;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::AddressJson;
use std::collections::HashSet;

/// Message pool commands.
#[derive(Subcommand)]
pub enum MpoolCmd {
    /// Print pending messages (each as Lotus's SignedMessage JSON).
    Pending {
        /// Only messages from addresses in the local wallet.
        #[arg(long)]
        local: bool,
        /// Print message CIDs only, one per line.
        #[arg(long)]
        cids: bool,
        /// Only messages to this address.
        #[arg(long)]
        to: Option<String>,
        /// Only messages from this address.
        #[arg(long)]
        from: Option<String>,
    },
    /// Print message pool changes as they happen, until Ctrl-C.
    Sub,
    /// Print the next nonce of an address (counting its pending messages).
    Nonce {
        /// The address.
        address: String,
    },
}

/// Runs an mpool command.
pub async fn run(cmd: MpoolCmd, target: &Target) -> Result<()> {
    let mut only_to = None;
    let mut only_from = None;
    match &cmd {
        MpoolCmd::Pending { to, from, .. } => {
            if let Some(t) = to {
                only_to = Some(parse_addr(
                    &format!("given 'to' address {t:?} was invalid"),
                    t,
                )?);
            }
            if let Some(f) = from {
                only_from = Some(parse_addr(
                    &format!("given 'from' address {f:?} was invalid"),
                    f,
                )?);
            }
        }
        MpoolCmd::Nonce { address } => {
            parse_addr("address", address)?;
        }
        MpoolCmd::Sub => {}
    }
    match cmd {
        MpoolCmd::Pending { local, cids, .. } => {
            let c = target.client()?;
            // Addresses compare whatever their network prefix.
            let mine: Option<HashSet<AddressJson>> = if local {
                let list = c
                    .request::<WalletList>(())
                    .await
                    .map_err(|e| anyhow!("getting local addresses: {e}"))?;
                Some(list.into_iter().collect())
            } else {
                None
            };
            let msgs = c
                .request::<MpoolPending>((TipSetKeyJson::default(),))
                .await?;
            for m in msgs {
                let (mfrom, mto) = (AddressJson(m.message.from), AddressJson(m.message.to));
                if mine.as_ref().is_some_and(|mine| !mine.contains(&mfrom)) {
                    continue;
                }
                if only_to.is_some_and(|t| t != mto) || only_from.is_some_and(|f| f != mfrom) {
                    continue;
                }
                let m = signed_message_with_cids(m);
                if cids {
                    let cid = m.cid.map(|c| c.0.to_string()).unwrap_or_default();
                    println!("{cid}");
                } else {
                    print_json(&m)?;
                }
            }
        }
        MpoolCmd::Sub => {
            let ws = target.ws_client().await?;
            let mut sub = ws.subscribe_to::<MpoolSub>(()).await?;
            let ctrl_c = tokio::signal::ctrl_c();
            tokio::pin!(ctrl_c);
            loop {
                tokio::select! {
                    update = sub.next() => match update {
                        Some(u) => {
                            let u = u?;
                            print_json(&MpoolUpdateJson {
                                message: signed_message_with_cids(u.message),
                                ..u
                            })?
                        }
                        None => bail!("the node closed the subscription"),
                    },
                    _ = &mut ctrl_c => return Ok(()),
                }
            }
        }
        MpoolCmd::Nonce { address } => {
            let c = target.client()?;
            let n = c
                .request::<MpoolGetNonce>((parse_addr("address", &address)?,))
                .await?;
            println!("{n}");
        }
    }
    Ok(())
}
