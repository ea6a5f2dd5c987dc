//! `padma wallet ...`.

use crate::node::Target;
use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use clap::Subcommand;
use padma_types::fil::format_fil;
use padma_types::json::{key_from_lotus_text, key_to_lotus_hex, KeyInfoJson, SignatureJson};
use serde_json::{json, Value};
use std::io::Read;
use std::path::PathBuf;

/// Wallet commands.
#[derive(Subcommand)]
pub enum WalletCmd {
    /// Create a new key: secp256k1 (default) or bls.
    New {
        /// Key type.
        #[arg(default_value = "secp256k1")]
        key_type: String,
    },
    /// List wallet addresses.
    List {
        /// Print addresses only.
        #[arg(short = 'a', long)]
        addr_only: bool,
    },
    /// Print the default address.
    Default,
    /// Set the default address.
    SetDefault {
        /// The address.
        address: String,
    },
    /// Import a key (Lotus export hex or KeyInfo JSON) from a file, or stdin.
    Import {
        /// File with the key; `-` or nothing reads stdin.
        path: Option<PathBuf>,
        /// Make it the default address.
        #[arg(long)]
        as_default: bool,
        /// Input format: hex-lotus or json-lotus (detected when omitted).
        #[arg(long)]
        format: Option<String>,
    },
    /// Print a key in Lotus export hex.
    Export {
        /// The address.
        address: String,
    },
    /// Delete a key.
    Delete {
        /// The address.
        address: String,
    },
    /// Sign hex data; prints the signature as hex (type byte, then data).
    Sign {
        /// The signing address.
        address: String,
        /// The data, hex.
        hex_message: String,
    },
    /// Verify a hex signature (type byte, then data) of hex data.
    Verify {
        /// The signing address.
        address: String,
        /// The data, hex.
        hex_message: String,
        /// The signature, hex.
        signature: String,
    },
    /// Print an address's balance (the default address when omitted).
    Balance {
        /// The address.
        address: Option<String>,
    },
}

fn unhex(what: &str, s: &str) -> Result<Vec<u8>> {
    hex::decode(s.trim().trim_start_matches("0x"))
        .with_context(|| format!("{what} is not valid hex"))
}

/// Runs a wallet command.
pub async fn run(cmd: WalletCmd, target: &Target) -> Result<()> {
    let c = target.client()?;
    match cmd {
        WalletCmd::New { key_type } => {
            let a: String = c.call("WalletNew", vec![json!(key_type)]).await?;
            println!("{a}");
        }
        WalletCmd::List { addr_only } => {
            let list: Vec<String> = c.call("WalletList", vec![]).await?;
            if addr_only {
                list.iter().for_each(|a| println!("{a}"));
                return Ok(());
            }
            let default: Option<String> = c.call("WalletDefaultAddress", vec![]).await.ok();
            println!("{:<88} {:<24} Default", "Address", "Balance");
            for a in list {
                let bal: String = c.call("WalletBalance", vec![json!(a)]).await?;
                let mark = if default.as_deref() == Some(a.as_str()) {
                    "X"
                } else {
                    ""
                };
                println!("{a:<88} {:<24} {mark}", format_fil(&bal));
            }
        }
        WalletCmd::Default => {
            let a: String = c.call("WalletDefaultAddress", vec![]).await?;
            println!("{a}");
        }
        WalletCmd::SetDefault { address } => {
            let _: Value = c.call("WalletSetDefault", vec![json!(address)]).await?;
        }
        WalletCmd::Import {
            path,
            as_default,
            format,
        } => {
            let mut text = String::new();
            match path.as_ref().filter(|p| p.as_os_str() != "-") {
                Some(p) => {
                    text = std::fs::read_to_string(p)
                        .with_context(|| format!("reading {}", p.display()))?
                }
                None => {
                    std::io::stdin()
                        .read_to_string(&mut text)
                        .context("reading the key from stdin")?;
                }
            }
            match format.as_deref() {
                None | Some("hex-lotus") | Some("json-lotus") => {}
                Some(f) => bail!("unknown format '{f}' (expected hex-lotus or json-lotus)"),
            }
            let key = key_from_lotus_text(&text).map_err(|e| anyhow!(e))?;
            let a: String = c
                .call(
                    "WalletImport",
                    vec![serde_json::to_value(KeyInfoJson::from(&key))?],
                )
                .await?;
            if as_default {
                let _: Value = c.call("WalletSetDefault", vec![json!(a)]).await?;
            }
            println!("imported key {a} successfully!");
        }
        WalletCmd::Export { address } => {
            let ki: KeyInfoJson = c.call("WalletExport", vec![json!(address)]).await?;
            let key = padma_types::crypto::KeyInfo::try_from(ki)?;
            println!("{}", key_to_lotus_hex(&key));
        }
        WalletCmd::Delete { address } => {
            let _: Value = c.call("WalletDelete", vec![json!(address)]).await?;
        }
        WalletCmd::Sign {
            address,
            hex_message,
        } => {
            let data = unhex("the message", &hex_message)?;
            let sig: SignatureJson = c
                .call("WalletSign", vec![json!(address), json!(B64.encode(data))])
                .await?;
            let mut out = vec![sig.sig_type];
            out.extend(sig.data);
            println!("{}", hex::encode(out));
        }
        WalletCmd::Verify {
            address,
            hex_message,
            signature,
        } => {
            let data = unhex("the message", &hex_message)?;
            let sig = unhex("the signature", &signature)?;
            if sig.len() < 2 {
                bail!("signature is too short");
            }
            let sig_json = json!({ "Type": sig[0], "Data": B64.encode(&sig[1..]) });
            let ok: bool = c
                .call(
                    "WalletVerify",
                    vec![json!(address), json!(B64.encode(data)), sig_json],
                )
                .await?;
            if !ok {
                bail!("invalid signature");
            }
            println!("valid");
        }
        WalletCmd::Balance { address } => {
            let a = match address {
                Some(a) => a,
                None => c.call("WalletDefaultAddress", vec![]).await?,
            };
            let bal: String = c.call("WalletBalance", vec![json!(a)]).await?;
            println!("{}", format_fil(&bal));
        }
    }
    Ok(())
}
