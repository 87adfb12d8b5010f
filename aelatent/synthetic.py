"""Procedural cartoon faces: the embedded default data set for a fresh machine.

Nothing is downloaded: every face is drawn with Pillow from a handful of
random factors (face shape and position, skin tone, hair colour, length and
parting, eye spacing and size, brows, nose, mouth width and smile, glasses,
background and lighting). The factors come back with the images, so later
notebooks can ask which latent directions carry which factor.

>>> from aelatent.synthetic import synthetic_faces
>>> images, factors = synthetic_faces(4, image_size=64, seed=0)
>>> images.shape, images.dtype, sorted(factors)[:3]
((4, 64, 64, 3), dtype('uint8'), ['background_hue', 'brow_height', 'eye_size'])
"""

from __future__ import annotations

import colorsys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

#: Name -> (low, high) of every continuous factor; ``glasses`` is 0 or 1.
FACTOR_RANGES = {
    "face_width": (0.50, 0.66), "face_height": (0.66, 0.84),      # face oval, share of the image
    "face_x": (-0.05, 0.05), "face_y": (-0.04, 0.04),              # its offset from the centre
    "skin_tone": (0.0, 1.0),
    "hair_colour": (0.0, 1.0), "hair_length": (0.0, 1.0), "hair_parting": (-1.0, 1.0),
    "eye_spacing": (0.15, 0.25), "eye_size": (0.035, 0.06), "brow_height": (0.04, 0.09),
    "nose_length": (0.07, 0.14), "mouth_width": (0.12, 0.26), "smile": (-1.0, 1.0),
    "glasses": (0.0, 1.0),
    "background_hue": (0.0, 1.0), "background_gradient": (0.0, 1.0),
    "light_angle": (-np.pi, np.pi), "light_strength": (0.0, 0.35),
}

_SKIN_LIGHT = np.array([250, 222, 196])
_SKIN_DARK = np.array([110, 72, 48])
_HAIR_PALETTE = np.array([[25, 20, 18], [85, 55, 30], [150, 100, 55],
                          [215, 180, 110], [160, 70, 35], [140, 140, 140]])


def sample_factors(n, seed=0):
    """Draw the factors of ``n`` faces, deterministic by ``seed``.

    Face ``i`` takes row ``i`` of one seeded stream of uniform numbers, so its
    factors do not depend on ``n``: ``sample_factors(m)`` begins with
    ``sample_factors(n)`` for ``m > n``, and sets made in chunks equal sets made
    at once.

    Returns
    -------
    dict of str -> ndarray of shape (n,)
    """
    u = np.random.default_rng(seed).random((n, len(FACTOR_RANGES)))
    factors = {name: lo + (hi - lo) * u[:, j]
               for j, (name, (lo, hi)) in enumerate(FACTOR_RANGES.items())}
    factors["glasses"] = (u[:, list(FACTOR_RANGES).index("glasses")] < 0.3).astype(np.float64)
    return factors


def _hair_rgb(value):
    """Interpolate along the hair palette (black, brown, light brown, blond, red, grey)."""
    pos = value * (len(_HAIR_PALETTE) - 1)
    i = min(int(pos), len(_HAIR_PALETTE) - 2)
    t = pos - i
    return tuple(int(c) for c in (1 - t) * _HAIR_PALETTE[i] + t * _HAIR_PALETTE[i + 1])


def _background(f, size):
    r, g, b = colorsys.hsv_to_rgb(f["background_hue"], 0.35, 0.85)
    top = np.array([r, g, b]) * 255
    bottom = top * (1 - 0.6 * f["background_gradient"])
    t = np.linspace(0, 1, size)[:, None, None]
    rows = (1 - t) * top + t * bottom
    return Image.fromarray(np.broadcast_to(rows, (size, size, 3)).astype(np.uint8))


def draw_face(f, image_size=64, oversample=3):
    """Render one face from a dict of scalar factors; returns uint8 (H, W, 3)."""
    s = image_size * oversample
    img = _background(f, s)
    d = ImageDraw.Draw(img)
    P = lambda v: v * s  # noqa: E731 -- unit square to pixels

    cx, cy = 0.5 + f["face_x"], 0.54 + f["face_y"]
    fw, fh = f["face_width"], f["face_height"]
    skin = tuple(int(c) for c in (1 - f["skin_tone"]) * _SKIN_LIGHT + f["skin_tone"] * _SKIN_DARK)
    hair = _hair_rgb(f["hair_colour"])
    dark = tuple(int(c * 0.45) for c in skin)

    # hair behind the head: a cap plus a length that falls to the shoulders
    hl = f["hair_length"]
    d.ellipse([P(cx - fw / 2 - 0.05), P(cy - fh / 2 - 0.07),
               P(cx + fw / 2 + 0.05), P(cy + fh * (0.05 + 0.5 * hl))], fill=hair)
    if hl > 0.35:
        d.rectangle([P(cx - fw / 2 - 0.05), P(cy - 0.05),
                     P(cx + fw / 2 + 0.05), P(cy + fh * (0.1 + 0.45 * hl))], fill=hair)
    # neck and face oval
    d.rectangle([P(cx - fw * 0.18), P(cy + fh * 0.3), P(cx + fw * 0.18), P(1.05)], fill=skin)
    d.ellipse([P(cx - fw / 2), P(cy - fh / 2), P(cx + fw / 2), P(cy + fh / 2)], fill=skin)
    # fringe with a parting: two caps of hair over the forehead
    part = cx + f["hair_parting"] * fw * 0.3
    top = cy - fh / 2 - 0.03
    d.chord([P(cx - fw / 2 - 0.02), P(top), P(part + 0.02), P(cy - fh * 0.12)],
            180, 360, fill=hair)
    d.chord([P(part - 0.02), P(top), P(cx + fw / 2 + 0.02), P(cy - fh * 0.18)],
            180, 360, fill=hair)

    # eyes, irises and brows
    ey = cy - fh * 0.06
    es, ez = f["eye_spacing"] / 2, f["eye_size"]
    for side in (-1, 1):
        ex = cx + side * es
        d.ellipse([P(ex - ez * 1.4), P(ey - ez), P(ex + ez * 1.4), P(ey + ez)], fill=(250, 250, 250))
        d.ellipse([P(ex - ez * 0.7), P(ey - ez * 0.8), P(ex + ez * 0.7), P(ey + ez * 0.8)],
                  fill=(60, 45, 35))
        by = ey - f["brow_height"]
        d.line([P(ex - ez * 1.6), P(by + side * 0.0), P(ex + ez * 1.6), P(by - 0.01)],
               fill=hair, width=max(1, int(P(0.018))))
        if f["glasses"] > 0.5:
            r = ez * 2.1
            d.ellipse([P(ex - r), P(ey - r), P(ex + r), P(ey + r)], outline=(20, 20, 20),
                      width=max(1, int(P(0.012))))
    if f["glasses"] > 0.5:
        d.line([P(cx - es + ez * 2.1), P(ey), P(cx + es - ez * 2.1), P(ey)], fill=(20, 20, 20),
               width=max(1, int(P(0.012))))

    # nose
    nl = f["nose_length"]
    d.line([P(cx), P(ey + 0.02), P(cx - 0.02), P(ey + nl), P(cx + 0.015), P(ey + nl)],
           fill=dark, width=max(1, int(P(0.012))))

    # mouth: an arc that smiles (curves up) or frowns (curves down)
    my = ey + nl + 0.08
    mw = f["mouth_width"] / 2
    curve = 0.01 + 0.06 * abs(f["smile"])
    lip = (150, 50, 55)
    width = max(1, int(P(0.016)))
    if f["smile"] >= 0:
        d.arc([P(cx - mw), P(my - curve), P(cx + mw), P(my + curve)], 0, 180, fill=lip, width=width)
    else:
        d.arc([P(cx - mw), P(my), P(cx + mw), P(my + 2 * curve)], 180, 360, fill=lip, width=width)

    # lighting: a linear shading across the image in the light's direction
    arr = np.asarray(img.filter(ImageFilter.GaussianBlur(oversample * 0.4)), dtype=np.float32)
    yy, xx = np.mgrid[0:s, 0:s] / s - 0.5
    shade = 1 + f["light_strength"] * (np.cos(f["light_angle"]) * xx + np.sin(f["light_angle"]) * yy) * 2
    arr = np.clip(arr * shade[..., None], 0, 255).astype(np.uint8)
    return np.asarray(Image.fromarray(arr).resize((image_size, image_size), Image.LANCZOS))


def synthetic_faces(n, image_size=64, seed=0, start=0):
    """``n`` synthetic faces and their factors, deterministic by ``seed``.

    Parameters
    ----------
    n : int
        Number of faces.
    image_size : int
        Side of the square images.
    seed : int
    start : int
        Index of the first face: ``synthetic_faces(n, seed=s, start=k)`` gives
        faces k..k+n-1 of the same sequence, so large sets can be made in chunks.

    Returns
    -------
    images : ndarray of uint8, shape (n, image_size, image_size, 3)
    factors : dict of str -> ndarray of shape (n,)
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    all_factors = sample_factors(start + n, seed)
    factors = {k: v[start:start + n] for k, v in all_factors.items()}
    images = np.empty((n, image_size, image_size, 3), np.uint8)
    for i in range(n):
        images[i] = draw_face({k: v[i] for k, v in factors.items()}, image_size)
    return images, factors
