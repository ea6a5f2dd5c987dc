//! Method numbers of the builtin actors (builtin-actors v18), one module per actor;
//! exported ones are FRC-42 hashes of the method name (see [`super::frc42_method_number`]).

/// A plain value transfer (`Send`): no code runs on the receiver.
pub const SEND: u64 = 0;
/// Every actor's constructor.
pub const CONSTRUCTOR: u64 = 1;
/// The universal receiver hook (`Receive`).
pub const RECEIVE: u64 = 3726118371;

/// Account.
pub mod account {
    /// PubkeyAddress.
    pub const PUBKEY_ADDRESS: u64 = 2;
    /// AuthenticateMessage (exported).
    pub const AUTHENTICATE_MESSAGE: u64 = 2643134072;
}
/// Init.
pub mod init {
    /// Exec.
    pub const EXEC: u64 = 2;
    /// Exec4 (EAM only).
    pub const EXEC4: u64 = 3;
}
/// Cron.
pub mod cron {
    /// EpochTick.
    pub const EPOCH_TICK: u64 = 2;
}
/// Reward.
pub mod reward {
    /// AwardBlockReward.
    pub const AWARD_BLOCK_REWARD: u64 = 2;
    /// ThisEpochReward.
    pub const THIS_EPOCH_REWARD: u64 = 3;
    /// UpdateNetworkKPI.
    pub const UPDATE_NETWORK_KPI: u64 = 4;
}
/// Power.
pub mod power {
    /// CreateMiner.
    pub const CREATE_MINER: u64 = 2;
    /// UpdateClaimedPower.
    pub const UPDATE_CLAIMED_POWER: u64 = 3;
    /// EnrollCronEvent.
    pub const ENROLL_CRON_EVENT: u64 = 4;
    /// OnEpochTickEnd.
    pub const ON_EPOCH_TICK_END: u64 = 5;
    /// UpdatePledgeTotal.
    pub const UPDATE_PLEDGE_TOTAL: u64 = 6;
    /// CurrentTotalPower.
    pub const CURRENT_TOTAL_POWER: u64 = 9;
    /// CreateMiner (exported).
    pub const CREATE_MINER_EXPORTED: u64 = 1173380165;
    /// NetworkRawPower (exported).
    pub const NETWORK_RAW_POWER: u64 = 931722534;
    /// MinerRawPower (exported).
    pub const MINER_RAW_POWER: u64 = 3753401894;
    /// MinerCount (exported).
    pub const MINER_COUNT: u64 = 1987646258;
    /// MinerConsensusCount (exported).
    pub const MINER_CONSENSUS_COUNT: u64 = 196739875;
    /// MinerPower (exported).
    pub const MINER_POWER: u64 = 36284446;
}
/// Verified registry.
pub mod verifreg {
    /// AddVerifier.
    pub const ADD_VERIFIER: u64 = 2;
    /// AddVerifiedClient.
    pub const ADD_VERIFIED_CLIENT: u64 = 4;
}
/// Market.
pub mod market {
    /// AddBalance.
    pub const ADD_BALANCE: u64 = 2;
    /// WithdrawBalance.
    pub const WITHDRAW_BALANCE: u64 = 3;
    /// PublishStorageDeals.
    pub const PUBLISH_STORAGE_DEALS: u64 = 4;
    /// OnMinerSectorsTerminate.
    pub const ON_MINER_SECTORS_TERMINATE: u64 = 7;
    /// CronTick.
    pub const CRON_TICK: u64 = 9;
    /// AddBalance (exported).
    pub const ADD_BALANCE_EXPORTED: u64 = 822473126;
    /// WithdrawBalance (exported).
    pub const WITHDRAW_BALANCE_EXPORTED: u64 = 2280458852;
    /// GetBalance (exported).
    pub const GET_BALANCE: u64 = 726108461;
}
/// Miner.
pub mod miner {
    /// ControlAddresses.
    pub const CONTROL_ADDRESSES: u64 = 2;
    /// ChangeWorkerAddress.
    pub const CHANGE_WORKER_ADDRESS: u64 = 3;
    /// ChangePeerID.
    pub const CHANGE_PEER_ID: u64 = 4;
    /// SubmitWindowedPoSt.
    pub const SUBMIT_WINDOWED_POST: u64 = 5;
    /// TerminateSectors.
    pub const TERMINATE_SECTORS: u64 = 9;
    /// DeclareFaults.
    pub const DECLARE_FAULTS: u64 = 10;
    /// DeclareFaultsRecovered.
    pub const DECLARE_FAULTS_RECOVERED: u64 = 11;
    /// OnDeferredCronEvent.
    pub const ON_DEFERRED_CRON_EVENT: u64 = 12;
    /// ApplyRewards.
    pub const APPLY_REWARDS: u64 = 14;
    /// ReportConsensusFault.
    pub const REPORT_CONSENSUS_FAULT: u64 = 15;
    /// WithdrawBalance.
    pub const WITHDRAW_BALANCE: u64 = 16;
    /// InternalSectorSetupForPreseal (system actor only: genesis).
    pub const INTERNAL_SECTOR_SETUP_FOR_PRESEAL: u64 = 17;
    /// ChangeMultiaddrs.
    pub const CHANGE_MULTIADDRS: u64 = 18;
    /// ConfirmChangeWorkerAddress.
    pub const CONFIRM_CHANGE_WORKER_ADDRESS: u64 = 21;
    /// RepayDebt.
    pub const REPAY_DEBT: u64 = 22;
    /// ChangeOwnerAddress.
    pub const CHANGE_OWNER_ADDRESS: u64 = 23;
    /// PreCommitSectorBatch2.
    pub const PRE_COMMIT_SECTOR_BATCH2: u64 = 28;
    /// ProveCommitSectors3.
    pub const PROVE_COMMIT_SECTORS3: u64 = 34;
    /// ChangeWorkerAddress (exported).
    pub const CHANGE_WORKER_ADDRESS_EXPORTED: u64 = 3302309124;
    /// ChangePeerID (exported).
    pub const CHANGE_PEER_ID_EXPORTED: u64 = 1236548004;
    /// WithdrawBalance (exported).
    pub const WITHDRAW_BALANCE_EXPORTED: u64 = 2280458852;
    /// ChangeMultiaddrs (exported).
    pub const CHANGE_MULTIADDRS_EXPORTED: u64 = 1063480576;
    /// ConfirmChangeWorkerAddress (exported).
    pub const CONFIRM_CHANGE_WORKER_ADDRESS_EXPORTED: u64 = 2354970453;
    /// RepayDebt (exported).
    pub const REPAY_DEBT_EXPORTED: u64 = 3665352697;
    /// ChangeOwnerAddress (exported).
    pub const CHANGE_OWNER_ADDRESS_EXPORTED: u64 = 1010589339;
    /// GetOwner (exported).
    pub const GET_OWNER: u64 = 3275365574;
    /// IsControllingAddress (exported).
    pub const IS_CONTROLLING_ADDRESS: u64 = 348244887;
    /// GetSectorSize (exported).
    pub const GET_SECTOR_SIZE: u64 = 3858292296;
    /// GetAvailableBalance (exported).
    pub const GET_AVAILABLE_BALANCE: u64 = 4026106874;
    /// GetVestingFunds (exported).
    pub const GET_VESTING_FUNDS: u64 = 1726876304;
    /// GetPeerID (exported).
    pub const GET_PEER_ID: u64 = 2812875329;
    /// GetMultiaddrs (exported).
    pub const GET_MULTIADDRS: u64 = 1332909407;
}
