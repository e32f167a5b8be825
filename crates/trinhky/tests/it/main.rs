//! Tests of the `trinhky` binary as a user runs it. One test binary: add modules here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod demo;
mod directive;
mod directory;
mod help;
mod issuing;
mod keys;
mod mail;
mod malformed;
mod pdf;
mod serve;
mod servers;
mod tokens;

use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary against `database_url`, in the repository root.
pub fn trinhky(database_url: &str, args: &[&str]) -> Output {
    trinhky_with_stdin(database_url, args, "")
}

pub fn trinhky_with_stdin(database_url: &str, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_trinhky"))
        .args(args)
        .current_dir(trinhky_testkit::repo_root())
        .env("TRINHKY_DATABASE_URL", database_url)
        .env("TRINHKY_LOG", "warn")
        .env("TRINHKY_KEK", trinhky_testkit::TEST_KEK_BASE64)
        .env("TRINHKY_AUDIT_CHECKPOINTS", checkpoints_of(database_url))
        .env_remove("TRINHKY_KEK_FILE")
        .env_remove("TRINHKY_CONFIG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("binary starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The audit checkpoints file of a test database (its own, in the temp folder).
pub fn checkpoints_of(database_url: &str) -> std::path::PathBuf {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    database_url.hash(&mut h);
    std::env::temp_dir().join(format!("trinhky-checkpoints-{:016x}.jsonl", h.finish()))
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn demo_file(name: &str) -> String {
    trinhky_testkit::repo_root()
        .join("deploy/demo")
        .join(name)
        .display()
        .to_string()
}

pub fn write_temp(name: &str, content: &str) -> String {
    let dir = std::env::temp_dir().join(format!("trinhky-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    Path::new(&p).display().to_string()
}
