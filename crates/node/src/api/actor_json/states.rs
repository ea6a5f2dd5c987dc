//! The state of every builtin actor of the v18 bundle, as Lotus's Go state structs
//! name its fields.

use super::{Fields, F};
use padma_state::ActorKind;

const TRANSIENT_LIFESPAN: &[(&str, F)] = &[("Origin", F::Num), ("Nonce", F::Num)];
const TRANSIENT: &[(&str, F)] = &[
    ("TransientDataState", F::Cid),
    ("TransientDataLifespan", F::Struct(TRANSIENT_LIFESPAN)),
];
const TOMBSTONE: &[(&str, F)] = &[("Origin", F::Num), ("Nonce", F::Num)];
const FILTER: &[(&str, F)] = &[("PositionEstimate", F::Big), ("VelocityEstimate", F::Big)];
const VEST_FUND: &[(&str, F)] = &[("Epoch", F::Num), ("Amount", F::Big)];
const VESTING: &[(&str, F)] = &[("Head", F::Struct(VEST_FUND)), ("Tail", F::Cid)];
const CRON_ENTRY: &[(&str, F)] = &[("Receiver", F::Addr), ("MethodNum", F::Num)];
const TOKEN: &[(&str, F)] = &[
    ("Supply", F::Big),
    ("Balances", F::Cid),
    ("Allowances", F::Cid),
    ("HamtBitWidth", F::Num),
];

/// The fields of `kind`'s state (empty for actors without state fields).
pub fn schema(kind: ActorKind) -> Fields {
    use ActorKind::*;
    match kind {
        Account => &[("Address", F::Addr)],
        System => &[("BuiltinActors", F::Cid)],
        Init => &[
            ("AddressMap", F::Cid),
            ("NextID", F::Num),
            ("NetworkName", F::Str),
        ],
        Cron => &[("Entries", F::List(&F::Struct(CRON_ENTRY)))],
        Reward => &[
            ("CumsumBaseline", F::Big),
            ("CumsumRealized", F::Big),
            ("EffectiveNetworkTime", F::Num),
            ("EffectiveBaselinePower", F::Big),
            ("ThisEpochReward", F::Big),
            ("ThisEpochRewardSmoothed", F::Struct(FILTER)),
            ("ThisEpochBaselinePower", F::Big),
            ("Epoch", F::Num),
            ("TotalStoragePowerReward", F::Big),
            ("SimpleTotal", F::Big),
            ("BaselineTotal", F::Big),
        ],
        StoragePower => &[
            ("TotalRawBytePower", F::Big),
            ("TotalBytesCommitted", F::Big),
            ("TotalQualityAdjPower", F::Big),
            ("TotalQABytesCommitted", F::Big),
            ("TotalPledgeCollateral", F::Big),
            ("ThisEpochRawBytePower", F::Big),
            ("ThisEpochQualityAdjPower", F::Big),
            ("ThisEpochPledgeCollateral", F::Big),
            ("ThisEpochQAPowerSmoothed", F::Struct(FILTER)),
            ("MinerCount", F::Num),
            ("MinerAboveMinPowerCount", F::Num),
            ("RampStartEpoch", F::Num),
            ("RampDurationEpochs", F::Num),
            ("CronEventQueue", F::Cid),
            ("FirstCronEpoch", F::Num),
            ("Claims", F::Cid),
            ("ProofValidationBatch", F::Opt(&F::Cid)),
        ],
        StorageMarket => &[
            ("Proposals", F::Cid),
            ("States", F::Cid),
            ("PendingProposals", F::Cid),
            ("EscrowTable", F::Cid),
            ("LockedTable", F::Cid),
            ("NextID", F::Num),
            ("DealOpsByEpoch", F::Cid),
            ("LastCron", F::Num),
            ("TotalClientLockedCollateral", F::Big),
            ("TotalProviderLockedCollateral", F::Big),
            ("TotalClientStorageFee", F::Big),
            ("PendingDealAllocationIds", F::Cid),
            ("ProviderSectors", F::Cid),
        ],
        StorageMiner => &[
            ("Info", F::Cid),
            ("PreCommitDeposits", F::Big),
            ("LockedFunds", F::Big),
            ("VestingFunds", F::Opt(&F::Struct(VESTING))),
            ("FeeDebt", F::Big),
            ("InitialPledge", F::Big),
            ("PreCommittedSectors", F::Cid),
            ("PreCommittedSectorsCleanUp", F::Cid),
            ("AllocatedSectors", F::Cid),
            ("Sectors", F::Cid),
            ("ProvingPeriodStart", F::Num),
            ("CurrentDeadline", F::Num),
            ("Deadlines", F::Cid),
            ("EarlyTerminations", F::Bits),
            ("DeadlineCronActive", F::Num),
        ],
        Multisig => &[
            ("Signers", F::List(&F::Addr)),
            ("NumApprovalsThreshold", F::Num),
            ("NextTxnID", F::Num),
            ("InitialBalance", F::Big),
            ("StartEpoch", F::Num),
            ("UnlockDuration", F::Num),
            ("PendingTxns", F::Cid),
        ],
        VerifiedRegistry => &[
            ("RootKey", F::Addr),
            ("Verifiers", F::Cid),
            ("RemoveDataCapProposalIDs", F::Cid),
            ("Allocations", F::Cid),
            ("NextAllocationId", F::Num),
            ("Claims", F::Cid),
        ],
        Datacap => &[("Governor", F::Addr), ("Token", F::Struct(TOKEN))],
        PaymentChannel => &[
            ("From", F::Addr),
            ("To", F::Addr),
            ("ToSend", F::Big),
            ("SettlingAt", F::Num),
            ("MinSettleHeight", F::Num),
            ("LaneStates", F::Cid),
        ],
        Evm => &[
            ("Bytecode", F::Cid),
            ("BytecodeHash", F::ByteArray),
            ("ContractState", F::Cid),
            ("TransientData", F::Opt(&F::Struct(TRANSIENT))),
            ("Nonce", F::Num),
            ("Tombstone", F::Opt(&F::Struct(TOMBSTONE))),
        ],
        Eam | Placeholder | EthAccount => &[],
    }
}
