#!/usr/bin/env bash
# The whole test suite, from a fresh machine with only the Rust toolchain: installs what the
# tests need, then runs every test. CI (.ci/run) calls this script.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --locked --all-targets "$@"
