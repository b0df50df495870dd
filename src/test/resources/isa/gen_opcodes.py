#!/usr/bin/env python3
"""Writes opcodes.s for the disassembler golden test: every opcode byte 0x00-0xff, each with
field variants (one field changed at a time from a few bases), as raw .quad slots, so that
llvm-objdump-19 records how it prints every encoding, valid or not."""

DST = (0, 1, 10, 11, 12, 15)
SRC = (0, 1, 2, 6, 10, 11, 12)
OFF = (0, 1, 4, 8, 16, 32, -1, -8, 0x7fff, -0x8000)
IMM = (0, 1, 2, 16, 32, 64, 5, -1, 0x7fffffff, -0x80000000)
ATOMIC_IMM = (0x00, 0x01, 0x02, 0x10, 0x11, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe0, 0xe1, 0xf0, 0xf1, 0x100, 0x110)

def slot(op, dst, src, off, imm):
    return (op & 0xff) | ((dst & 0xf) << 8) | ((src & 0xf) << 12) | ((off & 0xffff) << 16) | ((imm & 0xffffffff) << 32)

# Opcode bytes that llvm-objdump-19 decodes as nothing at all (found by a first full run);
# two slots each are enough to show that.
NO_INSN = set(bytes.fromhex(
    "00 01 02 03 08 09 0a 0b 0d 0e 10 11 12 13 19 1a"
    "1b 21 22 23 29 2a 2b 31 32 33 38 39 3a 3b 41 42"
    "43 49 4a 4b 51 52 53 58 59 5a 5b 60 68 70 78 80"
    "82 83 86 88 8a 8b 8c 8e 8f 90 92 93 96 98 99 9a"
    "9b 9d 9e a0 a1 a2 a3 a8 a9 aa ab b0 b1 b2 b3 b8"
    "b9 ba bb c0 c1 c2 c8 c9 ca cb d0 d1 d2 d3 d8 d9"
    "da df e0 e1 e2 e3 e4 e6 e7 e8 e9 ea eb ec ed ee"
    "ef f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe"
    "ff"))

def variants(op):
    if op in NO_INSN:
        return [(1, 2, 0, 0), (0, 0, 0, 16)]
    bases = [(1, 2, 0, 0), (3, 0, 0, 16), (2, 1, 1, 1)]
    if op & 7 == 3:
        bases += [(1, 2, 4, imm) for imm in ATOMIC_IMM]
    if op in (0xc3, 0xdb):  # which imm bits LLVM's atomic patterns look at
        out = []
        for hi in (0, 0x100, -0x100):
            for alu in (0x0, 0x1, 0x4, 0x5, 0xa, 0xe, 0xf):
                for low in (0, 1, 2, 3, 8, 9):
                    out.append((1, 2, 4, hi | alu << 4 | low))
        return out + [v for v in variants_of(bases) if v not in out]
    if op & 7 in (4, 7):
        bases += [(1, 2, off, 0) for off in (1, 8, 16, 32)]
    return variants_of(bases)

def variants_of(bases):
    out = []
    for b in bases:
        for i, values in enumerate((DST, SRC, OFF, IMM)):
            for v in values:
                t = list(b); t[i] = v
                if tuple(t) not in out:
                    out.append(tuple(t))
    return out

lines = ["\t.text", "\t.globl opcodes", "opcodes:"]
for op in range(256):
    for dst, src, off, imm in variants(op):
        lines.append("\t.quad 0x%016x" % slot(op, dst, src, off, imm))
        if op == 0x18:  # ld_imm64 takes a second slot
            lines.append("\t.quad 0x%016x" % slot(0, 0, 0, 0, 0x11223344))
for second in (slot(0x95, 0, 0, 0, 0), slot(0, 1, 2, 3, -1)):  # ld_imm64 with odd second slots
    lines.append("\t.quad 0x%016x" % slot(0x18, 1, 0, 0, 7))
    lines.append("\t.quad 0x%016x" % second)
lines.append("\t.quad 0x%016x" % slot(0x95, 0, 0, 0, 0))

print("\n".join(lines))
