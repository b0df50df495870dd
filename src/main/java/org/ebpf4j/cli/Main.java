package org.ebpf4j.cli;

public final class Main {
    public static void main(String[] args) {
        System.out.println("ebpf4j");
    }
}
