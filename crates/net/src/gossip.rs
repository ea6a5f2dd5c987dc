//! Gossipsub as Filecoin runs it (protocol.md §4.1): the message ID is the blake2b-256
//! of the data (`wire::gossip::message_id`), messages are signed and validated before they are forwarded, floods
//! are published, and peers are scored with Lotus's thresholds and topic parameters.

use crate::wire::gossip as wire;
use libp2p::gossipsub::{
    self, ConfigBuilder, IdentTopic, MessageAuthenticity, PeerScoreParams, PeerScoreThresholds,
    TopicScoreParams, ValidationMode,
};
use libp2p::identity::Keypair;
use std::time::Duration;

/// The topic blocks are gossiped on.
pub fn blocks_topic(network_name: &str) -> IdentTopic {
    IdentTopic::new(wire::blocks_topic(network_name))
}

/// The topic messages are gossiped on.
pub fn msgs_topic(network_name: &str) -> IdentTopic {
    IdentTopic::new(wire::msgs_topic(network_name))
}

/// The decay factor that brings a counter to 1% in `over`, decayed once a second.
fn decay(over: Duration) -> f64 {
    0.01f64.powf(1.0 / over.as_secs_f64().max(1.0))
}

fn topic_params(first_delivery_weight: f64, first_delivery_decay: Duration) -> TopicScoreParams {
    TopicScoreParams {
        topic_weight: 0.1,
        // Up to 10 points for an hour in the mesh.
        time_in_mesh_weight: 0.00027,
        time_in_mesh_quantum: Duration::from_secs(1),
        time_in_mesh_cap: 3600.0,
        first_message_deliveries_weight: first_delivery_weight,
        first_message_deliveries_decay: decay(first_delivery_decay),
        first_message_deliveries_cap: 100.0,
        // Mesh delivery penalties are off in Lotus.
        mesh_message_deliveries_weight: 0.0,
        mesh_failure_penalty_weight: 0.0,
        invalid_message_deliveries_weight: -1000.0,
        invalid_message_deliveries_decay: decay(Duration::from_secs(3600)),
        ..TopicScoreParams::default()
    }
}

/// The peer-score parameters for `network_name`'s topics.
pub fn score_params(network_name: &str) -> PeerScoreParams {
    let mut p = PeerScoreParams {
        app_specific_weight: 1.0,
        ip_colocation_factor_weight: -100.0,
        ip_colocation_factor_threshold: 5.0,
        behaviour_penalty_weight: -10.0,
        behaviour_penalty_threshold: 6.0,
        behaviour_penalty_decay: decay(Duration::from_secs(3600)),
        decay_interval: Duration::from_secs(1),
        decay_to_zero: 0.01,
        retain_score: Duration::from_secs(6 * 3600),
        ..PeerScoreParams::default()
    };
    p.topics.insert(
        blocks_topic(network_name).hash(),
        topic_params(5.0, Duration::from_secs(3600)),
    );
    p.topics.insert(
        msgs_topic(network_name).hash(),
        topic_params(0.5, Duration::from_secs(600)),
    );
    p
}

/// Lotus's score thresholds.
pub fn score_thresholds() -> PeerScoreThresholds {
    PeerScoreThresholds {
        gossip_threshold: -500.0,
        publish_threshold: -1000.0,
        graylist_threshold: -2500.0,
        accept_px_threshold: 1000.0,
        opportunistic_graft_threshold: 3.5,
    }
}

/// The gossipsub behaviour, subscribed to nothing yet.
pub fn behaviour(key: &Keypair, network_name: &str) -> anyhow::Result<gossipsub::Behaviour> {
    let config = ConfigBuilder::default()
        .validation_mode(ValidationMode::Strict)
        .validate_messages()
        .message_id_fn(|m: &gossipsub::Message| {
            gossipsub::MessageId::new(&wire::message_id(&m.data))
        })
        .max_transmit_size(wire::MAX_BLOCK_MSG_BYTES)
        .flood_publish(true)
        .mesh_n(8)
        .mesh_n_low(6)
        .mesh_n_high(12)
        .mesh_outbound_min(3)
        .gossip_lazy(12)
        .history_length(10)
        .gossip_factor(0.1)
        .heartbeat_interval(Duration::from_secs(1))
        .build()
        .map_err(|e| anyhow::anyhow!("gossipsub configuration: {e}"))?;
    let mut b = gossipsub::Behaviour::new(MessageAuthenticity::Signed(key.clone()), config)
        .map_err(|e| anyhow::anyhow!("gossipsub: {e}"))?;
    b.with_peer_score(score_params(network_name), score_thresholds())
        .map_err(|e| anyhow::anyhow!("gossipsub peer scores: {e}"))?;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_filecoins() {
        assert_eq!(
            blocks_topic("localnet-x").to_string(),
            "/fil/blocks/localnet-x"
        );
        assert_eq!(msgs_topic("testnetnet").to_string(), "/fil/msgs/testnetnet");
    }

    #[test]
    fn score_parameters_validate_and_decay_as_documented() {
        let p = score_params("n");
        assert!(p.validate().is_ok());
        assert_eq!(p.topics.len(), 2);
        assert!(score_thresholds().validate().is_ok());
        // After an hour of one-second decays, 1% is left.
        let d = decay(Duration::from_secs(3600));
        assert!((d.powi(3600) - 0.01).abs() < 1e-9);
        assert!(behaviour(&Keypair::generate_ed25519(), "n").is_ok());
    }
}
