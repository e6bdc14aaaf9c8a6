"""A minimal reader of the event files the tests write, independent of the
library under test and of TensorBoard: TFRecord framing (lengths only; the
conformance test leaves CRCs to TensorBoard's readers) and just enough
protobuf to list each value's step, tag, kind and payload."""

import os
import struct


def _varint(buf, pos):
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def _fields(buf):
    """Yields (field number, wire type, value) of one protobuf message."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError("unexpected wire type %d" % wire)
        yield number, wire, value


def records(path):
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        yield data[pos + 12:pos + 12 + length]
        pos += 12 + length + 4


def values(run_dir):
    """Every summary value in the run's event files, in order, as dicts:
    step, tag, and one of scalar (float), png (bytes) or tensor (True)."""
    out = []
    for name in sorted(os.listdir(run_dir)):
        if not name.startswith("events.out.tfevents."):
            continue
        for record in records(os.path.join(run_dir, name)):
            step = 0
            summaries = []
            for number, _, value in _fields(record):
                if number == 2:
                    step = value
                elif number == 5:
                    summaries.append(value)
            for summary in summaries:
                for number, _, raw in _fields(summary):
                    if number != 1:
                        continue
                    entry = {"step": step}
                    for field, _, v in _fields(raw):
                        if field == 1:
                            entry["tag"] = v.decode()
                        elif field == 2:
                            entry["scalar"] = struct.unpack("<f", v)[0]
                        elif field == 4:
                            image = {f: x for f, _, x in _fields(v)}
                            entry["png"] = image.get(4, b"")
                        elif field == 8:
                            entry["tensor"] = True
                    out.append(entry)
    return out


def png_size(png):
    """(width, height) from a PNG's IHDR chunk."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", png[16:24])


def tags(run_dir):
    return {v["tag"] for v in values(run_dir)}
