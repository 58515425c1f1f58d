#!/usr/bin/env bash
# Benchmark: database moves, rehome against the anchor tools, on 5 million
# rows (pgbench's schema at scale 50; 750 MB in PostgreSQL).
#
#   PostgreSQL -> PostgreSQL: `rehome apply` (its validation included: row
#   counts and content checksums of every table on both sides) against
#   `pg_dump -Fc | pg_restore`, `pg_dump -Fc -Z0 | pg_restore`,
#   `pg_dump -Fd -j2` + `pg_restore -j2`, and
#   `pgcopydb clone --table-jobs 2 --index-jobs 2`.
#   MariaDB -> PostgreSQL: `rehome apply` against pgloader, on the same
#   rows loaded into MariaDB.
#
# Each run times every tool once, in an order that rotates from run to run,
# each into a freshly created destination database; run 0 is a discarded
# warm-up. For every tool it prints the median wall seconds, CPU seconds
# (the tool's own processes, not the servers') and peak RSS (summed over the
# tool's process tree, sampled every 50 ms), and per anchor the median of
# the per-run ratios anchor / rehome with their min-max. Every result is
# checked against the source (row counts of the four tables, and sums over
# pgbench_accounts of every column and of a hash of every row); a failed
# check stops the benchmark.
#
#   bench/db/run.sh [RUNS] [SCALE]    (default 3 and 50)
#
# Needs: Go, PostgreSQL (PGURL, default postgres://postgres@127.0.0.1:5432,
# a superuser) with pgbench, pg_dump, pg_restore and psql; MariaDB (mariadb
# client; MYSQL_HOST/MYSQL_PORT/MYSQL_USER, default root@127.0.0.1:3306, no
# password) with local_infile; pgcopydb and pgloader (Debian packages);
# python3. It creates the databases rehome_bench_* on both servers and drops
# them at the end; everything else lives in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
scale=${2:-50}
pgurl=${PGURL:-postgres://postgres@127.0.0.1:5432}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
myhost=${MYSQL_HOST:-127.0.0.1}
myport=${MYSQL_PORT:-3306}
myuser=${MYSQL_USER:-root}
for c in go psql pgbench pg_dump pg_restore pgcopydb pgloader mariadb python3; do
  command -v $c >/dev/null || { echo "needs $c" >&2; exit 1; }
done

work=$(mktemp -d)
src=rehome_bench_src
my=rehome_bench
dsts=(rehome_bench_dst_rehome rehome_bench_dst_dumpfc rehome_bench_dst_dumpz0 rehome_bench_dst_dumpfd rehome_bench_dst_pgcopydb
  rehome_bench_dst_myrehome rehome_bench_dst_pgloader)
psqlc() { psql "$pgurl/$1" -X -q -v ON_ERROR_STOP=1 -At -c "$2"; }
mysqlc() { mariadb -h "$myhost" -P "$myport" -u "$myuser" --default-character-set=utf8mb4 "$@"; }
cleanup() {
  for d in $src "${dsts[@]}"; do psqlc postgres "DROP DATABASE IF EXISTS $d WITH (FORCE)" 2>/dev/null || true; done
  mysqlc -e "DROP DATABASE IF EXISTS $my" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cleanup_dbs_first() { for d in $src "${dsts[@]}"; do psqlc postgres "DROP DATABASE IF EXISTS $d WITH (FORCE)"; done; }
cleanup_dbs_first

echo "building rehome" >&2
go build -o "$work/rehome" ./cmd/rehome

# The source: pgbench's tables at SCALE (100,000 accounts per unit).
echo "loading $((scale * 100000)) rows into PostgreSQL ($src) with pgbench -i -s $scale" >&2
psqlc postgres "CREATE DATABASE $src"
pgbench -i -s "$scale" -q "$pgurl/$src" 2>&1 | tail -1 >&2
# The same rows into MariaDB: the same tables, then COPY out of
# PostgreSQL and LOAD DATA LOCAL INFILE (COPY's text format is what LOAD
# DATA reads by default: tabs, \N for NULL, backslash escapes).
echo "loading the same rows into MariaDB ($my)" >&2
mysqlc -e "DROP DATABASE IF EXISTS $my; CREATE DATABASE $my CHARACTER SET utf8mb4"
mysqlc "$my" <<'SQL'
CREATE TABLE pgbench_branches (bid int NOT NULL PRIMARY KEY, bbalance int, filler char(88)) ENGINE=InnoDB;
CREATE TABLE pgbench_tellers (tid int NOT NULL PRIMARY KEY, bid int, tbalance int, filler char(84)) ENGINE=InnoDB;
CREATE TABLE pgbench_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84)) ENGINE=InnoDB;
CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp NULL, filler char(22)) ENGINE=InnoDB;
SQL
for t in pgbench_branches pgbench_tellers pgbench_accounts; do
  psqlc $src "COPY $t TO STDOUT" > "$work/$t.tsv"
  mysqlc --local-infile=1 "$my" -e "SET unique_checks = 0; LOAD DATA LOCAL INFILE '$work/$t.tsv' INTO TABLE $t"
  rm "$work/$t.tsv"
done
mysqlc "$my" -e "ANALYZE TABLE pgbench_branches, pgbench_tellers, pgbench_accounts, pgbench_history" >/dev/null

# What every destination must hold (pgbench fills no history at -i).
# The check: row counts of the four tables, and sums over pgbench_accounts
# of each column and of a hash of each whole row (its filler without the
# CHAR padding, which pgloader may drop).
verify="SELECT (SELECT count(*) FROM pgbench_branches), (SELECT count(*) FROM pgbench_tellers),
  (SELECT count(*) FROM pgbench_history), count(*), sum(aid), sum(bid), sum(abalance),
  sum(hashtext(concat_ws('|', aid, bid, abalance, rtrim(filler)))::bigint) FROM pgbench_accounts"
expect=$(psqlc $src "$verify")
echo "source: $expect (rows of branches, tellers, history, accounts; sums over accounts)" >&2

# check NAME DB SCHEMA: the destination holds the source's rows.
check() {
  local got
  got=$(psqlc "$2" "SET search_path = $3; $verify")
  [ "$got" = "$expect" ] || { echo "$1: the destination holds $got; the source $expect" >&2; exit 1; }
}

# The rehome configurations.
mkdir -p "$work/pg" "$work/my"
cat > "$work/pg/migration.hcl" <<HCL
migration "bench-pg" {}
environment "src" {
  provider = "postgres"
  url      = "$pgurl/$src"
}
environment "dst" {
  provider = "postgres"
  url      = "$pgurl/rehome_bench_dst_rehome"
}
move "database" "bench" {
  from        = environment.src
  to          = environment.dst
  databases   = ["public"]
  parallelism = 2
}
HCL
cat > "$work/my/migration.hcl" <<HCL
migration "bench-my" {}
environment "src" {
  provider = "mysql"
  url      = "mysql://$myuser@$myhost:$myport/$my"
}
environment "dst" {
  provider = "postgres"
  url      = "$pgurl/rehome_bench_dst_myrehome"
}
move "database" "bench" {
  from        = environment.src
  to          = environment.dst
  databases   = ["$my"]
  parallelism = 2
}
HCL

# measure.py NAME CMD...: runs CMD, samples the RSS of its process tree,
# appends "wall cpu peak_rss_kib" to NAME.
cat > "$work/measure.py" <<'PY'
import os, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
def tree_rss(root):
    kids = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(p))
            except (OSError, ValueError, IndexError):
                pass
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        todo.extend(kids.get(p, []))
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, ValueError):
            pass
    return total
t0 = time.monotonic()
log = open(out + ".log", "ab")
proc = subprocess.Popen(cmd, stdout=log, stderr=log)
peak = 0
while True:
    pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
    if pid:
        break
    peak = max(peak, tree_rss(proc.pid))
    time.sleep(0.05)
wall = time.monotonic() - t0
code = os.waitstatus_to_exitcode(status)
if code != 0:
    sys.stderr.write(open(out + ".log", errors="replace").read()[-3000:])
    sys.exit(f"{' '.join(cmd)}: exit status {code}")
peak = max(peak, ru.ru_maxrss)
with open(out, "a") as f:
    f.write(f"{wall:.2f} {ru.ru_utime + ru.ru_stime:.2f} {peak}\n")
PY
measure() { python3 "$work/measure.py" "$work/$1" "${@:2}"; }
# fresh DB: a new empty destination, and a checkpoint, so that no tool
# pays for flushing what the one before it wrote.
fresh() { psqlc postgres "DROP DATABASE IF EXISTS $1 WITH (FORCE)"; psqlc postgres "CREATE DATABASE $1"; psqlc postgres "CHECKPOINT"; }

run_tool() { # TOOL RUN
  case $1 in
  rehome)
    fresh rehome_bench_dst_rehome; rm -rf "$work/pg/.rehome"
    measure pg.rehome "$work/rehome" -chdir="$work/pg" apply -auto-approve
    grep -q "validation.*source vs destination" "$work/pg.rehome.log" || { echo "rehome printed no validation" >&2; exit 1; }
    check rehome rehome_bench_dst_rehome public ;;
  dumpfc)
    fresh rehome_bench_dst_dumpfc
    measure pg.dumpfc bash -o pipefail -c "pg_dump -Fc '$pgurl/$src' | pg_restore --no-owner -d '$pgurl/rehome_bench_dst_dumpfc'"
    check "pg_dump -Fc" rehome_bench_dst_dumpfc public ;;
  dumpz0)
    fresh rehome_bench_dst_dumpz0
    measure pg.dumpz0 bash -o pipefail -c "pg_dump -Fc -Z0 '$pgurl/$src' | pg_restore --no-owner -d '$pgurl/rehome_bench_dst_dumpz0'"
    check "pg_dump -Fc -Z0" rehome_bench_dst_dumpz0 public ;;
  dumpfd)
    fresh rehome_bench_dst_dumpfd; rm -rf "$work/dump.d"
    measure pg.dumpfd bash -c "pg_dump -Fd -j2 -f '$work/dump.d' '$pgurl/$src' && pg_restore -j2 --no-owner -d '$pgurl/rehome_bench_dst_dumpfd' '$work/dump.d'"
    rm -rf "$work/dump.d"
    check "pg_dump -Fd -j2" rehome_bench_dst_dumpfd public ;;
  pgcopydb)
    fresh rehome_bench_dst_pgcopydb; rm -rf "$work/pgcopydb"
    measure pg.pgcopydb pgcopydb clone --source "$pgurl/$src" --target "$pgurl/rehome_bench_dst_pgcopydb" \
      --table-jobs 2 --index-jobs 2 --no-owner --dir "$work/pgcopydb"
    check pgcopydb rehome_bench_dst_pgcopydb public ;;
  myrehome)
    fresh rehome_bench_dst_myrehome; rm -rf "$work/my/.rehome"
    measure my.rehome "$work/rehome" -chdir="$work/my" apply -auto-approve
    grep -q "validation.*source vs destination" "$work/my.rehome.log" || { echo "rehome printed no validation" >&2; exit 1; }
    check "rehome (MariaDB)" rehome_bench_dst_myrehome $my ;;
  pgloader)
    fresh rehome_bench_dst_pgloader; rm -rf "$work/pgloader"
    measure my.pgloader pgloader --root-dir "$work/pgloader" "mysql://$myuser@$myhost:$myport/$my" "${pgurl/#postgres:/postgresql:}/rehome_bench_dst_pgloader"
    check pgloader rehome_bench_dst_pgloader $my ;;
  esac
  psqlc postgres "DROP DATABASE IF EXISTS $(dst_of "$1") WITH (FORCE)"
}
dst_of() {
  case $1 in rehome) echo rehome_bench_dst_rehome ;; dumpfc) echo rehome_bench_dst_dumpfc ;; dumpz0) echo rehome_bench_dst_dumpz0 ;;
  dumpfd) echo rehome_bench_dst_dumpfd ;; pgcopydb) echo rehome_bench_dst_pgcopydb ;; myrehome) echo rehome_bench_dst_myrehome ;;
  pgloader) echo rehome_bench_dst_pgloader ;; esac
}

pgtools=(rehome dumpfc dumpz0 dumpfd pgcopydb)
mytools=(myrehome pgloader)
for i in $(seq 0 "$runs"); do
  echo "run $i of $runs (0 is the warm-up)" >&2
  n=${#pgtools[@]}
  for k in $(seq 0 $((n - 1))); do # PostgreSQL -> PostgreSQL, rotated by the run
    t=${pgtools[$(((k + i) % n))]}
    echo "  $t" >&2
    run_tool "$t" "$i"
  done
  order=("${mytools[@]}")
  [ $((i % 2)) -eq 1 ] && order=(pgloader myrehome)
  for t in "${order[@]}"; do echo "  $t" >&2; run_tool "$t" "$i"; done
done

for c in pg my; do
  echo; echo "rehome's validation, last $c run:"
  grep -A5 "validation (row counts" "$work/$c.rehome.log" | tail -6 | sed 's/^/  /'
done
python3 - "$work" "$runs" "$scale" <<'PY'
import statistics, sys
w, runs, scale = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(n):
    return [list(map(float, l.split())) for l in open(f"{w}/{n}")][1:]  # drop the warm-up
def med(xs):
    return statistics.median(xs)
cases = [("PostgreSQL -> PostgreSQL", "pg", [("rehome", "rehome apply (validation included)"), ("dumpfc", "pg_dump -Fc | pg_restore"),
          ("dumpz0", "pg_dump -Fc -Z0 | pg_restore"), ("dumpfd", "pg_dump -Fd -j2 + pg_restore -j2"),
          ("pgcopydb", "pgcopydb clone --table-jobs 2 --index-jobs 2")]),
         ("MariaDB -> PostgreSQL", "my", [("rehome", "rehome apply (validation included)"), ("pgloader", "pgloader")])]
print(f"\n{scale * 100000:,} rows (pgbench scale {scale}); medians over {runs} runs after a warm-up")
for title, p, tools in cases:
    print(f"\n{title}")
    print(f"  {'tool':46} {'wall s':>8} {'CPU s':>7} {'peak RSS MiB':>13}   wall s per run; anchor/rehome per run: wall, RSS (median, min-max)")
    base = load(f"{p}.rehome")
    for key, label in tools:
        r = load(f"{p}.{key}")
        line = f"  {label:46} {med([x[0] for x in r]):8.2f} {med([x[1] for x in r]):7.2f} {med([x[2] for x in r]) / 1024:13.1f}"
        line += "   runs: " + ", ".join(f"{x[0]:.1f}" for x in r)
        if key != "rehome":
            wr = [a[0] / b[0] for a, b in zip(r, base)]
            mr = [a[2] / b[2] for a, b in zip(r, base)]
            line += f";  {med(wr):.2f}x ({min(wr):.2f}-{max(wr):.2f}), {med(mr):.2f}x ({min(mr):.2f}-{max(mr):.2f})"
        print(line)
PY
