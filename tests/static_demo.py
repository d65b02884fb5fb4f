#!/usr/bin/env python3
"""Static checks of the Canary Lens demo stack (docker-compose.yml, provisioning/, demo/).

No Docker engine is needed: the compose file is validated with docker-compose's own
`config` and with the compose-spec JSON schema that check-jsonschema ships; Prometheus'
config with promtool; Kubernetes manifests with the schemas that kubernetes-validate
ships; the Argo Rollouts objects with the CRD schemas vendored in demo/schemas/; the rest
(Tempo config, Grafana provisioning, the dashboard) with the checks below, which also
tie the files together (ports, labels, uids, paths, env variables).

Run by tests/static_demo.sh (which installs the tools); plain `python3 tests/static_demo.py`
works when PyYAML, jsonschema, check-jsonschema and kubernetes-validate are importable and
promtool/docker-compose/shellcheck/node are on PATH. Tools that are missing make their
checks "skipped", or "failed" when STATIC_DEMO_REQUIRE_TOOLS=1.

Prints one line per check and closes with `N passed, M failed, K skipped`; exits 1 when
any check failed.
"""

from __future__ import annotations

import copy
import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any, Callable

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
PROVISIONING = ROOT / "provisioning"
DATASOURCES_FILE = PROVISIONING / "datasources" / "canarylens.yaml"
APP_FILE = PROVISIONING / "plugins" / "app.yaml"
PROVIDER_FILE = PROVISIONING / "dashboards" / "provider.yaml"
DASHBOARD_FILE = PROVISIONING / "dashboards" / "canary-lens.json"
DEMO = ROOT / "demo"
PROMETHEUS_FILE = DEMO / "prometheus" / "prometheus.yml"
TEMPO_FILE = DEMO / "tempo" / "tempo.yaml"
K8S_DIR = DEMO / "k8s"
LOADGEN_SCRIPT = DEMO / "loadgen" / "script.js"
BOOTSTRAP = DEMO / "scripts" / "bootstrap.sh"
START_CANARY = DEMO / "scripts" / "start-canary.sh"
ARGO_SCHEMAS = DEMO / "schemas" / "argo-rollouts-v1.9.1"
README_SECTION = ROOT / "README.md"

KUBERNETES_VERSION = "1.34.0"  # matches the rancher/k3s image tag in docker-compose.yml
SAMPLE_NODE_IP = "172.18.0.2"

# ---- The backend/frontend contract (query model and settings) ---------------------------

APP_ID = "canarylens-app"
DATASOURCE_ID = "canarylens-rollouts-datasource"
PANEL_ID = "canarylens-canary-panel"
PLUGIN_IDS = {APP_ID, DATASOURCE_ID, PANEL_ID}

QUERY_TYPES = {
    "rollouts", "rollout", "steps", "analysis", "canaryMetrics",
    "trafficSplit", "traces", "verdict", "events",
}
COMMON_QUERY_KEYS = {"refId", "queryType", "namespace", "rollout", "datasource", "hide", "key"}
EXTRA_QUERY_KEYS = {
    "rollouts": {"labelSelector", "status"},
    "canaryMetrics": {"metrics", "quantiles", "exemplars"},
    "traces": {"revision", "errorsOnly", "minDuration", "limit"},
}
CANARY_METRICS = {"requestRate", "errorRatio", "latency"}
VARIABLE_QUERY_TYPES = {"namespaces": {"queryType"}, "rolloutNames": {"queryType", "namespace"}}
CANARY_PANEL_QUERY_TYPES = {"rollouts", "steps", "canaryMetrics", "verdict", "trafficSplit", "traces"}

JSON_DATA_KEYS = {
    "kubeMode", "kubeconfigPath", "kubeContext", "kubeUrl", "kubeTlsSkipVerify", "namespaces",
    "prometheusUrl", "prometheusAuth", "prometheusUser", "prometheusTlsSkipVerify",
    "prometheusTimeoutSeconds", "tempoUrl", "tempoDatasourceUid", "tempoTlsSkipVerify",
    "joinMode", "podLabel", "hashLabel", "versionLabel", "namespaceLabel", "traceAttribute",
    "metricPreset", "requestsTemplate", "errorsTemplate", "latencyBucketTemplate", "quantiles",
    "verdictPassThreshold", "verdictMarginalThreshold", "verdictTolerance", "verdictConfidence",
}
JSON_DATA_ENUMS = {
    "kubeMode": {"", "inCluster", "kubeconfig", "url"},
    "prometheusAuth": {"none", "basic", "bearer"},
    "joinMode": {"pod", "podTemplateHash", "version"},
    "metricPreset": {"otel", "prometheus", "argoDemo", "custom"},
}
JSON_DATA_BOOLS = {"kubeTlsSkipVerify", "prometheusTlsSkipVerify", "tempoTlsSkipVerify"}
SECURE_KEYS = {
    "kubeToken", "kubeCaCert", "prometheusPassword", "prometheusToken", "prometheusCaCert", "tempoToken",
}

# Grafana's own panel types used by the dashboard, plus ours.
KNOWN_PANEL_TYPES = {"table", "timeseries", "stat", "text", "row", "barchart", "state-timeline", PANEL_ID}
GRAFANA_BUILTIN_VARIABLES = {
    "__interval", "__interval_ms", "__range", "__rate_interval", "__from", "__to", "__dashboard",
    "__org", "__user", "__name", "timeFilter", "__timeFilter", "__revision",
}

# Top-level keys of Tempo's config (cmd/tempo/app/config.go, Tempo 3.0.3).
TEMPO_TOP_LEVEL_KEYS = {
    "automemlimit_enabled", "automemlimit_ratio", "target", "auth_enabled", "multitenancy_enabled",
    "shutdown_delay", "stream_over_http_enabled", "http_api_prefix", "enable_go_runtime_metrics",
    "span_profiling", "memory", "server", "internal_server", "distributor", "metrics_generator_client",
    "live_store_client", "querier", "query_frontend", "metrics_generator", "ingest", "block_builder",
    "storage", "overrides", "memberlist", "usage_report", "cache", "backend_scheduler",
    "backend_scheduler_client", "backend_worker", "live_store",
}
TEMPO_STORAGE_BACKENDS = {"local", "s3", "gcs", "azure"}
# Tempo reads its config with yaml.UnmarshalStrict: an unknown key anywhere stops it. The
# nested keys the demo may use, as documented for Tempo 3.0.3 (configuration/_index.md
# and the v3.0.3 single-binary example).
TEMPO_KNOWN_PATHS = {
    "stream_over_http_enabled", "target",
    "server.http_listen_port", "server.grpc_listen_port", "server.log_level",
    "distributor.receivers.otlp.protocols.grpc.endpoint",
    "distributor.receivers.otlp.protocols.http.endpoint",
    "metrics_generator.processor.span_metrics.histogram_buckets",
    "metrics_generator.processor.span_metrics.dimensions",
    "metrics_generator.processor.span_metrics.dimension_mappings[].name",
    "metrics_generator.processor.span_metrics.dimension_mappings[].source_labels",
    "metrics_generator.processor.span_metrics.dimension_mappings[].join",
    "metrics_generator.processor.span_metrics.enable_target_info",
    "metrics_generator.registry.collection_interval",
    "metrics_generator.registry.stale_duration",
    "metrics_generator.registry.external_labels.*",
    "metrics_generator.storage.path",
    "metrics_generator.storage.remote_write[].url",
    "metrics_generator.storage.remote_write[].send_exemplars",
    "storage.trace.backend", "storage.trace.wal.path", "storage.trace.local.path",
    "overrides.defaults.metrics_generator.processors",
    "overrides.defaults.metrics_generator.generate_native_histograms",
    "usage_report.reporting_enabled",
}

# Keys of Prometheus' kubernetes_sd_config (documented configuration reference).
KUBERNETES_SD_KEYS = {
    "api_server", "role", "kubeconfig_file", "namespaces", "selectors", "attach_metadata",
    "basic_auth", "authorization", "oauth2", "proxy_url", "no_proxy", "proxy_from_environment",
    "proxy_connect_header", "follow_redirects", "enable_http2", "tls_config",
}
KUBERNETES_SD_ROLES = {"node", "service", "pod", "endpoints", "endpointslice", "ingress"}

ARGO_STEP_KEYS = {
    "setWeight", "pause", "experiment", "analysis", "setCanaryScale", "setHeaderRoute",
    "setMirrorRoute", "plugin",
}


class CheckFailed(Exception):
    """A check found problems; the message lists them."""


class ToolMissing(Exception):
    """An external tool that a check needs is not installed."""


def require(problems: list[str]) -> None:
    if problems:
        raise CheckFailed("\n".join(problems))


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_yaml_docs(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [d for d in yaml.safe_load_all(fh) if d is not None]


def tool(name: str) -> str:
    """Path of an external tool: on PATH or next to this Python (a virtualenv's bin/)."""
    found = shutil.which(name)
    if found:
        return found
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    raise ToolMissing(name)


def run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


def all_k8s_docs() -> dict[str, list[dict]]:
    docs = {}
    for path in sorted(K8S_DIR.glob("*.yaml")):
        text = path.read_text(encoding="utf-8").replace("__NODE_IP__", SAMPLE_NODE_IP)
        docs[path.name] = [d for d in yaml.safe_load_all(text) if d is not None]
    return docs


def find_doc(kind: str, name: str) -> dict:
    for docs in all_k8s_docs().values():
        for d in docs:
            if d.get("kind") == kind and d.get("metadata", {}).get("name") == name:
                return d
    raise CheckFailed(f"no {kind} named {name} in demo/k8s")


def rollout() -> dict:
    return find_doc("Rollout", "podinfo")


def compose() -> dict:
    return load_yaml(COMPOSE_FILE)


def datasources() -> list[dict]:
    return load_yaml(DATASOURCES_FILE)["datasources"]


def canarylens_ds() -> dict:
    """The Canary Lens datasource as Grafana reads it (environment expanded)."""
    found = [d for d in grafana_view(datasources(), grafana_env()) if d.get("type") == DATASOURCE_ID]
    if len(found) != 1:
        raise CheckFailed(f"expected one {DATASOURCE_ID} datasource, found {len(found)}")
    return found[0]


def env_list_to_dict(env: Any) -> dict[str, str]:
    if isinstance(env, dict):
        return {k: "" if v is None else str(v) for k, v in env.items()}
    out = {}
    for item in env or []:
        k, _, v = str(item).partition("=")
        out[k] = v
    return out


def interpolate_compose(value: str, env: dict[str, str] | None = None) -> str:
    """Compose's ${VAR:-default} / ${VAR-default} / ${VAR} / $$ interpolation."""
    env = env or {}

    def sub(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name, op, default = m.group(1), m.group(2), m.group(3) or ""
        if name in env and (env[name] or op != ":-"):
            return env[name]
        return default if op else ""

    return re.sub(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}", sub, value)


def grafana_interpolate(value: str, env: dict[str, str]) -> str:
    """Grafana's expansion of provisioning values (pkg/services/provisioning/values):
    "$$" is a literal "$", otherwise $NAME / ${NAME} come from the environment (unset:
    empty), like Go's os.ExpandEnv."""

    def expand(part: str) -> str:
        return re.sub(r"\$\{([^}]*)\}|\$([A-Za-z0-9_]+)",
                      lambda m: env.get(m.group(1) if m.group(1) is not None else m.group(2), ""), part)

    return "$".join(expand(p) for p in value.split("$$"))


def grafana_view(data: Any, env: dict[str, str]) -> Any:
    """A provisioning document as Grafana reads it: every string value interpolated."""
    if isinstance(data, dict):
        return {k: grafana_view(v, env) for k, v in data.items()}
    if isinstance(data, list):
        return [grafana_view(v, env) for v in data]
    return grafana_interpolate(data, env) if isinstance(data, str) else data


def grafana_env() -> dict[str, str]:
    env = env_list_to_dict(grafana_service(compose()).get("environment"))
    return {k: interpolate_compose(v) for k, v in env.items()}


def split_image(image: str) -> tuple[str, str]:
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    return name, tag or digest


def image_problems(where: str, image: str) -> list[str]:
    _, tag = split_image(image)
    if not tag:
        return [f"{where}: image {image!r} has no tag"]
    if tag in {"latest", "main", "master", "stable", "edge"} or not re.search(r"\d", tag):
        return [f"{where}: image {image!r} is not pinned to an exact version"]
    return []


def mount_parts(vol: Any) -> tuple[str, str, bool]:
    """(source, target, read_only) of a short or long volume syntax entry."""
    if isinstance(vol, dict):
        return str(vol.get("source", "")), str(vol.get("target", "")), bool(vol.get("read_only"))
    parts = str(vol).split(":")
    if len(parts) == 1:
        return "", parts[0], False
    return parts[0], parts[1], len(parts) > 2 and "ro" in parts[2].split(",")


def string_values(data: Any) -> list[str]:
    """Every string value (not key) of a parsed YAML/JSON document."""
    if isinstance(data, dict):
        return [s for v in data.values() for s in string_values(v)]
    if isinstance(data, list):
        return [s for v in data for s in string_values(v)]
    return [data] if isinstance(data, str) else []


def grafana_service(c: dict) -> dict:
    return c["services"]["grafana"]


def mounted_source(service: dict, target: str) -> str | None:
    for vol in service.get("volumes", []):
        src, tgt, _ = mount_parts(vol)
        if tgt == target:
            return src
    return None


# ---- compose ---------------------------------------------------------------------------


def compose_problems(c: dict, root: Path) -> list[str]:
    """Cross-checks of the compose file that schema validation cannot make."""
    problems: list[str] = []
    services = c.get("services", {})
    named_volumes = set((c.get("volumes") or {}).keys())
    for name, svc in services.items():
        image = interpolate_compose(str(svc.get("image", "")))
        if not image:
            problems.append(f"{name}: no image (the demo builds nothing)")
        else:
            problems += image_problems(name, image)
        one_shot = str(svc.get("restart", "no")) == "no"
        if not one_shot and "healthcheck" not in svc:
            problems.append(f"{name}: long-running service without a healthcheck")
        deps = svc.get("depends_on", {})
        if isinstance(deps, list):
            problems.append(f"{name}: depends_on without conditions")
            deps = {}
        for dep, spec in deps.items():
            if dep not in services:
                problems.append(f"{name}: depends_on unknown service {dep}")
                continue
            cond = (spec or {}).get("condition")
            target = services[dep]
            if cond == "service_healthy" and "healthcheck" not in target:
                problems.append(f"{name}: waits for {dep} to be healthy but {dep} has no healthcheck")
            elif cond == "service_completed_successfully" and str(target.get("restart", "no")) != "no":
                problems.append(f"{name}: waits for {dep} to complete but {dep} restarts")
            elif cond not in {"service_healthy", "service_completed_successfully", "service_started"}:
                problems.append(f"{name}: depends_on {dep} has no valid condition")
        mode = svc.get("network_mode", "")
        if mode.startswith("service:"):
            peer = mode.split(":", 1)[1]
            if peer not in services:
                problems.append(f"{name}: network_mode refers to unknown service {peer}")
            elif peer not in deps:
                problems.append(f"{name}: shares {peer}'s network but does not depend on it")
            if "ports" in svc:
                problems.append(f"{name}: publishes ports although it uses {peer}'s network")
        for vol in svc.get("volumes", []):
            src, tgt, _ = mount_parts(vol)
            if not src:
                continue
            if src.startswith((".", "/")):
                if src.startswith("./dist/"):
                    continue  # produced by scripts/package before `docker compose up`
                if not (root / src).exists():
                    problems.append(f"{name}: bind-mount source {src} does not exist")
            elif src not in named_volumes:
                problems.append(f"{name}: volume {src} is not declared under top-level volumes")
    return problems


def check_compose_parses_and_services() -> None:
    c = compose()
    want = {"k3s", "bootstrap", "canary-trigger", "prometheus", "tempo", "grafana"}
    missing = want - set(c.get("services", {}))
    require([f"service {s} missing" for s in sorted(missing)])


def check_compose_schema() -> None:
    res = run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)])
    if res.returncode != 0:
        raise CheckFailed((res.stdout + res.stderr).strip())


def check_compose_docker_compose_config() -> None:
    exe = tool("docker-compose")
    res = run([exe, "-f", str(COMPOSE_FILE), "config", "-q"], cwd=ROOT)
    if res.returncode != 0:
        raise CheckFailed((res.stdout + res.stderr).strip())


def check_compose_cross_references() -> None:
    require(compose_problems(compose(), ROOT))


def check_grafana_service() -> None:
    c = compose()
    g = grafana_service(c)
    env = env_list_to_dict(g.get("environment"))
    problems = []
    allowed = {s.strip() for s in env.get("GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS", "").split(",")}
    if not PLUGIN_IDS <= allowed:
        problems.append(f"unsigned loading must allow {sorted(PLUGIN_IDS)}, has {sorted(allowed)}")
    src = mounted_source(g, f"/var/lib/grafana/plugins/{APP_ID}")
    if src != f"./dist/{APP_ID}":
        problems.append(f"the plugin must be mounted from ./dist/{APP_ID}, found {src}")
    if mounted_source(g, "/etc/grafana/provisioning") != "./provisioning":
        problems.append("./provisioning is not mounted at /etc/grafana/provisioning")
    home = env.get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH", "")
    if home and not (PROVISIONING / Path(home).relative_to("/etc/grafana/provisioning")).exists():
        problems.append(f"home dashboard {home} is not a provisioned file")
    # Every $VAR / ${VAR} in a provisioning value must be set in Grafana's environment.
    for path in sorted(PROVISIONING.rglob("*.yaml")):
        for value in string_values(load_yaml(path)):
            for var in re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", value.replace("$$", "")):
                if var not in env:
                    problems.append(f"{path.relative_to(ROOT)} uses ${var}, not set for grafana")
    require(problems)


def check_shared_network_and_kubeconfig() -> None:
    """Grafana and Prometheus read the kubeconfig k3s writes, in k3s' network namespace."""
    c = compose()
    s = c["services"]
    problems = []
    k3s_env = env_list_to_dict(s["k3s"].get("environment"))
    output = k3s_env.get("K3S_KUBECONFIG_OUTPUT", "")
    out_dir, out_file = os.path.split(output)
    k3s_volume = mounted_source(s["k3s"], out_dir)
    if not output or not k3s_volume:
        problems.append("k3s must write its kubeconfig into a mounted volume (K3S_KUBECONFIG_OUTPUT)")
    ds_path = env_list_to_dict(grafana_service(c).get("environment")).get("KUBECONFIG_PATH", "")
    if mounted_source(grafana_service(c), os.path.dirname(ds_path)) != k3s_volume:
        problems.append(f"grafana's KUBECONFIG_PATH {ds_path} is not in the k3s kubeconfig volume")
    if os.path.basename(ds_path) != out_file:
        problems.append(f"grafana reads {ds_path}, k3s writes {output}")
    # The plugin reads kubeconfig files only inside the folder grafana.ini allows
    # ([plugin.<id>] kubeconfig_dir, passed to the plugin as GF_PLUGIN_KUBECONFIG_DIR).
    ini_src = mounted_source(grafana_service(c), "/etc/grafana/grafana.ini")
    if not ini_src:
        problems.append("no grafana.ini is mounted at /etc/grafana/grafana.ini")
    else:
        ini = configparser.ConfigParser()
        ini.read(ROOT / ini_src)
        section = f"plugin.{DATASOURCE_ID}"
        allowed = ini.get(section, "kubeconfig_dir", fallback="")
        if not allowed:
            problems.append(f"{ini_src} does not set kubeconfig_dir in [{section}]")
        elif os.path.commonpath([allowed, ds_path]) != allowed.rstrip("/"):
            problems.append(f"{ds_path} is not inside kubeconfig_dir {allowed} of {ini_src}")
    prom_cfg = load_yaml(PROMETHEUS_FILE)
    for job in prom_cfg.get("scrape_configs", []):
        for sd in job.get("kubernetes_sd_configs", []):
            kc = sd.get("kubeconfig_file", "")
            if mounted_source(s["prometheus"], os.path.dirname(kc)) != k3s_volume or os.path.basename(kc) != out_file:
                problems.append(f"prometheus job {job['job_name']}: {kc} is not the k3s kubeconfig")
    for name in ("grafana", "prometheus", "tempo", "bootstrap", "canary-trigger"):
        if s[name].get("network_mode") != "service:k3s":
            problems.append(f"{name} must share k3s' network (the kubeconfig points at 127.0.0.1:6443)")
    ports = {str(p).rsplit(":", 1)[-1] for p in s["k3s"].get("ports", [])}
    for port in ("3000", "9090", "3200"):
        if port not in ports:
            problems.append(f"port {port} is not published on the k3s service")
    require(problems)


# ---- provisioning ----------------------------------------------------------------------


def datasource_problems(raw: list[dict], plugin_json_id: str, env: dict[str, str]) -> list[str]:
    """Checks of the datasources as Grafana reads them (env interpolated); secrets on the
    raw file (they must be placeholders, not values)."""
    problems: list[str] = []
    dss = grafana_view(raw, env)
    uids = [d.get("uid") for d in dss]
    if len(uids) != len(set(uids)) or None in uids:
        problems.append(f"datasource uids must be set and unique: {uids}")
    by_uid = {d.get("uid"): d for d in dss}
    cl = [d for d in dss if d.get("type") == plugin_json_id]
    if len(cl) != 1:
        return problems + [f"expected one datasource of type {plugin_json_id}"]
    ds = cl[0]
    jd = ds.get("jsonData", {})
    unknown = set(jd) - JSON_DATA_KEYS
    if unknown:
        problems.append(f"jsonData keys outside the contract: {sorted(unknown)}")
    for key, allowed in JSON_DATA_ENUMS.items():
        if key in jd and jd[key] not in allowed:
            problems.append(f"jsonData.{key}={jd[key]!r} not in {sorted(allowed)}")
    for key in JSON_DATA_BOOLS & set(jd):
        if not isinstance(jd[key], bool):
            problems.append(f"jsonData.{key} must be a boolean")
    if jd.get("kubeMode") == "kubeconfig" and not jd.get("kubeconfigPath"):
        problems.append("kubeMode kubeconfig without kubeconfigPath")
    if not isinstance(jd.get("namespaces", []), list):
        problems.append("jsonData.namespaces must be a list")
    q = jd.get("quantiles", [0.5])
    if not (isinstance(q, list) and all(isinstance(x, (int, float)) and 0 < x < 1 for x in q)):
        problems.append("jsonData.quantiles must be numbers in (0,1)")
    if jd.get("metricPreset") == "custom":
        for key in ("requestsTemplate", "errorsTemplate", "latencyBucketTemplate"):
            if "$__revision" not in str(jd.get(key, "")):
                problems.append(f"custom preset: {key} must use $__revision")
    tempo_uid = jd.get("tempoDatasourceUid")
    if tempo_uid is not None and by_uid.get(tempo_uid, {}).get("type") != "tempo":
        problems.append(f"tempoDatasourceUid {tempo_uid!r} is not a provisioned Tempo datasource")
    for key in ("kubeconfigPath", "prometheusUrl", "tempoUrl"):
        if key in jd and not jd[key]:
            problems.append(f"jsonData.{key} is empty once Grafana has expanded it")
    raw_ds = next(d for d in raw if d.get("type") == plugin_json_id)
    secure = raw_ds.get("secureJsonData", {})
    if set(secure) - SECURE_KEYS:
        problems.append(f"secureJsonData keys outside the contract: {sorted(set(secure) - SECURE_KEYS)}")
    for key, value in secure.items():
        if not re.fullmatch(r"\$\{?[A-Z][A-Z0-9_]*\}?", str(value)):
            problems.append(f"secureJsonData.{key} must come from an environment variable")
    for d in dss:
        if d.get("type") == "prometheus":
            for dest in d.get("jsonData", {}).get("exemplarTraceIdDestinations", []):
                if by_uid.get(dest.get("datasourceUid"), {}).get("type") != "tempo":
                    problems.append("Prometheus exemplar links must point at the Tempo datasource uid")
    return problems


def check_datasource_provisioning() -> None:
    plugin_id = json.loads((ROOT / "plugin.json").read_text(encoding="utf-8"))["id"]
    require(datasource_problems(datasources(), plugin_id, grafana_env()))


def check_app_provisioning() -> None:
    apps = load_yaml(APP_FILE).get("apps", [])
    ours = [a for a in apps if a.get("type") == APP_ID]
    require([] if len(ours) == 1 and not ours[0].get("disabled", False) else [f"{APP_ID} is not enabled"])


def check_dashboard_provider() -> None:
    providers = load_yaml(PROVIDER_FILE).get("providers", [])
    problems = []
    if not providers:
        problems.append("no dashboard provider")
    for p in providers:
        path = p.get("options", {}).get("path", "")
        if p.get("type") != "file" or not path.startswith("/etc/grafana/provisioning/"):
            problems.append(f"provider {p.get('name')}: must read files under the mounted provisioning dir")
            continue
        local = PROVISIONING / Path(path).relative_to("/etc/grafana/provisioning")
        if not list(local.glob("*.json")):
            problems.append(f"provider {p.get('name')}: {path} holds no dashboard")
    require(problems)


# ---- dashboard ---------------------------------------------------------------------------


def variable_refs(value: Any) -> set[str]:
    text = json.dumps(value)
    return set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))


def target_problems(where: str, target: dict, ds_uid: str) -> list[str]:
    problems = []
    qt = target.get("queryType")
    if qt not in QUERY_TYPES:
        return [f"{where}: queryType {qt!r} is not one of the contract's"]
    extra = set(target) - COMMON_QUERY_KEYS - EXTRA_QUERY_KEYS.get(qt, set())
    if extra:
        problems.append(f"{where}: keys {sorted(extra)} are not part of the {qt} query")
    if qt != "rollouts" and qt != "events" and not target.get("rollout"):
        problems.append(f"{where}: {qt} needs a rollout")
    if qt == "canaryMetrics":
        metrics = target.get("metrics", [])
        if not metrics or not set(metrics) <= CANARY_METRICS:
            problems.append(f"{where}: metrics {metrics} not within {sorted(CANARY_METRICS)}")
    if qt == "traces":
        rev = str(target.get("revision", "canary"))
        if not (rev in {"canary", "stable"} or rev.isdigit() or rev.startswith("$")):
            problems.append(f"{where}: revision {rev!r} must be canary, stable or a number")
        if not isinstance(target.get("limit", 20), int):
            problems.append(f"{where}: limit must be an integer")
    ds = target.get("datasource")
    if ds is not None and ds.get("uid") != ds_uid:
        problems.append(f"{where}: target datasource {ds} differs from the panel's")
    return problems


def dashboard_problems(dash: dict, ds_uids: dict[str, str]) -> list[str]:
    """ds_uids maps provisioned datasource uid -> type."""
    problems: list[str] = []
    cl_uid = next((u for u, t in ds_uids.items() if t == DATASOURCE_ID), None)
    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    defined = set(variables) | GRAFANA_BUILTIN_VARIABLES

    def check_ds(where: str, ds: Any) -> str | None:
        if not isinstance(ds, dict) or "uid" not in ds:
            problems.append(f"{where}: datasource must be given by uid")
            return None
        if ds["uid"] not in ds_uids:
            problems.append(f"{where}: datasource uid {ds['uid']!r} is not provisioned")
            return None
        if ds.get("type") and ds["type"] != ds_uids[ds["uid"]]:
            problems.append(f"{where}: datasource type {ds['type']} does not match uid {ds['uid']}")
        return ds["uid"]

    for name, var in variables.items():
        if var.get("type") != "query":
            continue
        uid = check_ds(f"variable {name}", var.get("datasource"))
        q = var.get("query")
        if uid == cl_uid:
            if not isinstance(q, dict) or q.get("queryType") not in VARIABLE_QUERY_TYPES:
                problems.append(f"variable {name}: query must be an object with queryType in {sorted(VARIABLE_QUERY_TYPES)}")
            elif set(q) - VARIABLE_QUERY_TYPES[q["queryType"]]:
                problems.append(f"variable {name}: unexpected keys {sorted(set(q) - VARIABLE_QUERY_TYPES[q['queryType']])}")
        for ref in variable_refs(q):
            if ref not in defined or ref == name:
                problems.append(f"variable {name}: refers to ${ref}, not an earlier variable")

    for ann in dash.get("annotations", {}).get("list", []):
        if ann.get("builtIn"):
            continue
        uid = check_ds(f"annotation {ann.get('name')}", ann.get("datasource"))
        if uid == cl_uid:
            tgt = ann.get("target", {})
            if tgt.get("queryType") != "events":
                problems.append(f"annotation {ann.get('name')}: Canary Lens annotations use queryType events")
            problems += target_problems(f"annotation {ann.get('name')}", tgt, uid)

    panels = dash.get("panels", [])
    ids = [p.get("id") for p in panels]
    if len(ids) != len(set(ids)):
        problems.append("panel ids are not unique")
    cells: dict[tuple[int, int], Any] = {}
    for p in panels:
        where = f"panel {p.get('id')} {p.get('title')!r}"
        if p.get("type") not in KNOWN_PANEL_TYPES:
            problems.append(f"{where}: unknown panel type {p.get('type')}")
        uid = check_ds(where, p.get("datasource"))
        refids = [t.get("refId") for t in p.get("targets", [])]
        if len(refids) != len(set(refids)) or None in refids:
            problems.append(f"{where}: refIds must be set and unique")
        for t in p.get("targets", []):
            tw = f"{where} target {t.get('refId')}"
            t_uid = check_ds(tw, t.get("datasource", p.get("datasource")))
            if t_uid == cl_uid:
                problems += target_problems(tw, t, cl_uid)
            for ref in variable_refs(t):
                if ref not in defined:
                    problems.append(f"{tw}: unknown variable ${ref}")
        if p.get("type") == PANEL_ID:
            types = {t.get("queryType") for t in p.get("targets", [])}
            if not CANARY_PANEL_QUERY_TYPES <= types:
                problems.append(f"{where}: canary panel lacks {sorted(CANARY_PANEL_QUERY_TYPES - types)}")
            if uid != cl_uid:
                problems.append(f"{where}: canary panel must use the Canary Lens datasource")
        g = p.get("gridPos", {})
        for x in range(g.get("x", 0), g.get("x", 0) + g.get("w", 0)):
            for y in range(g.get("y", 0), g.get("y", 0) + g.get("h", 0)):
                if (x, y) in cells:
                    problems.append(f"{where}: overlaps panel {cells[(x, y)]}")
                    break
                cells[(x, y)] = p.get("id")
            else:
                continue
            break
        if g.get("x", 0) + g.get("w", 0) > 24:
            problems.append(f"{where}: wider than the 24-column grid")
    return problems


def provisioned_uids() -> dict[str, str]:
    return {d["uid"]: d["type"] for d in datasources()}


def check_dashboard() -> None:
    dash = json.loads(DASHBOARD_FILE.read_text(encoding="utf-8"))
    problems = dashboard_problems(dash, provisioned_uids())
    if dash.get("title") != "Canary Lens":
        problems.append("the dashboard's title must be 'Canary Lens'")
    names = [v.get("name") for v in dash.get("templating", {}).get("list", [])]
    for want in ("namespace", "rollout"):
        if want not in names:
            problems.append(f"variable {want} missing")
    kinds = {t.get("queryType") for p in dash.get("panels", []) for t in p.get("targets", [])}
    for qt in ("rollouts", "canaryMetrics", "trafficSplit", "verdict", "traces", "steps", "analysis"):
        if qt not in kinds:
            problems.append(f"no panel queries {qt}")
    if not any(t.get("exemplars") for p in dash.get("panels", []) for t in p.get("targets", [])
               if t.get("queryType") == "canaryMetrics" and p.get("type") == "timeseries"):
        problems.append("no canary-vs-stable graph asks for exemplars")
    ann_types = {a.get("target", {}).get("queryType") for a in dash.get("annotations", {}).get("list", [])}
    if "events" not in ann_types:
        problems.append("rollout events are not shown as annotations")
    require(problems)


# ---- Prometheus --------------------------------------------------------------------------


def prometheus_for_promtool(cfg: dict) -> dict:
    """Debian's promtool is built without Kubernetes service discovery: give promtool the
    same config with every kubernetes_sd_configs block replaced by a static target (the
    relabelling rules stay); the SD blocks are checked by check_prometheus_kubernetes_sd."""
    cfg = copy.deepcopy(cfg)
    for job in cfg.get("scrape_configs", []):
        if job.pop("kubernetes_sd_configs", None) is not None:
            job.setdefault("static_configs", []).append({"targets": ["10.42.0.10:9797"]})
    return cfg


def check_promtool_config() -> None:
    exe = tool("promtool")
    cfg = load_yaml(PROMETHEUS_FILE)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prometheus.yml"
        path.write_text(yaml.safe_dump(prometheus_for_promtool(cfg)), encoding="utf-8")
        res = run([exe, "check", "config", str(path)])
    if res.returncode != 0:
        raise CheckFailed((res.stdout + res.stderr).strip())


def check_prometheus_kubernetes_sd() -> None:
    cfg = load_yaml(PROMETHEUS_FILE)
    problems = []
    jobs = {j["job_name"]: j for j in cfg.get("scrape_configs", [])}
    for job in jobs.values():
        for sd in job.get("kubernetes_sd_configs", []):
            unknown = set(sd) - KUBERNETES_SD_KEYS
            if unknown:
                problems.append(f"{job['job_name']}: unknown kubernetes_sd_config keys {sorted(unknown)}")
            if sd.get("role") not in KUBERNETES_SD_ROLES:
                problems.append(f"{job['job_name']}: role {sd.get('role')!r}")
            if "api_server" in sd and "kubeconfig_file" in sd:
                problems.append(f"{job['job_name']}: api_server and kubeconfig_file are exclusive")
            ns = sd.get("namespaces", {})
            if set(ns) - {"names", "own_namespace"} or not isinstance(ns.get("names", []), list):
                problems.append(f"{job['job_name']}: namespaces must be {{names: [...]}}")
    require(problems)


def relabel_targets(job: dict) -> dict[str, str]:
    """target_label -> single source label of the replace rules."""
    out = {}
    for r in job.get("relabel_configs", []):
        if r.get("action", "replace") == "replace" and len(r.get("source_labels", [])) == 1:
            out[r["target_label"]] = r["source_labels"][0]
    return out


def check_prometheus_joins_the_rollout() -> None:
    """The scrape job keeps the demo pods' metrics port and gives each series the labels the
    datasource joins on (hash from the pod label rollouts-pod-template-hash)."""
    cfg = load_yaml(PROMETHEUS_FILE)
    jd = canarylens_ds()["jsonData"]
    ro = rollout()
    problems = []
    ns = ro["metadata"]["namespace"]
    jobs = [j for j in cfg["scrape_configs"]
            if any(ns in sd.get("namespaces", {}).get("names", []) for sd in j.get("kubernetes_sd_configs", []))]
    if len(jobs) != 1:
        raise CheckFailed(f"expected one kubernetes_sd job for namespace {ns}, found {len(jobs)}")
    job = jobs[0]
    rules = relabel_targets(job)
    want = {
        jd.get("hashLabel", "rollouts_pod_template_hash"): "__meta_kubernetes_pod_label_rollouts_pod_template_hash",
        jd.get("podLabel", "pod"): "__meta_kubernetes_pod_name",
        jd.get("namespaceLabel", "namespace"): "__meta_kubernetes_namespace",
    }
    for label, source in want.items():
        if rules.get(label) != source:
            problems.append(f"label {label} must be relabelled from {source}, is from {rules.get(label)}")
    tmpl = ro["spec"]["template"]
    port_names = {p["name"] for c in tmpl["spec"]["containers"] for p in c.get("ports", [])}
    for r in job.get("relabel_configs", []):
        if r.get("action") != "keep":
            continue
        src = r.get("source_labels", [""])[0]
        regex = re.compile(f"^(?:{r.get('regex', '(.*)')})$")
        if src == "__meta_kubernetes_pod_container_port_name":
            if not any(regex.match(n) for n in port_names):
                problems.append(f"keep rule on port name {r.get('regex')} matches none of {sorted(port_names)}")
        elif src.startswith("__meta_kubernetes_pod_annotation_"):
            key = src[len("__meta_kubernetes_pod_annotation_"):]
            annotations = {re.sub(r"[^a-zA-Z0-9_]", "_", k): v for k, v in tmpl["metadata"].get("annotations", {}).items()}
            if not regex.match(annotations.get(key, "")):
                problems.append(f"keep rule on annotation {key} drops the demo pods")
    cmd = " ".join(compose()["services"]["prometheus"].get("command", []))
    for flag in ("--enable-feature=exemplar-storage", "--web.enable-remote-write-receiver"):
        if flag not in cmd:
            problems.append(f"prometheus is not started with {flag}")
    require(problems)


def promql_samples() -> dict[str, str]:
    """Every PromQL expression of the stack, with placeholders filled in."""
    out = {}
    jd = canarylens_ds()["jsonData"]
    revision = 'namespace="canary-demo",rollouts_pod_template_hash="6d4c7b9f7"'
    for key in ("requestsTemplate", "errorsTemplate", "latencyBucketTemplate"):
        if jd.get(key):
            out[f"datasource {key}"] = jd[key].replace("$__revision", revision)
    at = find_doc("AnalysisTemplate", "podinfo-error-ratio")
    for m in at["spec"]["metrics"]:
        q = m["provider"]["prometheus"]["query"]
        out[f"analysis {m['name']}"] = re.sub(r"\{\{\s*args\.[a-z-]+\s*\}\}", "x", q)
    dash = json.loads(DASHBOARD_FILE.read_text(encoding="utf-8"))
    for p in dash["panels"]:
        for t in p.get("targets", []):
            if "expr" in t:
                out[f"dashboard panel {p['id']}"] = re.sub(r"\$\{?[a-z_]+\}?", "x", t["expr"])
    return out


def check_promql_expressions() -> None:
    exe = tool("promtool")
    exprs = promql_samples()
    rules = {"groups": [{"name": "demo", "rules": [
        {"record": f"demo:expr{i}", "expr": e} for i, e in enumerate(exprs.values())]}]}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rules.yml"
        path.write_text(yaml.safe_dump(rules), encoding="utf-8")
        res = run([exe, "check", "rules", str(path)])
    if res.returncode != 0:
        raise CheckFailed("expressions: " + ", ".join(exprs) + "\n" + (res.stdout + res.stderr).strip())


# ---- Tempo ------------------------------------------------------------------------------


def otel_resource_attributes(ro: dict) -> dict[str, str]:
    env = {e["name"]: e.get("value", "") for e in ro["spec"]["template"]["spec"]["containers"][0].get("env", [])}
    attrs = {}
    for part in env.get("OTEL_RESOURCE_ATTRIBUTES", "").split(","):
        k, _, v = part.partition("=")
        if k:
            attrs[k.strip()] = v
    return attrs


def leaf_paths(data: Any, prefix: str = "") -> list[str]:
    """Dotted paths of a config's leaves; list items of mappings as `key[].field`."""
    if isinstance(data, dict) and data:
        return [p for k, v in data.items() for p in leaf_paths(v, f"{prefix}.{k}" if prefix else str(k))]
    if isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        return [p for x in data for p in leaf_paths(x, prefix + "[]")]
    return [prefix]


def tempo_problems(cfg: dict) -> list[str]:
    problems = []
    unknown = set(cfg) - TEMPO_TOP_LEVEL_KEYS
    if unknown:
        problems.append(f"unknown top-level keys {sorted(unknown)}")
    for path in leaf_paths(cfg):
        generic = re.sub(r"^(metrics_generator\.registry\.external_labels)\..*$", r"\1.*", path)
        if generic not in TEMPO_KNOWN_PATHS:
            problems.append(f"key {path} is not one the demo checked against Tempo's documentation")
    if not isinstance(cfg.get("server", {}).get("http_listen_port"), int):
        problems.append("server.http_listen_port must be set")
    protocols = cfg.get("distributor", {}).get("receivers", {}).get("otlp", {}).get("protocols", {})
    for proto, port in (("grpc", 4317), ("http", 4318)):
        endpoint = (protocols.get(proto) or {}).get("endpoint", "")
        if endpoint != f"0.0.0.0:{port}":
            problems.append(f"OTLP {proto} must listen on 0.0.0.0:{port} (pods reach it on the node's address), is {endpoint!r}")
    trace = cfg.get("storage", {}).get("trace", {})
    if trace.get("backend") not in TEMPO_STORAGE_BACKENDS:
        problems.append(f"storage.trace.backend {trace.get('backend')!r}")
    if trace.get("backend") == "local":
        for key in ("wal", "local"):
            if not str((trace.get(key) or {}).get("path", "")).startswith("/var/tempo/"):
                problems.append(f"storage.trace.{key}.path must be under the /var/tempo volume")
    gen = cfg.get("metrics_generator", {})
    if not str(gen.get("storage", {}).get("path", "")).startswith("/var/tempo/"):
        problems.append("metrics_generator.storage.path must be under /var/tempo")
    rw = gen.get("storage", {}).get("remote_write", [])
    if not rw or rw[0].get("url") != "http://127.0.0.1:9090/api/v1/write" or rw[0].get("send_exemplars") is not True:
        problems.append("metrics_generator must remote-write to the Prometheus at 127.0.0.1:9090 with exemplars")
    procs = cfg.get("overrides", {}).get("defaults", {}).get("metrics_generator", {}).get("processors", [])
    if "span-metrics" not in procs:
        problems.append("the span-metrics processor is not enabled in overrides.defaults")
    return problems


def check_tempo_config() -> None:
    require(tempo_problems(load_yaml(TEMPO_FILE)))


def check_tempo_labels_match_the_join() -> None:
    """Span metrics carry the labels the datasource joins on; their sources are resource
    attributes the pods really set; traces carry the datasource's traceAttribute."""
    cfg = load_yaml(TEMPO_FILE)
    jd = canarylens_ds()["jsonData"]
    attrs = otel_resource_attributes(rollout())
    sm = cfg["metrics_generator"]["processor"]["span_metrics"]
    mappings = {m["name"]: m["source_labels"] for m in sm.get("dimension_mappings", [])}
    problems = []
    for key in ("hashLabel", "podLabel", "namespaceLabel"):
        label = jd.get(key)
        if label not in mappings:
            problems.append(f"span metrics have no {label} label ({key})")
            continue
        for src in mappings[label]:
            if src not in attrs:
                problems.append(f"{label} maps from {src}, which the pods do not set")
    if jd.get("traceAttribute") not in attrs:
        problems.append(f"traceAttribute {jd.get('traceAttribute')} is not a resource attribute of the pods")
    hash_src = mappings.get(jd.get("hashLabel"), [""])[0]
    env = {e["name"]: e for e in rollout()["spec"]["template"]["spec"]["containers"][0]["env"]}
    ref = attrs.get(hash_src, "")
    var = ref[2:-1] if ref.startswith("$(") else ""
    field = env.get(var, {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath", "")
    if field != "metadata.labels['rollouts-pod-template-hash']":
        problems.append(f"{hash_src} must come from the pod's rollouts-pod-template-hash label, comes from {field or ref}")
    if jd.get("versionLabel") and jd["versionLabel"] != "service_version" and "service.version" in sm.get("dimensions", []):
        problems.append("versionLabel does not match the service.version dimension")
    require(problems)


# ---- Kubernetes --------------------------------------------------------------------------


def strictify(schema: Any) -> Any:
    """CRD structural schemas prune unknown fields; make them errors instead."""
    if isinstance(schema, dict):
        out = {k: strictify(v) for k, v in schema.items()}
        if ("properties" in out and "additionalProperties" not in out
                and not out.get("x-kubernetes-preserve-unknown-fields")):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strictify(x) for x in schema]
    return schema


def crd_problems(obj: dict, kind_file: str) -> list[str]:
    import jsonschema

    wrapper = json.loads((ARGO_SCHEMAS / kind_file).read_text(encoding="utf-8"))
    if obj.get("apiVersion") != f"{wrapper['group']}/{wrapper['version']}" or obj.get("kind") != wrapper["kind"]:
        return [f"{obj.get('kind')}: apiVersion/kind do not match {wrapper['kind']}"]
    schema = strictify(wrapper["openAPIV3Schema"])
    validator = jsonschema.Draft7Validator(schema)
    return [f"{obj['kind']} {obj['metadata'].get('name')}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(obj)]


def k8s_problems(obj: dict) -> list[str]:
    import kubernetes_validate

    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as e:
        return [f"{obj.get('kind')} {obj.get('metadata', {}).get('name')}: {'/'.join(map(str, e.path))}: {e.message}"]
    except kubernetes_validate.SchemaNotFoundError as e:
        return [f"{obj.get('kind')}: no schema ({e})"]
    return []


def pod_from_template(ro: dict) -> dict:
    tmpl = ro["spec"]["template"]
    meta = dict(tmpl.get("metadata", {}))
    meta.setdefault("name", ro["metadata"]["name"])
    meta["namespace"] = ro["metadata"]["namespace"]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": tmpl["spec"]}


def loadgen_configmap() -> dict:
    """The ConfigMap that bootstrap.sh creates from the k6 script."""
    text = BOOTSTRAP.read_text(encoding="utf-8")
    m = re.search(r"create configmap (\S+)\s+\\?\s*--from-file=(\S+?)=\"\$DEMO_DIR/(\S+?)\"", text)
    if not m:
        raise CheckFailed("bootstrap.sh does not create the load generator's ConfigMap")
    name, key, rel = m.groups()
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "canary-demo"},
            "data": {key: (DEMO / rel).read_text(encoding="utf-8")}}


def check_k8s_builtin_kinds() -> None:
    problems = []
    count = 0
    for fname, docs in all_k8s_docs().items():
        for d in docs:
            if not isinstance(d, dict) or "apiVersion" not in d or "kind" not in d:
                problems.append(f"{fname}: a document without apiVersion/kind")
                continue
            if d["apiVersion"].startswith("argoproj.io/"):
                continue
            problems += [f"{fname}: {p}" for p in k8s_problems(d)]
            count += 1
    problems += k8s_problems(loadgen_configmap())
    problems += [f"Rollout pod template: {p}" for p in k8s_problems(pod_from_template(rollout()))]
    if count < 5:
        problems.append(f"only {count} built-in objects found")
    require(problems)


def check_argo_objects_against_crd_schemas() -> None:
    problems = []
    seen = set()
    for fname, docs in all_k8s_docs().items():
        for d in docs:
            if d.get("kind") == "Rollout":
                problems += [f"{fname}: {p}" for p in crd_problems(d, "rollout.json")]
            elif d.get("kind") == "AnalysisTemplate":
                problems += [f"{fname}: {p}" for p in crd_problems(d, "analysistemplate.json")]
            else:
                continue
            seen.add(d["kind"])
    if seen != {"Rollout", "AnalysisTemplate"}:
        problems.append(f"expected a Rollout and an AnalysisTemplate, found {sorted(seen)}")
    require(problems)


def rollout_problems(ro: dict, services: list[dict], templates: list[dict]) -> list[str]:
    problems = []
    spec = ro["spec"]
    labels = spec["template"]["metadata"].get("labels", {})
    selector = spec["selector"].get("matchLabels", {})
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        problems.append("spec.selector does not match the pod template's labels")
    canary = spec.get("strategy", {}).get("canary")
    if canary is None:
        return problems + ["the demo Rollout must use the canary strategy"]
    steps = canary.get("steps", [])
    last = 0
    for i, step in enumerate(steps):
        if len(step) != 1 or next(iter(step)) not in ARGO_STEP_KEYS:
            problems.append(f"step {i}: must have exactly one of {sorted(ARGO_STEP_KEYS)}")
            continue
        if "setWeight" in step:
            w = step["setWeight"]
            if not (isinstance(w, int) and last < w <= 100):
                problems.append(f"step {i}: setWeight {w} must grow within (0, 100]")
            else:
                last = w
    if not any("pause" in s for s in steps):
        problems.append("no pause step: the canary would not be visible for long")
    replicas = spec.get("replicas", 1)
    for s in steps:
        w = s.get("setWeight")
        if w and (replicas * w) % 100:
            problems.append(f"setWeight {w} is not a whole number of pods with {replicas} replicas")
    analysis = canary.get("analysis")
    if analysis:
        if analysis.get("startingStep", 0) >= len(steps):
            problems.append("analysis.startingStep is past the last step")
        given = {a["name"] for a in analysis.get("args", [])}
        for ref in analysis.get("templates", []):
            at = next((t for t in templates if t["metadata"]["name"] == ref.get("templateName")
                       and t["metadata"].get("namespace") == ro["metadata"]["namespace"]), None)
            if at is None:
                problems.append(f"analysis template {ref.get('templateName')} is not defined in the namespace")
                continue
            needed = {a["name"] for a in at["spec"].get("args", []) if "value" not in a and "valueFrom" not in a}
            if needed - given:
                problems.append(f"analysis args {sorted(needed - given)} are not passed")
    container_ports = {p["name"]: p["containerPort"] for c in spec["template"]["spec"]["containers"]
                       for p in c.get("ports", [])}
    svc = [s for s in services if s["metadata"].get("namespace") == ro["metadata"]["namespace"]
           and s["spec"].get("selector")]
    if not svc:
        problems.append("no Service selects the Rollout's pods")
    for s in svc:
        if any(labels.get(k) != v for k, v in s["spec"]["selector"].items()):
            problems.append(f"Service {s['metadata']['name']} does not select the pod template")
        for p in s["spec"].get("ports", []):
            tp = p.get("targetPort", p["port"])
            if isinstance(tp, str) and tp not in container_ports:
                problems.append(f"Service {s['metadata']['name']} targets unknown port {tp}")
    for c in spec["template"]["spec"]["containers"]:
        problems += image_problems(f"container {c['name']}", c["image"])
        for probe in ("readinessProbe", "livenessProbe"):
            port = c.get(probe, {}).get("httpGet", {}).get("port")
            if isinstance(port, str) and port not in container_ports:
                problems.append(f"{probe} uses unknown port {port}")
    return problems


def all_of_kind(kind: str) -> list[dict]:
    return [d for docs in all_k8s_docs().values() for d in docs if d.get("kind") == kind]


def check_rollout_semantics() -> None:
    require(rollout_problems(rollout(), all_of_kind("Service"), all_of_kind("AnalysisTemplate")))


def service_url_problems(where: str, url: str, port_name_ok: Callable[[int], bool] | None = None) -> list[str]:
    """A cluster URL http://<svc>.<ns>.svc.cluster.local:<port> must name a demo Service port."""
    m = re.fullmatch(r"https?://([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:(\d+)(/.*)?", url)
    if not m:
        return [f"{where}: {url} is not a cluster Service URL"]
    name, ns, port = m.group(1), m.group(2), int(m.group(3))
    svc = next((s for s in all_of_kind("Service")
                if s["metadata"]["name"] == name and s["metadata"].get("namespace") == ns), None)
    if svc is None:
        return [f"{where}: no Service {ns}/{name}"]
    if port not in {p["port"] for p in svc["spec"]["ports"]}:
        return [f"{where}: Service {ns}/{name} has no port {port}"]
    if not svc["spec"].get("selector"):
        slices = [e for e in all_of_kind("EndpointSlice")
                  if e["metadata"].get("labels", {}).get("kubernetes.io/service-name") == name
                  and e["metadata"].get("namespace") == ns]
        if not any(port in {p["port"] for p in e.get("ports", [])} for e in slices):
            return [f"{where}: Service {ns}/{name} has no selector and no EndpointSlice for port {port}"]
    return []


def check_cluster_urls() -> None:
    """Traces, analysis queries and load all go to Services that exist, on the right ports,
    and the node-address Services point at ports Prometheus and Tempo really listen on."""
    ro = rollout()
    env = {e["name"]: e.get("value", "") for e in ro["spec"]["template"]["spec"]["containers"][0]["env"]}
    problems = service_url_problems("OTLP traces", env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ""))
    at = find_doc("AnalysisTemplate", "podinfo-error-ratio")
    for m in at["spec"]["metrics"]:
        problems += service_url_problems(f"analysis {m['name']}", m["provider"]["prometheus"]["address"])
    lg = find_doc("Deployment", "loadgen")
    lg_env = {e["name"]: e.get("value", "") for e in lg["spec"]["template"]["spec"]["containers"][0]["env"]}
    problems += service_url_problems("load generator", lg_env.get("TARGET_URL", ""))
    tempo = load_yaml(TEMPO_FILE)
    listening = {int(str(p["endpoint"]).rsplit(":", 1)[1])
                 for p in tempo["distributor"]["receivers"]["otlp"]["protocols"].values()}
    listening.add(9090)  # Prometheus' --web.listen-address, checked below
    prom_cmd = compose()["services"]["prometheus"].get("command", [])
    if "--web.listen-address=0.0.0.0:9090" not in prom_cmd:
        problems.append("prometheus must listen on 0.0.0.0:9090 for pods to reach it")
    for e in all_of_kind("EndpointSlice"):
        for p in e.get("ports", []):
            if p["port"] not in listening:
                problems.append(f"EndpointSlice {e['metadata']['name']}: nothing listens on {p['port']}")
        for ep in e.get("endpoints", []):
            if ep.get("addresses") != [SAMPLE_NODE_IP]:
                problems.append(f"EndpointSlice {e['metadata']['name']}: address must be the __NODE_IP__ placeholder")
    require(problems)


def check_loadgen() -> None:
    lg = find_doc("Deployment", "loadgen")
    cm = loadgen_configmap()
    spec = lg["spec"]["template"]["spec"]
    problems = []
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    c = spec["containers"][0]
    problems += image_problems("loadgen", c["image"])
    mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
    script_paths = [a for a in c.get("args", []) if a.endswith(".js")]
    for name, vol in vols.items():
        if vol.get("configMap", {}).get("name") != cm["metadata"]["name"]:
            problems.append(f"volume {name} does not use ConfigMap {cm['metadata']['name']}")
        elif not any(p == f"{mounts.get(name)}/{key}" for key in cm["data"] for p in script_paths):
            problems.append(f"k6 runs {script_paths}, the ConfigMap is mounted at {mounts.get(name)} with {list(cm['data'])}")
    require(problems)


def check_k6_script_syntax() -> None:
    node = tool("node")
    with tempfile.TemporaryDirectory() as tmp:
        copy_path = Path(tmp) / "script.mjs"
        shutil.copy(LOADGEN_SCRIPT, copy_path)
        res = run([node, "--check", str(copy_path)])
    if res.returncode != 0:
        raise CheckFailed(res.stderr.strip())


def apply_json_patch(doc: Any, patch: list[dict]) -> Any:
    """RFC 6902 add/replace/remove, enough for the demo's canary patches."""
    doc = copy.deepcopy(doc)
    for op in patch:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        last = parts[-1]
        kind = op["op"]
        if isinstance(parent, list):
            if kind == "add":
                parent.insert(len(parent) if last == "-" else int(last), op["value"])
            elif kind == "replace":
                parent[int(last)] = op["value"]
            elif kind == "remove":
                del parent[int(last)]
            else:
                raise CheckFailed(f"unsupported op {kind}")
        else:
            if kind == "replace" and last not in parent:
                raise CheckFailed(f"replace of missing member {op['path']}")
            if kind in {"add", "replace"}:
                parent[last] = op["value"]
            elif kind == "remove":
                del parent[last]
            else:
                raise CheckFailed(f"unsupported op {kind}")
    return doc


def check_canary_patches() -> None:
    """Both canary patches apply to the Rollout, yield valid objects and a new image; the
    faulty one turns podinfo's fault injection on, the healthy one leaves it off."""
    ro = rollout()
    base_c = ro["spec"]["template"]["spec"]["containers"][0]
    problems = []
    for fname, faulty in (("canary-faulty.json", True), ("canary-healthy.json", False)):
        patched = apply_json_patch(ro, json.loads((K8S_DIR / fname).read_text(encoding="utf-8")))
        problems += [f"{fname}: {p}" for p in crd_problems(patched, "rollout.json")]
        problems += [f"{fname}: {p}" for p in k8s_problems(pod_from_template(patched))]
        c = patched["spec"]["template"]["spec"]["containers"][0]
        problems += image_problems(fname, c["image"])
        if c["image"] == base_c["image"]:
            problems.append(f"{fname}: the canary must change the image")
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        on = env.get("PODINFO_RANDOM_ERROR") == "true" and env.get("PODINFO_RANDOM_DELAY") == "true"
        if faulty and not on:
            problems.append(f"{fname}: must inject errors and latency")
        if not faulty and ("PODINFO_RANDOM_ERROR" in env or "PODINFO_RANDOM_DELAY" in env):
            problems.append(f"{fname}: must not inject faults")
        base_names = [e["name"] for e in base_c["env"]]
        if [e["name"] for e in c["env"]][: len(base_names)] != base_names:
            problems.append(f"{fname}: drops or reorders the stable version's env")
        if faulty:
            lo, hi = int(env.get("PODINFO_RANDOM_DELAY_MIN", "0")), int(env.get("PODINFO_RANDOM_DELAY_MAX", "5"))
            if not lo < hi:
                problems.append(f"{fname}: random delay min must be below max (podinfo panics otherwise)")
    default_patch = interpolate_compose(
        env_list_to_dict(compose()["services"]["canary-trigger"]["environment"])["CANARY_PATCH"])
    if not (DEMO / Path(default_patch).relative_to("/demo")).exists():
        problems.append(f"canary-trigger's default CANARY_PATCH {default_patch} does not exist")
    require(problems)


def check_scripts() -> None:
    problems = []
    for script in (BOOTSTRAP, START_CANARY):
        res = run(["sh", "-n", str(script)])
        if res.returncode != 0:
            problems.append(f"{script.name}: {res.stderr.strip()}")
        for rel in re.findall(r"\$DEMO_DIR/([\w./-]+)", script.read_text(encoding="utf-8")):
            if not (DEMO / rel).exists():
                problems.append(f"{script.name}: refers to missing demo/{rel}")
    c = compose()
    for svc, script in (("bootstrap", BOOTSTRAP), ("canary-trigger", START_CANARY)):
        entry = c["services"][svc].get("entrypoint", [])
        if f"/demo/scripts/{script.name}" not in entry:
            problems.append(f"{svc} does not run {script.name}")
        if mounted_source(c["services"][svc], "/demo") != "./demo":
            problems.append(f"{svc} does not mount ./demo at /demo")
    # Argo Rollouts: the version installed, the one the compose file pins and the schemas
    # the manifests are checked against are the same.
    version = env_list_to_dict(c["services"]["bootstrap"]["environment"]).get("ARGO_ROLLOUTS_VERSION")
    text = BOOTSTRAP.read_text(encoding="utf-8")
    if f'ARGO_ROLLOUTS_VERSION="${{ARGO_ROLLOUTS_VERSION:-{version}}}"' not in text:
        problems.append("bootstrap.sh's default Argo Rollouts version differs from docker-compose.yml")
    if not ARGO_SCHEMAS.name.endswith(str(version)):
        problems.append(f"schemas in {ARGO_SCHEMAS.name} are not for {version}")
    if "releases/download/${ARGO_ROLLOUTS_VERSION}/install.yaml" not in text:
        problems.append("the Argo Rollouts manifest must come from the pinned release URL")
    require(problems)


def check_shellcheck() -> None:
    res = run([tool("shellcheck"), "-s", "sh", str(BOOTSTRAP), str(START_CANARY)])
    if res.returncode != 0:
        raise CheckFailed(res.stdout.strip())


def check_readme_section() -> None:
    text = README_SECTION.read_text(encoding="utf-8")
    problems = []
    for needle in ("docker compose up", "scripts/package", f"dist/{APP_ID}", "statically",
                   "http://localhost:3000"):
        if needle not in text:
            problems.append(f"README section does not mention {needle!r}")
    require(problems)


# ---- the checks must be able to fail -------------------------------------------------------


def check_validators_reject_broken_inputs() -> None:
    """Each validator, given a copy of the real input with one mistake, reports it."""
    problems = []
    dash = json.loads(DASHBOARD_FILE.read_text(encoding="utf-8"))
    uids = provisioned_uids()

    def expect(name: str, found: list[str]) -> None:
        if not found:
            problems.append(f"validator missed: {name}")

    bad = copy.deepcopy(dash)
    bad["panels"][0]["targets"][0]["queryType"] = "rolloutz"
    expect("unknown queryType", dashboard_problems(bad, uids))
    bad = copy.deepcopy(dash)
    bad["panels"][1]["datasource"]["uid"] = "nope"
    expect("unprovisioned datasource uid", dashboard_problems(bad, uids))
    bad = copy.deepcopy(dash)
    bad["panels"][2]["targets"][0]["namespace"] = "$nmespace"
    expect("undefined variable", dashboard_problems(bad, uids))
    bad = copy.deepcopy(dash)
    bad["panels"][2]["gridPos"] = dict(bad["panels"][1]["gridPos"])
    expect("overlapping panels", dashboard_problems(bad, uids))

    c = compose()
    bad = copy.deepcopy(c)
    bad["services"]["tempo"]["image"] = "grafana/tempo:latest"
    expect("unpinned image", compose_problems(bad, ROOT))
    bad = copy.deepcopy(c)
    bad["services"]["grafana"]["depends_on"]["bootstrap"]["condition"] = "service_healthy"
    expect("service_healthy on a job without healthcheck", compose_problems(bad, ROOT))
    bad = copy.deepcopy(c)
    bad["services"]["prometheus"]["volumes"][0] = "./demo/prometheus/missing.yml:/etc/prometheus/prometheus.yml:ro"
    expect("missing bind-mount source", compose_problems(bad, ROOT))

    dss = datasources()
    bad = copy.deepcopy(dss)
    next(d for d in bad if d["type"] == DATASOURCE_ID)["jsonData"]["tempoDatasourceUid"] = "prometheus"
    expect("tempoDatasourceUid not a Tempo datasource", datasource_problems(bad, DATASOURCE_ID, grafana_env()))
    bad = copy.deepcopy(dss)
    next(d for d in bad if d["type"] == DATASOURCE_ID)["secureJsonData"]["prometheusToken"] = "s3cr3t"
    expect("literal secret", datasource_problems(bad, DATASOURCE_ID, grafana_env()))
    bad = copy.deepcopy(dss)
    jd = next(d for d in bad if d["type"] == DATASOURCE_ID)["jsonData"]
    jd["requestsTemplate"] = jd["requestsTemplate"].replace("$$__revision", "$__revision")
    expect("$__revision not escaped for Grafana's env expansion", datasource_problems(bad, DATASOURCE_ID, grafana_env()))
    env = dict(grafana_env())
    env.pop("PROMETHEUS_URL")
    expect("PROMETHEUS_URL unset", datasource_problems(dss, DATASOURCE_ID, env))

    ro = rollout()
    bad = copy.deepcopy(ro)
    bad["spec"]["strategy"]["canary"]["steps"][0] = {"setWieght": 25}
    expect("misspelt step (CRD schema)", crd_problems(bad, "rollout.json"))
    bad = copy.deepcopy(ro)
    bad["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "http"
    expect("containerPort not a number (Pod schema)", k8s_problems(pod_from_template(bad)))
    bad = copy.deepcopy(ro)
    bad["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    expect("misspelt container field (Pod schema, strict)", k8s_problems(pod_from_template(bad)))
    bad = copy.deepcopy(ro)
    bad["spec"]["selector"]["matchLabels"] = {"app.kubernetes.io/name": "other"}
    expect("selector not matching the template", rollout_problems(bad, all_of_kind("Service"), all_of_kind("AnalysisTemplate")))

    tempo = load_yaml(TEMPO_FILE)
    bad = copy.deepcopy(tempo)
    bad["distributor"]["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"] = "localhost:4317"
    expect("Tempo OTLP on localhost only", tempo_problems(bad))
    bad = copy.deepcopy(tempo)
    bad["metrics_generator"]["processor"]["span_metrics"]["dimension_mapping"] = []
    expect("misspelt nested Tempo key", tempo_problems(bad))
    require(problems)


CHECKS: list[tuple[str, Callable[[], None]]] = [
    ("compose: parses, has the demo's services", check_compose_parses_and_services),
    ("compose: validates against the compose-spec schema (check-jsonschema)", check_compose_schema),
    ("compose: docker-compose config accepts it", check_compose_docker_compose_config),
    ("compose: pinned images, healthchecks, depends_on conditions, mounts", check_compose_cross_references),
    ("compose: grafana loads the unsigned plugins, provisioning and env", check_grafana_service),
    ("compose: shared network and kubeconfig volume", check_shared_network_and_kubeconfig),
    ("provisioning: Canary Lens, Prometheus and Tempo datasources", check_datasource_provisioning),
    ("provisioning: app enabled", check_app_provisioning),
    ("provisioning: dashboard provider reads the dashboard folder", check_dashboard_provider),
    ("dashboard: uids, queryTypes, variables, annotations, layout", check_dashboard),
    ("prometheus: promtool check config", check_promtool_config),
    ("prometheus: kubernetes_sd blocks", check_prometheus_kubernetes_sd),
    ("prometheus: scrape job keeps the demo pods and relabels the join labels", check_prometheus_joins_the_rollout),
    ("prometheus: every PromQL expression parses (promtool check rules)", check_promql_expressions),
    ("tempo: config keys and values", check_tempo_config),
    ("tempo: span-metric labels and trace attribute match the datasource's join", check_tempo_labels_match_the_join),
    ("k8s: built-in objects validate (kubernetes-validate, strict)", check_k8s_builtin_kinds),
    ("k8s: Rollout and AnalysisTemplate validate against the Argo Rollouts CRD schemas", check_argo_objects_against_crd_schemas),
    ("k8s: Rollout selector, steps, analysis args, Service ports", check_rollout_semantics),
    ("k8s: cluster URLs name existing Services and listening ports", check_cluster_urls),
    ("k8s: load generator mounts the script bootstrap.sh publishes", check_loadgen),
    ("k8s: canary patches apply and differ as intended", check_canary_patches),
    ("loadgen: k6 script parses (node --check)", check_k6_script_syntax),
    ("scripts: sh -n, referenced files, pinned Argo Rollouts release", check_scripts),
    ("scripts: shellcheck", check_shellcheck),
    ("readme: section says what was checked statically", check_readme_section),
    ("validators reject deliberately broken inputs", check_validators_reject_broken_inputs),
]


def main() -> int:
    require_tools = os.environ.get("STATIC_DEMO_REQUIRE_TOOLS") == "1"
    passed = failed = skipped = 0
    for name, fn in CHECKS:
        try:
            fn()
        except ToolMissing as e:
            if require_tools:
                failed += 1
                print(f"FAIL  {name}\n      tool not installed: {e}")
            else:
                skipped += 1
                print(f"SKIP  {name} (tool not installed: {e})")
            continue
        except CheckFailed as e:
            failed += 1
            print(f"FAIL  {name}")
            for line in str(e).splitlines():
                print(f"      {line}")
            continue
        except Exception:  # a crash in a check is a failure, with its traceback
            failed += 1
            print(f"FAIL  {name}")
            for line in traceback.format_exc().splitlines():
                print(f"      {line}")
            continue
        passed += 1
        print(f"ok    {name}")
    summary = f"{passed} passed, {failed} failed"
    if skipped:
        summary += f", {skipped} skipped"
    print(summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
