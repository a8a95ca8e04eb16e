mkdir -p "$QK_STATE"
staged="$QK_STATE/daemon.json"
prev="$QK_STATE/daemon.json.prev"
absent="$QK_STATE/daemon.json.absent"
cat >"$staged" <<'QUEUEKIT_EOF'
{{daemonJson}}
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
  [ "$(docker -H "$(engine_host "$pid")" info --format '{{.LiveRestoreEnabled}} {{.LoggingDriver}}' 2>/dev/null)" = {{engineQ}} ]
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
  matches || fail "the engine does not run with $conf after its restart (expected live-restore and log driver {{engineQ}})"
else
  note "$conf unchanged and in force: engine not restarted"
fi
rm -f "$QK_STATE/daemon.json.rollback"
owned
