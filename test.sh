#!/usr/bin/env bash
# The one test command: installs what the tests need when it is missing, builds everything, runs every
# test project, and ends with exactly one line of its own: "N passed, N failed" (", N skipped" when any).
# Exits non-zero when any test fails or a test run breaks.
#
#   ./test.sh                      everything
#   ./test.sh --filter Category    extra arguments go to every `dotnet test`
#   LOGBUS_TEST_PROJECTS="LogBus.Tests LogBus.Protocol.Tests" ./test.sh    a subset of projects
set -uo pipefail
cd "$(dirname "$0")"
root=$(pwd)
results="$root/.test-results"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export MASSTRANSIT_USAGE_TELEMETRY=false

log() { printf '[test.sh] %s\n' "$*" >&2; }

# --- dependencies ---------------------------------------------------------------------------------
# Debian packages the tests drive (real servers and real third-party clients). Later features add
# theirs here. Installed only when missing; needs root (or passwordless sudo).
apt_packages=(postgresql kcat python3-kafka python3-confluent-kafka gnuplot-nox)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
  log "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || { log "could not install ${missing[*]} (run as root, or install them yourself)"; echo "0 passed, 1 failed"; exit 1; }
fi
# npm packages from committed lockfiles (real JavaScript Kafka clients for compatibility tests).
while IFS= read -r lock; do
  dir=$(dirname "$lock")
  if [ ! -d "$dir/node_modules" ] || [ "$lock" -nt "$dir/node_modules" ]; then
    log "npm ci in ${dir#$root/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2) || { log "npm ci failed in $dir"; echo "0 passed, 1 failed"; exit 1; }
  fi
done < <(find "$root/tests" -name package-lock.json -not -path '*/node_modules/*' 2>/dev/null)

# --- build ----------------------------------------------------------------------------------------
log "building (Release)"
if ! dotnet build "$root/Framework.sln" -c Release -nologo -clp:ErrorsOnly -v:q >&2; then
  log "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# --- run ------------------------------------------------------------------------------------------
rm -rf "$results"; mkdir -p "$results"
if [ -n "${LOGBUS_TEST_PROJECTS:-}" ]; then
  projects=(); for p in $LOGBUS_TEST_PROJECTS; do projects+=("$root/tests/$p/$p.csproj"); done
else
  mapfile -t projects < <(find "$root/tests" -name '*.Tests.csproj' -not -path '*/bin/*' -not -path '*/obj/*' | sort)
fi
passed=0; failed=0; skipped=0; broken=0
for proj in "${projects[@]}"; do
  name=$(basename "$proj" .csproj)
  log "running $name"
  dotnet test "$proj" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" --blame-hang-timeout 15m "$@" >&2
  rc=$?
  trx="$results/$name.trx"
  if [ ! -f "$trx" ]; then
    log "$name produced no results (exit $rc)"; broken=$((broken + 1)); continue
  fi
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  p=$(get passed); f=$(get failed); e=$(get error); t=$(get total); x=$(get executed)
  p=${p:-0}; f=${f:-0}; e=${e:-0}; t=${t:-0}; x=${x:-0}
  passed=$((passed + p)); failed=$((failed + f + e)); skipped=$((skipped + t - x))
  if [ "$rc" -ne 0 ] && [ $((f + e)) -eq 0 ]; then
    log "$name exited with $rc without a failed test (crash or hang)"; broken=$((broken + 1))
  fi
done
failed=$((failed + broken))
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
