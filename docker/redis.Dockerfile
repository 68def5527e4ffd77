# Redis for air-gapped CI: built FROM the local debootstrap base with Debian's redis-server.
# Production pulls the official `redis` image instead (docker-compose.yml); this image
# answers the same health check (`redis-cli ping`) and keeps data under /data.
ARG BASE=m1env-sandbox-base
FROM ${BASE}
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data
USER redis
WORKDIR /data
EXPOSE 6379
CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--dir", "/data", "--appendonly", "yes"]
