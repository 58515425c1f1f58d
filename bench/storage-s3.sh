#!/usr/bin/env bash
# Benchmark: an S3-to-S3 copy between two local MinIO servers, rehome (the
# s3 provider) against rclone (the anchor tool for object copies), on the
# same data, servers and machine. Both verify what they copy (rehome: MD5
# of every byte read against the source's and the destination's ETags;
# rclone: size and MD5).
#
# Data: 2,000 objects of 64 KiB and 16 of 256 MiB (4.1 GiB). Each round
# copies into a fresh destination bucket, once with each tool's defaults
# and once at equal concurrency (8 objects at once, 4 parts per object);
# the tools alternate (A B, then B A) and the first round is a warm-up that
# is not counted. Prints medians of wall time, throughput, client
# CPU-seconds, peak RSS and the servers' CPU-seconds, and the median of the
# per-round ratios rehome / rclone with their range.
#
#   bench/storage-s3.sh [ROUNDS]     (default 4; needs rclone, GNU time, Go)
#
# MinIO (AGPL; a benchmark tool, never a dependency of rehome) is built once
# into ${REHOME_BENCH_CACHE:-~/.cache/rehome-bench}/bin with `go install`
# (about 3 minutes on 2 cores). Servers listen on 127.0.0.1 only; all data
# lives in a temporary folder (about 13 GiB at peak).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-4}
command -v rclone >/dev/null || { echo "needs rclone (apt-get install -y rclone)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install -y time)" >&2; exit 1; }

cache=${REHOME_BENCH_CACHE:-$HOME/.cache/rehome-bench}
minio=$cache/bin/minio
if [ ! -x "$minio" ]; then
  echo "building MinIO into $cache/bin (once; about 3 minutes)" >&2
  mkdir -p "$cache/bin"
  GOBIN=$cache/bin GOFLAGS=-mod=mod go install github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/rehome" ./cmd/rehome

export MINIO_ROOT_USER=rehomebench MINIO_ROOT_PASSWORD=rehomebench-secret MINIO_BROWSER=off
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start_minio() { # NAME -> sets port_NAME, pid_NAME
  local name=$1 port
  port=$(free_port)
  mkdir -p "$work/$name"
  "$minio" server "$work/$name" --address "127.0.0.1:$port" --quiet >"$work/$name.log" 2>&1 &
  pids+=($!)
  eval "port_$name=$port pid_$name=$!"
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$port/minio/health/live" >/dev/null 2>&1 && return
    sleep 0.2
  done
  echo "MinIO $name did not start" >&2; cat "$work/$name.log" >&2; exit 1
}
start_minio src
start_minio dst

# rclone remotes from the environment: no configuration file.
export RCLONE_CONFIG=/dev/null
for r in SRC DST; do
  lower=$(echo $r | tr A-Z a-z)
  eval "port=\$port_$lower"
  export RCLONE_CONFIG_${r}_TYPE=s3 RCLONE_CONFIG_${r}_PROVIDER=Minio RCLONE_CONFIG_${r}_ENDPOINT=http://127.0.0.1:$port \
    RCLONE_CONFIG_${r}_ACCESS_KEY_ID=$MINIO_ROOT_USER RCLONE_CONFIG_${r}_SECRET_ACCESS_KEY=$MINIO_ROOT_PASSWORD RCLONE_CONFIG_${r}_REGION=us-east-1
done
unset AWS_CA_BUNDLE AWS_PROFILE AWS_ENDPOINT_URL

# Data set, written locally and loaded into the source (not measured).
echo "generating and loading 2,000 x 64 KiB + 16 x 256 MiB" >&2
python3 - "$work/data" <<'PY'
import os, random, sys
root = sys.argv[1]
rng = random.Random(42)
for i in range(2000):
    d = os.path.join(root, "small", "d%02d" % (i % 40))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%04d.bin" % i), "wb") as f:
        f.write(rng.randbytes(64 << 10))
os.makedirs(os.path.join(root, "big"), exist_ok=True)
block = rng.randbytes(1 << 20)
for i in range(16):
    with open(os.path.join(root, "big", "blob%02d.bin" % i), "wb") as f:
        for j in range(256):
            f.write(i.to_bytes(4, "big") + j.to_bytes(4, "big") + block[8:])
PY
rclone mkdir src:bench
rclone copy "$work/data" src:bench --transfers 8 >/dev/null 2>&1
rm -rf "$work/data"
echo "source: $(rclone size src:bench 2>/dev/null | tr '\n' ' ')" >&2

cat > "$work/migration.hcl" <<HCL
migration "bench" {}
environment "src" {
  provider   = "s3"
  endpoint   = "http://127.0.0.1:$port_src"
  access_key = "$MINIO_ROOT_USER"
  secret_key = "$MINIO_ROOT_PASSWORD"
}
environment "dst" {
  provider   = "s3"
  endpoint   = "http://127.0.0.1:$port_dst"
  access_key = "$MINIO_ROOT_USER"
  secret_key = "$MINIO_ROOT_PASSWORD"
}
move "storage" "bench" {
  from    = environment.src
  to      = environment.dst
  buckets = ["bench"]
}
HCL

server_cpu() { # total CPU seconds of both servers so far
  python3 - "$pid_src" "$pid_dst" <<'PY'
import os, sys
hz = os.sysconf("SC_CLK_TCK")
t = 0
for p in sys.argv[1:]:
    f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
    t += int(f[11]) + int(f[12])
print(t / hz)
PY
}
# measure NAME CMD...: appends "wall client_cpu rss_kib server_cpu" to $work/NAME.
measure() {
  local name=$1; shift
  local s0 s1
  s0=$(server_cpu)
  /usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err" "$work/out" >&2; exit 1; }
  s1=$(server_cpu)
  awk -v s="$(python3 -c "print($s1-$s0)")" '{printf "%s %.2f %s %.2f\n", $1, $2+$3, $4, s}' "$work/t" >> "$work/$name"
}
fresh() {
  rclone purge dst:bench >/dev/null 2>&1 || true
  rm -rf "$work/.rehome"
}
check() {
  rclone check src:bench dst:bench --one-way >/dev/null 2>&1 || { echo "$1: the destination differs from the source" >&2; exit 1; }
}
run_rehome() { # CASE PARALLELISM
  fresh
  measure "$1.rehome" "$work/rehome" -chdir="$work" apply -auto-approve ${2:+-parallelism=$2}
  check rehome
}
run_rclone() { # CASE TRANSFERS
  fresh
  measure "$1.rclone" rclone copy src:bench dst:bench ${2:+--transfers $2 --s3-upload-concurrency 4}
  check rclone
}

for i in $(seq 0 "$rounds"); do
  echo "round $i of $rounds (0 is the warm-up)" >&2
  for case in default equal; do
    n=""; [ $case = equal ] && n=8
    if [ $((i % 2)) -eq 0 ]; then run_rehome $case $n; run_rclone $case $n; else run_rclone $case $n; run_rehome $case $n; fi
  done
done

python3 - "$work" <<'PY'
import statistics, sys
w = sys.argv[1]
gib = (2000 * 64 * 1024 + 16 * 256 * 1024 * 1024) / 2**30
def load(n):
    return [list(map(float, l.split())) for l in open(f"{w}/{n}")][1:]  # drop the warm-up
print(f"\ndata: 2,016 objects, {gib:.2f} GiB, MinIO to MinIO on 127.0.0.1")
for case, what in (("default", "each tool's defaults"), ("equal", "equal concurrency: 8 objects, 4 parts each")):
    a, b = load(case + ".rehome"), load(case + ".rclone")
    print(f"\n{case} ({what}); medians over {len(a)} rounds")
    cols = (("wall s", 0), ("client CPU s", 1), ("peak RSS MiB", 2), ("server CPU s", 3))
    for label, i in cols:
        ra, rb = [r[i] for r in a], [r[i] for r in b]
        if i == 2:
            ra, rb = [x / 1024 for x in ra], [x / 1024 for x in rb]
        ratios = [x / y for x, y in zip(ra, rb) if y > 0]
        print(f"  {label:13} rehome {statistics.median(ra):8.2f}   rclone {statistics.median(rb):8.2f}   "
              f"ratio {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})")
    tp = [(gib * 1024 / x[0]) / (gib * 1024 / y[0]) for x, y in zip(a, b)]
    print(f"  throughput    rehome {gib*1024/statistics.median([r[0] for r in a]):8.1f} MiB/s   "
          f"rclone {gib*1024/statistics.median([r[0] for r in b]):8.1f} MiB/s   ratio {statistics.median(tp):.2f} ({min(tp):.2f}-{max(tp):.2f})")
PY
