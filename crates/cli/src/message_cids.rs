//! The output-only `CID` fields of messages in Lotus JSON. The node writes them, but
//! reading a typed answer drops them (they are not part of a message), so commands
//! that print messages as the node wrote them put them back.

use padma_types::json::{MessageJson, SignedMessageJson};
use padma_types::{Message, SignedMessage};

/// An unsigned message with its `CID`.
pub fn message_with_cid(m: MessageJson) -> MessageJson {
    MessageJson::from(&Message::from(m))
}

/// A signed message with its `CID` and its inner message's.
pub fn signed_message_with_cids(m: SignedMessageJson) -> SignedMessageJson {
    match SignedMessage::try_from(m.clone()) {
        Ok(sm) => SignedMessageJson::from(&sm),
        // A signature type padma cannot read: the inner message's CID still comes back.
        Err(_) => SignedMessageJson {
            message: message_with_cid(m.message),
            ..m
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use padma_types::json::SignatureJson;
    use serde_json::json;

    fn message() -> MessageJson {
        serde_json::from_value(json!({
            "To": "t01000", "From": "t0100", "Nonce": 3, "Value": "5",
            "GasLimit": 10, "GasFeeCap": "7", "GasPremium": "6", "Method": 2, "Params": null
        }))
        .expect("a message")
    }

    #[test]
    fn cids_come_back_as_the_node_writes_them() {
        let m = message();
        assert!(m.cid.is_none(), "input does not carry the CID");
        let expected = padma_types::message::message_cid(&Message::from(m.clone()));
        assert_eq!(message_with_cid(m.clone()).cid.map(|c| c.0), Some(expected));

        let secp = SignedMessageJson {
            message: m.clone(),
            signature: SignatureJson {
                sig_type: 1,
                data: vec![1; 65],
            },
            cid: None,
        };
        let node_wrote = SignedMessageJson::from(
            &SignedMessage::try_from(secp.clone()).expect("a signed message"),
        );
        assert_eq!(
            serde_json::to_value(signed_message_with_cids(secp)).expect("encodes"),
            serde_json::to_value(&node_wrote).expect("encodes")
        );

        let unknown = SignedMessageJson {
            message: m,
            signature: SignatureJson {
                sig_type: 9,
                data: vec![1],
            },
            cid: None,
        };
        let back = signed_message_with_cids(unknown);
        assert!(back.cid.is_none());
        assert_eq!(back.message.cid.map(|c| c.0), Some(expected));
    }
}
