"""qtflite.cpu_info() and the QTFLITE_ISA switch: every tier the CPU has can be forced, and a
tier it lacks (or a misspelt one) stops the import with a message that says why."""
import os
import subprocess
import sys

import qtflite

TIERS = ["sse2", "avx2", "avx512bw", "avxvnni", "avx512vnni", "amx"]


def _child(isa, code="import qtflite; print(qtflite.cpu_info()['active'])"):
    env = dict(os.environ, QTFLITE_ISA=isa)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def test_cpu_info_describes_the_machine():
    info = qtflite.cpu_info()
    assert set(info) >= {"active", "supported", "vendor", "brand", "features"}
    assert info["supported"][0] == "sse2"
    assert info["active"] in info["supported"]
    assert all(t in TIERS for t in info["supported"])
    assert isinstance(info["features"]["avx2"], bool)
    if "avx2" in info["supported"]:
        assert info["features"]["avx2"] and info["features"]["fma"]
    if "avx512vnni" in info["supported"]:
        assert info["features"]["avx512_vnni"] and "avx512bw" in info["supported"]
    # AMX needs the CPU, the OS (XCR0) and, on Linux, the tile-data permission for this process.
    f = info["features"]
    has_amx = f["amx_tile"] and f["amx_int8"] and f["os_tiles"] and f["os_tiles_permitted"] and \
        "avx512vnni" in info["supported"]
    assert ("amx" in info["supported"]) == has_amx
    if not has_amx:
        print("AMX tier absent on this machine: not tested")


def test_every_supported_tier_can_be_forced():
    for tier in qtflite.cpu_info()["supported"]:
        res = _child(tier)
        assert res.returncode == 0, res.stderr
        assert res.stdout.strip() == tier


def test_a_tier_the_cpu_lacks_stops_the_import_with_the_reason():
    supported = qtflite.cpu_info()["supported"]
    missing = [t for t in TIERS if t not in supported]
    for tier in missing:
        res = _child(tier)
        assert res.returncode != 0
        assert f"QTFLITE_ISA={tier}: this CPU" in res.stderr and "supports sse2" in res.stderr, res.stderr


def test_an_unknown_tier_name_lists_the_choices():
    res = _child("avx1024")
    assert res.returncode != 0
    assert "QTFLITE_ISA=avx1024 is not an instruction-set tier; choose one of sse2, avx2" in res.stderr
