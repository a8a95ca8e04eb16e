#!/usr/bin/env bash
# Source me: puts the pinned Pulumi toolchain on PATH and points Pulumi at the repo's local file backend.
#   source scripts/env.sh
_qk_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
eval "$(bash "$_qk_repo/scripts/toolchain.sh" --env)" || return 1 2>/dev/null || exit 1
# Local file backend inside the repo (git-ignored): no account, no network.
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$_qk_repo/.pulumi-state}
mkdir -p "${PULUMI_BACKEND_URL#file://}"
# The `local` dev stack's secrets use this published passphrase; real stacks set their own (see README).
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE=queuekit-local-dev-only
fi
export QUEUEKIT_REPO=$_qk_repo
unset _qk_repo
