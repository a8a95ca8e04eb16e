cg={{cgroupQ}}
if ! owns; then
  note "a newer version of this step owns $cg: nothing to revert"
  exit 0
fi
if [ -d "$cg" ]; then
  rmdir "$cg" || fail "$cg still holds containers ($(cat "$cg/cgroup.procs" 2>/dev/null | wc -l) processes): remove them first"
  note "$cg removed"
fi
disown
