#!/usr/bin/env bash
# `make k8s-validate`: renders every overlay, example, GitOps folder and the e2e-kind variant
# with `kubectl kustomize`, checks them offline (tests/k8s/check.py: Kubernetes 1.33's schemas,
# the vendored CRDs, Hearth's policy), and checks that every fixture under tests/k8s/broken/
# fails for the reason its `expect` file names. No cluster is needed or touched.
set -euo pipefail
cd "$(dirname "$0")/../.."

skip() {
  echo "!!! SKIPPED: k8s-validate: $1" >&2
  [ "${HEARTH_REQUIRE_ALL:-}" != 1 ] || exit 1
  exit 0
}
command -v kubectl >/dev/null 2>&1 || skip "kubectl is missing (it renders the overlays with its kustomize)"
python3 -c 'import kubernetes_validate, jsonschema, yaml' 2>/dev/null ||
  skip "python3's kubernetes-validate is missing (tests/support/install-test-tools.sh installs it: pip install kubernetes-validate)"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failed=0

# render DIR FILE: kustomize's output, or the failure said with the folder's name.
render() {
  kubectl kustomize "$1" >"$2" 2>"$out/error" && return 0
  echo "FAIL $1 does not render: $(cat "$out/error")"
  return 1
}

zones=() others=()
for dir in k8s/overlays/*/; do
  file=$out/overlay-$(basename "$dir").yaml
  render "$dir" "$file" && zones+=("$file") || failed=1
done
for dir in k8s/examples/*/ k8s/gitops/*/ tests/k8s/kind/; do
  file=$out/$(basename "$(dirname "$dir")")-$(basename "$dir").yaml
  render "$dir" "$file" && others+=("$file") || failed=1
done
python3 tests/k8s/check.py --zones "${zones[@]}" || failed=1
python3 tests/k8s/check.py "${others[@]}" || failed=1

# Each broken fixture must fail, and for its own reason. A folder of zones (subfolders with a
# kustomization each) is checked as zones.
for fixture in tests/k8s/broken/*/; do
  name=$(basename "$fixture") files=() zones_flag=()
  if [ -f "$fixture/kustomization.yaml" ]; then
    render "$fixture" "$out/broken-$name.yaml" || { failed=1; continue; }
    files=("$out/broken-$name.yaml")
  else
    zones_flag=(--zones)
    for zone in "$fixture"*/; do
      render "$zone" "$out/broken-$name-$(basename "$zone").yaml" || { failed=1; continue 2; }
      files+=("$out/broken-$name-$(basename "$zone").yaml")
    done
  fi
  expected=$(cat "$fixture/expect")
  if python3 tests/k8s/check.py "${zones_flag[@]}" "${files[@]}" >"$out/result"; then
    echo "FAIL broken fixture $name passed the checks: they no longer catch it"
    failed=1
  elif ! grep -qF -- "$expected" "$out/result"; then
    echo "FAIL broken fixture $name failed, but not with \"$expected\":"
    sed 's/^/    /' "$out/result"
    failed=1
  fi
done

fixtures=$(find tests/k8s/broken -name expect | wc -l)
if [ "$failed" -ne 0 ]; then
  echo "k8s-validate: FAILED" >&2
  exit 1
fi
echo "k8s-validate: ${#zones[@]} zones and ${#others[@]} other renders hold; $fixtures broken fixtures fail as they should"
