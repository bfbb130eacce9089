"""qtflite.to_c_source: the .h/.cc pair compiles with g++ and its array holds the model's bytes."""
import os
import shutil
import subprocess

import pytest

import qtflite
from conftest import DATA

MODEL = os.path.join(DATA, "tflite", "hello_world", "hello_world_int8.tflite")

MAIN = r"""
#include <cstdio>
#include <cstdint>
#include "%s"

int main(int argc, char** argv) {
  if (reinterpret_cast<uintptr_t>(%s) %% 16 != 0) return 3;
  FILE* f = std::fopen(argv[1], "wb");
  if (!f) return 2;
  std::fwrite(%s, 1, %s_size, f);
  std::fclose(f);
  return 0;
}
"""


def compile_and_dump(tmp_path, src, cc_name="model_data.cc"):
    cc, h = src.save(tmp_path / cc_name)
    main = tmp_path / "main.cc"
    main.write_text(MAIN % (os.path.basename(h), src.name, src.name, src.name))
    exe = tmp_path / "dump"
    subprocess.run(["g++", "-std=c++17", "-Wall", "-Werror", "-o", str(exe), str(main), str(cc)], check=True,
                   cwd=tmp_path, capture_output=True)
    out = tmp_path / "bytes.bin"
    subprocess.run([str(exe), str(out)], check=True)
    return out.read_bytes()


def test_round_trip_through_gxx(tmp_path):
    assert shutil.which("g++"), "g++ is on the machine"
    data = open(MODEL, "rb").read()
    src = qtflite.to_c_source(data)
    assert src.name == "g_model" and src.size == len(data)
    assert "alignas(16) const unsigned char g_model[] = {" in src.source
    assert f"const unsigned int g_model_size = {len(data)};" in src.source
    assert "extern const unsigned char g_model[];" in src.header
    assert "extern const unsigned int g_model_size;" in src.header
    assert compile_and_dump(tmp_path, src) == data


def test_named_array_from_a_path_and_a_seed_int8_model(tmp_path):
    src = qtflite.to_c_source(MODEL, name="g_hello_model_data")
    assert compile_and_dump(tmp_path, src, "hello_model_data.cc") == open(MODEL, "rb").read()
    assert (tmp_path / "hello_model_data.h").exists()
    assert '#include "hello_model_data.h"' in (tmp_path / "hello_model_data.cc").read_text()


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match="C identifier"):
        qtflite.to_c_source(MODEL, name="1model")
    with pytest.raises(ValueError, match="not a .tflite"):
        qtflite.to_c_source(b"hello world, not a model")
    with pytest.raises(FileNotFoundError):
        qtflite.to_c_source(str(tmp_path / "missing.tflite"))
    with pytest.raises(ValueError, match=".cc"):
        qtflite.to_c_source(MODEL).save(tmp_path / "model.txt")
