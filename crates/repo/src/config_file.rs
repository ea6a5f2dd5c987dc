//! A repo's TOML configuration file: written with commented defaults on first use,
//! read over the defaults (every section and key must be one the defaults have), and
//! each key overridable by an environment variable `<PREFIX>_<SECTION>_<KEY>` in upper
//! case, e.g. `PADMA_API_LISTENADDRESS`.

use anyhow::{bail, Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::Path;

/// Writes `text` to `path` unless the file exists.
pub fn write_if_missing(path: &Path, text: &str) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Loads `path` over `defaults`, then applies the `<env_prefix>_<SECTION>_<KEY>`
/// overrides read through `env`.
pub fn load_layered<T: Serialize + DeserializeOwned>(
    path: &Path,
    defaults: &T,
    env_prefix: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: toml::Table = text
        .parse()
        .with_context(|| format!("parsing {}", path.display()))?;
    let mut merged = toml::Table::try_from(defaults).context("encoding defaults")?;
    for (section, values) in file {
        let Some(toml::Value::Table(target)) = merged.get_mut(&section) else {
            bail!("{}: unknown section [{section}]", path.display());
        };
        let toml::Value::Table(values) = values else {
            bail!("{}: [{section}] must be a table", path.display());
        };
        for (k, v) in values {
            if !target.contains_key(&k) {
                bail!("{}: unknown key {k} in [{section}]", path.display());
            }
            target.insert(k, v);
        }
    }
    for (section, values) in merged.iter_mut() {
        let toml::Value::Table(values) = values else {
            continue;
        };
        for (key, value) in values.iter_mut() {
            let var = format!(
                "{env_prefix}_{}_{}",
                section.to_uppercase(),
                key.to_uppercase()
            );
            if let Some(raw) = env(&var) {
                *value = parse_override(value, &raw)
                    .with_context(|| format!("environment variable {var}"))?;
            }
        }
    }
    toml::Value::Table(merged)
        .try_into()
        .with_context(|| format!("invalid configuration in {}", path.display()))
}

/// An environment variable's text as a value of the same type as `current`.
fn parse_override(current: &toml::Value, raw: &str) -> Result<toml::Value> {
    Ok(match current {
        toml::Value::String(_) => toml::Value::String(raw.to_string()),
        toml::Value::Integer(_) => toml::Value::Integer(
            raw.trim()
                .parse()
                .with_context(|| format!("'{raw}' is not an integer"))?,
        ),
        toml::Value::Boolean(_) => toml::Value::Boolean(
            raw.trim()
                .parse()
                .with_context(|| format!("'{raw}' is not a boolean"))?,
        ),
        _ => format!("v = {raw}")
            .parse::<toml::Table>()
            .context("not a TOML value")?
            .remove("v")
            .unwrap_or(toml::Value::String(raw.into())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Section {
        #[serde(rename = "Port")]
        port: i64,
        #[serde(rename = "Name")]
        name: String,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Settings {
        #[serde(rename = "Main")]
        main: Section,
    }

    fn defaults() -> Settings {
        Settings {
            main: Section {
                port: 1,
                name: "a".into(),
            },
        }
    }

    #[test]
    fn file_over_defaults_and_environment_over_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        write_if_missing(&p, "[Main]\nPort = 7\n").unwrap();
        write_if_missing(&p, "not written").unwrap();
        let s = load_layered(&p, &defaults(), "T", |_| None).unwrap();
        assert_eq!((s.main.port, s.main.name.as_str()), (7, "a"));
        let s = load_layered(&p, &defaults(), "T", |k| {
            (k == "T_MAIN_NAME").then(|| "b".into())
        })
        .unwrap();
        assert_eq!(s.main.name, "b");
        let err = load_layered(&p, &defaults(), "T", |k| {
            (k == "T_MAIN_PORT").then(|| "many".into())
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("T_MAIN_PORT"));
    }

    #[test]
    fn unknown_sections_and_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, "[Other]\nPort = 7\n").unwrap();
        let err = load_layered(&p, &defaults(), "T", |_| None).unwrap_err();
        assert!(format!("{err:#}").contains("unknown section [Other]"));
        std::fs::write(&p, "[Main]\nBogus = 7\n").unwrap();
        let err = load_layered(&p, &defaults(), "T", |_| None).unwrap_err();
        assert!(format!("{err:#}").contains("unknown key Bogus in [Main]"));
    }
}
