"""The serving files: nginx accepts its config, Kubernetes objects match the API schema, the
Dockerfile runs the app with its production config and a health check."""

import os
import re
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


def test_nginx_bounds_uploads_per_session_and_per_client():
    text = (REPO / "deploy/nginx/nginx.conf").read_text()
    location = re.search(r"location /_stcore/upload_file/ \{(.*?)\n        \}", text, re.S)
    assert location, "no location block for the upload endpoint"
    body = location.group(1)
    for zone in ("upload_per_session", "upload_per_client"):
        assert re.search(rf"limit_req_zone \$\w+ zone={zone}:\d+m rate=\d+r/m;", text), zone
        assert f"limit_req zone={zone}" in body, zone
    assert re.search(r"limit_conn upload_conn_per_client \d+;", body)
    assert "client_max_body_size 50m" in body
    # the session is the path's first segment after the endpoint, and only PUTs are counted
    session_map = re.search(r'"~\^PUT:/_stcore/upload_file/\(\?<sid>\[\^/\]\+\)/" \$sid;', text)
    assert session_map, "the per-session key must come from the upload path"


def test_nginx_session_key_matches_streamlits_upload_urls():
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

    text = (REPO / "deploy/nginx/nginx.conf").read_text()
    pattern = re.search(r'"~\^PUT:(\S+?)" \$sid;', text).group(1).replace("(?<sid>", "(?P<sid>")
    url = MemoryUploadedFileManager("/_stcore/upload_file").get_upload_urls("abc-123", ["x.png"])[0].upload_url
    match = re.match(pattern, url)
    assert match and match.group("sid") == "abc-123"


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


def test_kubernetes_ingress_limits_the_upload_endpoint():
    documents = list(yaml.safe_load_all((REPO / "deploy/kubernetes/scalescope.yaml").read_text()))
    ingresses = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Ingress"}
    uploads = ingresses["scalescope-uploads"]
    paths = [p["path"] for rule in uploads["spec"]["rules"] for p in rule["http"]["paths"]]
    assert paths == ["/_stcore/upload_file"]
    notes = uploads["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert notes[prefix + "proxy-body-size"] == "50m"
    assert int(notes[prefix + "limit-rpm"]) > 0 and int(notes[prefix + "limit-connections"]) > 0
    # the same replica as the rest of the session: its uploads live in that process
    assert notes[prefix + "affinity"] == "cookie"
    main = ingresses["scalescope"]["metadata"]["annotations"]
    assert notes[prefix + "session-cookie-name"] == main[prefix + "session-cookie-name"]
    container = next(d for d in documents if d["kind"] == "Deployment")["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert int(env["SCALESCOPE_CACHE_MB"]) * 2**20 < _bytes(container["resources"]["limits"]["memory"]) // 4


def _bytes(quantity: str) -> int:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    return int(quantity[:-2]) * units[quantity[-2:]]


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
    from core.images import DEFAULT_MAX_BYTES

    assert config["server"]["maxUploadSize"] * 2**20 == DEFAULT_MAX_BYTES   # browser and server agree
    from ui.uploads import ORPHANED_AFTER_S

    assert ORPHANED_AFTER_S >= config["server"]["disconnectedSessionTTL"]   # never before a resume is impossible
    assert config["browser"]["gatherUsageStats"] is False


def test_nginx_refuses_a_burst_of_uploads_to_one_session_but_not_to_another(tmp_path):
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (scripts/test.sh installs it)")
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = (REPO / "deploy/nginx/nginx.conf").read_text()
    config = config.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    config = config.replace("pid /tmp/scalescope-nginx.pid;", f"pid {tmp_path}/nginx.pid;")
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        config = config.replace(f"/tmp/nginx-{folder}", str(tmp_path / folder))
    (tmp_path / "nginx.conf").write_text(config)
    process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def put(session: str) -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/_stcore/upload_file/{session}/f",
                                         data=b"x" * 1000, method="PUT")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
        first = [put("session-a") for _ in range(5)]   # no app behind it: passed on, 502
        assert first == [502] * 5
        assert put("session-a") == 429                  # the sixth at once is refused by nginx
        assert put("session-b") == 502                  # another session still gets through
    finally:
        process.terminate()
        process.wait(timeout=10)
