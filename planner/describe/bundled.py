"""The bundled portfolios: where they are installed, which there are, and a copy to start from.

The repository keeps them in ``sites/`` (portfolios at the top, ``site/`` files, ``parcels/``);
pyproject.toml ships that folder as the package ``planner.bundled``, so after ``pip install .``
(or ``pip install -e .``) they are found from any working directory. ``us-miners`` holds every
site and offer; each other portfolio holds one operator's sites and the offers naming only them.
"""

from __future__ import annotations

import logging
import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from planner.describe.errors import InputError, Problem
from planner.describe.yaml_reader import read_yaml

logger = logging.getLogger(__name__)

PACKAGE = "planner.bundled"
DEFAULT_PORTFOLIO = "us-miners"
SOURCES_FILE = "SOURCES.md"
"""Copied with every portfolio when present: the bundled data's `source` fields refer to it."""


def bundled_dir() -> Path:
    """The folder holding the bundled data, as a real filesystem path (``sites/`` of the clone
    for an editable install or when planner is imported from a checkout, ``planner/bundled/`` in
    site-packages for a wheel)."""
    try:
        root = resources.files(PACKAGE)
    except ModuleNotFoundError:  # planner imported from a source checkout: sites/ is the package's folder
        root = Path(__file__).resolve().parents[2] / "sites"
    if not isinstance(root, Path) or not root.is_dir():
        raise FileNotFoundError(f"the bundled data ({PACKAGE}) are not a folder on disk: {root}")
    return root


def bundled_names() -> list[str]:
    """Names of the bundled portfolios (their file names without .yaml), sorted."""
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def bundled_portfolio(name: str = DEFAULT_PORTFOLIO) -> Path:
    """The file of the bundled portfolio `name` (case, spaces, '-' and '_' ignored, '.yaml'
    optional); ValueError listing the bundled names when there is none."""
    wanted = _key(name.removesuffix(".yaml"))
    for known in bundled_names():
        if _key(known) == wanted:
            return bundled_dir() / f"{known}.yaml"
    raise ValueError(f"no bundled portfolio {name!r} (bundled: {', '.join(bundled_names())})")


def copy_bundled(dest: Path, operator: str | None = None) -> Path:
    """Copy a bundled portfolio into `dest` with every site file and parcel it references (and
    SOURCES.md when bundled), at the same relative paths, and return the copied portfolio file.

    `operator` None copies ``us-miners``; otherwise the operator's portfolio (``Core Scientific``,
    ``core-scientific``, ``TERAWULF``: case, spaces, '-' and '_' ignored). ValueError names the
    operators there are; FileExistsError lists the files that would be overwritten (then nothing
    is copied)."""
    name = DEFAULT_PORTFOLIO if operator is None else _operator_portfolio(operator)
    root = bundled_dir()
    files = referenced_files(root / f"{name}.yaml")
    if (root / SOURCES_FILE).is_file():
        files.append(Path(SOURCES_FILE))
    dest = Path(dest)
    taken = [str(dest / f) for f in files if (dest / f).exists()]
    if taken:
        raise FileExistsError(f"not copying the bundled portfolio {name}: would overwrite {', '.join(taken)}")
    for f in files:
        (dest / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / f, dest / f)
    logger.info("copied bundled portfolio %s (%d files) to %s", name, len(files), dest)
    return dest / f"{name}.yaml"


def referenced_files(portfolio: Path) -> list[Path]:
    """The portfolio file, its site files, their land files and its catalog file (when not
    bundled), relative to the portfolio's folder, in that order and each once.

    Raises InputError when a file cannot be read as YAML (the bundled data always can)."""
    base = portfolio.parent
    spec = _mapping(portfolio)
    files = [Path(portfolio.name)]
    for entry in spec.get("sites", []):
        if isinstance(entry, str):  # a site file; else an inline site
            files.append(Path(entry))
            folder, site = (base / entry).parent, _mapping(base / entry)
        else:
            folder, site = base, entry
        land = site.get("land")
        if isinstance(land, dict) and isinstance(land.get("file"), str):
            files.append((folder / land["file"]).resolve().relative_to(base.resolve()))
    catalog = spec.get("catalog")
    if isinstance(catalog, str) and catalog != "bundled":
        files.append(Path(catalog))
    return list(dict.fromkeys(files))


def _operator_portfolio(operator: str) -> str:
    names = [n for n in bundled_names() if n != DEFAULT_PORTFOLIO]
    for name in names:
        if _key(name) == _key(operator):
            return name
    raise ValueError(f"no bundled portfolio for operator {operator!r} (operators: {', '.join(names)})")


def _key(name: str) -> str:
    """A name as matched: lower case, without spaces, '-' and '_'."""
    return re.sub(r"[\s_\-]+", "", name).lower()


def _mapping(path: Path) -> dict[str, Any]:
    problems: list[Problem] = []
    data = read_yaml(path, problems)
    if problems or not isinstance(data, dict):
        raise InputError(problems or [Problem(str(path), "<root>", type(data).__name__, "expected a mapping of keys")])
    return data
