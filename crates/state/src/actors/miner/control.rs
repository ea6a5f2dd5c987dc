//! Miner control: owner, worker and control addresses, peer ID and multiaddrs,
//! and the exported read-only getters.

use super::{check_control_addresses, check_peer_info, get_info, resolve_control_addresses};
use super::{resolve_worker_address, save_info};
use crate::actors::{method, no_params, params, ret, unhandled, MethodResult};
use crate::runtime::Runtime;
use fil_actor_miner_state::v18::{
    ChangeMultiaddrsParams, ChangeOwnerAddressParams, ChangePeerIDParams,
    ChangeWorkerAddressParams, GetAvailableBalanceReturn, GetControlAddressesReturn,
    GetMultiaddrsReturn, GetOwnerReturn, GetPeerIDReturn, GetSectorSizeReturn,
    GetVestingFundsReturn, IsControllingAddressParam, IsControllingAddressReturn, MinerInfo, State,
    WorkerKeyChange,
};
use fil_actors_shared::v18::ActorError;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_shared::address::{Address, Protocol};
use fvm_shared::MethodNum;

/// Owner, worker and control addresses: those allowed to operate the miner.
pub(super) fn controlling(info: &MinerInfo) -> Vec<Address> {
    let mut v = info.control_addresses.clone();
    v.push(info.worker);
    v.push(info.owner);
    v
}

/// `ControlAddresses` (2): `[owner, worker, control_addresses]`.
pub fn control_addresses<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    p: Option<IpldBlock>,
) -> MethodResult {
    no_params(p)?;
    let st: State = rt.state()?;
    let info = get_info(rt, &st)?;
    ret(&GetControlAddressesReturn {
        owner: info.owner,
        worker: info.worker,
        control_addresses: info.control_addresses,
    })
}

/// `ChangeWorkerAddress` (3): replaces the control addresses now and schedules a
/// worker change `worker_key_change_delay` epochs ahead. Owner only.
pub fn change_worker_address<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    prm: ChangeWorkerAddressParams,
) -> MethodResult {
    check_control_addresses(rt.policy(), &prm.new_control_addresses)?;
    let new_worker = Address::new_id(resolve_worker_address(rt, prm.new_worker)?);
    let control: Vec<Address> = resolve_control_addresses(rt, &prm.new_control_addresses)?
        .into_iter()
        .map(Address::new_id)
        .collect();
    rt.transaction(|st: &mut State, rt| {
        let mut info = get_info(rt, st)?;
        rt.validate_immediate_caller_is([&info.owner])?;
        info.control_addresses = control;
        if new_worker != info.worker && info.pending_worker_key.is_none() {
            info.pending_worker_key = Some(WorkerKeyChange {
                new_worker,
                effective_at: rt.curr_epoch() + rt.policy().worker_key_change_delay,
            });
        }
        save_info(rt, st, &info)
    })?;
    Ok(None)
}

/// `ConfirmChangeWorkerAddress` (21): applies a pending worker change once its
/// epoch has come. Owner only.
pub fn confirm_change_worker_address<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    p: Option<IpldBlock>,
) -> MethodResult {
    no_params(p)?;
    rt.transaction(|st: &mut State, rt| {
        let mut info = get_info(rt, st)?;
        rt.validate_immediate_caller_is([&info.owner])?;
        let Some(pending) = &info.pending_worker_key else {
            return Ok(());
        };
        if rt.curr_epoch() < pending.effective_at {
            return Ok(());
        }
        info.worker = pending.new_worker;
        info.pending_worker_key = None;
        save_info(rt, st, &info)
    })?;
    Ok(None)
}

/// `ChangeOwnerAddress` (23): the owner proposes a new owner (an ID address); the
/// proposed address confirms by calling with the same address.
pub fn change_owner_address<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    prm: ChangeOwnerAddressParams,
) -> MethodResult {
    let new = prm.new_owner;
    if new.protocol() != Protocol::ID {
        return Err(ActorError::illegal_argument(
            "owner address must be an ID address".into(),
        ));
    }
    rt.transaction(|st: &mut State, rt| {
        let mut info = get_info(rt, st)?;
        if rt.caller() == info.owner || info.pending_owner_address.is_none() {
            rt.validate_immediate_caller_is([&info.owner])?;
            info.pending_owner_address = Some(new);
        } else if let Some(pending) = info.pending_owner_address {
            rt.validate_immediate_caller_is([&pending])?;
            if new != pending {
                return Err(ActorError::illegal_argument(format!(
                    "expected confirmation of {pending} got {new}"
                )));
            }
            if info.beneficiary == info.owner {
                info.beneficiary = pending;
            }
            info.pending_beneficiary_term = None;
            info.owner = pending;
        }
        if info.pending_owner_address == Some(info.owner) {
            info.pending_owner_address = None;
        }
        save_info(rt, st, &info)
    })?;
    Ok(None)
}

/// `ChangePeerID` (4). Owner, worker or control addresses.
pub fn change_peer_id<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    prm: ChangePeerIDParams,
) -> MethodResult {
    check_peer_info(rt.policy(), &prm.new_id, &[])?;
    rt.transaction(|st: &mut State, rt| {
        let mut info = get_info(rt, st)?;
        rt.validate_immediate_caller_is(&controlling(&info))?;
        info.peer_id = prm.new_id;
        save_info(rt, st, &info)
    })?;
    Ok(None)
}

/// `ChangeMultiaddrs` (18). Owner, worker or control addresses.
pub fn change_multiaddrs<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    prm: ChangeMultiaddrsParams,
) -> MethodResult {
    check_peer_info(rt.policy(), &[], &prm.new_multi_addrs)?;
    rt.transaction(|st: &mut State, rt| {
        let mut info = get_info(rt, st)?;
        rt.validate_immediate_caller_is(&controlling(&info))?;
        info.multi_address = prm.new_multi_addrs;
        save_info(rt, st, &info)
    })?;
    Ok(None)
}

/// The exported getters: GetOwner, IsControllingAddress, GetSectorSize,
/// GetAvailableBalance, GetVestingFunds, GetPeerID, GetMultiaddrs.
pub fn getter<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    m: MethodNum,
    p: Option<IpldBlock>,
) -> MethodResult {
    use method::miner::*;
    if m == IS_CONTROLLING_ADDRESS {
        let prm: IsControllingAddressParam = params(p)?;
        let Some(id) = rt.resolve_address(&prm.address) else {
            return ret(&IsControllingAddressReturn {
                is_controlling: false,
            });
        };
        let st: State = rt.state()?;
        let info = get_info(rt, &st)?;
        return ret(&IsControllingAddressReturn {
            is_controlling: controlling(&info).contains(&Address::new_id(id)),
        });
    }
    no_params(p)?;
    let st: State = rt.state()?;
    match m {
        GET_OWNER => {
            let info = get_info(rt, &st)?;
            ret(&GetOwnerReturn {
                owner: info.owner,
                proposed: info.pending_owner_address,
            })
        }
        GET_SECTOR_SIZE => ret(&GetSectorSizeReturn {
            sector_size: get_info(rt, &st)?.sector_size,
        }),
        GET_AVAILABLE_BALANCE => {
            let available_balance =
                st.get_available_balance(&rt.current_balance())
                    .map_err(|e| {
                        ActorError::illegal_state(format!(
                            "failed to calculate available balance: {e}"
                        ))
                    })?;
            ret(&GetAvailableBalanceReturn { available_balance })
        }
        GET_VESTING_FUNDS => {
            let funds = st.vesting_funds.load(rt.store())?;
            ret(&GetVestingFundsReturn {
                vesting_funds: funds.into_iter().map(|f| (f.epoch, f.amount)).collect(),
            })
        }
        GET_PEER_ID => ret(&GetPeerIDReturn {
            peer_id: get_info(rt, &st)?.peer_id,
        }),
        GET_MULTIADDRS => ret(&GetMultiaddrsReturn {
            multi_addrs: get_info(rt, &st)?.multi_address,
        }),
        m => Err(unhandled(m)),
    }
}
