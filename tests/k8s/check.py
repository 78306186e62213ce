#!/usr/bin/env python3
"""Checks rendered manifests offline: built-in kinds against Kubernetes 1.33's schemas
(kubernetes-validate, strict), custom resources against the CRD schemas vendored in
tests/k8s/crds/, and Hearth's own policy (tests/k8s/README.md). Prints every problem found
and exits 1 if there is one.

    check.py [--zones] RENDER.yaml...

--zones: the renders are the zone overlays; each Hearth service must run in exactly one.
"""

import functools
import glob
import os
import re
import sys

import jsonschema
import kubernetes_validate
import kubernetes_validate.utils
import yaml

KUBERNETES_VERSION = "1.33"
CRD_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "crds")
OUR_IMAGE = re.compile(r"^(?:[^/]+/)*hearth(?:-portal|-photos|-bugs|-games)?(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$")
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}
PLACEHOLDER = "set-by-the-"

# kubernetes-validate reads its schema files again for every object; once is enough.
kubernetes_validate.utils.schema_contents = functools.lru_cache(maxsize=None)(kubernetes_validate.utils.schema_contents)


def closed(schema):
    """The schema with unknown fields refused wherever the CRD lists an object's fields, as the
    API server's strict field validation (kubectl's default) refuses them."""
    if isinstance(schema, dict):
        schema = {key: closed(value) for key, value in schema.items()}
        if ("properties" in schema and "additionalProperties" not in schema
                and not schema.get("x-kubernetes-preserve-unknown-fields")):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    return schema


def load_crd_schemas():
    """(apiVersion, kind) -> the openAPIV3Schema of that version of the CRD."""
    schemas = {}
    for path in sorted(glob.glob(os.path.join(CRD_FOLDER, "*.yaml"))):
        with open(path) as file:
            for crd in yaml.safe_load_all(file):
                group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
                for version in crd["spec"]["versions"]:
                    schema = closed(version["schema"]["openAPIV3Schema"])
                    # metadata is checked as Kubernetes' ObjectMeta is, not by the CRD.
                    schema.setdefault("properties", {})["metadata"] = {"type": "object"}
                    schemas[(f"{group}/{version['name']}", kind)] = schema
    return schemas


class Report:
    def __init__(self):
        self.problems = []

    def add(self, render, obj, message):
        name = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}" if obj else "-"
        self.problems.append(f"{os.path.basename(render)}: {name}: {message}")


def check_schema(render, obj, crd_schemas, report):
    key = (obj.get("apiVersion"), obj.get("kind"))
    if key in crd_schemas:
        for error in jsonschema.Draft7Validator(crd_schemas[key]).iter_errors(obj):
            path = ".".join(str(part) for part in error.absolute_path)
            report.add(render, obj, f"not valid for its CRD at {path or '(top)'}: {error.message}")
        return
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        report.add(render, obj, f"not valid for Kubernetes {KUBERNETES_VERSION} at {path or '(top)'}: {error.message}")
    except kubernetes_validate.utils.SchemaNotFoundError:
        report.add(render, obj, f"no schema for {key[0]} {key[1]}: not served by Kubernetes "
                   f"{KUBERNETES_VERSION} and no CRD in tests/k8s/crds/")


def pod_spec(obj):
    kind, spec = obj["kind"], obj.get("spec", {})
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        return spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {})
    return spec.get("template", {}).get("spec", {})


def check_container(render, obj, pod, container, is_init, report):
    def fail(message):
        report.add(render, obj, f"container {container.get('name')}: {message}")

    context = container.get("securityContext", {})
    pod_context = pod.get("securityContext", {})
    if not OUR_IMAGE.match(container.get("image", "")):
        fail(f"image {container.get('image')!r} is not one of ours (hearth or hearth-*)")
    if context.get("privileged"):
        fail("is privileged")
    if not context.get("runAsNonRoot", pod_context.get("runAsNonRoot")):
        fail("does not set runAsNonRoot")
    if context.get("runAsUser", pod_context.get("runAsUser")) in (0, None):
        fail("does not run as a numeric non-root user")
    if context.get("allowPrivilegeEscalation") is not False:
        fail("does not set allowPrivilegeEscalation: false")
    if context.get("readOnlyRootFilesystem") is not True:
        fail("does not have a read-only root filesystem")
    capabilities = context.get("capabilities", {})
    if "ALL" not in capabilities.get("drop", []):
        fail("does not drop ALL capabilities")
    if capabilities.get("add"):
        fail(f"adds capabilities {capabilities['add']}")
    seccomp = context.get("seccompProfile", pod_context.get("seccompProfile", {}))
    if seccomp.get("type") != "RuntimeDefault":
        fail("has no seccompProfile RuntimeDefault")
    if "memory" not in container.get("resources", {}).get("limits", {}):
        fail("has no memory limit")
    if not is_init:
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            if probe not in container:
                fail(f"has no {probe}")


def check_workload(render, obj, objects, report):
    pod = pod_spec(obj)
    if pod.get("automountServiceAccountToken") is not False:
        report.add(render, obj, "mounts a service account token (automountServiceAccountToken: false)")
    for host in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(host):
            report.add(render, obj, f"uses {host}")
    for volume in pod.get("volumes", []):
        if "hostPath" in volume:
            report.add(render, obj, f"mounts a hostPath volume ({volume.get('name')})")
    for container in pod.get("containers", []):
        check_container(render, obj, pod, container, False, report)
    for container in pod.get("initContainers", []):
        check_container(render, obj, pod, container, True, report)
    if obj["kind"] != "Deployment":
        return
    replicas = obj["spec"].get("replicas", 1)
    claims = [v for v in pod.get("volumes", []) if "persistentVolumeClaim" in v]
    if claims and (replicas != 1 or obj["spec"].get("strategy", {}).get("type") != "Recreate"):
        report.add(render, obj, "keeps files on a volume: one replica and strategy Recreate")
    if replicas > 1:
        env = [e.get("name") for c in pod.get("containers", []) for e in c.get("env", [])]
        if "DATABASE_URL" not in env:
            report.add(render, obj, f"{replicas} replicas with no DATABASE_URL: each would keep its own SQLite")
        labels = obj["spec"]["template"]["metadata"].get("labels", {})
        budgets = [b for b in objects if b["kind"] == "PodDisruptionBudget"
                   and b["metadata"].get("namespace") == obj["metadata"].get("namespace")
                   and b["spec"].get("selector", {}).get("matchLabels", {}).items() <= labels.items()]
        if not budgets:
            report.add(render, obj, f"{replicas} replicas and no PodDisruptionBudget")


def is_default_deny(policy):
    spec = policy.get("spec", {})
    return (spec.get("podSelector") == {} and set(spec.get("policyTypes", [])) == {"Ingress", "Egress"}
            and not spec.get("ingress") and not spec.get("egress"))


def check_namespaces(render, objects, report):
    namespaces = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Namespace"}
    for name, namespace in namespaces.items():
        labels = namespace["metadata"].get("labels", {})
        for mode in ("enforce", "audit", "warn"):
            if labels.get(f"pod-security.kubernetes.io/{mode}") != "restricted":
                report.add(render, namespace, f"does not {mode} the Pod Security Standards' restricted profile")
        policies = [o for o in objects if o["kind"] == "NetworkPolicy" and o["metadata"].get("namespace") == name]
        if not any(is_default_deny(p) for p in policies):
            report.add(render, namespace, "has no default-deny NetworkPolicy (all pods, Ingress and Egress, no rule)")
    for obj in objects:
        if obj["kind"] in WORKLOAD_KINDS and obj["metadata"].get("namespace") not in namespaces:
            report.add(render, obj, f"runs in namespace {obj['metadata'].get('namespace')!r}, which this render does not create")


def check_routes(render, objects, report):
    routes = [o for o in objects if o["kind"] in ("HTTPRoute", "Ingress")]
    if len({o["kind"] for o in routes}) > 1:
        report.add(render, None, "has HTTPRoutes and Ingresses: a zone keeps one kind (components/gateway-api or components/ingress)")
    backends = set()
    for route in routes:
        namespace = route["metadata"].get("namespace")
        if route["kind"] == "HTTPRoute":
            for rule in route["spec"].get("rules", []):
                backends |= {(namespace, ref["name"]) for ref in rule.get("backendRefs", [])}
        else:
            for rule in route["spec"].get("rules", []):
                backends |= {(namespace, path["backend"]["service"]["name"]) for path in rule.get("http", {}).get("paths", [])}
    for service in objects:
        if service["kind"] == "Service":
            if (service["metadata"].get("namespace"), service["metadata"]["name"]) not in backends:
                report.add(render, service, "no HTTPRoute or Ingress reaches it")
            if not any(p.get("name") == "http" and p.get("port") == 8080 for p in service["spec"].get("ports", [])):
                report.add(render, service, "has no port 8080 named http")


def placeholders(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from placeholders(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from placeholders(item, f"{path}.{index}")
    elif isinstance(value, str) and PLACEHOLDER in value:
        yield path


def check_render(render, crd_schemas, report):
    with open(render) as file:
        objects = [o for o in yaml.safe_load_all(file) if o]
    if not objects:
        report.add(render, None, "renders nothing")
    for obj in objects:
        # A SOPS-encrypted Secret carries SOPS' own block, which Flux removes as it decrypts.
        obj.pop("sops", None)
        check_schema(render, obj, crd_schemas, report)
        for path in placeholders(obj):
            report.add(render, obj, f"{path} was never set (its zone setting did not reach it)")
        if obj["kind"] in WORKLOAD_KINDS:
            check_workload(render, obj, objects, report)
    check_namespaces(render, objects, report)
    check_routes(render, objects, report)
    return objects


def check_zones(renders, report):
    zones_of = {}
    for render, objects in renders.items():
        for obj in objects:
            if obj["kind"] == "Deployment":
                zones_of.setdefault(obj["metadata"]["name"], []).append(os.path.basename(render))
    for service, zones in sorted(zones_of.items()):
        if len(zones) > 1:
            report.add(zones[0], None, f"{service} runs in {len(zones)} zones ({', '.join(zones)}): "
                       "its name would resolve to the first zone searched (ADR 0069)")


def main(arguments):
    zones = "--zones" in arguments
    paths = [a for a in arguments if a != "--zones"]
    crd_schemas = load_crd_schemas()
    report = Report()
    renders = {path: check_render(path, crd_schemas, report) for path in paths}
    if zones:
        check_zones(renders, report)
    count = sum(len(objects) for objects in renders.values())
    for problem in report.problems:
        print(f"FAIL {problem}")
    if report.problems:
        print(f"{len(report.problems)} problem(s) in {count} objects of {len(paths)} render(s)")
        return 1
    print(f"ok: {count} objects in {len(paths)} render(s) hold the schemas and the policy")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
