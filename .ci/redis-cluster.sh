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
STATE=${REDIS_CLUSTER_STATE:-${TMPDIR:-/tmp}/warroom-redis-cluster.dir}

die() {
  echo "redis-cluster: $*" >&2
  exit 1
}

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 not found (apt-get install redis-server)"
}

cli() { # cli PORT ARGS...
  local port=$1
  shift
  timeout 5 redis-cli -h "$HOST" -p "$port" "$@"
}

up() { cli "$1" ping 2>/dev/null | grep -q PONG; }

# wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND every 0.2s.
wait_for() {
  local secs=$1 what=$2
  shift 2
  local deadline=$((SECONDS + secs))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      echo "redis-cluster: timed out after ${secs}s waiting for $what" >&2
      return 1
    fi
    sleep 0.2
  done
}

port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

logs() {
  local dir
  dir=$(cat "$STATE" 2>/dev/null) || return 0
  for port in "${PORTS[@]}"; do
    if [ -f "$dir/redis-$port.log" ]; then
      echo "--- $dir/redis-$port.log (tail)" >&2
      tail -n 20 "$dir/redis-$port.log" >&2
    fi
  done
}

# abort MESSAGE: show the nodes' logs, take down what started, and fail.
abort() {
  logs
  (stop) >/dev/null 2>&1 || true
  die "$*"
}

stop() {
  local port
  for port in "${PORTS[@]}"; do
    if up "$port"; then
      cli "$port" shutdown nosave >/dev/null 2>&1 || true
    fi
  done
  for port in "${PORTS[@]}"; do
    wait_for 10 "127.0.0.1:$port to shut down" port_free "$port" ||
      die "something still listens on 127.0.0.1:$port; stop it by hand"
  done
  if [ -f "$STATE" ]; then
    local dir
    dir=$(cat "$STATE")
    case "$dir" in
    */warroom-redis-cluster.*) rm -rf -- "$dir" ;;
    esac
    rm -f -- "$STATE"
  fi
}

cluster_ok() {
  local port
  for port in "${PORTS[@]}"; do
    cli "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}

start() {
  need redis-server
  need redis-cli
  stop
  local dir port
  dir=$(mktemp -d "${TMPDIR:-/tmp}/warroom-redis-cluster.XXXXXX")
  echo "$dir" >"$STATE"
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

case "${1:-}" in
start) start ;;
stop)
  need redis-cli
  stop
  echo "redis-cluster: stopped"
  ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2
  ;;
esac
