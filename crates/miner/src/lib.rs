//! padma-miner: the storage miner Lotus's `lotus-miner` is — `init` (a new miner actor
//! or a genesis miner's configuration), `run` (the miner API, mining, WindowPoSt and
//! sealing against a full node), and the miner's client commands.

pub mod api;
pub mod cli;
pub mod fullnode;
pub mod identity;
pub mod init;
pub mod libp2p;
pub mod messages;
pub mod mining;
pub mod mining_client;
pub mod node_checks;
pub mod records;
pub mod repo;
pub mod run;
pub mod sealing;
pub mod storage;
pub mod wdpost;
