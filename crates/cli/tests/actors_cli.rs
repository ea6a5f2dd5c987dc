//! `padma fetch-actors` against a local HTTP server: the bundles are downloaded,
//! checked and cached; a server handing out a wrong or broken file gets a clear error
//! and nothing is cached.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test code: a panic is a failed test

use padma_fvm::bundle::{self, Bundle};
use padma_state::code::CodeSet;
use padma_testkit::{actors_archive, padma};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;

/// Serves `files` (path → body) over HTTP/1.1 on loopback until the test ends.
fn serve(files: HashMap<String, Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let files = Arc::new(files);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let files = files.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut request = String::new();
                reader.read_line(&mut request).unwrap();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                        break;
                    }
                }
                let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
                match files.get(&path) {
                    Some(body) => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        );
                        let _ = conn.write_all(head.as_bytes());
                        let _ = conn.write_all(body);
                    }
                    None => {
                        let _ = conn.write_all(
                            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        );
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

fn car(codes: CodeSet) -> Vec<u8> {
    Bundle::load(&actors_archive(), codes)
        .unwrap()
        .car_bytes()
        .to_vec()
}

fn fetch(repo: &std::path::Path, url: &str, extra: &[&str]) -> std::process::Output {
    Command::new(padma())
        .args(["--repo"])
        .arg(repo)
        .args(["fetch-actors", "--url", url])
        .args(extra)
        .env_remove(bundle::BUNDLE_ENV)
        .output()
        .unwrap()
}

#[test]
fn fetch_actors_downloads_checks_and_caches_both_bundles() {
    let mut files = HashMap::new();
    for codes in [CodeSet::Devnet, CodeSet::FakeProofs] {
        files.insert(format!("/v18/{}", bundle::car_file_name(codes)), car(codes));
    }
    let url = format!("{}/v18", serve(files));
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let out = fetch(&repo, &url, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for codes in [CodeSet::Devnet, CodeSet::FakeProofs] {
        let cached = bundle::cached_path(&repo.join(bundle::CACHE_DIR), codes);
        assert_eq!(std::fs::read(&cached).unwrap(), car(codes));
        assert!(
            stdout.contains(&codes.manifest_cid().to_string()),
            "{stdout}"
        );
    }
    // A second run finds them and downloads nothing.
    let out = fetch(&repo, "http://127.0.0.1:9/unreachable", &[]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("already here"));
}

#[test]
fn a_wrong_or_broken_download_is_refused_and_nothing_is_cached() {
    let devnet = car(CodeSet::Devnet);
    let mut files = HashMap::new();
    // The devnet bundle served under the fake-proofs name: another manifest.
    files.insert(
        format!("/{}", bundle::car_file_name(CodeSet::FakeProofs)),
        devnet.clone(),
    );
    // The devnet bundle cut short.
    files.insert(
        format!("/{}", bundle::car_file_name(CodeSet::Devnet)),
        devnet[..devnet.len() / 3].to_vec(),
    );
    let url = serve(files);
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    for (network, what) in [
        ("testing-fake-proofs", "manifest CID"),
        ("devnet", "truncated"),
    ] {
        let out = fetch(&repo, &url, &["--network", network]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(stderr.contains(what) && stderr.contains(&url), "{stderr}");
    }
    // A missing file is an HTTP error.
    let out = fetch(
        &repo,
        &format!("{url}/nothing-here"),
        &["--network", "devnet"],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("404"));
    assert!(!repo
        .join(bundle::CACHE_DIR)
        .join("v18.0.0-builtin-actors-devnet.car")
        .exists());
}
