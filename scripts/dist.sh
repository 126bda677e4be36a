#!/usr/bin/env bash
# Builds a release archive of flaky for one target, as the release workflow does:
#
#   scripts/dist.sh x86_64-unknown-linux-musl
#
# writes dist/flaky-TARGET.tar.gz (flaky-TARGET/: the binary, README.md, LICENSE, completions/,
# man/) and dist/flaky-TARGET.tar.gz.sha256 (`sha256sum -c` reads it). The binary is built with
# the `dist` profile (fat LTO, one codegen unit: about 20 minutes on 2 cores). A musl target needs
# `rustup target add TARGET` and, for the C code of SQLite, libgit2 and tree-sitter, musl-gcc
# (Debian's musl-tools) for x86_64, or a cross C compiler named in CC_<target> for others.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: scripts/dist.sh TARGET (e.g. x86_64-unknown-linux-musl)}
name=flaky-$target

if [[ $target == x86_64-unknown-linux-musl && -z ${CC_x86_64_unknown_linux_musl:-} ]]; then
    export CC_x86_64_unknown_linux_musl=musl-gcc
fi

cargo build --locked --profile dist --target "$target"

exe=flaky
[[ $target == *windows* ]] && exe=flaky.exe
stage=dist/$name
rm -rf "$stage" "dist/$name.tar.gz" "dist/$name.tar.gz.sha256"
mkdir -p "$stage"
install -m 0755 "target/$target/dist/$exe" "$stage/$exe"
cp -R README.md LICENSE completions man "$stage/"
# A reproducible archive: sorted names, fixed owner and modification time (GNU tar: `gtar` on
# macOS, where GitHub's runners have it).
tar=tar
command -v gtar > /dev/null && tar=gtar
"$tar" --sort=name --owner=0 --group=0 --numeric-owner --mtime='@0' \
    -C dist -czf "dist/$name.tar.gz" "$name"
sha256=(sha256sum)
command -v sha256sum > /dev/null || sha256=(shasum -a 256)
(cd dist && "${sha256[@]}" "$name.tar.gz" > "$name.tar.gz.sha256")
rm -rf "$stage"
echo "dist/$name.tar.gz"
