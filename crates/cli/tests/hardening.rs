//! The API server under hostile clients, against real `padma` processes and sockets:
//! ids echoed exactly, permission sets, one size limit and error for HTTP and
//! WebSocket, refused nonsensical limits, bounded memory for big bodies, batches,
//! far-future base info and clients that never read, idle and slow connections
//! closed, a connection cap, and mining that survives a socket flood.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use futures::{SinkExt, StreamExt};
use padma_testkit::*;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Peak resident memory of a process, in MiB.
fn peak_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb / 1024
}

/// Raises this test process's soft file limit to its hard limit.
fn raise_own_nofile() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        lim.rlim_cur = lim.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
    }
}

/// Waits until `sock` is closed by the peer (EOF or reset), at most `within`.
fn wait_closed(sock: &mut TcpStream, within: Duration) -> bool {
    sock.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        match sock.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return false,
            Err(_) => return true,
        }
    }
    false
}

/// Starts `padma devnet --mock-proofs` with extra environment and, if given, a file
/// limit (soft and hard) for the process.
fn devnet_with(dir: &Path, env: &[(&str, &str)], nofile: Option<u64>) -> Daemon {
    let mut cmd = mock_devnet_command(dir, free_port(), 1);
    cmd.envs(env.iter().copied());
    if let Some(n) = nofile {
        unsafe {
            cmd.pre_exec(move || {
                let lim = libc::rlimit {
                    rlim_cur: n,
                    rlim_max: n,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    Daemon::devnet_from(cmd, dir, dir)
}

/// The head height, over `client`'s kept-alive connection; -1 when unavailable.
async fn head_height(client: &reqwest::Client, url: &str) -> i64 {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"Filecoin.ChainHead"}"#;
    let Ok(r) = client.post(url).body(body).send().await else {
        return -1;
    };
    let v: Value = r.json().await.unwrap_or_default();
    v["result"]["Height"].as_i64().unwrap_or(-1)
}

/// Waits until the chain is at least at `h`.
async fn wait_height(client: &reqwest::Client, url: &str, h: i64, within: Duration) -> i64 {
    let deadline = Instant::now() + within;
    loop {
        let now = head_height(client, url).await;
        if now >= h {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "chain stuck at {now}, wanted {h}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn ids_are_echoed_exactly_and_permissions_are_sets() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path());
    let url = d.url("v1");
    for id in [
        "18446744073709551616123",
        "-340282366920938463463374607431768211457",
        "1.50",
        r#""abc""#,
    ] {
        let body = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"Filecoin.Session"}}"#);
        let (s, t) = post_raw(&url, None, body).await;
        assert_eq!(s, 200, "{t}");
        assert!(
            t.contains(&format!(r#""id":{id},"#)),
            "{id} came back as {t}"
        );
        let body = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"Filecoin.Nope"}}"#);
        let (_, t) = post_raw(&url, None, body).await;
        assert!(
            t.contains(&format!(r#""id":{id},"#)),
            "{id} came back as {t}"
        );
    }
    // Over WebSocket too.
    let (mut ws, _) = tokio_tungstenite::connect_async(d.ws_url("v1"))
        .await
        .unwrap();
    let big = "18446744073709551616123";
    ws.send(Message::Text(
        format!(r#"{{"jsonrpc":"2.0","id":{big},"method":"Filecoin.Session"}}"#).into(),
    ))
    .await
    .unwrap();
    let text = loop {
        if let Some(Ok(Message::Text(t))) = ws.next().await {
            break t.to_string();
        }
    };
    assert!(text.contains(&format!(r#""id":{big},"#)), "{text}");

    // A token allowing only `sign` signs but cannot write or read.
    let addr =
        call(&url, Some(&d.admin), "WalletNew", json!(["secp256k1"])).await["result"].clone();
    let b64 = call(&url, Some(&d.admin), "AuthNew", json!([["sign"]])).await;
    let sign_only = String::from_utf8(
        base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            b64["result"].as_str().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let r = call(&url, None, "AuthVerify", json!([sign_only])).await;
    assert_eq!(r["result"], json!(["sign"]));
    let r = call(&url, Some(&sign_only), "WalletHas", json!([addr])).await;
    assert_eq!(
        r["error"]["message"], "missing permission to invoke 'WalletHas' (need 'write')",
        "{r}"
    );
    let r = call(&url, Some(&sign_only), "WalletSign", json!([addr, "aGk="])).await;
    assert!(r["result"]["Data"].is_string(), "{r}");
}

#[tokio::test]
async fn one_size_limit_and_one_error_for_http_and_websocket() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start_with(dir.path(), &[("PADMA_API_MAXREQUESTSIZE", "4096")]);
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"Filecoin.Version","pad":"{}"}}"#,
        "x".repeat(5000)
    );
    let (s, http) = post_raw(&d.url("v1"), None, big.clone()).await;
    assert_eq!(s, 500);
    let http: Value = serde_json::from_str(&http).unwrap();
    let (mut ws, _) = tokio_tungstenite::connect_async(d.ws_url("v1"))
        .await
        .unwrap();
    ws.send(Message::Text(big.into())).await.unwrap();
    let mut got = None;
    let mut closed = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, ws.next()).await {
        match msg {
            Ok(Message::Text(t)) => got = Some(serde_json::from_str::<Value>(&t).unwrap()),
            Ok(Message::Close(_)) | Err(_) => {
                closed = true;
                break;
            }
            Ok(_) => {}
        }
    }
    let got = got.expect("a JSON-RPC error before the close");
    assert!(closed || ws.next().await.is_none());
    assert_eq!(got["error"], http["error"], "{got} vs {http}");
    assert_eq!(got["error"]["code"], -32700);
    assert_eq!(
        got["error"]["message"],
        "request bigger than maximum 4096 allowed"
    );
}

#[test]
fn nonsensical_limits_are_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value, needle) in [
        (
            "PADMA_API_MAXREQUESTSIZE",
            "0",
            "API.MaxRequestSize must be between",
        ),
        (
            "PADMA_API_MAXCONNECTIONS",
            "0",
            "API.MaxConnections must be between",
        ),
        (
            "PADMA_API_IDLETIMEOUTSECS",
            "0",
            "API.IdleTimeoutSecs must be between",
        ),
    ] {
        let mut cmd = daemon_command(dir.path(), &[]);
        cmd.env(var, value);
        let mut daemon = Proc::spawn_split(
            cmd,
            dir.path().join(format!("{var}.stdout")),
            dir.path().join(format!("{var}.stderr")),
        );
        // A daemon that accepted the limit would run on: it must exit by itself.
        let status = daemon.wait_exit_within(Duration::from_secs(30));
        let err = daemon.stderr();
        assert!(
            status.is_some_and(|s| !s.success()),
            "{var}={value} was accepted: {err}"
        );
        assert!(err.contains(needle), "{var}={value}: {err}");
    }
}

#[tokio::test]
async fn big_bodies_and_batches_are_refused_within_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path());
    let url = d.url("v1");
    // 15 MB of batched calls: refused by count, not run.
    let one = r#"{"jsonrpc":"2.0","id":1,"method":"Filecoin.Session"},"#;
    let mut batch = format!("[{}", one.repeat(15_000_000 / one.len()));
    batch.pop();
    batch.push(']');
    let (s, t) = post_raw(&url, None, batch).await;
    assert_eq!(s, 400, "{}", &t[..t.len().min(300)]);
    assert!(
        t.contains("batch bigger than maximum 100 requests allowed"),
        "{t}"
    );
    // A body far over the limit: refused after reading at most the limit.
    let huge = vec![b' '; 104 << 20];
    let res = reqwest::Client::new()
        .post(&url)
        .header("Content-Type", "application/json")
        .body(huge)
        .send()
        .await;
    if let Ok(r) = res {
        assert_eq!(r.status().as_u16(), 500);
        let t = r.text().await.unwrap_or_default();
        assert!(
            t.is_empty() || t.contains("request bigger than maximum"),
            "{t}"
        );
    }
    // A batch at the limit still works.
    let mut ok = format!("[{}", one.repeat(100));
    ok.pop();
    ok.push(']');
    let (s, t) = post_raw(&url, None, ok).await;
    assert_eq!(s, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&t)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        100
    );
    let peak = peak_mib(d.pid());
    assert!(peak < 400, "daemon peaked at {peak} MiB");
}

#[tokio::test]
async fn a_websocket_client_that_never_reads_is_disconnected() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start_with(dir.path(), &[("PADMA_API_MAXSENDBUFFER", "1048576")]);
    let (mut ws, _) = tokio_tungstenite::connect_async(d.ws_url("v1"))
        .await
        .unwrap();
    // Discovery replies are large; ask for far more than the socket buffers and the
    // 1 MiB send buffer hold, and never read.
    let req = r#"{"jsonrpc":"2.0","id":1,"method":"Filecoin.Discover"}"#;
    let mut refused = false;
    for _ in 0..20_000 {
        let sent =
            tokio::time::timeout(Duration::from_secs(20), ws.send(Message::Text(req.into())))
                .await
                .expect("the server keeps reading or closes");
        if sent.is_err() {
            refused = true;
            break;
        }
    }
    if !refused {
        // The server must have dropped us: reading ends within the deadline.
        let ended = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(Ok(_)) = ws.next().await {}
        })
        .await;
        assert!(ended.is_ok(), "the slow reader was not disconnected");
    }
    let peak = peak_mib(d.pid());
    assert!(peak < 400, "daemon peaked at {peak} MiB");
    // The node still answers.
    let r = call(&d.url("v1"), None, "Version", json!([])).await;
    assert_eq!(r["result"]["Agent"], "padma");
}

#[test]
fn idle_and_slow_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start_with(
        dir.path(),
        &[
            ("PADMA_API_IDLETIMEOUTSECS", "2"),
            ("PADMA_API_READTIMEOUTSECS", "2"),
            ("PADMA_API_MAXCONNECTIONS", "20"),
        ],
    );
    let addr = format!("127.0.0.1:{}", d.port);
    // An idle connection, one that stops in the middle of its headers, and a
    // WebSocket that never answers pings: all closed by the server.
    let mut idle = TcpStream::connect(&addr).unwrap();
    let mut slow = TcpStream::connect(&addr).unwrap();
    slow.write_all(b"POST /rpc/v1 HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut ws = TcpStream::connect(&addr).unwrap();
    ws.write_all(
        format!(
            "GET /rpc/v1 HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .as_bytes(),
    )
    .unwrap();
    let mut head = [0u8; 12];
    ws.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 101");
    for (name, s) in [("idle", &mut idle), ("slow", &mut slow), ("ws", &mut ws)] {
        assert!(
            wait_closed(s, Duration::from_secs(30)),
            "{name} connection not closed"
        );
    }
    // A keep-alive connection after a request is closed once quiet.
    let mut ka = TcpStream::connect(&addr).unwrap();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"Filecoin.Session"}"#;
    ka.write_all(
        format!(
            "POST /rpc/v1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    assert!(
        wait_closed(&mut ka, Duration::from_secs(30)),
        "keep-alive connection not closed"
    );
}

#[test]
fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start_with(dir.path(), &[("PADMA_API_MAXCONNECTIONS", "20")]);
    let addr = format!("127.0.0.1:{}", d.port);
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"Filecoin.Session"}"#;
    let held: Vec<TcpStream> = (0..20)
        .map(|_| TcpStream::connect(&addr).unwrap())
        .collect();
    let mut extra = TcpStream::connect(&addr).unwrap();
    extra
        .write_all(
            format!(
                "POST /rpc/v1 HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    extra
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut buf = [0u8; 64];
    assert!(
        extra.read(&mut buf).is_err(),
        "served beyond the connection cap"
    );
    drop(held);
    extra
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let n = extra.read(&mut buf).unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn far_future_base_info_and_huge_sector_lists_are_cheap() {
    let dir = tempfile::tempdir().unwrap();
    let d = devnet_with(dir.path(), &[], None);
    let url = d.url("v1");
    let t = Instant::now();
    for round in [1_000_000i64, i64::MAX] {
        let r = call(
            &url,
            None,
            "MinerGetBaseInfo",
            json!(["t01000", round, null]),
        )
        .await;
        assert_eq!(r["error"]["code"], -32602, "{r}");
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .contains("in the future"),
            "{r}"
        );
    }
    // A bitfield naming a million sectors: answered with the ones that exist.
    let r = call(
        &url,
        None,
        "StateMinerSectors",
        json!(["t01000", [0, 1_000_000], null]),
    )
    .await;
    assert!(r["result"].is_array(), "{r}");
    assert!(
        t.elapsed() < Duration::from_secs(20),
        "took {:?}",
        t.elapsed()
    );
    let peak = peak_mib(d.pid());
    assert!(peak < 600, "devnet peaked at {peak} MiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mining_survives_a_flood_of_idle_sockets() {
    raise_own_nofile();
    let dir = tempfile::tempdir().unwrap();
    let d = devnet_with(dir.path(), &[("PADMA_API_IDLETIMEOUTSECS", "3")], Some(512));
    let url = d.url("v1");
    let client = reqwest::Client::new();
    let h0 = wait_height(&client, &url, 2, Duration::from_secs(60)).await;
    // Far more sockets than the process may open; none of them sends anything.
    let addr = format!("127.0.0.1:{}", d.port);
    let mut flood = Vec::new();
    let sock: std::net::SocketAddr = addr.parse().unwrap();
    let mut failures = 0;
    while flood.len() < 1200 && failures < 3 {
        // A full listen backlog shows as a connect timeout.
        match TcpStream::connect_timeout(&sock, Duration::from_secs(2)) {
            Ok(s) => flood.push(s),
            Err(_) => failures += 1,
        }
    }
    // More than the 512 files the process may open less its reserve.
    assert!(flood.len() > 300, "only {} sockets opened", flood.len());
    // Blocks keep coming while the flood is held (idle ones are closed, others queue).
    let h1 = wait_height(&client, &url, h0 + 5, Duration::from_secs(60)).await;
    drop(flood);
    assert!(h1 >= h0 + 5);
    let log = std::fs::read_to_string(dir.path().join("test-stderr.log")).unwrap_or_default()
        + &std::fs::read_to_string(dir.path().join("test-stdout.log")).unwrap_or_default();
    assert!(!log.contains("Too many open files"), "{log}");
}
