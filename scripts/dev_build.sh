#!/usr/bin/env bash
# Builds qtflite's extension module in this tree (build/dev) and links it into src/qtflite/, so
# that `PYTHONPATH=src python ...` runs this checkout without a pip install: quicker when
# iterating on C++ code, and one venv can serve several worktrees.
#   PYTHON=path/to/python (default: the .venv beside this tree, else python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
pybind11_dir=$("$PYTHON" -m pybind11 --cmakedir 2>/dev/null || python3 -m pybind11 --cmakedir)
cmake -S . -B build/dev -G Ninja -DQTFLITE_BUILD_PYTHON=ON -DQTFLITE_BUILD_TESTS=OFF \
  -DPython_EXECUTABLE="$(command -v "$PYTHON")" -Dpybind11_DIR="$pybind11_dir" >/dev/null
cmake --build build/dev -j "${QTFLITE_JOBS:-2}"
module=$(ls build/dev/_core*.so)
ln -sf "$(pwd)/$module" "src/qtflite/$(basename "$module")"
echo "dev_build: src/qtflite/$(basename "$module") -> $module (use PYTHONPATH=$(pwd)/src)"
