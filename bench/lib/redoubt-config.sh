# Sourced by the Redoubt bench scripts (after env.sh).
#   redoubt_yaml SOURCE DATABASE PREFIX
# prints the redoubt.* configuration they share: one source on the bench cluster (trust auth),
# both S3 regions over plain HTTP under PREFIX, the bench key file. Callers append their own keys
# (backup:, service:, ...) at two spaces of indent.
redoubt_yaml() {
  local source=$1 database=$2 prefix=$3
  [ -s "$BENCH_RUN/redoubt.key" ] || "$BENCH_DIR/../redoubt" key-generate --out "$BENCH_RUN/redoubt.key" >/dev/null
  cat <<YAML
redoubt:
  sources:
    $source:
      url: jdbc:postgresql://127.0.0.1:$PGPORT/$database
      username: $PGUSER
  repositories:
    - { name: region-a, endpoint: "http://127.0.0.1:$S3_A_HTTP_PORT", region: $S3_A_REGION, bucket: $S3_BUCKET,
        prefix: $prefix, path-style: true, access-key: $S3_ACCESS_KEY, secret-key: $S3_SECRET_KEY }
    - { name: region-b, endpoint: "http://127.0.0.1:$S3_B_HTTP_PORT", region: $S3_B_REGION, bucket: $S3_BUCKET,
        prefix: $prefix, path-style: true, access-key: $S3_ACCESS_KEY, secret-key: $S3_SECRET_KEY }
  encryption:
    key-file: $BENCH_RUN/redoubt.key
YAML
}
