"""The plain AE, the VAE and the RAE side by side, measured the same way (notebook XV).

:func:`latent_geometry` describes one run's cloud of z-points against the
prior N(0, I) the VAE is trained towards; :func:`compare_kinds` collects it for
several runs, with each run's own sampler league restricted to
:data:`KEY_SAMPLERS`; :func:`beta_sweep` follows the VAE's KL weight;
:func:`comparison_verdict` states, from the numbers, which kind generates best
from N(0, I), which from an ex-post density, and at what cost in reconstruction.

All runs of a comparison share data, split and seed, so their leagues compare
with the same held-out reference images, and a ratio to the *plain AE's*
reconstructions means the same in every row.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import scipy.stats

from .copying import COPY_THRESHOLD, best_non_copying
from .stats import LatentGaussian, best_matching_b, radii

#: The sampler league's rows compared for every kind: N(0, I), notebook VII's per-component
#: intervals at fact 0.5, the multivariate normal (VIII), the 10-component mixture (XII) and the
#: mixture on the leading principal axes (XII, XIV).
KEY_SAMPLERS = ("normal", "component_fact0.5", "mvn", "gmm10", "pca_gmm10")

#: Samplers whose trailing-axis scale tau each kind chooses for itself, on its training images
#: (:func:`aelatent.trailing_axes.select_trailing_scale`), as notebook XII does: league key ->
#: the sampler tuned. The best of them is what a kind's generation is judged by.
TUNED_SAMPLERS = {"conditional_tuned": "conditional_gmm10",
                  "reencoded_tuned": "conditional_gmm10_reencoded"}

#: The calibration rows of each kind's league: the real training faces (their pictures head each
#: kind's rows) and the ceiling its ratios divide by. The negatives (blurred, grey, noise) are
#: notebook XII's scale and are not shown here, so they are not scored per kind.
CALIBRATION = ("real_vs_real", "recon")

#: A component is *active* when its variance across the images exceeds this (Burda et al. 2016).
ACTIVE_VARIANCE = 0.01


#: By profile: the VAE's KL weights of the sweep (the run's own kl_weight joins them), images
#: per sampler and bootstrap resamples of the key-sampler leagues, the noise shares of the plain
#: AE trained with noisy z, and whether the sweep and that AE are trained at all (``sweeps``):
#: in ``default`` they are three of the five trainings of notebook XV, about a third of the
#: series' time, so there they are asked for (``sweeps = True``, ``make run SWEEPS=1``); ``smoke``
#: trains them (CI runs every cell) and ``full`` too.
COMPARISON_DEFAULTS = {
    "smoke": {"betas": [0.001], "n_images": 200, "n_boot": 20, "latent_noise": [0.1],
              "sweeps": True},
    "default": {"betas": [0.001, 0.1], "n_images": 2000, "n_boot": 100, "latent_noise": [0.1],
                "sweeps": False},
    "full": {"betas": [0.001, 0.1], "n_images": 5000, "n_boot": 200, "latent_noise": [0.1],
             "sweeps": True},
}


def comparison_settings(profile, betas=None, n_images=None, n_boot=None, latent_noise=None,
                        sweeps=None):
    """Notebook XV's settings: its parameters where given, else :data:`COMPARISON_DEFAULTS`.

    ``None`` takes the profile's value (as notebook XII's :func:`aelatent.league.league_defaults`
    does); ``betas=()`` skips the sweep, ``latent_noise=()`` the plain AE trained with noisy z,
    ``sweeps=False`` both (``True`` trains both, with the profile's values where ``betas`` or
    ``latent_noise`` is None). Returns a dict with keys ``betas``, ``n_images``, ``n_boot``,
    ``latent_noise``, ``sweeps`` and ``n_selection`` (vectors per tau of each kind's tau
    selection: notebook XII's, so the plain AE's selection of XII is reused).
    """
    from .errors import ConfigError
    from .league import league_defaults
    from .validation import check_int

    if profile not in COMPARISON_DEFAULTS:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {sorted(COMPARISON_DEFAULTS)}.")
    defaults = COMPARISON_DEFAULTS[profile]
    sweeps = defaults["sweeps"] if sweeps is None else bool(sweeps)
    if not sweeps:
        betas, latent_noise = (), ()
    if betas is None:
        betas = defaults["betas"]
    betas = [float(b) for b in betas]
    if any(not np.isfinite(b) or b <= 0 for b in betas):
        raise ConfigError(f"betas must be positive KL weights, got {betas}.")
    latent_noise = [float(x) for x in (defaults["latent_noise"] if latent_noise is None
                                       else latent_noise)]
    if any(not 0 < x < 1 for x in latent_noise):
        raise ConfigError(f"latent_noise must be shares in (0, 1) of each axis's spread, got "
                          f"{latent_noise}.")
    return {"betas": betas, "latent_noise": latent_noise, "sweeps": bool(betas or latent_noise),
            "n_selection": league_defaults(profile)["n_selection"],
            "n_images": check_int(defaults["n_images"] if n_images is None else n_images, "n_images",
                                  minimum=10),
            "n_boot": check_int(defaults["n_boot"] if n_boot is None else n_boot, "n_boot",
                                minimum=2)}


def sweeps_summary(settings):
    """What notebook XV trains beyond the kinds, from :func:`comparison_settings`'s result, in one
    line (and how to ask for it where the profile leaves it out)."""
    line = (f"KL weights swept besides the VAE's own: {settings['betas'] or 'none'}; plain AE "
            f"trained with noisy z, shares: {settings['latent_noise'] or 'none'}")
    return line if settings["sweeps"] else line + " (sweeps = True adds both)"


def latent_geometry(run, n_prior=5000, core_quantile=0.99, seed=0, mixture=None, holes=True):
    """Where one run's training z-points lie, compared with N(0, I).

    Returns
    -------
    dict
        ``radius_mean``/``radius_std`` of the z-points; ``chi_mean``/``chi_std``, those of
        N(0, I) in N dimensions; ``uniform_b``, the b of post V's uniform vectors
        with the z-points' mean radius; ``origin_mahalanobis`` against
        ``mahalanobis_median`` and the ``core_radius`` (``core_quantile``) of a
        Gaussian fitted to the z-points, ``origin_inside_core`` (0/1);
        ``prior_inside_core``, the share of ``n_prior`` N(0, I) draws inside that core;
        ``prior_holes``, the share of them whose density under a 10-component
        mixture fitted to the z-points lies below the 1st percentile of the
        z-points' own (Aneja et al. 2021); ``active_units`` (variance >
        :data:`ACTIVE_VARIANCE`); for a VAE ``posterior_variance_mean``, the mean
        over components of the posterior variance averaged over validation images.

    ``mixture``: the ``gmm10`` sampler already fitted to ``run.z_train`` (the league's row of
    that key then needs no fit of its own); default: fitted here. ``holes=False`` leaves
    ``prior_holes`` out and fits no mixture (the costliest part: about 10 s for a VAE's
    6,750 z-points on 2 cores).
    """
    from .samplers import make_sampler

    z, n = run.z_train, run.config.z_dim
    r = radii(z)
    gaussian = LatentGaussian(core_quantile=core_quantile).fit(z)
    origin = float(gaussian.mahalanobis(np.zeros((1, n)))[0])
    prior = np.random.default_rng(seed).standard_normal((n_prior, n))
    out = {"radius_mean": float(r.mean()), "radius_std": float(r.std()),
           "chi_mean": float(scipy.stats.chi.mean(n)), "chi_std": float(scipy.stats.chi.std(n)),
           "uniform_b": best_matching_b(r.mean(), n),
           "origin_mahalanobis": origin,
           "mahalanobis_median": float(np.median(gaussian.mahalanobis(z))),
           "core_radius": gaussian.core_radius_, "origin_inside_core": int(origin <= gaussian.core_radius_),
           "prior_inside_core": float(gaussian.inside_core(prior).mean())}
    if holes:
        mixture = make_sampler("gmm10").fit(z) if mixture is None else mixture
        floor = np.quantile(mixture.score_samples(z), 0.01)
        out["prior_holes"] = float((mixture.score_samples(prior) < floor).mean())
    out["active_units"] = int((z.var(axis=0) > ACTIVE_VARIANCE).sum())
    if run.config.model == "vae":
        _, log_var = run.posterior.predict(run.image_set.images[run.image_set.val_index[:2000]]
                                           .astype(np.float32) / 255.0, verbose=0)
        out["posterior_variance_mean"] = float(np.exp(log_var).mean())
    return out


def loss_terms(run):
    """The last epoch's validation loss terms of a run: ``val_mse`` and the kind's extra terms.

    A plain AE logs only its loss: that is ``val_mse`` for the MSE loss; a BCE AE logs the
    mean squared error as a metric beside it (runs trained before that: ``val_bce`` alone).
    """
    last = run.history.iloc[-1]
    terms = {key: float(last[key]) for key in last.index
             if key.startswith("val_") and key != "val_loss"}
    if "val_mse" not in terms:
        terms[f"val_{run.config.loss}"] = float(last["val_loss"])
    return terms


@dataclasses.dataclass
class KindComparison:
    """Result of :func:`compare_kinds`.

    Attributes
    ----------
    runs : dict kind -> Run
    geometry : pandas.DataFrame
        One row per kind: the loss terms and :func:`latent_geometry`.
    leagues : dict kind -> aelatent.league.League
    """

    runs: dict
    geometry: pd.DataFrame
    leagues: dict

    def sampler_table(self, baseline="ae"):
        """Per kind and key sampler: face rate, KID-ONet with its interval, its ratio to the
        kind's own reconstructions (with the joint interval of the ratio) and to the
        ``baseline`` kind's, and the copy ratio."""
        floor = self.leagues[baseline].table.loc["recon", "kid_onet"] if baseline in self.leagues \
            else np.nan
        rows = []
        for kind, league in self.leagues.items():
            t, ratios = league.table, league.ratios()
            for key in league.samplers:
                rows.append({"kind": kind, "sampler": key, "face_rate": t.loc[key, "face_rate"],
                             "kid_onet": t.loc[key, "kid_onet"],
                             "kid_onet_low": t.loc[key, "kid_onet_low"],
                             "kid_onet_high": t.loc[key, "kid_onet_high"],
                             "ratio_own_recon": ratios.loc[key, "kid_ratio_to_recon"],
                             "ratio_own_recon_low": ratios.loc[key, "kid_ratio_low"],
                             "ratio_own_recon_high": ratios.loc[key, "kid_ratio_high"],
                             f"ratio_{baseline}_recon": t.loc[key, "kid_onet"] / floor,
                             "copy_ratio": ratios.loc[key, "copy_ratio"]})
            rows.append({"kind": kind, "sampler": "recon", "face_rate": t.loc["recon", "face_rate"],
                         "kid_onet": t.loc["recon", "kid_onet"],
                         "kid_onet_low": t.loc["recon", "kid_onet_low"],
                         "kid_onet_high": t.loc["recon", "kid_onet_high"], "ratio_own_recon": 1.0,
                         f"ratio_{baseline}_recon": t.loc["recon", "kid_onet"] / floor})
        return pd.DataFrame(rows).set_index(["kind", "sampler"])

    def best_samplers(self, baseline="ae"):
        """Per kind, its best sampler by KID-ONet among those that do not copy training faces
        (copy ratio >= :data:`aelatent.copying.COPY_THRESHOLD`); NaN where every one copies."""
        table = self.sampler_table(baseline).drop("recon", level="sampler")
        rows = {}
        for kind in self.leagues:
            own = table.loc[kind]
            best = best_non_copying(own["kid_onet"], own["copy_ratio"], COPY_THRESHOLD)
            rows[kind] = ({"sampler": "(every one copies)"} if best is None
                          else {"sampler": best, **own.loc[best].to_dict()})
        return pd.DataFrame(rows).T

    def plot_radii(self, n_draws=5000, seed=0, size=(4.6, 3.2)):
        """Per kind: the radii of its z-points, of N(0, I) draws (chi) and of post V's uniform
        shell with the same mean radius (the best-matching b)."""
        import matplotlib.pyplot as plt

        from .plots import overlaid_histograms
        from .stats import uniform_vectors

        fig, axes = plt.subplots(1, len(self.runs), figsize=(size[0] * len(self.runs), size[1]))
        for ax, (kind, run) in zip(np.atleast_1d(axes), self.runs.items()):
            n, b = run.config.z_dim, self.geometry.loc[kind, "uniform_b"]
            normal = np.random.default_rng(seed).standard_normal((n_draws, n))
            overlaid_histograms({f"{kind.upper()} z-points": radii(run.z_train),
                                 "N(0, I)": radii(normal),
                                 f"uniform, b = {b:.2f}": radii(uniform_vectors(n_draws, n, b, seed))},
                                ax=ax, shared_bins=False, log_x=True, xlabel="radius |z|",
                                title=f"{kind.upper()}: radii")
        fig.tight_layout()
        return fig

    def plot_clouds(self, seed=0, size=(4.6, 3.6)):
        """Per kind: its z-points in the plane (along its centre direction, perpendicular length),
        with N(0, I) draws and the origin marked (:func:`aelatent.plots.centre_plane`)."""
        import matplotlib.pyplot as plt

        from .plots import centre_plane

        fig, axes = plt.subplots(1, len(self.runs), figsize=(size[0] * len(self.runs), size[1]))
        for ax, (kind, run) in zip(np.atleast_1d(axes), self.runs.items()):
            normal = np.random.default_rng(seed).standard_normal((3000, run.config.z_dim))
            centre_plane({f"{kind.upper()} z-points": run.z_train, "N(0, I)": normal},
                         run.z_train.mean(axis=0), ax=ax, seed=seed, title=kind.upper())
        fig.tight_layout()
        return fig

    def plot_components(self, n_components=3, size=(2.6, 2.2)):
        """Per kind (rows): histograms of its ``n_components`` components of largest variance,
        with the standard normal density (the VAE's prior) drawn over them."""
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(len(self.runs), n_components, squeeze=False,
                                 figsize=(size[0] * n_components, size[1] * len(self.runs)))
        for row, (kind, run) in zip(axes, self.runs.items()):
            z = run.z_train
            for ax, j in zip(row, np.argsort(z.var(axis=0))[::-1][:n_components]):
                ax.hist(z[:, j], bins=60, density=True, color="C0", alpha=0.6)
                x = np.linspace(min(z[:, j].min(), -3), max(z[:, j].max(), 3), 200)
                ax.plot(x, scipy.stats.norm.pdf(x), "k--", lw=1, label="N(0, 1)")
                ax.axvline(0, color="r", lw=0.8)
                ax.set_title(f"{kind.upper()}: component {j}", fontsize=8)
        axes[0, 0].legend(fontsize=7)
        fig.tight_layout()
        return fig

    def plot_reconstructions(self, n=8, size=1.2):
        """The same validation images (top row) reconstructed by every kind (one row each)."""
        from .plots import image_rows

        first = next(iter(self.runs.values()))
        val_index = first.image_set.val_index[:n]
        for kind, run in self.runs.items():
            if not np.array_equal(run.image_set.val_index[:n], val_index):
                from .errors import ConfigError
                raise ConfigError(f"the {kind} run has other validation images than the "
                                  f"{next(iter(self.runs))} run: compare runs of one data split.")
        rows = [first.image_set.images[val_index]] + [run.decode(run.z_val[:n])
                                                       for run in self.runs.values()]
        return image_rows(rows, ["validation images"] + [k.upper() for k in self.runs], size=size,
                            title="The same unseen faces reconstructed by each kind")

    def metrics(self, baseline="ae"):
        """The flat metric dict: ``{kind}_{geometry column}``, ``{kind}_{sampler}_{column}`` and
        ``{kind}_best_ratio_own_recon`` / ``_ratio_{baseline}_recon``."""
        out = {}
        for kind, row in self.geometry.iterrows():
            out.update({f"{kind}_{k}": v for k, v in row.items() if pd.notna(v)})
        for (kind, key), row in self.sampler_table(baseline).iterrows():
            out.update({f"{kind}_{key}_{k}": v for k, v in row.items() if pd.notna(v)})
        for kind, row in self.best_samplers(baseline).iterrows():
            for column in ("ratio_own_recon", f"ratio_{baseline}_recon"):
                if pd.notna(row.get(column, np.nan)):
                    out[f"{kind}_best_{column}"] = row[column]
        return {k: float(v) for k, v in out.items()}


def compare_kinds(runs, n_images=2000, n_boot=100, seed=0, keys=KEY_SAMPLERS, tuned=TUNED_SAMPLERS,
                  progress=True, n_selection=2000):
    """Geometry and key-sampler league of every run of ``runs`` (kind -> Run); see :class:`KindComparison`.

    Every kind also gets the samplers of ``tuned`` (league key -> sampler key) with the scale tau
    of their trailing axes chosen on its own training images (``n_selection`` vectors per scale);
    the chosen tau joins the geometry table as ``{key}_tau``. A sampler key ending in
    ``_reencoded`` (``_reencoded<k>``) passes the vectors through the kind's own autoencoder once
    (k times) more (:class:`aelatent.samplers.ReencodedSampler`) and shares the fit of the key
    without it.
    """
    from .league import sampler_league
    from .samplers import ReencodedSampler, make_sampler
    from .samplers.registry import split_reencoded
    from .trailing_axes import select_trailing_scale

    # one 10-component mixture per kind, for the geometry's holes and the league's gmm10 row
    mixtures = {kind: make_sampler("gmm10").fit(run.z_train) for kind, run in runs.items()}
    geometry = pd.DataFrame({kind: {**loss_terms(run), **latent_geometry(
        run, seed=seed, mixture=mixtures[kind])} for kind, run in runs.items()}).T
    leagues = {}
    for kind, run in runs.items():
        if progress:
            print(f"league of the {kind}:")
        fitted, bases = {"gmm10": mixtures[kind]}, {}
        for name, key in tuned.items():
            # a re-encoded sampler shares its base's fit (fitted only if a selection is not stored)
            base, passes = split_reencoded(key)
            if base not in bases:
                bases[base] = make_sampler(base)
            sampler = (bases[base] if passes is None
                       else ReencodedSampler(bases[base], passes=passes).bind(run))
            chosen = select_trailing_scale(run, sampler, n_images=n_selection, seed=seed)
            fitted[name] = chosen.sampler
            geometry.loc[kind, f"{name}_tau"] = chosen.best
        leagues[kind] = sampler_league(run, [*keys, *tuned], n_images=n_images, seed=seed,
                                       n_boot=n_boot, n_descriptors=0, fitted=fitted,
                                       calibration=CALIBRATION, progress=progress)
    return KindComparison(dict(runs), geometry, leagues)


def beta_sweep(runs, n_images=200, seed=0):
    """The VAE's KL weight against its geometry: runs is ``{kl_weight: Run}``.

    Returns a DataFrame, one row per beta: ``val_mse``, ``val_kl``, the origin's Mahalanobis
    distance and the core radius, ``origin_inside_core``, ``prior_inside_core``, and
    ``normal_face_rate`` -- the face rate of ``n_images`` N(0, I) draws decoded.
    """
    from .quality import face_rate

    rows = {}
    for beta, run in sorted(runs.items()):
        draws = np.random.default_rng(seed).standard_normal((n_images, run.config.z_dim))
        geometry = latent_geometry(run, seed=seed, holes=False)     # the table shows no holes
        rows[beta] = {**loss_terms(run), **{k: geometry[k] for k in (
            "origin_mahalanobis", "core_radius", "origin_inside_core", "prior_inside_core",
            "active_units")}, "normal_face_rate": face_rate(run.decode(draws))}
    frame = pd.DataFrame(rows).T
    frame.index.name = "kl_weight"
    return frame


def sweep_summary(sweep):
    """What the VAE's KL weight did in :func:`beta_sweep`'s table, in one sentence."""
    if not len(sweep):
        return "No KL weights were swept."

    def where(row):
        return (f"origin at Mahalanobis distance {row['origin_mahalanobis']:.1f}, "
                + ("inside" if row["origin_inside_core"] else "outside")
                + f" the core ({row['core_radius']:.1f}); N(0, I) draws decode to faces at rate "
                f"{row['normal_face_rate']:.2f}; validation MSE {row['val_mse']:.4f}; "
                f"{row['active_units']:.0f} active units")

    low, high = sweep.index.min(), sweep.index.max()
    if low == high:
        return f"One KL weight only ({low:g}): {where(sweep.loc[low])}."
    like_ae = not sweep.loc[low, "origin_inside_core"]
    return (f"KL weight {low:g}: {where(sweep.loc[low])}. KL weight {high:g}: "
            f"{where(sweep.loc[high])}. So the smallest weight "
            + ("does place the z-points off the origin, as a plain AE does."
               if like_ae else "still keeps the origin inside the core: it does not behave like a "
               "plain AE in this respect."))


def plot_sweep(sweep, size=(11, 3.2)):
    """Against the KL weight (log scale): the origin's Mahalanobis distance over the core radius
    (above 1: outside the core), the face rate of N(0, I) draws and the validation MSE; None
    for an empty sweep."""
    import matplotlib.pyplot as plt

    if not len(sweep):
        return None
    fig, axes = plt.subplots(1, 3, figsize=size)
    beta = sweep.index.to_numpy(dtype=float)
    panels = [(sweep["origin_mahalanobis"] / sweep["core_radius"], "origin / core radius", 1.0),
              (sweep["normal_face_rate"], "face rate of N(0, I) draws", None),
              (sweep["val_mse"], "validation MSE per pixel", None)]
    for ax, (values, label, line) in zip(axes, panels):
        ax.plot(beta, values.to_numpy(dtype=float), "o-")
        if line is not None:
            ax.axhline(line, ls=":", c="r", label="core radius")
            ax.legend(fontsize=8)
        ax.set(xscale="log", xlabel="KL weight", title=label)
    fig.tight_layout()
    return fig


def sweep_metrics(sweep):
    """The flat metrics of :func:`beta_sweep`'s table: ``vae_beta{b:g}_{column}``."""
    return {f"vae_beta{beta:g}_{column}": float(value)
            for beta, row in sweep.iterrows() for column, value in row.items() if pd.notna(value)}


def origin_summary(geometry):
    """One line per kind: where the origin lies relative to the kind's cloud, from the numbers."""
    lines = []
    for kind, row in geometry.iterrows():
        where = "inside" if row["origin_inside_core"] else "outside"
        lines.append(f"{kind.upper()}: origin at Mahalanobis distance {row['origin_mahalanobis']:.1f} "
                     f"(median of the z-points {row['mahalanobis_median']:.1f}, 99 % core "
                     f"{row['core_radius']:.1f}): {where} the core; "
                     f"{row['prior_inside_core']:.1%} of N(0, I) draws inside the core, "
                     f"{row['prior_holes']:.1%} in prior holes; mean radius "
                     f"{row['radius_mean']:.1f} against N(0, I)'s {row['chi_mean']:.1f}")
    return "\n".join(lines)


def overlapping(rows, winner):
    """The labels of ``rows`` (with ``kid_onet_low``/``_high``) whose KID-ONet interval overlaps
    ``winner``'s -- those it is not separated from."""
    high = rows.loc[winner, "kid_onet_high"]
    others = rows.drop(index=winner)
    return [k for k in others.index if others.loc[k, "kid_onet_low"] <= high]


def _separation(rows, winner):
    tied = overlapping(rows, winner)
    return (f" (not separated from {', '.join(k.upper() for k in tied)}: their KID-ONet intervals "
            "overlap)" if tied else " (its KID-ONet interval lies below the others')")


def use_a_vae_sentence(normal, fair, winner, baseline="ae"):
    """The answer to "should I just use a VAE?" from the N(0, I) rows and the best ex-post rows."""
    if "vae" not in normal.index:
        return "Should a reader just use a VAE? This comparison has no VAE."
    vae_faces = normal.loc["vae", "face_rate"]
    prior = (f"sampled from N(0, I) directly, the VAE's draws are faces at rate {vae_faces:.2f}"
             + ("" if len(normal) == 1 else ", against " + ", ".join(
                 f"{k.upper()} {normal.loc[k, 'face_rate']:.2f}" for k in normal.index if k != "vae"))
             + ". ")
    if winner is None:
        return ("Should a reader just use a VAE? Only " + prior + "No kind has an ex-post sampler "
                "that does not copy here.")
    tied = overlapping(fair, winner)
    if winner == "vae" and not tied:
        return ("Should a reader just use a VAE? In this run, yes: " + prior + "With the best ex-post "
                "density too, the VAE's faces come closest to real ones, separated from the others.")
    if winner == "vae" or "vae" in tied:
        return ("Should a reader just use a VAE? Not on this evidence: " + prior + "With each kind's "
                "best ex-post density the VAE is not separated from "
                + ", ".join(k.upper() for k in [winner, *tied] if k != "vae")
                + ", so a plain AE with a fitted density does as well within this league's precision.")
    return ("Should a reader just use a VAE? No: " + prior + f"But with each kind's best ex-post "
            f"density the {winner.upper()} generates better faces than the VAE, beyond the intervals.")


def comparison_verdict(comparison, baseline="ae"):
    """The closing paragraph of notebook XV, computed from the numbers (a markdown string).

    A kind is called best only where its KID-ONet interval lies below the others'; otherwise
    the line names those it is not separated from.
    """
    table = comparison.sampler_table(baseline)
    geometry = comparison.geometry
    normal = table.xs("normal", level="sampler")
    best_normal = normal["kid_onet"].idxmin()
    best = comparison.best_samplers(baseline)
    fair = best[best["sampler"] != "(every one copies)"]
    lines = [f"- **From N(0, I)** the {best_normal.upper()} generates best: KID-ONet "
             f"{normal.loc[best_normal, 'kid_onet']:.2e}, face rate "
             f"{normal.loc[best_normal, 'face_rate']:.2f}{_separation(normal, best_normal)}; the "
             "others: " + ", ".join(f"{k.upper()} {normal.loc[k, 'kid_onet']:.2e} / "
                                    f"{normal.loc[k, 'face_rate']:.2f}"
                                    for k in normal.index if k != best_normal) + "."]
    winner = None
    if len(fair):
        winner = pd.to_numeric(fair[f"ratio_{baseline}_recon"]).idxmin()
        lines.append(
            f"- **From an ex-post density** (each kind's best sampler that does not copy) the "
            f"{winner.upper()} with `{fair.loc[winner, 'sampler']}`: "
            f"{fair.loc[winner, f'ratio_{baseline}_recon']:.2f}x the {baseline.upper()}'s "
            f"reconstructions' KID-ONet, {fair.loc[winner, 'ratio_own_recon']:.2f}x its own"
            f"{_separation(fair, winner)}. "
            + " ".join(f"{k.upper()}: `{r['sampler']}` {r[f'ratio_{baseline}_recon']:.2f}x / "
                       f"{r['ratio_own_recon']:.2f}x." for k, r in fair.iterrows() if k != winner))
    else:
        lines.append("- **From an ex-post density** no kind has a key sampler that does not copy "
                     "training faces in this run; no verdict.")
    base_mse = geometry.loc[baseline, "val_mse"] if baseline in geometry.index else np.nan
    lines.append("- **The cost in reconstruction**: validation MSE per pixel "
                 + ", ".join(f"{k.upper()} {row['val_mse']:.4f} ({row['val_mse'] / base_mse:.2f}x)"
                             for k, row in geometry.iterrows()) + ".")
    inside = [k.upper() for k, row in geometry.iterrows() if row["origin_inside_core"]]
    lines.append("- **The origin** lies inside the 99 % core of "
                 + (", ".join(inside) if inside else "no kind") + "; outside it for "
                 + (", ".join(k.upper() for k in geometry.index if k.upper() not in inside) or "none")
                 + ".")
    lines.append("\n" + use_a_vae_sentence(normal, fair, winner, baseline))
    return "\n".join(lines)
