#!/usr/bin/env bash
# Builds every image Redoubt needs from Debian packages, with no registry: what CI runs, and
# what an air-gapped user runs (docs/kubernetes.md#images).
#
#   redoubt-base:bookworm   Debian 12 minbase with JRE 17, PostgreSQL 15 server and client
#                           tools (mmdebstrap from the machine's apt sources)
#   postgres:15             redoubt-base with an entrypoint that behaves like the official
#                           image's (POSTGRES_USER/PASSWORD/DB, initdb on first start): the
#                           verifier's container sandbox (Testcontainers' PostgreSQLContainer)
#   redoubt:<version>       the service, from the repository's Dockerfile on redoubt-base
#
# Needs root (mmdebstrap), a running Docker engine and, for the service image, the built jar
# (./mvnw -DskipTests package; this script builds it when missing). The root filesystem is
# cached in $REDOUBT_IMAGE_CACHE (default docker/.cache) and rebuilt when this script changes;
# delete the cache to start from nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${REDOUBT_IMAGE_CACHE:-docker/.cache}
version=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' charts/redoubt/Chart.yaml)
packages=openjdk-17-jre-headless,postgresql-15,postgresql-client-15,ca-certificates,curl,passwd
sources=/etc/apt/sources.list.d/debian.sources
[ -f "$sources" ] || sources=/etc/apt/sources.list

mkdir -p "$cache"
stamp=$(printf '%s\n%s\n' "$packages" "$(cat "$sources")" | sha256sum | cut -c1-16)
rootfs="$cache/rootfs-$stamp.tar"
if [ ! -f "$rootfs" ]; then
  echo "build-images: root filesystem (Debian bookworm minbase + $packages), about 90 s"
  rm -rf "$cache"/rootfs-*.tar "$cache"/partial-*.tar
  # the name ends with .tar: mmdebstrap chooses its output format by it
  mmdebstrap --variant=minbase --include="$packages" \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    bookworm "$cache/partial-$stamp.tar" "$sources"
  mv "$cache/partial-$stamp.tar" "$rootfs"
fi

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
ln "$rootfs" "$context/rootfs.tar" 2>/dev/null || cp "$rootfs" "$context/rootfs.tar"
printf 'FROM scratch\nADD rootfs.tar /\nENV LANG=C.UTF-8\nCMD ["bash"]\n' > "$context/Dockerfile"
docker build -q -t redoubt-base:bookworm "$context"

docker build -q -t postgres:15 -f docker/postgres/Dockerfile docker/postgres

if [ ! -f backup-service/target/redoubt.jar ]; then
  ./mvnw -B -q -DskipTests package
fi
docker build -q -t "redoubt:$version" -t redoubt:latest .
echo "build-images: built redoubt-base:bookworm, postgres:15, redoubt:$version"
