#### boot (after: -) trigger 1d7414f3aa3878838b3422e342b82efbc2b25d505bf5e65730555ba953898c28
#### create
# queuekit step "boot", stack prod, on localhost
# Rendered by infra/render/host.ts; runs as root under POSIX sh, over SSH or on this machine.
set -eu
umask 022
QK_STEP=boot
QK_TARGET='localhost'
QK_STATE='/var/lib/queuekit/prod'
QK_HASH=1d7414f3aa3878838b3422e342b82efbc2b25d505bf5e65730555ba953898c28
qk_failed=
fail() {
  qk_failed=1
  printf 'queuekit: step "%s" on %s failed: %s\n' "$QK_STEP" "$QK_TARGET" "$*" >&2
  exit 1
}
qk_on_exit() {
  qk_rc=$?
  if [ "$qk_rc" -ne 0 ] && [ -z "$qk_failed" ]; then
    printf 'queuekit: step "%s" on %s failed (exit %s); the lines above say where\n' "$QK_STEP" "$QK_TARGET" "$qk_rc" >&2
  fi
}
trap qk_on_exit EXIT
note() { printf '%s: %s\n' "$QK_STEP" "$*"; }
# The version of a step whose content is in place owns it; an older version replaced by a newer one reverts nothing.
owns() { [ "$(cat "$QK_STATE/$QK_STEP.owner" 2>/dev/null)" = "$QK_HASH" ]; }
owned() { printf '%s\n' "$QK_HASH" >"$QK_STATE/$QK_STEP.owner"; }
disown() {
  rm -f "$QK_STATE/$QK_STEP.owner"
  rmdir "$QK_STATE" "${QK_STATE%/*}" 2>/dev/null || true
}
[ "$(id -u)" = 0 ] || fail "needs root: connect as root (host.connection.user), or run pulumi as root for the local target"
# A VPS answers SSH before it has finished booting: let cloud-init and systemd finish first.
if command -v cloud-init >/dev/null 2>&1; then
  note "waiting for cloud-init"
  cloud-init status --wait >/dev/null 2>&1 || note "cloud-init reports an error (continuing)"
fi
if [ -d /run/systemd/system ]; then
  timeout 300 systemctl is-system-running --wait >/dev/null 2>&1 || true
fi
mem_kib=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
os=$(. /etc/os-release 2>/dev/null && printf '%s' "${PRETTY_NAME:-}")
note "$(uname -sr), ${os:-unknown OS}, $((mem_kib / 1024)) MiB RAM, $(nproc) CPUs"
# The kernel keeps some RAM for itself, so a 2048 MiB VPS shows a little less; much less means host.memory is wrong.
[ "$mem_kib" -ge 1782579 ] ||
  fail "host.memory is 2048 MiB but this host has $((mem_kib / 1024)) MiB: the memory plan would not fit; set host.memory to the host's RAM"

#### docker-install (after: boot) trigger 7eaca55d3130d13c63dcdc55aa7d22c906477e3853365b586b4482ea5cd89834
#### create
# queuekit step "docker-install", stack prod, on localhost
# Rendered by infra/render/host.ts; runs as root under POSIX sh, over SSH or on this machine.
set -eu
umask 022
QK_STEP=docker-install
QK_TARGET='localhost'
QK_STATE='/var/lib/queuekit/prod'
QK_HASH=7eaca55d3130d13c63dcdc55aa7d22c906477e3853365b586b4482ea5cd89834
qk_failed=
fail() {
  qk_failed=1
  printf 'queuekit: step "%s" on %s failed: %s\n' "$QK_STEP" "$QK_TARGET" "$*" >&2
  exit 1
}
qk_on_exit() {
  qk_rc=$?
  if [ "$qk_rc" -ne 0 ] && [ -z "$qk_failed" ]; then
    printf 'queuekit: step "%s" on %s failed (exit %s); the lines above say where\n' "$QK_STEP" "$QK_TARGET" "$qk_rc" >&2
  fi
}
trap qk_on_exit EXIT
note() { printf '%s: %s\n' "$QK_STEP" "$*"; }
# The version of a step whose content is in place owns it; an older version replaced by a newer one reverts nothing.
owns() { [ "$(cat "$QK_STATE/$QK_STEP.owner" 2>/dev/null)" = "$QK_HASH" ]; }
owned() { printf '%s\n' "$QK_HASH" >"$QK_STATE/$QK_STEP.owner"; }
disown() {
  rm -f "$QK_STATE/$QK_STEP.owner"
  rmdir "$QK_STATE" "${QK_STATE%/*}" 2>/dev/null || true
}
[ "$(id -u)" = 0 ] || fail "needs root: connect as root (host.connection.user), or run pulumi as root for the local target"
if command -v dockerd >/dev/null 2>&1; then
  note "Docker engine present: $(dockerd --version)"
  exit 0
fi
os=$(. /etc/os-release 2>/dev/null && printf ' %s %s |%s' "${ID:-}" "${ID_LIKE:-}" "${PRETTY_NAME:-this OS}")
case "${os%%|*} " in
  *" debian "* | *" ubuntu "*) ;;
  *) fail "Docker is not installed and ${os#*|} is not Debian or Ubuntu: install Docker Engine, then run pulumi up again" ;;
esac
# docker.io comes from the distribution's own archive: no third-party repository or key to manage.
note "installing docker.io"
export DEBIAN_FRONTEND=noninteractive
apt-get -q -o DPkg::Lock::Timeout=300 update </dev/null || fail "apt-get update failed"
apt-get -q -y -o DPkg::Lock::Timeout=300 install docker.io </dev/null || fail "apt-get install docker.io failed"
if [ -d /run/systemd/system ]; then systemctl enable --now docker.service || fail "systemctl enable --now docker failed"; fi
note "installed $(dockerd --version)"

#### docker-daemon (after: docker-install) trigger 6ae7ccdc2afb56cf12083d75583cc8a029fbd53f638ea4a773886ddfb94ca6fb
#### create
# queuekit step "docker-daemon", stack prod, on localhost
# Rendered by infra/render/host.ts; runs as root under POSIX sh, over SSH or on this machine.
set -eu
umask 022
QK_STEP=docker-daemon
QK_TARGET='localhost'
QK_STATE='/var/lib/queuekit/prod'
QK_HASH=6ae7ccdc2afb56cf12083d75583cc8a029fbd53f638ea4a773886ddfb94ca6fb
qk_failed=
fail() {
  qk_failed=1
  printf 'queuekit: step "%s" on %s failed: %s\n' "$QK_STEP" "$QK_TARGET" "$*" >&2
  exit 1
}
qk_on_exit() {
  qk_rc=$?
  if [ "$qk_rc" -ne 0 ] && [ -z "$qk_failed" ]; then
    printf 'queuekit: step "%s" on %s failed (exit %s); the lines above say where\n' "$QK_STEP" "$QK_TARGET" "$qk_rc" >&2
  fi
}
trap qk_on_exit EXIT
note() { printf '%s: %s\n' "$QK_STEP" "$*"; }
# The version of a step whose content is in place owns it; an older version replaced by a newer one reverts nothing.
owns() { [ "$(cat "$QK_STATE/$QK_STEP.owner" 2>/dev/null)" = "$QK_HASH" ]; }
owned() { printf '%s\n' "$QK_HASH" >"$QK_STATE/$QK_STEP.owner"; }
disown() {
  rm -f "$QK_STATE/$QK_STEP.owner"
  rmdir "$QK_STATE" "${QK_STATE%/*}" 2>/dev/null || true
}
[ "$(id -u)" = 0 ] || fail "needs root: connect as root (host.connection.user), or run pulumi as root for the local target"
conf='/etc/docker/daemon.json'
restart=auto
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
mkdir -p "$QK_STATE"
staged="$QK_STATE/daemon.json"
prev="$QK_STATE/daemon.json.prev"
absent="$QK_STATE/daemon.json.absent"
cat >"$staged" <<'QUEUEKIT_EOF'
{
  "live-restore": true,
  "log-driver": "json-file",
  "log-opts": {
    "max-size": "10m",
    "max-file": "3"
  }
}
QUEUEKIT_EOF

# dockerd >= 23 validates a config file by itself; older ones get a JSON syntax check (and the rollback below).
if dockerd --help 2>&1 | grep -q -- '--validate'; then
  dockerd --validate --config-file "$staged" >/dev/null || fail "dockerd --validate refused the rendered daemon.json"
elif command -v python3 >/dev/null 2>&1; then
  python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$staged" || fail "the rendered daemon.json is not valid JSON"
fi

# The file in place before queuekit, recorded once: a rerun keeps the first record.
if [ ! -f "$prev" ] && [ ! -f "$absent" ]; then
  if [ -f "$conf" ]; then cp -p "$conf" "$prev"; else : >"$absent"; fi
fi

changed=yes
if [ -f "$conf" ] && cmp -s "$staged" "$conf"; then changed=no; fi
matches() {
  pid=$(engine_pid) || return 0
  [ "$(docker -H "$(engine_host "$pid")" info --format '{{.LiveRestoreEnabled}} {{.LoggingDriver}}' 2>/dev/null)" = 'true json-file' ]
}
if [ "$changed" = yes ]; then
  mkdir -p "${conf%/*}"
  if [ -f "$conf" ]; then cp -p "$conf" "$QK_STATE/daemon.json.rollback"; else rm -f "$QK_STATE/daemon.json.rollback"; fi
  cp "$staged" "$conf.queuekit-tmp"
  mv -f "$conf.queuekit-tmp" "$conf"
  note "$conf written"
fi
if [ "$restart" = never ]; then
  [ "$changed" = no ] || note "restart the Docker engine to apply $conf (restart: never)"
elif [ "$changed" = yes ] || ! matches; then
  if ! restart_engine apply; then
    if [ -f "$QK_STATE/daemon.json.rollback" ]; then mv -f "$QK_STATE/daemon.json.rollback" "$conf"; else rm -f "$conf"; fi
    restart_engine revert || true
    fail "the Docker engine did not come back with the new $conf; the previous file is back in place"
  fi
  matches || fail "the engine does not run with $conf after its restart (expected live-restore and log driver 'true json-file')"
else
  note "$conf unchanged and in force: engine not restarted"
fi
rm -f "$QK_STATE/daemon.json.rollback"
owned
#### delete
# queuekit step "docker-daemon", stack prod, on localhost
# Rendered by infra/render/host.ts; runs as root under POSIX sh, over SSH or on this machine.
set -eu
umask 022
QK_STEP=docker-daemon
QK_TARGET='localhost'
QK_STATE='/var/lib/queuekit/prod'
QK_HASH=6ae7ccdc2afb56cf12083d75583cc8a029fbd53f638ea4a773886ddfb94ca6fb
qk_failed=
fail() {
  qk_failed=1
  printf 'queuekit: step "%s" on %s failed: %s\n' "$QK_STEP" "$QK_TARGET" "$*" >&2
  exit 1
}
qk_on_exit() {
  qk_rc=$?
  if [ "$qk_rc" -ne 0 ] && [ -z "$qk_failed" ]; then
    printf 'queuekit: step "%s" on %s failed (exit %s); the lines above say where\n' "$QK_STEP" "$QK_TARGET" "$qk_rc" >&2
  fi
}
trap qk_on_exit EXIT
note() { printf '%s: %s\n' "$QK_STEP" "$*"; }
# The version of a step whose content is in place owns it; an older version replaced by a newer one reverts nothing.
owns() { [ "$(cat "$QK_STATE/$QK_STEP.owner" 2>/dev/null)" = "$QK_HASH" ]; }
owned() { printf '%s\n' "$QK_HASH" >"$QK_STATE/$QK_STEP.owner"; }
disown() {
  rm -f "$QK_STATE/$QK_STEP.owner"
  rmdir "$QK_STATE" "${QK_STATE%/*}" 2>/dev/null || true
}
[ "$(id -u)" = 0 ] || fail "needs root: connect as root (host.connection.user), or run pulumi as root for the local target"
conf='/etc/docker/daemon.json'
restart=auto
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
staged="$QK_STATE/daemon.json"
prev="$QK_STATE/daemon.json.prev"
absent="$QK_STATE/daemon.json.absent"
if ! owns; then
  note "a newer version of this step owns $conf: nothing to revert"
  exit 0
fi
before=$(cat "$conf" 2>/dev/null || true)
if [ -f "$prev" ]; then
  cp -p "$prev" "$conf.queuekit-tmp"
  mv -f "$conf.queuekit-tmp" "$conf"
  note "$conf restored"
elif [ -f "$absent" ]; then
  rm -f "$conf"
  note "$conf removed (there was none before)"
fi
if [ "$before" != "$(cat "$conf" 2>/dev/null || true)" ] && [ "$restart" != never ]; then
  restart_engine revert || fail "the Docker engine did not come back with the restored $conf"
fi
rm -f "$prev" "$absent" "$staged"
disown

#### sysctl (after: boot) trigger e6539e83d023da7c82227fc44fb8daf782a3818e3007d3dde9b8c725a0a67273
#### create
# queuekit step "sysctl", stack prod, on localhost
# Rendered by infra/render/host.ts; runs as root under POSIX sh, over SSH or on this machine.
set -eu
umask 022
QK_STEP=sysctl
QK_TARGET='localhost'
QK_STATE='/var/lib/queuekit/prod'
QK_HASH=e6539e83d023da7c82227fc44fb8daf782a3818e3007d3dde9b8c725a0a67273
qk_failed=
fail() {
  qk_failed=1
  printf 'queuekit: step "%s" on %s failed: %s\n' "$QK_STEP" "$QK_TARGET" "$*" >&2
  exit 1
}
qk_on_exit() {
  qk_rc=$?
  if [ "$qk_rc" -ne 0 ] && [ -z "$qk_failed" ]; then
    printf 'queuekit: step "%s" on %s failed (exit %s); the lines above say where\n' "$QK_STEP" "$QK_TARGET" "$qk_rc" >&2
  fi
}
trap qk_on_exit EXIT
note() { printf '%s: %s\n' "$QK_STEP" "$*"; }
# The version of a step whose content is in place owns it; an older version replaced by a newer one reverts nothing.
owns() { [ "$(cat "$QK_STATE/$QK_STEP.owner" 2>/dev/null)" = "$QK_HASH" ]; }
owned() { printf '%s\n' "$QK_HASH" >"$QK_STATE/$QK_STEP.owner"; }
disown() {
  rm -f "$QK_STATE/$QK_STEP.owner"
  rmdir "$QK_STATE" "${QK_STATE%/*}" 2>/dev/null || true
}
[ "$(id -u)" = 0 ] || fail "needs root: connect as root (host.connection.user), or run pulumi as root for the local target"
mkdir -p "$QK_STATE"
conf='/etc/sysctl.d/90-queuekit-prod.conf'
prev="$QK_STATE/sysctl.prev"
want='vm.overcommit_memory=1
vm.swappiness=1
net.core.somaxconn=4096'
proc_path() { printf '/proc/sys/%s' "$(printf '%s' "$1" | tr . /)"; }

# The values in force before queuekit, recorded once: a rerun keeps the first record.
touch "$prev"
for kv in $want; do
  key=${kv%%=*}
  path=$(proc_path "$key")
  [ -w "$path" ] || fail "$path is missing or read-only, so $key cannot be set (a container, or a kernel without it?)"
  grep -q "^$key=" "$prev" || printf '%s=%s\n' "$key" "$(cat "$path")" >>"$prev"
done

# A file applied after this one at boot with another value would undo it on every reboot.
for file in /etc/sysctl.d/*.conf /run/sysctl.d/*.conf /usr/local/lib/sysctl.d/*.conf /usr/lib/sysctl.d/*.conf /lib/sysctl.d/*.conf /etc/sysctl.conf; do
  [ -f "$file" ] && [ "$file" != "$conf" ] || continue
  if [ "$file" != /etc/sysctl.conf ]; then
    last=$(printf '%s\n%s\n' "${file##*/}" "${conf##*/}" | LC_ALL=C sort | tail -n 1)
    [ "$last" = "${file##*/}" ] || continue
  fi
  for kv in $want; do
    key=${kv%%=*}
    other=$(awk -F= -v k="$key" '{ gsub(/^[ \t-]+|[ \t]+$/, "", $1) } $1 == k { v = $2; gsub(/^[ \t]+|[ \t]+$/, "", v) } END { print v }' "$file")
    [ -z "$other" ] || [ "$other" = "${kv#*=}" ] ||
      fail "$file sets $key = $other and is read after $conf at boot: remove that line so $key = ${kv#*=} survives a reboot"
  done
done

cat >"$conf.queuekit-tmp" <<'QUEUEKIT_EOF'
# queuekit (prod): kernel settings for Redis and Celery in containers.
# Written by Pulumi (VpsHost); `pulumi destroy` removes this file and restores the values in force before.
# Redis forks for every RDB save and AOF rewrite; with overcommit 0 or 2 the kernel may refuse that fork.
vm.overcommit_memory = 1
# Containers run without swap (memorySwap == memory); host swap, if any, is a last resort for host daemons.
vm.swappiness = 1
# Accept-queue cap for listening sockets on the host network; Redis' tcp-backlog (511) is cut to it.
net.core.somaxconn = 4096
QUEUEKIT_EOF
mv -f "$conf.queuekit-tmp" "$conf"

for kv in $want; do
  printf '%s\n' "${kv#*=}" >"$(proc_path "${kv%%=*}")" || fail "the kernel refused ${kv%%=*} = ${kv#*=}"
done
for kv in $want; do
  got=$(cat "$(proc_path "${kv%%=*}")")
  [ "$got" = "${kv#*=}" ] || fail "${kv%%=*} reads back as $got after writing ${kv#*=}"
  note "${kv%%=*} = $got"
done
owned
#### delete
# queuekit step "sysctl", stack prod, on localhost
# Rendered by infra/render/host.ts; runs as root under POSIX sh, over SSH or on this machine.
set -eu
umask 022
QK_STEP=sysctl
QK_TARGET='localhost'
QK_STATE='/var/lib/queuekit/prod'
QK_HASH=e6539e83d023da7c82227fc44fb8daf782a3818e3007d3dde9b8c725a0a67273
qk_failed=
fail() {
  qk_failed=1
  printf 'queuekit: step "%s" on %s failed: %s\n' "$QK_STEP" "$QK_TARGET" "$*" >&2
  exit 1
}
qk_on_exit() {
  qk_rc=$?
  if [ "$qk_rc" -ne 0 ] && [ -z "$qk_failed" ]; then
    printf 'queuekit: step "%s" on %s failed (exit %s); the lines above say where\n' "$QK_STEP" "$QK_TARGET" "$qk_rc" >&2
  fi
}
trap qk_on_exit EXIT
note() { printf '%s: %s\n' "$QK_STEP" "$*"; }
# The version of a step whose content is in place owns it; an older version replaced by a newer one reverts nothing.
owns() { [ "$(cat "$QK_STATE/$QK_STEP.owner" 2>/dev/null)" = "$QK_HASH" ]; }
owned() { printf '%s\n' "$QK_HASH" >"$QK_STATE/$QK_STEP.owner"; }
disown() {
  rm -f "$QK_STATE/$QK_STEP.owner"
  rmdir "$QK_STATE" "${QK_STATE%/*}" 2>/dev/null || true
}
[ "$(id -u)" = 0 ] || fail "needs root: connect as root (host.connection.user), or run pulumi as root for the local target"
conf='/etc/sysctl.d/90-queuekit-prod.conf'
prev="$QK_STATE/sysctl.prev"
proc_path() { printf '/proc/sys/%s' "$(printf '%s' "$1" | tr . /)"; }
if ! owns; then
  note "a newer version of this step owns $conf: nothing to revert"
  exit 0
fi
rm -f "$conf"
if [ -f "$prev" ]; then
  while IFS= read -r kv; do
    [ -n "$kv" ] || continue
    printf '%s\n' "${kv#*=}" >"$(proc_path "${kv%%=*}")" || fail "the kernel refused to restore ${kv%%=*} = ${kv#*=}"
    got=$(cat "$(proc_path "${kv%%=*}")")
    [ "$got" = "${kv#*=}" ] || fail "${kv%%=*} reads back as $got after restoring ${kv#*=}"
    note "restored ${kv%%=*} = $got"
  done <"$prev"
  rm -f "$prev"
fi
disown

#### thp (after: boot) trigger 7df922ca931257478588f0b95c3f91c74e3df2bfd2e2dfeabdc7925abfb7356f
#### create
# queuekit step "thp", stack prod, on localhost
# Rendered by infra/render/host.ts; runs as root under POSIX sh, over SSH or on this machine.
set -eu
umask 022
QK_STEP=thp
QK_TARGET='localhost'
QK_STATE='/var/lib/queuekit/prod'
QK_HASH=7df922ca931257478588f0b95c3f91c74e3df2bfd2e2dfeabdc7925abfb7356f
qk_failed=
fail() {
  qk_failed=1
  printf 'queuekit: step "%s" on %s failed: %s\n' "$QK_STEP" "$QK_TARGET" "$*" >&2
  exit 1
}
qk_on_exit() {
  qk_rc=$?
  if [ "$qk_rc" -ne 0 ] && [ -z "$qk_failed" ]; then
    printf 'queuekit: step "%s" on %s failed (exit %s); the lines above say where\n' "$QK_STEP" "$QK_TARGET" "$qk_rc" >&2
  fi
}
trap qk_on_exit EXIT
note() { printf '%s: %s\n' "$QK_STEP" "$*"; }
# The version of a step whose content is in place owns it; an older version replaced by a newer one reverts nothing.
owns() { [ "$(cat "$QK_STATE/$QK_STEP.owner" 2>/dev/null)" = "$QK_HASH" ]; }
owned() { printf '%s\n' "$QK_HASH" >"$QK_STATE/$QK_STEP.owner"; }
disown() {
  rm -f "$QK_STATE/$QK_STEP.owner"
  rmdir "$QK_STATE" "${QK_STATE%/*}" 2>/dev/null || true
}
[ "$(id -u)" = 0 ] || fail "needs root: connect as root (host.connection.user), or run pulumi as root for the local target"
mkdir -p "$QK_STATE"
thp=/sys/kernel/mm/transparent_hugepage
unit='/etc/systemd/system/queuekit-thp-prod.service'
mode=never
prev="$QK_STATE/thp.prev"
selected() { sed -n 's/.*\[\([a-z+]*\)\].*/\1/p' "$thp/$1"; }
for f in enabled defrag; do
  [ -w "$thp/$f" ] || fail "$thp/$f is missing or read-only: cannot set transparent huge pages to $mode"
done
command -v systemctl >/dev/null 2>&1 || fail "systemctl not found: THP $mode could be set now but would not survive a reboot"

# The values in force before queuekit, recorded once: a rerun keeps the first record.
[ -f "$prev" ] || printf 'enabled=%s\ndefrag=%s\n' "$(selected enabled)" "$(selected defrag)" >"$prev"

cat >"$unit.queuekit-tmp" <<'QUEUEKIT_EOF'
# queuekit (prod): written by Pulumi (VpsHost); `pulumi destroy` disables and removes it.
# With THP "always", a forked Redis save copies whole 2 MiB pages on write: memory spikes and latency.
[Unit]
Description=queuekit (prod): transparent huge pages never, for Redis
DefaultDependencies=no
After=sysinit.target local-fs.target
Before=basic.target docker.service
ConditionPathIsReadWrite=/sys/kernel/mm/transparent_hugepage/enabled

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'echo never >/sys/kernel/mm/transparent_hugepage/enabled && echo never >/sys/kernel/mm/transparent_hugepage/defrag'

[Install]
WantedBy=basic.target
QUEUEKIT_EOF
mv -f "$unit.queuekit-tmp" "$unit"
if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
# `enable` only links the unit into basic.target.wants: it works with or without a running systemd.
systemctl enable "${unit##*/}" 2>&1 || fail "systemctl enable ${unit##*/} failed"

for f in enabled defrag; do
  printf '%s\n' "$mode" >"$thp/$f" || fail "the kernel refused $mode in $thp/$f"
done
if [ -d /run/systemd/system ]; then systemctl restart "${unit##*/}" || fail "systemctl restart ${unit##*/} failed"; fi
for f in enabled defrag; do
  got=$(selected "$f")
  [ "$got" = "$mode" ] || fail "$thp/$f reads back as $got after writing $mode"
  note "transparent_hugepage/$f = $got"
done
owned
#### delete
# queuekit step "thp", stack prod, on localhost
# Rendered by infra/render/host.ts; runs as root under POSIX sh, over SSH or on this machine.
set -eu
umask 022
QK_STEP=thp
QK_TARGET='localhost'
QK_STATE='/var/lib/queuekit/prod'
QK_HASH=7df922ca931257478588f0b95c3f91c74e3df2bfd2e2dfeabdc7925abfb7356f
qk_failed=
fail() {
  qk_failed=1
  printf 'queuekit: step "%s" on %s failed: %s\n' "$QK_STEP" "$QK_TARGET" "$*" >&2
  exit 1
}
qk_on_exit() {
  qk_rc=$?
  if [ "$qk_rc" -ne 0 ] && [ -z "$qk_failed" ]; then
    printf 'queuekit: step "%s" on %s failed (exit %s); the lines above say where\n' "$QK_STEP" "$QK_TARGET" "$qk_rc" >&2
  fi
}
trap qk_on_exit EXIT
note() { printf '%s: %s\n' "$QK_STEP" "$*"; }
# The version of a step whose content is in place owns it; an older version replaced by a newer one reverts nothing.
owns() { [ "$(cat "$QK_STATE/$QK_STEP.owner" 2>/dev/null)" = "$QK_HASH" ]; }
owned() { printf '%s\n' "$QK_HASH" >"$QK_STATE/$QK_STEP.owner"; }
disown() {
  rm -f "$QK_STATE/$QK_STEP.owner"
  rmdir "$QK_STATE" "${QK_STATE%/*}" 2>/dev/null || true
}
[ "$(id -u)" = 0 ] || fail "needs root: connect as root (host.connection.user), or run pulumi as root for the local target"
thp=/sys/kernel/mm/transparent_hugepage
unit='/etc/systemd/system/queuekit-thp-prod.service'
prev="$QK_STATE/thp.prev"
selected() { sed -n 's/.*\[\([a-z+]*\)\].*/\1/p' "$thp/$1"; }
if ! owns; then
  note "a newer version of this step owns $unit: nothing to revert"
  exit 0
fi
if [ -f "$unit" ]; then
  if [ -d /run/systemd/system ]; then systemctl stop "${unit##*/}" || true; fi
  systemctl disable "${unit##*/}" 2>&1 || fail "systemctl disable ${unit##*/} failed"
  rm -f "$unit"
  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
fi
if [ -f "$prev" ]; then
  while IFS='=' read -r f value; do
    [ -n "$value" ] || continue
    printf '%s\n' "$value" >"$thp/$f" || fail "the kernel refused to restore $value in $thp/$f"
    got=$(selected "$f")
    [ "$got" = "$value" ] || fail "$thp/$f reads back as $got after restoring $value"
    note "restored transparent_hugepage/$f = $got"
  done <"$prev"
  rm -f "$prev"
fi
disown

#### cgroup (after: boot) trigger 08a5172163f751a243917c5982053bb7a13c8f7292807e97088604eb7dd8072f
#### create
# queuekit step "cgroup", stack prod, on localhost
# Rendered by infra/render/host.ts; runs as root under POSIX sh, over SSH or on this machine.
set -eu
umask 022
QK_STEP=cgroup
QK_TARGET='localhost'
QK_STATE='/var/lib/queuekit/prod'
QK_HASH=08a5172163f751a243917c5982053bb7a13c8f7292807e97088604eb7dd8072f
qk_failed=
fail() {
  qk_failed=1
  printf 'queuekit: step "%s" on %s failed: %s\n' "$QK_STEP" "$QK_TARGET" "$*" >&2
  exit 1
}
qk_on_exit() {
  qk_rc=$?
  if [ "$qk_rc" -ne 0 ] && [ -z "$qk_failed" ]; then
    printf 'queuekit: step "%s" on %s failed (exit %s); the lines above say where\n' "$QK_STEP" "$QK_TARGET" "$qk_rc" >&2
  fi
}
trap qk_on_exit EXIT
note() { printf '%s: %s\n' "$QK_STEP" "$*"; }
# The version of a step whose content is in place owns it; an older version replaced by a newer one reverts nothing.
owns() { [ "$(cat "$QK_STATE/$QK_STEP.owner" 2>/dev/null)" = "$QK_HASH" ]; }
owned() { printf '%s\n' "$QK_HASH" >"$QK_STATE/$QK_STEP.owner"; }
disown() {
  rm -f "$QK_STATE/$QK_STEP.owner"
  rmdir "$QK_STATE" "${QK_STATE%/*}" 2>/dev/null || true
}
[ "$(id -u)" = 0 ] || fail "needs root: connect as root (host.connection.user), or run pulumi as root for the local target"
mkdir -p "$QK_STATE"
cg='/sys/fs/cgroup/memory/queuekit-prod'
bytes=2147483648
[ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ] ||
  fail "host.emulate needs cgroup v1 with its memory controller at /sys/fs/cgroup/memory (cgroup v2 or the systemd driver would need a slice)"
mkdir -p "$cg"
# memsw (memory + swap) may never be below memory: try it first when raising, again after memory when lowering.
if [ -f "$cg/memory.memsw.limit_in_bytes" ]; then printf '%s\n' "$bytes" >"$cg/memory.memsw.limit_in_bytes" 2>/dev/null || true; fi
printf '%s\n' "$bytes" >"$cg/memory.limit_in_bytes" || fail "the kernel refused memory.limit_in_bytes = $bytes (the containers in $cg use more?)"
if [ -f "$cg/memory.memsw.limit_in_bytes" ]; then
  printf '%s\n' "$bytes" >"$cg/memory.memsw.limit_in_bytes" || fail "the kernel refused memory.memsw.limit_in_bytes = $bytes"
fi
got=$(cat "$cg/memory.limit_in_bytes")
[ "$got" = "$bytes" ] || fail "$cg/memory.limit_in_bytes reads back as $got, expected $bytes"
note "$cg: memory.limit_in_bytes = $got$([ -f "$cg/memory.memsw.limit_in_bytes" ] && printf ', memory.memsw.limit_in_bytes = %s' "$(cat "$cg/memory.memsw.limit_in_bytes")")"
owned
#### delete
# queuekit step "cgroup", stack prod, on localhost
# Rendered by infra/render/host.ts; runs as root under POSIX sh, over SSH or on this machine.
set -eu
umask 022
QK_STEP=cgroup
QK_TARGET='localhost'
QK_STATE='/var/lib/queuekit/prod'
QK_HASH=08a5172163f751a243917c5982053bb7a13c8f7292807e97088604eb7dd8072f
qk_failed=
fail() {
  qk_failed=1
  printf 'queuekit: step "%s" on %s failed: %s\n' "$QK_STEP" "$QK_TARGET" "$*" >&2
  exit 1
}
qk_on_exit() {
  qk_rc=$?
  if [ "$qk_rc" -ne 0 ] && [ -z "$qk_failed" ]; then
    printf 'queuekit: step "%s" on %s failed (exit %s); the lines above say where\n' "$QK_STEP" "$QK_TARGET" "$qk_rc" >&2
  fi
}
trap qk_on_exit EXIT
note() { printf '%s: %s\n' "$QK_STEP" "$*"; }
# The version of a step whose content is in place owns it; an older version replaced by a newer one reverts nothing.
owns() { [ "$(cat "$QK_STATE/$QK_STEP.owner" 2>/dev/null)" = "$QK_HASH" ]; }
owned() { printf '%s\n' "$QK_HASH" >"$QK_STATE/$QK_STEP.owner"; }
disown() {
  rm -f "$QK_STATE/$QK_STEP.owner"
  rmdir "$QK_STATE" "${QK_STATE%/*}" 2>/dev/null || true
}
[ "$(id -u)" = 0 ] || fail "needs root: connect as root (host.connection.user), or run pulumi as root for the local target"
cg='/sys/fs/cgroup/memory/queuekit-prod'
if ! owns; then
  note "a newer version of this step owns $cg: nothing to revert"
  exit 0
fi
if [ -d "$cg" ]; then
  rmdir "$cg" || fail "$cg still holds containers ($(cat "$cg/cgroup.procs" 2>/dev/null | wc -l) processes): remove them first"
  note "$cg removed"
fi
disown
