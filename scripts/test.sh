#!/usr/bin/env bash
# Runs every test: the C++ unit tests (GoogleTest, through ctest) and the Python tests (pytest).
# Installs what is missing first (scripts/setup.sh). QTFLITE_ASAN=1 also runs the C++ tests
# under AddressSanitizer + UndefinedBehaviorSanitizer (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."

QTFLITE_EXTRAS=${QTFLITE_EXTRAS:-test} bash scripts/setup.sh

jobs=${QTFLITE_JOBS:-2}
export QTFLITE_SHARED=${QTFLITE_SHARED:-$(cd .. && pwd)/shared}

echo "== C++ unit tests"
cmake -S . -B build/tests -G Ninja -DQTFLITE_BUILD_TESTS=ON -DQTFLITE_BUILD_PYTHON=OFF >/dev/null
cmake --build build/tests -j "$jobs"
ctest --test-dir build/tests --output-on-failure -j "$jobs"

if [ "${QTFLITE_ASAN:-0}" = "1" ]; then
  echo "== C++ unit tests under AddressSanitizer + UBSan (Debug: assertions on)"
  cmake -S . -B build/asan -G Ninja -DQTFLITE_BUILD_TESTS=ON -DQTFLITE_BUILD_PYTHON=OFF \
    -DQTFLITE_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=Debug >/dev/null
  cmake --build build/asan -j "$jobs"
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --test-dir build/asan --output-on-failure -j "$jobs"
fi

echo "== Python tests"
.venv/bin/python -m pytest -n "$jobs" tests/python "$@"
