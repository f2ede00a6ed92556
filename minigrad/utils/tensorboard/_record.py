"""TensorBoard's event-file encoding, written without TensorFlow, TensorBoard or protobuf.

An event file is a sequence of TFRecords, each ``length (uint64 LE) | masked_crc(length) (uint32 LE) | data |
masked_crc(data) (uint32 LE)``, where ``masked_crc(b) = ((c >> 15 | c << 17) + 0xA282EAD8) mod 2³²`` of the CRC-32C
(Castagnoli) checksum ``c`` of ``b``. Each record's data is an ``Event`` protocol buffer:
``wall_time`` (field 1, double), ``step`` (2, int64), ``file_version`` (3, string, the first record only) or
``summary`` (5, a ``Summary`` whose repeated ``value`` (1) holds ``tag`` (1, string) and ``simple_value`` (2,
float)). Protobuf fields are ``key = field_number << 3 | wire_type`` as a varint, then the value: varints (type 0),
8-byte little-endian (1), length-prefixed bytes (2) or 4-byte little-endian (5).
"""

import struct

__all__ = ["crc32c", "masked_crc32c", "record", "scalar_event", "version_event"]


def _crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):  # the reflected Castagnoli polynomial 0x82F63B78
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """The CRC-32C (Castagnoli) checksum of ``data``; ``crc32c(b"123456789") == 0xE3069283``."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked checksum: the CRC rotated right by 15 bits plus a constant (so a CRC of CRCs differs)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def record(data: bytes) -> bytes:
    """``data`` framed as one TFRecord."""
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked_crc32c(length)) + data + struct.pack("<I", masked_crc32c(data))


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64s are ten-byte two's complement varints
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, wire_type: int, payload: bytes) -> bytes:
    key = _varint(number << 3 | wire_type)
    return key + (_varint(len(payload)) + payload if wire_type == 2 else payload)


def _event(wall_time: float, step: int, body: bytes) -> bytes:
    return _field(1, 1, struct.pack("<d", wall_time)) + _field(2, 0, _varint(step)) + body


def version_event(wall_time: float) -> bytes:
    """The first event of every file: ``file_version = "brain.Event:2"``."""
    return _event(wall_time, 0, _field(3, 2, b"brain.Event:2"))


def scalar_event(tag: str, value: float, step: int, wall_time: float) -> bytes:
    """An event holding one scalar summary ``tag = value`` at ``step``."""
    summary_value = _field(1, 2, tag.encode("utf-8")) + _field(2, 5, struct.pack("<f", value))
    return _event(wall_time, step, _field(5, 2, _field(1, 2, summary_value)))
