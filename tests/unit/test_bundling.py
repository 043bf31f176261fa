"""Files of the production build: the framework chunk, and Radix Themes' component styles only where used."""

import json
import logging
import re
import shutil
import subprocess
from types import SimpleNamespace

import pytest
import reflex as rx
from reflex.utils import frontend_skeleton

from nomos_portal import bundling
from nomos_portal.components import layout
from nomos_portal.pages.login import login_page
from nomos_portal.pages.overview import overview_page
from nomos_portal.pages.tariff import tariff_page
from nomos_portal.states.account import AccountState
from nomos_portal.states.portal import PortalState
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


def test_global_stylesheet_gets_radix_tokens_only() -> None:
    plugin = bundling.SplitRadixThemesPlugin()

    assert plugin.get_stylesheet_paths() == ("@radix-ui/themes/tokens.css",)


def test_component_styles_import_components_and_utilities() -> None:
    [(path, content)] = bundling.SplitRadixThemesPlugin().get_static_assets()

    assert str(path) == "styles/radix_components.css"
    assert "@import url('@radix-ui/themes/components.css');" in content
    assert "@import url('@radix-ui/themes/utilities.css');" in content


def test_portal_config_splits_radix_styles() -> None:
    radix_plugins = [plugin for plugin in config.plugins if isinstance(plugin, rx.plugins.RadixThemesPlugin)]

    assert len(radix_plugins) == 1
    assert isinstance(radix_plugins[0], bundling.SplitRadixThemesPlugin)


@pytest.mark.parametrize(
    ("component", "expected"),
    [
        (rx.el.div(rx.el.span("plain")), False),
        (rx.el.div(rx.button("Send")), True),
        (rx.el.div(rx.cond(PortalState.org_name == "", rx.badge("hidden branch"), rx.el.span("x"))), True),
        (rx.el.div(rx.foreach(AccountState.payment_rows, lambda row: rx.text(row[0]))), True),
        (rx.el.div(rx.match(PortalState.tenant_status, ("found", rx.callout("x")), rx.el.span("y"))), True),
    ],
)
def test_uses_radix_themes_finds_components(component: rx.Component, expected: bool) -> None:
    assert layout.uses_radix_themes(component) is expected


def test_page_with_radix_components_links_their_styles() -> None:
    page = layout.branded(rx.el.div(rx.button("Send")))

    assert "radixComponentStylesUrl" in str(page)
    assert "$/styles/radix_components.css?url" in page._get_all_imports()


def test_page_without_radix_components_links_no_styles() -> None:
    page = layout.branded(rx.el.div(rx.el.span("plain")))

    assert "radixComponentStylesUrl" not in str(page)


def test_overview_uses_no_radix_components() -> None:
    """The overview is the page customers open most, and without Radix components it skips their styles."""
    assert not layout.uses_radix_themes(overview_page())


@pytest.mark.parametrize("page", [login_page, tariff_page])
def test_forms_link_radix_component_styles(page) -> None:
    assert "radixComponentStylesUrl" in str(page())


def test_plugin_leaves_out_app_wide_theme() -> None:
    page = SimpleNamespace(app_wrap_components={})
    bundling.SplitRadixThemesPlugin(theme=rx.theme(**bundling.RADIX_THEME)).compile_page(page)

    assert page.app_wrap_components == {}


def test_plugin_keeps_theme_for_colour_mode() -> None:
    plugin = next(plugin for plugin in config.plugins if isinstance(plugin, bundling.SplitRadixThemesPlugin))

    assert plugin.get_theme() is not None
    assert plugin.get_theme().appearance.equals(rx.Var.create("light"))


def test_plain_page_root_copies_radix_theme() -> None:
    rendered = str(layout.branded(rx.el.div(rx.el.span("plain"))))

    assert rendered.startswith('jsx("div",')
    assert 'className:"radix-themes light portal-root"' in rendered
    for name, value in bundling.RADIX_THEME_ROOT_ATTRS.items():
        assert f'"{name}":"{value}"' in rendered


def test_radix_page_root_is_radix_theme() -> None:
    rendered = str(layout.branded(rx.el.div(rx.button("Send"))))

    assert rendered.startswith("jsx(RadixThemesTheme,")
    assert 'accentColor:"blue"' in rendered
    assert 'grayColor:"slate"' in rendered
    assert 'className:"light portal-root"' in rendered
