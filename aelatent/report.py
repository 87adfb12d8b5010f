"""A static HTML report of an executed series: ``runs/<run>/report/``, readable without a kernel.

:func:`write_report` turns the executed notebooks of a run folder
(``runs/<run>/notebooks/*.ipynb``, written by :func:`aelatent.runner.run_series`)
into one HTML page each, with nbconvert's JupyterLab template stripped of
everything it would fetch from the network (see
``aelatent/report_templates/offline``), and writes an index page: the run's
configuration and machine, a table of the notebooks (status, time, headline
numbers, link) and the sampler league of notebook XII. Every page opens from
the file system in a browser, with no server and no external request.
"""

from __future__ import annotations

import datetime
import html
from pathlib import Path

from .errors import ConfigError
from .locations import runs_dir
from .storage import atomic_path, read_json

#: A few numbers per notebook for the index page (those a run has are shown).
HEADLINES = {
    "01": ["val_recon_mse", "final_val_loss", "n_train_images"],
    "02": ["centre_radius", "z_radius_mean", "n_offorigin_components", "best_matching_b"],
    "03": ["corr_abs_mean_offdiag", "corr_abs_mean_offdiag_shuffled", "n_pairs_abs_corr_gt_0.5"],
    "04": ["origin_mahalanobis", "celeba_mahalanobis_median", "celeba_fraction_farther_than_origin"],
    "05": ["mahalanobis_median_b1.5", "inside_core_fraction_b1.5", "face_rate_b1.5"],
    "06": ["path1_inside_core_fraction", "path6_inside_core_fraction", "core_radius"],
    "07": ["fact_at_core_radius", "inside_core_fraction_fact0.5", "face_rate_fact0.5"],
    "08": ["mahalanobis_vs_chi2_ks", "frac_within_chi2_q99", "mvn_inside_core_fraction"],
    "09": ["n_components_90pct", "n_components_99pct", "first_axis_variance_ratio"],
    "10": ["aligned_inside_core_fraction", "component_inside_core_fraction"],
    "11": ["nn_distance_median_artificial", "nn_distance_median_celeba",
           "knn_corrected_inside_core_fraction"],
    "12": ["recon_frechet_onet", "gmm10_frechet_onet", "normal_frechet_onet"],
    "13": ["morph_linear_mid_ratio", "morph_whitened_mid_ratio", "n_attributes"],
    "14": ["trailing_explained", "gap_baseline_kid_ratio", "gap_chosen_kid_ratio"],
    "15": ["vae_normal_face_rate", "ae_normal_face_rate", "vae_origin_inside_core",
           "ae_best_ratio_ae_recon", "vae_best_ratio_ae_recon", "rae_best_ratio_ae_recon"],
}

#: Columns of the league table on the index page.
LEAGUE_COLUMNS = ["face_rate", "kid_onet", "frechet_onet", "frechet_onet_inf", "precision", "recall",
                  "mahalanobis_median", "core_fraction", "log_likelihood", "nn_train_reencoded"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.failed { color: #b00020; font-weight: bold; }
code { background: #f6f6f6; padding: 0 0.2em; }
"""


def _template_dir():
    return Path(__file__).with_name("report_templates")


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
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.4g}"


def _notebook_row(stem, nb, metrics, page):
    meta = nb.metadata.get("papermill", {})
    failed = bool(meta.get("exception"))
    status = '<span class="failed">failed</span>' if failed else "ok"
    duration = meta.get("duration")
    title = next((c.source.splitlines()[0].lstrip("# ") for c in nb.cells
                  if c.cell_type == "markdown" and c.source.strip()), stem)
    shown = [k for k in HEADLINES.get(stem[:2], []) if k in metrics]
    numbers = "<br>".join(f"{html.escape(k)} = {_number(metrics[k])}" for k in shown)
    return (f"<tr><td><a href=\"{html.escape(page.name)}\">{html.escape(title)}</a></td>"
            f"<td>{status}</td>"
            f"<td class=\"num\">{'–' if duration is None else f'{duration:.0f} s'}</td>"
            f"<td>{numbers}</td></tr>")


def _training_lines(nb):
    """The training estimate and epoch lines of an executed notebook (notebook I), as text."""
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []) if o.get("output_type") == "stream")
    return [line.strip() for line in text.splitlines()
            if line.startswith(("expected training time", "  that is long"))]


def _league_table(metrics):
    """Rows of the league from notebook XII's metrics (keys ``<row>_<column>``)."""
    rows = sorted({k[:-len("_frechet_onet")] for k in metrics if k.endswith("_frechet_onet")},
                  key=lambda r: metrics.get(f"{r}_kid_onet", metrics[f"{r}_frechet_onet"]))
    if not rows:
        return ""
    head = "".join(f"<th>{c}</th>" for c in ["set or sampler"] + LEAGUE_COLUMNS)
    body = "".join(
        "<tr><td>" + html.escape(r) + "</td>" + "".join(
            f"<td class=\"num\">{_number(metrics[f'{r}_{c}'])}</td>" if f"{r}_{c}" in metrics
            else "<td></td>" for c in LEAGUE_COLUMNS) + "</tr>" for r in rows)
    return (f"<h2>Sampler league (notebook XII)</h2><p>Sorted by the kernel distance KID-ONet to "
            f"held-out real images (smaller is better); {metrics.get('n_compared', '?')} images per row."
            f"</p><table><tr>{head}</tr>{body}</table>")


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
    rows, league, training = [], "", []
    for book in books:
        page = out / f"{book.stem}.html"
        nb = notebook_page(book, page)
        metrics_path = run_folder / "metrics" / f"{book.stem}.json"
        metrics = read_json(metrics_path) if metrics_path.exists() else {}
        rows.append(_notebook_row(book.stem, nb, metrics, page))
        if book.stem.startswith("12"):
            league = _league_table(metrics)
        if book.stem.startswith("01"):
            training = _training_lines(nb)
    config = read_json(run_folder / "config.json") if (run_folder / "config.json").exists() else {}
    config_rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                          for k, v in config.items())
    index = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>aelatent: {html.escape(run_folder.name)}</title>
<style>{_STYLE}</style></head><body>
<h1>aelatent run <code>{html.escape(run_folder.name)}</code></h1>
<p>Report written {datetime.datetime.now().isoformat(sep=' ', timespec='minutes')} on
{html.escape(describe_machine())}. Each notebook's page is the executed notebook with its
figures; times are papermill's wall time per notebook.</p>
{"".join(f"<p>{html.escape(line)}</p>" for line in training)}
<h2>Notebooks</h2>
<table><tr><th>notebook</th><th>status</th><th>time</th><th>headline numbers</th></tr>
{''.join(rows)}</table>
{league}
<h2>Configuration</h2>
<table>{config_rows}</table>
</body></html>
"""
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
