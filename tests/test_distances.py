"""Two-sample distances: Frechet (with counts, bootstrap, extrapolation), KID, precision/recall."""

import numpy as np
import pytest

from aelatent import distances
from aelatent.result_store import DerivedValues
from aelatent.errors import ConfigError


def test_frechet_known_answer():
    # diagonal Gaussians: FD = |m1 - m2|^2 + sum (s1 - s2)^2
    m1, m2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.array([1.0, 2.0, 0.5]), np.array([2.0, 2.0, 1.5])
    a = distances.FeatureStats(m1, np.diag(s1 ** 2), 100)
    b = distances.FeatureStats(m2, np.diag(s2 ** 2), 100)
    assert distances.frechet_distance(a, b) == pytest.approx(5.0 + 2.0, rel=1e-9)
    # a shifted sample: FD grows like the squared shift, and is symmetric
    x = np.random.default_rng(0).normal(size=(4000, 5))
    shifted = x + 2.0
    assert distances.frechet_distance(x, shifted) == pytest.approx(4 * 5, rel=1e-6)
    y = np.random.default_rng(1).normal(size=(4000, 5)) * 1.5
    assert distances.frechet_distance(x, y) == pytest.approx(distances.frechet_distance(y, x), rel=1e-6)
    assert distances.frechet_distance(x, y) == pytest.approx(5 * 0.25, abs=0.1)


def test_frechet_rank_deficient_is_finite():
    # fewer points than dimensions: singular covariances must not give NaN or a negative value
    x = np.random.default_rng(0).normal(size=(10, 50))
    assert distances.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-6)
    d = distances.frechet_distance(x, x[::-1] + 0.1)
    assert np.isfinite(d) and d == pytest.approx(50 * 0.01, rel=1e-4)


def test_precision_recall_known_answers():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(400, 8))
    # identical sets: every point lies in its own ball
    assert distances.precision_recall(real, real) == (1.0, 1.0)
    # a fresh sample of the same distribution: both high
    p, r = distances.precision_recall(real, rng.normal(size=(400, 8)))
    assert p > 0.7 and r > 0.7
    # disjoint distributions: both zero
    assert distances.precision_recall(real, real + 50.0) == (0.0, 0.0)
    # mode collapse: faithful but without variety -> precision high, recall low
    collapsed = 0.1 * rng.normal(size=(400, 8))
    p, r = distances.precision_recall(real, collapsed)
    assert p > 0.9 and r < 0.2


def test_kernel_distance_is_unbiased_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    same = [distances.kernel_distance(rng.normal(size=(60, 16)), rng.normal(size=(60, 16)))
            for _ in range(30)]
    spread = np.std(same)
    assert abs(np.mean(same)) < 3 * spread / np.sqrt(len(same))     # expectation 0 at small n
    assert min(same) < 0 < max(same)                                 # unbiased: both signs occur
    base = rng.normal(size=(200, 16))
    shifts = [distances.kernel_distance(base, rng.normal(size=(200, 16)) + s) for s in (0.3, 0.6, 1.2)]
    assert shifts == sorted(shifts) and shifts[0] > 3 * spread        # beyond the null noise at n = 60
    with pytest.raises(ConfigError, match="dimension"):
        distances.kernel_distance(base, base[:, :3])


def test_bootstrap_interval_covers_the_estimate_and_narrows_with_n():
    rng = np.random.default_rng(1)
    small = rng.normal(size=(40, 8)), rng.normal(size=(40, 8)) + 0.5
    large = rng.normal(size=(400, 8)), rng.normal(size=(400, 8)) + 0.5
    lo_s, hi_s = distances.bootstrap_interval(distances.kernel_distance, *small, n_boot=100)
    lo_l, hi_l = distances.bootstrap_interval(distances.kernel_distance, *large, n_boot=100)
    assert lo_l <= distances.kernel_distance(*large) <= hi_l
    assert hi_l - lo_l < 0.5 * (hi_s - lo_s)
    assert distances.bootstrap_interval(distances.kernel_distance, *small, n_boot=100) == (lo_s, hi_s)
    with pytest.raises(ConfigError, match="level"):
        distances.bootstrap_interval(distances.kernel_distance, *small, level=1.0)


def test_kernel_bootstrap_reuses_its_kernel_matrices_and_keeps_the_values():
    # the resamples of the kernel distance are weighted sums over kernels computed once: the
    # interval equals the one that recomputes the kernels on every resample
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(120, 16)), rng.normal(size=(90, 16)) + 0.2
    recomputed = distances.bootstrap_interval(
        lambda x, y, cx=None, cy=None: distances.kernel_distance(x, y, cx, cy), a, b, n_boot=30)
    assert distances.bootstrap_interval(distances.kernel_distance, a, b, n_boot=30) == \
        pytest.approx(recomputed, rel=1e-9)


def test_the_resamples_kernel_distances_come_in_one_product_as_they_do_one_by_one():
    # KernelSets.kids sums every resample with one matrix product per kernel; each value equals
    # the resample's KID computed alone, for three sets and pairs in both orders
    rng = np.random.default_rng(9)
    sets = [rng.normal(size=(n, 6)) + shift for n, shift in ((70, 0.0), (50, 0.3), (60, 0.1))]
    kernels = distances.KernelSets(*sets)
    resamples = distances._resamples([len(x) for x in sets], 15, rng)
    for i, j in ((0, 1), (0, 2), (2, 1)):
        one_by_one = [distances.kernel_distance(sets[i], sets[j], counts[i], counts[j])
                      for counts in resamples]
        assert kernels.kids(i, j, resamples) == pytest.approx(one_by_one, rel=1e-9, abs=1e-15)
    assert len(set(np.round(kernels.kids(0, 1, resamples), 12))) == len(resamples)


def test_rows_sharing_a_reference_reuse_its_share_and_never_read_a_changed_array(monkeypatch):
    # the league's rows all resample one reference and one ceiling the same way: the second row
    # computes only its own share, the kept values equal fresh ones bit for bit, and an array
    # changed in place is computed anew, never read from the store
    store = DerivedValues(64 * 2 ** 20)
    monkeypatch.setattr(distances, "SHARED", store)
    rng = np.random.default_rng(8)
    real, ceiling = rng.normal(size=(150, 12)), rng.normal(size=(100, 12)) + 0.1
    rows = [rng.normal(size=(100, 12)) + shift for shift in (0.3, 0.5)]

    def intervals(row):
        return (distances.bootstrap_interval(distances.frechet_distance, real, row, n_boot=20),
                distances.bootstrap_interval(distances.kernel_distance, real, row, n_boot=20),
                distances.kid_ratio_interval(real, row, ceiling, n_boot=20))

    intervals(rows[0])
    first_misses = store.misses
    second = intervals(rows[1])
    assert store.hits > 0 and store.misses - first_misses < first_misses / 2
    store.clear()
    assert intervals(rows[1]) == second
    real[0] += 1.0
    changed = intervals(rows[1])
    store.clear()
    assert intervals(rows[1]) == changed != second


def test_derived_values_keep_at_most_their_bytes():
    store = DerivedValues(1000)
    for name in ("a", "b"):
        store.get((name,), lambda: np.zeros(100))          # 800 bytes each: "a" leaves for "b"
    store.get(("big",), lambda: np.zeros(200))             # larger than the store: not kept
    store.get(("b",), lambda: np.ones(100))
    store.get(("a",), lambda: np.ones(100))
    assert (store.hits, store.misses) == (1, 4) and store._weight == 800


def test_kid_ratio_interval_is_joint_and_covers_the_true_ratio():
    # two sets shifted from the reference by 0.4 and 0.2 in each of 16 dimensions: the ratio of
    # their KIDs is near (0.4 / 0.2)^2 = 4 for small shifts; its joint interval covers the
    # estimate, and is narrower than the ratio of the two rows' own intervals, whose shared
    # reference noise adds up instead of cancelling
    rng = np.random.default_rng(6)
    real = rng.normal(size=(300, 16))
    far, near = rng.normal(size=(300, 16)) + 0.4, rng.normal(size=(300, 16)) + 0.2
    ratio, low, high = distances.kid_ratio_interval(real, far, near, n_boot=100)
    assert ratio == pytest.approx(distances.kernel_distance(real, far)
                                  / distances.kernel_distance(real, near), rel=1e-9)
    assert low < ratio < high and 2.5 < ratio < 6 and low < 4 < high
    lo_far, hi_far = distances.bootstrap_interval(distances.kernel_distance, real, far, n_boot=100)
    lo_near, hi_near = distances.bootstrap_interval(distances.kernel_distance, real, near,
                                                    n_boot=100)
    assert high - low < hi_far / lo_near - lo_far / hi_near
    assert distances.kid_ratio_interval(real, far, near, n_boot=100) == (ratio, low, high)
    # a ceiling indistinguishable from the reference has no ratio
    assert np.isnan(distances.kid_ratio_interval(real, far, real[::-1], n_boot=20)[0])


def test_counts_are_repeated_rows():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(30, 6)), rng.normal(size=(40, 6)) + 0.3
    counts = rng.integers(0, 4, size=30)
    repeated = np.repeat(a, counts, axis=0)
    assert distances.frechet_distance(a, b, counts) == pytest.approx(
        distances.frechet_distance(repeated, b), rel=1e-9)
    # the kernel distance leaves out the pairs of a row with its own copies: doubling every
    # row changes nothing, while the repeated array (copies paired as distinct rows) is biased up
    twice = np.full(30, 2)
    assert distances.kernel_distance(a, b, twice) == pytest.approx(distances.kernel_distance(a, b),
                                                                   rel=1e-9)
    assert distances.kernel_distance(np.repeat(a, 2, axis=0), b) > distances.kernel_distance(a, b)
    with pytest.raises(ConfigError, match="counts"):
        distances.frechet_distance(a, b, counts[:5])


def test_feature_statistics_equal_numpys_weighted_mean_and_covariance():
    # the bootstrap's fast path (dropped rows, one symmetric product) against np.cov's fweights
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 20)) @ rng.normal(size=(20, 20)) + 3.0
    for counts in (None, rng.multinomial(300, np.full(300, 1 / 300)), np.r_[np.zeros(298, int), 1, 4]):
        stats = distances.FeatureStats.of(x, counts)
        weights = np.ones(300, int) if counts is None else counts
        np.testing.assert_allclose(stats.mean, np.average(x, axis=0, weights=weights), rtol=1e-12)
        np.testing.assert_allclose(stats.cov, np.cov(x, rowvar=False, fweights=weights),
                                   rtol=1e-10, atol=1e-12)
        assert stats.n == weights.sum() and np.array_equal(stats.cov, stats.cov.T)


def test_basic_bootstrap_interval_covers_the_true_distance():
    # Gaussians shifted by 0.3 in each of 32 dimensions: the true Frechet distance is
    # 32 * 0.09 = 2.88, the estimate at n = 300 is far above it (bias ~ d^2 / n); the basic
    # interval reflects the resampling bias away, the percentile interval would miss
    rng = np.random.default_rng(3)
    d, true = 32, 32 * 0.3 ** 2
    covered, plain = 0, []
    for trial in range(5):
        a, b = rng.normal(size=(300, d)), rng.normal(size=(300, d)) + 0.3
        low, high = distances.bootstrap_interval(distances.frechet_distance, a, b, n_boot=60,
                                                 random_state=trial)
        covered += low <= true <= high
        plain.append(distances.frechet_distance(a, b))
    assert covered >= 4
    assert min(plain) > true * 1.3                 # the plain estimate is biased
    # KID: two samples of one distribution; the interval covers 0 in most trials
    hits = 0
    for trial in range(5):
        a, b = rng.normal(size=(150, 16)), rng.normal(size=(150, 16))
        low, high = distances.bootstrap_interval(distances.kernel_distance, a, b, n_boot=60,
                                                 random_state=trial)
        hits += low <= 0 <= high
    assert hits >= 4


def test_frechet_extrapolated_to_infinity_removes_the_bias():
    rng = np.random.default_rng(4)
    d, true = 32, 32 * 0.3 ** 2
    a, b = rng.normal(size=(400, d)), rng.normal(size=(400, d)) + 0.3
    sizes, values = distances.frechet_by_n(a, b, random_state=0)
    assert len(sizes) >= 5 and sizes.max() == 400
    assert values[0] > values[-1]                      # the bias falls with n
    extrapolated = distances.extrapolated_frechet_distance(a, b, random_state=0)
    assert abs(extrapolated - true) < 0.5 * abs(values[-1] - true)
    with pytest.raises(ConfigError, match="sizes"):
        distances.frechet_by_n(a, b, sizes=[10, 500])


def test_rows_sharing_a_reference_get_the_precision_recall_and_frechet_curve_of_a_fresh_computation():
    # precision/recall keep the reference's ball radii and read both coverages off one distance
    # matrix; the Frechet curve keeps the reference's share of each subset: the values equal the
    # definitions computed directly, for a second row too, and a changed reference is recomputed
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(11)
    real = rng.normal(size=(120, 5))

    def direct(real, generated, k=3):
        def radii(x):
            return np.sort(cdist(x, x), axis=1)[:, k]
        d = cdist(generated, real)
        return (d <= radii(real)[None, :]).any(axis=1).mean(), (d.T <= radii(generated)[None, :]).any(axis=1).mean()

    def curve(a, b, sizes=(40, 80, 100), repeats=2, seed=0):
        draw = np.random.default_rng(seed)
        return [np.mean([distances.frechet_distance(a[draw.choice(len(a), n, replace=False)],
                                                    b[draw.choice(len(b), n, replace=False)])
                         for _ in range(repeats)]) for n in sizes]

    for shift in (0.2, 0.6):
        row = rng.normal(size=(100, 5)) + shift
        assert distances.precision_recall(real, row) == pytest.approx(direct(real, row), abs=1e-12)
        assert distances.frechet_by_n(real, row, (40, 80, 100), 2)[1] == pytest.approx(
            curve(real, row), rel=1e-12)
    real[:, 0] *= 3.0                                       # the same array, changed in place
    assert distances.precision_recall(real, row) == pytest.approx(direct(real, row), abs=1e-12)
    assert distances.frechet_by_n(real, row, (40, 80, 100), 2)[1] == pytest.approx(
        curve(real, row), rel=1e-12)
