//! `Msig*`: multisig wallets. The v1 builders answer an unsigned `MessagePrototype`
//! for the caller to push; their v0 forms (same names) push it with the node's wallet
//! and answer the message CID, as Lotus's v0 API does. The readers answer from the
//! multisig's state under a tipset.

use padma_rpc::rpc_methods;
use padma_types::json::block::TipSetKeyJson;
pub use padma_types::json::msig::{MessagePrototypeJson, MsigTransactionJson, MsigVestingJson};
use padma_types::json::{AddressJson, BytesJson, CidJson, TokenAmountJson};

rpc_methods! {
    /// The `Msig*` methods, in table order.
    pub fn msig_methods;
    /// The multisig's balance minus what is still locked by its vesting schedule.
    MsigGetAvailableBalance = "Filecoin.MsigGetAvailableBalance", Read,
        call (msig: AddressJson, tsk: TipSetKeyJson) -> TokenAmountJson;
    /// How much unlocked between two tipsets.
    MsigGetVested = "Filecoin.MsigGetVested", Read,
        call (msig: AddressJson, start: TipSetKeyJson, end: TipSetKeyJson) -> TokenAmountJson;
    /// The vesting schedule: initial balance, start epoch, unlock duration.
    MsigGetVestingSchedule = "Filecoin.MsigGetVestingSchedule", Read,
        call (msig: AddressJson, tsk: TipSetKeyJson) -> MsigVestingJson;
    /// The pending transactions with their approvals.
    MsigGetPending = "Filecoin.MsigGetPending", Read,
        call (msig: AddressJson, tsk: TipSetKeyJson) -> Vec<MsigTransactionJson>;
    /// Creates a multisig (init actor `Exec`): approvals required, signers, unlock
    /// duration, initial value, sender, gas price (ignored, as in Lotus).
    MsigCreate = "Filecoin.MsigCreate", Sign,
        call (required: u64, signers: Vec<AddressJson>, unlock_duration: i64,
              value: TokenAmountJson, src: AddressJson, gas_price: TokenAmountJson)
            -> MessagePrototypeJson, versions = V1;
    /// v0 `MsigCreate`: pushed, answers the message CID.
    MsigCreateV0 = "Filecoin.MsigCreate", Sign,
        call (required: u64, signers: Vec<AddressJson>, unlock_duration: i64,
              value: TokenAmountJson, src: AddressJson, gas_price: TokenAmountJson)
            -> CidJson, versions = V0;
    /// Proposes a transaction: multisig, to, value, proposer, method, params.
    MsigPropose = "Filecoin.MsigPropose", Sign,
        call (msig: AddressJson, to: AddressJson, value: TokenAmountJson, src: AddressJson,
              method: u64, params: BytesJson) -> MessagePrototypeJson, versions = V1;
    /// v0 `MsigPropose`.
    MsigProposeV0 = "Filecoin.MsigPropose", Sign,
        call (msig: AddressJson, to: AddressJson, value: TokenAmountJson, src: AddressJson,
              method: u64, params: BytesJson) -> CidJson, versions = V0;
    /// Approves a pending transaction by ID.
    MsigApprove = "Filecoin.MsigApprove", Sign,
        call (msig: AddressJson, txn_id: u64, src: AddressJson)
            -> MessagePrototypeJson, versions = V1;
    /// v0 `MsigApprove`.
    MsigApproveV0 = "Filecoin.MsigApprove", Sign,
        call (msig: AddressJson, txn_id: u64, src: AddressJson) -> CidJson, versions = V0;
    /// Approves a pending transaction by ID, checking it is the one described (the
    /// proposer and the transaction's fields, hashed as the actor hashes them).
    MsigApproveTxnHash = "Filecoin.MsigApproveTxnHash", Sign,
        call (msig: AddressJson, txn_id: u64, proposer: AddressJson, to: AddressJson,
              value: TokenAmountJson, src: AddressJson, method: u64, params: BytesJson)
            -> MessagePrototypeJson, versions = V1;
    /// v0 `MsigApproveTxnHash`.
    MsigApproveTxnHashV0 = "Filecoin.MsigApproveTxnHash", Sign,
        call (msig: AddressJson, txn_id: u64, proposer: AddressJson, to: AddressJson,
              value: TokenAmountJson, src: AddressJson, method: u64, params: BytesJson)
            -> CidJson, versions = V0;
    /// Cancels a pending transaction by ID (only its proposer may).
    MsigCancel = "Filecoin.MsigCancel", Sign,
        call (msig: AddressJson, txn_id: u64, src: AddressJson)
            -> MessagePrototypeJson, versions = V1;
    /// Cancels a pending transaction by ID, checking it is the one described.
    MsigCancelTxnHash = "Filecoin.MsigCancelTxnHash", Sign,
        call (msig: AddressJson, txn_id: u64, to: AddressJson, value: TokenAmountJson,
              src: AddressJson, method: u64, params: BytesJson)
            -> MessagePrototypeJson, versions = V1;
    /// v0 `MsigCancel`: v1's `MsigCancelTxnHash`, pushed.
    MsigCancelV0 = "Filecoin.MsigCancel", Sign,
        call (msig: AddressJson, txn_id: u64, to: AddressJson, value: TokenAmountJson,
              src: AddressJson, method: u64, params: BytesJson) -> CidJson, versions = V0;
    /// Proposes adding a signer (and raising the threshold with `increase`).
    MsigAddPropose = "Filecoin.MsigAddPropose", Sign,
        call (msig: AddressJson, src: AddressJson, new_signer: AddressJson, increase: bool)
            -> MessagePrototypeJson, versions = V1;
    /// v0 `MsigAddPropose`.
    MsigAddProposeV0 = "Filecoin.MsigAddPropose", Sign,
        call (msig: AddressJson, src: AddressJson, new_signer: AddressJson, increase: bool)
            -> CidJson, versions = V0;
    /// Approves a pending add-signer proposal.
    MsigAddApprove = "Filecoin.MsigAddApprove", Sign,
        call (msig: AddressJson, src: AddressJson, txn_id: u64, proposer: AddressJson,
              new_signer: AddressJson, increase: bool) -> MessagePrototypeJson, versions = V1;
    /// v0 `MsigAddApprove`.
    MsigAddApproveV0 = "Filecoin.MsigAddApprove", Sign,
        call (msig: AddressJson, src: AddressJson, txn_id: u64, proposer: AddressJson,
              new_signer: AddressJson, increase: bool) -> CidJson, versions = V0;
    /// Cancels a pending add-signer proposal.
    MsigAddCancel = "Filecoin.MsigAddCancel", Sign,
        call (msig: AddressJson, src: AddressJson, txn_id: u64, new_signer: AddressJson,
              increase: bool) -> MessagePrototypeJson, versions = V1;
    /// v0 `MsigAddCancel`.
    MsigAddCancelV0 = "Filecoin.MsigAddCancel", Sign,
        call (msig: AddressJson, src: AddressJson, txn_id: u64, new_signer: AddressJson,
              increase: bool) -> CidJson, versions = V0;
    /// Proposes swapping one signer for another.
    MsigSwapPropose = "Filecoin.MsigSwapPropose", Sign,
        call (msig: AddressJson, src: AddressJson, old_signer: AddressJson,
              new_signer: AddressJson) -> MessagePrototypeJson, versions = V1;
    /// v0 `MsigSwapPropose`.
    MsigSwapProposeV0 = "Filecoin.MsigSwapPropose", Sign,
        call (msig: AddressJson, src: AddressJson, old_signer: AddressJson,
              new_signer: AddressJson) -> CidJson, versions = V0;
    /// Approves a pending swap proposal.
    MsigSwapApprove = "Filecoin.MsigSwapApprove", Sign,
        call (msig: AddressJson, src: AddressJson, txn_id: u64, proposer: AddressJson,
              old_signer: AddressJson, new_signer: AddressJson)
            -> MessagePrototypeJson, versions = V1;
    /// v0 `MsigSwapApprove`.
    MsigSwapApproveV0 = "Filecoin.MsigSwapApprove", Sign,
        call (msig: AddressJson, src: AddressJson, txn_id: u64, proposer: AddressJson,
              old_signer: AddressJson, new_signer: AddressJson) -> CidJson, versions = V0;
    /// Cancels a pending swap proposal.
    MsigSwapCancel = "Filecoin.MsigSwapCancel", Sign,
        call (msig: AddressJson, src: AddressJson, txn_id: u64, old_signer: AddressJson,
              new_signer: AddressJson) -> MessagePrototypeJson, versions = V1;
    /// v0 `MsigSwapCancel`.
    MsigSwapCancelV0 = "Filecoin.MsigSwapCancel", Sign,
        call (msig: AddressJson, src: AddressJson, txn_id: u64, old_signer: AddressJson,
              new_signer: AddressJson) -> CidJson, versions = V0;
    /// Proposes removing a signer (and lowering the threshold with `decrease`).
    MsigRemoveSigner = "Filecoin.MsigRemoveSigner", Sign,
        call (msig: AddressJson, src: AddressJson, signer: AddressJson, decrease: bool)
            -> MessagePrototypeJson, versions = V1;
    /// v0 `MsigRemoveSigner`.
    MsigRemoveSignerV0 = "Filecoin.MsigRemoveSigner", Sign,
        call (msig: AddressJson, src: AddressJson, signer: AddressJson, decrease: bool)
            -> CidJson, versions = V0;
}
