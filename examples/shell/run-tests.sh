#!/bin/sh
# A tiny test suite in plain sh, for trying flaky without installing anything.
# test_cache_warmup is flaky: it fails when the attempt's seed is a multiple of 4, so a
# fixed `flaky run --seed N` reproduces the same failures every time.
seed=${TEST_SEED:-1}

echo "test_addition ... ok"
[ $((2 + 2)) -eq 4 ] || { echo "test_addition: 2 + 2 is not 4" >&2; exit 1; }

echo "test_string_join ... ok"
[ "$(printf '%s-%s' a b)" = "a-b" ] || { echo "test_string_join failed" >&2; exit 1; }

if [ $((seed % 4)) -eq 0 ]; then
    echo "test_cache_warmup ... FAILED"
    echo "AssertionError: cache was cold after warm-up (seed $seed)" >&2
    exit 1
fi
echo "test_cache_warmup ... ok"
