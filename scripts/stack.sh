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
pulumi stack select --create "$stack" --non-interactive >/dev/null
# Another checkout's (or a lost state's) containers under this stack's names: refuse before anything collides.
if [ "$action" = up ] && elsewhere=$(bash scripts/deployed-elsewhere.sh "$stack"); then
  {
    echo "error: stack '$stack' is already deployed on this Docker engine, but this checkout's state ($PULUMI_BACKEND_URL) does not hold it:"
    sed 's/^/  /' <<<"$elsewhere"
    echo "Nothing was changed. Fix one of:"
    echo "  - run \`npm run destroy\` in the checkout that deployed it (same QUEUEKIT_STACK), then run this again;"
    echo "  - deploy this checkout beside it under another name: cp Pulumi.$stack.yaml Pulumi.<name>.yaml, give it free"
    echo "    ports (queuekit:redis.port, queuekit:monitoring.port), then QUEUEKIT_STACK=<name> npm run up;"
    echo "  - if no checkout holds it any more, remove what is listed above (docker rm -f / network rm / volume rm)."
  } >&2
  exit 1
fi
case $action in
  up) exec pulumi up --yes --skip-preview --stack "$stack" "$@" ;;
  preview) exec pulumi preview --stack "$stack" "$@" ;;
  refresh) exec pulumi refresh --yes --skip-preview --stack "$stack" "$@" ;;
  destroy) exec pulumi destroy --yes --skip-preview --stack "$stack" "$@" ;;
  *) echo "unknown action $action (up, preview, refresh, destroy)" >&2; exit 2 ;;
esac
