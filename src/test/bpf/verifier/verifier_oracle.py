#!/usr/bin/env python3
"""Loads every case exported by RejectCatalogueExport into the running kernel (BPF_PROG_LOAD only:
nothing is attached or pinned) and records what the verifier said, for TypeVerifierRejectTest.

    mvn -B -ntp -q test -Dtest=RejectCatalogueExport -Debpf4j.catalogue.out=/tmp/verif-cases
    python3 src/test/bpf/verifier/verifier_oracle.py /tmp/verif-cases \
        > src/test/resources/org/ebpf4j/vm/verifier/kernel-6.18.txt

Maps are created per case (BPF_MAP_CREATE) and handed over through fd_array, which the programs
reference with ld_imm64 BPF_PSEUDO_MAP_IDX. Output: name TAB errno TAB insn TAB message, the message
being the log lines after the last instruction line, minus register-state and statistics lines.
"""
import ctypes, errno, os, re, struct, sys

libc = ctypes.CDLL(None, use_errno=True)
SYS_bpf = 321
BPF_MAP_CREATE, BPF_PROG_LOAD = 0, 5


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    r = libc.syscall(SYS_bpf, cmd, buf, len(attr))
    return r, ctypes.get_errno()


def map_create(t, k, v, m, *inner):
    """A map; with four more numbers, an ARRAY_OF_MAPS/HASH_OF_MAPS whose inner template they describe."""
    inner_fd = map_create(*inner) if inner else 0
    attr = struct.pack("<IIIIII", t, k, v, m, 0, inner_fd) + bytes(128 - 24)
    fd, err = bpf(BPF_MAP_CREATE, attr)
    if inner_fd:
        os.close(inner_fd)
    if fd < 0:
        raise OSError(err, "map_create %d %d %d %d" % (t, k, v, m))
    return fd


INSN = re.compile(r"^(\d+): \([0-9a-f]{2}\)")
STATE = re.compile(r"^(\d+: R\d|\d+: frame\d|from \d+ to \d+:|; |processed \d+ insns|verification time|stack depth|mark_precise|cur state:|old state:|last_idx|frame \d+: propagating|\s*$)")


def load(path, log_size=1 << 24):
    meta = open(path + ".meta").read().split("\n")
    prog, attach, maps = 0, 0, []
    for line in meta:
        f = line.split()
        if not f:
            continue
        if f[0] == "prog":
            prog = int(f[1])
        elif f[0] == "attach":
            attach = int(f[1])
        elif f[0] == "map":
            maps.append(map_create(*map(int, f[1:])))
    code = open(path + ".bin", "rb").read()
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(log_size)
    fds = (ctypes.c_int * max(1, len(maps)))(*maps)
    attr = bytearray(144)
    struct.pack_into("<IIQQIIQ", attr, 0, prog, len(code) // 8, ctypes.addressof(insns),
                     ctypes.addressof(lic), 1, len(log), ctypes.addressof(log))
    struct.pack_into("<I", attr, 68, attach)
    struct.pack_into("<Q", attr, 120, ctypes.addressof(fds))
    fd, err = bpf(BPF_PROG_LOAD, attr)
    for m in maps:
        os.close(m)
    if err == errno.ENOSPC and log_size < (1 << 29):
        return load(path, 1 << 29)
    text = log.value.decode(errors="replace")
    if fd >= 0:
        os.close(fd)
        return "OK", -1, ""
    lines = text.split("\n")
    last = -1
    insn = -1
    for i, l in enumerate(lines):
        m = INSN.match(l)
        if m:
            last, insn = i, int(m.group(1))
    msg = [re.sub(r"processed \d+ insns.*", "", l) for l in lines[last + 1:] if not STATE.match(l)]
    msg = [l for l in msg if l]
    if msg and (msg[0].startswith("BPF program is too large") or msg[0].startswith("The sequence of")):
        insn = -1   # do_check() counts before it prints the insn: the last printed one is not the culprit
    return errno.errorcode.get(err, str(err)), insn, "\\n".join(msg)


def main():
    d = sys.argv[1]
    names = sorted(f[:-5] for f in os.listdir(d) if f.endswith(".meta"))
    print("# Linux %s, written by verifier_oracle.py: name, errno, insn, message" % os.uname().release)
    for n in names:
        e, insn, msg = load(os.path.join(d, n))
        print("%s\t%s\t%d\t%s" % (n, e, insn, msg))


main()
