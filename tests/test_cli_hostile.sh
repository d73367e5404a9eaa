#!/usr/bin/env bash
# test_cli_hostile.sh UNRAVEL MODEL - text from files (metadata, class names, tar member names)
# never reaches the terminal as control bytes: the CLI's output and messages stay printable,
# the escapes shown as \xNN. Also: UNRAVEL_KERNELS naming no variant is an error.
. "$(dirname "${BASH_SOURCE[0]}")/cli_harness.sh"
unravel=$1 model=$2

# with_meta OUT KEY JSON-VALUE: MODEL with one metadata value replaced (node rewrites the header)
with_meta() {
    node -e 'const fs = require("fs"); const [src, out, key, value] = process.argv.slice(1);
             const b = fs.readFileSync(src); const n = Number(b.readBigUInt64LE(0));
             const h = JSON.parse(b.subarray(8, 8 + n).toString("utf8"));
             h.__metadata__[key] = JSON.parse(value);
             const text = Buffer.from(JSON.stringify(h), "utf8"); const len = Buffer.alloc(8);
             len.writeBigUInt64LE(BigInt(text.length));
             fs.writeFileSync(out, Buffer.concat([len, text, b.subarray(8 + n)]));' \
        "$model" "$1" "$2" "$3"
}

# printable FILE: no byte below 0x20 but newline, no DEL, no UTF-8 C1 control (C2 80..9F)
printable() {
    node -e 'const b = require("fs").readFileSync(process.argv[1]);
             for (let i = 0; i < b.length; i++) {
               const c = b[i];
               if ((c < 0x20 && c !== 0x0a) || c === 0x7f || (c === 0xc2 && b[i + 1] >= 0x80 && b[i + 1] < 0xa0)) {
                 console.error(`byte 0x${c.toString(16)} at ${i}`); process.exit(1); } }' "$1"
}

# run_expect STATUS PATTERN ARGS...: exit status, stderr holds PATTERN, stdout and stderr printable
run_expect() {
    local want=$1 pattern=$2
    shift 2
    "$unravel" "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    [ "$got" = "$want" ] || fail "unravel $* exited $got, expected $want ($(cat -v "$tmp/err"))"
    [ -z "$pattern" ] || grep -qF -- "$pattern" "$tmp/err" || fail "unravel $*: stderr lacks '$pattern': $(cat -v "$tmp/err")"
    printable "$tmp/out" || fail "unravel $*: stdout holds control bytes: $(cat -v "$tmp/out" | head -c 300)"
    printable "$tmp/err" || fail "unravel $*: stderr holds control bytes: $(cat -v "$tmp/err")"
}

# Escape sequences in metadata quoted by the loader's messages.
with_meta "$tmp/arch.safetensors" unravel.arch '"\u001b]0;owned\u0007\u001b[2J\u009b31mcifar"'
run_expect 1 '\x1b]0;owned\x07\x1b[2J\xc2\x9b31mcifar' info "$tmp/arch.safetensors"
run_expect 1 '\x1b' eval "$tmp/arch.safetensors" --data /nonexistent
with_meta "$tmp/block.safetensors" unravel.block '"\u001b[31mpostact"'
run_expect 1 "unravel.block is '\\x1b[31mpostact'" info "$tmp/block.safetensors"

# Class names: control characters are refused; quotes and backslashes are printed as written.
with_meta "$tmp/cls.safetensors" unravel.classes '"a,b,c,d,e,f,g,h,i,j\u001b[31m"'
run_expect 1 "class 10 holds a control character" info "$tmp/cls.safetensors"
with_meta "$tmp/quote.safetensors" unravel.classes '"a\"q,b\\\\s,c,d,e,f,g,h,i,j"'
run_expect 0 "" info "$tmp/quote.safetensors" --json
node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
         if (j.classes[0] !== "a\"q" || j.classes[1] !== "b\\\\s") process.exit(1);' "$tmp/out" ||
    fail "info --json: class names with quotes: $(cat "$tmp/out")"

# A tar member whose name holds escapes, cut short: the data reader's message names it escaped.
node -e 'const h = Buffer.alloc(512); h.write("cifar-10-batches-bin/\x1b[2Jtest_batch.bin", 0, "latin1");
         h.write("0000644\0", 100); h.write("0000000\0", 108); h.write("0000000\0", 116);
         h.write("00000014000\0", 124); h.write("00000000000\0", 136); h.write("0", 156); h.write("ustar\0", 257); h.write("00", 263);
         h.fill(" ", 148, 156); let sum = 0; for (const c of h) sum += c; h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "latin1");
         require("fs").writeFileSync(process.argv[1], Buffer.concat([h, Buffer.alloc(100)]));' "$tmp/evil.tar"
run_expect 1 '\x1b[2Jtest_batch.bin' eval "$model" --data "$tmp/evil.tar"

# An experiment spec whose model name holds escapes (a spec is a file, or a URL's payload).
printf '%s' '{"model":{"name":"\u001b[2Jresnet20","sha256":"0000000000000000000000000000000000000000000000000000000000000000"},"kind":"delete-one","params":{},"seed":1,"images":10,"data_sha256":"0000000000000000000000000000000000000000000000000000000000000000"}' >"$tmp/spec.json"
run_expect 1 "model.name" run "$tmp/spec.json" --models "$tmp"

# UNRAVEL_KERNELS must name a variant this machine runs.
UNRAVEL_KERNELS=fastest run_expect 1 "UNRAVEL_KERNELS is 'fastest', not one of scalar, avx2, avx512" info "$model"
UNRAVEL_KERNELS=scalar run_expect 0 "" info "$model"
grep -q "kernels scalar" "$tmp/out" || fail "UNRAVEL_KERNELS=scalar: $(cat "$tmp/out")"

finish cli_hostile
