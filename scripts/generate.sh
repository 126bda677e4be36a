#!/usr/bin/env bash
# Regenerates completions/ and man/ from the clap definitions (the drift test checks them).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/flaky
mkdir -p completions man
"$bin" completions bash > completions/flaky.bash
"$bin" completions zsh > completions/_flaky
"$bin" completions fish > completions/flaky.fish
"$bin" completions powershell > completions/_flaky.ps1
"$bin" completions elvish > completions/flaky.elv
rm -f man/*.1
"$bin" generate man man
echo "regenerated completions/ and man/"
