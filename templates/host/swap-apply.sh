mkdir -p "$QK_STATE"
swap={{swapQ}}
bytes={{bytes}}
mib={{mib}}
marker={{markerQ}}
entry="$swap none swap sw 0 0"
active() { awk -v f="$swap" '$1 == f { found = 1 } END { exit !found }' /proc/swaps; }

if active && [ "$(stat -c %s "$swap")" = "$bytes" ]; then
  note "swap file $swap ($mib MiB) already in use"
else
  if active; then swapoff "$swap" || fail "swapoff $swap failed (not enough free RAM to take its pages back?)"; fi
  rm -f "$swap"
  free_kib=$(df -Pk "$QK_STATE" | awk 'NR == 2 { print $4 }')
  [ "$free_kib" -gt $((bytes / 1024 + 1048576)) ] ||
    fail "$((free_kib / 1024)) MiB free on the disk of $QK_STATE: not enough for a $mib MiB swap file and 1 GiB to spare"
  fallocate -l "$bytes" "$swap" 2>/dev/null || dd if=/dev/zero of="$swap" bs=1M count="$mib" 2>/dev/null ||
    fail "could not allocate $mib MiB at $swap"
  chmod 600 "$swap"
  mkswap "$swap" >/dev/null || fail "mkswap $swap failed"
  swapon "$swap" || fail "swapon $swap failed (a filesystem without swap files, e.g. btrfs with copy-on-write, or a container?)"
fi
# In /etc/fstab so it is back after a reboot; the marker line lets destroy remove exactly these lines.
if ! grep -qxF "$entry" /etc/fstab; then printf '%s\n%s\n' "$marker" "$entry" >>/etc/fstab; fi

active || fail "$swap is not in /proc/swaps after swapon"
note "swap file $swap: $mib MiB, $(awk -v f="$swap" '$1 == f { print $4 }' /proc/swaps) KiB used"
owned
