//! [`ensure_params`]: check what is in the cache, generate what is missing.

use super::files::{remove_stale_temp_files, write_atomic, GenerationLock};
use super::generate::{self, Circuit};
use super::manifest::{devnet_digest, devnet_embedded_vk, file_digest, official_digest};
use super::{param_cache_dir, ParamEvent, ParamSet, ParamsError, ParamsNeeded};
use bellperson::groth16::VerifyingKey;
use blstrs::Bls12;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

type Progress<'a> = &'a (dyn Fn(&ParamEvent) + Sync);

/// Make sure the files `needed` for `sector_size` are in the parameter cache
/// ([`param_cache_dir`]), checking present files and generating missing devnet files.
pub fn ensure_params(
    sector_size: u64,
    needed: ParamsNeeded,
    set: ParamSet,
    progress: Progress<'_>,
) -> Result<(), ParamsError> {
    ensure_params_in(&param_cache_dir(), sector_size, needed, set, progress)
}

/// [`ensure_params`] on an explicit cache directory.
pub fn ensure_params_in(
    dir: &Path,
    sector_size: u64,
    needed: ParamsNeeded,
    set: ParamSet,
    progress: Progress<'_>,
) -> Result<(), ParamsError> {
    let mut circuits =
        generate::circuits_for(sector_size).map_err(|e| ParamsError::SectorSize(e.to_string()))?;
    if needed == ParamsNeeded::PostOnly {
        circuits.retain(Circuit::is_post);
    }
    std::fs::create_dir_all(dir).map_err(io_err("creating parameter cache", dir))?;
    if set == ParamSet::Devnet {
        let strict = std::env::var("FIL_PROOFS_VERIFY_PRODUCTION_PARAMS").unwrap_or_default();
        if matches!(strict.to_ascii_lowercase().as_str(), "1" | "true" | "yes") {
            return Err(ParamsError::Config(
                "FIL_PROOFS_VERIFY_PRODUCTION_PARAMS is set, so the proofs library would reject padma's devnet parameters; unset it on a devnet".into(),
            ));
        }
        tracing::warn!("using padma devnet proof parameters: INSECURE, generated from a public seed; never use them on a real network");
        progress(&ParamEvent::DevnetWarning);
    }
    let wants_params = |c: &Circuit| match needed {
        ParamsNeeded::All => true,
        ParamsNeeded::PostOnly => c.is_post(),
        ParamsNeeded::VerifyingKeysOnly => false,
    };
    let mut missing = false;
    for c in &circuits {
        let mut files = vec![c.vk_file()];
        if wants_params(c) {
            files.push(c.params_file());
        }
        for file in files {
            let path = dir.join(&file);
            if path.exists() {
                check_file(&path, set, progress)?;
            } else if set == ParamSet::Official {
                let cid = super::manifest::official_manifest()
                    .get(&file)
                    .map(|e| e.cid.clone())
                    .unwrap_or_default();
                return Err(ParamsError::OfficialMissing {
                    path,
                    cid,
                    dir: dir.to_path_buf(),
                });
            } else {
                missing = true;
            }
        }
    }
    if !missing {
        return Ok(());
    }
    let _lock = GenerationLock::acquire(dir, |lock| {
        progress(&ParamEvent::WaitingForLock {
            lock: lock.to_path_buf(),
        })
    })
    .map_err(io_err("locking", &dir.join(super::files::LOCK_FILE)))?;
    remove_stale_temp_files(dir);
    for c in &circuits {
        fill_circuit(dir, c, wants_params(c), progress)?;
    }
    Ok(())
}

/// Under the lock: write whatever of `c`'s files is (still) missing.
fn fill_circuit(
    dir: &Path,
    c: &Circuit,
    wants_params: bool,
    progress: Progress<'_>,
) -> Result<(), ParamsError> {
    let params_path = dir.join(c.params_file());
    let vk_path = dir.join(c.vk_file());
    let vk_missing = !vk_path.exists();
    if (wants_params && !params_path.exists())
        || (vk_missing && !params_path.exists() && devnet_embedded_vk(&c.vk_file()).is_none())
    {
        let start = Instant::now();
        let params = with_ticker(c, progress, || generate::generate(c)).map_err(|e| {
            ParamsError::Generation {
                file: c.params_file(),
                message: format!("{e:#}"),
            }
        })?;
        write_atomic(&params_path, |w| params.write(w)).map_err(io_err("writing", &params_path))?;
        progress(&ParamEvent::Written {
            file: c.params_file(),
            elapsed: start.elapsed(),
        });
        check_file(&params_path, ParamSet::Devnet, progress)?;
        if vk_missing {
            write_atomic(&vk_path, |w| params.vk.write(w)).map_err(io_err("writing", &vk_path))?;
            progress(&ParamEvent::Written {
                file: c.vk_file(),
                elapsed: start.elapsed(),
            });
        }
    } else if vk_missing {
        let start = Instant::now();
        if let Some(bytes) = devnet_embedded_vk(&c.vk_file()) {
            write_atomic(&vk_path, |w| w.write_all(bytes)).map_err(io_err("writing", &vk_path))?;
        } else {
            // A .params file starts with its verifying key.
            let f = std::fs::File::open(&params_path).map_err(io_err("opening", &params_path))?;
            let vk = VerifyingKey::<Bls12>::read(std::io::BufReader::new(f))
                .map_err(io_err("reading the verifying key from", &params_path))?;
            write_atomic(&vk_path, |w| vk.write(w)).map_err(io_err("writing", &vk_path))?;
        }
        progress(&ParamEvent::Written {
            file: c.vk_file(),
            elapsed: start.elapsed(),
        });
    }
    if vk_missing {
        check_file(&vk_path, ParamSet::Devnet, progress)?;
    }
    Ok(())
}

/// Run `work`, reporting [`ParamEvent::Generating`] about once a second meanwhile.
fn with_ticker<T>(c: &Circuit, progress: Progress<'_>, work: impl FnOnce() -> T) -> T {
    let (what, file) = (c.label(), c.params_file());
    tracing::info!("generating {what} parameters {file} (insecure devnet parameters)");
    let start = Instant::now();
    let (stop, stopped) = mpsc::channel::<()>();
    let (what, file) = (&what, &file);
    std::thread::scope(|s| {
        s.spawn(move || loop {
            let elapsed = start.elapsed();
            progress(&ParamEvent::Generating {
                what: what.clone(),
                file: file.clone(),
                elapsed,
            });
            if stopped.recv_timeout(Duration::from_secs(1)) != Err(mpsc::RecvTimeoutError::Timeout)
            {
                break;
            }
        });
        let out = work();
        drop(stop);
        out
    })
}

/// Files this process already checked, keyed by path and set, with (length, mtime) then.
type Verified = HashMap<(PathBuf, ParamSet), (u64, Option<SystemTime>)>;

fn verified() -> &'static Mutex<Verified> {
    static V: OnceLock<Mutex<Verified>> = OnceLock::new();
    V.get_or_init(Default::default)
}

/// Check an existing file's digest against `set`.
fn check_file(path: &Path, set: ParamSet, progress: Progress<'_>) -> Result<(), ParamsError> {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let meta = std::fs::metadata(path).map_err(io_err("reading", path))?;
    let stamp = (meta.len(), meta.modified().ok());
    if let Ok(v) = verified().lock() {
        if v.get(&(path.to_path_buf(), set)) == Some(&stamp) {
            return Ok(());
        }
    }
    progress(&ParamEvent::Checking { file: file.clone() });
    let actual = file_digest(path).map_err(io_err("hashing", path))?;
    let (expected, other, other_set) = match set {
        ParamSet::Official => (
            official_digest(&file),
            devnet_digest(&file),
            ParamSet::Devnet,
        ),
        ParamSet::Devnet => (
            devnet_digest(&file),
            official_digest(&file),
            ParamSet::Official,
        ),
    };
    match expected {
        Some(e) if e == actual => progress(&ParamEvent::Valid { file }),
        _ if other == Some(actual.as_str()) => {
            return Err(ParamsError::WrongSet {
                path: path.to_path_buf(),
                found: other_set,
                wanted: set,
            })
        }
        Some(e) => {
            return Err(ParamsError::DigestMismatch {
                path: path.to_path_buf(),
                actual,
                expected: e.to_string(),
                set,
            })
        }
        None if set == ParamSet::Devnet => {
            tracing::warn!("no recorded devnet digest for {file}; accepting it unchecked");
            progress(&ParamEvent::Unrecorded { file });
        }
        None => {
            return Err(ParamsError::DigestMismatch {
                path: path.to_path_buf(),
                actual,
                expected: "(not in the official manifest)".into(),
                set,
            })
        }
    }
    if let Ok(mut v) = verified().lock() {
        v.insert((path.to_path_buf(), set), stamp);
    }
    Ok(())
}

fn io_err<'a>(
    what: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> ParamsError + 'a {
    move |source| ParamsError::Io {
        what,
        path: path.to_path_buf(),
        source,
    }
}

/// `padma fetch-params SIZE`: ensure every file of the size, printing progress to stderr.
/// The parameter set comes from `$PADMA_PROOF_PARAMS` (default: devnet).
pub fn fetch_params_command(size: &str) -> anyhow::Result<()> {
    fetch_params_with_progress(size, ParamsNeeded::All)
}

/// [`fetch_params_command`] for only the `needed` parameters (e.g. PoSt only for a
/// miner with pre-sealed sectors), printing progress to stderr.
pub fn fetch_params_with_progress(size: &str, needed: ParamsNeeded) -> anyhow::Result<()> {
    let sector_size = padma_types::sector::parse_sector_size(size)?;
    let set = ParamSet::from_env()?;
    let dir = param_cache_dir();
    eprintln!(
        "fetch-params: {} for {} sectors in {}",
        set,
        padma_types::sector::format_sector_size(sector_size),
        dir.display()
    );
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let last_line = std::sync::atomic::AtomicU64::new(u64::MAX);
    let print = move |e: &ParamEvent| print_event(e, tty, &last_line);
    ensure_params_in(&dir, sector_size, needed, set, &print)?;
    eprintln!(
        "fetch-params: all parameters for {} are in place",
        padma_types::sector::format_sector_size(sector_size)
    );
    Ok(())
}

/// Print one event; without a terminal, generation progress is printed every 30 s
/// (`last_line` remembers the last 30 s slot printed).
fn print_event(e: &ParamEvent, tty: bool, last_line: &std::sync::atomic::AtomicU64) {
    match e {
        ParamEvent::DevnetWarning => eprintln!(
            "WARNING: padma devnet parameters are INSECURE (generated from the public seed {:?}); use them only on private devnets",
            generate::DEVNET_SEED_DOMAIN
        ),
        ParamEvent::Checking { file } => eprintln!("checking {file}"),
        ParamEvent::Valid { file } => eprintln!("ok       {file}"),
        ParamEvent::Unrecorded { file } => eprintln!("ok?      {file} (no recorded devnet digest)"),
        ParamEvent::WaitingForLock { lock } => {
            eprintln!("waiting for another process generating parameters (lock {})", lock.display())
        }
        ParamEvent::Generating { what, file, elapsed } => {
            let secs = elapsed.as_secs();
            let line = format!("generating {what} ({file}): {}m{:02}s", secs / 60, secs % 60);
            let slot = secs / 30;
            if tty {
                eprint!("\r{line}");
            } else if last_line.swap(slot, std::sync::atomic::Ordering::Relaxed) != slot {
                eprintln!("{line}");
            }
        }
        ParamEvent::Written { file, elapsed } => {
            if tty {
                eprintln!();
            }
            eprintln!("wrote    {file} in {:.1}s", elapsed.as_secs_f64())
        }
    }
}
