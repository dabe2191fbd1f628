#!/usr/bin/env bash
# A throwaway PostgreSQL (Debian's `postgresql` package) for tests and trials.
#
#   scripts/start-postgres.sh [DIR]     initdb into DIR (default: a new temp
#                                       dir), start on 127.0.0.1 at a free port,
#                                       print the URL (also written to DIR/url)
#   scripts/start-postgres.sh --stop DIR   stop it and remove DIR
#   scripts/start-postgres.sh --pause DIR  stop the server, keep its data
#   scripts/start-postgres.sh --resume DIR start it again on the same port
#
# Trust authentication on 127.0.0.1 only, fsync off: never for real data.
# PostgreSQL refuses to run as root, so as root the server runs as the
# `postgres` user and DIR is handed to it.
set -euo pipefail

find_bin() {
  local name=$1 dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [[ -x "$dir/$name" ]]; then
      echo "$dir/$name"
      return
    fi
  done
  command -v "$name" || { echo "start-postgres: $name not found (apt-get install postgresql)" >&2; exit 3; }
}

as_server_user() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

PG_CTL=$(find_bin pg_ctl)
INITDB=$(find_bin initdb)

if [[ ${1:-} == "--stop" ]]; then
  dir=${2:?usage: start-postgres.sh --stop DIR}
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_server_user "$PG_CTL" -D "$dir/data" -m immediate -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  exit 0
fi

start_server() {
  as_server_user "$PG_CTL" -D "$1/data" -l "$1/server.log" -w -t 60 -o "$(cat "$1/options")" \
    start >/dev/null || { tail -20 "$1/server.log" >&2; exit 1; }
}

if [[ ${1:-} == "--pause" ]]; then
  as_server_user "$PG_CTL" -D "${2:?DIR}/data" -m fast -w -t 30 stop >/dev/null
  exit 0
fi
if [[ ${1:-} == "--resume" ]]; then
  start_server "${2:?DIR}"
  exit 0
fi

dir=${1:-$(mktemp -d /tmp/trendwatch-pg.XXXXXX)}
mkdir -p "$dir"
if [[ $(id -u) -eq 0 ]]; then
  chown postgres: "$dir"
fi
chmod 700 "$dir"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

as_server_user "$INITDB" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
echo "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir \
-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60" >"$dir/options"
start_server "$dir"

url="postgresql://postgres@127.0.0.1:$port/postgres"
echo "$url" >"$dir/url"
echo "$dir" >"$dir/dir"
echo "$url"
