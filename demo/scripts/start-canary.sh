#!/bin/sh
# One-shot job of the demo stack (docker-compose.yml, service "canary-trigger"): waits
# until the demo Rollout is Healthy, lets the stable version take traffic for
# CANARY_DELAY_SECONDS, then patches the Rollout's pod template with CANARY_PATCH (a JSON
# patch: new image, and for canary-faulty.json injected errors and latency), which starts
# a canary. Re-run it with `docker compose run --rm --no-deps canary-trigger` (see the
# README section).
set -eu

: "${KUBECONFIG:?KUBECONFIG must point at the k3s kubeconfig}"
NS="${DEMO_NAMESPACE:-canary-demo}"
ROLLOUT="${DEMO_ROLLOUT:-podinfo}"
DELAY="${CANARY_DELAY_SECONDS:-180}"
PATCH_FILE="${CANARY_PATCH:-/demo/k8s/canary-faulty.json}"
# "false" skips the wait, e.g. to start a new canary after an aborted (Degraded) one.
REQUIRE_HEALTHY="${CANARY_REQUIRE_HEALTHY:-true}"

log() { echo "canary-trigger: $*"; }

if [ ! -r "$PATCH_FILE" ]; then
  log "cannot read patch file $PATCH_FILE"
  exit 1
fi

tries=0
until kubectl -n "$NS" get "rollout.argoproj.io/$ROLLOUT" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -gt 120 ]; then
    log "rollout $NS/$ROLLOUT not found"
    exit 1
  fi
  sleep 5
done

if [ "$REQUIRE_HEALTHY" = "true" ]; then
  log "waiting for $NS/$ROLLOUT to be Healthy"
  kubectl -n "$NS" wait "rollout.argoproj.io/$ROLLOUT" \
    --for=jsonpath='{.status.phase}'=Healthy --timeout=900s
  log "stable version is Healthy"
fi

log "canary starts in ${DELAY}s"
sleep "$DELAY"

log "patching $NS/$ROLLOUT with $PATCH_FILE"
kubectl -n "$NS" patch "rollout.argoproj.io/$ROLLOUT" --type=json --patch-file="$PATCH_FILE"
log "canary started"
