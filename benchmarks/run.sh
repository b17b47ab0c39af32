#!/usr/bin/env bash
# LogBus against its peers, side by side in one run (issue 11).
#
#   benchmarks/run.sh            full run (about 20 minutes)
#   benchmarks/run.sh --quick    short run (about 3 minutes after the build)
#   options: --out DIR (default benchmarks/results)   --only w1,w2 (limits,broker,framework,latency,outbox)
#            --no-build   --no-charts
#
# It installs what it needs from Debian packages when missing (rabbitmq-server, postgresql, gnuplot-nox;
# as root or with passwordless sudo), builds the benchmarks in Release, starts a throwaway RabbitMQ node
# (own node name, ports on 127.0.0.1, data and logs under a temporary directory; PostgreSQL is started by
# the outbox benchmark itself as a throwaway cluster), runs every workload, stops what it started (also on
# failure or Ctrl-C), and writes DIR/REPORT.md, DIR/raw/*.json (the measurements) and DIR/*.png charts.
# Nothing here reaches beyond this machine: MassTransit's usage telemetry is disabled.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export MASSTRANSIT_USAGE_TELEMETRY=false

mode=full; out="$root/benchmarks/results"; only=""; build=1; charts=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) mode=quick ;;
    --out) out=$(realpath -m "$2"); shift ;;
    --only) only="$2"; shift ;;
    --no-build) build=0 ;;
    --no-charts) charts=0 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
wants() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }
log() { printf '[run.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
started_at=$(date +%s)

# --- what it needs, from Debian packages --------------------------------------------------------------
apt_packages=(rabbitmq-server postgresql)
[ "$charts" -eq 1 ] && apt_packages+=(gnuplot-nox)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
  log "installing Debian packages: ${missing[*]}"
  # policy-rc.d keeps the packages' own services from starting: this script starts its own throwaway nodes.
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || { log "could not install ${missing[*]}: run as root, or install them yourself"; exit 1; }
fi
if ! command -v gnuplot >/dev/null 2>&1; then charts=0; fi

# --- build ----------------------------------------------------------------------------------------------
bench_dir="$root/benchmarks/LogBus.Benchmarks"
bench_dll="$bench_dir/bin/Release/net10.0/LogBus.Benchmarks.dll"
if [ "$build" -eq 1 ] || [ ! -f "$bench_dll" ]; then
  log "building benchmarks (Release)"
  dotnet build "$bench_dir/LogBus.Benchmarks.csproj" -c Release -nologo -clp:ErrorsOnly -v:q >&2
fi
bench() { dotnet "$bench_dll" "$@"; }

# --- scratch space, and stopping what we start ------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/logbus-peers.XXXXXX")
rabbit_pid=""; epmd_port=""; node=""
cleanup() {
  local rc=$?
  set +e
  if [ -n "$node" ]; then
    log "stopping RabbitMQ node $node"
    rabbit_env rabbitmqctl -n "$node" -q stop >/dev/null 2>&1
    for _ in $(seq 1 30); do kill -0 "$rabbit_pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$rabbit_pid" 2>/dev/null && kill "$rabbit_pid" 2>/dev/null
    [ -n "$beam_pid" ] && kill -0 "$beam_pid" 2>/dev/null && kill "$beam_pid" 2>/dev/null
  fi
  if [ -n "$epmd_port" ]; then
    ERL_EPMD_PORT=$epmd_port epmd -kill >/dev/null 2>&1
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# A throwaway RabbitMQ node: its own name, cookie (HOME), epmd port, AMQP and distribution ports on
# 127.0.0.1, data and logs under $work. It never touches a system RabbitMQ service.
rabbit_env() {
  env HOME="$work/rabbit-home" ERL_EPMD_PORT="$epmd_port" ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    RABBITMQ_CONF_ENV_FILE="$work/rabbit-home/rabbitmq-env.conf" RABBITMQ_CONFIG_FILE="$work/rabbit-home/rabbitmq.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$work/rabbit-home/enabled_plugins" RABBITMQ_ADVANCED_CONFIG_FILE="$work/rabbit-home/advanced.config" \
    RABBITMQ_MNESIA_BASE="$work/rabbit-data" RABBITMQ_LOG_BASE="$work/rabbit-log" RABBITMQ_PID_FILE="$work/rabbit-home/rabbit.pid" \
    RABBITMQ_NODENAME="$node" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$amqp_port" RABBITMQ_DIST_PORT="$dist_port" \
    PATH="/usr/lib/rabbitmq/bin:$PATH" "$@"
}
beam_pid=""
start_rabbitmq() {
  amqp_port=$(free_port); dist_port=$(free_port); epmd_port=$(free_port); stream_port=$(free_port)
  node="logbus-bench-$$@localhost"
  mkdir -p "$work/rabbit-home" "$work/rabbit-data" "$work/rabbit-log"
  : > "$work/rabbit-home/rabbitmq-env.conf"
  # The stream plugin (stream protocol listener, here on 127.0.0.1 only); stream queues themselves are core.
  echo "[rabbitmq_stream]." > "$work/rabbit-home/enabled_plugins"
  echo "[]." > "$work/rabbit-home/advanced.config"
  cat > "$work/rabbit-home/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$amqp_port
stream.listeners.tcp.default = 127.0.0.1:$stream_port
stream.advertised_host = 127.0.0.1
loopback_users.guest = true
log.console = false
log.file.level = warning
EOF
  log "starting RabbitMQ node $node (AMQP 127.0.0.1:$amqp_port)"
  rabbit_env rabbitmq-server > "$work/rabbit-log/console.log" 2>&1 &
  rabbit_pid=$!
  local deadline=$(( $(date +%s) + 120 ))
  until [ "$(rabbit_env rabbitmqctl -n "$node" -q eval 'rabbit:is_running().' 2>/dev/null)" = "true" ]; do
    if ! kill -0 "$rabbit_pid" 2>/dev/null || [ "$(date +%s)" -gt "$deadline" ]; then
      log "RabbitMQ did not start; its logs:"; tail -n 40 "$work/rabbit-log/"*.log >&2; exit 1
    fi
    sleep 1
  done
  beam_pid=$(rabbit_env rabbitmqctl -n "$node" -q eval 'os:getpid().' | tr -d '"[:space:]')
  rabbit_version=$(rabbit_env rabbitmqctl -n "$node" -q eval 'rabbit_misc:version().' | tr -d '"[:space:]')
  erlang_version=$(rabbit_env rabbitmqctl -n "$node" -q eval 'erlang:system_info(otp_release).' | tr -d '"[:space:]')
  log "RabbitMQ $rabbit_version (OTP $erlang_version) running, beam pid $beam_pid"
}

if wants broker || wants framework || wants latency; then
  start_rabbitmq
fi

# --- the run --------------------------------------------------------------------------------------------
raw="$out/raw"
mkdir -p "$raw"
rm -f "$raw"/*.json "$raw"/*.log "$raw"/machine.env "$out"/*.png
quick_flag=(); [ "$mode" = quick ] && quick_flag=(--quick)

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
{
  echo "mode=$mode"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  # Local changes outside the results directory (which this run rewrites) make the commit inexact.
  echo "commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- . ':(exclude)benchmarks/results' 2>/dev/null || echo ' (with local changes)')"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cores=$(nproc)"
  echo "memory=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "kernel=$(uname -sr)"
  echo "os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
  echo "filesystem=$(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 { print $2 " (" $1 ")" }')"
  echo "dotnet=$(dotnet --version 2>/dev/null)"
  echo "rabbitmq=${rabbit_version:-not started}"
  echo "erlang=${erlang_version:+OTP }${erlang_version:-}"
  echo "postgresql=$([ -n "$pg_bin" ] && "$pg_bin/postgres" --version | sed 's/^postgres (PostgreSQL) //')"
  echo "gnuplot=$(command -v gnuplot >/dev/null 2>&1 && gnuplot --version)"
  echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$raw/machine.env"

failed=()
# run_workload KEY TIMEOUT BENCHMARK ARGS...: output to raw/KEY.log (and the terminal), results to raw/KEY.json.
run_workload() {
  local key=$1 limit=$2; shift 2
  wants "$key" || return 0
  log "workload $key ($mode)"
  local start=$(date +%s) rc=0
  timeout --kill-after=30 "$limit" dotnet "$bench_dll" "$@" "${quick_flag[@]}" --json "$raw/$key.json" 2>&1 | tee "$raw/$key.log" || rc=$?
  [ "$rc" -eq 0 ] && [ ! -s "$raw/$key.json" ] && rc=1
  if [ "$rc" -ne 0 ]; then
    failed+=("$key")
    log "workload $key FAILED (exit $rc); see $raw/$key.log"
  fi
  echo "seconds_$key=$(( $(date +%s) - start ))" >> "$raw/machine.env"
}
amqp=""
[ -n "$node" ] && amqp="amqp://guest:guest@127.0.0.1:$amqp_port/"
peer_args=(); [ -n "$amqp" ] && peer_args=(--amqp "$amqp" --server-pid "$beam_pid")
if [ "$mode" = quick ]; then t_small=180; t_big=420; else t_small=600; t_big=1800; fi

run_workload limits "$t_small" limits
run_workload broker "$t_big" broker-peers "${peer_args[@]}"
# The framework workloads host MassTransit and LogBus as an application would: .NET's default concurrent GC
# (the benchmark project turns it off for its own micro-benchmarks; MassTransit allocates enough to feel it).
DOTNET_gcConcurrent=1 run_workload framework "$t_big" framework-peers "${peer_args[@]}"
DOTNET_gcConcurrent=1 run_workload latency "$t_big" latency-peers "${peer_args[@]}"
outbox_args=(--transport embedded); [ "$mode" = quick ] && outbox_args+=(--backlog 40000 --seconds 5)
run_workload outbox "$t_big" outbox "${outbox_args[@]}"

echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$raw/machine.env"
echo "total_seconds=$(( $(date +%s) - started_at ))" >> "$raw/machine.env"
[ ${#failed[@]} -gt 0 ] && echo "failed=${failed[*]}" >> "$raw/machine.env"

# --- the report -------------------------------------------------------------------------------------------
chart_flag=(); [ "$charts" -eq 1 ] && chart_flag=(--charts)
dotnet "$bench_dll" report --raw "$raw" --out "$out" "${chart_flag[@]}"
log "report: $out/REPORT.md ($(( $(date +%s) - started_at )) s)"
[ ${#failed[@]} -eq 0 ] || { log "failed workloads: ${failed[*]}"; exit 1; }
