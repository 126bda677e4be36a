#!/usr/bin/env bash
# Regenerates completions/ and man/ from the clap definitions (the drift test checks them).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/flaky
mkdir -p completions man
"$bin" generate completions bash > completions/flaky.bash
"$bin" generate completions zsh > completions/_flaky
"$bin" generate completions fish > completions/flaky.fish
"$bin" generate completions powershell > completions/_flaky.ps1
"$bin" generate completions elvish > completions/flaky.elv
rm -f man/*.1
"$bin" generate man man
echo "regenerated completions/ and man/"
