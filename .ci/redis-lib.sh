# Shared by .ci/redis-cluster.sh and .ci/redis-sentinel.sh (sourced, not
# run). The sourcing script sets:
#   NAME   the prefix of messages and of the temporary directory
#   HOST   the address every server binds
#   STATE  a file holding the temporary directory's path
# and defines all_ports, printing every port it starts. Servers log to
# $dir/redis-<port>.log.

die() {
  echo "$NAME: $*" >&2
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
      echo "$NAME: timed out after ${secs}s waiting for $what" >&2
      return 1
    fi
    sleep 0.2
  done
}

port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# fresh_dir: check the tools, stop any leftover servers, then make the
# temporary directory, remember it in $STATE and print it.
fresh_dir() {
  need redis-server
  need redis-cli
  stop
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/warroom-$NAME.XXXXXX")
  echo "$dir" >"$STATE"
  echo "$dir"
}

logs() {
  local dir port
  dir=$(cat "$STATE" 2>/dev/null) || return 0
  for port in $(all_ports); do
    if [ -f "$dir/redis-$port.log" ]; then
      echo "--- $dir/redis-$port.log (tail)" >&2
      tail -n 20 "$dir/redis-$port.log" >&2
    fi
  done
}

# abort MESSAGE: show the logs, take down what started, and fail.
abort() {
  logs
  (stop) >/dev/null 2>&1 || true
  die "$*"
}

# stop: shut down every server, wait until their ports are free, and
# remove the temporary directory.
stop() {
  local port
  for port in $(all_ports); do
    if up "$port"; then
      cli "$port" shutdown nosave >/dev/null 2>&1 || true
    fi
  done
  for port in $(all_ports); do
    wait_for 10 "$HOST:$port to shut down" port_free "$port" ||
      die "something still listens on $HOST:$port; stop it by hand"
  done
  if [ -f "$STATE" ]; then
    local dir
    dir=$(cat "$STATE")
    case "$dir" in
    */warroom-"$NAME".*) rm -rf -- "$dir" ;;
    esac
    rm -f -- "$STATE"
  fi
}

# main start|stop: what each script ends with.
main() {
  case "${1:-}" in
  start) start ;;
  stop)
    need redis-cli
    stop
    echo "$NAME: stopped"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
  esac
}
