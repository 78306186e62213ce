#!/usr/bin/env bash
# `make e2e-kind`: Hearth's images on a real Kubernetes. Creates a kind cluster, loads the
# images from target/images/*.tar (`make images`), installs what the dev zone needs
# (CloudNativePG, the Gateway API CRDs, Traefik as the gateway), applies the dev zone with
# every service (tests/k8s/kind), waits for the rollouts, runs the black-box suite through a
# port-forward to the gateway, and deletes the cluster. Needs docker, kind, kubectl and helm,
# and the network (kind's node image, the operators). Not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/../.."

cluster=${HEARTH_KIND_CLUSTER:-hearth-e2e}
port=${HEARTH_KIND_PORT:-18080}
cnpg=https://raw.githubusercontent.com/cloudnative-pg/cloudnative-pg/release-1.27/releases/cnpg-1.27.1.yaml
gateway_api=https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.3.0/standard-install.yaml
images=(hearth-portal hearth-photos hearth-bugs hearth-games)

missing=()
for tool in docker kind kubectl helm cargo; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -ne 0 ]; then
  echo "e2e-kind cannot run: missing ${missing[*]}" >&2
  exit 1
fi
docker info >/dev/null 2>&1 || { echo "e2e-kind cannot run: docker is installed but its daemon does not answer" >&2; exit 1; }
for image in "${images[@]}"; do
  [ -f "target/images/$image.tar" ] || { echo "e2e-kind cannot run: target/images/$image.tar is missing (make images)" >&2; exit 1; }
done
tag=$(git rev-parse --short=12 HEAD)

work=target/e2e-kind
forward=
cleanup() {
  [ -z "$forward" ] || kill "$forward" 2>/dev/null || true
  kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== kind cluster $cluster"
kind create cluster --name "$cluster" --wait 2m
for image in "${images[@]}"; do
  kind load image-archive "target/images/$image.tar" --name "$cluster"
done

echo "== CloudNativePG, Gateway API, Traefik"
kubectl apply --server-side -f "$cnpg"
kubectl apply --server-side -f "$gateway_api"
helm install traefik traefik --repo https://traefik.github.io/charts --namespace traefik --create-namespace \
  --set providers.kubernetesGateway.enabled=true --set gateway.enabled=false --wait --timeout 5m
kubectl -n cnpg-system rollout status deployment/cnpg-controller-manager --timeout=5m

echo "== the dev zone with every service, images tagged $tag"
mkdir -p "$work"
{
  echo "apiVersion: kustomize.config.k8s.io/v1beta1"
  echo "kind: Kustomization"
  echo "resources:"
  echo "  - ../../tests/k8s/kind"
  echo "images:"
  for image in "${images[@]}"; do printf '  - name: %s\n    newTag: "%s"\n' "$image" "$tag"; done
} >"$work/kustomization.yaml"
kubectl apply -k "$work"
kubectl -n hearth-dev wait cluster/hearth-db --for=condition=Ready --timeout=5m
for deployment in portal photos bugs games; do
  kubectl -n hearth-dev rollout status "deployment/$deployment" --timeout=5m
done

echo "== black-box suite through the gateway on 127.0.0.1:$port"
kubectl -n traefik port-forward service/traefik "$port:80" >"$work/port-forward.log" 2>&1 &
forward=$!
for _ in $(seq 1 30); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 1
done
cargo build -p hearth
HEARTH_E2E_URL="http://127.0.0.1:$port" cargo test -p hearth-e2e --test black_box
