# A Prometheus on this machine for ops/run, from the Debian prometheus package when it is installed.
# Same job name, scrape interval and alert rules as ops/prometheus/prometheus.yml (the compose one), with
# 127.0.0.1 targets and no Alertmanager: its alerts show on its own /alerts page.
# Needs: PROM_DIR (config, data and log), PROM_PORT, PROM_RETENTION. Sets PROM_PID.
# PROM_SCRAPE_INTERVAL and PROM_EVALUATION_INTERVAL (defaults 10s and 30s, as in compose) exist for the
# live monitoring test, which cannot wait minutes for a rate() to have two samples.

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
# TARGET, with basic auth when a username is given (the password goes to a file only its owner reads).
prom_write_config() {
  local target=$1 rules=$2 username=${3:-} password=${4:-}
  mkdir -p "$PROM_DIR"
  {
    cat <<EOF
# Written by ops/run for the Prometheus it starts; see ops/lib/prometheus.sh.
global:
  scrape_interval: ${PROM_SCRAPE_INTERVAL:-10s}
  evaluation_interval: ${PROM_EVALUATION_INTERVAL:-30s}

rule_files:
  - "$rules"

scrape_configs:
  - job_name: minimal-backend
    metrics_path: /metrics
    static_configs:
      - targets: ["$target"]
EOF
    if [ -n "$username" ]; then
      (umask 077 && printf '%s' "$password" > "$PROM_DIR/scrape.password")
      cat <<EOF
    basic_auth:
      username: "$username"
      password_file: "$PROM_DIR/scrape.password"
EOF
    fi
  } > "$PROM_DIR/prometheus.yml"
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
  local attempt
  for attempt in $(seq 1 40); do
    if ! kill -0 "$PROM_PID" 2>/dev/null; then
      break
    fi
    if curl -fsS -o /dev/null "http://127.0.0.1:$PROM_PORT/-/ready" 2>/dev/null; then
      return 0
    fi
    sleep 0.25
  done
  echo "Prometheus did not start; the end of $PROM_DIR/prometheus.log:" >&2
  tail -n 5 "$PROM_DIR/prometheus.log" >&2
  prom_stop
  return 1
}

prom_stop() {
  if [ -n "${PROM_PID:-}" ] && kill -0 "$PROM_PID" 2>/dev/null; then
    kill -TERM "$PROM_PID" 2>/dev/null || true
    wait "$PROM_PID" 2>/dev/null || true
  fi
  PROM_PID=
}
