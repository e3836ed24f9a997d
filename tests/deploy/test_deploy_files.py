"""The deployment files (deploy/) against the schemas of what reads them, since no container
engine or cluster runs here: every Kubernetes manifest against Kubernetes' own API schemas
(kubernetes-validate, strict: an unknown field is an error), the compose file against the
Compose Specification's schema (vendored by check-jsonschema). And against this code: the
variables they set are ones the server and worker read, the probes ask what the server
answers, the images are the versions the tests run."""

from __future__ import annotations

import copy
import importlib.resources
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from warmtransfer.server import config as server_config
from warmtransfer.server.app import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
KUBERNETES_VERSION = "1.33.0"  # the oldest release still supported upstream when written
MANIFESTS = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def all_resources() -> list[dict[str, Any]]:
    return [doc for path in MANIFESTS for doc in documents(path)]


def kind(name: str, kind_: str) -> dict[str, Any]:
    for doc in all_resources():
        if doc["kind"] == kind_ and doc["metadata"]["name"] == name:
            return doc
    raise AssertionError(f"no {kind_} {name!r} in deploy/k8s")


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    return list(workload["spec"]["template"]["spec"]["containers"])


def compose_errors(data: dict[str, Any]) -> list[str]:
    schema_file = (
        importlib.resources.files("check_jsonschema") / "builtin_schemas/vendor/compose-spec.json"
    )
    schema = json.loads(schema_file.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_every_manifest_is_valid_kubernetes(path: Path) -> None:
    for doc in documents(path):
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_check_catches_a_misspelled_field_and_a_wrong_type() -> None:
    server = kind("server", "Deployment")
    misspelled = copy.deepcopy(server)
    containers(misspelled)[0]["readynessProbe"] = containers(misspelled)[0].pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(misspelled, KUBERNETES_VERSION, strict=True)
    wrong_type = copy.deepcopy(server)
    wrong_type["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong_type, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_lists_every_manifest() -> None:
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == [p.name for p in MANIFESTS]


def test_the_compose_file_is_valid_and_the_check_catches_mistakes() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert compose_errors(compose) == []
    broken = copy.deepcopy(compose)
    broken["services"]["server"]["healthchek"] = broken["services"]["server"].pop("healthcheck")
    assert compose_errors(broken)
    assert set(compose["services"]) == {
        "postgres", "redis", "livekit", "qdrant", "server", "worker", "console",
    }  # fmt: skip


def documented_variables() -> set[str]:
    """The variables the server's configuration documents (and reads)."""
    return set(re.findall(r"\b[A-Z][A-Z0-9_]{3,}\b", server_config.__doc__ or ""))


def test_the_servers_variables_are_ones_it_reads() -> None:
    known = documented_variables()
    secret = kind("warmtransfer", "Secret")["stringData"]
    server = containers(kind("server", "Deployment"))[0]
    set_here = {e["name"] for e in server["env"]} | set(secret)
    # The secret also holds the database's, LiveKit nodes' and console's own values.
    others = {"POSTGRES_PASSWORD", "LIVEKIT_KEYS", "CONSOLE_API_KEY", "CONSOLE_SESSION_SECRET"}
    assert set_here - others <= known, set_here - others - known
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert set(compose["services"]["server"]["environment"]) <= known
    # Replicas need the shared store, the relay, one history index and one ingest secret.
    for needed in ("REDIS_URL", "QDRANT_URL", "DATABASE_URL", "WARMTRANSFER_INGEST_SECRET"):
        assert needed in set_here and needed in compose["services"]["server"]["environment"]


def test_the_probes_ask_what_the_server_and_worker_answer() -> None:
    server = containers(kind("server", "Deployment"))[0]
    assert server["livenessProbe"]["grpc"]["service"] in SERVICE_NAMES
    assert server["startupProbe"]["grpc"]["service"] in SERVICE_NAMES
    assert "service" not in server["readinessProbe"]["grpc"]  # "": readiness, load shedding
    port = server["ports"][0]["containerPort"]
    listen = {e["name"]: e.get("value") for e in server["env"]}["WARMTRANSFER_LISTEN"]
    assert listen.endswith(f":{port}") and server["readinessProbe"]["grpc"]["port"] == port
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    health = compose["services"]["server"]["healthcheck"]["test"]
    assert health[1:4] == ["warmtransfer", "health", "--service"] and health[4] in SERVICE_NAMES
    worker = containers(kind("worker", "Deployment"))[0]
    health_port = {e["name"]: e.get("value") for e in worker["env"]}[
        "WARMTRANSFER_WORKER_HEALTH_PORT"
    ]
    assert worker["livenessProbe"]["httpGet"]["port"] == "health"
    assert worker["ports"] == [{"name": "health", "containerPort": int(health_port)}]


def test_the_images_are_the_versions_the_tests_run() -> None:
    makefile = (ROOT / "Makefile").read_text()
    livekit = re.search(r"^LIVEKIT_VERSION := (\S+)", makefile, re.M)
    assert livekit is not None
    images = {c["image"] for doc in all_resources() if "template" in doc.get("spec", {})
              for c in containers(doc)}  # fmt: skip
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    images |= {s["image"] for s in compose["services"].values()}
    assert f"livekit/livekit-server:{livekit.group(1)}" in images
    pyproject = (ROOT / "pyproject.toml").read_text()
    qdrant = re.search(r'"qdrant-client==(\d+\.\d+)\.\d+"', pyproject)
    assert qdrant is not None
    # qdrant-client speaks to servers of its own minor version (and one either side).
    assert any(i.startswith(f"qdrant/qdrant:v{qdrant.group(1)}.") for i in images), images
