# The RunPod Serverless worker image of `flaky run --remote runpod`: the official RunPod Python SDK
# runs worker/handler.py, which runs `flaky worker` for each job (a shard of attempts).
#
#   docker build --platform linux/amd64 -t REGISTRY/flaky-worker:VERSION .
#   docker push REGISTRY/flaky-worker:VERSION
#
# then create a RunPod Serverless endpoint (CPU is enough) from that image. The client and the
# image must come from the same flaky version (the job's schema_version).
#
# Test toolchains in the image: git, Python 3.11 with pip (pytest projects), Node.js and npm
# (jest, vitest, mocha, node:test) and Go, from Debian bookworm: Node.js 18 and Go 1.19. A
# project that needs newer ones (vite 7 and vitest on vite 7 need Node.js >= 20.19), or another
# toolchain (cargo, rspec, phpunit, uv, poetry), needs an image of its own built FROM this one.

# --- build: the flaky binary ----------------------------------------------------------------
FROM --platform=linux/amd64 rust:1.95-bookworm AS build
WORKDIR /src
# The build needs only the manifest, the lock file, askama.toml (the HTML templates' escaper),
# templates/ (the HTML pages, compiled in by askama) and src/ (no build.rs; every include_str! of
# a non-test module points inside src/).
COPY Cargo.toml Cargo.lock askama.toml ./
COPY templates ./templates
COPY src ./src
RUN cargo build --locked --release \
    && install -m 0755 target/release/flaky /flaky

# --- the worker -------------------------------------------------------------------------------
FROM --platform=linux/amd64 python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git golang-go nodejs npm \
    && rm -rf /var/lib/apt/lists/*

# The SDK goes in a virtualenv of its own, so the projects' `pip install` (into the image's
# python3, as the user below) can neither break the worker nor be broken by it.
COPY worker/requirements.txt /app/requirements.txt
RUN python3 -m venv /opt/runpod \
    && /opt/runpod/bin/pip install --no-cache-dir --disable-pip-version-check -r /app/requirements.txt

COPY --from=build /flaky /usr/local/bin/flaky
COPY worker/handler.py /app/handler.py

# Not root: checkouts, npm and Go caches, pip's user installs and flaky's own cache all go under
# the user's home (or the per-job TMPDIR the handler makes).
RUN useradd --create-home --uid 10001 --shell /bin/sh flaky
USER flaky
WORKDIR /home/flaky

# The SDK's start-up checks want 4 GB of free memory by default; small CPU workers have less.
ENV RUNPOD_MIN_MEMORY_GB=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/home/flaky/.local/bin:/home/flaky/go/bin:$PATH

CMD ["/opt/runpod/bin/python3", "-u", "/app/handler.py"]
