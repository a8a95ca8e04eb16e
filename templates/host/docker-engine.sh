conf={{confQ}}
restart={{restart}}
alive() { [ -d "/proc/$1" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
# The running dockerd that reads $conf: its --config-file, or the default path when it has none.
engine_pid() {
  for d in /proc/[0-9]*; do
    [ "$(cat "$d/comm" 2>/dev/null)" = dockerd ] && alive "${d#/proc/}" || continue
    file=$(tr '\0' '\n' <"$d/cmdline" 2>/dev/null |
      awk 'p { print; exit } /^--config-file=/ { sub(/^[^=]*=/, ""); print; exit } /^--config-file$/ { p = 1 }')
    if [ "${file:-/etc/docker/daemon.json}" = "$conf" ]; then
      printf '%s\n' "${d#/proc/}"
      return 0
    fi
  done
  return 1
}
# Where that engine listens: its unix socket from -H/--host, else the default one.
engine_host() {
  h=$(tr '\0' '\n' <"/proc/$1/cmdline" |
    awk 'p { print; exit } /^(-H|--host)=/ { sub(/^[^=]*=/, ""); print; exit } /^(-H|--host)$/ { p = 1 }')
  case "$h" in unix://*) printf '%s\n' "$h" ;; *) printf 'unix:///var/run/docker.sock\n' ;; esac
}
engine_answers() {
  i=0
  until docker -H "$1" info >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -le 120 ] || return 1
    sleep 0.5
  done
}
# Restart the engine that reads $conf. `apply` first sends SIGHUP: live-restore is one of the settings dockerd
# reloads, so containers keep running across the restart. Not a systemd service (a dockerd started by hand):
# stopped, then started again detached with its own command line, environment and log.
restart_engine() {
  pid=$(engine_pid) || {
    note "no running dockerd reads $conf: it applies when the engine starts"
    return 0
  }
  host=$(engine_host "$pid")
  if [ "$1" = apply ]; then
    kill -HUP "$pid"
    sleep 1
  fi
  if [ -d /run/systemd/system ] && [ "$(systemctl show -p MainPID --value docker.service 2>/dev/null)" = "$pid" ]; then
    note "restarting docker.service"
    systemctl restart docker.service || return 1
  else
    note "restarting dockerd (pid $pid, started by hand) with its own command line"
    log=$(readlink "/proc/$pid/fd/2" 2>/dev/null || true)
    case "$log" in /*) [ -f "$log" ] || log=/var/log/queuekit-dockerd.log ;; *) log=/var/log/queuekit-dockerd.log ;; esac
    cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null || echo /)
    { printf 'env\0-i\0' && cat "/proc/$pid/environ" "/proc/$pid/cmdline"; } >"$QK_STATE/dockerd.argv"
    kill -TERM "$pid"
    i=0
    while alive "$pid"; do
      i=$((i + 1))
      [ "$i" -le 240 ] || return 1
      sleep 0.5
    done
    (cd "$cwd" 2>/dev/null || cd /
      xargs -0 sh -c 'setsid "$@" >>"$0" 2>&1 </dev/null &' "$log" <"$QK_STATE/dockerd.argv")
    rm -f "$QK_STATE/dockerd.argv"
  fi
  engine_answers "$host" || {
    note "the engine did not answer on $host within 60 s (log: ${log:-journalctl -u docker})"
    return 1
  }
  note "engine answers again: $(docker -H "$host" version --format '{{.Server.Version}}' 2>/dev/null)"
}
