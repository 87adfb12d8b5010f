"""A static HTML report of an executed series: ``runs/<run>/report/``, readable without a kernel.

:func:`write_report` turns the executed notebooks of a run folder
(``runs/<run>/notebooks/*.ipynb``, written by :func:`aelatent.runner.run_series`)
into one HTML page each, with nbconvert's JupyterLab template stripped of
everything it would fetch from the network (see
``aelatent/report_templates/offline``), and writes an index page: the run's
configuration and machine, a table of the notebooks (a thumbnail of each one's
key figure, status, time, the headline numbers it declares in its metadata,
link) and the sampler league of notebook XII -- its figure above the table it
wrote to ``metrics/12_sampler_comparison_league.csv``. Numbers have three
significant digits. Every page opens from the file system in a browser, with
no server and no external request.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np

from .errors import ConfigError
from .locations import runs_dir
from .storage import atomic_path, read_json

#: Where a notebook declares its headline numbers for the index page: ``metadata.aelatent.headlines``
#: (a list of metric keys; those a run has are shown).
HEADLINE_METADATA = ("aelatent", "headlines")

#: The notebooks whose parts the index page shows beside the table: the league's figure and
#: table, and the training estimate.
LEAGUE_NOTEBOOK = "12_sampler_comparison"
TRAINING_NOTEBOOK = "01_encoder_decoder_latent_space"

#: Cell tag of the figure a notebook's row shows as its thumbnail (default: its first figure).
KEY_FIGURE_TAG = "key-figure"

#: Width in pixels of the thumbnails on the index page.
THUMBNAIL_WIDTH = 240

#: Columns of the league table shown on the index page.
LEAGUE_SHOWN_COLUMNS = ["face_rate", "kid_onet", "kid_onet_ratio", "frechet_onet", "frechet_onet_inf",
                        "precision", "recall", "mahalanobis_median", "core_fraction", "log_likelihood",
                        "nn_train_reencoded"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em;
       color: #222; }
.wide { overflow-x: auto; max-width: 100%; }
img { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.failed { color: #b00020; font-weight: bold; }
code { background: #f6f6f6; padding: 0 0.2em; }
"""


def _template_dir():
    return Path(__file__).with_name("report_templates")


def _index_template():
    """The index page's Jinja2 template (autoescaped), beside the notebook pages' nbconvert one."""
    import jinja2

    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_template_dir())),
                                     autoescape=True, keep_trailing_newline=True)
    return environment.get_template("run_index.html.j2")


def notebook_page(notebook_path, page_path):
    """Write one executed notebook as an offline HTML page."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook_path), as_version=4)
    exporter = HTMLExporter(extra_template_basedirs=[str(_template_dir())],
                            template_name="offline")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": notebook_path.stem}})
    with atomic_path(page_path) as tmp:
        Path(tmp).write_text(body, encoding="utf-8")
    return nb


def _number(value):
    """Three significant digits; scientific notation below 0.001 and from 100,000 on."""
    if isinstance(value, int):
        return f"{value:,}"
    value = float(value)
    if value == 0 or not np.isfinite(value):
        return {0: "0", np.inf: "∞", -np.inf: "−∞"}.get(value, "–")
    if 1e-3 <= abs(value) < 1e5:
        exponent = int(np.floor(np.log10(abs(value))))
        rounded = round(value, 2 - exponent)
        exponent += abs(rounded) >= 10 ** (exponent + 1)      # 99.96 rounds up to 100
        return f"{rounded:,.{max(0, 2 - exponent)}f}"
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"{mantissa}×10<sup>{int(exponent)}</sup>"


def headlines(nb):
    """The metric keys a notebook declares for the index page (see :data:`HEADLINE_METADATA`)."""
    section, key = HEADLINE_METADATA
    return list(nb.metadata.get(section, {}).get(key, []))


def key_figure(nb):
    """The PNG bytes of a notebook's key figure: the output of the cell tagged
    :data:`KEY_FIGURE_TAG`, else its first figure; ``None`` when it has none."""
    import base64

    cells = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in cells if KEY_FIGURE_TAG in c.metadata.get("tags", [])]
    for cell in tagged + cells:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                return base64.b64decode(png)
    return None


def _thumbnail(png, path, width=THUMBNAIL_WIDTH):
    """Write ``png`` scaled to ``width`` pixels (never enlarged) to ``path``; returns ``path``."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png))
    if image.width > width:
        image = image.resize((width, max(1, round(image.height * width / image.width))),
                             Image.LANCZOS)
    with atomic_path(path) as tmp:
        image.save(tmp, format="PNG")
    return path


def _notebook_row(stem, nb, metrics, page, figure):
    """What the index page shows of one notebook (see ``report_templates/run_index.html.j2``)."""
    from markupsafe import Markup

    meta = nb.metadata.get("papermill", {})
    duration = meta.get("duration")
    return {"stem": stem, "page": page.name, "figure": figure.name if figure else None,
            "title": next((c.source.splitlines()[0].lstrip("# ") for c in nb.cells
                           if c.cell_type == "markdown" and c.source.strip()), stem),
            "failed": bool(meta.get("exception")),
            "duration": "–" if duration is None else f"{duration:.0f} s",
            "numbers": [(k, Markup(_number(metrics[k]))) for k in headlines(nb) if k in metrics]}


def _training_lines(nb):
    """The training estimate and epoch lines of an executed notebook (notebook I), as text."""
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []) if o.get("output_type") == "stream")
    return [line.strip() for line in text.splitlines()
            if line.startswith(("expected training time", "  that is long"))]


def _league_section(table_path, figure):
    """The league of notebook XII for the index page: its figure above its table (the CSV
    the notebook wrote); None without the CSV."""
    import pandas as pd
    from markupsafe import Markup

    if not table_path.exists():
        return None
    table = pd.read_csv(table_path, index_col=0)
    columns = [c for c in LEAGUE_SHOWN_COLUMNS if c in table.columns]
    table = table.sort_values("kid_onet" if "kid_onet" in table.columns else columns[0])
    rows = [(str(row), [None if pd.isna(table.loc[row, c]) else Markup(_number(table.loc[row, c]))
                        for c in columns]) for row in table.index]
    return {"figure": figure.name if figure else None, "columns": columns, "rows": rows,
            "n_compared": int(table["n_compared"].min()) if "n_compared" in table else "?"}


def write_report(run_folder, log=print):
    """Write ``<run_folder>/report/``: ``index.html`` and one page per executed notebook.

    Parameters
    ----------
    run_folder : path
        A run folder with executed notebooks in ``notebooks/``.

    Returns
    -------
    Path of ``index.html``.

    Raises
    ------
    ConfigError
        When the run folder has no executed notebooks.
    """
    from .machine import describe_machine

    run_folder = Path(run_folder)
    books = sorted((run_folder / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not books:
        raise ConfigError(f"{run_folder / 'notebooks'} holds no executed notebooks; run the series "
                          "first (make run) or name another run.")
    out = run_folder / "report"
    out.mkdir(exist_ok=True)
    figures = out / "figures"
    rows, league, training = [], None, []
    for book in books:
        page = out / f"{book.stem}.html"
        nb = notebook_page(book, page)
        metrics_path = run_folder / "metrics" / f"{book.stem}.json"
        metrics = read_json(metrics_path) if metrics_path.exists() else {}
        png = key_figure(nb)
        figure = _thumbnail(png, figures / f"{book.stem}.png") if png else None
        rows.append(_notebook_row(book.stem, nb, metrics, page, figure))
        if book.stem == LEAGUE_NOTEBOOK:
            full = _thumbnail(png, figures / f"{book.stem}_full.png", width=1400) if png else None
            league = _league_section(run_folder / "metrics" / f"{book.stem}_league.csv", full)
        if book.stem == TRAINING_NOTEBOOK:
            training = _training_lines(nb)
    config = read_json(run_folder / "config.json") if (run_folder / "config.json").exists() else {}
    index = _index_template().render(
        run_name=run_folder.name, style=_STYLE, machine=describe_machine(),
        written=datetime.datetime.now().isoformat(sep=" ", timespec="minutes"),
        training=training, notebooks=rows, league=league,
        config=[(k, str(v)) for k, v in config.items()])
    index_path = out / "index.html"
    with atomic_path(index_path) as tmp:
        Path(tmp).write_text(index, encoding="utf-8")
    log(f"report: {index_path}")
    return index_path


def run_folder_for(run_name=""):
    """The folder of a named run, or of the current run (``runs/current.json``) for ``""``."""
    from .runs import current_run

    if not run_name:
        record = current_run()
        if record is None:
            raise ConfigError("no run recorded yet (runs/current.json); run the series with "
                              "make run, or name a run: make report RUN_NAME=<name>.")
        run_name = record["run_name"]
    folder = runs_dir() / run_name
    if not folder.is_dir():
        raise ConfigError(f"run folder {folder} does not exist; existing runs: "
                          f"{sorted(p.name for p in runs_dir().glob('*') if p.is_dir())}.")
    return folder
