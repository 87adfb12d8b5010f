"""Ex-post densities with several modes: the Gaussian-mixture family of the RAE paper.

:class:`GMMSampler` is a mixture with full, diagonal, tied or spherical
covariances (optionally the variational Bayesian mixture of scikit-learn);
:class:`PCAMixtureSampler` fits it in the frame of the leading principal axes
and models the remaining axes by independent Gaussians; :func:`mixture_selection`
compares a family of them by held-out log-likelihood and BIC.
"""

from __future__ import annotations

import concurrent.futures
import copy
import dataclasses
import time
import warnings

import numpy as np
import scipy.stats
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from ..errors import ConfigError
from ..pca import PCAAlignment
from ..progress import stage_line
from ..result_store import DerivedValues, content_hash
from ..stats import check_sample
from ..validation import check_fitted, check_int, check_option, check_real
from .base import DensityMixin, LatentSampler

#: Covariance types of scikit-learn's mixtures.
COVARIANCE_TYPES = ("full", "diag", "tied", "spherical")


def _one_blas_thread():
    """EM's products are one per component and small (n x d x d): shared by two BLAS threads they
    wait on each other. With one, a 10-component fit to the 60 leading coordinates of 6,750
    z-points takes 3.3 s instead of 8.3, the 256-d fits as long as with two
    (benchmarks/bench_league_statistics.py; AMD EPYC, 2 cores); the values agree to float
    rounding."""
    return threadpool_limits(1, user_api="blas")


def _subsample(z, max_points, random_state):
    if len(z) <= max_points:
        return z
    rng = np.random.default_rng(random_state)
    return z[np.sort(rng.choice(len(z), max_points, replace=False))]


def _component_cholesky(mixture, n_features):
    """Lower Cholesky factors (k, N, N) of every component's covariance, whatever its type."""
    cov, k = mixture.covariances_, mixture.n_components
    if mixture.covariance_type == "full":
        return np.linalg.cholesky(cov)
    if mixture.covariance_type == "tied":
        return np.broadcast_to(np.linalg.cholesky(cov), (k, n_features, n_features))
    std = np.sqrt(cov if mixture.covariance_type == "diag" else cov[:, None] * np.ones(n_features))
    return std[:, :, None] * np.eye(n_features)


class GMMSampler(DensityMixin, LatentSampler):
    """A Gaussian mixture fitted to the z-points (the RAE paper's ex-post density).

    Fitting uses :class:`sklearn.mixture.GaussianMixture` (or, with
    ``bayesian=True``, :class:`~sklearn.mixture.BayesianGaussianMixture` with a
    Dirichlet-process prior on the weights, which switches off components it
    does not need; k-means initialisation seeded by ``random_state``) on at
    most ``max_fit_points`` z-points: a larger cloud (full CelebA has 162,770
    training points) is subsampled with the same seed, since one EM iteration
    costs ~n * N^2 * n_components operations (benchmarks/bench_stats.py: 20,000
    points fit in ~30 s on 2 cores). Sampling draws the component of each
    vector from the mixture weights and then the vector from that component's
    Gaussian, all from the ``random_state`` given to :meth:`sample`.

    Parameters
    ----------
    n_components : int
        Number of mixture components (10 in the RAE paper).
    covariance_type : {"full", "diag", "tied", "spherical"}
    bayesian : bool
        Variational Bayesian mixture instead of maximum likelihood.
    random_state : int
        Seed of the fit.
    reg_covar : float
        Added to the covariance diagonals (see GaussianMixture).
    max_fit_points : int
        Fit on a seeded subsample of this many z-points when there are more.
    max_iter : int
        EM iterations at most.

    Attributes
    ----------
    mixture_ : sklearn.mixture.GaussianMixture or BayesianGaussianMixture
    chol_ : ndarray (n_components, N, N)
        Cholesky factors of the component covariances.
    converged_ : bool
        Whether EM converged within ``max_iter`` iterations (scikit-learn's
        warning is not repeated; :func:`mixture_selection` shows this flag).
    """

    def __init__(self, n_components=10, covariance_type="full", bayesian=False, random_state=0,
                 reg_covar=1e-4, max_fit_points=20000, max_iter=100):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.bayesian = bayesian
        self.random_state = random_state
        self.reg_covar = reg_covar
        self.max_fit_points = max_fit_points
        self.max_iter = max_iter

    def _check_params(self):
        k = check_int(self.n_components, "n_components", what="the number of mixture components")
        check_int(self.max_fit_points, "max_fit_points", minimum=2 * k,
                  what="at least 2 * n_components")
        check_int(self.max_iter, "max_iter", what="EM iterations")
        check_real(self.reg_covar, "reg_covar", low=0)
        check_option(self.covariance_type, "covariance_type", COVARIANCE_TYPES)
        if not isinstance(self.bayesian, (bool, np.bool_)):
            raise ConfigError(f"bayesian must be True or False, got {self.bayesian!r}.")

    def _fit(self, z):
        from sklearn.mixture import BayesianGaussianMixture, GaussianMixture

        if len(z) < 2 * self.n_components:
            raise ConfigError(f"a {self.n_components}-component mixture needs at least "
                              f"{2 * self.n_components} z-points, got {len(z)}; use fewer "
                              "components or more points.")
        z = _subsample(z, self.max_fit_points, self.random_state)
        kind = BayesianGaussianMixture if self.bayesian else GaussianMixture
        with warnings.catch_warnings(), _one_blas_thread():  # reported by converged_
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.mixture_ = kind(n_components=self.n_components,
                                 covariance_type=self.covariance_type, reg_covar=self.reg_covar,
                                 max_iter=self.max_iter, random_state=self.random_state).fit(z)
        self.converged_ = bool(self.mixture_.converged_)
        self.chol_ = _component_cholesky(self.mixture_, z.shape[1])

    def _sample(self, n_samples, rng):
        return self.sample_components(n_samples, rng)[0]

    def sample_components(self, n_samples, rng):
        """Vectors and the component each was drawn from: ``(z (n, N), which (n,))``."""
        weights = self.mixture_.weights_ / self.mixture_.weights_.sum()
        which = rng.choice(self.n_components, size=n_samples, p=weights)
        out = rng.standard_normal((n_samples, self.n_features_in_))
        for c in np.unique(which):        # one matrix product per component, no (n, N, N) gather
            rows = which == c
            out[rows] = self.mixture_.means_[c] + out[rows] @ self.chol_[c].T
        return out, which

    def component_log_densities(self, z):
        """log(weight_c) + log N_c(z) for every component c: array (n, n_components)."""
        from scipy.linalg import solve_triangular

        z = np.asarray(z, dtype=np.float64)
        out = np.empty((len(z), self.n_components))
        weights = self.mixture_.weights_ / self.mixture_.weights_.sum()
        for c in range(self.n_components):
            white = solve_triangular(self.chol_[c], (z - self.mixture_.means_[c]).T, lower=True)
            out[:, c] = (np.log(weights[c]) - 0.5 * np.sum(white ** 2, axis=0)
                         - np.sum(np.log(np.diag(self.chol_[c])))
                         - 0.5 * z.shape[1] * np.log(2 * np.pi))
        return out

    def _log_density(self, z):
        with _one_blas_thread():
            return self.mixture_.score_samples(z)

    def bic(self, z):
        """Bayesian information criterion of the fitted mixture on ``z`` (lower is better)."""
        return float(self.mixture_.bic(check_sample(z, "z")))


class PCAMixtureSampler(DensityMixin, LatentSampler):
    """A Gaussian mixture on the leading principal coordinates, a simpler model for the rest.

    The z-points are rotated into their principal axes
    (:class:`aelatent.pca.PCAAlignment`); the leading axes that together carry
    ``variance`` of the total variance get a :class:`GMMSampler`. The remaining
    (*trailing*) axes -- post VII's suspected home of "micro-correlations" --
    are modelled in one of two ways:

    ``trailing="independent"``
        an independent normal per axis, N(0, (tau * sigma_j)^2), sigma_j its
        standard deviation (with ``trailing_scale`` tau = 1 the maximum-likelihood
        fit of the previous releases);
    ``trailing="neighbours"``
        conditional on the leading coordinates: the mean m_j(l) of the trailing
        coordinates of the ``k`` training z-points nearest in the *whitened*
        leading coordinates (k-nearest-neighbour regression), plus independent
        normal residuals N(0, (tau * s_j)^2), s_j the residual standard deviation
        measured leave-one-out on the training points (each point's own row
        left out of its neighbours).
    ``trailing="factors"``
        a mixture of factor analysers in the trailing block, one per component
        of the leading mixture (which must be a :class:`GMMSampler`): the
        training points a component is most responsible for get their own mean
        of the trailing coordinates and a factor analysis of the rest
        (``n_factors`` loadings and a noise variance per axis,
        :class:`sklearn.decomposition.FactorAnalysis`). A vector's trailing part
        comes from the component its leading part was drawn from: its mean plus
        tau times a draw of its factor model. Correlations among the trailing
        axes and their spread may so differ from one region of the cloud to
        another, where ``"independent"`` has one global scale per axis.

    tau < 1 shrinks what the trailing axes get beyond what the model can
    predict: notebook XIV shows that the decoder turns independent noise of the
    full variance into patchy faces. The rotation is orthogonal, so the log
    density is the sum of the two parts' (for tau = 0 it is degenerate: -inf
    almost everywhere).

    Parameters
    ----------
    variance : float in (0, 1]
        Share of the variance carried by the axes of the mixture.
    mixture : LatentSampler, optional
        The (unfitted) density for the leading coordinates; a clone of it is
        fitted. Default: ``GMMSampler(10)``. Another sampler (e.g. a
        :class:`aelatent.samplers.DiffusionSampler`) works too; without a density
        of its own the whole has none (:attr:`has_density`).
    trailing : {"independent", "neighbours", "factors"}
        Model of the trailing coordinates (see above).
    trailing_scale : float >= 0
        tau: factor on the trailing noise (independent), residuals (neighbours) or deviations
        from the component's mean (factors).
    k : int
        Neighbours of the conditional mean (``trailing="neighbours"``).
    n_factors : int
        Loadings of each component's factor analysis (``trailing="factors"``); a component
        with fewer than ``2 * n_factors`` training points uses the factor analysis of all.

    Attributes
    ----------
    alignment_ : PCAAlignment
    n_leading_ : int
        Axes modelled by the mixture.
    leading_ : GMMSampler
        The mixture fitted on the leading coordinates.
    rest_std_ : ndarray (N - n_leading_,)
        sigma_j (independent), the residual s_j (neighbours) or the spread about the
        components' means (factors) of the trailing axes.
    regression_ : sklearn.neighbors.KNeighborsRegressor or None
        trailing | leading (whitened), for ``trailing="neighbours"``.
    factors_ : list of sklearn.decomposition.FactorAnalysis or None
        One per component of the leading mixture, for ``trailing="factors"``.
    """

    def __init__(self, variance=0.9, mixture=None, trailing="independent", trailing_scale=1.0,
                 k=10, n_factors=8):
        self.variance = variance
        self.mixture = mixture
        self.trailing = trailing
        self.trailing_scale = trailing_scale
        self.k = k
        self.n_factors = n_factors

    def _mixture(self):
        return clone(self.mixture) if self.mixture is not None else GMMSampler(10)

    def _check_params(self):
        check_real(self.variance, "variance", low=0, high=1, low_open=True,
                   what="the share of the variance modelled by the mixture")
        check_option(self.trailing, "trailing", TRAILING_MODELS)
        check_real(self.trailing_scale, "trailing_scale", low=0,
                   what="the factor on the trailing axes' noise")
        check_int(self.k, "k", what="neighbours of the conditional mean")
        check_int(self.n_factors, "n_factors", what="loadings of each trailing factor analysis")
        self._mixture()._check_params()
        if self.trailing == "factors" and not isinstance(self._mixture(), GMMSampler):
            raise ConfigError("trailing='factors' needs a GMMSampler on the leading axes (one "
                              f"factor analysis per component), got {type(self._mixture()).__name__}.")

    def _fit(self, z):
        self.alignment_, self.n_leading_, lead, rest = principal_split(z, self.variance)
        self.leading_ = fit_leading(self._mixture(), lead)
        self.regression_ = self.factors_ = None
        if self.trailing == "factors" and rest.shape[1]:
            which = self.leading_.mixture_.predict(lead)          # hard assignment
            self.factors_ = self._fit_factors(rest, which)
            means = np.stack([fa.mean_ for fa in self.factors_])
            self.rest_std_ = np.sqrt(np.mean((rest - means[which]) ** 2, axis=0))
        elif self.trailing == "neighbours" and rest.shape[1]:
            self.regression_ = trailing_regression(self.k).fit(self._lead_frame(lead), rest)
            self.rest_std_ = np.sqrt(np.mean(leave_one_out_residuals(self.regression_, rest) ** 2,
                                             axis=0))
        else:
            self.rest_std_ = np.sqrt(self.alignment_.explained_variance_[self.n_leading_:])

    def _fit_factors(self, rest, which):
        """A factor analysis of the trailing coordinates of each leading component's points."""
        from sklearn.decomposition import FactorAnalysis

        def analysis(points):
            return FactorAnalysis(min(self.n_factors, rest.shape[1]),
                                  random_state=0).fit(points)

        everything = None
        out = []
        for c in range(self.leading_.n_components):
            members = rest[which == c]
            if len(members) >= 2 * self.n_factors:
                out.append(analysis(members))
            else:                       # too few points for loadings of their own: all points'
                if everything is None:
                    everything = analysis(rest)
                out.append(everything)
        return out

    def _lead_frame(self, lead):
        """Leading coordinates in units of their standard deviations (the neighbours' metric)."""
        return whitened_lead(self.alignment_, lead)

    def trailing_mean(self, lead):
        """Mean of the trailing coordinates given leading ones: m(l), or 0 for independent axes."""
        check_fitted(self)
        lead = np.atleast_2d(np.asarray(lead, dtype=np.float64))
        if self.factors_ is not None:        # the components' means, weighted by responsibility
            responsibility = self.leading_.mixture_.predict_proba(lead)
            return responsibility @ np.stack([fa.mean_ for fa in self.factors_])
        if self.regression_ is None:
            return np.zeros((len(lead), len(self.rest_std_)))
        return self.regression_.predict(self._lead_frame(lead))

    def _sample(self, n_samples, rng):
        if self.factors_ is not None:
            lead, which = self.leading_.sample_components(
                n_samples, np.random.default_rng(int(rng.integers(2 ** 31 - 1))))
            rest = np.empty((n_samples, len(self.rest_std_)))
            for c in np.unique(which):
                rows, fa = which == c, self.factors_[c]
                spread = (rng.standard_normal((rows.sum(), len(fa.components_))) @ fa.components_
                          + rng.standard_normal((rows.sum(), rest.shape[1]))
                          * np.sqrt(fa.noise_variance_))
                rest[rows] = fa.mean_ + self.trailing_scale * spread
            return self.alignment_.inverse_transform(np.hstack([lead, rest]))
        lead = self.leading_.sample(n_samples, random_state=int(rng.integers(2 ** 31 - 1)))
        rest = rng.standard_normal((n_samples, len(self.rest_std_))) * self.rest_std_
        if self.regression_ is not None or self.trailing_scale != 1.0:
            rest = self.trailing_mean(lead) + self.trailing_scale * rest
        return self.alignment_.inverse_transform(np.hstack([lead, rest]))

    @property
    def has_density(self):
        return isinstance(self._mixture(), DensityMixin)

    def _log_density(self, z):
        if not self.has_density:
            raise ConfigError(f"{type(self._mixture()).__name__} on the leading axes has no log "
                              "density, so this sampler has none: use a GMMSampler there.")
        y = self.alignment_.transform(z)
        lead = y[:, :self.n_leading_]
        if self.factors_ is not None:
            return self._factors_log_density(lead, y[:, self.n_leading_:])
        rest = y[:, self.n_leading_:] - self.trailing_mean(lead)
        scale = self.trailing_scale * self.rest_std_
        with np.errstate(divide="ignore", invalid="ignore"):
            log_rest = scipy.stats.norm.logpdf(rest, 0, scale).sum(axis=1)
        log_rest = np.where(np.isnan(log_rest), -np.inf, log_rest)
        return self.leading_.score_samples(lead) + log_rest


    def _factors_log_density(self, lead, rest):
        """log sum_c weight_c N_c(lead) FA_c(rest), the factor model's covariance times tau^2."""
        from scipy.special import logsumexp

        tau = self.trailing_scale
        if tau == 0:
            return np.full(len(lead), -np.inf)
        joint = self.leading_.component_log_densities(lead)
        for c, fa in enumerate(self.factors_):
            # N(x; m, tau^2 C) = N(m + (x - m) / tau; m, C) / tau^d
            joint[:, c] += (fa.score_samples(fa.mean_ + (rest - fa.mean_) / tau)
                            - rest.shape[1] * np.log(tau))
        return logsumexp(joint, axis=1)


#: Gaussian mixtures fitted to leading coordinates, the last eight kept: ``pca_gmm10``,
#: ``conditional_gmm10`` and ``factors_gmm10`` (and their tau variants) fit the same mixture to
#: the same coordinates and differ only in the trailing axes.
LEADING_FITS = DerivedValues(8, weigh=lambda fitted: 1)


def fit_leading(mixture, lead):
    """``mixture`` (unfitted) fitted to ``lead``; a :class:`GMMSampler` fitted before with the same
    parameters to coordinates of the same content is copied, not fitted again (the fit is
    seeded and deterministic, so the copy equals a new fit)."""
    if not isinstance(mixture, GMMSampler):
        return mixture.fit(lead)
    key = (repr(sorted(mixture.get_params().items())), content_hash(np.asarray(lead)))
    return copy.deepcopy(LEADING_FITS.get(key, lambda: mixture.fit(lead)))


def principal_split(z, variance):
    """The principal axes of ``z`` and its coordinates split where the leading axes reach
    ``variance`` of the variance: ``(alignment, n_leading, leading, trailing)``."""
    alignment = PCAAlignment().fit(z)
    y = alignment.transform(z)
    n_leading = alignment.n_components_for(variance)
    return alignment, n_leading, y[:, :n_leading], y[:, n_leading:]


def whitened_lead(alignment, lead):
    """Leading principal coordinates in units of their standard deviations (the metric of the
    trailing axes' neighbours)."""
    return lead / np.sqrt(alignment.explained_variance_[:lead.shape[1]])


#: Models of the trailing principal axes of :class:`PCAMixtureSampler`.
TRAILING_MODELS = ("independent", "neighbours", "factors")


def trailing_regression(k=10):
    """The k-nearest-neighbour regression of trailing on (whitened) leading coordinates.

    scikit-learn's :class:`~sklearn.neighbors.KNeighborsRegressor` with uniform
    weights and an exact brute-force search.
    """
    from sklearn.neighbors import KNeighborsRegressor
    return KNeighborsRegressor(n_neighbors=k, algorithm="brute")


def leave_one_out_residuals(regression, targets):
    """Residuals of a fitted k-NN regression on its own training points, each point left out.

    ``kneighbors()`` without queries returns every fitted point's neighbours
    without the point itself, so these are honest (out-of-sample) residuals.
    """
    _, indices = regression.kneighbors()
    return targets - targets[indices].mean(axis=1)


#: Mixtures of :func:`mixture_selection`'s family fitted at a time by default (threads, each fit
#: with one BLAS thread). EM's work is in NumPy and SciPy calls that release the GIL, so two fits
#: use both cores where one fit with two BLAS threads waits (:func:`_one_blas_thread`): the
#: ``default`` run's family of 11 in 43 s instead of 92 (Benchmark 11, Intel Xeon), the same fits.
FAMILY_WORKERS = 2


def _expected_cost(candidate):
    """A fit's relative cost, to start the largest first: Bayesian and tied EM are the slowest."""
    _, k, kind, _ = candidate
    return k * (4 if "Bayesian" in kind or kind == "tied" else 1 if kind == "full" else 0.2)


def _family_row(sampler, k, kind, z_train, z_val, max_fit_points, random_state):
    """Fit one mixture of :func:`mixture_selection` and return its row of the table."""
    from .base import held_out_log_likelihood

    start = time.perf_counter()
    sampler.fit(z_train)
    seconds = time.perf_counter() - start
    fitted = _subsample(z_train, max_fit_points, random_state)
    mixture = sampler.leading_ if isinstance(sampler, PCAMixtureSampler) else sampler
    return {"n_components": k, "covariance": kind, "converged": mixture.converged_,
            "held_out_ll": held_out_log_likelihood(sampler, z_val),
            "train_ll": held_out_log_likelihood(sampler, fitted),
            "bic": sampler.bic(fitted) if isinstance(sampler, GMMSampler)
            and not sampler.bayesian else np.nan,
            "seconds": seconds}


def mixture_selection(z_train, z_val, n_components=(1, 10, 20, 50, 100),
                      covariance_types=("full", "diag"), tied=(10,), bayesian=(10,), pca=(10,),
                      random_state=0, max_fit_points=20000, say=None, folder=None,
                      n_jobs=FAMILY_WORKERS):
    """Fit a family of mixtures and compare them by held-out log-likelihood and BIC.

    Parameters
    ----------
    z_train : array (n, N)
        z-points to fit on.
    z_val : array (m, N)
        Held-out z-points (e.g. ``run.z_val``) whose mean log density decides.
    n_components : sequence of int
        Component counts, each with every type of ``covariance_types``.
    covariance_types : sequence of str
    tied : sequence of int
        Component counts of a tied-covariance mixture as well (one shared covariance;
        its EM is slow: k = 100 took 8 min on 8,100 points on 2 cores, k = 10 18 s).
    bayesian : sequence of int
        Component counts of a Bayesian mixture (full covariance) as well.
    pca : sequence of int
        Component counts of :class:`PCAMixtureSampler` (90 % of the variance) as well.
    random_state, max_fit_points
        Of every fit.
    say : callable, optional
        Called with one line per fitted mixture (e.g. ``print``).
    folder : path, optional
        Where to keep the family's table (e.g. ``runs/<run>/results/mixtures``), keyed by the
        z-points, the candidates' parameters and this module's code
        (:mod:`aelatent.result_store`). A stored table is read instead of fitting; its
        samplers are then returned configured but not fitted (the league fits the one it
        needs, only if its row is not stored either).
    n_jobs : int
        Mixtures fitted at a time (threads). Every fit runs with one BLAS thread whatever
        ``n_jobs`` is, so the fits do not depend on it.

    Returns
    -------
    MixtureSelection
        ``table``: indexed by league key (``gmm<k>`` for full covariance,
        ``gmm<k>_<type>``, ``bgmm<k>``, ``pca_gmm<k>``), columns
        ``n_components``, ``covariance``, ``converged``, ``held_out_ll`` and
        ``train_ll`` (nats per dimension), ``bic`` (on the fitted points; NaN
        for the Bayesian and PCA mixtures) and ``seconds`` (the fit's wall time, ``n_jobs``
        fits sharing the cores); sorted by held-out
        log-likelihood, best first. Component counts that need more points than
        there are are left out. ``best``: the key of the first row, and
        ``samplers``: the fitted samplers by key (the league reuses the best).
    """
    import pandas as pd

    z_train, z_val = check_sample(z_train, "z_train"), check_sample(z_val, "z_val")
    n_jobs = check_int(n_jobs, "n_jobs", what="mixtures fitted at a time")
    candidates = [(f"gmm{k}" if t == "full" else f"gmm{k}_{t}", k, t,
                   GMMSampler(k, t, random_state=random_state, max_fit_points=max_fit_points))
                  for k in n_components for t in covariance_types]
    candidates += [(f"gmm{k}_tied", k, "tied", GMMSampler(k, "tied", random_state=random_state,
                                                          max_fit_points=max_fit_points))
                   for k in tied if "tied" not in covariance_types]
    candidates += [(f"bgmm{k}", k, "full, Bayesian",
                    GMMSampler(k, bayesian=True, random_state=random_state,
                               max_fit_points=max_fit_points)) for k in bayesian]
    candidates += [(f"pca_gmm{k}", k, "full, PCA 90 %",
                    PCAMixtureSampler(mixture=GMMSampler(k, random_state=random_state,
                                                         max_fit_points=max_fit_points)))
                   for k in pca]
    candidates = [c for c in candidates if 2 * c[1] <= min(len(z_train), max_fit_points)]
    store, entry = None, None
    if folder is not None:
        from ..result_store import ResultStore, code_fingerprint, content_hash, module_dependencies
        store = ResultStore(folder, "mixture families")
        entry = {"z_train": content_hash(z_train), "z_val": content_hash(z_val),
                 "candidates": [(key, sampler.get_params(deep=True))
                                for key, _, _, sampler in candidates],
                 "random_state": random_state, "max_fit_points": max_fit_points,
                 "code": code_fingerprint(*module_dependencies("aelatent.samplers.mixture"))}
        found = store.load(entry)
        if found is not None:
            store.tally("reused")
            stored = found[0]["table"]         # pandas' "split" form: index, columns, data
            table = pd.DataFrame(stored["data"], index=stored["index"], columns=stored["columns"])
            if say:
                say(f"mixture family: the table of {len(table)} mixtures fitted in an earlier "
                    "execution is reused (its seconds are those of then); nothing is fitted")
            return MixtureSelection(table, {key: sampler for key, _, _, sampler in candidates
                                            if key in table.index}, reused=True)
    if say:
        say(stage_line(f"fitting {len(candidates)} mixtures, {n_jobs} at a time ..."))
    rows = {}
    # one BLAS thread for every fit and the fits' warning filter, held across the pool: a fit's
    # own limit and filter are process-wide, and restored when it ends while the other still runs;
    # the largest fits first
    with _one_blas_thread(), warnings.catch_warnings(), \
            concurrent.futures.ThreadPoolExecutor(n_jobs) as pool:
        warnings.simplefilter("ignore", ConvergenceWarning)      # reported by converged_
        futures = {key: pool.submit(_family_row, sampler, k, kind, z_train, z_val,
                                    max_fit_points, random_state)
                   for key, k, kind, sampler in sorted(candidates, key=_expected_cost, reverse=True)}
        for key, _, _, _ in candidates:
            rows[key] = futures[key].result()
            if say:
                say(stage_line(f"{key}: held-out log-likelihood {rows[key]['held_out_ll']:+.3f} "
                               f"nats/dim (fitted points {rows[key]['train_ll']:+.3f}), "
                               f"{rows[key]['seconds']:.1f} s"))
    fitted_samplers = {key: sampler for key, _, _, sampler in candidates}
    table = pd.DataFrame.from_dict(rows, orient="index").sort_values("held_out_ll", ascending=False)
    if store is not None:
        store.save(entry, {"table": table.to_dict(orient="split")}, {})
        store.tally("computed")
    return MixtureSelection(table, fitted_samplers)


@dataclasses.dataclass
class MixtureSelection:
    """Result of :func:`mixture_selection`: the comparison table and the mixtures by key (fitted,
    unless the table was ``reused`` from a folder)."""

    table: object
    samplers: dict
    reused: bool = False

    @property
    def best(self):
        """League key of the mixture with the highest held-out log-likelihood."""
        return self.table.index[0]
