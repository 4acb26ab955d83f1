//! Configuration by file. Every setting that has an environment variable
//! (`STARLEDGER_LISTEN`, …) can also be written in `starledger.toml` under
//! the variable's name without its prefix, in lower case (`listen = …`).
//! What decides, strongest first: the command line, the environment, the
//! file, the built-in default.
//!
//! The keys are not listed by hand: they are the command line's own options
//! that carry an environment variable, so a new option is a new key and the
//! file cannot name one that does not exist. A file's values become those
//! options' defaults before the command line is read.

use clap::{Arg, Command};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file read when none is named and it exists in the working folder.
pub const DEFAULT_FILE: &str = "starledger.toml";
const PREFIX: &str = "STARLEDGER_";

/// Settings read from the environment only, not options of any command.
pub const ENV_ONLY: &[(&str, &str)] = &[
    ("log", "what the server logs, e.g. `info` or `warn,starledger_web=debug` (default: info, sqlx warnings)"),
    ("log_format", "`text` or `json` (default: json when standard error is not a terminal)"),
    ("now", "the day and time the program takes as now (tests and replays only)"),
];

/// One setting: its key in the file, its environment variable, what it does,
/// its default, and whether its value is secret (never printed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub name: String,
    pub env: String,
    pub about: String,
    pub default: Option<String>,
    pub secret: bool,
}

/// Every key the file may hold, from the command line's options (global and
/// of every command), by name.
pub fn keys(command: &Command) -> BTreeMap<String, Key> {
    let mut keys = BTreeMap::new();
    collect(command, &mut keys);
    keys
}

fn collect(command: &Command, keys: &mut BTreeMap<String, Key>) {
    for arg in command.get_arguments() {
        if let Some(key) = key_of(arg) {
            keys.entry(key.name.clone()).or_insert(key);
        }
    }
    for sub in command.get_subcommands() {
        collect(sub, keys);
    }
}

fn key_of(arg: &Arg) -> Option<Key> {
    let env = arg.get_env()?.to_str()?.to_string();
    let name = env.strip_prefix(PREFIX)?.to_ascii_lowercase();
    // The file does not name itself.
    if name == "config" {
        return None;
    }
    let default = arg.get_default_values().first().and_then(|v| v.to_str()).map(str::to_string);
    Some(Key {
        name,
        about: arg.get_help().map(|h| h.to_string()).unwrap_or_default(),
        default,
        secret: arg.is_hide_env_values_set(),
        env,
    })
}

/// A configuration file that cannot be used, naming the file and what.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

/// A file's settings, by key, as the text an option reads.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FileSettings {
    pub path: Option<PathBuf>,
    pub values: BTreeMap<String, String>,
}

/// Which file to read: `--config FILE` (or `--config=FILE`) anywhere on the
/// command line, else `STARLEDGER_CONFIG`, else `starledger.toml` in the
/// working folder if there is one. Named explicitly, it must exist.
pub fn chosen_file(args: &[String]) -> Option<(PathBuf, bool)> {
    let mut named = None;
    for (index, arg) in args.iter().enumerate() {
        if arg == "--config" {
            named = args.get(index + 1).cloned();
        } else if let Some(path) = arg.strip_prefix("--config=") {
            named = Some(path.to_string());
        }
    }
    if let Some(path) = named.or_else(|| std::env::var("STARLEDGER_CONFIG").ok()) {
        return Some((PathBuf::from(path), true));
    }
    let default = PathBuf::from(DEFAULT_FILE);
    default.exists().then_some((default, false))
}

/// Reads a configuration file and checks every key against `keys`.
pub fn read(path: &Path, keys: &BTreeMap<String, Key>) -> Result<FileSettings, ConfigError> {
    let fail = |message: String| ConfigError { path: path.to_path_buf(), message };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e.span().map(|span| text[..span.start].lines().count().max(1));
        fail(match line {
            Some(line) => format!("line {line}: {}", e.message()),
            None => e.message().to_string(),
        })
    })?;
    let mut values = BTreeMap::new();
    for (name, value) in table {
        let line = text.lines().position(|l| l.trim_start().starts_with(name.as_str())).map_or(0, |i| i + 1);
        if !keys.contains_key(&name) {
            let known: Vec<&str> = keys.keys().map(String::as_str).collect();
            return Err(fail(format!("line {line}: unknown key `{name}`; the keys are {}", known.join(", "))));
        }
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(fail(format!(
                    "line {line}: `{name}` is a {}; write a string, a whole number or true/false",
                    other.type_str()
                )));
            }
        };
        values.insert(name, text);
    }
    Ok(FileSettings { path: Some(path.to_path_buf()), values })
}

/// The command line with the file's values as its options' defaults: the
/// environment and the command line still win over them.
pub fn with_defaults(mut command: Command, file: &FileSettings) -> Command {
    let ids: Vec<(String, String)> = command
        .get_arguments()
        .filter_map(|arg| {
            let key = key_of(arg)?;
            let value = file.values.get(&key.name)?;
            Some((arg.get_id().to_string(), value.clone()))
        })
        .collect();
    for (id, value) in ids {
        command = command.mut_arg(id, |arg| arg.default_value(value));
    }
    let subs: Vec<String> = command.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for name in subs {
        command = command.mut_subcommand(name, |sub| with_defaults(sub, file));
    }
    command
}

/// Where a setting's value comes from, for `config check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Environment,
    File,
    Default,
    Unset,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Environment => "environment",
            Source::File => "file",
            Source::Default => "default",
            Source::Unset => "unset",
        }
    }
}

/// A setting's value and where it comes from (the command line aside).
pub fn effective(key: &Key, file: &FileSettings) -> (Option<String>, Source) {
    if let Ok(value) = std::env::var(&key.env) {
        return (Some(value), Source::Environment);
    }
    if let Some(value) = file.values.get(&key.name) {
        return (Some(value.clone()), Source::File);
    }
    match &key.default {
        Some(value) => (Some(value.clone()), Source::Default),
        None => (None, Source::Unset),
    }
}

/// `starledger config check`: the file read, and every setting.
pub fn check(command: &Command) -> Result<(), crate::failure::Failure> {
    use crate::failure::Failure;
    let keys = keys(command);
    let args: Vec<String> = std::env::args().collect();
    let settings = match chosen_file(&args) {
        Some((path, _)) => read(&path, &keys).map_err(Failure::bad_input)?,
        None => FileSettings::default(),
    };
    match &settings.path {
        Some(path) => println!("configuration file: {} ({} settings)", path.display(), settings.values.len()),
        None => println!("configuration file: none ({DEFAULT_FILE} is not in this folder; --config names one)"),
    }
    for key in keys.values() {
        let (value, source) = effective(key, &settings);
        let shown = match value {
            Some(_) if key.secret => "(set, not shown)".to_string(),
            Some(value) => value,
            None => "-".to_string(),
        };
        println!("{:<22} {:<32} {:<12} {}", key.name, shown, source.label(), key.env);
    }
    for (name, about) in ENV_ONLY {
        let env = format!("{PREFIX}{}", name.to_ascii_uppercase());
        let shown = std::env::var(&env).unwrap_or_else(|_| "-".to_string());
        println!("{name:<22} {shown:<32} {:<12} {env} (environment only: {about})", "environment");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::Cli;
    use clap::{CommandFactory, FromArgMatches};

    fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("starledger.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn every_option_with_an_environment_variable_is_a_key() {
        let keys = keys(&Cli::command());
        for name in ["db", "database_url", "listen", "public_url", "secure_cookies", "metrics_token", "backup_keep"] {
            assert!(keys.contains_key(name), "{name} in {:?}", keys.keys().collect::<Vec<_>>());
        }
        assert!(keys["metrics_token"].secret, "the metrics token is never printed");
        assert_eq!(keys["listen"].default.as_deref(), Some("127.0.0.1:8080"));
    }

    #[test]
    fn the_files_values_become_defaults_and_the_command_line_wins() {
        let keys = keys(&Cli::command());
        let (_dir, path) = file("listen = \"127.0.0.1:9090\"\nbusy_timeout_ms = 900\nsecure_cookies = true\n");
        let settings = read(&path, &keys).unwrap();
        let command = with_defaults(Cli::command(), &settings);
        let matches = command.clone().try_get_matches_from(["starledger", "serve"]).unwrap();
        let cli = Cli::from_arg_matches(&matches).unwrap();
        assert_eq!(cli.busy_timeout_ms, 900);
        let crate::args::Command::Serve(serve) = cli.command else { panic!("serve") };
        assert_eq!(serve.web.listen.to_string(), "127.0.0.1:9090");
        assert!(serve.web.secure_cookies);
        let matches = command.try_get_matches_from(["starledger", "serve", "--listen", "127.0.0.1:7070"]).unwrap();
        let crate::args::Command::Serve(serve) = Cli::from_arg_matches(&matches).unwrap().command else { panic!() };
        assert_eq!(serve.web.listen.to_string(), "127.0.0.1:7070");
    }

    #[test]
    fn a_file_with_an_unknown_key_or_a_table_is_refused_by_line() {
        let keys = keys(&Cli::command());
        let (_dir, path) = file("listen = \"127.0.0.1:9090\"\nlisten_port = 80\n");
        let error = read(&path, &keys).unwrap_err().to_string();
        assert!(error.contains("line 2") && error.contains("unknown key `listen_port`"), "{error}");
        let (_dir, path) = file("[server]\nlisten = 1\n");
        let error = read(&path, &keys).unwrap_err().to_string();
        assert!(error.contains("`server`"), "{error}");
        let (_dir, path) = file("listen = \n");
        let error = read(&path, &keys).unwrap_err().to_string();
        assert!(error.contains("line 1"), "{error}");
    }

    #[test]
    fn docs_operations_md_lists_every_key() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/operations.md")).unwrap();
        for key in keys(&Cli::command()).values() {
            assert!(
                doc.contains(&format!("| `{}` | `{}` |", key.name, key.env)),
                "docs/operations.md lacks {}",
                key.name
            );
        }
        for (name, _) in ENV_ONLY {
            assert!(doc.contains(&format!("STARLEDGER_{}", name.to_ascii_uppercase())), "{name}");
        }
    }

    #[test]
    fn the_file_is_named_by_flag_before_the_environment() {
        let args: Vec<String> = ["starledger", "--config", "a.toml", "serve"].map(String::from).to_vec();
        assert_eq!(chosen_file(&args), Some((PathBuf::from("a.toml"), true)));
        let args: Vec<String> = ["starledger", "serve", "--config=b.toml"].map(String::from).to_vec();
        assert_eq!(chosen_file(&args), Some((PathBuf::from("b.toml"), true)));
    }
}
