//! `trinhky --help` and each subcommand's help name what the command does and its options.

use crate::{text, trinhky};

#[test]
fn top_level_help_lists_every_command() {
    let o = trinhky("sqlite::memory:", &["--help"]);
    assert!(o.status.success());
    let t = text(&o);
    for cmd in ["serve", "migrate", "directory", "user", "audit"] {
        assert!(t.contains(cmd), "{cmd} missing from --help:\n{t}");
    }
    assert!(t.contains("--config"));
}

#[test]
fn each_subcommand_has_accurate_help() {
    let cases: &[(&[&str], &[&str])] = &[
        (&["serve", "--help"], &["--demo", "--demo-dir", "--bind", "SIGTERM"]),
        (&["migrate", "--help"], &["migrations"]),
        (&["directory", "import", "--help"], &["FILE", "imports nothing"]),
        (&["user", "add", "--help"], &["--username", "--full-name", "--email", "--role", "--password-file", "drafter, unit_head, agency_head, deputy_head, clerk, admin"]),
        (&["user", "token", "--help"], &["--name", "USERNAME"]),
        (&["audit", "verify", "--help"], &["--json", "first broken event"]),
    ];
    for (args, needles) in cases {
        let o = trinhky("sqlite::memory:", args);
        assert!(o.status.success(), "{args:?}");
        let t = text(&o);
        for n in *needles {
            assert!(t.contains(n), "{args:?} help lacks {n}:\n{t}");
        }
    }
}

#[test]
fn a_wrong_setting_names_itself_and_the_fix() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_trinhky"))
        .args(["migrate"])
        .env("TRINHKY_BIND", "localhost")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("TRINHKY_BIND") && t.contains("Fix:"), "{t}");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_trinhky"))
        .args(["migrate"])
        .env("TRINHKY_DATABASE_URL", "mysql://root@localhost/x")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(text(&o).contains("TRINHKY_DATABASE_URL"), "{}", text(&o));
}
