if command -v dockerd >/dev/null 2>&1; then
  note "Docker engine present: $(dockerd --version)"
  exit 0
fi
os=$(. /etc/os-release 2>/dev/null && printf ' %s %s |%s' "${ID:-}" "${ID_LIKE:-}" "${PRETTY_NAME:-this OS}")
case "${os%%|*} " in
  *" debian "* | *" ubuntu "*) ;;
  *) fail "Docker is not installed and ${os#*|} is not Debian or Ubuntu: install Docker Engine, then run pulumi up again" ;;
esac
# docker.io comes from the distribution's own archive: no third-party repository or key to manage.
note "installing docker.io"
export DEBIAN_FRONTEND=noninteractive
apt-get -q -o DPkg::Lock::Timeout=300 update </dev/null || fail "apt-get update failed"
apt-get -q -y -o DPkg::Lock::Timeout=300 install docker.io </dev/null || fail "apt-get install docker.io failed"
if [ -d /run/systemd/system ]; then systemctl enable --now docker.service || fail "systemctl enable --now docker failed"; fi
note "installed $(dockerd --version)"
