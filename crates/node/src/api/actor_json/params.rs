//! The methods of every builtin actor of the v18 bundle that a user or a node calls,
//! with their parameters as Lotus's Go parameter structs name them. Exported methods
//! (FRC-42) take their numbers from the method name's hash.

use super::F;
use frc42_dispatch::method_hash;
use padma_state::ActorKind;

/// One actor method.
#[derive(Clone, Copy, Debug)]
pub struct Method {
    /// The method number.
    pub num: u64,
    /// Its name in the actor.
    pub name: &'static str,
    /// Its parameters; `None` for a method without any.
    pub params: Option<F>,
}

const fn m(num: u64, name: &'static str, params: Option<F>) -> Method {
    Method { num, name, params }
}

const fn s(fields: &'static [(&'static str, F)]) -> Option<F> {
    Some(F::Struct(fields))
}

const NONE: Option<F> = None;

// Shared shapes.
const CRON_ENTRY: &[(&str, F)] = &[("Receiver", F::Addr), ("MethodNum", F::Num)];
const SECTOR_LOCATION: &[(&str, F)] = &[
    ("Deadline", F::Num),
    ("Partition", F::Num),
    ("Sectors", F::Bits),
];
const POST_PARTITION: &[(&str, F)] = &[("Index", F::Num), ("Skipped", F::Bits)];
const POST_PROOF: &[(&str, F)] = &[("PoStProof", F::Num), ("ProofBytes", F::Bytes)];
const EXPIRATION_EXTENSION: &[(&str, F)] = &[
    ("Deadline", F::Num),
    ("Partition", F::Num),
    ("Sectors", F::Bits),
    ("NewExpiration", F::Num),
];
const PRECOMMIT_INFO: &[(&str, F)] = &[
    ("SealProof", F::Num),
    ("SectorNumber", F::Num),
    ("SealedCID", F::Cid),
    ("SealRandEpoch", F::Num),
    ("DealIDs", F::List(&F::Num)),
    ("Expiration", F::Num),
    ("UnsealedCid", F::Opt(&F::Cid)),
];
const ALLOCATION_KEY: &[(&str, F)] = &[("Client", F::Num), ("ID", F::Num)];
const DATA_NOTIFY: &[(&str, F)] = &[("Address", F::Addr), ("Payload", F::Bytes)];
const PIECE_ACTIVATION: &[(&str, F)] = &[
    ("Cid", F::Cid),
    ("Size", F::Num),
    ("VerifiedAllocationKey", F::Opt(&F::Struct(ALLOCATION_KEY))),
    ("Notify", F::List(&F::Struct(DATA_NOTIFY))),
];
const SECTOR_ACTIVATION: &[(&str, F)] = &[
    ("SectorNumber", F::Num),
    ("Pieces", F::List(&F::Struct(PIECE_ACTIVATION))),
];
const FILTER_ESTIMATE: &[(&str, F)] = &[("PositionEstimate", F::Big), ("VelocityEstimate", F::Big)];
const SECTOR_DEALS: &[(&str, F)] = &[
    ("SectorNumber", F::Num),
    ("SectorType", F::Num),
    ("SectorExpiry", F::Num),
    ("DealIDs", F::List(&F::Num)),
];
const PIECE_CHANGE: &[(&str, F)] = &[("Data", F::Cid), ("Size", F::Num), ("Payload", F::Bytes)];
const SECTOR_CHANGES: &[(&str, F)] = &[
    ("Sector", F::Num),
    ("MinimumCommitmentEpoch", F::Num),
    ("Added", F::List(&F::Struct(PIECE_CHANGE))),
];
const SECTOR_UPDATE: &[(&str, F)] = &[
    ("Sector", F::Num),
    ("Deadline", F::Num),
    ("Partition", F::Num),
    ("NewSealedCID", F::Cid),
    ("Pieces", F::List(&F::Struct(PIECE_ACTIVATION))),
];
const SECTOR_NI_ACTIVATION: &[(&str, F)] = &[
    ("SealingNumber", F::Num),
    ("SealerID", F::Num),
    ("SealedCID", F::Cid),
    ("SectorNumber", F::Num),
    ("SealRandEpoch", F::Num),
    ("Expiration", F::Num),
];
const ALLOCATION_CLAIM: &[(&str, F)] = &[
    ("Client", F::Num),
    ("AllocationId", F::Num),
    ("Data", F::Cid),
    ("Size", F::Num),
];
const SECTOR_ALLOCATION_CLAIMS: &[(&str, F)] = &[
    ("Sector", F::Num),
    ("SectorExpiry", F::Num),
    ("Claims", F::List(&F::Struct(ALLOCATION_CLAIM))),
];
const CHANGE_BENEFICIARY: &[(&str, F)] = &[
    ("NewBeneficiary", F::Addr),
    ("NewQuota", F::Big),
    ("NewExpiration", F::Num),
];
const MODIFY_VOUCHER_PARAMS: &[(&str, F)] =
    &[("Actor", F::Addr), ("Method", F::Num), ("Data", F::Bytes)];
const MERGE: &[(&str, F)] = &[("Lane", F::Num), ("Nonce", F::Num)];
const SIGNED_VOUCHER: &[(&str, F)] = &[
    ("ChannelAddr", F::Addr),
    ("TimeLockMin", F::Num),
    ("TimeLockMax", F::Num),
    ("SecretHash", F::Bytes),
    ("Extra", F::Opt(&F::Struct(MODIFY_VOUCHER_PARAMS))),
    ("Lane", F::Num),
    ("Nonce", F::Num),
    ("Amount", F::Big),
    ("MinSettleHeight", F::Num),
    ("Merges", F::List(&F::Struct(MERGE))),
    ("Signature", F::Opt(&F::Sig)),
];
const VERIFIER_REQUEST: &[(&str, F)] = &[("Verifier", F::Addr), ("Signature", F::Sig)];
const CREATE_MINER: &[(&str, F)] = &[
    ("Owner", F::Addr),
    ("Worker", F::Addr),
    ("WindowPoStProofType", F::Num),
    ("Peer", F::Bytes),
    ("Multiaddrs", F::List(&F::Bytes)),
];
const ADD_VERIFIED_CLIENT: &[(&str, F)] = &[("Address", F::Addr), ("Allowance", F::Big)];
const WITHDRAW_MARKET: &[(&str, F)] = &[("ProviderOrClientAddress", F::Addr), ("Amount", F::Big)];
const TRANSFER: &[(&str, F)] = &[
    ("To", F::Addr),
    ("Amount", F::Big),
    ("OperatorData", F::Bytes),
];
const MINER_CHANGE_WORKER: &[(&str, F)] = &[
    ("NewWorker", F::Addr),
    ("NewControlAddrs", F::List(&F::Addr)),
];
const MINER_WITHDRAW: &[(&str, F)] = &[("AmountRequested", F::Big)];
const CHANGE_PEER_ID: &[(&str, F)] = &[("NewID", F::Bytes)];
const CHANGE_MULTIADDRS: &[(&str, F)] = &[("NewMultiaddrs", F::List(&F::Bytes))];
const TXN_ID: &[(&str, F)] = &[("ID", F::Num), ("ProposalHash", F::Bytes)];
const DEAL_PROPOSAL: &[(&str, F)] = &[
    ("PieceCID", F::Cid),
    ("PieceSize", F::Num),
    ("VerifiedDeal", F::Num),
    ("Client", F::Addr),
    ("Provider", F::Addr),
    ("Label", F::Label),
    ("StartEpoch", F::Num),
    ("EndEpoch", F::Num),
    ("StoragePricePerEpoch", F::Big),
    ("ProviderCollateral", F::Big),
    ("ClientCollateral", F::Big),
];
const CLIENT_DEAL_PROPOSAL: &[(&str, F)] = &[
    ("Proposal", F::Struct(DEAL_PROPOSAL)),
    ("ClientSignature", F::Sig),
];
const SECTOR_CLAIM: &[(&str, F)] = &[
    ("SectorNumber", F::Num),
    ("MaintainClaims", F::List(&F::Num)),
    ("DropClaims", F::List(&F::Num)),
];
const EXPIRATION_EXTENSION2: &[(&str, F)] = &[
    ("Deadline", F::Num),
    ("Partition", F::Num),
    ("Sectors", F::Bits),
    ("SectorsWithClaims", F::List(&F::Struct(SECTOR_CLAIM))),
    ("NewExpiration", F::Num),
];
const CLAIM_TERM: &[(&str, F)] = &[
    ("Provider", F::Num),
    ("ClaimId", F::Num),
    ("TermMax", F::Num),
];

const ACCOUNT: &[Method] = &[
    m(1, "Constructor", Some(F::Addr)),
    m(2, "PubkeyAddress", NONE),
    m(
        method_hash!("AuthenticateMessage"),
        "AuthenticateMessage",
        s(&[("Signature", F::Bytes), ("Message", F::Bytes)]),
    ),
];

const INIT: &[Method] = &[
    m(1, "Constructor", s(&[("NetworkName", F::Str)])),
    m(
        2,
        "Exec",
        s(&[("CodeCID", F::Cid), ("ConstructorParams", F::Bytes)]),
    ),
    m(
        3,
        "Exec4",
        s(&[
            ("CodeCID", F::Cid),
            ("ConstructorParams", F::Bytes),
            ("SubAddress", F::Bytes),
        ]),
    ),
];

const CRON: &[Method] = &[
    m(
        1,
        "Constructor",
        s(&[("Entries", F::List(&F::Struct(CRON_ENTRY)))]),
    ),
    m(2, "EpochTick", NONE),
];

const REWARD: &[Method] = &[
    m(1, "Constructor", Some(F::Opt(&F::Big))),
    m(
        2,
        "AwardBlockReward",
        s(&[
            ("Miner", F::Addr),
            ("Penalty", F::Big),
            ("GasReward", F::Big),
            ("WinCount", F::Num),
        ]),
    ),
    m(3, "ThisEpochReward", NONE),
    m(4, "UpdateNetworkKPI", Some(F::Opt(&F::Big))),
];

const POWER: &[Method] = &[
    m(1, "Constructor", NONE),
    m(2, "CreateMiner", s(CREATE_MINER)),
    m(
        3,
        "UpdateClaimedPower",
        s(&[("RawByteDelta", F::Big), ("QualityAdjustedDelta", F::Big)]),
    ),
    m(
        4,
        "EnrollCronEvent",
        s(&[("EventEpoch", F::Num), ("Payload", F::Bytes)]),
    ),
    m(5, "OnEpochTickEnd", NONE),
    m(6, "UpdatePledgeTotal", Some(F::Big)),
    m(9, "CurrentTotalPower", NONE),
    m(
        method_hash!("CreateMiner"),
        "CreateMinerExported",
        s(CREATE_MINER),
    ),
    m(
        method_hash!("NetworkRawPower"),
        "NetworkRawPowerExported",
        NONE,
    ),
    m(
        method_hash!("MinerRawPower"),
        "MinerRawPowerExported",
        Some(F::Num),
    ),
    m(method_hash!("MinerCount"), "MinerCountExported", NONE),
    m(
        method_hash!("MinerConsensusCount"),
        "MinerConsensusCountExported",
        NONE,
    ),
    m(
        method_hash!("MinerPower"),
        "MinerPowerExported",
        Some(F::Num),
    ),
];

const MARKET: &[Method] = &[
    m(1, "Constructor", NONE),
    m(2, "AddBalance", Some(F::Addr)),
    m(3, "WithdrawBalance", s(WITHDRAW_MARKET)),
    m(
        4,
        "PublishStorageDeals",
        s(&[("Deals", F::List(&F::Struct(CLIENT_DEAL_PROPOSAL)))]),
    ),
    m(9, "CronTick", NONE),
    m(
        method_hash!("AddBalance"),
        "AddBalanceExported",
        Some(F::Addr),
    ),
    m(
        method_hash!("PublishStorageDeals"),
        "PublishStorageDealsExported",
        s(&[("Deals", F::List(&F::Struct(CLIENT_DEAL_PROPOSAL)))]),
    ),
    m(
        method_hash!("WithdrawBalance"),
        "WithdrawBalanceExported",
        s(WITHDRAW_MARKET),
    ),
    m(
        method_hash!("GetBalance"),
        "GetBalanceExported",
        Some(F::Addr),
    ),
    m(
        5,
        "VerifyDealsForActivation",
        s(&[("Sectors", F::List(&F::Struct(SECTOR_DEALS)))]),
    ),
    m(
        6,
        "BatchActivateDeals",
        s(&[
            ("Sectors", F::List(&F::Struct(SECTOR_DEALS))),
            ("ComputeCID", F::Num),
        ]),
    ),
    m(
        7,
        "OnMinerSectorsTerminate",
        s(&[("Epoch", F::Num), ("Sectors", F::Bits)]),
    ),
    m(
        method_hash!("GetDealDataCommitment"),
        "GetDealDataCommitmentExported",
        Some(F::Num),
    ),
    m(
        method_hash!("GetDealClient"),
        "GetDealClientExported",
        Some(F::Num),
    ),
    m(
        method_hash!("GetDealProvider"),
        "GetDealProviderExported",
        Some(F::Num),
    ),
    m(
        method_hash!("GetDealLabel"),
        "GetDealLabelExported",
        Some(F::Num),
    ),
    m(
        method_hash!("GetDealTerm"),
        "GetDealTermExported",
        Some(F::Num),
    ),
    m(
        method_hash!("GetDealTotalPrice"),
        "GetDealTotalPriceExported",
        Some(F::Num),
    ),
    m(
        method_hash!("GetDealClientCollateral"),
        "GetDealClientCollateralExported",
        Some(F::Num),
    ),
    m(
        method_hash!("GetDealProviderCollateral"),
        "GetDealProviderCollateralExported",
        Some(F::Num),
    ),
    m(
        method_hash!("GetDealVerified"),
        "GetDealVerifiedExported",
        Some(F::Num),
    ),
    m(
        method_hash!("GetDealActivation"),
        "GetDealActivationExported",
        Some(F::Num),
    ),
    m(
        method_hash!("GetDealSector"),
        "GetDealSectorExported",
        Some(F::Num),
    ),
    m(
        method_hash!("SettleDealPayments"),
        "SettleDealPaymentsExported",
        Some(F::Bits),
    ),
    m(
        method_hash!("SectorContentChanged"),
        "SectorContentChangedExported",
        s(&[("Sectors", F::List(&F::Struct(SECTOR_CHANGES)))]),
    ),
];

const MINER: &[Method] = &[
    m(
        1,
        "Constructor",
        s(&[
            ("OwnerAddr", F::Addr),
            ("WorkerAddr", F::Addr),
            ("ControlAddrs", F::List(&F::Addr)),
            ("WindowPoStProofType", F::Num),
            ("PeerId", F::Bytes),
            ("Multiaddrs", F::List(&F::Bytes)),
        ]),
    ),
    m(2, "ControlAddresses", NONE),
    m(3, "ChangeWorkerAddress", s(MINER_CHANGE_WORKER)),
    m(4, "ChangePeerID", s(CHANGE_PEER_ID)),
    m(
        5,
        "SubmitWindowedPoSt",
        s(&[
            ("Deadline", F::Num),
            ("Partitions", F::List(&F::Struct(POST_PARTITION))),
            ("Proofs", F::List(&F::Struct(POST_PROOF))),
            ("ChainCommitEpoch", F::Num),
            ("ChainCommitRand", F::Bytes),
        ]),
    ),
    m(
        8,
        "ExtendSectorExpiration",
        s(&[("Extensions", F::List(&F::Struct(EXPIRATION_EXTENSION)))]),
    ),
    m(
        9,
        "TerminateSectors",
        s(&[("Terminations", F::List(&F::Struct(SECTOR_LOCATION)))]),
    ),
    m(
        10,
        "DeclareFaults",
        s(&[("Faults", F::List(&F::Struct(SECTOR_LOCATION)))]),
    ),
    m(
        11,
        "DeclareFaultsRecovered",
        s(&[("Recoveries", F::List(&F::Struct(SECTOR_LOCATION)))]),
    ),
    m(13, "CheckSectorProven", s(&[("SectorNumber", F::Num)])),
    m(
        14,
        "ApplyRewards",
        s(&[("Reward", F::Big), ("Penalty", F::Big)]),
    ),
    m(
        15,
        "ReportConsensusFault",
        s(&[
            ("BlockHeader1", F::Bytes),
            ("BlockHeader2", F::Bytes),
            ("BlockHeaderExtra", F::Bytes),
        ]),
    ),
    m(16, "WithdrawBalance", s(MINER_WITHDRAW)),
    m(18, "ChangeMultiaddrs", s(CHANGE_MULTIADDRS)),
    m(
        19,
        "CompactPartitions",
        s(&[("Deadline", F::Num), ("Partitions", F::Bits)]),
    ),
    m(
        20,
        "CompactSectorNumbers",
        s(&[("MaskSectorNumbers", F::Bits)]),
    ),
    m(21, "ConfirmChangeWorkerAddress", NONE),
    m(22, "RepayDebt", NONE),
    m(23, "ChangeOwnerAddress", Some(F::Addr)),
    m(
        24,
        "DisputeWindowedPoSt",
        s(&[("Deadline", F::Num), ("PoStIndex", F::Num)]),
    ),
    m(
        26,
        "ProveCommitAggregate",
        s(&[("SectorNumbers", F::Bits), ("AggregateProof", F::Bytes)]),
    ),
    m(
        28,
        "PreCommitSectorBatch2",
        s(&[("Sectors", F::List(&F::Struct(PRECOMMIT_INFO)))]),
    ),
    m(30, "ChangeBeneficiary", s(CHANGE_BENEFICIARY)),
    m(31, "GetBeneficiary", NONE),
    m(
        32,
        "ExtendSectorExpiration2",
        s(&[("Extensions", F::List(&F::Struct(EXPIRATION_EXTENSION2)))]),
    ),
    m(
        34,
        "ProveCommitSectors3",
        s(&[
            ("SectorActivations", F::List(&F::Struct(SECTOR_ACTIVATION))),
            ("SectorProofs", F::List(&F::Bytes)),
            ("AggregateProof", F::Bytes),
            ("AggregateProofType", F::Opt(&F::Num)),
            ("RequireActivationSuccess", F::Num),
            ("RequireNotificationSuccess", F::Num),
        ]),
    ),
    m(
        method_hash!("ChangeWorkerAddress"),
        "ChangeWorkerAddressExported",
        s(MINER_CHANGE_WORKER),
    ),
    m(
        method_hash!("ChangePeerID"),
        "ChangePeerIDExported",
        s(CHANGE_PEER_ID),
    ),
    m(
        method_hash!("WithdrawBalance"),
        "WithdrawBalanceExported",
        s(MINER_WITHDRAW),
    ),
    m(
        method_hash!("ChangeMultiaddrs"),
        "ChangeMultiaddrsExported",
        s(CHANGE_MULTIADDRS),
    ),
    m(
        method_hash!("ConfirmChangeWorkerAddress"),
        "ConfirmChangeWorkerAddressExported",
        NONE,
    ),
    m(method_hash!("RepayDebt"), "RepayDebtExported", NONE),
    m(
        method_hash!("ChangeOwnerAddress"),
        "ChangeOwnerAddressExported",
        Some(F::Addr),
    ),
    m(method_hash!("GetOwner"), "GetOwnerExported", NONE),
    m(
        method_hash!("IsControllingAddress"),
        "IsControllingAddressExported",
        Some(F::Addr),
    ),
    m(method_hash!("GetSectorSize"), "GetSectorSizeExported", NONE),
    m(
        method_hash!("GetAvailableBalance"),
        "GetAvailableBalanceExported",
        NONE,
    ),
    m(
        method_hash!("GetVestingFunds"),
        "GetVestingFundsExported",
        NONE,
    ),
    m(method_hash!("GetPeerID"), "GetPeerIDExported", NONE),
    m(method_hash!("GetMultiaddrs"), "GetMultiaddrsExported", NONE),
    m(
        12,
        "OnDeferredCronEvent",
        s(&[
            ("EventPayload", F::Bytes),
            ("RewardSmoothed", F::Struct(FILTER_ESTIMATE)),
            ("QualityAdjPowerSmoothed", F::Struct(FILTER_ESTIMATE)),
        ]),
    ),
    m(
        17,
        "InternalSectorSetupForPreseal",
        s(&[
            ("Sectors", F::List(&F::Num)),
            ("RewardSmoothed", F::Struct(FILTER_ESTIMATE)),
            ("RewardBaselinePower", F::Big),
            ("QualityAdjPowerSmoothed", F::Struct(FILTER_ESTIMATE)),
        ]),
    ),
    m(
        35,
        "ProveReplicaUpdates3",
        s(&[
            ("SectorUpdates", F::List(&F::Struct(SECTOR_UPDATE))),
            ("SectorProofs", F::List(&F::Bytes)),
            ("AggregateProof", F::Bytes),
            ("UpdateProofsType", F::Num),
            ("AggregateProofType", F::Opt(&F::Num)),
            ("RequireActivationSuccess", F::Num),
            ("RequireNotificationSuccess", F::Num),
        ]),
    ),
    m(
        36,
        "ProveCommitSectorsNI",
        s(&[
            ("Sectors", F::List(&F::Struct(SECTOR_NI_ACTIVATION))),
            ("AggregateProof", F::Bytes),
            ("SealProofType", F::Num),
            ("AggregateProofType", F::Num),
            ("ProvingDeadline", F::Num),
            ("RequireActivationSuccess", F::Num),
        ]),
    ),
    m(
        method_hash!("ChangeBeneficiary"),
        "ChangeBeneficiaryExported",
        s(CHANGE_BENEFICIARY),
    ),
    m(
        method_hash!("GetBeneficiary"),
        "GetBeneficiaryExported",
        NONE,
    ),
    m(
        method_hash!("MaxTerminationFee"),
        "MaxTerminationFeeExported",
        s(&[("Power", F::Big), ("InitialPledge", F::Big)]),
    ),
    m(method_hash!("InitialPledge"), "InitialPledgeExported", NONE),
    m(
        method_hash!("GetNominalSectorExpiration"),
        "GetNominalSectorExpirationExported",
        Some(F::Num),
    ),
    m(
        method_hash!("GenerateSectorLocation"),
        "GenerateSectorLocationExported",
        s(&[("SectorNumber", F::Num)]),
    ),
    m(
        method_hash!("ValidateSectorStatus"),
        "ValidateSectorStatusExported",
        s(&[
            ("SectorNumber", F::Num),
            ("Status", F::Num),
            ("AuxData", F::Bytes),
        ]),
    ),
];

const MULTISIG: &[Method] = &[
    m(
        1,
        "Constructor",
        s(&[
            ("Signers", F::List(&F::Addr)),
            ("NumApprovalsThreshold", F::Num),
            ("UnlockDuration", F::Num),
            ("StartEpoch", F::Num),
        ]),
    ),
    m(
        2,
        "Propose",
        s(&[
            ("To", F::Addr),
            ("Value", F::Big),
            ("Method", F::Num),
            ("Params", F::Bytes),
        ]),
    ),
    m(3, "Approve", s(TXN_ID)),
    m(4, "Cancel", s(TXN_ID)),
    m(
        5,
        "AddSigner",
        s(&[("Signer", F::Addr), ("Increase", F::Num)]),
    ),
    m(
        6,
        "RemoveSigner",
        s(&[("Signer", F::Addr), ("Decrease", F::Num)]),
    ),
    m(7, "SwapSigner", s(&[("From", F::Addr), ("To", F::Addr)])),
    m(
        8,
        "ChangeNumApprovalsThreshold",
        s(&[("NewThreshold", F::Num)]),
    ),
    m(
        9,
        "LockBalance",
        s(&[
            ("StartEpoch", F::Num),
            ("UnlockDuration", F::Num),
            ("Amount", F::Big),
        ]),
    ),
];

const PAYCH: &[Method] = &[
    m(1, "Constructor", s(&[("From", F::Addr), ("To", F::Addr)])),
    m(
        2,
        "UpdateChannelState",
        s(&[("Sv", F::Struct(SIGNED_VOUCHER)), ("Secret", F::Bytes)]),
    ),
    m(3, "Settle", NONE),
    m(4, "Collect", NONE),
];

const VERIFREG: &[Method] = &[
    m(1, "Constructor", Some(F::Addr)),
    m(2, "AddVerifier", s(ADD_VERIFIED_CLIENT)),
    m(3, "RemoveVerifier", Some(F::Addr)),
    m(4, "AddVerifiedClient", s(ADD_VERIFIED_CLIENT)),
    m(
        7,
        "RemoveVerifiedClientDataCap",
        s(&[
            ("VerifiedClientToRemove", F::Addr),
            ("DataCapAmountToRemove", F::Big),
            ("VerifierRequest1", F::Struct(VERIFIER_REQUEST)),
            ("VerifierRequest2", F::Struct(VERIFIER_REQUEST)),
        ]),
    ),
    m(
        8,
        "RemoveExpiredAllocations",
        s(&[("Client", F::Num), ("AllocationIds", F::List(&F::Num))]),
    ),
    m(
        10,
        "GetClaims",
        s(&[("Provider", F::Num), ("ClaimIds", F::List(&F::Num))]),
    ),
    m(
        11,
        "ExtendClaimTerms",
        s(&[("Terms", F::List(&F::Struct(CLAIM_TERM)))]),
    ),
    m(
        12,
        "RemoveExpiredClaims",
        s(&[("Provider", F::Num), ("ClaimIds", F::List(&F::Num))]),
    ),
    m(
        method_hash!("AddVerifiedClient"),
        "AddVerifiedClientExported",
        s(ADD_VERIFIED_CLIENT),
    ),
    m(
        9,
        "ClaimAllocations",
        s(&[
            ("Sectors", F::List(&F::Struct(SECTOR_ALLOCATION_CLAIMS))),
            ("AllOrNothing", F::Num),
        ]),
    ),
    m(
        method_hash!("RemoveExpiredAllocations"),
        "RemoveExpiredAllocationsExported",
        s(&[("Client", F::Num), ("AllocationIds", F::List(&F::Num))]),
    ),
    m(
        method_hash!("GetClaims"),
        "GetClaimsExported",
        s(&[("Provider", F::Num), ("ClaimIds", F::List(&F::Num))]),
    ),
    m(
        method_hash!("ExtendClaimTerms"),
        "ExtendClaimTermsExported",
        s(&[("Terms", F::List(&F::Struct(CLAIM_TERM)))]),
    ),
    m(
        method_hash!("RemoveExpiredClaims"),
        "RemoveExpiredClaimsExported",
        s(&[("Provider", F::Num), ("ClaimIds", F::List(&F::Num))]),
    ),
    m(
        method_hash!("Receive"),
        "UniversalReceiverHook",
        s(&[("Type_", F::Num), ("Payload", F::Bytes)]),
    ),
];

const DATACAP: &[Method] = &[
    m(1, "Constructor", Some(F::Addr)),
    m(
        method_hash!("Mint"),
        "MintExported",
        s(&[
            ("To", F::Addr),
            ("Amount", F::Big),
            ("Operators", F::List(&F::Addr)),
        ]),
    ),
    m(
        method_hash!("Destroy"),
        "DestroyExported",
        s(&[("Owner", F::Addr), ("Amount", F::Big)]),
    ),
    m(method_hash!("Name"), "NameExported", NONE),
    m(method_hash!("Symbol"), "SymbolExported", NONE),
    m(method_hash!("Granularity"), "GranularityExported", NONE),
    m(method_hash!("TotalSupply"), "TotalSupplyExported", NONE),
    m(method_hash!("Balance"), "BalanceExported", Some(F::Addr)),
    m(method_hash!("Transfer"), "TransferExported", s(TRANSFER)),
    m(
        method_hash!("TransferFrom"),
        "TransferFromExported",
        s(&[
            ("From", F::Addr),
            ("To", F::Addr),
            ("Amount", F::Big),
            ("OperatorData", F::Bytes),
        ]),
    ),
    m(
        method_hash!("IncreaseAllowance"),
        "IncreaseAllowanceExported",
        s(&[("Operator", F::Addr), ("Increase", F::Big)]),
    ),
    m(
        method_hash!("DecreaseAllowance"),
        "DecreaseAllowanceExported",
        s(&[("Operator", F::Addr), ("Decrease", F::Big)]),
    ),
    m(
        method_hash!("RevokeAllowance"),
        "RevokeAllowanceExported",
        s(&[("Operator", F::Addr)]),
    ),
    m(
        method_hash!("Burn"),
        "BurnExported",
        s(&[("Amount", F::Big)]),
    ),
    m(
        method_hash!("BurnFrom"),
        "BurnFromExported",
        s(&[("Owner", F::Addr), ("Amount", F::Big)]),
    ),
    m(
        method_hash!("Allowance"),
        "AllowanceExported",
        s(&[("Owner", F::Addr), ("Operator", F::Addr)]),
    ),
];

const EAM: &[Method] = &[
    m(1, "Constructor", NONE),
    m(2, "Create", s(&[("Initcode", F::Bytes), ("Nonce", F::Num)])),
    m(
        3,
        "Create2",
        s(&[("Initcode", F::Bytes), ("Salt", F::ByteArray)]),
    ),
    m(4, "CreateExternal", Some(F::Bytes)),
];

const EVM: &[Method] = &[
    m(
        1,
        "Constructor",
        s(&[("Creator", F::ByteArray), ("Initcode", F::Bytes)]),
    ),
    m(
        2,
        "Resurrect",
        s(&[("Creator", F::ByteArray), ("Initcode", F::Bytes)]),
    ),
    m(3, "GetBytecode", NONE),
    m(4, "GetBytecodeHash", NONE),
    m(5, "GetStorageAt", s(&[("StorageKey", F::ByteArray)])),
    m(
        6,
        "InvokeContractDelegate",
        s(&[
            ("Code", F::Cid),
            ("Input", F::Bytes),
            ("Caller", F::ByteArray),
            ("Value", F::Big),
        ]),
    ),
    m(method_hash!("InvokeEVM"), "InvokeContract", Some(F::Bytes)),
];

const SYSTEM: &[Method] = &[m(1, "Constructor", NONE)];
const ETH_ACCOUNT: &[Method] = &[m(1, "Constructor", NONE)];
const PLACEHOLDER: &[Method] = &[];

/// Every method padma knows of `kind`.
pub fn methods(kind: ActorKind) -> &'static [Method] {
    use ActorKind::*;
    match kind {
        System => SYSTEM,
        Init => INIT,
        Cron => CRON,
        Account => ACCOUNT,
        StoragePower => POWER,
        StorageMiner => MINER,
        StorageMarket => MARKET,
        PaymentChannel => PAYCH,
        Multisig => MULTISIG,
        Reward => REWARD,
        VerifiedRegistry => VERIFREG,
        Datacap => DATACAP,
        Eam => EAM,
        Evm => EVM,
        Placeholder => PLACEHOLDER,
        EthAccount => ETH_ACCOUNT,
    }
}

/// Method `num` of `kind`.
pub fn method(kind: ActorKind, num: u64) -> Option<Method> {
    methods(kind).iter().find(|m| m.num == num).copied()
}
