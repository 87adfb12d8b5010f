"""dlib's face descriptor: a second feature space in which distributions of faces and non-faces differ."""

import sys

import numpy as np
import pytest

from aelatent import distances, face_descriptors, quality
from aelatent.errors import ConfigError


@pytest.fixture(scope="module")
def faces(celeba_dir):
    from aelatent.config import profile_config
    from aelatent.data import load_image_set
    image_set = load_image_set(profile_config("smoke", str(celeba_dir), 0, max_images=120),
                               progress=False)
    return np.asarray(image_set.images[:120])


@pytest.mark.celeba
def test_descriptors_separate_faces_from_noise_as_distributions(faces):
    real = face_descriptors.face_descriptors(faces)
    assert real.shape == (120, face_descriptors.DESCRIPTOR_DIM) and np.isfinite(real).all()
    noise = face_descriptors.face_descriptors(quality.noise_images(60, 64, seed=0))
    # single distances do not separate: a face is about as far from noise as from another face
    face_face = np.linalg.norm(real[:60, None] - real[None, 60:], axis=2).mean()
    face_noise = np.linalg.norm(real[:60, None] - noise[None], axis=2).mean()
    assert abs(face_face - face_noise) < 0.2 * face_face
    # the distributions do: two halves of real faces against real faces and noise
    same = distances.kernel_distance(real[:60], real[60:])
    shifted = distances.kernel_distance(real[:60], noise)
    assert shifted > 10 * max(same, 1e-4)
    assert distances.frechet_distance(real[:60], real[60:]) < distances.frechet_distance(real[:60], noise)
    # float images in [0, 1] give the same descriptors as uint8
    again = face_descriptors.face_descriptors(faces[:4].astype(np.float32) / 255.0)
    assert np.allclose(again, real[:4], atol=1e-4)


def test_missing_packages_give_the_install_command(monkeypatch):
    face_descriptors._models.cache_clear()
    monkeypatch.setitem(sys.modules, "dlib", None)          # import dlib -> ImportError
    try:
        assert not face_descriptors.available()
        with pytest.raises(ConfigError, match="pip install dlib-bin face-recognition-models"):
            face_descriptors.face_descriptors(quality.grey_images(2))
    finally:
        face_descriptors._models.cache_clear()


def test_the_keras_network_gives_dlibs_own_descriptors():
    """aelatent.dlib_resnet rebuilds dlib's network from its model file: same descriptors."""
    import dlib

    from aelatent.synthetic import synthetic_faces
    images = np.concatenate([synthetic_faces(12, 64, seed=3)[0], quality.noise_images(4, 64, seed=2)])
    chips = face_descriptors.face_chips(images)
    own = dlib.face_recognition_model_v1(str(face_descriptors.model_files()[1]))
    expected = np.asarray(own.compute_face_descriptor(chips))
    ours = face_descriptors.face_descriptors(images, batch_size=5)     # batches of 5, 5, 5, 1
    assert ours.shape == (16, face_descriptors.DESCRIPTOR_DIM)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-5)
    assert np.abs(expected).max() > 0.05          # real descriptors, not zeros


def test_a_model_file_of_another_network_is_refused(tmp_path):
    from aelatent import dlib_resnet
    other = tmp_path / "other.dat"
    landmarks = face_descriptors.model_files()[0]
    other.write_bytes(landmarks.read_bytes()[:200_000])
    with pytest.raises(ValueError, match="not dlib's face-recognition ResNet"):
        dlib_resnet.read_layers(other)
