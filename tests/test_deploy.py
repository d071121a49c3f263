"""The serving files: nginx accepts its config, Kubernetes objects match the API schema, the
Dockerfile runs the app with its production config and a health check."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def test_nginx_accepts_the_config(tmp_path):
    if not Path(NGINX).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed: scripts/test.sh installs it with apt")
        pytest.skip("nginx is not installed (scripts/test.sh installs it)")
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(REPO / "deploy/nginx/nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_config_passes_websockets_and_pins_clients():
    text = (REPO / "deploy/nginx/nginx.conf").read_text()
    assert "proxy_set_header Upgrade $http_upgrade" in text
    assert "hash $remote_addr consistent" in text
    assert "client_max_body_size 50m" in text


def test_kubernetes_objects_validate_against_the_api_schema():
    import kubernetes_validate

    documents = list(yaml.safe_load_all((REPO / "deploy/kubernetes/scalescope.yaml").read_text()))
    assert {d["kind"] for d in documents} == {"Deployment", "Service", "Ingress"}
    for document in documents:
        kubernetes_validate.validate(document, "1.30.0", strict=True)
    service = next(d for d in documents if d["kind"] == "Service")
    assert service["spec"]["sessionAffinity"] == "ClientIP"
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    probe = deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    assert probe["httpGet"]["path"] == "/_stcore/health"


def test_dockerfile_installs_the_pinned_requirements_and_checks_health():
    text = (REPO / "Dockerfile").read_text()
    assert "pip install -r requirements.txt" in text
    assert "HEALTHCHECK" in text and "/_stcore/health" in text
    assert "COPY --chown=scalescope:scalescope .streamlit" in text
    assert "USER scalescope" in text
    for folder in ("app_pages", "core", "ui", "assets"):
        assert f"COPY --chown=scalescope:scalescope {folder} ./{folder}" in text


def test_streamlit_production_settings():
    import tomllib

    config = tomllib.loads((REPO / ".streamlit/config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["headless"] is True
    assert config["server"]["maxUploadSize"] == 50
    assert config["browser"]["gatherUsageStats"] is False
