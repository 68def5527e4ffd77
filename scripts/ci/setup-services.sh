#!/usr/bin/env bash
# Make sure the services the tests talk to are up: Redis (broker, rate limits, the queue
# tests) and PostgreSQL (the production database of the store and service tests).
# This machine kind starts both before a session; this restarts whichever has stopped
# (the queue's chaos test restarts Redis itself), using the same commands.
set -euo pipefail

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "setup-services: starting redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "setup-services: starting postgresql"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
for _ in $(seq 50); do
  if redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && pg_isready -h 127.0.0.1 -q 2>/dev/null; then
    echo "setup-services: redis and postgresql are up"
    exit 0
  fi
  sleep 0.2
done
echo "setup-services: redis or postgresql did not come up" >&2
exit 1
