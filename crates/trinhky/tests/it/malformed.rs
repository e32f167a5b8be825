//! `trinhky verify --json` on every file of the malformed-PDF corpus (issue #15): the process
//! answers with exit 0, 1 or 2 within 2 s of wall time, 2 s of CPU and 256 MB of resident
//! memory. Time and peak memory are measured by the kernel (`getrusage(RUSAGE_CHILDREN)`:
//! `ru_maxrss` is the largest peak resident set of the children reaped, `ru_utime +
//! ru_stime` their CPU time).

use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WALL: Duration = Duration::from_secs(2);
const CPU: Duration = Duration::from_secs(2);
const RSS_KB: i64 = 256 * 1024;

struct Run {
    code: Option<i32>,
    signal: Option<i32>,
    wall: Duration,
    cpu: Duration,
    max_rss_kb: i64,
    stderr: String,
}

/// CPU time and peak resident set of the children reaped so far (the kernel's rusage).
fn children() -> (Duration, i64) {
    use nix::sys::resource::{UsageWho, getrusage};
    let u = getrusage(UsageWho::RUSAGE_CHILDREN).unwrap();
    let tv = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(u64::try_from(t.tv_sec()).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec()).unwrap_or(0))
    };
    (tv(u.user_time()) + tv(u.system_time()), u.max_rss())
}

/// Runs the binary on `args`; its CPU time is the growth of the children's total, and its
/// peak memory is bounded by the children's maximum (the largest resident set of any
/// child reaped so far: under nextest this test's process runs only these children).
fn run_measured(args: &[&str], data: &std::path::Path) -> Run {
    let (cpu_before, _) = children();
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_trinhky"))
        .args(args)
        .current_dir(trinhky_testkit::repo_root())
        .env("TRINHKY_DATA_DIR", data)
        .env("TRINHKY_LOG", "warn")
        .env_remove("TRINHKY_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("binary runs");
    let wall = start.elapsed();
    let (cpu_after, max_rss_kb) = children();
    Run {
        code: out.status.code(),
        signal: out.status.signal(),
        wall,
        cpu: cpu_after.saturating_sub(cpu_before),
        max_rss_kb,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn corpus() -> Vec<PathBuf> {
    let dir = trinhky_testkit::repo_root().join("crates/trinhky-pdf/tests/fixtures/malformed");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    files.sort();
    files
}

#[test]
fn verify_answers_every_malformed_file_within_2s_and_256mb() {
    let data = std::env::temp_dir().join(format!("trinhky-malformed-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&data);
    let files = corpus();
    assert!(files.len() >= 25, "the corpus is there");
    let mut report = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let r = run_measured(&["verify", "--json", &f.to_string_lossy()], &data);
        report.push(format!(
            "{name}: exit {:?} signal {:?}, {:?} wall, {:?} cpu, {} MB",
            r.code,
            r.signal,
            r.wall,
            r.cpu,
            r.max_rss_kb / 1024
        ));
        assert!(
            matches!(r.code, Some(0..=2)),
            "{name}: exit {:?} (signal {:?}); stderr: {}",
            r.code,
            r.signal,
            r.stderr
        );
        assert!(r.wall < WALL, "{name}: {:?} wall", r.wall);
        assert!(r.cpu < CPU, "{name}: {:?} CPU", r.cpu);
        assert!(
            r.max_rss_kb < RSS_KB,
            "{name}: {} MB resident",
            r.max_rss_kb / 1024
        );
        // A refusal says why in the agreed words.
        if r.code == Some(2) && r.stderr.contains("too complex") {
            assert!(
                r.stderr.contains("could not verify: file too complex"),
                "{}",
                r.stderr
            );
        }
    }
    // The 2 GB flate bomb is refused, not inflated.
    let bomb = run_measured(
        &[
            "verify",
            "--json",
            &files
                .iter()
                .find(|p| p.ends_with("flate-bomb.pdf"))
                .unwrap()
                .to_string_lossy(),
        ],
        &data,
    );
    assert_eq!(bomb.code, Some(2), "{}", bomb.stderr);
    assert!(
        bomb.stderr.contains("could not verify: file too complex"),
        "{}",
        bomb.stderr
    );
    eprintln!("{}", report.join("\n"));
    let _ = std::fs::remove_dir_all(&data);
}
