thp=/sys/kernel/mm/transparent_hugepage
unit={{unitQ}}
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
