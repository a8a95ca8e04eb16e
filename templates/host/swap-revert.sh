swap={{swapQ}}
marker={{markerQ}}
entry="$swap none swap sw 0 0"
active() { awk -v f="$swap" '$1 == f { found = 1 } END { exit !found }' /proc/swaps; }
if ! owns; then
  note "a newer version of this step owns $swap: nothing to revert"
  exit 0
fi
if active; then swapoff "$swap" || fail "swapoff $swap failed (not enough free RAM to take its pages back?)"; fi
if grep -qxF -e "$entry" -e "$marker" /etc/fstab; then
  grep -vxF -e "$entry" -e "$marker" /etc/fstab >"$QK_STATE/fstab" || true
  cat "$QK_STATE/fstab" >/etc/fstab
  rm -f "$QK_STATE/fstab"
fi
rm -f "$swap"
note "swap file $swap removed"
disown
