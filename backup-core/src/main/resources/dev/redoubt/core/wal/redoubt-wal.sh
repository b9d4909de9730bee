#!/usr/bin/env bash
# redoubt wal-push / wal-fetch with --spool: the thin clients PostgreSQL runs as its
# archive_command and restore_command. They start no JVM: they hand the file to a long-lived
# Redoubt process through a spool directory and wait for its answer (docs/wal.md).
#
#   archive_command = 'redoubt wal-push --spool /var/spool/redoubt/main %p'
#       exit 0 only once the file is durable in every region (`redoubt wal-archiver` answers)
#   restore_command = 'redoubt wal-fetch --spool DIR %f %p'   (written by redoubt restore)
#       exit 0 with the file in place, 1 if the archive has no such file, 255 on any other
#       failure: PostgreSQL aborts recovery on a status above 125 instead of taking a
#       transient error for the end of the archive.
set -u
cmd="${1:-}"
shift || true
spool=""
timeout=""
while [ $# -gt 0 ]; do
  case "$1" in
    --spool) spool="${2:-}"; shift 2 ;;
    --spool=*) spool="${1#*=}"; shift ;;
    --timeout) timeout="${2:-}"; shift 2 ;;
    --timeout=*) timeout="${1#*=}"; shift ;;
    --) shift; break ;;
    -*) echo "redoubt $cmd: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
fail() { echo "redoubt $cmd: $*" >&2; exit "$status_failed"; }
case "$cmd" in
  wal-push) status_failed=1; timeout="${timeout:-60}" ;;
  wal-fetch) status_failed=255; timeout="${timeout:-300}" ;;
  *) echo "usage: redoubt-wal.sh wal-push|wal-fetch --spool DIR ..." >&2; exit 2 ;;
esac
[ -n "$spool" ] || fail "--spool DIR is required"
[ -d "$spool/request" ] || fail "$spool is not a Redoubt WAL spool (no request/ directory)"
valid_name() {
  [[ "$1" =~ ^[0-9A-F]{24}(\.partial|\.[0-9A-F]{8}\.backup)?$ || "$1" =~ ^[0-9A-F]{8}\.history$ ]]
}
# the server touches heartbeat every second; one older than 5 s means nobody will answer
server_alive() {
  local beat now
  beat=$(stat -c %Y "$spool/heartbeat" 2>/dev/null) || return 1
  printf -v now '%(%s)T' -1
  [ $((now - beat)) -le 5 ]
}
ask() {
  local name="$1" text="$2" tmp="$spool/request/.$1.$$"
  rm -f "$spool/failed/$name"
  printf '%s\n' "$text" > "$tmp" && mv -f "$tmp" "$spool/request/$name" || fail "cannot write to $spool/request"
}
deadline() { local now; printf -v now '%(%s)T' -1; echo $((now + timeout)); }
now() { local now; printf -v now '%(%s)T' -1; echo "$now"; }

if [ "$cmd" = wal-push ]; then
  [ $# -eq 1 ] || { echo "usage: redoubt wal-push --spool DIR PATH   (archive_command: %p)" >&2; exit 2; }
  path="$1"
  case "$path" in /*) ;; *) path="$PWD/$path" ;; esac
  name="${path##*/}"
  valid_name "$name" || fail "'$name' is not a WAL file name"
  [ -f "$path" ] || fail "$path does not exist"
  stamp=$(stat -c '%s %i %.9Y' -- "$path") || fail "cannot stat $path"
  marker="$spool/done/$name"
  archived() { local line=""; [ -f "$marker" ] && { read -r line < "$marker" || [ -n "$line" ]; } && [ "$line" = "$stamp" ]; }
  # archived ahead by the archiver (it reads pg_wal/archive_status/*.ready): nothing to wait for
  if archived; then exit 0; fi
  server_alive || fail "no redoubt wal-archiver is running for spool $spool; $name stays in pg_wal until one does"
  ask "$name" "$path"
  end=$(deadline)
  while :; do
    if archived; then exit 0; fi
    if [ -f "$spool/failed/$name" ]; then
      reason=$(cat "$spool/failed/$name" 2>/dev/null)
      rm -f "$spool/failed/$name"
      fail "$name not archived: $reason"
    fi
    [ "$(now)" -lt "$end" ] || fail "$name: no answer from the wal-archiver within ${timeout}s"
    server_alive || fail "the wal-archiver for spool $spool stopped before archiving $name"
    sleep 0.01
  done
fi

[ $# -eq 2 ] || { echo "usage: redoubt wal-fetch --spool DIR NAME PATH   (restore_command: %f %p)" >&2; exit 2; }
name="$1"
dest="$2"
case "$dest" in /*) ;; *) dest="$PWD/$dest" ;; esac
valid_name "$name" || fail "'$name' is not a WAL file name"
server_alive || fail "no redoubt restore is serving spool $spool"
rm -f "$spool/missing/$name"
if [ ! -f "$spool/fetched/$name" ]; then ask "$name" ""; fi
end=$(deadline)
while :; do
  if [ -f "$spool/fetched/$name" ]; then
    mv -f "$spool/fetched/$name" "$dest" || fail "cannot move $name to $dest"
    rm -f "$spool/request/$name"
    exit 0
  fi
  if [ -f "$spool/missing/$name" ]; then
    rm -f "$spool/missing/$name"
    exit 1
  fi
  if [ -f "$spool/failed/$name" ]; then
    reason=$(cat "$spool/failed/$name" 2>/dev/null)
    fail "$name: $reason"
  fi
  [ "$(now)" -lt "$end" ] || fail "$name: no answer within ${timeout}s"
  server_alive || fail "the redoubt restore serving spool $spool stopped"
  sleep 0.01
done
