//! Positional parameters as Rust tuples: each element decoded straight from its JSON
//! text on the server, encoded in order by the client. A method may leave trailing
//! parameters optional (see `RpcMethod::REQUIRED_PARAMS`): a missing one decodes as
//! JSON `null`, so its type is an `Option`.

use crate::error::RpcError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// A tuple of positional parameters.
pub trait RpcParams: Sized + Send + 'static {
    /// The number of parameters, optional ones included.
    const LEN: usize;

    /// Decodes the parameters of `method` from their wire texts; a parameter beyond
    /// `raw` decodes from `null`.
    fn decode(method: &str, raw: &[Box<RawValue>]) -> Result<Self, RpcError>;

    /// Encodes the parameters in order.
    fn encode(&self) -> Result<Vec<Value>, serde_json::Error>;
}

/// Decodes parameter `i` of `method` (a missing one as `null`); a failure is an
/// invalid-params error naming both.
pub fn decode_one<T: DeserializeOwned>(
    method: &str,
    raw: &[Box<RawValue>],
    i: usize,
) -> Result<T, RpcError> {
    let text = raw.get(i).map_or("null", |v| v.get());
    serde_json::from_str(text).map_err(|e| {
        RpcError::invalid_params(format!(
            "unmarshaling params for '{method}' (param {i}): {e}"
        ))
    })
}

impl RpcParams for () {
    const LEN: usize = 0;
    fn decode(_: &str, _: &[Box<RawValue>]) -> Result<Self, RpcError> {
        Ok(())
    }
    fn encode(&self) -> Result<Vec<Value>, serde_json::Error> {
        Ok(Vec::new())
    }
}

macro_rules! tuple_params {
    ($len:literal; $($t:ident $i:tt),+) => {
        impl<$($t),+> RpcParams for ($($t,)+)
        where
            $($t: Serialize + DeserializeOwned + Send + 'static),+
        {
            const LEN: usize = $len;
            fn decode(method: &str, raw: &[Box<RawValue>]) -> Result<Self, RpcError> {
                Ok(($(decode_one::<$t>(method, raw, $i)?,)+))
            }
            fn encode(&self) -> Result<Vec<Value>, serde_json::Error> {
                Ok(vec![$(serde_json::to_value(&self.$i)?),+])
            }
        }
    };
}

tuple_params!(1; A 0);
tuple_params!(2; A 0, B 1);
tuple_params!(3; A 0, B 1, C 2);
tuple_params!(4; A 0, B 1, C 2, D 3);
tuple_params!(5; A 0, B 1, C 2, D 3, E 4);
tuple_params!(6; A 0, B 1, C 2, D 3, E 4, F 5);
tuple_params!(7; A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_params!(8; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(texts: &[&str]) -> Vec<Box<RawValue>> {
        texts
            .iter()
            .map(|t| RawValue::from_string(t.to_string()).expect("valid JSON"))
            .collect()
    }

    #[test]
    fn tuples_round_trip_and_missing_trailing_params_are_null() {
        let p: (u64, String, Option<bool>) =
            RpcParams::decode("M", &raw(&["7", "\"x\""])).expect("decodes");
        assert_eq!(p, (7, "x".to_string(), None));
        let back = p.encode().expect("encodes");
        assert_eq!(back, vec![Value::from(7), Value::from("x"), Value::Null]);
    }

    #[test]
    fn a_bad_parameter_names_the_method_and_position() {
        let e = <(u64, u64)>::decode("Foo", &raw(&["1", "\"no\""])).expect_err("refused");
        assert!(e.message.contains("'Foo' (param 1)"), "{}", e.message);
    }
}
