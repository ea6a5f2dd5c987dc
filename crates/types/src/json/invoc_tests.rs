//! `InvocResult` writes the keys and order the untyped `StateCall` wrote and reads back.

use super::*;
use crate::json::BytesJson;
use fvm_shared::address::Address;
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;

fn zero() -> TokenAmountJson {
    TokenAmountJson(TokenAmount::default())
}

fn result() -> InvocResultJson {
    let m = Message {
        version: 0,
        from: Address::new_id(100),
        to: Address::new_id(4),
        sequence: 0,
        value: TokenAmount::from_atto(5),
        method_num: 2,
        params: Default::default(),
        gas_limit: 1000,
        gas_fee_cap: Default::default(),
        gas_premium: Default::default(),
    };
    let msg = MessageJson::from(&m);
    let cid = msg.cid.unwrap_or(CidJson(crate::cid::cbor_cid(&[0x80])));
    InvocResultJson {
        msg_cid: cid,
        msg,
        msg_rct: MessageReceiptJson {
            exit_code: 0,
            return_data: BytesJson(vec![0x80]),
            gas_used: 10,
            events_root: None,
        },
        gas_cost: MsgGasCostJson {
            message: None,
            gas_used: BigInt::default(),
            base_fee_burn: zero(),
            over_estimation_burn: zero(),
            miner_penalty: zero(),
            miner_tip: zero(),
            refund: zero(),
            total_cost: zero(),
        },
        execution_trace: ExecutionTraceJson {
            msg: MessageTraceJson {
                from: AddressJson(m.from),
                to: AddressJson(m.to),
                value: TokenAmountJson(m.value.clone()),
                method: 2,
                params: vec![],
                params_codec: DAG_CBOR_CODEC,
                gas_limit: 1000,
                read_only: false,
            },
            msg_rct: ReturnTraceJson {
                exit_code: 0,
                return_data: vec![0x80],
                return_codec: DAG_CBOR_CODEC,
            },
            invoked_actor: None,
            gas_charges: vec![],
            subcalls: vec![],
        },
        error: String::new(),
        duration: 42,
    }
}

#[test]
fn invoc_result_shape() {
    let r = result();
    let v = serde_json::to_value(&r).expect("encodes");
    let keys: Vec<&String> = v
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "MsgCid",
            "Msg",
            "MsgRct",
            "GasCost",
            "ExecutionTrace",
            "Error",
            "Duration"
        ]
    );
    let (from, to) = (Address::new_id(100), Address::new_id(4));
    assert_eq!(
        v["MsgRct"].to_string(),
        r#"{"ExitCode":0,"Return":"gA==","GasUsed":10,"EventsRoot":null}"#
    );
    assert_eq!(
        v["GasCost"].to_string(),
        r#"{"Message":null,"GasUsed":"0","BaseFeeBurn":"0","OverEstimationBurn":"0","MinerPenalty":"0","MinerTip":"0","Refund":"0","TotalCost":"0"}"#
    );
    assert_eq!(
        v["ExecutionTrace"].to_string(),
        format!(
            r#"{{"Msg":{{"From":"{from}","To":"{to}","Value":"5","Method":2,"Params":null,"ParamsCodec":81,"GasLimit":1000,"ReadOnly":false}},"MsgRct":{{"ExitCode":0,"Return":"gA==","ReturnCodec":81}},"InvokedActor":null,"GasCharges":[],"Subcalls":[]}}"#
        )
    );
    assert_eq!(
        v["Msg"]["CID"],
        serde_json::to_value(r.msg_cid).expect("a CID")
    );
    let back: InvocResultJson = serde_json::from_value(v).expect("decodes");
    assert_eq!(back.execution_trace, r.execution_trace);
    assert_eq!(back.gas_cost, r.gas_cost);
    assert_eq!(back.msg_rct, r.msg_rct);
    assert_eq!(back.duration, 42);
}

#[test]
fn gas_trace_names() {
    let g = GasTraceJson {
        name: "OnMethodInvocation".into(),
        total_gas: 3,
        compute_gas: 2,
        storage_gas: 1,
        time_taken: 9,
    };
    let text = serde_json::to_string(&g).expect("encodes");
    assert_eq!(
        text,
        r#"{"Name":"OnMethodInvocation","tg":3,"cg":2,"sg":1,"tt":9}"#
    );
    assert_eq!(
        serde_json::from_str::<GasTraceJson>(&text).expect("decodes"),
        g
    );
}
