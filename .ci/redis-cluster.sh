#!/usr/bin/env bash
# Start or stop a throwaway three-master Redis Cluster (no replicas) on
# 127.0.0.1:7101-7103, for running the store's tests against a cluster:
#
#   bash .ci/redis-cluster.sh start   # stops any leftover first
#   REDIS_URL='redis://127.0.0.1:7101?addr=127.0.0.1:7102&addr=127.0.0.1:7103' go test ./store/...
#   bash .ci/redis-cluster.sh stop
#
# Nothing is persisted; the nodes' files live in one temporary directory,
# whose path is kept in $STATE so that stop can find and remove it.
# Every wait is bounded; a failure prints what went wrong (and the nodes'
# log tails), stops the nodes it started and exits non-zero.
set -euo pipefail

PORTS=(7101 7102 7103)
HOST=127.0.0.1
NAME=redis-cluster
STATE=${REDIS_CLUSTER_STATE:-${TMPDIR:-/tmp}/warroom-redis-cluster.dir}
all_ports() { echo "${PORTS[@]}"; }
# shellcheck source=.ci/redis-lib.sh
. "$(dirname "$0")/redis-lib.sh"

cluster_ok() {
  local port
  for port in "${PORTS[@]}"; do
    cli "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}

start() {
  local dir port
  dir=$(fresh_dir)
  for port in "${PORTS[@]}"; do
    redis-server --port "$port" --bind "$HOST" \
      --cluster-enabled yes --cluster-config-file "$dir/nodes-$port.conf" \
      --save '' --appendonly no --daemonize yes --dir "$dir" \
      --logfile "$dir/redis-$port.log" ||
      abort "redis-server on port $port did not start"
  done
  for port in "${PORTS[@]}"; do
    wait_for 10 "127.0.0.1:$port to answer PING" up "$port" ||
      abort "node 127.0.0.1:$port is not answering"
  done
  local addrs=()
  for port in "${PORTS[@]}"; do addrs+=("$HOST:$port"); done
  if ! out=$(timeout 60 redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes 2>&1); then
    echo "$out" >&2
    abort "redis-cli --cluster create failed"
  fi
  wait_for 30 "cluster_state:ok on every node" cluster_ok ||
    {
      for port in "${PORTS[@]}"; do
        echo "--- 127.0.0.1:$port cluster info" >&2
        cli "$port" cluster info 2>&1 | head -n 3 >&2 || true
      done
      abort "cluster did not become ok"
    }
  echo "redis-cluster: up on ${addrs[*]} (files in $dir)"
  echo "redis-cluster: REDIS_URL='redis://$HOST:${PORTS[0]}?addr=$HOST:${PORTS[1]}&addr=$HOST:${PORTS[2]}'"
}

main "$@"
