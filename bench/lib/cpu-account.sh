#!/usr/bin/env bash
# CPU accounting of one run: the measured process tree, the PostgreSQL server (postmaster and every
# backend it forked) and both S3Proxy servers. On a machine where every core is busy, the wall time of a
# run can be no less than (all CPU seconds) / (cores), and no less than (server CPU seconds) / (cores):
# the second bound holds for any client, however fast.
#   bench/lib/cpu-account.sh NAME -- CMD...    prints: NAME wall W cmd C postgres P s3proxy S
set -euo pipefail
. "$(dirname "$0")/../env.sh"
name=$1; shift; [ "$1" = "--" ] && shift
tick=$(getconf CLK_TCK)
# utime+stime of the process, plus cutime+cstime (reaped children) when $2 = all
proc_cpu() { awk -v t="$tick" -v all="${2:-}" '{ s = $14 + $15; if (all) s += $16 + $17; print s / t }' "/proc/$1/stat" 2>/dev/null || echo 0; }
postgres_cpu() {   # postmaster with reaped backends, plus the backends still running
  local pm total p; pm=$(head -1 "$BENCH_RUN/pgdata/postmaster.pid"); total=$(proc_cpu "$pm" all)
  for p in $(pgrep -P "$pm"); do total=$(echo "$total + $(proc_cpu "$p")" | bc); done
  echo "$total"
}
s3proxy_cpu() { local t=0 f; for f in "$BENCH_RUN"/s3proxy-*.pid; do t=$(echo "$t + $(proc_cpu "$(cat "$f")")" | bc); done; echo "$t"; }
p0=$(postgres_cpu); s0=$(s3proxy_cpu)
out=$(mktemp)
/usr/bin/time -f "%e %U %S" -o "$out" "$@" >/dev/null 2>&1
sleep 1   # let the postmaster reap the backends that just ended
p1=$(postgres_cpu); s1=$(s3proxy_cpu)
read -r wall user sys < "$out"; rm -f "$out"
printf '%s wall %.2f cmd %.2f postgres %.2f s3proxy %.2f\n' "$name" "$wall" "$(echo "$user + $sys" | bc)" \
  "$(echo "$p1 - $p0" | bc)" "$(echo "$s1 - $s0" | bc)"
