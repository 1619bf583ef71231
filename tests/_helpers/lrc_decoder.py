"""An independent reader of lrcompress model files (.lrc), written from the format description in
README.md ("Model file") and nothing else: it shares no code with lib/io, so a change that the
writer and the reader of lib/io make together (a round trip cannot see it) is seen here.

Reads a JSON list of files (each a list of byte values) on standard input and prints, per file, what it holds:
header, names, preprocessing, the kept-or-not flag of every weight, and the weights (float
values, or quantized codes in the kind's range with every weight's value by the format's
formulas, masked and omitted weights at the group's zero code). Python standard library only.
"""

import json
import math
import struct
import sys
import zlib

MAGIC = bytes([0x89, 0x4C, 0x52, 0x43, 0x0D, 0x0A, 0x1A, 0x0A])


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def remaining(self):
        return len(self.data) - self.pos

    def take(self, n):
        assert n <= self.remaining(), "read past the end"
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self):
        return self.take(1)[0]

    def varint(self):
        # Unsigned LEB128, low group first, minimal, at most 5 bytes.
        v = 0
        for i in range(5):
            b = self.u8()
            v |= (b & 0x7F) << (7 * i)
            if b < 0x80:
                assert i == 0 or b != 0, "non-minimal varint"
                return v
        raise AssertionError("varint longer than 5 bytes")

    def zigzag(self):
        u = self.varint()
        return u // 2 if u % 2 == 0 else -(u + 1) // 2

    def end(self):
        assert self.remaining() == 0, f"{self.remaining()} bytes left"


DTYPES = {1: ("<e", 2), 2: ("<f", 4), 3: ("<d", 8)}


def floats(r, dtype, count):
    fmt, size = DTYPES[dtype]
    return [struct.unpack(fmt, r.take(size))[0] for _ in range(count)]


def float_array(r, count):
    tag = r.u8()
    if tag & 0x10:
        assert count >= 2, "a constant run of fewer than 2 values"
        return floats(r, tag & ~0x10, 1) * count
    return floats(r, tag, count)


def string_list(r, count):
    form = r.u8()
    if form == 0:
        n = r.varint()
        assert n == count, f"{n} strings for {count}"
        out, prev = [], b""
        for _ in range(n):
            shared = r.varint()
            rest = r.take(r.varint())
            assert shared <= len(prev)
            cur = prev[:shared] + rest
            out.append(cur.decode("utf-8"))
            prev = cur
        return out
    assert form == 1, f"string list form {form}"
    m = r.varint()
    assert 1 <= m <= 4
    literals = [r.take(r.varint()).decode("utf-8") for _ in range(m + 1)]
    counters = [(r.varint(), r.varint()) for _ in range(m)]
    total = math.prod(radix for _, radix in counters)
    assert total == count, f"a pattern of {total} strings for {count}"
    out = []
    for i in range(count):
        digits, rest = [], i
        for start, radix in reversed(counters):  # last counter fastest
            digits.append(start + rest % radix)
            rest //= radix
        digits.reverse()
        s = literals[0]
        for k in range(m):
            s += str(digits[k]) + literals[k + 1]
        out.append(s)
    return out


def unpack(data, count, width):
    # Value i in stream bits i*w .. i*w + w - 1, least significant first; padding bits zero.
    assert len(data) == (count * width + 7) // 8, "packed length"
    big = int.from_bytes(data, "little")
    assert big >> (count * width) == 0, "non-zero padding"
    return [(big >> (i * width)) & ((1 << width) - 1) for i in range(count)]


L = 1 << 23


def rans_decode(stream, count, freq, prob_bits):
    # The format's decoding rule, step by step (README "Entropy coding").
    m = 1 << prob_bits
    cum, c = [], 0
    for f in freq:
        cum.append(c)
        c += f
    assert c == m
    x = int.from_bytes(stream[0:4], "little")
    pos = 4
    out = []
    for _ in range(count):
        slot = x % m
        s = next(s for s in range(len(freq)) if freq[s] and cum[s] <= slot < cum[s] + freq[s])
        out.append(s)
        x = freq[s] * (x // m) + slot - cum[s]
        while x < L:
            x = 256 * x + stream[pos]
            pos += 1
    assert x == L and pos == len(stream), "the stream does not end in the initial state"
    return out


def flag_table(count, n):
    one = min(2**15 - 1, max(1, math.floor(count * 2**15 / n + 0.5)))
    return [2**15 - one, one]


def flat_positions(r, tag, n):
    """Kept positions of an index set of encoding `tag` over n positions (bitmap, delta, rans)."""
    if tag == 1:
        bits = r.take((n + 7) // 8)
        big = int.from_bytes(bits, "little")
        assert big >> n == 0, "bits past the end"
        return [i for i in range(n) if big >> i & 1]
    if tag == 5:
        count = r.varint()
        flags = rans_decode(r.take(r.remaining()), n, flag_table(count, n), 15)
        assert sum(flags) == count
        return [i for i in range(n) if flags[i]]
    count = r.varint()
    if tag == 2:
        gaps = [r.varint() for _ in range(count)]
    else:
        assert tag == 3, f"index encoding {tag}"
        width = r.u8()
        gaps = unpack(r.take((count * width + 7) // 8), count, width)
    out, p = [], -1
    for g in gaps:
        p += g + 1
        out.append(p)
    assert all(q < n for q in out)
    return out


def support(r, rows, cols):
    n = rows * cols
    tag = r.u8()
    if tag == 0:
        return [1] * n, tag
    flags = [0] * n
    if tag == 4:
        sub = r.u8()
        assert sub in (1, 2, 3, 5)
        for j in flat_positions(r, sub, cols):
            for i in range(rows):
                flags[i * cols + j] = 1
        return flags, tag
    for p in flat_positions(r, tag, n):
        flags[p] = 1
    return flags, tag


def f16(bits):
    return struct.unpack("<e", struct.pack("<H", bits))[0]


def decode(data):
    assert data[:8] == MAGIC, "magic"
    version, flags, length = struct.unpack("<HHI", data[8:16])
    assert flags == 0 and length == len(data)
    crc = struct.unpack("<I", data[-4:])[0]
    assert crc == zlib.crc32(data[:-4]), "CRC-32"
    body = Reader(data[16:-4])
    sections, order = {}, []
    while body.remaining():
        sid = body.u8()
        sections[sid] = Reader(body.take(body.varint()))
        order.append(sid)
    m = sections[1]
    model_kind, link, n_classes, cols, mflags = m.u8(), m.u8(), m.varint(), m.varint(), m.u8()
    m.end()
    rows = 1 if link == 0 else n_classes
    n = rows * cols
    out = {
        "version": version,
        "sections": order,
        "quantized": model_kind == 1,
        "link": ["sigmoid", "softmax"][link],
        "hasMask": mflags == 1,
    }
    if 10 in sections:
        t = sections[10]
        assert link == 0, "a threshold section in a softmax model"
        out["threshold"] = struct.unpack("<d", t.take(8))[0]
        t.end()
        assert 0 < out["threshold"] < 1
    out["classes"] = string_list(sections[2], n_classes)
    sections[2].end()
    out["featureNames"] = string_list(sections[3], cols)
    sections[3].end()
    p = sections[4]
    if p.u8() == 1:
        out["preprocessing"] = {"mean": float_array(p, cols), "scale": float_array(p, cols)}
    p.end()
    flags, out["supportTag"] = support(sections[5], rows, cols)
    sections[5].end()
    out["support"] = flags
    kept = sum(flags)
    w = sections[6]
    kind = w.u8()
    bias = sections[8]
    if model_kind == 0:
        assert kind == 0
        values = floats(w, w.u8(), kept)
        w.end()
        it = iter(values)
        out["weights"] = [next(it) if f else 0.0 for f in flags]
        assert bias.u8() == 2
        out["bias"] = float_array(bias, rows)
        bias.end()
        return out
    entropy, kind = kind & 0x40, kind & ~0x40
    bits, gran = w.u8(), w.u8()
    levels = w.varint() if kind == 4 else 0
    if entropy:
        assert version == 2
        prob_bits, k = w.u8(), w.varint()
        freq, s = [0] * (1 << bits), -1
        for _ in range(k):
            s += w.varint() + 1
            freq[s] = w.varint() + 1
        fields = rans_decode(w.take(w.remaining()), kept, freq, prob_bits)
    else:
        fields = unpack(w.take((kept * bits + 7) // 8), kept, bits)
    w.end()
    groups = [1, rows, cols][gran]
    group = [lambda i: 0, lambda i: i // cols, lambda i: i % cols][gran]
    one_bit_pm = bits == 1 and kind in (1, 3)
    lo = {1: -(2 ** (bits - 1) - 1), 2: 0, 3: -(2 ** (bits - 1) - 1), 4: 0, 5: 0}[kind]
    if one_bit_pm:
        lo = -1
    scale = zero_point = codebook = None
    if kind != 5:
        pr = sections[7]
        if kind == 4:
            codebook = float_array(pr, groups * levels)
        else:
            scale = float_array(pr, groups)
            zero_point = unpack(pr.take((groups * bits + 7) // 8), groups, bits) if kind == 2 else [0] * groups
        pr.end()

    def value(q, g):
        if kind in (1, 2):
            return scale[g] * (q - zero_point[g])
        if kind == 3:
            if bits == 1 or q == 0:
                return scale[g] * q
            return math.copysign(1, q) * scale[g] * 2.0 ** -(abs(q) - 1)
        if kind == 4:
            return codebook[g * levels + q]
        return f16(q)

    def code_range():
        if kind == 4:
            return range(levels)
        if kind == 5:
            return [0]  # the zero code of float16 is +0's pattern
        if one_bit_pm:
            return [-1, 1]
        return range(lo, lo + 2**bits if kind == 2 else -lo + 1)

    def zero_code(g):
        # The code nearest 0.0, the lower on a tie (searched, not given in closed form).
        candidates = code_range()
        if kind in (1, 3) and not one_bit_pm:
            return 0
        if kind == 2:
            return min(max(zero_point[g], 0), 2**bits - 1)
        return min(candidates, key=lambda q: (abs(value(q, g)), q))

    codes = []
    it = iter(fields)
    for i in range(n):
        if flags[i]:
            f = next(it)
            codes.append(2 * f - 1 if one_bit_pm else f + lo)
        else:
            codes.append(zero_code(group(i)))
    out.update({
        "kind": kind,
        "bits": bits,
        "granularity": ["tensor", "class", "feature"][gran],
        "levels": levels,
        "codes": codes,
        "values": [value(q, group(i)) for i, q in enumerate(codes)],
        "scale": scale,
        "zeroPoint": zero_point,
        "codebook": codebook,
        "codesEntropyCoded": bool(entropy),
    })
    bk = bias.u8()
    if bk == 3:
        out["bias"] = {"kind": "int32", "values": [bias.zigzag() for _ in range(rows)],
                       "scale": float_array(bias, rows)}
    else:
        assert bk in (1, 2)
        out["bias"] = {"kind": {1: "float32", 2: "float64"}[bk], "values": float_array(bias, rows)}
    bias.end()
    if 9 in sections:
        q = sections[9]
        dtype = q.u8()
        out["input"] = {"dtype": ["uint8", "int8"][dtype], "scale": float_array(q, 1)[0],
                        "zeroPoint": q.zigzag(), "calibration": q.take(q.varint()).decode("utf-8")}
        q.end()
    if 0x80 in sections:
        out["recipe"] = json.loads(sections[0x80].take(sections[0x80].remaining()).decode("utf-8"))
    return out


if __name__ == "__main__":
    files = json.load(sys.stdin)
    print(json.dumps([decode(bytes(f)) for f in files]))
