#!/usr/bin/env bash
# Whole-process speed of zhnorm against the OpenCC 1.4.2 command-line tool,
# measured side by side in one run.
#
# Usage: benches/compare.sh [BENCH_DIR]
#
#   BENCH_DIR   folder holding tw_laws_trad.txt (default: ../shared/corpus/bench
#               relative to the repository root)
#
# Environment:
#   ZHNORM_BIN    zhnorm binary (default target/release/zhnorm, built first
#                 with `cargo build --release` unless NO_BUILD=1)
#   ZHNORM_BASE   a second zhnorm binary (e.g. a build of main) timed in the
#                 same interleaved runs, for A/B comparisons; optional
#   REPS          timed runs per tool for the big cases (default 5)
#   STARTUP_REPS  timed runs per tool for the start-up case (default 30)
#   RSS_COPIES    how many copies of the bench file to stream for the peak
#                 memory measurement (default 16, about 314 MB)
#   OPENCC_FLAGS  extra flags for the OpenCC CLI, e.g.
#                 --include-tofu-risk-dictionaries (the library's default)
#
# Runs alternate between the two tools (zhnorm, opencc, zhnorm, opencc, ...)
# so that noise from other load on a shared machine hits both alike; the
# median CPU and wall times of each are reported. Both read a file and write their
# standard output to a file.
# Exit status is non-zero only when a tool fails, never because of a ratio.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${1:-"$ROOT/../shared/corpus/bench"}
LAWS="$BENCH_DIR/tw_laws_trad.txt"
[[ -f "$LAWS" ]] && LAWS=$(realpath "$LAWS")
REPS=${REPS:-5}
STARTUP_REPS=${STARTUP_REPS:-30}
RSS_COPIES=${RSS_COPIES:-16}
read -r -a OPENCC_EXTRA <<< "${OPENCC_FLAGS:-}"
ZHNORM_BASE=${ZHNORM_BASE:-}

die() { echo "compare.sh: $*" >&2; exit 2; }

[[ -f "$LAWS" ]] || die "bench file $LAWS not found (pass the folder holding tw_laws_trad.txt as the first argument)"

# --- tools -------------------------------------------------------------------
ZHNORM=${ZHNORM_BIN:-"$ROOT/target/release/zhnorm"}
if [[ -z "${ZHNORM_BIN:-}" && "${NO_BUILD:-0}" != 1 ]]; then
    (cd "$ROOT" && cargo build --release --quiet --bin zhnorm) || die "cargo build --release failed"
fi
[[ -x "$ZHNORM" ]] || die "zhnorm binary $ZHNORM not found (cargo build --release)"

OPENCC_PKG=$(python3 -c 'import opencc, os; print(os.path.dirname(opencc.__file__))' 2>/dev/null) \
    || die "Python package opencc not importable (pip install opencc==1.4.2)"
OPENCC="$OPENCC_PKG/clib/bin/opencc"
SHARE="$OPENCC_PKG/clib/share/opencc"
[[ -x "$OPENCC" ]] || die "OpenCC CLI not found at $OPENCC (the opencc wheel ships it)"

# GNU time reports max RSS; without it a Python fallback reads rusage.
if [[ -z "${GNU_TIME+set}" ]]; then
    if [[ -x /usr/bin/time ]]; then GNU_TIME=/usr/bin/time; else GNU_TIME=; fi
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zhnorm_compare.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# zhnorm converts one input on one thread; make sure nothing parallelises.
export RAYON_NUM_THREADS=1

# --- helpers -----------------------------------------------------------------
# Interleaved timer: timeit.py REPS -- CMD_A... -- CMD_B... [-- CMD_C...]
# Runs A, B, (C,) A, B, ... REPS times each and prints, per command, the
# median wall time and the median CPU time (user + system, from the child's
# rusage) in milliseconds: "wallA cpuA wallB cpuB ...". CPU time is what
# the ratios use: on a shared machine wall time mostly measures the other
# load. A final argument `>FILE` sends that command's standard output to
# FILE. Any failing run aborts with the tool's stderr.
cat > "$TMP/timeit.py" <<'PY'
import os, statistics, subprocess, sys, time
reps = int(sys.argv[1])
cmds, cur = [], None
for a in sys.argv[2:]:
    if a == "--":
        cur = []
        cmds.append(cur)
    else:
        cur.append(a)
wall = [[] for _ in cmds]
cpu = [[] for _ in cmds]
for _ in range(reps):
    for i, cmd in enumerate(cmds):
        dest = None
        if cmd and cmd[-1].startswith(">"):
            dest, cmd = cmd[-1][1:], cmd[:-1]
        out = open(dest, "wb") if dest else subprocess.DEVNULL
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.PIPE)
        err = p.stderr.read()
        _, status, ru = os.wait4(p.pid, 0)
        wall[i].append(time.perf_counter() - t0)
        cpu[i].append(ru.ru_utime + ru.ru_stime)
        p.returncode = os.waitstatus_to_exitcode(status)
        if dest:
            out.close()
        if p.returncode != 0:
            sys.stderr.write(f"command failed ({p.returncode}): {' '.join(cmd)}\n")
            sys.stderr.write(err.decode("utf-8", "replace"))
            sys.exit(1)
print(" ".join(f"{statistics.median(w) * 1000:.2f} {statistics.median(c) * 1000:.2f}"
               for w, c in zip(wall, cpu)))
PY

# Converts a file with the OpenCC Python library (tofu-risk dictionaries
# included, the library default), reading bytes so CRLF survives.
cat > "$TMP/libconv.py" <<'PY'
import sys, opencc
cfg, src, dst = sys.argv[1:4]
text = open(src, "rb").read().decode("utf-8")
open(dst, "wb").write(opencc.OpenCC(cfg).convert(text).encode("utf-8"))
PY

same() { if cmp -s "$1" "$2"; then echo "identical"; else echo "DIFFERENT"; fi; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# case NAME CONFIG INPUT REPS LIBRARY_OUTPUT
case_row() {
    local name=$1 cfg=$2 input=$3 reps=$4 libout=$5
    local zout="$TMP/zhnorm.out" oout="$TMP/opencc.out" bout="$TMP/base.out"
    local zw zc ow oc bw=0 bc=0 times
    # Both write to standard output redirected to a file: the plain
    # pipeline use. (zhnorm's -o would add an fsync before its atomic
    # rename, which OpenCC's -o does not do.)
    local base_cmd=()
    [[ -n "$ZHNORM_BASE" ]] && base_cmd=(-- "$ZHNORM_BASE" -c "$cfg" --convert-only "$input" ">$bout")
    times=$(python3 "$TMP/timeit.py" "$reps" \
        -- "$ZHNORM" -c "$cfg" --convert-only "$input" ">$zout" \
        -- "$OPENCC" "${OPENCC_EXTRA[@]}" -c "$SHARE/$cfg.json" -i "$input" ">$oout" \
        "${base_cmd[@]}") || die "timing failed for $name"
    read -r zw zc ow oc bw bc <<< "$times"
    [[ -n "$zc" && -n "$oc" ]] || die "timing failed for $name"
    printf '%-28s %-6s %9.1f %9.1f %7s %7s   %-10s %-10s' "$name" "$cfg" "$zc" "$oc" \
        "$(ratio "$oc" "$zc")" "$(ratio "$ow" "$zw")" "$(same "$zout" "$oout")" "$(same "$zout" "$libout")"
    if [[ -n "$ZHNORM_BASE" ]]; then
        printf ' %9.1f %7s %7s  %s' "$bc" "$(ratio "$oc" "$bc")" "$(ratio "$bc" "$zc")" "$(same "$zout" "$bout")"
    fi
    printf '\n'
}

# --- machine -----------------------------------------------------------------
echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), \
$(awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "zhnorm:  $ZHNORM ($("$ZHNORM" --version 2>/dev/null || echo 'no --version'))"
[[ -n "$ZHNORM_BASE" ]] && echo "base:    $ZHNORM_BASE"
echo "opencc:  $("$OPENCC" --version 2>/dev/null | sed -n 's/^ *Version: *//p') CLI ${OPENCC_FLAGS:+with $OPENCC_FLAGS}"
echo "input:   $LAWS ($(wc -c < "$LAWS") bytes)"
echo "reps:    $REPS per tool for files, $STARTUP_REPS for start-up; medians, interleaved"
echo

# --- reference outputs from the library, computed once --------------------
python3 "$TMP/libconv.py" t2s "$LAWS" "$TMP/laws_simp.txt" || die "OpenCC library failed"
SIMP="$TMP/laws_simp.txt"   # the Simplified input: OpenCC (library) t2s of the laws
python3 "$TMP/libconv.py" s2t "$SIMP" "$TMP/lib_simp_s2t.txt" || die "OpenCC library failed"
python3 "$TMP/libconv.py" t2s "$SIMP" "$TMP/lib_simp_t2s.txt" || die "OpenCC library failed"
printf '漢字轉換，頭髮與发展。\n' > "$TMP/oneline.txt"
python3 "$TMP/libconv.py" t2s "$TMP/oneline.txt" "$TMP/lib_one_t2s.txt" || die "OpenCC library failed"
python3 "$TMP/libconv.py" s2t "$TMP/oneline.txt" "$TMP/lib_one_s2t.txt" || die "OpenCC library failed"

printf '%-28s %-6s %9s %9s %7s %7s   %-10s %-10s' case config "zhnorm" "opencc" ratio \
    "wall" "=CLI out" "=lib out"
[[ -n "$ZHNORM_BASE" ]] && printf ' %9s %7s %7s  %s' "base" "ratio" "A/B" "=base out"
printf '\n'

case_row "laws Traditional (19.7 MB)" t2s "$LAWS" "$REPS" "$TMP/laws_simp.txt"
case_row "laws Simplified" s2t "$SIMP" "$REPS" "$TMP/lib_simp_s2t.txt"
case_row "laws Simplified" t2s "$SIMP" "$REPS" "$TMP/lib_simp_t2s.txt"
case_row "start-up (one line)" t2s "$TMP/oneline.txt" "$STARTUP_REPS" "$TMP/lib_one_t2s.txt"
case_row "start-up (one line)" s2t "$TMP/oneline.txt" "$STARTUP_REPS" "$TMP/lib_one_s2t.txt"
echo "zhnorm, opencc (and base): median CPU time (user + system) in ms. ratio = opencc /"
echo "zhnorm in CPU time (above 1: zhnorm is faster); wall = the same in wall time."
[[ -n "$ZHNORM_BASE" ]] && echo "base: ZHNORM_BASE, its ratio to opencc, and A/B = base / zhnorm (CPU time)."
echo "'=CLI out': zhnorm's output"
echo "byte-identical to the OpenCC CLI's; '=lib out': to the OpenCC library's. The CLI"
echo "skips TSCharactersExt unless --include-tofu-risk-dictionaries, so t2s may differ"
echo "from the CLI while matching the library."
echo

# --- peak memory on a long stream ------------------------------------------
# The stream is produced by cat in a loop, so nothing big is written to disk.
stream() { local i; for ((i = 0; i < RSS_COPIES; i++)); do cat "$LAWS"; done; }
bytes=$(( $(wc -c < "$LAWS") * RSS_COPIES ))
echo "peak memory, t2s over a ${RSS_COPIES}x stream of the laws ($((bytes / 1000000)) MB) on stdin:"
rss_run() {
    local label=$1; shift
    if [[ -n "$GNU_TIME" ]]; then
        stream | "$GNU_TIME" -f '%M %e' -o "$TMP/rss" "$@" > /dev/null || die "$label failed on the stream"
        read -r kb secs < "$TMP/rss"
    else
        # No GNU time. The rusage of a child started from Python counts the
        # interpreter's own pages (they are the child's until exec), so
        # instead sample the child's VmHWM (peak RSS since exec) from /proc
        # while it runs; the stream keeps it alive long enough to see it.
        stream | python3 -c '
import subprocess, sys, time
t0 = time.perf_counter()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
peak = 0
while p.poll() is None:
    try:
        with open(f"/proc/{p.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    except OSError:
        pass
    time.sleep(0.005)
if p.returncode:
    sys.exit(1)
print(peak, f"{time.perf_counter() - t0:.2f}")
' "$@" > "$TMP/rss" || die "$label failed on the stream"
        read -r kb secs < "$TMP/rss"
    fi
    printf '  %-8s max RSS %8.1f MB   wall %6.2f s\n' "$label" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')" "$secs"
}
rss_run zhnorm "$ZHNORM" -c t2s --convert-only
rss_run opencc "$OPENCC" "${OPENCC_EXTRA[@]}" -c "$SHARE/t2s.json"
