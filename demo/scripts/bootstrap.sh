#!/bin/sh
# One-shot job of the demo stack (docker-compose.yml, service "bootstrap"): installs Argo
# Rollouts into k3s from its pinned release manifest, then the demo workloads.
# Runs in the rancher/k3s image (busybox sh + kubectl), KUBECONFIG set by compose.
set -eu

: "${KUBECONFIG:?KUBECONFIG must point at the k3s kubeconfig}"
ARGO_ROLLOUTS_VERSION="${ARGO_ROLLOUTS_VERSION:-v1.9.1}"
ARGO_ROLLOUTS_MANIFEST="https://github.com/argoproj/argo-rollouts/releases/download/${ARGO_ROLLOUTS_VERSION}/install.yaml"
ARGO_ROLLOUTS_IMAGE="quay.io/argoproj/argo-rollouts:${ARGO_ROLLOUTS_VERSION}"
DEMO_DIR="${DEMO_DIR:-/demo}"

log() { echo "bootstrap: $*"; }

log "waiting for the Kubernetes API"
tries=0
until kubectl get --raw=/readyz >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -gt 150 ]; then
    log "the Kubernetes API did not become ready"
    exit 1
  fi
  sleep 2
done
tries=0
until [ -n "$(kubectl get nodes -o name 2>/dev/null)" ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 90 ]; then
    log "no node registered"
    exit 1
  fi
  sleep 2
done
kubectl wait --for=condition=Ready node --all --timeout=300s

log "namespaces"
kubectl apply -f "$DEMO_DIR/k8s/00-namespaces.yaml"

log "Argo Rollouts ${ARGO_ROLLOUTS_VERSION} from ${ARGO_ROLLOUTS_MANIFEST}"
kubectl apply -n argo-rollouts --server-side --force-conflicts -f "$ARGO_ROLLOUTS_MANIFEST"
# Keep the controller on the pinned version whatever tag the manifest carries.
kubectl -n argo-rollouts set image deployment/argo-rollouts "argo-rollouts=${ARGO_ROLLOUTS_IMAGE}"
kubectl wait --for=condition=Established --timeout=120s \
  crd/rollouts.argoproj.io crd/analysistemplates.argoproj.io crd/analysisruns.argoproj.io
kubectl -n argo-rollouts rollout status deployment/argo-rollouts --timeout=600s

log "Services for Prometheus and Tempo on the node's address"
node_ip="$(kubectl get nodes -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}')"
if [ -z "$node_ip" ]; then
  log "could not read the node's InternalIP"
  exit 1
fi
sed "s/__NODE_IP__/${node_ip}/g" "$DEMO_DIR/k8s/10-observability.yaml" | kubectl apply -f -

log "demo app and load generator"
kubectl -n canary-demo create configmap loadgen-script \
  --from-file=script.js="$DEMO_DIR/loadgen/script.js" --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -f "$DEMO_DIR/k8s/20-podinfo.yaml"
kubectl apply -f "$DEMO_DIR/k8s/30-loadgen.yaml"

log "done"
