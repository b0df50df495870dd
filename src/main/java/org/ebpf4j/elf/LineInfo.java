package org.ebpf4j.elf;

/**
 * One {@code bpf_line_info} of a linked program, with its strings resolved from BTF.
 *
 * @param insnOff    instruction index relative to the program start
 * @param fileName   source file
 * @param lineText   the source line's text (as clang recorded it)
 * @param lineNum    1-based line number
 * @param lineCol    column
 */
public record LineInfo(int insnOff, String fileName, String lineText, int lineNum, int lineCol) {}
