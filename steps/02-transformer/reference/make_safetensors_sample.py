#!/usr/bin/env python3
"""Writes tests/data/python_sample.safetensors: a tiny safetensors file made by Python with
only the standard library, which safetensors_test.cpp reads back.

It shows how few lines the format needs (8-byte little-endian header size, a JSON header,
raw little-endian row-major data), and it checks that the C++ reader agrees with an
independent writer on F32, F16, BF16, I32 and I64 and on "__metadata__".

Usage: python3 make_safetensors_sample.py [output path]
"""
import json
import math
import os
import struct
import sys


def bf16_bytes(values):
    """bfloat16 is the top 16 bits of a float32; the values here are exact in bfloat16."""
    out = b""
    for value in values:
        bits = struct.unpack("<I", struct.pack("<f", value))[0]
        assert bits & 0xFFFF == 0, f"{value} is not exact in bfloat16"
        out += struct.pack("<H", bits >> 16)
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.normpath(os.path.join(here, "..", "tests", "data", "python_sample.safetensors"))
    path = sys.argv[1] if len(sys.argv) > 1 else default

    # (name, dtype, shape, bytes). The BF16 tensor has 3 elements (6 bytes), so the I64
    # tensor after it starts at an offset that is not a multiple of 8: the reader must not
    # assume alignment.
    tensors = [
        ("weight", "F32", [2, 3], struct.pack("<6f", 0.5, -1.25, 3.0, 1e-3, -7.0, 1024.0)),
        # 1, -2, the largest F16, the smallest F16 subnormal (2^-24), +inf, -0
        ("half", "F16", [2, 3],
         struct.pack("<6e", 1.0, -2.0, 65504.0, 2.0**-24, math.inf, -0.0)),
        ("brain", "BF16", [3], bf16_bytes([3.140625, -0.5, 2.0**100])),
        ("ids", "I64", [2, 2], struct.pack("<4q", 0, 50256, -1, 2**40)),
        ("counts", "I32", [3], struct.pack("<3i", 7, -8, 2**31 - 1)),
        ("scalar", "F32", [], struct.pack("<f", 42.0)),
    ]
    header = {"__metadata__": {"format": "pt", "producer": "make_safetensors_sample.py"}}
    data = b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # pad with spaces so the data starts 8-byte aligned

    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)) + text + data)
    print(f"wrote {path} ({8 + len(text) + len(data)} bytes)")


if __name__ == "__main__":
    main()
