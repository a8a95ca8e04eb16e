mkdir -p "$QK_STATE"
thp=/sys/kernel/mm/transparent_hugepage
unit={{unitQ}}
mode={{mode}}
prev="$QK_STATE/thp.prev"
selected() { sed -n 's/.*\[\([a-z+]*\)\].*/\1/p' "$thp/$1"; }
for f in enabled defrag; do
  [ -w "$thp/$f" ] || fail "$thp/$f is missing or read-only: cannot set transparent huge pages to $mode"
done
command -v systemctl >/dev/null 2>&1 || fail "systemctl not found: THP $mode could be set now but would not survive a reboot"

# The values in force before queuekit, recorded once: a rerun keeps the first record.
[ -f "$prev" ] || printf 'enabled=%s\ndefrag=%s\n' "$(selected enabled)" "$(selected defrag)" >"$prev"

cat >"$unit.queuekit-tmp" <<'QUEUEKIT_EOF'
{{unitText}}
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
