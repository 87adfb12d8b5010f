"""Figures shared by the notebooks: image grids and strips, training curves, latent projections."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns


def _as_float_images(images):
    images = np.asarray(images)
    return images.astype(np.float32) / 255.0 if images.dtype == np.uint8 else np.clip(images, 0, 1)


def image_grid(images, ncols=8, titles=None, title=None, size=1.3, axes=None):
    """Show images in a grid (uint8 or float in [0, 1]); returns the figure.

    Parameters
    ----------
    images : array, shape (n, h, w, 3)
    ncols : int
    titles : list of str, optional
        One small caption per image.
    title : str, optional
        Figure title.
    size : float
        Inches per image.
    axes : array of matplotlib Axes, optional
        Draw into these (at least one per image) instead of a new figure; the caller then
        owns the figure's layout.
    """
    images = _as_float_images(images)
    n = len(images)
    nrows = max(1, -(-n // ncols))
    own_figure = axes is None
    if own_figure:
        fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.08),
                                 squeeze=False)
    else:
        fig = np.ravel(axes)[0].figure
    axes = np.asarray(axes).reshape(-1)
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i])
            if titles is not None:
                ax.set_title(titles[i], fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    if own_figure:                      # the caller of given axes owns the figure's layout
        fig.tight_layout()
    return fig


def training_curves(history, ax=None):
    """Training and validation loss per epoch from a run's history."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    epochs = np.asarray(history["epoch"]) + 1
    ax.plot(epochs, history["loss"], "o-", label="training loss")
    ax.plot(epochs, history["val_loss"], "s--", label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title("Training curves")
    return ax


def latent_projection(z, i, j, ax=None, others=None, labels=("CelebA z-points", None),
                      max_points=5000, seed=0, s=3, alpha=0.3):
    """Scatter of z-points projected on the coordinate plane (z_i, z_j), with the origin marked.

    Parameters
    ----------
    z : array, shape (n, N)
    i, j : int
        Components on the x and y axes.
    others : array, optional
        A second cloud (e.g. statistical vectors) drawn on top.
    max_points : int
        Random subsample drawn for speed (seeded).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    rng = np.random.default_rng(seed)
    for cloud, label, colour in ((z, labels[0], "C0"), (others, labels[1], "C3")):
        if cloud is None:
            continue
        cloud = np.asarray(cloud)
        pick = rng.choice(len(cloud), min(len(cloud), max_points), replace=False)
        ax.scatter(cloud[pick, i], cloud[pick, j], s=s, alpha=alpha, color=colour, label=label,
                   rasterized=True)
    ax.scatter([0], [0], marker="+", s=120, color="k", label="origin", zorder=5)
    ax.set_xlabel(f"z[{i}]")
    ax.set_ylabel(f"z[{j}]")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(fontsize=7, markerscale=3)
    return ax


def density_projection(z, i, j, ax=None, max_points=5000, seed=0, levels=6):
    """KDE density contours (seaborn) of z-points on the plane (z_i, z_j)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(z), min(len(z), max_points), replace=False)
    sns.kdeplot(x=z[pick, i], y=z[pick, j], ax=ax, levels=levels, fill=True, cmap="mako",
                thresh=0.02)
    ax.scatter([0], [0], marker="+", s=120, color="r", label="origin", zorder=5)
    ax.set_xlabel(f"z[{i}]")
    ax.set_ylabel(f"z[{j}]")
    ax.legend(fontsize=7)
    return ax


def confidence_ellipses(gaussian, i, j, ax=None, n_sigmas=(1, 2, 3), colour="C1"):
    """The fitted normal distribution's n-sigma ellipses in the coordinate plane (z_i, z_j).

    Draw them over :func:`latent_projection` of the same plane: nested, inclined
    ellipses around the centre (marked x) along the eigenvectors of the 2x2
    covariance block (see :func:`aelatent.latent_paths.projected_ellipse`).

    Parameters
    ----------
    gaussian : fitted :class:`aelatent.stats.LatentGaussian`
    i, j : int
    n_sigmas : sequence of float
    """
    from matplotlib.patches import Ellipse

    from .latent_paths import projected_ellipse

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    ellipse = projected_ellipse(gaussian, i, j)
    styles = ("-", "--", ":", "-.")
    for n, k in enumerate(n_sigmas):
        ax.add_patch(Ellipse(ellipse.centre, 2 * k * ellipse.sigmas[0], 2 * k * ellipse.sigmas[1],
                             angle=ellipse.angle_degrees, fill=False, color=colour, lw=1.5,
                             ls=styles[n % len(styles)], label=f"{k:g}σ ellipse"))
    ax.scatter(*ellipse.centre, marker="x", s=60, color=colour, zorder=6, label="centre")
    ax.autoscale_view()
    ax.legend(fontsize=7, markerscale=1)
    return ax


def qq_plot(values, dist, ax=None, label=None, max_points=5000, title=None):
    """Quantile-quantile plot of ``values`` against a frozen scipy.stats distribution.

    Points on the diagonal mean the values follow ``dist``; points above it at
    the right end mean a heavier upper tail.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    values = np.sort(np.asarray(values, dtype=np.float64))
    probs = (np.arange(1, len(values) + 1) - 0.5) / len(values)
    keep = np.unique(np.linspace(0, len(values) - 1, min(len(values), max_points)).astype(int))
    theory = dist.ppf(probs[keep])
    ax.plot(theory, values[keep], ".", ms=3, label=label)
    lo, hi = min(theory[0], values[0]), max(theory[-1], values[-1])
    ax.plot([lo, hi], [lo, hi], "k--", lw=1)
    ax.set_xlabel("theoretical quantile")
    ax.set_ylabel("observed quantile")
    if label:
        ax.legend(fontsize=7)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def explained_variance(ratio, ax=None, marks=(0.9, 0.99)):
    """Explained-variance spectrum of a PCA (log scale) and its cumulative sum.

    Parameters
    ----------
    ratio : array
        Share of the variance along each principal axis, largest first.
    marks : sequence of float
        Cumulative shares marked with the number of axes that reach them.
    """
    ratio = np.asarray(ratio, dtype=np.float64)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    axis = np.arange(1, len(ratio) + 1)
    ax.semilogy(axis, ratio, ".-", ms=3, color="C0", label="share of variance per axis")
    ax.set_xlabel("principal axis")
    ax.set_ylabel("share of variance", color="C0")
    twin = ax.twinx()
    cumulative = np.cumsum(ratio)
    twin.plot(axis, cumulative, color="C3", label="cumulative share")
    twin.set_ylabel("cumulative share", color="C3")
    twin.set_ylim(0, 1.02)
    for mark in marks:
        count = int(min(np.searchsorted(cumulative, mark - 1e-12) + 1, len(ratio)))
        twin.axhline(mark, color="grey", lw=0.8, ls=":")
        twin.axvline(count, color="grey", lw=0.8, ls=":")
        twin.annotate(f"{mark:.0%}: {count} axes", (count, mark), xytext=(5, -12),
                      textcoords="offset points", fontsize=8)
    return ax


def distance_histograms(groups, ax=None, marks=None, xlabel="distance", bins=60, title=None,
                        log_x=False):
    """Overlaid histograms of distances (radii, Mahalanobis) of several point sets.

    :func:`overlaid_histograms` with one set of bins over all groups and the
    marks (e.g. a theoretical radius, the core radius) inside the range; on a
    logarithmic axis, for groups that differ by orders of magnitude, the bars
    show each group's share per bin (densities would shrink with x).
    """
    return overlaid_histograms(groups, ax=ax, bins=bins, log_x=log_x, xlabel=xlabel,
                               title=title, markers=marks, density=not log_x)


def path_panel(z, path, images, gaussian, k_levels=(1, 2, 3), title=None, size=0.95):
    """One figure for a path in a coordinate plane: where it runs, how far out, what it decodes to.

    Top left: the path (numbered points) over the z-points projected on the
    plane (i, j), with the projected ellipses at ``k_levels`` sigma. Top right:
    the Mahalanobis distance of every path point to the full N-dimensional
    distribution, with the core radius. Bottom: the decoded images in path
    order, framed green inside the core and red outside.

    Parameters
    ----------
    z : array (n, N)
        The z-points.
    path : :class:`aelatent.latent_paths.PlanePath`
    images : array (n_points, h, w, 3)
        Decoded path points.
    gaussian : fitted :class:`aelatent.stats.LatentGaussian`
    """
    n = len(path)
    fig = plt.figure(figsize=(max(n * size, 8.0), 3.6 + size * 1.25))
    grid = fig.add_gridspec(2, n, height_ratios=[3.4, size * 1.1], hspace=0.35)
    half = max(n // 2, 1)
    ax = fig.add_subplot(grid[0, :half])
    latent_projection(z, path.i, path.j, ax=ax, s=2, alpha=0.25)
    confidence_ellipses(gaussian, path.i, path.j, ax=ax, n_sigmas=k_levels, colour="0.3")
    ax.get_legend().remove()
    coords = path.plane_coords
    distance = gaussian.mahalanobis(path.points)
    inside = distance <= gaussian.core_radius_
    closed = np.vstack([coords, coords[:1]]) if path.kind == "ellipse" else coords
    ax.plot(closed[:, 0], closed[:, 1], "-", color="C1", lw=1.2)
    ax.scatter(coords[:, 0], coords[:, 1], c=np.where(inside, "tab:green", "tab:red"), s=22,
               zorder=6, edgecolor="k", lw=0.4)
    for number in (0, n // 2, n - 1):
        ax.annotate(str(number + 1), coords[number], fontsize=8, xytext=(3, 3),
                    textcoords="offset points")
    ax.set_title(f"z-points, {', '.join(f'{k:g}' for k in k_levels)} σ ellipses, centre ×, "
                 "origin +", fontsize=8)
    ax2 = fig.add_subplot(grid[0, half:])
    ax2.plot(np.arange(1, n + 1), distance, "o-", color="C1")
    ax2.axhline(gaussian.core_radius_, color="k", ls="--", lw=1, label="core radius")
    ax2.set_xlabel("point on the path")
    ax2.set_ylabel("Mahalanobis distance")
    ax2.set_ylim(bottom=0)
    ax2.legend(fontsize=7)
    images = _as_float_images(images)
    for k in range(n):
        axi = fig.add_subplot(grid[1, k])
        axi.imshow(images[k])
        axi.set_xticks([])
        axi.set_yticks([])
        for spine in axi.spines.values():
            spine.set_color("tab:green" if inside[k] else "tab:red")
            spine.set_linewidth(2)
        axi.set_title(f"{k + 1}: {distance[k]:.0f}", fontsize=7)
    fig.suptitle(title or path.label, fontsize=10)
    return fig


# -- number distributions, radii, correlations (notebooks II-IV) --------------------------------

def component_histogram_grid(fit, components, ncols=4, show_halfmax=True, size=2.3, title=None):
    """Histograms of selected components with their Gaussian fits.

    Parameters
    ----------
    fit : aelatent.stats.GaussianFit
        Holds the histograms and the fitted Gaussians of all components.
    components : sequence of int
    ncols : int
    show_halfmax : bool
        Draw the full width at half maximum (2 hw_j, see
        :func:`aelatent.stats.halfwidth`) as a black bar at half height.
    """
    components = list(components)
    nrows = max(1, -(-len(components) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 0.8),
                             squeeze=False)
    for ax, j in zip(axes.flat, components):
        edges = fit.edges[j]
        width = edges[1] - edges[0]
        density = fit.counts[j] / (fit.counts[j].sum() * width)
        ax.stairs(density, edges, fill=True, color="C0", alpha=0.5)
        x = np.linspace(edges[0], edges[-1], 200)
        ax.plot(x, fit.pdf(j, x), color="C3", lw=1.2)
        if show_halfmax:
            ax.hlines(fit.halfmax_density[j], fit.halfmax_left[j], fit.halfmax_right[j],
                      color="k", lw=1.5)
        ax.axvline(0.0, color="k", ls=":", lw=0.8)
        ax.set_title(f"z[{j}]  R²={fit.r2[j]:.3f}  KS={fit.ks[j]:.3f}", fontsize=7)
        ax.tick_params(labelsize=6)
        ax.set_yticks([])
    for ax in axes.flat[len(components):]:
        ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def component_overview(stats, axes=None, title=None):
    """All components at a glance: mu_j +- hw_j sorted by mu_j, and hw_j against sigma_j.

    Parameters
    ----------
    stats : aelatent.stats.ComponentStats
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [2, 1]})
    order = np.argsort(stats.mean)
    rank = np.arange(len(order))
    mean, hw = stats.mean[order], stats.halfwidth[order]
    off = np.abs(mean) > hw
    ax = axes[0]
    ax.fill_between(rank, mean - hw, mean + hw, color="C0", alpha=0.25, label="μ_j ± hw_j")
    ax.plot(rank, mean, color="C0", lw=1.2, label="μ_j")
    ax.scatter(rank[off], mean[off], s=8, color="C3", zorder=3,
               label=f"origin outside μ_j ± hw_j ({off.sum()})")
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_xlabel("components, sorted by μ_j")
    ax.set_ylabel("value")
    ax.legend(fontsize=7)
    ax.set_title(title or "Centre and half-width of every component", fontsize=9)
    ax = axes[1]
    ax.scatter(stats.std, stats.halfwidth, s=6, alpha=0.6)
    line = np.array([0.0, stats.std.max() * 1.05])
    ax.plot(line, line * np.sqrt(2 * np.log(2)), color="C3", lw=1, label="Gaussian: hw = σ√(2 ln 2)")
    ax.set_xlabel("σ_j")
    ax.set_ylabel("hw_j")
    ax.legend(fontsize=7)
    ax.set_title("Half-width against standard deviation", fontsize=9)
    return axes


def centre_components(mean, halfwidth, components, ax=None, title=None):
    """Bars of mu_j with +-hw_j error bars for the given (e.g. off-origin) components."""
    if ax is None:
        _, ax = plt.subplots(figsize=(min(12, 1 + 0.35 * len(components)), 3.2))
    components = np.asarray(components)
    x = np.arange(len(components))
    ax.bar(x, mean[components], color="C0", alpha=0.7, label="μ_j")
    ax.errorbar(x, mean[components], yerr=halfwidth[components], fmt="none", ecolor="k",
                capsize=2, lw=0.8, label="± hw_j")
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_xticks(x, [str(j) for j in components], rotation=90, fontsize=6)
    ax.set_xlabel("component j")
    ax.legend(fontsize=7)
    ax.set_title(title or "Components carrying the centre's off-origin position", fontsize=9)
    return ax


def overlaid_histograms(samples, ax=None, bins=60, shared_bins=True, log_x=False, xlabel=None,
                        title=None, markers=None, density=True):
    """Histograms of several samples on one axis (step outlines, one colour each).

    Parameters
    ----------
    samples : dict
        Label -> 1-D array of values.
    bins : int
    shared_bins : bool
        One set of bins over all samples and markers (comparable heights) or
        bins per sample (resolves narrow distributions, e.g. thin radius shells).
    log_x : bool
        Logarithmic x axis with logarithmic bins (values must be positive).
    markers : dict, optional
        Label -> x position of a vertical marker line (e.g. the origin's value).
    density : bool
        Probability densities; else each sample's share of its values per bin.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.6))
    arrays = {label: np.asarray(values, dtype=float) for label, values in samples.items()}
    markers = markers or {}

    def edges_for(values):
        lo, hi = values.min(), values.max()
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        if log_x:
            return np.geomspace(max(lo, 1e-3) * 0.95, hi * 1.05, bins + 1)
        pad = 0.02 * (hi - lo)
        return np.linspace(lo - pad, hi + pad, bins + 1)

    common = edges_for(np.concatenate(list(arrays.values()) + [np.fromiter(
        markers.values(), float)])) if shared_bins else None
    for k, (label, values) in enumerate(arrays.items()):
        edges = common if shared_bins else edges_for(values)
        weights = None if density else np.full(len(values), 1 / max(len(values), 1))
        for histtype, extra in (("stepfilled", dict(alpha=0.35, label=label)), ("step", dict(lw=1))):
            ax.hist(values, bins=edges, density=density, weights=weights, histtype=histtype,
                    color=f"C{k}", **extra)
    for k, (label, x) in enumerate(markers.items()):
        ax.axvline(x, color="k", ls=["--", ":", "-.", "-"][k % 4], lw=1.2, label=label)
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel or "value")
    ax.set_ylabel("density" if density else "share per bin")
    ax.legend(fontsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def correlation_clustermap(corr, title=None, size=7.5):
    """Correlation matrix as a seaborn clustermap, ordered by average linkage on 1 - |r|.

    Components that move together (positively or negatively) end up next to
    each other, so blocks of strongly correlated components show.

    Returns
    -------
    seaborn.matrix.ClusterGrid
    """
    import scipy.cluster.hierarchy
    import scipy.spatial.distance

    corr = np.asarray(corr)
    distance = np.clip(1.0 - np.abs(corr), 0.0, None)
    np.fill_diagonal(distance, 0.0)
    linkage = scipy.cluster.hierarchy.linkage(
        scipy.spatial.distance.squareform(distance, checks=False), method="average")
    grid = sns.clustermap(corr, row_linkage=linkage, col_linkage=linkage, cmap="vlag", center=0,
                          vmin=-1, vmax=1, xticklabels=False, yticklabels=False,
                          figsize=(size, size), cbar_kws={"label": "correlation r"},
                          rasterized=True)
    if title:
        grid.figure.suptitle(title, fontsize=10, y=1.01)
    return grid


def centre_plane(clouds, centre, ax=None, max_points=3000, seed=0, title=None):
    """Clouds in the plane (component along the centre vector, length of the remainder).

    Parameters
    ----------
    clouds : dict
        Label -> array (n, N) of points.
    centre : array, shape (N,)
        The centre vector mu; the centre itself is marked, the origin sits at (0, 0).
    """
    from .stats import centre_coordinates

    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4.5))
    rng = np.random.default_rng(seed)
    for k, (label, points) in enumerate(clouds.items()):
        points = np.asarray(points)
        pick = rng.choice(len(points), min(len(points), max_points), replace=False)
        parallel, perpendicular = centre_coordinates(points[pick], centre)
        ax.scatter(parallel, perpendicular, s=3, alpha=0.35, color=f"C{k}", label=label,
                   rasterized=True)
    ax.scatter([np.linalg.norm(centre)], [0], marker="*", s=150, color="k", label="centre μ")
    ax.scatter([0], [0], marker="+", s=150, color="r", label="origin", zorder=5)
    ax.set_xlabel("component along the centre direction μ/|μ|")
    ax.set_ylabel("length of the perpendicular part")
    legend = ax.legend(fontsize=7)
    for handle in legend.legend_handles[:len(clouds)]:
        handle.set_sizes([20])
        handle.set_alpha(1)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def grids_side_by_side(groups, labels, ncols=7, size=0.9, title=None):
    """Several image grids next to each other in one figure (e.g. two samplers, same n).

    Parameters
    ----------
    groups : list of arrays, each (n, h, w, 3)
    labels : list of str
        A title above each grid.
    ncols : int
        Images per row within each grid.
    """
    nrows = max(-(-len(g) // ncols) for g in groups)
    fig = plt.figure(figsize=(len(groups) * ncols * size + 0.3 * (len(groups) - 1),
                              nrows * size * 1.05 + 0.5))
    outer = fig.add_gridspec(1, len(groups), wspace=0.06)
    for k, (group, label) in enumerate(zip(groups, labels)):
        inner = outer[k].subgridspec(nrows, ncols, wspace=0.03, hspace=0.03)
        axes = [fig.add_subplot(inner[n // ncols, n % ncols]) for n in range(nrows * ncols)]
        image_grid(group, ncols=ncols, axes=axes)
        axes[ncols // 2].set_title(label, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10, y=1.02)
    return fig


def neighbour_rows(artificial, decoded, originals, distances, size=1.0, title=None):
    """Artificial images beside the decoded and the original images of their nearest neighbours.

    One row per artificial point (:func:`image_rows`): its decoded image, then the decoded
    z-points of its k nearest neighbours, then the neighbours' original images,
    each captioned with its distance.

    Parameters
    ----------
    artificial : array (q, h, w, 3)
    decoded, originals : arrays (q, k, h, w, 3)
    distances : array (q, k)
    """
    rows = [np.concatenate([_as_float_images(artificial[r:r + 1]), _as_float_images(decoded[r]),
                            _as_float_images(originals[r])]) for r in range(len(distances))]
    captions = [["artificial"] + [f"dec. {d:.1f}" for d in row] + [f"orig. {d:.1f}" for d in row]
                for row in distances]
    return image_rows(rows, [""] * len(rows), captions, size=size, title=title)


def normality_overview(tables, critical=None, axes=None, title=None):
    """Skewness against excess kurtosis, and sorted KS distances, for groups of directions.

    Parameters
    ----------
    tables : dict
        Label -> DataFrame from :func:`aelatent.pca.normality_table` (columns
        ``skewness``, ``excess_kurtosis``, ``ks``).
    critical : float, optional
        KS distance drawn as a dashed line (e.g. the 5 % critical value 1.36/sqrt(n)).
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for k, (label, table) in enumerate(tables.items()):
        size = 40 if len(table) < 50 else 8
        axes[0].scatter(table["skewness"], table["excess_kurtosis"], s=size, color=f"C{k}",
                        alpha=0.7, label=label)
        axes[1].plot(np.linspace(0, 1, len(table)), np.sort(table["ks"])[::-1], ".-", ms=4,
                     color=f"C{k}", label=label)
    axes[0].axhline(0, color="grey", lw=0.8)
    axes[0].axvline(0, color="grey", lw=0.8)
    axes[0].scatter([0], [0], marker="+", s=150, color="k", label="normal distribution")
    axes[0].set_xlabel("skewness")
    axes[0].set_ylabel("excess kurtosis")
    if critical is not None:
        axes[1].axhline(critical, color="k", ls="--", lw=1, label="5 % critical value")
    axes[1].set_xlabel("directions, sorted by KS distance (share)")
    axes[1].set_ylabel("KS distance from N(0, 1)")
    for ax in axes:
        ax.legend(fontsize=7)
    if title:
        axes[0].figure.suptitle(title, fontsize=10)
    return axes


# -- latent directions: probes, face arithmetic, morphing (notebook 13) -------------------------

def probe_accuracy_chart(table, ax=None, title=None):
    """Held-out accuracy of linear attribute probes, sorted, with the majority-class baseline.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`aelatent.directions.probe_attributes` (columns ``accuracy``
        and ``baseline``, one row per attribute).
    """
    table = table.sort_values("gain")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 0.22 * len(table) + 1.2))
    y = np.arange(len(table))
    ax.barh(y, table["accuracy"], color=np.where(table["gain"] > 0, "C0", "0.7"),
            label="probe accuracy (held out)")
    ax.scatter(table["baseline"], y, marker="|", s=90, color="k", zorder=5,
               label="majority-class baseline")
    ax.set_yticks(y)
    ax.set_yticklabels(table.index, fontsize=7)
    ax.set_xlim(max(0.0, float(min(table["accuracy"].min(), table["baseline"].min())) - 0.1), 1.0)
    ax.set_xlabel("accuracy on validation z-points")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(title or "Linear probes, sorted by gain over the baseline", fontsize=10)
    return ax


def image_rows(rows, row_labels, captions=None, inside=None, ncols=None, size=1.0, title=None):
    """Rows of images with a label per row (e.g. originals over reconstructions, decoded paths),
    optionally a caption per image and a frame that says whether its vector lies in the core.

    Parameters
    ----------
    rows : list of arrays (n_i, h, w, 3), uint8 or float in [0, 1]
    row_labels : list of str
        Long labels wrap instead of overlapping the next row.
    captions : list of list of str, optional
    inside : list of boolean arrays, optional
        Frame each image green (inside the core) or red (outside).
    ncols : int, optional
        Images per row (default: the longest row); shorter rows leave blanks.
    """
    ncols = ncols or max(len(r) for r in rows)
    height = size * (1.3 if captions is not None else 1.05)
    fig, axes = plt.subplots(len(rows), ncols, squeeze=False,
                             figsize=(ncols * size, len(rows) * height + 0.3 * bool(title)))
    for r, row in enumerate(rows):
        row = _as_float_images(row)
        for c in range(ncols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= len(row):
                ax.axis("off")
                continue
            ax.imshow(row[c])
            for spine in ax.spines.values():
                if inside is None:
                    spine.set_visible(False)
                else:
                    spine.set_color("tab:green" if inside[r][c] else "tab:red")
                    spine.set_linewidth(2)
            if captions is not None:
                ax.set_title(captions[r][c], fontsize=6.5)
        axes[r, 0].set_ylabel("\n".join(textwrap.fill(line, 16) for line in row_labels[r].split("\n")),
                              fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def mahalanobis_profiles(profiles, core_radius, x=None, band=None, ax=None, xlabel="step",
                         title=None):
    """Mahalanobis distance along one or more paths, with the core radius and a typical band.

    Parameters
    ----------
    profiles : dict of label -> array of distances
    core_radius : float
    x : array, optional
        Common x values (default 0, 1, ...).
    band : (low, high), optional
        E.g. the 1 % and 99 % quantiles of the training points' distances.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    if band is not None:
        ax.axhspan(band[0], band[1], color="C2", alpha=0.12, label="1-99 % of training z-points")
    for k, (label, values) in enumerate(profiles.items()):
        xs = np.arange(len(values)) if x is None else x
        ax.plot(xs, values, "o-", ms=3, color=f"C{k}", label=label)
    ax.axhline(core_radius, color="k", ls="--", lw=1, label="core radius")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Mahalanobis distance")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def morph_distances(profiles, midpoints, band, core_radius, n_morph):
    """Notebook XIII's morph figure: the Mahalanobis profiles of two morphs (left) and, over
    random pairs, the distance of each path's midpoint against that of its ends (right).

    Parameters
    ----------
    profiles : dict of label -> array of distances
        E.g. ``{"straight line": ..., "whitened arc": ...}``, ``n_morph`` points each.
    midpoints : pandas.DataFrame
        From :func:`aelatent.directions.midpoint_distances`.
    band : (low, high)
        The 1 % and 99 % quantiles of the training z-points' distances.
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    mahalanobis_profiles(profiles, core_radius, x=np.linspace(0, 1, n_morph), band=band,
                         ax=axes[0], xlabel="t", title="Mahalanobis profile of the two morphs")
    for column, label in (("straight", "straight line"), ("whitened", "whitened arc")):
        axes[1].scatter(midpoints["ends"], midpoints[column], s=12, label=label)
    low = midpoints["ends"].min()
    axes[1].axline((low, low), slope=1, color="k", lw=0.8, ls=":")
    axes[1].axhspan(*band, color="C2", alpha=0.12)
    axes[1].set(xlabel="mean Mahalanobis distance of the two ends",
                ylabel="Mahalanobis distance of the midpoint")
    axes[1].legend(fontsize=7)
    return fig


def factor_regression(r2, pcs):
    """Notebook XIII's factor figure: validation R² of each known factor (bars, blue above 0.5)
    and its correlation with the leading principal axes (heatmap)."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2), gridspec_kw={"width_ratios": [1, 1.6]})
    r2.plot.barh(ax=axes[0], color=np.where(r2 > 0.5, "C0", "0.6"))
    axes[0].set_xlabel("R² on validation z-points")
    axes[0].set_title("Linear regression of each true factor on z", fontsize=10)
    sns.heatmap(pcs.loc[r2.index[::-1]], annot=True, fmt=".1f", cmap="vlag", vmin=-1, vmax=1,
                ax=axes[1], annot_kws={"size": 6})
    axes[1].set_title("Correlation of factors with the leading principal axes", fontsize=10)
    fig.tight_layout()
    return fig


def direction_bars(summary, ax=None):
    """Bars of ``separation`` and ``relative_norm`` per attribute direction
    (:attr:`aelatent.directions.AttributeDirections.summary_`), in the table's order from the top."""
    ax = summary[::-1][["separation", "relative_norm"]].plot.barh(
        figsize=(6.5, 0.2 * len(summary) + 1.2), width=0.8, ax=ax)
    ax.set_title("Attribute directions: separation and length relative to the cloud", fontsize=10)
    ax.tick_params(axis="y", labelsize=7)
    return ax


def likelihood_curve(selection, ax=None, title=None):
    """Held-out log-likelihood per dimension over the number of mixture components.

    ``selection`` is the table of :func:`aelatent.samplers.mixture_selection`:
    one line per covariance type, single markers for the other mixtures
    (Bayesian, PCA frame), the fitted points' likelihood dashed.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.8))
    for i, (kind, rows) in enumerate(selection.sort_values("n_components").groupby("covariance",
                                                                                  sort=False)):
        line = "o-" if len(rows) > 1 else "D"
        ax.plot(rows["n_components"], rows["held_out_ll"], line, c=f"C{i}", label=f"{kind}: held out")
        if len(rows) > 1:
            ax.plot(rows["n_components"], rows["train_ll"], "--", c=f"C{i}", lw=0.8, alpha=0.7)
    ax.set_xscale("log")
    ax.set_xlabel("mixture components k")
    ax.set_ylabel("log-likelihood (nats per dimension)")
    ax.set_title(title or "Held-out (solid) and fitted points' (dashed) log-likelihood", fontsize=10)
    ax.legend(fontsize=7)
    return ax
