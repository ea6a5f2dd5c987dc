//! The inclusion rule: the minimum gas by on-chain length, signature kinds, and the
//! per-block checks (sender, nonces, gas and count limits) leaving a refused message
//! without effect on the block.

use super::*;
use fvm_shared::crypto::signature::Signature;
use fvm_shared::econ::TokenAmount;

#[derive(Default)]
struct FakeState(HashMap<Address, Sender>);

impl FakeState {
    fn with(mut self, addr: Address, id: u64, nonce: u64, can_send: bool) -> Self {
        self.0.insert(
            addr,
            Sender {
                id,
                nonce,
                can_send,
            },
        );
        self
    }
}

impl SenderLookup for FakeState {
    fn sender(&self, addr: &Address) -> anyhow::Result<Option<Sender>> {
        Ok(self.0.get(addr).cloned())
    }
}

fn msg(from: Address, nonce: u64, gas_limit: u64) -> Message {
    Message {
        version: 0,
        from,
        to: Address::new_id(99),
        sequence: nonce,
        value: TokenAmount::from_atto(1),
        method_num: padma_state::actors::method::SEND,
        params: Default::default(),
        gas_limit,
        gas_fee_cap: TokenAmount::from_atto(1000),
        gas_premium: TokenAmount::from_atto(10),
    }
}

fn signed(m: Message, sig: Signature) -> SignedMessage {
    SignedMessage {
        message: m,
        signature: sig,
    }
}

#[test]
fn minimum_gas_is_the_cost_of_storing_the_message() {
    let m = msg(Address::new_id(100), 0, 1000);
    let len = message_cbor(&m).len();
    let min = min_gas_limit(len);
    assert!(min > 1000, "storing {len} bytes costs {min}");
    let err = check_syntax(&m, len).unwrap_err();
    assert!(
        err.contains("'GasLimit' field cannot be less than the cost of storing a message on chain"),
        "{err}"
    );
    assert!(check_syntax(&msg(Address::new_id(100), 0, min), len).is_ok());
    assert!(check_syntax(&msg(Address::new_id(100), 0, min - 1), len).is_err());
    // Longer on chain costs more.
    assert!(min_gas_limit(len + 100) > min);
}

#[test]
fn chain_length_counts_the_signature_except_for_bls() {
    let m = msg(Address::new_id(100), 0, 1);
    let bare = message_cbor(&m).len();
    let bls = signed(m.clone(), Signature::new_bls(vec![1; 96]));
    assert_eq!(chain_length(&bls), bare);
    let secp = signed(m, Signature::new_secp256k1(vec![1; 65]));
    assert_eq!(chain_length(&secp), secp.cbor().len());
    assert!(chain_length(&secp) > bare);
}

#[test]
fn nonces_must_follow_the_state_without_gaps() {
    let (a, b) = (Address::new_id(100), Address::new_id(101));
    let st = FakeState::default()
        .with(a, 100, 5, true)
        .with(b, 101, 0, true);
    let mut block = BlockMessages::new(&st);
    let g = min_gas_limit(100);
    assert!(matches!(
        block.add(&msg(a, 4, g), 100),
        Err(Refusal::NotHere(_))
    ));
    assert!(matches!(
        block.add(&msg(a, 6, g), 100),
        Err(Refusal::NotHere(_))
    ));
    block.add(&msg(a, 5, g), 100).unwrap();
    block.add(&msg(b, 0, g), 100).unwrap();
    // The refused ones did not advance the nonce.
    let e = block.add(&msg(a, 5, g), 100).unwrap_err();
    assert!(e.to_string().contains("wrong nonce"), "{e}");
    block.add(&msg(a, 6, g), 100).unwrap();
}

#[test]
fn senders_must_exist_and_be_allowed_to_send() {
    let (a, c) = (Address::new_id(100), Address::new_id(102));
    let st = FakeState::default()
        .with(a, 100, 0, true)
        .with(c, 102, 0, false);
    let mut block = BlockMessages::new(&st);
    let e = block
        .add(&msg(Address::new_id(7), 0, min_gas_limit(100)), 100)
        .unwrap_err();
    assert!(
        matches!(&e, Refusal::NotHere(s) if s.contains("does not exist")),
        "{e}"
    );
    let e = block.add(&msg(c, 0, min_gas_limit(100)), 100).unwrap_err();
    assert!(
        matches!(&e, Refusal::Never(s) if s.contains("cannot send")),
        "{e}"
    );
    let e = block.add(&msg(a, 0, 1000), 100).unwrap_err();
    assert!(matches!(e, Refusal::Never(_)));
    block.add(&msg(a, 0, min_gas_limit(100)), 100).unwrap();
}

#[test]
fn the_block_gas_limit_is_shared_and_a_refusal_uses_none_of_it() {
    let a = Address::new_id(100);
    let st = FakeState::default().with(a, 100, 0, true);
    let mut block = BlockMessages::new(&st);
    block.add(&msg(a, 0, BLOCK_GAS_LIMIT - 10), 100).unwrap();
    let e = block.add(&msg(a, 1, min_gas_limit(100)), 100).unwrap_err();
    assert!(e.to_string().contains("block gas limit exceeded"), "{e}");
    let e = block.add(&msg(a, 1, BLOCK_GAS_LIMIT + 1), 100).unwrap_err();
    assert!(matches!(e, Refusal::Never(_)), "{e}");
    assert_eq!(block.gas, BLOCK_GAS_LIMIT - 10);
}

#[test]
fn a_block_carries_at_most_the_message_limit() {
    let a = Address::new_id(100);
    let st = FakeState::default().with(a, 100, 0, true);
    let mut block = BlockMessages::new(&st);
    let n = u64::try_from(BLOCK_MESSAGE_LIMIT).unwrap();
    for nonce in 0..n {
        block.add(&msg(a, nonce, min_gas_limit(100)), 100).unwrap();
    }
    let e = block.add(&msg(a, n, min_gas_limit(100)), 100).unwrap_err();
    assert!(
        matches!(&e, Refusal::NotHere(s) if s.contains("more than")),
        "{e}"
    );
}
