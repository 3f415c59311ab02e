"""Element types `net` sizes activation memory in (plain data, importable at CLI start)."""

from __future__ import annotations

# torch dtype name → bytes per element
DTYPE_BYTES: dict[str, int] = {
    "float64": 8,
    "float32": 4,
    "float16": 2,
    "bfloat16": 2,
    "int64": 8,
    "int32": 4,
    "int8": 1,
    "uint8": 1,
}
