#!/bin/sh
# Issue 6 benchmark, all in one run: trinhky in-process (criterion), pyHanko
# in-process (warm) on the same files and keys, and the floor (one RSA-2048
# private-key operation, `openssl speed`). Run from the workspace root.
set -e
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-sign}"
export TRINHKY_BENCH_DIR="${TRINHKY_BENCH_DIR:-$CARGO_TARGET_DIR/bench-sign}"
cargo bench -p trinhky-pdf --bench sign -- --noplot 2>&1 | grep -E '^(two-page|parts)|time:'
python3 crates/trinhky-pdf/benches/compare_pyhanko.py "$TRINHKY_BENCH_DIR"
openssl speed -seconds 3 rsa2048 2>/dev/null | grep -E '^rsa|sign/s'
