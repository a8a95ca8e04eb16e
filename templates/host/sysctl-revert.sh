conf={{confQ}}
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
