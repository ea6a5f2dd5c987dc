//! A damaged, vanished or full datastore, against real `padma devnet` processes: the
//! node says what happened and what to do, never serves damaged data, never silently
//! starts a new chain over an old one, and waits out a full disk without dying.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use padma_testkit::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Runs `padma devnet` (mock proofs, 1 s blocks, one account) in `dir` to completion
/// (for starts that must fail).
fn devnet_output(dir: &Path) -> Output {
    mock_devnet_command(dir, free_port(), 1).output().unwrap()
}

/// Starts a devnet in `dir` (logs in `logs`) and waits for its API.
fn start_devnet(dir: &Path, logs: &Path, extra: &[&str], env: &[(&str, &str)]) -> Daemon {
    let mut cmd = mock_devnet_command(dir, free_port(), 1);
    cmd.args(extra).envs(env.iter().copied());
    Daemon::devnet_from(cmd, dir, logs)
}

fn rpc(d: &Daemon, method: &str, params: Value) -> Value {
    tokio::runtime::Runtime::new().unwrap().block_on(call(
        &d.url("v1"),
        Some(&d.admin),
        method,
        params,
    ))
}

fn head_height(d: &Daemon) -> i64 {
    rpc(d, "ChainHead", json!([]))["result"]["Height"]
        .as_i64()
        .unwrap_or(-1)
}

/// Waits until the devnet's head reaches `height`.
fn wait_height(d: &Daemon, height: i64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while head_height(d) < height {
        assert!(Instant::now() < deadline, "head did not reach {height}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A devnet mined a few blocks and stopped cleanly; returns its directory's node repo.
fn stopped_devnet(dir: &Path, logs: &Path) -> (PathBuf, Value) {
    let mut d = start_devnet(dir, logs, &[], &[]);
    wait_height(&d, 3);
    let head = rpc(&d, "ChainHead", json!([]))["result"].clone();
    let st = d.signal_and_wait(libc::SIGINT);
    assert!(st.success(), "{st}: {}", d.proc.stderr());
    (dir.join("node"), head)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_vanished_datastore_is_refused_not_replaced_by_a_new_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("devnet");
    let (repo, _) = stopped_devnet(&dir, tmp.path());
    let genesis = std::fs::read_to_string(repo.join("chain")).unwrap();
    assert!(genesis.starts_with("bafy"), "{genesis}");

    std::fs::remove_dir_all(repo.join("datastore")).unwrap();
    let out = devnet_output(&dir);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("no longer holds this repo's chain"), "{said}");
    assert!(said.contains(genesis.trim()), "{said}");
    assert!(said.contains("--reset"), "{said}");
    // Nothing was re-initialised behind the user's back, and the daemon refuses too.
    let out = daemon_output(
        &repo,
        &["--genesis", dir.join("genesis.car").to_str().unwrap()],
    );
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("no longer holds this repo's chain"), "{said}");
    assert!(
        said.contains(&repo.join("chain").display().to_string()),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("chain")).unwrap(),
        genesis
    );

    // --reset is the way to a new chain.
    let mut d = start_devnet(&dir, tmp.path(), &["--reset"], &[]);
    wait_height(&d, 1);
    assert_ne!(
        std::fs::read_to_string(repo.join("chain")).unwrap(),
        genesis
    );
    assert!(d.signal_and_wait(libc::SIGINT).success());
}

/// Every offset of `needle` in the files under `dir`.
fn find_in_files(dir: &Path, needle: &[u8]) -> Vec<(PathBuf, usize)> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let data = std::fs::read(&p).unwrap();
            let mut from = 0;
            while let Some(i) = data
                .get(from..)
                .and_then(|rest| rest.windows(needle.len()).position(|w| w == needle))
            {
                hits.push((p.clone(), from + i));
                from += i + 1;
            }
        }
    }
    hits
}

#[test]
fn flipped_bits_in_the_datastore_are_reported_as_corruption() {
    use base64::Engine;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("devnet");
    let mut d = start_devnet(&dir, tmp.path(), &[], &[]);
    wait_height(&d, 3);
    let head = rpc(&d, "ChainHead", json!([]))["result"].clone();
    let cid = head["Cids"][0]["/"].as_str().unwrap().to_string();
    let raw = rpc(&d, "ChainReadObj", json!([{"/": cid}]))["result"]
        .as_str()
        .map(|b| base64::engine::general_purpose::STANDARD.decode(b).unwrap())
        .unwrap();
    assert!(d.signal_and_wait(libc::SIGINT).success());
    drop(d);

    // Flip one bit inside every stored copy of the head block's bytes.
    let repo = dir.join("node");
    let hits = find_in_files(&repo.join("datastore"), &raw);
    assert!(!hits.is_empty(), "the head block is not stored verbatim");
    for (path, at) in &hits {
        let mut data = std::fs::read(path).unwrap();
        data[at + raw.len() / 2] ^= 0x01;
        std::fs::write(path, data).unwrap();
    }

    let out = devnet_output(&dir);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("is corrupt"), "{said}");
    assert!(said.contains(&cid), "{said}");
    assert!(
        said.contains(&repo.join("datastore").display().to_string()),
        "{said}"
    );
    assert!(said.contains("backup"), "{said}");
    assert!(!said.contains("tipset order"), "{said}");
}

/// A tmpfs of `mib` MiB mounted at a new directory, unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(mib: u64) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let st = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(
            st.success(),
            "this test mounts a small tmpfs to fill it: it needs root (CAP_SYS_ADMIN)"
        );
        SmallDisk { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn free(&self) -> u64 {
        padma_store::space::free_bytes(self.path()).unwrap()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Fills the disk until a write fails for want of space: the disk is full.
fn fill(disk: &SmallDisk) -> PathBuf {
    use std::io::Write;
    let ballast = disk.path().join("ballast");
    let mut f = std::fs::File::create(&ballast).unwrap();
    let mut chunk = vec![0xa5u8; 1 << 20];
    loop {
        match f.write_all(&chunk) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) && chunk.len() > 4096 => {
                chunk.truncate(chunk.len() / 2);
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    let _ = f.sync_all();
    assert!(disk.free() < 1 << 20, "{} bytes still free", disk.free());
    ballast
}

fn wait_for_log(d: &Daemon, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let log = d.proc.stderr();
        if log.contains(needle) {
            return;
        }
        assert!(Instant::now() < deadline, "no '{needle}' in the log: {log}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_full_disk_pauses_writes_serves_reads_and_resumes() {
    let disk = SmallDisk::mount(256);
    let logs = tempfile::tempdir().unwrap();
    let dir = disk.path().join("devnet");
    let floor = (48u64 << 20).to_string();
    let env = [("PADMA_DATASTORE_MINFREESPACE", floor.as_str())];
    let mut d = start_devnet(&dir, logs.path(), &[], &env);
    wait_height(&d, 3);

    // Fill the disk: the node stops writing with a clear error ...
    let ballast = fill(&disk);
    wait_for_log(&d, "not enough free disk space for the datastore");
    // ... keeps serving reads and keeps running ...
    let paused_at = head_height(&d);
    assert!(paused_at >= 3);
    let block = rpc(&d, "ChainGetTipSetByHeight", json!([2, null]));
    assert_eq!(block["result"]["Height"], 2, "{block}");
    assert!(d.proc.exited().is_none(), "the devnet died");

    // ... and resumes by itself once space is freed.
    std::fs::remove_file(&ballast).unwrap();
    wait_for_log(&d, "datastore writes resumed");
    wait_height(&d, paused_at + 2);
    assert!(d.signal_and_wait(libc::SIGINT).success());
    drop(d);

    // Nothing was damaged: the chain resumes where it was.
    let mut d = start_devnet(&dir, logs.path(), &[], &env);
    wait_height(&d, paused_at + 3);
    assert!(d.signal_and_wait(libc::SIGINT).success());
}
