mkdir -p "$QK_STATE"
conf={{confQ}}
prev="$QK_STATE/sysctl.prev"
want='{{want}}'
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
{{dropIn}}
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
