//! `StateReadState`: an actor's balance, code and state, the state in Lotus's JSON —
//! the Go state struct's field names over the state's CBOR tuple, with CIDs as
//! `{"/": …}`, big integers as strings, addresses as strings and bitfields as run
//! lengths.

use super::state::{err, View};
use super::NodeState;
use anyhow::{anyhow, bail, Result};
use fvm_shared::address::Address;
use fvm_shared::bigint::{BigInt, Sign};
use ipld_core::ipld::Ipld;
use padma_api::state::{ActorStateJson, StateReadState};
use padma_rpc::{CallCtx, MethodTable, RpcError};
use padma_state::tree::ActorState;
use padma_state::ActorKind;
use padma_store::Store;
use padma_types::json::block::TipSetKeyJson;
use padma_types::json::{AddressJson, CidJson, TokenAmountJson};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Registers `StateReadState`.
pub(super) fn register(t: &mut MethodTable<NodeState>) {
    t.add_offloaded(StateReadState, state_read_state);
}

/// `StateReadState`: `{"Balance", "Code", "State"}` with the state in Lotus's JSON.
async fn state_read_state(
    s: Arc<NodeState>,
    _c: CallCtx,
    (a, tsk): (AddressJson, TipSetKeyJson),
) -> Result<ActorStateJson, RpcError> {
    let v = View::at_key(&s, &tsk)?;
    let (_, act) = v
        .must_actor(&a.0)
        .map_err(|e| err(format!("getting actor: {}", e.message)))?;
    let state =
        state_json(v.store, &act).map_err(|e| err(format!("dumping actor state: {e:#}")))?;
    Ok(ActorStateJson {
        balance: TokenAmountJson(act.balance),
        code: CidJson(act.code),
        state,
    })
}

/// How one field is written.
#[derive(Clone, Copy)]
enum F {
    /// CID (or null).
    Cid,
    /// Integer or boolean, as is.
    Num,
    /// Big integer: decimal string.
    Big,
    /// Address string.
    Addr,
    /// Text.
    Str,
    /// An RLE+ bitfield: run lengths.
    Bits,
    /// A FilterEstimate `{PositionEstimate, VelocityEstimate}`.
    Filter,
    /// A nested struct.
    Struct(&'static [(&'static str, F)]),
    /// A list of items of one kind.
    List(&'static F),
    /// A nullable value.
    Opt(&'static F),
}

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

fn schema(kind: ActorKind) -> Option<&'static [(&'static str, F)]> {
    use ActorKind::*;
    Some(match kind {
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
            ("ThisEpochRewardSmoothed", F::Filter),
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
            ("ThisEpochQAPowerSmoothed", F::Filter),
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
        Eam | Placeholder | EthAccount => &[],
        _ => return None,
    })
}

fn convert(v: &Ipld, f: F) -> Result<Value> {
    Ok(match (f, v) {
        (F::Opt(_), Ipld::Null) => Value::Null,
        (F::Opt(inner), _) => convert(v, *inner)?,
        (F::Cid, Ipld::Link(c)) => json!({ "/": c.to_string() }),
        (F::Cid, Ipld::Null) => Value::Null,
        (F::Num, Ipld::Integer(i)) => json!(i64::try_from(*i)
            .map(Value::from)
            .unwrap_or_else(|_| json!(i.to_string()))),
        (F::Num, Ipld::Bool(b)) => json!(b),
        (F::Big, Ipld::Bytes(b)) => {
            let n = match b.split_first() {
                None => BigInt::default(),
                Some((0, mag)) => BigInt::from_bytes_be(Sign::Plus, mag),
                Some((1, mag)) => BigInt::from_bytes_be(Sign::Minus, mag),
                Some(_) => bail!("invalid big integer sign byte"),
            };
            json!(n.to_string())
        }
        (F::Addr, Ipld::Bytes(b)) => json!(Address::from_bytes(b)
            .map_err(|e| anyhow!("{e}"))?
            .to_string()),
        (F::Str, Ipld::String(s)) => json!(s),
        (F::Bits, Ipld::Bytes(b)) => {
            let bf = fvm_ipld_bitfield::BitField::from_bytes(b)
                .map_err(|e| anyhow!("invalid bitfield: {e}"))?;
            padma_types::json::bitfield_json(&bf)
        }
        (F::Filter, _) => convert(v, F::Struct(FILTER))?,
        (F::Struct(fields), Ipld::List(items)) => {
            if items.len() != fields.len() {
                bail!(
                    "state tuple has {} fields, expected {}",
                    items.len(),
                    fields.len()
                );
            }
            let mut m = Map::new();
            for ((name, kind), item) in fields.iter().zip(items) {
                m.insert((*name).to_string(), convert(item, *kind)?);
            }
            Value::Object(m)
        }
        (F::List(inner), Ipld::List(items)) => Value::Array(
            items
                .iter()
                .map(|i| convert(i, *inner))
                .collect::<Result<_>>()?,
        ),
        _ => bail!("unexpected CBOR value in actor state"),
    })
}

/// The state of `act` in Lotus JSON.
fn state_json(store: &Store, act: &ActorState) -> Result<Value> {
    let kind = ActorKind::from_code(&act.code)
        .ok_or_else(|| anyhow!("unknown actor code {}", act.code))?;
    let fields =
        schema(kind).ok_or_else(|| anyhow!("reading {} state is not supported", kind.name()))?;
    let bytes = fvm_ipld_blockstore::Blockstore::get(store, &act.state)?
        .ok_or_else(|| anyhow!("actor head {} not found", act.state))?;
    let node: Ipld = serde_ipld_dagcbor::from_slice(&bytes)?;
    if fields.is_empty() {
        return Ok(json!({}));
    }
    convert(&node, F::Struct(fields))
}
