# queuekit step "{{step}}", stack {{stack}}, on {{target}}
# Rendered by infra/render/host.ts; runs as root under POSIX sh, over SSH or on this machine.
set -eu
umask 022
QK_STEP={{step}}
QK_TARGET={{targetQ}}
QK_STATE={{stateQ}}
QK_HASH={{hash}}
qk_failed=
fail() {
  qk_failed=1
  printf 'queuekit: step "%s" on %s failed: %s\n' "$QK_STEP" "$QK_TARGET" "$*" >&2
  exit 1
}
qk_on_exit() {
  qk_rc=$?
  if [ "$qk_rc" -ne 0 ] && [ -z "$qk_failed" ]; then
    printf 'queuekit: step "%s" on %s failed (exit %s); the lines above say where\n' "$QK_STEP" "$QK_TARGET" "$qk_rc" >&2
  fi
}
trap qk_on_exit EXIT
note() { printf '%s: %s\n' "$QK_STEP" "$*"; }
# The version of a step whose content is in place owns it; an older version replaced by a newer one reverts nothing.
owns() { [ "$(cat "$QK_STATE/$QK_STEP.owner" 2>/dev/null)" = "$QK_HASH" ]; }
owned() { printf '%s\n' "$QK_HASH" >"$QK_STATE/$QK_STEP.owner"; }
disown() {
  rm -f "$QK_STATE/$QK_STEP.owner"
  rmdir "$QK_STATE" "${QK_STATE%/*}" 2>/dev/null || true
}
[ "$(id -u)" = 0 ] || fail "needs root: connect as root (host.connection.user), or run pulumi as root for the local target"
