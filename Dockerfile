# The image of `redoubt serve` (and of every other command): JRE 17, the redoubt jar, and the
# PostgreSQL 15 client tools (pg_dump, pg_restore, pg_basebackup) and server binaries (initdb,
# pg_ctl, postgres) the verifier's throwaway server needs. Build the jar first:
#   ./mvnw -DskipTests package && docker build -t redoubt:0.1.0 .
# There is no Docker engine on the machines this project is built on: this file is not built
# by its CI (docs/kubernetes.md).
FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless postgresql-15 postgresql-client-15 \
      curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 redoubt \
 && useradd --uid 10001 --gid 10001 --home-dir /var/lib/redoubt --no-create-home redoubt \
 && mkdir -p /var/lib/redoubt && chown redoubt:redoubt /var/lib/redoubt

# the versioned binaries first: the verifier's sandbox runs initdb and pg_ctl from here
ENV PATH=/usr/lib/postgresql/15/bin:$PATH
COPY backup-service/target/redoubt.jar /opt/redoubt/redoubt.jar

USER 10001:10001
WORKDIR /var/lib/redoubt
EXPOSE 8080
ENTRYPOINT ["java", "-Dspring.aot.enabled=true", "-jar", "/opt/redoubt/redoubt.jar"]
CMD ["--help"]
