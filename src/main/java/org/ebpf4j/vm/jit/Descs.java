package org.ebpf4j.vm.jit;

import static java.lang.constant.ConstantDescs.*;

import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;

/** The symbolic names generated code refers to, spelled once. */
final class Descs {
    private Descs() {}

    static final ClassDesc CONTEXT = ClassDesc.of("org.ebpf4j.vm.jit.JitContext");
    static final ClassDesc EXECUTABLE = ClassDesc.of("org.ebpf4j.vm.jit.JitExecutable");
    static final ClassDesc COMPILED = ClassDesc.of("org.ebpf4j.vm.jit.CompiledProgram");
    static final ClassDesc SUPPORT = ClassDesc.of("org.ebpf4j.vm.jit.JitSupport");
    static final ClassDesc ALU_OPS = ClassDesc.of("org.ebpf4j.vm.AluOps");
    static final ClassDesc ARENA = ClassDesc.of("org.ebpf4j.memory.Arena");
    static final ClassDesc SEGMENT = ClassDesc.of("java.lang.foreign.MemorySegment");
    static final ClassDesc RUN_STATE = ClassDesc.of("org.ebpf4j.vm.RunState");
    static final ClassDesc HELPER = ClassDesc.of("org.ebpf4j.vm.helper.Helper");
    static final ClassDesc TAIL_CALL_HELPER = ClassDesc.of("org.ebpf4j.vm.helper.TailCallHelper");
    static final ClassDesc TAIL_CALL_SLOTS = ClassDesc.of("org.ebpf4j.vm.helper.TailCallSlots");
    static final ClassDesc PACKET_SOURCE = ClassDesc.of("org.ebpf4j.vm.helper.PacketSource");
    static final ClassDesc VM_EXECUTABLE = ClassDesc.of("org.ebpf4j.vm.Executable");
    static final ClassDesc PROGRAM_FAULT = ClassDesc.of("org.ebpf4j.vm.ProgramFault");
    static final ClassDesc INDEX_OUT_OF_BOUNDS = ClassDesc.of("java.lang.IndexOutOfBoundsException");
    static final ClassDesc RUNTIME_EXCEPTION = ClassDesc.of("java.lang.RuntimeException");
    static final ClassDesc METHOD_HANDLES = ClassDesc.of("java.lang.invoke.MethodHandles");
    static final ClassDesc LOOKUP = ClassDesc.of("java.lang.invoke.MethodHandles$Lookup");
    static final ClassDesc OF_BYTE = ClassDesc.of("java.lang.foreign.ValueLayout$OfByte");
    static final ClassDesc OF_SHORT = ClassDesc.of("java.lang.foreign.ValueLayout$OfShort");
    static final ClassDesc OF_INT = ClassDesc.of("java.lang.foreign.ValueLayout$OfInt");
    static final ClassDesc OF_LONG = ClassDesc.of("java.lang.foreign.ValueLayout$OfLong");
    static final ClassDesc LONG_ARRAY = CD_long.arrayType();

    /** A subprogram (whole or its dispatcher): (ctx, r1..r5, fp, depth) -> r0. */
    static final MethodTypeDesc SUBPROG = MethodTypeDesc.of(CD_long, CONTEXT, CD_long, CD_long, CD_long,
            CD_long, CD_long, CD_long, CD_int);
    /** A region of a split subprogram: (ctx, regs, fp, depth, entry slot) -> next (region << 32 | slot) or -1. */
    static final MethodTypeDesc REGION = MethodTypeDesc.of(CD_long, CONTEXT, LONG_ARRAY, CD_long, CD_int, CD_int);
    /** A group of up to 256 regions: (ctx, regs, fp, depth, next) -> next outside the group. */
    static final MethodTypeDesc GROUP = MethodTypeDesc.of(CD_long, CONTEXT, LONG_ARRAY, CD_long, CD_int, CD_long);
    static final MethodTypeDesc ENTRY = MethodTypeDesc.of(CD_long, CONTEXT, CD_long, CD_long, CD_long, CD_int);
    static final MethodTypeDesc CALL_SUB = MethodTypeDesc.of(CD_long, CONTEXT, CD_int, CD_long, CD_long, CD_long,
            CD_long, CD_long, CD_long, CD_int);
    static final MethodTypeDesc HELPER_CALL = MethodTypeDesc.of(CD_long, RUN_STATE, CD_long, CD_long, CD_long,
            CD_long, CD_long);
    /** RunState.ctxObject(ctx) -> the object a helper remembered behind it, or null. */
    static final MethodTypeDesc CTX_OBJECT = MethodTypeDesc.of(CD_Object, CD_long);
    static final MethodTypeDesc V_J = MethodTypeDesc.of(CD_long);
    static final MethodTypeDesc V_I = MethodTypeDesc.of(CD_int);
    static final MethodTypeDesc LL_L = MethodTypeDesc.of(CD_long, CD_long, CD_long);
    static final MethodTypeDesc JJ_I = MethodTypeDesc.of(CD_int, CD_long, CD_long);
    static final MethodTypeDesc II_I = MethodTypeDesc.of(CD_int, CD_int, CD_int);
    static final MethodTypeDesc I_I = MethodTypeDesc.of(CD_int, CD_int);
    static final MethodTypeDesc J_J = MethodTypeDesc.of(CD_long, CD_long);
    static final MethodTypeDesc MEM_FAULT = MethodTypeDesc.of(PROGRAM_FAULT, CD_long, CD_int, CD_int);
    static final MethodTypeDesc HELPER_FAULT = MethodTypeDesc.of(PROGRAM_FAULT, RUNTIME_EXCEPTION, CD_int);
    static final MethodTypeDesc II_FAULT = MethodTypeDesc.of(PROGRAM_FAULT, CD_int, CD_int);
    static final MethodTypeDesc I_FAULT = MethodTypeDesc.of(PROGRAM_FAULT, CD_int);
    static final MethodTypeDesc TAKE_TAIL = MethodTypeDesc.of(CD_boolean, CD_long, CD_long);
    /** TailCallHelper.tailCallTarget(mapAddr, index) -> Executable or null. */
    static final MethodTypeDesc TAIL_TARGET = MethodTypeDesc.of(VM_EXECUTABLE, CD_long, CD_long);
    /** TailCallSlots.tailCallTarget(index) -> Executable or null. */
    static final MethodTypeDesc SLOT_TARGET = MethodTypeDesc.of(VM_EXECUTABLE, CD_long);
    /** JitContext.tailCallDirect(target, ctx, r2) -> code to continue in, or null. */
    static final MethodTypeDesc TAIL_CALL_DIRECT = MethodTypeDesc.of(COMPILED, VM_EXECUTABLE, CD_long, CD_long);
    /** RunState.tryTailCall(target) -> counted. */
    static final MethodTypeDesc TRY_TAIL = MethodTypeDesc.of(CD_boolean, VM_EXECUTABLE);
    static final MethodTypeDesc RUN_TAILS = MethodTypeDesc.of(CD_long, CD_long, CD_int);
    static final MethodTypeDesc ATOMIC = MethodTypeDesc.of(CD_long, ARENA, CD_int, CD_boolean, CD_long, CD_long, CD_int);
    static final MethodTypeDesc ATOMIC_ADD = MethodTypeDesc.of(CD_long, ARENA, CD_long, CD_long, CD_int);
    static final MethodTypeDesc CMPXCHG = MethodTypeDesc.of(CD_long, ARENA, CD_long, CD_long, CD_long, CD_int);
    static final MethodTypeDesc LOAD_ACQ = MethodTypeDesc.of(CD_long, ARENA, CD_long, CD_int, CD_int);
    static final MethodTypeDesc STORE_REL = MethodTypeDesc.of(CD_void, ARENA, CD_long, CD_int, CD_long, CD_int);
    static final MethodTypeDesc CLASS_DATA_AT = MethodTypeDesc.of(CD_Object, LOOKUP, CD_String, CD_Class, CD_int);
}
