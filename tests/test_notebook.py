"""The notebooks in docs/notebooks/ run top to bottom, and their stored outputs are current.

The docs show each notebook with the outputs it is stored with (no kernel runs while the
docs build); here each one is executed in a fresh kernel of this Python (nbclient), every
cell must succeed, and every text output must equal the stored one, so the rendered page
shows what the library computes today. Images are not compared (their bytes depend on the
matplotlib version); that a chart is drawn is checked.

To refresh a notebook after a change, run it in Jupyter and save it, or::

    python -m jupyter nbconvert --to notebook --execute --inplace docs/notebooks/NAME.ipynb
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "docs" / "notebooks").glob("*.ipynb"))


@pytest.fixture
def kernel_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``python3`` kernel of this very interpreter, found before any installed one."""
    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), "utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")


def _read(path: Path) -> Any:
    return nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]  # nbformat is untyped


def _texts(cell: Any) -> list[str]:
    """The text of a code cell's outputs: printed text and plain-text results."""
    texts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            texts.append(output["text"])
        elif output["output_type"] in {"execute_result", "display_data"}:
            data = output.get("data", {})
            texts.append(data.get("text/plain", "") if "image/png" not in data else "<image>")
    return texts


def test_notebooks_found() -> None:
    """The pricing notebook is there."""
    assert "pricing-what-ifs.ipynb" in [p.name for p in NOTEBOOKS]


@pytest.mark.usefixtures("kernel_path")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_as_stored(path: Path) -> None:
    """Every cell runs; every text output is the stored one; the chart is drawn."""
    stored, run = _read(path), _read(path)
    client = NotebookClient(
        run,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    pairs = [
        (i, _texts(old), _texts(new))
        for i, (old, new) in enumerate(zip(stored.cells, run.cells, strict=True))
        if new.cell_type == "code"
    ]
    stale = [i for i, old, new in pairs if old != new]
    assert not stale, (
        f"{path.name}: the stored outputs of cells {stale} differ from a fresh run; "
        "re-run the notebook and save it (see this module's docstring)"
    )
    assert any("<image>" in new for _, _, new in pairs), f"{path.name} draws no chart"
