# A VPS answers SSH before it has finished booting: let cloud-init and systemd finish first.
if command -v cloud-init >/dev/null 2>&1; then
  note "waiting for cloud-init"
  cloud-init status --wait >/dev/null 2>&1 || note "cloud-init reports an error (continuing)"
fi
if [ -d /run/systemd/system ]; then
  timeout 300 systemctl is-system-running --wait >/dev/null 2>&1 || true
fi
mem_kib=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
os=$(. /etc/os-release 2>/dev/null && printf '%s' "${PRETTY_NAME:-}")
note "$(uname -sr), ${os:-unknown OS}, $((mem_kib / 1024)) MiB RAM, $(nproc) CPUs"
# The kernel keeps some RAM for itself, so a {{memoryMiB}} MiB VPS shows a little less; much less means host.memory is wrong.
[ "$mem_kib" -ge {{minMemKiB}} ] ||
  fail "host.memory is {{memoryMiB}} MiB but this host has $((mem_kib / 1024)) MiB: the memory plan would not fit; set host.memory to the host's RAM"
