#!/usr/bin/env bash
# The whole test suite, from a fresh machine with only the Rust toolchain: installs what the
# tests need (only what is missing, so a second run is fast), then runs every test. CI (.ci/run)
# calls this script; arguments go to `cargo test`.
#
# What the integration tests in tests/cli/frameworks.rs need, and where it comes from:
#   pytest               a virtualenv in target/test-env/venv, put first on PATH (so `python3 -m pytest` works)
#   runpod               the RunPod SDK (worker/requirements.txt) in the same virtualenv
#   jest, vitest, mocha  `npm ci` in their examples/ directory
#   go, rspec, phpunit   Debian's golang-go, ruby-rspec and phpunit (and python3-venv or npm, if missing)
#   cargo-nextest        crates.io (the machines this runs on normally have it already)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

step() { printf 'test.sh: %s\n' "$*"; }
have() { command -v "$1" > /dev/null 2>&1; }

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi

# Debian packages for the tools that are not on PATH, with one `apt-get update` at most.
apt_packages=()
have python3 || apt_packages+=(python3)
have python3 && python3 -c 'import ensurepip, venv' > /dev/null 2>&1 || apt_packages+=(python3-venv)
have npm || apt_packages+=(npm)
have go || apt_packages+=(golang-go)
have rspec || apt_packages+=(ruby-rspec)
have phpunit || apt_packages+=(phpunit)
if [ ${#apt_packages[@]} -gt 0 ]; then
    step "apt-get install ${apt_packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" > /dev/null
else
    step "go, rspec and phpunit: present"
fi

# pytest, in a virtualenv whose bin/ goes first on PATH for the tests.
venv=$root/target/test-env/venv
requirements=examples/python-pytest/requirements-dev.txt
if ! "$venv/bin/python3" -c '' > /dev/null 2>&1; then
    step "python3 -m venv target/test-env/venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
fi
# pip_install FILE STAMP MODULE WHAT: installs FILE's requirements into the venv unless the same
# file was installed before (a copy is kept as STAMP) and MODULE imports.
pip_install() {
    if ! cmp -s "$1" "$venv/$2" || ! "$venv/bin/python3" -c "import $3" > /dev/null 2>&1; then
        step "pip install -r $1 ($4)"
        "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check -r "$1"
        cp "$1" "$venv/$2"
    else
        step "$4: present in target/test-env/venv"
    fi
}
pip_install "$requirements" .requirements-dev.txt pytest pytest
# The RunPod SDK, for the end-to-end test of the worker image's handler.
pip_install worker/requirements.txt .worker-requirements.txt runpod "the RunPod SDK"
# jsonschema, which checks `flaky scan --format sarif` against the SARIF 2.1.0 schema, and
# junitparser, which reads back the JUnit report of `flaky ci`.
pip_install tests/requirements.txt .tests-requirements.txt jsonschema jsonschema
export PATH="$venv/bin:$PATH"

# The JavaScript examples' own packages.
for example in jest jest-causes vitest mocha; do
    dir=examples/$example
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
        step "npm ci in $dir"
        if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=silent > /dev/null); then
            # npm ci refuses a lockfile that lacks entries for other platforms' optional
            # packages; `npm install --no-save` still installs the locked versions and leaves
            # package-lock.json as it is.
            step "npm ci refused $dir/package-lock.json; npm install --no-save instead"
            (cd "$dir" && npm install --no-save --no-audit --no-fund --loglevel=error > /dev/null)
        fi
        touch "$dir/node_modules"
    else
        step "$dir/node_modules: up to date"
    fi
done

if ! cargo nextest --version > /dev/null 2>&1; then
    step "cargo install --locked cargo-nextest (once; takes a few minutes)"
    cargo install --locked --quiet cargo-nextest
else
    step "cargo-nextest: present"
fi

step "cargo test --locked --all-targets${*:+ $*}"
cargo test --locked --all-targets "$@"
