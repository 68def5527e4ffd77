# PostgreSQL for air-gapped CI: built FROM the local debootstrap base with Debian's
# postgresql-15. Production pulls the official `postgres` image instead; the entrypoint
# honours the same variables (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, PGDATA), so
# the two are interchangeable in docker-compose.yml. No password is baked in.
ARG BASE=m1env-sandbox-base
FROM ${BASE}
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        postgresql-15 postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
    && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
USER postgres
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
