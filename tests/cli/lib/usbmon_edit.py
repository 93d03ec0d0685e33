#!/usr/bin/env python3
"""Damages a usbmon (LINKTYPE 220) pcap of a modem for the CLI tests of tests/cli/modem.sh.

usbmon_edit.py IN OUT ACTION
  drop-fragment      drop the 2nd fragment of the first fragmented MBIM COMMAND
  drop-command       drop the first host control transfer that carries a UICC APDU / SEND_APDU
  bad-length         make the first host MBIM COMMAND's MessageLength larger than the transfer
  bad-info-length    make the first MBIM APDU COMMAND's InformationBufferLength too large
  bad-tlv            make the first QMI SEND_APDU request's APDU TLV length overrun the message
  truncate-response  cut the capture before the answer of the last request
"""
import struct
import sys

UICC = bytes.fromhex("c2f6588ef0374bc98665f4d44bd09367")


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    head, pos, pkts = data[:24], 24, []
    while pos + 16 <= len(data):
        ts1, ts2, incl, orig = struct.unpack_from("<IIII", data, pos)
        pkts.append([ts1, ts2, bytearray(data[pos + 16:pos + 16 + incl]), orig])
        pos += 16 + incl
    return head, pkts


def write(path, head, pkts):
    with open(path, "wb") as f:
        f.write(head)
        for ts1, ts2, d, orig in pkts:
            f.write(struct.pack("<IIII", ts1, ts2, len(d), len(d)))
            f.write(d)


def host_data(d):
    """The OUT data of a SEND_ENCAPSULATED_COMMAND submission, or None."""
    if d[8] == ord("S") and d[9] == 2 and d[14] == 0 and d[40] == 0x21 and d[41] == 0x00:
        return d[64:]
    return None


def main():
    src, dst, action = sys.argv[1:4]
    head, pkts = read(src)
    done = False
    for i, p in enumerate(pkts):
        m = host_data(p[2])
        if m is None or done:
            continue
        mbim = len(m) >= 48 and struct.unpack_from("<I", m, 0)[0] == 3
        frag = mbim and struct.unpack_from("<II", m, 12)
        if action == "drop-fragment" and mbim and frag == (2, 0):
            pkts[i + 2:i + 4] = []  # the next submission + completion: fragment 2
            done = True
        elif action == "drop-command" and ((mbim and m[20:36] == UICC and
                                            struct.unpack_from("<I", m, 36)[0] == 4) or
                                           (m[0] == 1 and m[4] == 0x0B and m[9:11] == b"\x3b\x00")):
            pkts[i:i + 2] = []
            done = True
        elif action == "bad-length" and mbim and m[20:36] == UICC:
            struct.pack_into("<I", p[2], 64 + 4, len(m) + 40)
            done = True
        elif action == "bad-info-length" and mbim and m[20:36] == UICC and frag == (1, 0):
            struct.pack_into("<I", p[2], 64 + 44, 4000)
            done = True
        elif action == "bad-tlv" and m[0] == 1 and m[4] == 0x0B and m[9:11] == b"\x3b\x00":
            # TLVs start at 13: slot (01 0100 01), then the APDU TLV (02 LLLL ...)
            struct.pack_into("<H", p[2], 64 + 13 + 4 + 1, 0x4000)
            done = True
    if action == "truncate-response":
        last = max(i for i, p in enumerate(pkts) if host_data(p[2]) is not None)
        pkts = pkts[:last + 2]
        done = True
    if not done:
        sys.exit("usbmon_edit: nothing to do for " + action)
    write(dst, head, pkts)


main()
