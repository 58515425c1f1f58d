#!/usr/bin/env bash
# Benchmark: a folder-to-folder object copy, rehome (local provider) against
# rclone (local backend), the anchor tool for object copies. Both run with 4
# parallel transfers and verify what they copy (rehome: SHA-256 of every
# object; rclone: size and MD5). Runs alternate (A B, B A, ...), each into a
# fresh destination; the first pair is a discarded warm-up. Prints medians
# and the median of per-pair ratios (rehome / rclone) for wall time, CPU
# seconds and peak RSS, then the same for a no-op re-run, for two data
# sets: "mixed" (2,000 objects of 1-64 KiB and 8 of 64 MiB) and "small"
# (SMALL objects of one byte, default 100,000: the per-object cost).
#
#   bench/storage-local.sh [PAIRS] [SMALL]   (default 5 and 100000; needs rclone, GNU time)
#
# Touches only a temporary directory; network: none.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-5}
small=${2:-100000}
command -v rclone >/dev/null || { echo "needs rclone (apt-get install -y rclone)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install -y time)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/rehome" ./cmd/rehome

# Data set: 2,000 objects of 1-64 KiB in nested folders plus 8 of 64 MiB.
src="$work/src/buckets/data"
python3 - "$src" <<'PY'
import os, random, sys
root = sys.argv[1]
rng = random.Random(42)
for i in range(2000):
    d = os.path.join(root, "d%02d" % (i % 40), "e%d" % (i % 5))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%04d.bin" % i), "wb") as f:
        f.write(rng.randbytes(rng.randint(1024, 65536)))
os.makedirs(os.path.join(root, "big"), exist_ok=True)
for i in range(8):
    with open(os.path.join(root, "big", "blob%d.bin" % i), "wb") as f:
        for _ in range(64):
            f.write(rng.randbytes(1 << 20))
PY
echo "mixed data set: $(find "$src" -type f | wc -l) objects, $(du -sh "$src" | cut -f1)"
python3 - "$work/small/buckets/data" "$small" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%03d" % (i % 200))
    if i < 200:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%06d" % i), "wb") as f:
        f.write(b"x")
PY
echo "small data set: $small objects of 1 byte"

# One configuration folder per data set, moving SET/ to dst-rehome/.
for set in mixed small; do
  root="$work/src"; [ $set = small ] && root="$work/small"
  mkdir -p "$work/run-$set"
  cat > "$work/run-$set/migration.hcl" <<HCL
migration "bench" {}
environment "src" {
  provider = "local"
  path     = "$root"
}
environment "dst" {
  provider = "local"
  path     = "$work/dst-rehome"
}
move "storage" "data" {
  from   = environment.src
  to     = environment.dst
  verify = "checksum"
}
HCL
done

export RCLONE_CONFIG=/dev/null
unset AWS_CA_BUNDLE

# measure NAME CMD...: appends "wall cpu rss_kib" to $work/NAME.
measure() {
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  awk '{printf "%s %.2f %s\n", $1, $2+$3, $4}' "$work/t" >> "$work/$name"
}
fresh() { rm -rf "$work/dst-rehome" "$work/dst-rclone" "$work"/run-*/.rehome; sync; }
run_rehome() { measure "$1.rehome" "$work/rehome" -chdir="$work/run-$set" apply -auto-approve -parallelism=4; }
run_rclone() { measure "$1.rclone" rclone copy "$from" "$work/dst-rclone/buckets/data" --transfers 4 --checkers 8; }
verify() {
  diff -r "$from" "$work/dst-rehome/buckets/data" >/dev/null || { echo "rehome copy differs from the source" >&2; exit 1; }
  diff -r "$from" "$work/dst-rclone/buckets/data" >/dev/null || { echo "rclone copy differs from the source" >&2; exit 1; }
}

for set in mixed small; do
  from="$src"; [ $set = small ] && from="$work/small/buckets/data"
  for i in $(seq 0 "$pairs"); do
    echo "$set: pair $i of $pairs (0 is the warm-up)" >&2
    fresh
    if [ $((i % 2)) -eq 0 ]; then run_rehome $set.copy; run_rclone $set.copy; else run_rclone $set.copy; run_rehome $set.copy; fi
    verify
    if [ $((i % 2)) -eq 0 ]; then run_rehome $set.noop; run_rclone $set.noop; else run_rclone $set.noop; run_rehome $set.noop; fi
  done
done

python3 - "$work" <<'PY'
import statistics, sys
w = sys.argv[1]
def load(n):
    rows = [list(map(float, l.split())) for l in open(f"{w}/{n}")]
    return rows[1:]  # drop the warm-up pair
for case in ("mixed.copy", "mixed.noop", "small.copy", "small.noop"):
    a, b = load(case + ".rehome"), load(case + ".rclone")
    print(f"\n{case}: median over {len(a)} pairs")
    for i, what in enumerate(("wall s", "cpu s", "peak RSS KiB")):
        ra, rb = [r[i] for r in a], [r[i] for r in b]
        ratios = [x / y for x, y in zip(ra, rb) if y > 0]
        print(f"  {what:13} rehome {statistics.median(ra):9.2f}   rclone {statistics.median(rb):9.2f}   "
              f"ratio {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})")
PY
