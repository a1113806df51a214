"""A downloaded chapter notebook runs where a student runs it, and reads as a plain notebook.

Needs the built site (``make book``; ``make test`` builds it first). The module:

1. builds vilib's wheel (distribution ``cavi-vilib``) from a copy of the package sources;
2. creates a fresh virtual environment in a temporary folder OUTSIDE the repository and
   installs only that wheel with its ``[book]`` extra and ``ipykernel``, at the versions
   pinned in requirements.txt (given to pip as constraints: pip's cache makes this quick);
3. finds every notebook the site links to (each chapter page links a student and an
   instructor edition) and executes each one with nbclient on that environment's kernel,
   each in an empty temporary folder of its own, two at a time;
4. checks the text of the notebooks: no raw MyST (``{glue``, ``{eq}``, ``:::{``, code-cell
   fences, ``{cite``, ...), no saved widget views or script-driven HTML, an install line in
   the first cell, every exercise present; student editions hold no solution (their text and
   code are taken from the chapter sources here, independently of the build) while the
   instructor editions hold every one; the student answer cells feed vilib's checker.

Run on its own: ``.venv/bin/python -m pytest tests/site/test_notebooks_anywhere.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jupytext
import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
DISTRIBUTION = "cavi-vilib"
EXTRA = "book"
WORKERS = 2                       # the machine has 2 cores: never run more kernels at once
KERNEL = "fresh-vilib"
TIMEOUT = 900                     # seconds for one notebook (the slowest takes ~40 s alone)

#: Raw MyST that must not reach a plain notebook's Markdown.
RAW_MYST = [
    ("glue role", re.compile(r"\{glue")),
    ("eq role", re.compile(r"\{eq\}")),
    ("cite role", re.compile(r"\{cite")),
    ("colon directive", re.compile(r":::+\s*\{")),
    ("code-cell fence", re.compile(r"```+\s*\{code-cell\}")),
    ("directive fence", re.compile(r"```+\s*\{[\w:-]+\}")),
    ("any role", re.compile(r"\{[a-z][\w:-]*\}`")),
    ("target", re.compile(r"^\([\w:.-]+\)=\s*$", re.M)),
    ("equation label", re.compile(r"\$\$[ \t]*\([\w:.-]+\)[ \t]*$", re.M)),
]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


# --------------------------------------------------------------------------- chapters


def chapters() -> list[str]:
    """Document names of the notebook chapters in _toc.yml ("book/gibbs", ...)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", toc.get("chapters", [])))
    out = []
    for doc in found:
        path = ROOT / f"{re.sub(r'[.](md|ipynb)$', '', doc)}.md"
        if path.is_file() and "kernelspec:" in path.read_text(encoding="utf-8").split("\n---", 1)[0]:
            out.append(str(path.relative_to(ROOT).with_suffix("")))
    return out


CHAPTERS = chapters()
NOTEBOOKS = [(doc, edition) for doc in CHAPTERS for edition in ("student", "instructor")]


def source(doc: str) -> str:
    return (ROOT / f"{doc}.md").read_text(encoding="utf-8")


def exercises(doc: str) -> list[tuple[str, str]]:
    """(label, body) of every exercise fence of a chapter source."""
    return [(m.group(2), m.group(3)) for m in re.finditer(
        r"^(:{3,})\{exercise\}[^\n]*\n:label:\s*(\S+)\n(.*?)^\1\s*$", source(doc), re.M | re.S)]


def solutions(doc: str) -> dict[str, str]:
    """Every solution of a chapter source, by label: gated blocks (with their code cells), plain
    dropdowns, and code cells tagged ``solution`` (attached to the solution before them)."""
    text = source(doc)
    found: dict[str, str] = {}
    for m in re.finditer(r"^(:{3,})\{solution-start\}\s*(\S+).*?^(:{3,})\{solution-end\}",
                         text, re.M | re.S):
        found[m.group(2)] = m.group(0)
    for m in re.finditer(r"^(:{3,})\{solution\}\s*(\S+)[^\n]*\n(.*?)^\1\s*$", text, re.M | re.S):
        found[m.group(2)] = m.group(3)
    nb = jupytext.reads(text, "md:myst")
    last = None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            labels = re.findall(r"\{solution(?:-start)?\}\s*(\S+)", cell.source)
            last = labels[-1] if labels else last
        elif "solution" in cell.metadata.get("tags", []):
            assert last, f"{doc}: a code cell tagged solution before any solution"
            found[last] += "\n" + cell.source
    return found


def evidence(block: str) -> list[str]:
    """Lines of a solution that would give it away: long, and free of MyST the build rewrites."""
    lines = []
    for line in block.split("\n"):
        line = line.strip()
        if (len(line) >= 30 and not line.startswith((":", "```", "#", "$$"))
                and not re.search(r"\{[\w:-]+\}`|`\{", line)):
            lines.append(line)
    return lines


# --------------------------------------------------------------------------- the site


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and urlsplit(href).path.endswith(".ipynb"):
            self.hrefs.append(href)


def linked_notebooks() -> dict[Path, set[str]]:
    """Every .ipynb any page links to (a local file) -> the pages linking it."""
    out: dict[Path, set[str]] = {}
    for page in sorted(HTML.rglob("*.html")):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        for href in parser.hrefs:
            parts = urlsplit(href)
            assert not parts.scheme and not parts.netloc, f"{page}: off-site notebook {href}"
            target = (page.parent / unquote(parts.path)).resolve()
            out.setdefault(target, set()).add(str(page.relative_to(HTML)))
    return out


@pytest.fixture(scope="module")
def links() -> dict[Path, set[str]]:
    if not (HTML / "index.html").is_file():
        pytest.fail(f"{HTML / 'index.html'} is missing: run `make book` first", pytrace=False)
    return linked_notebooks()


def edition_path(links, doc: str, edition: str) -> Path:
    page = f"{doc}.html"
    found = [p for p, pages in links.items()
             if page in pages and p.name == f"{Path(doc).name}-{edition}.ipynb"]
    assert len(found) == 1, f"{page} links no {edition} edition ({Path(doc).name}-{edition}.ipynb)"
    return found[0]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def text_of(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def everything(nb: dict) -> str:
    """All the text a reader can see: sources and outputs."""
    parts = []
    for cell in nb["cells"]:
        parts.append(text_of(cell))
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")))
            for mime, value in out.get("data", {}).items():
                if mime.startswith("text/"):
                    parts.append("".join(value) if isinstance(value, list) else value)
    return "\n".join(parts)


# --------------------------------------------------------------------------- fresh environment


def run(cmd, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def clean_env() -> dict:
    """The test's environment minus what would leak the repository into a kernel."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "MPLBACKEND", "VIRTUAL_ENV", "JUPYTER_PATH",
                        "PYTHONHOME", "PYTHONSTARTUP")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


@pytest.fixture(scope="module")
def fresh():
    """A wheel, and a virtual environment outside the repository holding it and a kernel.

    In a temporary folder of its own, not pytest's numbered ones (which another pytest run on
    the machine may clean up while the notebooks still run).
    """
    with tempfile.TemporaryDirectory(prefix="cavi-notebooks-anywhere-") as folder:
        yield _fresh(Path(folder))


def _fresh(tmp: Path) -> dict:
    assert not tmp.resolve().is_relative_to(ROOT), "the environment must live outside the repo"
    started = time.perf_counter()
    src = tmp / "src"
    shutil.copytree(ROOT / "vilib", src / "vilib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", tmp / "dist", src], env=clean_env())
    (wheel,) = (tmp / "dist").glob("*.whl")
    built = time.perf_counter()

    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", venv], env=clean_env())
    python = venv / "bin" / "python"
    pins = [line for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith(("-", "#"))]
    constraints = tmp / "constraints.txt"
    constraints.write_text("\n".join(pins) + "\n")
    run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
         "-c", constraints, f"{wheel}[{EXTRA}]", "ipykernel"], env=clean_env(), cwd=tmp)
    spec = tmp / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "fresh vilib", "language": "python"}))
    installed = time.perf_counter()
    return {"tmp": tmp, "wheel": wheel, "python": python, "kernels": tmp / "kernels",
            "times": {"wheel": built - started, "venv": installed - built}}


@pytest.fixture(scope="module")
def executed(fresh, links):
    """Run every linked edition (two at a time); -> {(doc, edition): (seconds, error or None)}."""
    jobs = {}
    for doc, edition in NOTEBOOKS:
        try:
            jobs[(doc, edition)] = edition_path(links, doc, edition)
        except AssertionError:
            continue                                  # reported by the link test
    assert len(jobs) == len(set(jobs.values()))

    def one(item):
        (doc, edition), path = item
        work = fresh["tmp"] / "run" / f"{Path(doc).name}-{edition}"
        work.mkdir(parents=True)
        shutil.copy(path, work / path.name)                   # alone in an empty folder
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, __file__, "--run", work / path.name, fresh["kernels"], work],
            capture_output=True, text=True, env=clean_env(), cwd=work, timeout=TIMEOUT + 60)
        seconds = time.perf_counter() - started
        error = None if result.returncode == 0 else (result.stdout + result.stderr)[-4000:]
        return (doc, edition), (seconds, error, work / path.name)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = dict(pool.map(one, jobs.items()))
    # for the record (CI logs, the closing note): _build/notebooks_anywhere.json
    summary = {"wheel_s": fresh["times"]["wheel"], "venv_s": fresh["times"]["venv"],
               "notebooks_s": time.perf_counter() - started, "workers": WORKERS,
               "notebooks": {f"{Path(d).name}-{e}": {"seconds": round(s, 1), "ok": err is None}
                             for (d, e), (s, err, _) in results.items()}}
    (ROOT / "_build" / "notebooks_anywhere.json").write_text(json.dumps(summary, indent=1) + "\n")
    return results


def execute(path: Path, kernels: Path, cwd: Path) -> None:
    """Execute a notebook in place on the kernel ``KERNEL`` found in ``kernels`` (subprocess)."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name=KERNEL,
                       kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    NotebookClient(nb, km=km, timeout=TIMEOUT, resources={"metadata": {"path": str(cwd)}}).execute()
    nbformat.write(nb, path)


# --------------------------------------------------------------------------- tests: the wheel


def test_wheel_is_cavi_vilib_with_every_subpackage_and_the_data(fresh):
    names = zipfile.ZipFile(fresh["wheel"]).namelist()
    packages = sorted(str(p.parent.relative_to(ROOT)) for p in (ROOT / "vilib").rglob("__init__.py")
                      if "__pycache__" not in p.parts)
    assert len(packages) >= 6                    # vilib, core, baselines, experiments, ...
    for package in packages:
        assert f"{package}/__init__.py" in names, f"{package} is missing from the wheel"
    data = [str(p.relative_to(ROOT)) for p in (ROOT / "vilib" / "data").rglob("*")
            if p.is_file()]
    assert data and all(name in names for name in data), "vilib/data files missing"
    (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
    meta = zipfile.ZipFile(fresh["wheel"]).read(metadata).decode()
    assert re.search(r"^Name: cavi-vilib$", meta, re.M)
    for requirement in ("sympy", "matplotlib", "ipywidgets"):
        assert re.search(rf"^Requires-Dist: {requirement}\b.*extra == \"{EXTRA}\"", meta, re.M), \
            f"the [{EXTRA}] extra does not pull {requirement}"


def test_fresh_environment_imports_vilib_from_the_wheel_and_has_no_book_tools(fresh):
    probe = ("import importlib.util, vilib, vilib.teaching.checker, vilib.datasets; print(vilib.__file__);"
             "print(importlib.util.find_spec('myst_nb'), importlib.util.find_spec('jupyter_book'))")
    out = run([fresh["python"], "-c", probe], cwd=fresh["tmp"], env=clean_env()).stdout.split()
    assert Path(out[0]).resolve().is_relative_to(fresh["python"].parent.parent.resolve())
    assert out[1:] == ["None", "None"]


# --------------------------------------------------------------------------- tests: the links


def test_every_chapter_page_links_a_student_and_an_instructor_edition(links):
    assert len(CHAPTERS) >= 13
    for doc in CHAPTERS:
        for edition in ("student", "instructor"):
            path = edition_path(links, doc, edition)
            assert path.is_file(), f"{doc}: the {edition} link points at a missing file {path}"
    assert all(p.is_file() for p in links), "a link to a missing notebook"


# --------------------------------------------------------------------------- tests: the text


@pytest.mark.parametrize("doc, edition", NOTEBOOKS, ids=lambda v: Path(v).name)
def test_notebook_reads_as_a_plain_notebook(links, doc, edition):
    path = edition_path(links, doc, edition)
    nb = load(path)
    assert nb["nbformat"] == 4
    nbformat.validate(nbformat.read(path, as_version=4))          # a valid notebook file
    ids = [c["id"] for c in nb["cells"]]
    assert len(set(ids)) == len(ids), "duplicate cell ids"
    first = text_of(nb["cells"][0])
    assert nb["cells"][0]["cell_type"] == "markdown" and "pip install" in first
    assert f'"{DISTRIBUTION}[{EXTRA}]"' in first, "the first cell does not say how to install vilib"
    problems = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            problems += [f"cell {i}: {what}" for what, pattern in RAW_MYST
                         if pattern.search(text_of(cell))]
        elif cell["cell_type"] == "code":
            if re.search(r"\bmyst_nb\b", text_of(cell)):
                problems.append(f"cell {i}: imports myst_nb")
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                html = "".join(data.get("text/html", ""))
                if WIDGET_VIEW in data:
                    problems.append(f"cell {i}: a saved widget view")
                if "<script" in html.lower():
                    problems.append(f"cell {i}: HTML that needs scripts (untrusted: shows broken)")
                if any(k.startswith("application/papermill") for k in data):
                    problems.append(f"cell {i}: a glue record")
    assert "widgets" not in nb.get("metadata", {}), "saved widget state"
    assert not problems, f"{doc} ({edition}):\n" + "\n".join(problems)

    headings = re.findall(r"^#{2,4} Exercise (\d+\.\d+)", "\n".join(
        text_of(c) for c in nb["cells"] if c["cell_type"] == "markdown"), re.M)
    assert len(headings) == len(exercises(doc)), f"{doc} ({edition}): exercises {headings}"


@pytest.mark.parametrize("doc", CHAPTERS, ids=lambda v: Path(v).name)
def test_student_edition_has_no_solution_and_instructor_edition_has_all(links, doc):
    student = everything(load(edition_path(links, doc, "student")))
    instructor = everything(load(edition_path(links, doc, "instructor")))
    sols = solutions(doc)
    assert len(sols) == len(exercises(doc)), f"{doc}: exercises without a solution"
    for label, block in sols.items():
        lines = evidence(block)
        assert lines, f"{doc}: solution {label} has no line this test can look for"
        leaked = [line for line in lines if line in student]
        assert not leaked, f"{doc}: the student edition shows the solution of {label}: {leaked[:2]}"
        assert any(line in instructor for line in lines), (
            f"{doc}: the instructor edition lacks the solution of {label}")
    assert not re.search(r"(?i)solution to exercise", student)


@pytest.mark.parametrize("doc", CHAPTERS, ids=lambda v: Path(v).name)
def test_student_answer_cells_are_ready_for_the_checker(links, doc):
    from vilib.teaching.checker import QUESTIONS

    nb = load(edition_path(links, doc, "student"))
    answers = [c for c in nb["cells"] if c["cell_type"] == "code"
               and "answer" in c["metadata"].get("tags", [])]
    assert len(answers) == len(exercises(doc)), f"{doc}: one answer code cell per exercise"
    for (label, body), cell in zip(exercises(doc), answers):
        named = [q for q in QUESTIONS if re.search(rf"check_{q}\b|[\"']{q}[\"']", body)]
        for q in named:
            assert "check_answer(question, answer" in text_of(cell) and f'"{q}"' in text_of(cell), (
                f"{doc}: the answer cell of {label} does not check {q}")
        if "require_lam=True" in body:
            assert "require_lam=True" in text_of(cell), f"{doc}: {label} asks for the lambda model"
        assert not cell["outputs"], "an answer cell with an output"


# --------------------------------------------------------------------------- tests: running


@pytest.mark.parametrize("doc, edition", NOTEBOOKS, ids=lambda v: Path(v).name)
def test_notebook_runs_top_to_bottom_in_a_fresh_environment(executed, doc, edition):
    assert (doc, edition) in executed, f"{doc}: no {edition} edition linked"
    seconds, error, path = executed[(doc, edition)]
    assert error is None, f"{doc} ({edition}) failed after {seconds:.0f} s:\n{error}"
    nb = load(path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c.get("execution_count") for c in code), "a code cell did not run"


def test_a_filled_in_answer_cell_gets_the_checker_verdict(fresh, links):
    """A student types the right s_k^2 into the completing-the-square answer cell and runs it."""
    nb = load(edition_path(links, "book/completing_square", "student"))
    cell = next(c for c in nb["cells"] if "answer" in c["metadata"].get("tags", [])
                and "s2_update" in text_of(c))
    code = re.sub(r'^s2_update_answer( *)= ""', r's2_update_answer\1= "1/(1/sigma**2 + N_k)"',
                  text_of(cell), flags=re.M)
    code = re.sub(r'^m_update_answer( *)= ""', r'm_update_answer\1= "sigma**2 * S_k"', code,
                  flags=re.M)
    assert code.count("sigma**2") == 2, code
    out = run([fresh["python"], "-c", code], cwd=fresh["tmp"], env=clean_env()).stdout
    assert re.search(r"^s2_update: correct", out, re.M), out
    assert re.search(r"^m_update: not right yet", out, re.M), out


if __name__ == "__main__" and sys.argv[1:2] == ["--run"]:
    execute(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
