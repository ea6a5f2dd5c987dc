//! Builtin-actors bundles: a CARv1 whose root is the manifest (`[version, data]`, the
//! data a list of `[actor name, Wasm code CID]`), read from a `.car` file or from
//! Lotus's `vNN.tar.zst` archive (one CAR per network), checked block by block and
//! against the v18 manifest padma expects, and found where a user keeps it.

use anyhow::{anyhow, bail, Context, Result};
use cid::multihash::Multihash;
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use padma_state::code::{ActorKind, CodeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The environment variable naming a bundle file (a CAR or a `.tar.zst` archive).
pub const BUNDLE_ENV: &str = "PADMA_ACTORS_BUNDLE";
/// The builtin-actors release padma runs.
pub const ACTORS_VERSION: &str = "v18.0.0";
/// Where `padma fetch-actors` downloads from by default (the release's assets).
pub const RELEASE_URL: &str =
    "https://github.com/filecoin-project/builtin-actors/releases/download/v18.0.0";
/// The folder of a repo that caches bundles.
pub const CACHE_DIR: &str = "actors";

/// The largest bundle file read (the v18 CARs are about 8 MB; archives about 55 MB).
const MAX_FILE: u64 = 256 << 20;
/// The largest block of a bundle (the biggest actor, the miner, is about 3 MB).
const MAX_BLOCK: u64 = 16 << 20;
/// Multihash codes a bundle's CIDs may use.
const BLAKE2B_256: u64 = 0xb220;
const IDENTITY: u64 = 0x00;

/// A checked bundle: its manifest, the code CID of every actor, and its blocks.
#[derive(Clone)]
pub struct Bundle {
    /// The bundle (the network's flavour of v18) this is.
    pub codes: CodeSet,
    /// The manifest CID (the CAR's root).
    pub manifest: Cid,
    /// The manifest's data CID: what the system actor's `builtin_actors` holds.
    pub manifest_data: Cid,
    /// `[actor name, code CID]` in the manifest's order.
    pub actors: Vec<(String, Cid)>,
    /// Every block of the CAR.
    blocks: Blocks,
    /// The CAR's bytes (what a cache keeps).
    car: Vec<u8>,
}

impl std::fmt::Debug for Bundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bundle")
            .field("codes", &self.codes)
            .field("manifest", &self.manifest)
            .field("blocks", &self.blocks.len())
            .finish()
    }
}

impl Bundle {
    /// Reads the bundle `codes` from `path`: a CAR, or an archive holding
    /// `builtin-actors-<name>.car`. Every error names the file.
    pub fn load(path: &Path, codes: CodeSet) -> Result<Bundle> {
        Self::load_inner(path, codes).with_context(|| {
            format!(
                "actors bundle {}: not the builtin-actors {ACTORS_VERSION} {} bundle",
                path.display(),
                codes.bundle_name()
            )
        })
    }

    fn load_inner(path: &Path, codes: CodeSet) -> Result<Bundle> {
        let file = std::fs::File::open(path).context("cannot open it")?;
        let len = file.metadata()?.len();
        if len > MAX_FILE {
            bail!("the file is {len} bytes, more than a bundle ({MAX_FILE} at most)");
        }
        let mut bytes = Vec::with_capacity(len as usize);
        file.take(MAX_FILE).read_to_end(&mut bytes)?;
        if bytes.starts_with(&ZSTD_MAGIC) {
            let car = car_from_archive(&bytes, codes)?;
            Bundle::from_car(car, codes)
        } else {
            Bundle::from_car(bytes, codes)
        }
    }

    /// Checks a bundle CAR's bytes: every block hashes to its CID, the root is the
    /// manifest of bundle `codes`, and every actor's code is present.
    pub fn from_car(car: Vec<u8>, codes: CodeSet) -> Result<Bundle> {
        let (roots, blocks) = parse_car(&car)?;
        let manifest = match roots.as_slice() {
            [root] => *root,
            _ => bail!("a bundle CAR has one root, this one has {}", roots.len()),
        };
        if manifest != codes.manifest_cid() {
            bail!(
                "its manifest CID is {manifest}, the {ACTORS_VERSION} {} bundle's is {}",
                codes.bundle_name(),
                codes.manifest_cid()
            );
        }
        let get = |c: &Cid| {
            blocks
                .iter()
                .find(|(k, _)| k == c)
                .map(|(_, d)| d.as_slice())
                .ok_or_else(|| anyhow!("block {c} is missing (truncated file?)"))
        };
        let (version, manifest_data): (u32, Cid) =
            fvm_ipld_encoding::from_slice(get(&manifest)?).context("decoding the manifest")?;
        if version != 1 {
            bail!("manifest version {version} is not 1");
        }
        let actors: Vec<(String, Cid)> = fvm_ipld_encoding::from_slice(get(&manifest_data)?)
            .context("decoding the manifest's actor list")?;
        for kind in ActorKind::all() {
            let (_, code) = actors
                .iter()
                .find(|(n, _)| n == kind.name())
                .ok_or_else(|| anyhow!("the manifest lacks actor '{}'", kind.name()))?;
            if *code != codes.code(kind) {
                bail!(
                    "actor '{}' has code {code}, expected {}",
                    kind.name(),
                    codes.code(kind)
                );
            }
            get(code).with_context(|| format!("the code of actor '{}'", kind.name()))?;
        }
        Ok(Bundle {
            codes,
            manifest,
            manifest_data,
            actors,
            blocks,
            car,
        })
    }

    /// Puts every block of the bundle into `store`.
    pub fn import(&self, store: &impl Blockstore) -> Result<()> {
        store.put_many_keyed(self.blocks.iter().map(|(c, d)| (*c, d.as_slice())))
    }

    /// The CAR's bytes.
    pub fn car_bytes(&self) -> &[u8] {
        &self.car
    }

    /// Writes the CAR into the cache folder `dir` (atomically) and returns its path.
    pub fn save_to_cache(&self, dir: &Path) -> Result<PathBuf> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(cache_file_name(self.codes));
        let tmp = path.with_extension("car.partial");
        std::fs::write(&tmp, &self.car).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }
}

/// The file a bundle has in the release and in a cache: `builtin-actors-<name>.car`.
pub fn car_file_name(codes: CodeSet) -> String {
    format!("builtin-actors-{}.car", codes.bundle_name())
}

fn cache_file_name(codes: CodeSet) -> String {
    format!("{ACTORS_VERSION}-{}", car_file_name(codes))
}

/// The cached bundle `codes` in `dir`, if there is one.
pub fn cached_path(dir: &Path, codes: CodeSet) -> PathBuf {
    dir.join(cache_file_name(codes))
}

/// Where a bundle was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BundleSource {
    /// Given on the command line.
    Flag(PathBuf),
    /// Named by [`BUNDLE_ENV`].
    Env(PathBuf),
    /// A cached copy.
    Cache(PathBuf),
}

impl BundleSource {
    /// The file.
    pub fn path(&self) -> &Path {
        match self {
            BundleSource::Flag(p) | BundleSource::Env(p) | BundleSource::Cache(p) => p,
        }
    }
}

/// Finds bundle `codes`: the file given (`--actors-bundle`), else the one
/// [`BUNDLE_ENV`] names, else a cached copy in one of `cache_dirs`. A file given or
/// named that is not the bundle is an error; `Ok(None)` when there is none at all.
/// A bundle found by path is copied into the first cache folder.
pub fn find(
    flag: Option<&Path>,
    cache_dirs: &[PathBuf],
    codes: CodeSet,
) -> Result<Option<(Bundle, BundleSource)>> {
    let env = std::env::var_os(BUNDLE_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let given = match (flag, env) {
        (Some(p), _) => Some(BundleSource::Flag(p.to_path_buf())),
        (None, Some(p)) => Some(BundleSource::Env(p)),
        (None, None) => None,
    };
    if let Some(src) = given {
        let bundle = Bundle::load(src.path(), codes)?;
        if let Some(dir) = cache_dirs.first() {
            if !cached_path(dir, codes).exists() {
                bundle.save_to_cache(dir)?;
            }
        }
        return Ok(Some((bundle, src)));
    }
    for dir in cache_dirs {
        let p = cached_path(dir, codes);
        if p.exists() {
            let bundle = Bundle::load(&p, codes)?;
            return Ok(Some((bundle, BundleSource::Cache(p))));
        }
    }
    Ok(None)
}

/// What to tell a user who has no bundle.
pub fn missing_bundle_hint(codes: CodeSet) -> String {
    format!(
        "no builtin-actors {ACTORS_VERSION} bundle ({}): run `padma fetch-actors`, or pass \
         --actors-bundle FILE or set {BUNDLE_ENV} (a .car, or Lotus's v18.tar.zst)",
        car_file_name(codes)
    )
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// The CAR of bundle `codes` inside a `.tar.zst` archive.
fn car_from_archive(bytes: &[u8], codes: CodeSet) -> Result<Vec<u8>> {
    let want = car_file_name(codes);
    let decoder = ruzstd::decoding::StreamingDecoder::new(bytes)
        .map_err(|e| anyhow!("not a zstd archive: {e}"))?;
    let mut archive = tar::Archive::new(decoder);
    for entry in archive.entries().context("reading the archive")? {
        let mut entry = entry.context("reading the archive")?;
        let path = entry.path().context("reading the archive")?.into_owned();
        if path.file_name().and_then(|n| n.to_str()) == Some(want.as_str()) {
            let size = entry.header().size()?;
            if size > MAX_FILE {
                bail!("{want} in the archive is {size} bytes");
            }
            let mut car = Vec::with_capacity(size as usize);
            entry.read_to_end(&mut car).context("reading the archive")?;
            return Ok(car);
        }
    }
    bail!("the archive has no {want}")
}

/// A CAR's blocks, in file order.
type Blocks = Vec<(Cid, Vec<u8>)>;

/// Parses a CARv1: its roots and its blocks, each checked against its CID.
fn parse_car(car: &[u8]) -> Result<(Vec<Cid>, Blocks)> {
    #[derive(serde::Deserialize)]
    struct Header {
        roots: Vec<Cid>,
        version: u64,
    }
    let mut rest = car;
    let header_len = read_varint(&mut rest).context("reading the CAR header")?;
    let header_bytes = take(&mut rest, header_len).context("reading the CAR header")?;
    let header: Header =
        fvm_ipld_encoding::from_slice(header_bytes).context("not a CAR file (bad header)")?;
    if header.version != 1 {
        bail!("CAR version {} is not 1", header.version);
    }
    let mut blocks = Vec::new();
    while !rest.is_empty() {
        let at = car.len() - rest.len();
        let len = read_varint(&mut rest).with_context(|| format!("truncated at byte {at}"))?;
        if len > MAX_BLOCK {
            bail!("a block at byte {at} claims {len} bytes");
        }
        let section = take(&mut rest, len).with_context(|| format!("truncated at byte {at}"))?;
        let mut reader = section;
        let cid = Cid::read_bytes(&mut reader).with_context(|| format!("bad CID at byte {at}"))?;
        let data = reader.to_vec();
        check_block(&cid, &data)?;
        blocks.push((cid, data));
    }
    Ok((header.roots, blocks))
}

fn check_block(cid: &Cid, data: &[u8]) -> Result<()> {
    let mh = cid.hash();
    let expected = match mh.code() {
        BLAKE2B_256 => Multihash::<64>::wrap(
            BLAKE2B_256,
            blake2b_simd::Params::new()
                .hash_length(32)
                .hash(data)
                .as_bytes(),
        )?,
        IDENTITY => Multihash::<64>::wrap(IDENTITY, data)?,
        other => bail!("block {cid} uses hash {other:#x}"),
    };
    if *mh != expected {
        bail!("block {cid} does not match its data (corrupt file)");
    }
    Ok(())
}

fn read_varint(buf: &mut &[u8]) -> Result<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = buf.split_first().ok_or_else(|| anyhow!("unexpected end"))?;
        *buf = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    bail!("varint too long")
}

fn take<'a>(buf: &mut &'a [u8], len: u64) -> Result<&'a [u8]> {
    let len = usize::try_from(len)?;
    if buf.len() < len {
        bail!("unexpected end ({len} bytes wanted, {} left)", buf.len());
    }
    let (head, rest) = buf.split_at(len);
    *buf = rest;
    Ok(head)
}
