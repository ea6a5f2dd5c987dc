//! Lotus JSON of `Version`'s answer, which every padma API serves.

use serde::{Deserialize, Serialize};

/// `Version`'s answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// Build version text.
    #[serde(rename = "Version")]
    pub version: String,
    /// API version number of the endpoint (see `padma_rpc::api_version`).
    #[serde(rename = "APIVersion")]
    pub api_version: u32,
    /// Seconds between epochs.
    #[serde(rename = "BlockDelay")]
    pub block_delay: u64,
    /// The program answering.
    #[serde(rename = "Agent", default)]
    pub agent: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_info_shape() {
        let v = VersionInfo {
            version: "1.2.3+padma".into(),
            api_version: 0x0002_0000,
            block_delay: 30,
            agent: "padma".into(),
        };
        let text = serde_json::to_string(&v).expect("encodes");
        assert_eq!(
            text,
            r#"{"Version":"1.2.3+padma","APIVersion":131072,"BlockDelay":30,"Agent":"padma"}"#
        );
        assert_eq!(
            serde_json::from_str::<VersionInfo>(&text).expect("decodes"),
            v
        );
        let without_agent: VersionInfo =
            serde_json::from_str(r#"{"Version":"v","APIVersion":1,"BlockDelay":4}"#)
                .expect("the agent is optional");
        assert!(without_agent.agent.is_empty());
    }
}
