"""``qtflite.to_c_source``: a model as a C++ array for a microcontroller's flash, in the layout of
TensorFlow Lite Micro's generate_cc_arrays.py (a header declaring the array and its size, a .cc
defining them, the array 16-byte aligned as the TFLite Micro interpreter expects)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from .model import read_bytes

__all__ = ["to_c_source", "CSource"]

_BYTES_PER_LINE = 12
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def write_atomic(path, data, mode="wb"):
    """Write `data` to `path` through a temporary file in the same directory and a rename, so
    that `path` is never left half written."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(tmp, mode) as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


@dataclass
class CSource:
    """The header (`header`) and source (`source`) text of a model array named `name`, with
    `size` bytes; `header_name` is the file name the source includes."""
    name: str
    size: int
    header: str
    source: str
    header_name: str
    _data: bytes = field(default=b"", repr=False)

    def save(self, cc_path):
        """Write the .cc to `cc_path` and the header beside it (same name, .h). Returns the two
        paths."""
        cc_path = os.fspath(cc_path)
        base, ext = os.path.splitext(cc_path)
        if ext not in (".cc", ".cpp", ".c++", ".cxx"):
            raise ValueError(f"'{cc_path}': give a C++ source file name ending in .cc")
        h_path = base + ".h"
        header, source = self.header, self.source
        if os.path.basename(h_path) != self.header_name:  # the .cc includes the header by its file name
            header, source = _render(self._data, self.name, os.path.basename(h_path))
        write_atomic(h_path, header.encode(), "wb")
        write_atomic(cc_path, source.encode(), "wb")
        return cc_path, h_path

    def __repr__(self):
        return f"CSource(name={self.name!r}, size={self.size}, header_name={self.header_name!r})"


def to_c_source(model, name: str = "g_model", header_name: str | None = None) -> CSource:
    """The model (bytes, a path or a file object) as `alignas(16) const unsigned char
    name[]` and `const unsigned int name_size`, split into a header and a .cc as TFLite Micro's
    generate_cc_arrays.py writes them (plus an include guard)."""
    data = read_bytes(model)
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ValueError(f"not a .tflite model ({len(data)} bytes without the TFL3 file identifier)")
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise ValueError(f"name must be a C identifier (letters, digits, '_', not starting with a digit), got {name!r}")
    header_name = header_name or f"{name}.h"
    header, source = _render(data, name, header_name)
    return CSource(name=name, size=len(data), header=header, source=source, header_name=header_name, _data=data)


def _render(data, name, header_name):
    guard = re.sub(r"[^A-Za-z0-9]", "_", header_name).upper() + "_"
    header = (f"#ifndef {guard}\n#define {guard}\n\n#include <cstdint>\n\n"
              f"extern const unsigned char {name}[];\n"
              f"extern const unsigned int {name}_size;\n\n#endif  // {guard}\n")
    rows = []
    for start in range(0, len(data), _BYTES_PER_LINE):
        rows.append("    " + ", ".join(f"0x{b:02x}" for b in data[start:start + _BYTES_PER_LINE]) + ",")
    source = (f"#include <cstdint>\n\n#include \"{header_name}\"\n\n"
              f"alignas(16) const unsigned char {name}[] = {{\n" + "\n".join(rows) + "\n};\n"
              f"const unsigned int {name}_size = {len(data)};\n")
    return header, source
