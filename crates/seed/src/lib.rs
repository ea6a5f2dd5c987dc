//! padma-seed: genesis sector pre-sealing in Lotus's formats (`lotus-seed`).

pub mod manifest;
pub mod preseal;
