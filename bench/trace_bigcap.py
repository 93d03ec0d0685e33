#!/usr/bin/env python3
"""Writes a large Ethernet pcap for the esimscope trace benchmark by repeating sample captures.

usage: trace_bigcap.py OUT SIZE_MB SAMPLE.pcap [SAMPLE.pcap ...]

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


def main():
    out, size = sys.argv[1], int(sys.argv[2]) << 20
    samples = [packets(p) for p in sys.argv[3:]]
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
            blob = b"".join(chunk)
            f.write(blob)
            written += len(blob)
            rnd += 1
    print(f"{out}: {written >> 20} MiB, {rnd} rounds")


main()
