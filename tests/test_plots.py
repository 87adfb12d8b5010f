"""The image grids draw every image once, where they say, with their labels."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from aelatent import plots  # noqa: E402


def _drawn(fig):
    """The images drawn per axes, in the figure's order."""
    return [len(ax.get_images()) for ax in fig.axes]


def test_image_grid_and_grids_side_by_side_draw_each_image_once():
    rng = np.random.default_rng(0)
    first, second = rng.uniform(size=(3, 8, 8, 3)), rng.integers(0, 256, (5, 8, 8, 3), dtype=np.uint8)
    fig = plots.image_grid(second, ncols=3, titles=list("abcde"))
    assert _drawn(fig) == [1] * 5 + [0] and [ax.get_title() for ax in fig.axes[:5]] == list("abcde")
    np.testing.assert_allclose(fig.axes[4].get_images()[0].get_array(), second[4] / 255.0)
    fig = plots.grids_side_by_side([first, second], ["left", "right"], ncols=3)
    assert _drawn(fig) == [1, 1, 1, 0, 0, 0] + [1] * 5 + [0]      # two rows of three per grid
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == ["left", "right"]
    np.testing.assert_allclose(fig.axes[6].get_images()[0].get_array(), second[0] / 255.0)
    fig = plots.image_rows([first, second[:2]], ["row 1", "row 2"], ncols=3)
    assert _drawn(fig) == [1, 1, 1, 1, 1, 0]
    matplotlib.pyplot.close("all")
