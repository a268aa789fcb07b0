"""Where a paygate project keeps its folders, and how spec problems are shown.

A project is a folder holding ``spec/`` and ``templates/`` (and, once made,
``generated/``). Every command finds it the same way and shows spec problems
under the spec folder it actually read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .loader import SpecError


class ProjectError(Exception):
    """No project folder where one is needed."""


@dataclass(frozen=True)
class Project:
    """The folders of a paygate project checkout.

    ``spec_dir`` and ``output_dir`` replace spec/ and generated/ (the
    ``--spec``/``--output`` options, e.g. for the golden record); templates
    always come from the project itself.
    """

    root: Path
    spec_dir: Path | None = None
    output_dir: Path | None = None

    @property
    def spec(self) -> Path:
        return self.spec_dir if self.spec_dir is not None else self.root / "spec"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def own_spec(self) -> bool:
        """True when the spec read is the project's spec/ (whose docs examples exist)."""
        return self.spec.resolve() == (self.root / "spec").resolve()

    @property
    def generated(self) -> Path:
        return self.output_dir if self.output_dir is not None else self.root / "generated"

    def shown(self, path: Path) -> str:
        """A folder as messages name it: relative to the project where it lies inside."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


def find_project(start: Path | None = None) -> Project:
    """The nearest folder upward holding spec/ and templates/."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "spec").is_dir() and (folder / "templates").is_dir():
            return Project(folder)
    raise ProjectError(
        f"no paygate project found at or above {here} (a folder with spec/ and templates/)"
    )


def problem_lines(folder: str, exc: SpecError) -> list[str]:
    """Every spec problem on its own line, placed under ``folder`` (the folder read)."""
    return [
        f"{folder}/{p}" if "/" not in p.place.file and p.place.file != "<spec>" else str(p)
        for p in exc.problems
    ]


def spec_report(project: Project, exc: SpecError) -> str:
    """Every spec problem on its own line, and a count, under the spec folder actually read."""
    lines = problem_lines(project.shown(project.spec), exc)
    n = len(exc.problems)
    lines.append(f"error: the spec has {n} problem{'s' if n != 1 else ''}")
    return "\n".join(lines)
