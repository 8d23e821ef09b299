"""The monorepo's rules, checked on the source tree itself (no package needs to be installed).

- dependency direction: common imports none of ours; client never imports server and
  vice versa; the façade holds no logic beyond re-exports;
- the HTTP core is sans-IO: nothing under blazeio_common.http imports asyncio or sockets;
- one lockstep version with exact pins between siblings; every package ships py.typed.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ROOT / "packages"
OURS = {"blazeio_common", "blazeio_server", "blazeio_client", "blazeio_other", "Blazeio"}
DISTS = {
    "blazeio-common": "blazeio_common",
    "blazeio-server": "blazeio_server",
    "blazeio-client": "blazeio_client",
    "blazeio-other": "blazeio_other",
    "blazeio": "Blazeio",
}
FORBIDDEN = {
    "blazeio_common": OURS - {"blazeio_common"},
    "blazeio_server": {"blazeio_client", "blazeio_other", "Blazeio"},
    "blazeio_client": {"blazeio_server", "blazeio_other", "Blazeio"},
    "blazeio_other": {"blazeio_server", "Blazeio"},
    "Blazeio": set(),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
        ):
            for arg in node.args[:1]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    names.add(arg.value)
                elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                    names.add(str(arg.values[0].value))
    return names


def sources(package: str) -> list[Path]:
    dist = next(d for d, p in DISTS.items() if p == package)
    return sorted((PACKAGES / dist / "src" / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_dependency_direction_holds(package: str) -> None:
    offenders = []
    for path in sources(package):
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top in FORBIDDEN[package]:
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_the_http_core_is_sans_io() -> None:
    offenders = []
    for path in (PACKAGES / "blazeio-common" / "src" / "blazeio_common" / "http").rglob("*.py"):
        for module in imported_modules(path):
            if module.split(".")[0] in {"asyncio", "socket", "ssl", "selectors", "threading"}:
                offenders.append(f"{path.name} imports {module}")
            if module.startswith("blazeio_common.") and not module.startswith(
                ("blazeio_common.http", "blazeio_common.errors")
            ):
                offenders.append(f"{path.name} imports {module} (outside the core)")
    assert offenders == []


def test_the_facade_only_reexports() -> None:
    facade = PACKAGES / "blazeio" / "src" / "Blazeio" / "__init__.py"
    tree = ast.parse(facade.read_text())
    functions = [n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    # The only code: forwarding io.INBOUND_CHUNK_SIZE / OUTBOUND_CHUNK_SIZE to ioConf.
    assert sorted(functions) == ["__getattr__", "__setattr__"]


def test_one_lockstep_version_with_exact_pins() -> None:
    versions = {}
    for dist, package in DISTS.items():
        about = (PACKAGES / dist / "src" / package / "__about__.py").read_text()
        match = re.search(r'__version__ = "([^"]+)"', about)
        assert match, dist
        versions[dist] = match.group(1)
        assert (PACKAGES / dist / "src" / package / "py.typed").exists()
    assert set(versions.values()) == {"5.0.0"}
    for dist in DISTS:
        project = tomllib.loads((PACKAGES / dist / "pyproject.toml").read_text())["project"]
        assert project["name"] == dist
        assert project["requires-python"] == ">=3.11"
        for requirement in project["dependencies"]:
            name = re.split(r"[=<>!~; ]", requirement)[0]
            if name in DISTS:
                assert requirement == f"{name}==5.0.0", f"{dist}: {requirement}"
