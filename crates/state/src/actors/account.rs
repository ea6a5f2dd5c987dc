//! The account actor: holds a key address; `PubkeyAddress` and
//! `AuthenticateMessage`. Exported methods it does not know succeed as no-ops (so
//! it can receive FRC-46 tokens and `Receive` calls).

use super::{
    method, no_params, params, ret, unhandled, MethodResult, FIRST_EXPORTED_METHOD_NUMBER,
};
use crate::runtime::Runtime;
use fil_actor_account_state::v18::types::{
    AuthenticateMessageParams, AuthenticateMessageReturn, ConstructorParams, PubkeyAddressReturn,
};
use fil_actor_account_state::v18::State;
use fil_actors_shared::v18::ActorError;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_encoding::ipld_block::IpldBlock;
use fvm_shared::address::Protocol;
use fvm_shared::crypto::signature::{Signature, SignatureType};
use fvm_shared::MethodNum;

/// Dispatches a call to an account actor.
pub fn invoke<BS: Blockstore>(
    rt: &mut Runtime<'_, '_, BS>,
    m: MethodNum,
    p: Option<IpldBlock>,
) -> MethodResult {
    match m {
        method::CONSTRUCTOR => {
            let ConstructorParams { address } = super::constructor_params(rt, p)?;
            match address.protocol() {
                Protocol::Secp256k1 | Protocol::BLS => {}
                other => {
                    return Err(ActorError::illegal_argument(format!(
                        "address must use BLS or SECP protocol, got {other}"
                    )))
                }
            }
            rt.create(&State { address })?;
            Ok(None)
        }
        method::account::PUBKEY_ADDRESS => {
            no_params(p)?;
            let st: State = rt.state()?;
            ret(&PubkeyAddressReturn {
                address: st.address,
            })
        }
        method::account::AUTHENTICATE_MESSAGE => {
            let prm: AuthenticateMessageParams = params(p)?;
            let st: State = rt.state()?;
            let sig_type = match st.address.protocol() {
                Protocol::Secp256k1 => SignatureType::Secp256k1,
                Protocol::BLS => SignatureType::BLS,
                other => {
                    return Err(ActorError::illegal_state(format!(
                        "account address must use BLS or SECP protocol, got {other}"
                    )))
                }
            };
            let sig = Signature {
                sig_type,
                bytes: prm.signature,
            };
            rt.verify_signature(&sig, &st.address, &prm.message)
                .map_err(|e| {
                    ActorError::illegal_argument(format!(
                        "failed to authenticate message, signature invalid: {e}"
                    ))
                })?;
            ret(&AuthenticateMessageReturn {
                authenticated: true,
            })
        }
        m if m >= FIRST_EXPORTED_METHOD_NUMBER => Ok(None),
        m => Err(unhandled(m)),
    }
}
