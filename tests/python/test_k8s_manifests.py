"""deploy/k8s: each overlay rendered with `kubectl kustomize`, every object
read into the Kubernetes API models (python3-kubernetes), and Photon's own
rules: the head's ports and probes, the token only from the Secret, the
autoscaler's RBAC verbs exactly those it uses, resources on every container."""

import json
import os
import shutil
import subprocess

import pytest
import yaml

from cluster import REPO

KUBECTL = shutil.which("kubectl")
OVERLAYS = ["local", "eks"]
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl (for `kubectl kustomize`) is not installed")

# What the kubernetes provider calls (autoscaler/kubernetes_provider.cc): pods
# created, listed, read and deleted; the template ConfigMap read.
AUTOSCALER_VERBS = {"pods": {"get", "list", "create", "delete"}, "configmaps": {"get"}}


def render(overlay):
    done = subprocess.run([KUBECTL, "kustomize", os.path.join(REPO, "deploy", "k8s", "overlays", overlay)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [o for o in yaml.safe_load_all(done.stdout) if o]


def as_model(obj):
    """The object read into python3-kubernetes' model of its kind (KeyError-free
    deserialisation checks field names and types)."""
    from kubernetes import client
    group_version = obj["apiVersion"]
    models = {"v1": "V1", "apps/v1": "V1", "rbac.authorization.k8s.io/v1": "V1"}
    if group_version not in models:
        return None  # a CRD (Karpenter): checked by our own rules only
    name = models[group_version] + obj["kind"]

    class Response:
        data = json.dumps(obj)
    return client.ApiClient().deserialize(Response(), name)


def containers(objects):
    for o in objects:
        if o["kind"] == "Deployment":
            for c in o["spec"]["template"]["spec"]["containers"]:
                yield o["metadata"]["name"], c


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_is_a_valid_kubernetes_object(overlay):
    objects = render(overlay)
    kinds = {o["kind"] for o in objects}
    assert {"Namespace", "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Deployment", "Service"} <= kinds
    for o in objects:
        model = as_model(o)
        if model is not None:
            assert model.metadata.name == o["metadata"]["name"]
            assert o["kind"] == "Namespace" or o["metadata"].get("namespace") == "photon", o["metadata"]
    if overlay == "eks":
        assert {"NodePool", "EC2NodeClass"} <= kinds
        gpu = next(o for o in objects if o["kind"] == "NodePool" and o["metadata"]["name"] == "photon-gpu")
        assert {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"} in gpu["spec"]["template"]["spec"]["taints"]


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_photon_rules(overlay):
    objects = render(overlay)
    service = next(o for o in objects if o["kind"] == "Service" and o["metadata"]["name"] == "photon-head")
    assert {p["port"] for p in service["spec"]["ports"]} == {6379, 8265, 8080}
    head = next(c for d, c in containers(objects) if c["name"] == "photon-head")
    assert head["readinessProbe"]["httpGet"] == {"path": "/api/gcs_healthz", "port": 8265}
    assert head["livenessProbe"]["httpGet"] == {"path": "/api/healthz", "port": 8265}
    assert "--dashboard-host=0.0.0.0" in head["command"] and "--num-cpus=$(CPU_LIMIT)" in head["command"]
    limits = {e["name"]: e["valueFrom"]["resourceFieldRef"]["resource"] for e in head["env"]
              if "resourceFieldRef" in e.get("valueFrom", {})}
    assert limits == {"CPU_LIMIT": "limits.cpu", "MEMORY_LIMIT": "limits.memory"}
    for deployment, c in containers(objects):
        assert c["resources"]["requests"] and c["resources"]["limits"], (deployment, c["name"])
        token = [e for e in c.get("env", []) if e["name"] == "PHOTON_CLUSTER_TOKEN"]
        assert token and "value" not in token[0], (deployment, c["name"])
        assert token[0]["valueFrom"]["secretKeyRef"] == {"name": "photon-cluster-token", "key": "token"}
    template = next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "photon-worker-template")
    pod = json.loads(template["data"]["template.json"])
    env = {e["name"]: e for e in pod["spec"]["containers"][0]["env"]}
    assert "secretKeyRef" in env["PHOTON_CLUSTER_TOKEN"]["valueFrom"]
    role = next(o for o in objects if o["kind"] == "Role" and o["metadata"]["name"] == "photon-autoscaler")
    verbs = {}
    for rule in role["rules"]:
        for resource in rule["resources"]:
            verbs.setdefault(resource, set()).update(rule["verbs"])
    assert verbs == AUTOSCALER_VERBS
    assert not [o for o in objects if o["kind"] in ("ClusterRole", "ClusterRoleBinding")]
    assert not [o for o in objects if o["kind"] == "Secret"], "the token must not be in a manifest"
