//! `padma-miner`: the storage miner's command line.

fn main() {
    eprintln!("padma-miner: no command yet");
    std::process::exit(2);
}
