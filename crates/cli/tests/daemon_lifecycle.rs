//! The daemon as a process: repo layout, locking, clean shutdown by signal and API.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use padma_testkit::*;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn first_start_creates_the_repo_layout() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let mut d = Daemon::start(&repo);
    for f in [
        "config.toml",
        "keystore",
        "datastore",
        "api",
        "token",
        "repo.lock",
    ] {
        assert!(repo.join(f).exists(), "{f} missing");
    }
    let mode = |p: &str| {
        std::fs::metadata(repo.join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("keystore"), 0o700);
    assert_eq!(mode("token"), 0o600);
    assert_eq!(mode("keystore/MF2XI2BNNJ3XILLQOJUXMYLUMU"), 0o600);
    let secret: serde_json::Value = serde_json::from_slice(
        &std::fs::read(repo.join("keystore/MF2XI2BNNJ3XILLQOJUXMYLUMU")).unwrap(),
    )
    .unwrap();
    assert_eq!(secret["Type"], "jwt-hmac-secret");
    assert!(d.admin.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJBbGxvdyI6WyJyZWFkIiwid3JpdGUiLCJzaWduIiwiYWRtaW4iXX0."));
    let api = std::fs::read_to_string(repo.join("api")).unwrap();
    assert_eq!(api, format!("/ip4/127.0.0.1/tcp/{}/http", d.port));
    let config = std::fs::read_to_string(repo.join("config.toml")).unwrap();
    assert!(
        config.contains("#ListenAddress"),
        "config has commented defaults"
    );
    assert_eq!(std::fs::metadata(repo.join("repo.lock")).unwrap().len(), 0);
    assert!(d.signal_and_wait(libc::SIGTERM).success());

    // The token and secret survive a restart.
    let admin = d.admin.clone();
    let d2 = Daemon::start(&repo);
    assert_eq!(d2.admin, admin);
}

#[test]
fn port_zero_listens_on_a_free_port_named_in_the_api_file() {
    let dir = tempfile::tempdir().unwrap();
    // `padma daemon --api 0`.
    let by_flag = Daemon::start(&dir.path().join("flag"));
    // `ListenAddress` with port 0 in config.toml, and no --api.
    let repo = dir.path().join("config");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(
        repo.join("config.toml"),
        "[API]\nListenAddress = \"/ip4/127.0.0.1/tcp/0/http\"\n",
    )
    .unwrap();
    let mut cmd = Command::new(padma());
    cmd.args(["--repo", repo.to_str().unwrap(), "daemon"])
        .env_remove("FULLNODE_API_INFO")
        .env_remove("PADMA_API_LISTENADDRESS");
    let by_config = Daemon::serving(Proc::spawn(cmd, repo.join("test-stderr.log")), &repo);

    let rt = tokio::runtime::Runtime::new().unwrap();
    for d in [&by_flag, &by_config] {
        assert_ne!(d.port, 0);
        let api = std::fs::read_to_string(d.repo.join("api")).unwrap();
        assert_eq!(api, format!("/ip4/127.0.0.1/tcp/{}/http", d.port));
        let r = rt.block_on(call(&d.url("v1"), None, "Version", serde_json::json!([])));
        assert_eq!(r["result"]["APIVersion"], 0x020300, "{r}");
        // A client finds the daemon through the api file alone.
        let out = d.cli_ok(&["version"]);
        assert!(out.contains("+api2.3.0"), "{out}");
    }
    assert_ne!(by_flag.port, by_config.port);
}

#[test]
fn second_daemon_on_the_same_repo_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path());
    let start = Instant::now();
    let out = daemon_output(dir.path(), &[]);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(dir.path().to_str().unwrap()),
        "names the repo: {err}"
    );
    assert!(
        err.contains(&format!("pid {}", d.pid())),
        "names the holder: {err}"
    );
    // The first daemon is unaffected and keeps its api file.
    assert!(dir.path().join("api").exists());
}

#[test]
fn sigterm_sigint_and_shutdown_stop_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    for how in ["SIGTERM", "SIGINT", "api", "cli"] {
        let mut d = Daemon::start(dir.path());
        let status = match how {
            "SIGTERM" => d.signal_and_wait(libc::SIGTERM),
            "SIGINT" => d.signal_and_wait(libc::SIGINT),
            "api" => {
                let rt = tokio::runtime::Runtime::new().unwrap();
                let r = rt.block_on(call(
                    &d.url("v0"),
                    Some(&d.admin),
                    "Shutdown",
                    serde_json::json!([]),
                ));
                assert_eq!(r["result"], serde_json::Value::Null, "{r}");
                assert!(r.get("error").is_none());
                d.wait()
            }
            _ => {
                let out = d.cli_ok(&["daemon", "stop"]);
                assert!(out.contains("stopping"));
                d.wait()
            }
        };
        assert!(status.success(), "{how}: exit status {status}");
        assert!(!dir.path().join("api").exists(), "{how}: api file removed");
    }
}

#[test]
fn a_killed_daemon_leaves_no_stale_lock() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Daemon::start(dir.path());
    let status = d.signal_and_wait(libc::SIGKILL);
    assert!(!status.success());
    // The api file is left behind by a hard kill, but the lock died with the process.
    let mut d2 = Daemon::start(dir.path());
    assert!(d2.signal_and_wait(libc::SIGTERM).success());
}

#[test]
fn shutdown_needs_admin() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let sign = d.token("sign").await;
        let r = call(&d.url("v1"), Some(&sign), "Shutdown", serde_json::json!([])).await;
        assert_eq!(r["error"]["code"], 1);
        assert_eq!(
            r["error"]["message"],
            "missing permission to invoke 'Shutdown' (need 'admin')"
        );
        let r = call(&d.url("v1"), None, "Version", serde_json::json!([])).await;
        assert_eq!(r["result"]["Agent"], "padma");
    });
}

#[test]
fn bad_config_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "[API]\nNope = 1\n").unwrap();
    let out = daemon_output(dir.path(), &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown key Nope"));
    let out = Command::new(padma())
        .args(["--repo", dir.path().join("r2").to_str().unwrap(), "daemon"])
        .env("PADMA_API_LISTENADDRESS", "not-a-multiaddr")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("must look like /ip4/"));
}
