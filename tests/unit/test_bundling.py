"""The framework chunk: the rewrite of Reflex's vite.config.js and which modules its group captures."""

import json
import logging
import re
import shutil
import subprocess

import pytest
from reflex.utils import frontend_skeleton

from nomos_portal import bundling
from rxconfig import config

# Module ids as rolldown passes them to a group's `test`, from a build of the portal.
WEB = "/srv/portal/.web"
FRAMEWORK_IDS = [
    f"{WEB}/node_modules/react/cjs/react.production.js",
    f"{WEB}/node_modules/react/jsx-runtime.js",
    f"{WEB}/node_modules/react-dom/cjs/react-dom-client.production.js",
    f"{WEB}/node_modules/scheduler/cjs/scheduler.production.js",
    f"{WEB}/node_modules/react-router/dist/development/chunk-QMGIS6GS.mjs",
    f"{WEB}/node_modules/lucide-react/dist/esm/createLucideIcon.mjs",
    f"{WEB}/node_modules/lucide-react/dist/esm/Icon.mjs",
    f"{WEB}/node_modules/lucide-react/dist/esm/shared/src/utils.mjs",
    f"{WEB}/env.json",
    "\0vite/preload-helper.js",
]
OTHER_IDS = [
    f"{WEB}/node_modules/react-is/cjs/react-is.production.js",
    f"{WEB}/node_modules/@react-router/dev/dist/config.js",
    f"{WEB}/node_modules/@radix-ui/themes/dist/esm/components/card.js",
    f"{WEB}/node_modules/lucide-react/dist/esm/icons/zap.mjs",
    f"{WEB}/node_modules/socket.io-client/build/esm/index.js",
    f"{WEB}/node_modules/recharts/es6/chart/BarChart.js",
    f"{WEB}/app/routes/[overview]._index.jsx",
    f"{WEB}/utils/state.js",
]


@pytest.fixture
def reflex_vite_config() -> str:
    """The vite.config.js that the installed Reflex generates for the portal's config."""
    return frontend_skeleton._compile_vite_config(config)


def test_rewrites_reflex_vite_config(reflex_vite_config: str) -> None:
    changed = bundling.group_framework_modules(reflex_vite_config)

    assert 'name: "framework"' in changed
    assert "reflex-env" not in changed
    assert changed.count("codeSplitting") == 1
    # Nothing but the groups changed.
    assert changed.replace(bundling.FRAMEWORK_GROUPS, "") == bundling.REFLEX_GROUPS.sub("", reflex_vite_config)


def test_portal_config_has_plugin() -> None:
    assert any(isinstance(plugin, bundling.FrameworkChunkPlugin) for plugin in config.plugins)


def test_plugin_registers_config_rewrite() -> None:
    tasks = []
    bundling.FrameworkChunkPlugin().pre_compile(add_modify_task=lambda path, fn: tasks.append((path, fn)))

    assert tasks == [("vite.config.js", bundling.group_framework_modules)]


def test_unknown_config_kept_with_warning(caplog: pytest.LogCaptureFixture) -> None:
    config_text = (
        'export default { build: { rollupOptions: { output: { codeSplitting: { groups: [{ name: "x" }] } } } } };'
    )

    with caplog.at_level(logging.WARNING, logger="nomos_portal.bundling"):
        assert bundling.group_framework_modules(config_text) == config_text

    assert "codeSplitting groups were not found" in caplog.text


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to evaluate the JavaScript")
def test_group_captures_framework_modules(reflex_vite_config: str) -> None:
    """Node parses the rewritten config's regular expression and tests it against module ids."""
    changed = bundling.group_framework_modules(reflex_vite_config)
    literal = re.search(r'name: "framework",\s*test: (/.+/),\n', changed).group(1)
    script = f"const re = {literal}; console.log(JSON.stringify(JSON.parse(process.argv[1]).map((id) => re.test(id))));"
    ids = FRAMEWORK_IDS + OTHER_IDS

    result = subprocess.run(
        ["node", "-e", script, json.dumps(ids)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )

    captured = dict(zip(ids, json.loads(result.stdout), strict=True))
    assert [module for module in FRAMEWORK_IDS if not captured[module]] == []
    assert [module for module in OTHER_IDS if captured[module]] == []


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to parse the JavaScript")
def test_rewritten_config_parses_in_node(reflex_vite_config: str, tmp_path) -> None:
    path = tmp_path / "vite.config.mjs"
    path.write_text(bundling.group_framework_modules(reflex_vite_config))

    subprocess.run(["node", "--check", str(path)], check=True, capture_output=True, timeout=30)
