mkdir -p "$QK_STATE"
cg={{cgroupQ}}
bytes={{bytes}}
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
