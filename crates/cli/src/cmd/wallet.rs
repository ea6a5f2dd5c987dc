//! `padma wallet ...`.

use crate::node::Target;
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use padma_api::wallet::{
    WalletBalance, WalletDefaultAddress, WalletDelete, WalletExport, WalletImport, WalletList,
    WalletNew, WalletSetDefault, WalletSign, WalletVerify,
};
use padma_rpc::client::RpcClient;
use padma_types::fil::format_fil;
use padma_types::json::{
    key_from_lotus_text, key_to_lotus_hex, AddressJson, BytesJson, KeyInfoJson, SignatureJson,
};
use serde_json::Value;
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

/// An address given on the command line, as the API takes it.
fn address(s: &str) -> Result<AddressJson> {
    padma_types::address::parse_address(s.trim())
        .map(AddressJson)
        .map_err(|e| anyhow!(e))
}

/// The balance of `a` as Lotus prints it (`1.5 FIL`).
async fn balance(c: &RpcClient, a: AddressJson) -> Result<String> {
    let bal = c.request::<WalletBalance>((a,)).await?;
    Ok(format_fil(&bal.0.atto().to_string()))
}

/// Runs a wallet command.
pub async fn run(cmd: WalletCmd, target: &Target) -> Result<()> {
    let c = target.client()?;
    match cmd {
        WalletCmd::New { key_type } => {
            let a = c.request::<WalletNew>((Value::String(key_type),)).await?;
            println!("{}", a.0);
        }
        WalletCmd::List { addr_only } => {
            let list = c.request::<WalletList>(()).await?;
            if addr_only {
                list.iter().for_each(|a| println!("{}", a.0));
                return Ok(());
            }
            let default = c.request::<WalletDefaultAddress>(()).await.ok();
            println!("{:<88} {:<24} Default", "Address", "Balance");
            for a in list {
                let bal = balance(&c, a).await?;
                let mark = if default == Some(a) { "X" } else { "" };
                println!("{:<88} {bal:<24} {mark}", a.0.to_string());
            }
        }
        WalletCmd::Default => {
            let a = c.request::<WalletDefaultAddress>(()).await?;
            println!("{}", a.0);
        }
        WalletCmd::SetDefault { address: a } => {
            c.request::<WalletSetDefault>((address(&a)?,)).await?;
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
            let a = c
                .request::<WalletImport>((KeyInfoJson::from(&key),))
                .await?;
            if as_default {
                c.request::<WalletSetDefault>((a,)).await?;
            }
            println!("imported key {} successfully!", a.0);
        }
        WalletCmd::Export { address: a } => {
            let ki = c.request::<WalletExport>((address(&a)?,)).await?;
            let key = padma_types::crypto::KeyInfo::try_from(ki)?;
            println!("{}", key_to_lotus_hex(&key));
        }
        WalletCmd::Delete { address: a } => {
            c.request::<WalletDelete>((address(&a)?,)).await?;
        }
        WalletCmd::Sign {
            address: a,
            hex_message,
        } => {
            let data = unhex("the message", &hex_message)?;
            let sig = c
                .request::<WalletSign>((address(&a)?, BytesJson(data)))
                .await?;
            let mut out = vec![sig.sig_type];
            out.extend(sig.data);
            println!("{}", hex::encode(out));
        }
        WalletCmd::Verify {
            address: a,
            hex_message,
            signature,
        } => {
            let data = unhex("the message", &hex_message)?;
            let sig = unhex("the signature", &signature)?;
            let Some((&sig_type, sig_data)) = sig.split_first().filter(|(_, d)| !d.is_empty())
            else {
                bail!("signature is too short");
            };
            let sig = SignatureJson {
                sig_type,
                data: sig_data.to_vec(),
            };
            let ok = c
                .request::<WalletVerify>((address(&a)?, BytesJson(data), sig))
                .await?;
            if !ok {
                bail!("invalid signature");
            }
            println!("valid");
        }
        WalletCmd::Balance { address: a } => {
            let a = match a {
                Some(a) => address(&a)?,
                None => c.request::<WalletDefaultAddress>(()).await?,
            };
            println!("{}", balance(&c, a).await?);
        }
    }
    Ok(())
}
