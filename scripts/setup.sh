#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks, then builds and installs qtflite into .venv.
#   C++ packages (apt): FlatBuffers headers + flatc, xsimd, GoogleTest, a compiler, CMake, Ninja.
#   Python packages (pip, into .venv): qtflite itself with its runtime dependencies only; with
#   QTFLITE_EXTRAS=test (scripts/test.sh sets it) also the test/benchmark extras.
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(g++ cmake ninja-build pkg-config libflatbuffers-dev flatbuffers-compiler
              libxsimd-dev libgtest-dev libsimde-dev python3-venv python3-dev)
if command -v dpkg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${apt_packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    echo "setup: apt-get install ${missing[*]}"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "setup: no apt-get here; install flatbuffers, xsimd and gtest yourself (e.g. conda install -c conda-forge flatbuffers xsimd gtest)" >&2
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
extras=${QTFLITE_EXTRAS:-}
if [[ ",$extras," == *",test,"* ]]; then
  # PyTorch for Keras' live-object tests: the CPU build, pinned so pip takes it rather than a
  # newer CUDA build.
  .venv/bin/python -m pip install -q "torch==2.13.0"
fi
target="."
[ -n "$extras" ] && target=".[$extras]"
echo "setup: pip install $target"
.venv/bin/python -m pip install -q "$target"
echo "setup: done ($(.venv/bin/python -c 'import qtflite; print("qtflite", qtflite.__version__)'))"
