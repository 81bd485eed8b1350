"""An independent reader of TensorBoard event files, for the interop test
of callbacks.TensorBoard: it checks the TFRecord framing and both masked
CRC-32C of every record with its own CRC code, decodes the protocol
buffers by hand from the wire format (no generated code), and prints each
scalar, histogram and image as a JSON line:
{"step", "tag", "plugin", "dtype", "shape", "value" | "buckets" | "images"}.

Usage: python3 read_tfevents.py FILE
"""
import json
import struct
import sys

POLY = 0x82F63B78  # CRC-32C, reflected


def _table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ POLY if c & 1 else c >> 1
        t.append(c)
    return t


TABLE = _table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(b, i):
    shift = result = 0
    while True:
        x = b[i]
        i += 1
        result |= (x & 0x7F) << shift
        if not x & 0x80:
            return result, i
        shift += 7


def fields(b):
    """Yields (number, wire type, value) of a message's fields."""
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 1:
            v = b[i:i + 8]
            i += 8
        elif wt == 2:
            n, i = varint(b, i)
            v = b[i:i + n]
            i += n
        elif wt == 5:
            v = b[i:i + 4]
            i += 4
        else:
            raise ValueError("wire type %d" % wt)
        yield num, wt, v


def records(data):
    i = 0
    while i < len(data):
        hdr = data[i:i + 8]
        (n,) = struct.unpack("<Q", hdr)
        (crc,) = struct.unpack("<I", data[i + 8:i + 12])
        if crc != masked(hdr):
            raise ValueError("length CRC at byte %d" % i)
        body = data[i + 12:i + 12 + n]
        (crc,) = struct.unpack("<I", data[i + 12 + n:i + 16 + n])
        if crc != masked(body):
            raise ValueError("data CRC at byte %d" % i)
        yield body
        i += 16 + n


DTYPES = {1: "float32", 2: "float64", 7: "string"}


def tensor(b):
    t = {"dtype": None, "shape": [], "content": b"", "strings": []}
    for num, _, v in fields(b):
        if num == 1:
            t["dtype"] = DTYPES.get(v, v)
        elif num == 2:
            for n2, _, d in fields(v):
                if n2 == 2:
                    size = 0
                    for n3, _, s in fields(d):
                        if n3 == 1:
                            size = s
                    t["shape"].append(size)
        elif num == 4:
            t["content"] = v
        elif num == 8:
            t["strings"].append(v)
    return t


def main(path):
    with open(path, "rb") as f:
        data = f.read()
    for rec in records(data):
        step, summary = 0, None
        for num, _, v in fields(rec):
            if num == 2:
                step = v
            elif num == 3:
                print(json.dumps({"file_version": v.decode()}))
            elif num == 5:
                summary = v
        if summary is None:
            continue
        for num, _, val in fields(summary):
            out = {"step": step}
            t = None
            for n2, _, v in fields(val):
                if n2 == 1:
                    out["tag"] = v.decode()
                elif n2 == 8:
                    t = tensor(v)
                elif n2 == 9:
                    for n3, _, pd in fields(v):
                        if n3 == 1:
                            for n4, _, name in fields(pd):
                                if n4 == 1:
                                    out["plugin"] = name.decode()
            out["dtype"], out["shape"] = t["dtype"], t["shape"]
            if out["plugin"] == "scalars":
                (out["value"],) = struct.unpack("<f", t["content"])
            elif out["plugin"] == "histograms":
                vals = struct.unpack("<%dd" % (len(t["content"]) // 8), t["content"])
                out["buckets"] = [list(vals[i:i + 3]) for i in range(0, len(vals), 3)]
            elif out["plugin"] == "images":
                out["images"] = [t["strings"][0].decode(), t["strings"][1].decode()] + [
                    s[:8].hex() for s in t["strings"][2:]]
            print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
