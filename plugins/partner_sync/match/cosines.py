"""Both cosines of every candidate pair, streamed from the warehouse as binary COPY into numpy arrays.

Millions of pairs come back as fixed-size binary rows (two int4 positions, two float8 cosines, NaN for a
missing embedding) and are decoded a few megabytes at a time with one ``np.frombuffer`` each: no Python
tuple per pair, and what stays is 16 bytes per pair (int32 positions, float32 cosines).
"""

from __future__ import annotations

import numpy as np
from psycopg import sql

SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
TRAILER = b"\xff\xff"
# one row of pair_cosines.sql in COPY BINARY: field count, then (length, value) per column, big-endian
ROW = np.dtype([("fields", ">i2"), ("len_o", ">i4"), ("o", ">i4"), ("len_a", ">i4"), ("a", ">i4"),
                ("len_ci", ">i4"), ("ci", ">f8"), ("len_cp", ">i4"), ("cp", ">f8")])
LENGTHS = {"fields": 4, "len_o": 4, "len_a": 4, "len_ci": 8, "len_cp": 8}
DECODE_BYTES = 4 << 20  # decode once this much has arrived (~100,000 pairs)
LAYOUT = "the query must return int4, int4, float8, float8, never NULL"


def round_cosine(values: np.ndarray) -> np.ndarray:
    """Cosines rounded to 4 places (what the features and the evidence use), kept as float32.

    Lossless for every use: rounding the float32 value to 4 places again gives the float64 value exactly."""
    return np.round(np.asarray(values, dtype=np.float64), 4).astype(np.float32)


def _decode(raw: bytes | bytearray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rows = np.frombuffer(raw, dtype=ROW)
    ok = np.logical_and.reduce([rows[name] == expected for name, expected in LENGTHS.items()])
    if not ok.all():
        bad = int(np.flatnonzero(~ok)[0])
        found = ", ".join(f"{name}={int(rows[name][bad])}" for name, expected in LENGTHS.items()
                          if rows[name][bad] != expected)
        raise ValueError(f"search/match/pair_cosines: row {bad} of a batch has {found}, expected "
                         f"{LENGTHS} ({LAYOUT})")
    return (rows["o"].astype(np.int32), rows["a"].astype(np.int32), round_cosine(rows["ci"]),
            round_cosine(rows["cp"]))


def read_pair_cosines(conn, query: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(odoo position, ace position, identity cosine, project cosine) of every row of ``query``."""
    parts: list[tuple[np.ndarray, ...]] = []
    buf = bytearray()
    header = False
    copy_sql = sql.SQL("COPY ({}\n) TO STDOUT (FORMAT BINARY)").format(sql.SQL(query))  # type: ignore[arg-type]

    def drain() -> None:
        nonlocal buf, header
        if not header:
            if len(buf) < 19:
                return
            if bytes(buf[:11]) != SIGNATURE:
                raise ValueError("search/match/pair_cosines: not a binary COPY stream")
            ext = int.from_bytes(buf[15:19], "big")
            del buf[:19 + ext]
            header = True
        usable = len(buf) // ROW.itemsize * ROW.itemsize
        if usable:
            parts.append(_decode(bytes(buf[:usable])))
            del buf[:usable]

    with conn.cursor().copy(copy_sql) as cp:
        for data in cp:
            buf += data
            if len(buf) >= DECODE_BYTES:
                drain()
    drain()
    if not header or bytes(buf) != TRAILER:
        raise ValueError(f"search/match/pair_cosines: the binary COPY stream ended with {len(buf)} bytes that are "
                         f"not whole rows ({LAYOUT})")
    if not parts:
        return (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32),
                np.zeros(0, dtype=np.float32))
    return tuple(np.concatenate(col) for col in zip(*parts))  # type: ignore[return-value]
