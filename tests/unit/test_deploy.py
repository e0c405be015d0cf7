"""The deployment files can only be checked so far here (no container engine runs them): the
compose file loads, every CITEWIRE_ variable it sets is a real setting with a valid value, and
the proxy sends traffic to every replica."""

from __future__ import annotations

import re
from typing import Any

import yaml

from service.settings import Settings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _citewire_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if s.get("image") == "citewire:latest"}


def test_every_citewire_variable_in_the_compose_file_is_a_setting() -> None:
    services = _citewire_services(_compose())
    assert {"citewire-1", "citewire-2", "ingest"} <= set(services)
    for name, service in services.items():
        env = service["environment"]
        unknown = [
            k for k in env if k.startswith("CITEWIRE_") and k[len("CITEWIRE_") :].lower() not in Settings.model_fields
        ]
        assert unknown == [], f"{name}: {unknown}"
        values = {
            k[len("CITEWIRE_") :].lower(): re.sub(r"\$\{[^}]*\}", "key1", str(v)) for k, v in env.items()
        }  # ${VAR:?...} stands for what the operator sets
        settings = Settings.model_validate(values)  # a bad value (a typo in a Literal) fails here
        assert settings.store == "milvus" and settings.milvus_uri.startswith("http://milvus:")
        assert settings.generator == "openai" and settings.openai_base_url.startswith("http://vllm:")


def test_the_replicas_depend_on_the_store_and_the_proxy_reaches_each() -> None:
    compose = _compose()
    services = compose["services"]
    for name in ("citewire-1", "citewire-2"):
        assert "milvus" in services[name]["depends_on"]
        assert set(services["proxy"]["depends_on"]) >= {"citewire-1", "citewire-2"}
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    for name in ("citewire-1", "citewire-2"):
        assert f"server {name}:8000" in nginx
    assert "proxy_buffering off" in nginx  # answers stream as server-sent events


def test_every_image_but_our_own_is_pinned_and_no_service_seeds_the_store() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        image = service.get("image", "")
        if image == "citewire:latest":  # built from this repository by `build: ..`
            continue
        assert ":" in image and not image.endswith(":latest"), f"{name}: {image}"
    for name, service in _citewire_services(_compose()).items():  # an empty production store is not given the demo
        assert "CITEWIRE_SEEDS_DIR" not in service["environment"], name
