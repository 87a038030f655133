#!/usr/bin/env bash
# Start or stop a throwaway Redis Sentinel setup on loopback, for running
# the store's tests through Sentinel: a master on 127.0.0.1:7111, one
# replica on 7112, and three sentinels (quorum 2) on 26391-26393 watching
# the master as "warroom":
#
#   bash .ci/redis-sentinel.sh start   # stops any leftover first
#   REDIS_URL='redis://127.0.0.1:26391?master_name=warroom&addr=127.0.0.1:26392&addr=127.0.0.1:26393' go test ./store/...
#   bash .ci/redis-sentinel.sh stop
#
# Nothing is persisted; the servers' files (sentinels rewrite their
# configuration) live in one temporary directory, whose path is kept in
# $STATE so that stop can find and remove it. Every wait is bounded; a
# failure prints what went wrong (and the logs' tails), stops what it
# started and exits non-zero.
set -euo pipefail

DATA_PORTS=(7111 7112)
SENTINEL_PORTS=(26391 26392 26393)
HOST=127.0.0.1
MASTER=warroom
NAME=redis-sentinel
STATE=${REDIS_SENTINEL_STATE:-${TMPDIR:-/tmp}/warroom-redis-sentinel.dir}
all_ports() { echo "${DATA_PORTS[@]}" "${SENTINEL_PORTS[@]}"; }
# shellcheck source=.ci/redis-lib.sh
. "$(dirname "$0")/redis-lib.sh"

replica_synced() {
  cli "${DATA_PORTS[1]}" info replication 2>/dev/null | grep -q '^master_link_status:up'
}

# sentinels_ready: every sentinel knows the master, its replica and the
# other sentinels, so that a failover could be agreed on.
sentinels_ready() {
  local port
  for port in "${SENTINEL_PORTS[@]}"; do
    cli "$port" sentinel get-master-addr-by-name "$MASTER" 2>/dev/null | grep -q "^${DATA_PORTS[0]}\$" || return 1
    [ "$(cli "$port" sentinel replicas "$MASTER" 2>/dev/null | grep -c '^name$')" -ge 1 ] || return 1
    [ "$(cli "$port" sentinel sentinels "$MASTER" 2>/dev/null | grep -c '^name$')" -ge $((${#SENTINEL_PORTS[@]} - 1)) ] || return 1
  done
}

start() {
  local dir port
  dir=$(fresh_dir)
  for port in "${DATA_PORTS[@]}"; do
    local args=(--port "$port" --bind "$HOST" --save '' --appendonly no --daemonize yes
      --dir "$dir" --logfile "$dir/redis-$port.log")
    if [ "$port" != "${DATA_PORTS[0]}" ]; then
      args+=(--replicaof "$HOST" "${DATA_PORTS[0]}")
    fi
    redis-server "${args[@]}" || abort "redis-server on port $port did not start"
  done
  for port in "${DATA_PORTS[@]}"; do
    wait_for 10 "127.0.0.1:$port to answer PING" up "$port" ||
      abort "redis 127.0.0.1:$port is not answering"
  done
  wait_for 20 "the replica to sync" replica_synced || abort "the replica did not sync"
  for port in "${SENTINEL_PORTS[@]}"; do
    cat >"$dir/sentinel-$port.conf" <<EOF
port $port
bind $HOST
daemonize yes
dir $dir
logfile $dir/redis-$port.log
sentinel monitor $MASTER $HOST ${DATA_PORTS[0]} 2
sentinel down-after-milliseconds $MASTER 2000
sentinel failover-timeout $MASTER 10000
sentinel parallel-syncs $MASTER 1
EOF
    redis-server "$dir/sentinel-$port.conf" --sentinel || abort "sentinel on port $port did not start"
  done
  for port in "${SENTINEL_PORTS[@]}"; do
    wait_for 10 "sentinel 127.0.0.1:$port to answer PING" up "$port" ||
      abort "sentinel 127.0.0.1:$port is not answering"
  done
  wait_for 60 "the sentinels to know the master, its replica and each other" sentinels_ready ||
    abort "the sentinels did not settle"
  echo "redis-sentinel: master $HOST:${DATA_PORTS[0]}, replica $HOST:${DATA_PORTS[1]}, sentinels on ${SENTINEL_PORTS[*]} (files in $dir)"
  echo "redis-sentinel: REDIS_URL='redis://$HOST:${SENTINEL_PORTS[0]}?master_name=$MASTER&addr=$HOST:${SENTINEL_PORTS[1]}&addr=$HOST:${SENTINEL_PORTS[2]}'"
}

main "$@"
