package org.ebpf4j.isa;

import static org.ebpf4j.isa.AsmSyntax.*;
import static org.ebpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Assembles the text of bpf_conformance's and uBPF's {@code -- asm} sections into instructions.
 *
 * <p>One instruction per line; {@code #} starts a comment; {@code name:} defines a label (an
 * instruction may follow on the same line); the first {@code exit} is also the label
 * {@code exit} unless one is defined. Operands are separated by commas:
 * <pre>
 *   mov %r0, 1            add32 %r1, %r2       sdiv %r1, -3        neg32 %r0
 *   movsx832 %r0, %r1     movsx1664 %r0, %r1   (movsx{8,16}{32,64}, movsx3264)
 *   le16 %r0  be32 %r0    swap64 %r0 (= bswap64, ALU64 BPF_END)
 *   ldxw %r0, [%r1+4]     ldxsh %r0, [%r10-2]  stdw [%r10-8], 7     stxb [%r1], %r2
 *   lock add [%r10-8], %r1      lock fetch xor32 [%r1], %r2
 *   lock xchg [%r1], %r2        lock cmpxchg32 [%r1], %r2
 *   jeq %r1, 3, +2        jsgt32 %r1, %r2, label    ja label    ja32 +100000 (= gotol)
 *   call 5 (helper)       call %r2 (callx)     call local func    call runtime 7 (kfunc)
 *   exit                  lddw %r0, 0x1122334455667788
 * </pre>
 * Mnemonics without a suffix or with {@code 64} are ALU64/JMP, with {@code 32} ALU/JMP32.
 *
 * <p>Extensions beyond the conformance syntax, for our own tests:
 * <ul>
 *   <li>{@code lddw %rN, map_fd FD}, {@code map_idx IDX}, {@code map_value FD OFF},
 *       {@code map_idx_value IDX OFF}, {@code btf_id ID}: ld_imm64 with src_reg
 *       BPF_PSEUDO_MAP_FD, _MAP_IDX, _MAP_VALUE, _MAP_IDX_VALUE, _BTF_ID; for the two {@code _value}
 *       forms the offset goes into the second slot's imm, as the kernel expects;</li>
 *   <li>{@code lddw %rN, func LABEL} (or {@code +N}): BPF_PSEUDO_FUNC, imm = distance to the label;</li>
 *   <li>{@code call helper N}, {@code call kfunc N} (= {@code runtime}), {@code callx %rN},
 *       {@code gotol} (= {@code ja32}), {@code may_goto TARGET} (BPF_JCOND).</li>
 * </ul>
 * Ranges of numbers are those of {@link AsmSyntax}. No static state: each call assembles alone.
 */
public final class TextAssembler {

    private static final Pattern LABEL_LINE = Pattern.compile("([A-Za-z_.][A-Za-z0-9_.]*):(.*)");

    private static final Map<String, Integer> ALU_OPS = Map.ofEntries(
            Map.entry("add", BPF_ADD), Map.entry("sub", BPF_SUB), Map.entry("mul", BPF_MUL),
            Map.entry("div", BPF_DIV), Map.entry("sdiv", BPF_DIV), Map.entry("or", BPF_OR),
            Map.entry("and", BPF_AND), Map.entry("lsh", BPF_LSH), Map.entry("rsh", BPF_RSH),
            Map.entry("neg", BPF_NEG), Map.entry("mod", BPF_MOD), Map.entry("smod", BPF_MOD),
            Map.entry("xor", BPF_XOR), Map.entry("mov", BPF_MOV), Map.entry("arsh", BPF_ARSH));

    private static final Map<String, Integer> JMP_OPS = Map.ofEntries(
            Map.entry("jeq", BPF_JEQ), Map.entry("jgt", BPF_JGT), Map.entry("jge", BPF_JGE),
            Map.entry("jset", BPF_JSET), Map.entry("jne", BPF_JNE), Map.entry("jsgt", BPF_JSGT),
            Map.entry("jsge", BPF_JSGE), Map.entry("jlt", BPF_JLT), Map.entry("jle", BPF_JLE),
            Map.entry("jslt", BPF_JSLT), Map.entry("jsle", BPF_JSLE));

    private static final Map<String, Integer> SIZES = Map.of("b", BPF_B, "h", BPF_H, "w", BPF_W, "dw", BPF_DW);

    private static final Map<String, Integer> ATOMIC_OPS = Map.of(
            "add", BPF_ADD, "or", BPF_OR, "and", BPF_AND, "xor", BPF_XOR,
            "xchg", BPF_XCHG, "cmpxchg", BPF_CMPXCHG);

    private static final Map<String, Integer> PSEUDO = Map.of(
            "map_fd", BPF_PSEUDO_MAP_FD, "map_idx", BPF_PSEUDO_MAP_IDX, "map_value", BPF_PSEUDO_MAP_VALUE,
            "map_idx_value", BPF_PSEUDO_MAP_IDX_VALUE, "btf_id", BPF_PSEUDO_BTF_ID, "func", BPF_PSEUDO_FUNC);

    private final List<Insn> out = new ArrayList<>();
    private final LabelTable labels = new LabelTable();
    private int firstExit = -1;
    private int line;

    private TextAssembler() {}

    /**
     * @throws AsmException naming the line and token of the first error
     */
    public static List<Insn> assemble(String source) {
        TextAssembler asm = new TextAssembler();
        String[] lines = source.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            asm.line = i + 1;
            asm.line(lines[i]);
        }
        if (asm.firstExit >= 0 && !asm.labels.isDefined("exit")) {
            asm.labels.define("exit", asm.firstExit);
        }
        LabelTable.Failure failure = asm.labels.resolve(asm.out);
        if (failure != null) {
            throw new AsmException(failure.where(), failure.message());
        }
        return List.copyOf(asm.out);
    }

    private void line(String text) {
        int hash = text.indexOf('#');
        String s = (hash >= 0 ? text.substring(0, hash) : text).strip();
        Matcher label = LABEL_LINE.matcher(s);
        if (label.matches()) {
            if (!labels.define(label.group(1), out.size())) {
                throw new AsmException(line, "duplicate label '" + label.group(1) + "'");
            }
            s = label.group(2).strip();
        }
        if (s.isEmpty()) {
            return;
        }
        if (s.startsWith(".") || s.startsWith("--")) {
            // assembler directives are not part of this syntax; "-- name" is a section header of
            // a conformance .data file that leaked into the asm text
            throw new AsmException(line, "unknown directive '" + s + "'");
        }
        String[] parts = s.split("\\s+", 2);
        String mnemonic = parts[0];
        String rest = parts.length > 1 ? parts[1].strip() : "";
        switch (mnemonic) {
            case "lock" -> lock(rest);
            case "call" -> call(rest);
            default -> instruction(mnemonic, operands(rest));
        }
    }

    /** Comma-separated operands; an empty one (e.g. a trailing comma) is an error. */
    private List<String> operands(String rest) {
        if (rest.isEmpty()) {
            return List.of();
        }
        List<String> ops = new ArrayList<>();
        for (String op : rest.split(",", -1)) {
            String t = op.strip();
            if (t.isEmpty()) {
                throw new AsmException(line, "empty operand in '" + rest + "'");
            }
            ops.add(t);
        }
        return ops;
    }

    private void expect(String mnemonic, List<String> ops, int n) {
        if (ops.size() != n) {
            throw new AsmException(line, "'" + mnemonic + "' takes " + n + " operand" + (n == 1 ? "" : "s")
                    + ", got " + ops.size() + (ops.isEmpty() ? "" : ": " + String.join(", ", ops)));
        }
    }

    private void emit(int opcode, int dst, int src, int off, int imm) {
        out.add(Insn.of(opcode, dst, src, off, imm));
    }

    private void instruction(String m, List<String> ops) {
        if (m.equals("exit")) {
            expect(m, ops, 0);
            if (firstExit < 0) {
                firstExit = out.size();
            }
            emit(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        } else if (m.equals("ja") || m.equals("ja32") || m.equals("gotol") || m.equals("may_goto")) {
            expect(m, ops, 1);
            boolean wide = !m.equals("ja") && !m.equals("may_goto");
            int opcode = m.equals("may_goto") ? BPF_JMP | BPF_JCOND : wide ? BPF_JMP32 | BPF_JA : BPF_JMP | BPF_JA;
            jumpTarget(opcode, 0, 0, 0, ops.get(0), wide);
        } else if (m.equals("callx")) {
            expect(m, ops, 1);
            emit(BPF_JMP | BPF_CALL | BPF_X, register(ops.get(0), line), 0, 0, 0);
        } else if (m.equals("lddw")) {
            lddw(ops);
        } else if (m.startsWith("ldxs") && SIZES.containsKey(m.substring(4)) && !m.equals("ldxsdw")) {
            load(m, BPF_LDX | BPF_MEMSX | SIZES.get(m.substring(4)), ops);
        } else if (m.startsWith("ldx") && SIZES.containsKey(m.substring(3))) {
            load(m, BPF_LDX | BPF_MEM | SIZES.get(m.substring(3)), ops);
        } else if (m.startsWith("stx") && SIZES.containsKey(m.substring(3))) {
            expect(m, ops, 2);
            Mem mem = memory(ops.get(0), line);
            emit(BPF_STX | BPF_MEM | SIZES.get(m.substring(3)), mem.reg(), register(ops.get(1), line), mem.off(), 0);
        } else if (m.startsWith("st") && SIZES.containsKey(m.substring(2))) {
            expect(m, ops, 2);
            Mem mem = memory(ops.get(0), line);
            emit(BPF_ST | BPF_MEM | SIZES.get(m.substring(2)), mem.reg(), 0, mem.off(), imm32(ops.get(1), line));
        } else if (!endian(m, ops) && !movsx(m, ops) && !alu(m, ops) && !jump(m, ops)) {
            throw new AsmException(line, "invalid mnemonic '" + m + "'");
        }
    }

    private void load(String m, int opcode, List<String> ops) {
        expect(m, ops, 2);
        Mem mem = memory(ops.get(1), line);
        emit(opcode, register(ops.get(0), line), mem.reg(), mem.off(), 0);
    }

    /** le16/32/64, be16/32/64 (ALU BPF_END), swap16/32/64 = bswap16/32/64 (ALU64 BPF_END). */
    private boolean endian(String m, List<String> ops) {
        String width = m.replaceFirst("^(le|be|bswap|swap)", "");
        if (width.equals(m) || !(width.equals("16") || width.equals("32") || width.equals("64"))) {
            return false;
        }
        expect(m, ops, 1);
        int opcode = m.startsWith("le") ? BPF_ALU | BPF_END | BPF_TO_LE
                : m.startsWith("be") ? BPF_ALU | BPF_END | BPF_TO_BE : BPF_ALU64 | BPF_END;
        emit(opcode, register(ops.get(0), line), 0, 0, Integer.parseInt(width));
        return true;
    }

    /** movsx{8,16}{32,64}, movsx3264: MOV X with off = the source width. */
    private boolean movsx(String m, List<String> ops) {
        int cls = switch (m) {
            case "movsx832", "movsx1632" -> BPF_ALU;
            case "movsx864", "movsx1664", "movsx3264" -> BPF_ALU64;
            default -> -1;
        };
        if (cls < 0) {
            return false;
        }
        expect(m, ops, 2);
        int width = Integer.parseInt(m.substring(5, m.length() - 2));
        emit(cls | BPF_MOV | BPF_X, register(ops.get(0), line), register(ops.get(1), line), width, 0);
        return true;
    }

    private boolean alu(String m, List<String> ops) {
        int cls = m.endsWith("32") ? BPF_ALU : BPF_ALU64;
        String base = m.endsWith("32") || m.endsWith("64") ? m.substring(0, m.length() - 2) : m;
        Integer op = ALU_OPS.get(base);
        if (op == null) {
            return false;
        }
        int off = base.equals("sdiv") || base.equals("smod") ? 1 : 0;
        if (op == BPF_NEG) {
            expect(m, ops, 1);
            emit(cls | BPF_NEG, register(ops.get(0), line), 0, 0, 0);
            return true;
        }
        expect(m, ops, 2);
        int dst = register(ops.get(0), line);
        String src = ops.get(1);
        if (isRegister(src)) {
            emit(cls | op | BPF_X, dst, register(src, line), off, 0);
        } else {
            emit(cls | op | BPF_K, dst, 0, off, imm32(src, line));
        }
        return true;
    }

    private boolean jump(String m, List<String> ops) {
        boolean j32 = m.endsWith("32");
        Integer op = JMP_OPS.get(j32 ? m.substring(0, m.length() - 2) : m);
        if (op == null) {
            return false;
        }
        expect(m, ops, 3);
        int cls = j32 ? BPF_JMP32 : BPF_JMP;
        int dst = register(ops.get(0), line);
        String src = ops.get(1);
        if (isRegister(src)) {
            jumpTarget(cls | op | BPF_X, dst, register(src, line), 0, ops.get(2), false);
        } else {
            jumpTarget(cls | op | BPF_K, dst, 0, imm32(src, line), ops.get(2), false);
        }
        return true;
    }

    /** A branch whose target is {@code +N}/{@code -N} or a label; {@code inImm} for gotol and calls. */
    private void jumpTarget(int opcode, int dst, int src, int imm, String target, boolean inImm) {
        if (isRelative(target)) {
            if (inImm) {
                emit(opcode, dst, src, 0, imm32(target, line));
            } else {
                emit(opcode, dst, src, off16(target, line), imm);
            }
            return;
        }
        labels.refer(out.size(), label(target, line), inImm ? LabelTable.Field.IMM : LabelTable.Field.OFF, line);
        emit(opcode, dst, src, 0, imm);
    }

    /** {@code call N}, {@code call %rN}, {@code call helper|local|runtime|kfunc TARGET}. */
    private void call(String rest) {
        String[] words = rest.isEmpty() ? new String[0] : rest.split("\\s+");
        if (words.length == 1 && isRegister(words[0])) {
            emit(BPF_JMP | BPF_CALL | BPF_X, register(words[0], line), 0, 0, 0);
            return;
        }
        if (words.length == 1) {
            emit(BPF_JMP | BPF_CALL, 0, BPF_HELPER_CALL, 0, imm32(words[0], line));
            return;
        }
        if (words.length != 2) {
            throw new AsmException(line, "'call' takes a helper id, %rN, or a mode (helper, local, runtime, kfunc) "
                    + "and a target; got '" + rest + "'");
        }
        switch (words[0]) {
            case "helper" -> emit(BPF_JMP | BPF_CALL, 0, BPF_HELPER_CALL, 0, imm32(words[1], line));
            case "runtime", "kfunc" -> emit(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, imm32(words[1], line));
            case "local" -> jumpTarget(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, words[1], true);
            default -> throw new AsmException(line, "invalid call mode '" + words[0]
                    + "' (expected helper, local, runtime or kfunc)");
        }
    }

    /** {@code lock [fetch] OP[32] [%rD+off], %rS}: BPF_STX | BPF_ATOMIC, the operation in imm. */
    private void lock(String rest) {
        String[] first = splitWord(rest);
        boolean fetch = first[0].equals("fetch");
        String[] opAndOperands = fetch ? splitWord(first[1]) : first;
        String name = opAndOperands[0];
        if (name.isEmpty()) {
            throw new AsmException(line, "'lock' needs an atomic operation and 2 operands, got '" + rest + "'");
        }
        boolean w = name.endsWith("32");
        String base = w ? name.substring(0, name.length() - 2) : name;
        Integer op = ATOMIC_OPS.get(base);
        if (op == null) {
            throw new AsmException(line, "invalid atomic operation '" + name
                    + "' (expected add, or, and, xor, xchg, cmpxchg, optionally with 32)");
        }
        if (fetch && (op == BPF_XCHG || op == BPF_CMPXCHG)) {
            throw new AsmException(line, "'lock fetch " + name + "': " + base + " always fetches; drop 'fetch'");
        }
        List<String> ops = operands(opAndOperands[1]);
        expect("lock " + (fetch ? "fetch " : "") + name, ops, 2);
        Mem mem = memory(ops.get(0), line);
        int imm = fetch ? op | BPF_FETCH : op;
        emit(BPF_STX | BPF_ATOMIC | (w ? BPF_W : BPF_DW), mem.reg(), register(ops.get(1), line), mem.off(), imm);
    }

    /** The first whitespace-separated word of {@code s} and the stripped rest (both possibly empty). */
    private static String[] splitWord(String s) {
        String[] parts = s.strip().split("\\s+", 2);
        return new String[] {parts[0], parts.length > 1 ? parts[1].strip() : ""};
    }

    /** {@code lddw %rD, IMM64} or one of the pseudo forms in the class comment. */
    private void lddw(List<String> ops) {
        expect("lddw", ops, 2);
        int dst = register(ops.get(0), line);
        String[] words = ops.get(1).split("\\s+");
        if (words.length == 1 && isNumber(words[0])) {
            long v = imm64(words[0], line);
            emit(LD_IMM64, dst, 0, 0, (int) v);
            emit(0, 0, 0, 0, (int) (v >>> 32));
            return;
        }
        Integer src = PSEUDO.get(words[0]);
        if (src == null) {
            throw new AsmException(line, "invalid lddw operand '" + ops.get(1)
                    + "' (expected a number or map_fd, map_idx, map_value, map_idx_value, btf_id, func)");
        }
        boolean withOffset = src == BPF_PSEUDO_MAP_VALUE || src == BPF_PSEUDO_MAP_IDX_VALUE;
        int want = withOffset ? 3 : 2;
        if (words.length != want) {
            throw new AsmException(line, "'lddw %rN, " + words[0] + "' takes " + (want - 1) + " value"
                    + (want == 2 ? "" : "s") + ", got '" + ops.get(1) + "'");
        }
        if (src == BPF_PSEUDO_FUNC) {
            jumpTarget(LD_IMM64, dst, src, 0, words[1], true);
            emit(0, 0, 0, 0, 0);
            return;
        }
        emit(LD_IMM64, dst, src, 0, imm32(words[1], line));
        emit(0, 0, 0, 0, withOffset ? imm32(words[2], line) : 0);
    }
}
