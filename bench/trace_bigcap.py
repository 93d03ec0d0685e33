#!/usr/bin/env python3
"""Writes a large Ethernet pcap for the esimscope trace benchmark by repeating sample captures.

usage: trace_bigcap.py [--filler PERCENT] OUT SIZE_MB SAMPLE.pcap [SAMPLE.pcap ...]

--filler P: P percent of the bytes are unrelated bulk TCP traffic (1448-byte segments of a
download on port 8080), as in a phone capture where the eSIM exchange is a small part.

Each round copies every packet of every sample (classic pcap, Ethernet) with times shifted by
one second per round. TCP source ports are rewritten per round (and the sequence of rounds
wraps after 40000), so every round's HTTP exchanges are new TCP connections rather than
retransmissions; GSMTAP-SIM stays on one card, so the card's sessions repeat.
"""
import struct
import sys


def packets(path):
    d = open(path, "rb").read()
    magic, = struct.unpack("<I", d[:4])
    if magic != 0xA1B2C3D4 or struct.unpack("<I", d[20:24])[0] != 1:
        sys.exit(f"{path}: not a little-endian microsecond Ethernet pcap")
    off, out = 24, []
    while off + 16 <= len(d):
        sec, usec, incl, orig = struct.unpack("<IIII", d[off:off + 16])
        out.append((sec + usec / 1e6, bytearray(d[off + 16:off + 16 + incl])))
        off += 16 + incl
    return out


def filler_packet(rnd, i, seq):
    payload = bytes((rnd + i + k) & 0xFF for k in range(64)) * 22 + b"\0" * 40
    ip_len = 20 + 20 + len(payload)
    eth = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, ip_len, 1, 0x4000, 64, 6, 0,
                     bytes([192, 168, 1, 10]), bytes([192, 168, 1, 20]))
    tcp = struct.pack(">HHIIBBHHH", 8080, 30000 + rnd % 30000, seq, 1, 0x50, 0x10, 65535, 0, 0)
    return eth + ip + tcp + payload


def main():
    args = sys.argv[1:]
    filler = 0
    if args and args[0] == "--filler":
        filler = int(args[1])
        args = args[2:]
    out, size = args[0], int(args[1]) << 20
    samples = [packets(p) for p in args[2:]]
    t0 = min(p[0][0] for p in samples if p)
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        written, rnd = 24, 0
        while written < size:
            chunk = []
            for pk in samples:
                for t, data in pk:
                    d = bytearray(data)
                    # IPv4 TCP (ethertype 0x0800, protocol 6): rewrite the client port
                    if len(d) > 38 and d[12:14] == b"\x08\x00" and d[23] == 6:
                        ihl = (d[14] & 0x0F) * 4
                        o = 14 + ihl
                        port = 20000 + rnd % 40000
                        sport, dport = struct.unpack(">HH", d[o:o + 4])
                        if sport > dport:
                            d[o:o + 2] = struct.pack(">H", port)
                        else:
                            d[o + 2:o + 4] = struct.pack(">H", port)
                    ts = 1700000000 + rnd + (t - t0)
                    sec = int(ts)
                    chunk.append(struct.pack("<IIII", sec, int((ts - sec) * 1e6), len(d), len(d)))
                    chunk.append(bytes(d))
            if filler:
                esim_bytes = sum(len(c) for c in chunk)
                want = esim_bytes * filler // (100 - filler)
                seq, i, base = 1, 0, 1700000000 + rnd
                while want > 0:
                    d = filler_packet(rnd, i, seq)
                    chunk.append(struct.pack("<IIII", base, i % 1000000, len(d), len(d)))
                    chunk.append(d)
                    seq += len(d) - 54
                    want -= len(d) + 16
                    i += 1
            blob = b"".join(chunk)
            f.write(blob)
            written += len(blob)
            rnd += 1
    print(f"{out}: {written >> 20} MiB, {rnd} rounds")


main()
