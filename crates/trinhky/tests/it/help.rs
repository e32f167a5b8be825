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
        (
            &["serve", "--help"],
            &["--demo", "--demo-dir", "--bind", "SIGTERM", "--demo-public"],
        ),
        (&["migrate", "--help"], &["migrations"]),
        (
            &["directory", "import", "--help"],
            &["FILE", "imports nothing"],
        ),
        (
            &["user", "add", "--help"],
            &[
                "--username",
                "--full-name",
                "--email",
                "--role",
                "--password-file",
                "drafter, unit_head, agency_head, deputy_head, clerk, admin",
            ],
        ),
        (&["user", "token", "--help"], &["--name", "USERNAME"]),
        (
            &["audit", "verify", "--help"],
            &["--json", "first broken event", "--checkpoints"],
        ),
        (&["audit", "checkpoint", "--help"], &["KEK", "every minute"]),
        (
            &["keys", "init-kek", "--help"],
            &["0600", "TRINHKY_KEK_FILE"],
        ),
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

#[test]
fn workflow_check_passes_the_shipped_files_and_names_file_and_line_of_errors() {
    let root = trinhky_testkit::repo_root();
    let o = trinhky("sqlite::memory:", &["workflow", "check", "workflows/"]);
    assert!(o.status.success(), "{}", text(&o));
    for id in ["bao-cao", "to-trinh", "cong-van"] {
        assert!(text(&o).contains(&format!("ok  {id}")), "{}", text(&o));
    }
    let broken = root.join("crates/trinhky-domain/tests/fixtures/workflows/broken");
    for entry in std::fs::read_dir(&broken).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let code = name[..5].to_uppercase();
        let marked = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .position(|l| l.trim_end().ends_with("# ERROR"))
            .map(|i| i + 1);
        let o = trinhky(
            "sqlite::memory:",
            &["workflow", "check", &path.display().to_string()],
        );
        assert_eq!(o.status.code(), Some(1), "{name}: {}", text(&o));
        let t = text(&o);
        assert!(t.contains(&code), "{name}: {t}");
        if let Some(line) = marked {
            assert!(
                t.contains(&format!("{name}:{line}:")),
                "{name} names line {line}: {t}"
            );
        }
    }
}

#[test]
fn serve_refuses_to_start_with_an_invalid_definition() {
    let root = trinhky_testkit::repo_root();
    let dir = std::env::temp_dir().join(format!("trinhky-badwf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root.join("workflows/bao-cao.toml"),
        dir.join("bao-cao.toml"),
    )
    .unwrap();
    let broken = std::fs::read_to_string(root.join("workflows/cong-van.toml"))
        .unwrap()
        .replacen("by = \"clerk\"", "by = \"janitor\"", 1)
        .replacen("by = [\"clerk\"]", "by = [\"janitor\"]", 1);
    std::fs::write(dir.join("cong-van.toml"), broken).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_trinhky"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(&root)
        .env("TRINHKY_DATABASE_URL", "sqlite::memory:")
        .env("TRINHKY_WORKFLOWS_DIR", &dir)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("WF006") && t.contains("cong-van.toml:") && t.contains("janitor"),
        "{t}"
    );
}
