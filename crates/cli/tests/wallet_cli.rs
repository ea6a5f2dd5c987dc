//! Wallet round trips through the CLI and the API, against the shared vectors.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice)] // test code: a panic is a failed test

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use padma_testkit::*;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

#[test]
fn wallet_round_trips_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path());
    let bls = d.cli_ok(&["wallet", "new", "bls"]);
    let secp = d.cli_ok(&["wallet", "new"]);
    assert!(
        bls.starts_with("t3") && secp.starts_with("t1"),
        "{bls} {secp}"
    );
    assert_eq!(
        d.cli_ok(&["wallet", "default"]),
        bls,
        "the first key becomes the default"
    );
    let list = d.cli_ok(&["wallet", "list", "-a"]);
    assert!(list.contains(&bls) && list.contains(&secp));
    assert!(d.cli_ok(&["wallet", "list"]).contains("0 FIL"));
    d.cli_ok(&["wallet", "set-default", &secp]);
    assert_eq!(d.cli_ok(&["wallet", "default"]), secp);
    assert_eq!(d.cli_ok(&["wallet", "balance"]), "0 FIL");

    for a in [&bls, &secp] {
        let sig = d.cli_ok(&["wallet", "sign", a, "68656c6c6f"]);
        assert_eq!(
            d.cli_ok(&["wallet", "verify", a, "68656c6c6f", &sig]),
            "valid"
        );
        let bad = d.cli(&["wallet", "verify", a, "68656c6c6e", &sig]);
        assert!(!bad.status.success());
        assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid signature"));
        // Export, delete, import again: the same address comes back.
        let hex_key = d.cli_ok(&["wallet", "export", a]);
        d.cli_ok(&["wallet", "delete", a]);
        assert!(!d.cli_ok(&["wallet", "list", "-a"]).contains(a.as_str()));
        let key_file = dir.path().join("k.hex");
        std::fs::write(&key_file, &hex_key).unwrap();
        let out = d.cli_ok(&["wallet", "import", key_file.to_str().unwrap()]);
        assert!(out.contains(a.as_str()), "{out}");
    }
    let missing = d.cli(&[
        "wallet",
        "export",
        "t1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ]);
    assert!(!missing.status.success());
    let garbage = d.cli(&["wallet", "sign", &bls, "zz"]);
    assert!(!garbage.status.success());
    assert!(String::from_utf8_lossy(&garbage.stderr).contains("not valid hex"));
}

#[test]
fn vector_keys_import_and_sign_exactly_as_lotus() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path());
    let v = vectors();
    let rt = tokio::runtime::Runtime::new().unwrap();
    for m in v["messages"].as_array().unwrap() {
        // Import from stdin in `lotus wallet export` hex form.
        let mut child = Command::new(padma())
            .args([
                "--repo",
                dir.path().to_str().unwrap(),
                "wallet",
                "import",
                "--as-default",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(
                m["privateKey"]["lotus_export_hex"]
                    .as_str()
                    .unwrap()
                    .as_bytes(),
            )
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let expected = m["address"].as_str().unwrap();
        let addr = format!("t{}", &expected[1..]);
        assert!(String::from_utf8_lossy(&out.stdout).contains(&addr));
        assert_eq!(d.cli_ok(&["wallet", "default"]), addr);
        assert_eq!(
            d.cli_ok(&["wallet", "export", &addr]),
            m["privateKey"]["lotus_export_hex"].as_str().unwrap()
        );

        // WalletSignMessage over RPC gives the vector's signature and CIDs; `f` input is accepted.
        rt.block_on(async {
            let signed = call(
                &d.url("v1"),
                Some(&d.admin),
                "WalletSignMessage",
                json!([expected, m["message_lotus_json"]]),
            )
            .await;
            let s = &signed["result"];
            assert_eq!(s["Signature"], m["signature"], "{}", m["name"]);
            assert_eq!(s["CID"]["/"], m["signed_message_cid"]);
            assert_eq!(s["Message"]["CID"]["/"], m["message_cid"]);
            let cid_bytes = hex::decode(m["message_cid_bytes_hex"].as_str().unwrap()).unwrap();
            let ok = call(
                &d.url("v1"),
                None,
                "WalletVerify",
                json!([addr, B64.encode(&cid_bytes), m["signature"]]),
            )
            .await;
            assert_eq!(ok["result"], true);
            let no = call(
                &d.url("v1"),
                None,
                "WalletVerify",
                json!([addr, B64.encode(b"other"), m["signature"]]),
            )
            .await;
            assert_eq!(no["result"], false);
        });
    }
    for r in v["rawSign"].as_array().unwrap() {
        let ki = json!({"Type": if r["sigLotusHex"].as_str().unwrap().starts_with("02") {"bls"} else {"secp256k1"}, "PrivateKey": r["lotusKeyB64"]});
        rt.block_on(async {
            let a = call(&d.url("v1"), Some(&d.admin), "WalletImport", json!([ki])).await["result"]
                .clone();
            assert_eq!(
                &a.as_str().unwrap()[1..],
                &r["address"].as_str().unwrap()[1..]
            );
            let sig = call(
                &d.url("v1"),
                Some(&d.admin),
                "WalletSign",
                json!([a, B64.encode(b"hello")]),
            )
            .await["result"]
                .clone();
            let mut bytes = vec![sig["Type"].as_u64().unwrap() as u8];
            bytes.extend(B64.decode(sig["Data"].as_str().unwrap()).unwrap());
            assert_eq!(hex::encode(bytes), r["sigLotusHex"].as_str().unwrap());
            let has = call(
                &d.url("v1"),
                Some(&d.admin),
                "WalletHas",
                json!([r["address"]]),
            )
            .await;
            assert_eq!(has["result"], true);
        });
        let cli_sig = d.cli_ok(&[
            "wallet",
            "sign",
            r["address"].as_str().unwrap(),
            "68656c6c6f",
        ]);
        assert_eq!(cli_sig, r["sigLotusHex"].as_str().unwrap());
    }
    // Bad key material is refused with a clear error, over the CLI and the API.
    let bad = d.cli(&["wallet", "import", "/nonexistent/key"]);
    assert!(!bad.status.success());
    rt.block_on(async {
        let r = call(
            &d.url("v1"),
            Some(&d.admin),
            "WalletImport",
            json!([{"Type":"bls","PrivateKey":"AAAA"}]),
        )
        .await;
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .contains("invalid bls private key"),
            "{r}"
        );
        let r = call(
            &d.url("v1"),
            Some(&d.admin),
            "WalletNew",
            json!(["ed25519"]),
        )
        .await;
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .contains("unknown key type"),
            "{r}"
        );
    });
}

#[test]
fn loose_key_file_permissions_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path());
    let a = d.cli_ok(&["wallet", "new", "bls"]);
    let name = data_encoding_base32(&format!("wallet-{a}"));
    let path = dir.path().join("keystore").join(name);
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = d.cli(&["wallet", "export", &a]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("too relaxed"));
}

fn data_encoding_base32(s: &str) -> String {
    // RFC 4648 base32, no padding, as Lotus names keystore files.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0);
    for &b in s.as_bytes() {
        buf = (buf << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[test]
fn clients_find_the_node_by_flag_env_or_repo() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path());
    let info = d.cli_ok(&["auth", "api-info", "--perm", "write"]);
    let value = info.strip_prefix("FULLNODE_API_INFO=").unwrap();
    assert!(value.ends_with(&format!(":/ip4/127.0.0.1/tcp/{}/http", d.port)));
    let empty = tempfile::tempdir().unwrap();
    // FULLNODE_API_INFO with a write token: listing works, exporting (admin) does not.
    let run = |args: &[&str], env: Option<&str>| {
        let mut c = Command::new(padma());
        c.arg("--repo").arg(empty.path()).args(args);
        match env {
            Some(e) => c.env("FULLNODE_API_INFO", e),
            None => c.env_remove("FULLNODE_API_INFO"),
        };
        c.output().unwrap()
    };
    let a = d.cli_ok(&["wallet", "new"]);
    assert!(run(&["wallet", "list", "-a"], Some(value)).status.success());
    let out = run(&["wallet", "export", &a], Some(value));
    assert!(String::from_utf8_lossy(&out.stderr).contains("need 'admin'"));
    // --api-url wins over the environment.
    let url = format!("{}:/ip4/127.0.0.1/tcp/{}/http", d.admin, d.port);
    let out = run(
        &["--api-url", &url, "wallet", "export", &a],
        Some("bogus:/ip4/127.0.0.1/tcp/1/http"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // No node anywhere: a clear error, non-zero exit.
    let out = run(&["wallet", "list"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is `padma daemon` running?"));
    let token = d.cli_ok(&["auth", "create-token", "--perm", "sign"]);
    let out = call_verify(&d, &token);
    assert_eq!(out, json!(["read", "write", "sign"]));
    let bad = d.cli(&["auth", "create-token", "--perm", "root"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown permission"));
}

fn call_verify(d: &Daemon, token: &str) -> serde_json::Value {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(call(&d.url("v1"), None, "AuthVerify", json!([token])))["result"].clone()
}

#[test]
fn malformed_private_keys_are_refused_by_wallet_import() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let secp = padma_types::crypto::KeyInfo::generate(padma_types::crypto::KeyType::Secp256k1);
    let cases = [
        ("bls", vec![0u8; 32]),
        ("secp256k1", secp.private_key[..31].to_vec()),
        ("secp256k1", vec![0u8; 32]),
        ("bls", vec![1u8; 33]),
    ];
    for (kind, bytes) in cases {
        let key = json!({"Type": kind, "PrivateKey": B64.encode(&bytes)});
        let r = rt.block_on(call(
            &d.url("v0"),
            Some(&d.admin),
            "WalletImport",
            json!([key]),
        ));
        let msg = r["error"]["message"].as_str().unwrap_or_default();
        assert!(
            msg.contains("invalid") && msg.contains("private key"),
            "{kind} key of {} bytes: {r}",
            bytes.len()
        );
    }
    let good = json!({"Type": "secp256k1", "PrivateKey": B64.encode(&secp.private_key)});
    let r = rt.block_on(call(
        &d.url("v0"),
        Some(&d.admin),
        "WalletImport",
        json!([good]),
    ));
    let addr = secp.address().unwrap().to_string();
    assert_eq!(
        r["result"].as_str().map(|a| &a[1..]),
        Some(&addr[1..]),
        "{r}"
    );
    assert_eq!(d.cli_ok(&["wallet", "list", "-a"]).lines().count(), 1);
}

/// Runs `padma ARGS` with stdout a pipe whose reader is already gone (what
/// `padma wallet list | head -1` becomes once `head` exits).
fn run_into_closed_pipe(d: &Daemon, args: &[&str]) -> std::process::Output {
    d.cli_command(args)
        .stdout(closed_pipe())
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn a_closed_output_pipe_ends_commands_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start(dir.path());
    for _ in 0..3 {
        d.cli_ok(&["wallet", "new"]);
    }
    for args in [
        &["wallet", "list"][..],
        &["wallet", "list", "-a"],
        &["version"],
    ] {
        let out = run_into_closed_pipe(&d, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "padma {args:?}: {err}");
        assert_ne!(out.status.code(), Some(101), "padma {args:?}: {err}");
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGPIPE),
            "padma {args:?} should end as a Go program does on a closed pipe: {:?} {err}",
            out.status
        );
    }
}
