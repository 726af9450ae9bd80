# shellcheck shell=bash
# Prometheus and Alertmanager on this machine for ops/run, from the Debian prometheus and
# prometheus-alertmanager packages. Same job name, scrape interval, alert rules and Alertmanager config as
# compose.yaml, with 127.0.0.1 targets.
# Prometheus needs PROM_DIR (config, data and log), PROM_PORT, PROM_RETENTION, and sets PROM_PID;
# Alertmanager needs AM_DIR and AM_PORT, and sets AM_PID.
# PROM_SCRAPE_INTERVAL and PROM_EVALUATION_INTERVAL (defaults 10s and 30s, as in compose) exist for the
# live monitoring and ops/run tests, which cannot wait minutes for a rate() to have two samples; ops/run also
# reads PROM_RULE_FILE (default ops/prometheus/alerts.yml), for its test's copy of the rules with short holds.

# prom_scrape_target URLS [METRICS_PORT]: where the service serves /metrics: 127.0.0.1:METRICS_PORT when
# MetricsEndpoint__Port moved it there, else host:port of the first URL of an ASP.NET Core URLS value,
# a wildcard host (0.0.0.0, *, +, [::], localhost) being scraped on 127.0.0.1.
prom_scrape_target() {
  if [ -n "${2:-}" ]; then
    printf '127.0.0.1:%s\n' "$2"
    return 0
  fi
  local address=${1%%;*}
  address=${address#*://}
  address=${address%%/*}
  local host=${address%:*} port=${address##*:}
  if [ "$host" = "$address" ]; then
    port=80
  fi
  case "$host" in
    0.0.0.0 | '*' | + | '[::]' | localhost) host=127.0.0.1 ;;
  esac
  printf '%s:%s\n' "$host" "$port"
}

# prom_write_config TARGET RULES_FILE [USERNAME PASSWORD]: writes $PROM_DIR/prometheus.yml scraping
# TARGET, with basic auth when a username is given (the password goes to a file only its owner reads),
# sending alerts to the Alertmanager on 127.0.0.1:$AM_PORT when AM_PID says one runs.
prom_write_config() {
  local target=$1 rules=$2 username=${3:-} password=${4:-} dir=${PROM_DIR:?PROM_DIR is not set}
  mkdir -p "$dir"
  {
    cat <<EOF
# Written by ops/run for the Prometheus it starts; see ops/lib/prometheus.sh.
global:
  scrape_interval: ${PROM_SCRAPE_INTERVAL:-10s}
  evaluation_interval: ${PROM_EVALUATION_INTERVAL:-30s}

rule_files:
  - "$rules"
EOF
    if [ -n "${AM_PID:-}" ]; then
      cat <<EOF

alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:$AM_PORT"]
EOF
    fi
    cat <<EOF

scrape_configs:
  - job_name: minimal-backend
    metrics_path: /metrics
    static_configs:
      - targets: ["$target"]
EOF
    if [ -n "$username" ]; then
      (umask 077 && printf '%s' "$password" > "$dir/scrape.password")
      cat <<EOF
    basic_auth:
      username: "$username"
      password_file: "$dir/scrape.password"
EOF
    fi
  } > "$dir/prometheus.yml"
}

# wait_until_ready PID URL: polls URL while the process PID lives, for up to 60 s; returns 1 if it is never
# ready. Both start in about a second on an idle machine; on a loaded one Alertmanager once took over the 10 s
# this used to allow, and ops/run went on without it.
wait_until_ready() {
  local pid=$1 url=$2 deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      return 1
    fi
    if curl -fsS --max-time 5 -o /dev/null "$url" 2>/dev/null; then
      return 0
    fi
    sleep 0.25
  done
  return 1
}

# ready_or_stop NAME PID URL LOG: waits until the process is ready; else shows the end of its LOG, stops it
# and returns 1.
ready_or_stop() {
  local name=$1 pid=$2 url=$3 log=$4
  if wait_until_ready "$pid" "$url"; then
    return 0
  fi
  echo "$name did not start; the end of $log:" >&2
  tail -n 5 "$log" >&2
  stop_process "$pid"
  return 1
}

# stop_process PID: SIGTERM, then waits for it to end.
stop_process() {
  if [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}

# prom_start: starts Prometheus in the background on 127.0.0.1:$PROM_PORT and waits until it is ready;
# returns 1 (after showing the end of its log) when it does not get there. Exemplar storage keeps the trace_id
# exemplars of the latency histograms (query them at /api/v1/query_exemplars).
prom_start() {
  prometheus --config.file="$PROM_DIR/prometheus.yml" --storage.tsdb.path="$PROM_DIR/data" \
    --storage.tsdb.retention.time="$PROM_RETENTION" --web.listen-address="127.0.0.1:$PROM_PORT" \
    --enable-feature=exemplar-storage \
    > "$PROM_DIR/prometheus.log" 2>&1 &
  PROM_PID=$!
  ready_or_stop Prometheus "$PROM_PID" "http://127.0.0.1:$PROM_PORT/-/ready" "$PROM_DIR/prometheus.log" || { PROM_PID=; return 1; }
}

prom_stop() {
  stop_process "${PROM_PID:-}"
  PROM_PID=
}

# am_find_bin: sets AM_BIN to the Alertmanager server, which Debian's prometheus-alertmanager package names
# prometheus-alertmanager and upstream builds alertmanager; returns 1 when neither is installed.
am_find_bin() {
  AM_BIN=$(command -v prometheus-alertmanager || command -v alertmanager) || return 1
}

# am_start CONFIG WEBHOOK_URL: renders CONFIG (ops/alertmanager/config.yml) with render-config.sh, as
# compose does, into $AM_DIR/alertmanager.yml and starts Alertmanager on 127.0.0.1:$AM_PORT, its state in
# $AM_DIR/data; waits until it is ready, or returns 1 after showing the end of its log.
am_start() {
  local config=$1 webhook=$2 dir=${AM_DIR:?AM_DIR is not set}
  mkdir -p "$dir/data"
  ALERTMANAGER_WEBHOOK_URL=$webhook sh "$(dirname "$config")/render-config.sh" "$config" "$dir/alertmanager.yml" || return 1
  # No cluster: one Alertmanager, and no gossip port to collide with another one on this machine.
  "${AM_BIN:?AM_BIN is not set: call am_find_bin}" --config.file="$dir/alertmanager.yml" --storage.path="$dir/data" \
    --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= > "$dir/alertmanager.log" 2>&1 &
  AM_PID=$!
  ready_or_stop Alertmanager "$AM_PID" "http://127.0.0.1:$AM_PORT/-/ready" "$dir/alertmanager.log" || { AM_PID=; return 1; }
}

am_stop() {
  stop_process "${AM_PID:-}"
  AM_PID=
}
