# Sourced by the launcher and the test script: sets JAVA_HOME to a JDK >= 25.
# Order: $JAVA_HOME if it is new enough, then /usr/lib/jvm/*25*, then any newer /usr/lib/jvm/*.
ebpf4j_jdk_ok() {
    [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
    local v
    v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null
}
if [ -z "${JAVA_HOME:-}" ] || ! ebpf4j_jdk_ok "$JAVA_HOME"; then
    found=""
    for d in /usr/lib/jvm/*25* /usr/lib/jvm/*; do
        if ebpf4j_jdk_ok "$d"; then found="$d"; break; fi
    done
    if [ -z "$found" ]; then
        echo "ebpf4j: no JDK 25 or newer found (set JAVA_HOME, or install one under /usr/lib/jvm)" >&2
        exit 1
    fi
    export JAVA_HOME="$found"
fi
export PATH="$JAVA_HOME/bin:$PATH"
