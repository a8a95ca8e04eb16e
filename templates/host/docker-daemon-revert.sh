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
