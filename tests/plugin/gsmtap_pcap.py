"""Test captures for the plugin tests: ES10 APDUs over GSMTAP-SIM the way SIMtrace sends them
(one message per APDU: header, data and status word), raw IPv4/UDP to port 4729, pcap
LINKTYPE_RAW. Imported by tests/plugin/t_*.sh (python3 with this folder on sys.path)."""
import struct

ISDR_AID = bytes.fromhex('A0000005591010FFFFFFFF8900000100')


def tlv(tag, value):
    """One DER TLV (short or 81 long-form length); tag as hex."""
    n = len(value)
    return bytes.fromhex(tag) + (bytes([n]) if n < 128 else bytes([0x81, n])) + value


def gsmtap(apdu):
    hdr = bytes([2, 4, 4, 0]) + bytes(8) + bytes([0, 0, 0, 0])    # v2, 4 words, type 4 SIM
    udp = struct.pack('>HHHH', 4729, 4729, 8 + len(hdr) + len(apdu), 0) + hdr + apdu
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    return ip + udp


def select_isdr():
    return bytes.fromhex('00A4040010') + ISDR_AID + bytes.fromhex('9000')


def es10_t0(command, response):
    """An ES10 STORE DATA (one block) answered 61xx, then GET RESPONSE with the response."""
    return [bytes.fromhex('80E29100') + bytes([len(command)]) + command + bytes([0x61, len(response)]),
            bytes.fromhex('00C00000') + bytes([len(response)]) + response + bytes.fromhex('9000')]


def write(path, apdus):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW
        for i, fr in enumerate(apdus):
            p = gsmtap(fr)
            f.write(struct.pack('<IIII', 1700000000 + i, 0, len(p), len(p)) + p)
