"""The package as it is published: its metadata, LICENSE, sdist, and the wheel built from the sdist.

The sdist ships the tests (MANIFEST.in says why), so the test here builds it, unpacks it, builds
the wheel from it as a packager would, and runs part of the sdist's own suite against that wheel.
Builds use this environment's setuptools (``--no-isolation``): no package index is needed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest and build both depend on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "pulumi_virtualappointment"
APACHE_LICENSE_2_0_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"
"""apache.org's LICENSE-2.0.txt, byte for byte (copied from a wheel on PyPI that ships it unchanged)."""

SDIST_DIRS = ("provider", "tests", "examples", "docs", "benchmarks", "tools", "scripts")
"""Shipped whole: every file under them, caches aside, is in the sdist."""
SDIST_TOP = {
    *SDIST_DIRS, "LICENSE", "README.md", "pyproject.toml", "MANIFEST.in", "Pulumi.yaml", "__main__.py",
    "requirements.txt", "PKG-INFO", "setup.cfg",
}
"""Everything at the top of the sdist; PKG-INFO and setup.cfg are written by setuptools."""
CACHES = {"__pycache__", ".hypothesis", ".pytest_cache", ".venv", ".state", ".ruff_cache", "build", "dist"}
PURE_TIER = ("test_model.py", "test_meeting_model.py", "test_patch.py", "test_retry.py", "test_errors.py")
"""The README's pure tier, run from the unpacked sdist with the README's own checks."""


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _run(*command: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    """Run a command, failing the test with its output unless it exits 0; returns stdout."""
    process = subprocess.run(command, check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if process.returncode != 0:
        output = f"{process.stdout[-4000:]}\n{process.stderr[-4000:]}"
        pytest.fail(f"{' '.join(command)} exited {process.returncode}\n{output}")
    return process.stdout


def _source_files(top: Path) -> set[str]:
    """Files under ``top``, relative to the repository, outside caches and egg-info."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in top.rglob("*")
        if path.is_file()
        and not CACHES.intersection(path.relative_to(ROOT).parts)
        and not any(part.endswith(".egg-info") for part in path.parts)
    }


# -- metadata, from pyproject.toml --------------------------------------------------------------


def test_license_file_is_the_apache_license_2_0_text_byte_for_byte():
    text = (ROOT / "LICENSE").read_bytes()
    assert hashlib.sha256(text).hexdigest() == APACHE_LICENSE_2_0_SHA256
    assert b"Apache License\n                           Version 2.0, January 2004" in text


def test_license_is_an_spdx_expression_with_its_file_not_the_deprecated_table():
    project = _pyproject()["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    license_classifiers = [c for c in project["classifiers"] if c.startswith("License ::")]
    assert not license_classifiers, "PEP 639: the expression replaces them, and setuptools refuses both"


def test_build_requires_the_first_setuptools_with_license_expressions():
    """setuptools 77.0.0 added PEP 639 expressions (its NEWS.rst); 76 refuses a string ``license``."""
    (setuptools,) = [Requirement(r) for r in _pyproject()["build-system"]["requires"] if r.startswith("setuptools")]
    assert "77.0.0" in setuptools.specifier and "76.1.0" not in setuptools.specifier


def test_dependencies_require_a_urllib3_that_inflates_a_body_a_bounded_step_at_a_time():
    """The size cap holds after decompression only with urllib3 2.7.0 or later: before 2.6.0 a
    streamed gzip body was inflated whole (CVE-2025-66471; with 2.5.0 a 398 KiB answer took
    130 MiB before the cap refused it), and before 2.7.0 a second bounded read of a Brotli body, or
    draining a connection after a partial read, still inflated it all (CVE-2026-44432). The bomb
    test in test_hostile guards the behaviour with what is installed; this guards the floor a
    user's resolver may pick, since requests alone allows any urllib3 from 1.21.1."""
    (urllib3,) = [Requirement(r) for r in _pyproject()["project"]["dependencies"] if r.startswith("urllib3")]
    assert "2.7.0" in urllib3.specifier and "2.6.3" not in urllib3.specifier and "3.0.0" not in urllib3.specifier


def test_classifiers_are_on_the_official_trove_list():
    trove = pytest.importorskip("trove_classifiers", reason="trove-classifiers is in the test extra")
    classifiers = _pyproject()["project"]["classifiers"]
    unknown = [c for c in classifiers if c not in trove.classifiers]
    assert not unknown, f"not trove classifiers: {unknown}"
    assert {"Typing :: Typed", "Framework :: Pytest"} <= set(classifiers)
    assert "Framework :: Pulumi" not in trove.classifiers  # had there been one, it would be ours


def test_python_classifiers_are_the_versions_requires_python_allows_from_its_floor():
    project = _pyproject()["project"]
    versions = sorted(
        (tuple(map(int, m.group(1).split("."))) for c in project["classifiers"]
         if (m := re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", c))),
    )
    allowed = SpecifierSet(project["requires-python"])
    assert all(f"{major}.{minor}" in allowed for major, minor in versions)
    assert f"{versions[0][0]}.{versions[0][1] - 1}" not in allowed, "the oldest Python allowed is not listed"
    assert versions == [(3, minor) for minor in range(versions[0][1], versions[-1][1] + 1)], "a version is skipped"


def test_authors_keywords_and_py_typed_are_declared():
    project = _pyproject()["project"]
    assert project["authors"] and all(author.get("name") for author in project["authors"])
    assert "pulumi" in project["keywords"] and "microsoft-graph" in project["keywords"]
    assert (ROOT / "provider" / PACKAGE / "py.typed").is_file()
    assert "py.typed" in _pyproject()["tool"]["setuptools"]["package-data"][PACKAGE]


# -- the sdist and the wheel built from it -------------------------------------------------------


def _not_source(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n in CACHES or n in {".git", ".ci"} or n.endswith(".egg-info")}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The sdist of this tree, unpacked, and the wheel built from the unpacked sdist.

    The sdist is built from a copy without ``*.egg-info``: setuptools adds every file an old
    ``SOURCES.txt`` lists, so a tree that was built before can ship what MANIFEST.in no longer says.
    """
    pytest.importorskip("build", reason="build is in the test extra")
    checkout = tmp_path_factory.mktemp("checkout") / "src"
    shutil.copytree(ROOT, checkout, ignore=_not_source)
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(out), str(checkout), cwd=checkout)
    (sdist,) = out.glob("*.tar.gz")
    unpacked = tmp_path_factory.mktemp("sdist")
    with tarfile.open(sdist) as archive:
        if hasattr(tarfile, "data_filter"):
            archive.extractall(unpacked, filter="data")
        else:  # Python < 3.11.4
            archive.extractall(unpacked)
    (source,) = unpacked.iterdir()
    _run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(source), cwd=source)
    (wheel,) = out.glob("*.whl")
    return {"sdist": sdist, "source": source, "wheel": wheel}


def test_sdist_ships_the_whole_source_tests_included_and_nothing_else(built):
    with tarfile.open(built["sdist"]) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    top = {name.split("/")[0] for name in names}
    assert top == SDIST_TOP
    expected = set().union(*(_source_files(ROOT / d) for d in SDIST_DIRS))
    missing = expected - names
    assert not missing, f"source files the sdist leaves out: {sorted(missing)}"
    assert {"tests/conftest.py", "tests/emulator_fixtures.py", f"provider/{PACKAGE}/py.typed",
            f"provider/{PACKAGE}/pulumi-plugin.json"} <= names
    assert not [n for n in names if CACHES.intersection(n.split("/")) or n.endswith((".pyc", ".pyo"))]


def test_sdist_metadata_has_the_license_expression_and_no_license_classifier(built):
    metadata = Parser().parsestr((built["source"] / "PKG-INFO").read_text(encoding="utf-8"))
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["License"] is None
    assert not [c for c in metadata.get_all("Classifier") if c.startswith("License ::")]
    assert "Typing :: Typed" in metadata.get_all("Classifier")


def test_wheel_has_the_package_its_py_typed_emulator_testing_and_license_and_no_tests(built):
    with zipfile.ZipFile(built["wheel"]) as wheel:
        names = set(wheel.namelist())
        dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(wheel.read(f"{dist_info}/METADATA").decode("utf-8"))
        license_text = wheel.read(f"{dist_info}/licenses/LICENSE")
        entry_points = wheel.read(f"{dist_info}/entry_points.txt").decode("utf-8")
    code = {n for n in names if not n.startswith(dist_info)}
    expected = {p.removeprefix("provider/") for p in _source_files(ROOT / "provider" / PACKAGE)}
    assert code == expected, f"missing {sorted(expected - code)}, unexpected {sorted(code - expected)}"
    assert {f"{PACKAGE}/py.typed", f"{PACKAGE}/pulumi-plugin.json", f"{PACKAGE}/emulator/__main__.py",
            f"{PACKAGE}/testing/pytest_plugin.py"} <= code
    assert not [n for n in names if n.startswith("tests/") or n.endswith("conftest.py")]
    assert hashlib.sha256(license_text).hexdigest() == APACHE_LICENSE_2_0_SHA256
    assert metadata["License-Expression"] == "Apache-2.0"
    assert f"{PACKAGE} = {PACKAGE}.testing.pytest_plugin" in entry_points


def test_sdist_tests_run_from_the_unpacked_sdist_against_the_wheel_built_from_it(built, tmp_path):
    """What a packager does: install the wheel built from the sdist, run the sdist's tests."""
    site = tmp_path / "site"
    with zipfile.ZipFile(built["wheel"]) as wheel:
        wheel.extractall(site)  # a pure-Python wheel installs by unpacking
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTEST_ADDOPTS"}}
    env["PYTHONPATH"] = str(site)
    source = built["source"]
    imported = _run(sys.executable, "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)", cwd=source, env=env)
    assert Path(imported.strip()).is_relative_to(site), f"the tests would import {imported.strip()}"
    pytest_command = (sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    collected = _run(*pytest_command, "--collect-only", cwd=source, env=env)  # every module and helper imports
    assert re.search(r"^\d+ tests collected", collected, re.MULTILINE), collected[-2000:]
    tests = [f"tests/{name}" for name in (*PURE_TIER, "test_readme.py")]
    result = _run(*pytest_command, *tests, cwd=source, env=env)
    assert re.search(r"^\d+ passed", result, re.MULTILINE), result[-2000:]


# Pulumi's Python language host, verbatim (pulumi/pulumi at 1b59498,
# sdk/python/cmd/pulumi-language-python/main.go, pulumiPluginJSONPathsScript): how `pulumi up`
# finds each installed "pulumi-*" distribution's pulumi-plugin.json. Without one (or with
# "resource": true) the engine is told to fetch a resource plugin "virtualappointment" that does
# not exist, and `pulumi up` fails before the program runs.
LANGUAGE_HOST_SCRIPT = """import importlib.metadata, importlib.util, os, sys, json
result = {}
for pkg_name in sys.argv[1:]:
\ttry:
\t\tdist = importlib.metadata.distribution(pkg_name)
\t\tmodule = dist.metadata['Name'].replace('-', '_')
\t\tspec = importlib.util.find_spec(module)
\t\tlocs = list(spec.submodule_search_locations or []) if spec else []
\t\tfound = [p for l in locs for p in [os.path.join(str(l), 'pulumi-plugin.json')] if os.path.isfile(p)]
\t\tresult[pkg_name] = found[0] if found else ''
\texcept Exception:
\t\tresult[pkg_name] = ''
print(json.dumps(result))"""


def test_the_language_host_finds_no_resource_plugin_to_install():
    import json

    done = subprocess.run([sys.executable, "-c", LANGUAGE_HOST_SCRIPT, "pulumi-virtualappointment"],
                          capture_output=True, text=True, timeout=60, check=True)
    path = json.loads(done.stdout)["pulumi-virtualappointment"]
    assert path, "the language host would find no pulumi-plugin.json and ask for plugin 'virtualappointment'"
    assert json.loads(Path(path).read_text()) == {"resource": False}
