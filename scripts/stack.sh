#!/usr/bin/env bash
# npm run up|preview|refresh|destroy [-- extra pulumi args]: bootstrap, then run the Pulumi CLI on a stack
# (QUEUEKIT_STACK, default `local`: this machine's Docker engine, local file backend).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
action=${1:?usage: stack.sh up|preview|refresh|destroy [pulumi args...]}
shift
stack=${QUEUEKIT_STACK:-local}

bash scripts/bootstrap.sh
# shellcheck source=env.sh
source scripts/env.sh
# Another checkout's (or a lost state's) containers under this stack's names: refuse before anything collides.
[ "$action" != up ] || bash scripts/deployed-elsewhere.sh --check "$stack" || exit 1
pulumi stack select --create "$stack" --non-interactive >/dev/null
case $action in
  up) exec pulumi up --yes --skip-preview --stack "$stack" "$@" ;;
  preview) exec pulumi preview --stack "$stack" "$@" ;;
  refresh) exec pulumi refresh --yes --skip-preview --stack "$stack" "$@" ;;
  destroy) exec pulumi destroy --yes --skip-preview --stack "$stack" "$@" ;;
  *) echo "unknown action $action (up, preview, refresh, destroy)" >&2; exit 2 ;;
esac
