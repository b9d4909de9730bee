# The image of `redoubt serve` (and of every other command): JRE 17, the redoubt jar, and the
# PostgreSQL 15 client tools (pg_dump, pg_restore, pg_basebackup) and server binaries (initdb,
# pg_ctl, postgres) the verifier's throwaway server needs. Nothing comes from a registry: the
# base image is built from Debian packages by docker/build-images.sh, which also builds this
# image (after ./mvnw -DskipTests package):
#   docker/build-images.sh        # redoubt-base:bookworm, postgres:15, redoubt:<appVersion>
ARG BASE=redoubt-base:bookworm
FROM ${BASE}

RUN groupadd --gid 10001 redoubt \
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
