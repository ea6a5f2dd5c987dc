//! The `padma msig` command line: the subcommands and the options every sending command
//! shares.

use clap::{Args, Subcommand};

/// Options every sending command shares.
#[derive(Args, Clone)]
pub struct SendOpts {
    /// Account to send from (default: the wallet's default address).
    #[arg(long)]
    pub from: Option<String>,
    /// Epochs to wait on top of the message's tipset before reporting.
    #[arg(long, default_value_t = 5)]
    pub confidence: u64,
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
