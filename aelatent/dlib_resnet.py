"""dlib's face-recognition ResNet as a Keras model, with the weights of dlib's own model file.

dlib computes its 128-d face descriptor one image at a time on one core (about
75 ms per 150x150 chip on an AMD EPYC with AVX-512; the prebuilt ``dlib-bin``
wheel has no BLAS). The same network as a Keras functional model runs batched
on every core: about 6 ms per chip on the same 2 cores, and its descriptors
equal dlib's to float rounding (largest difference 5e-7 on 64 CelebA chips,
tests/test_face_descriptors.py compares them).

The network (``dnn_face_recognition_ex.cpp`` of dlib's examples, the "ResNet-34
with a few layers removed and half the filters"): a 7x7 convolution of stride
2, a 3x3 max pool of stride 2, five stages of residual blocks with 32, 64,
128, 256 and 256 filters (3, 4, 3, 3 and 1 blocks; the first block of every
stage but the first halves the side), a global average and a 128-unit linear
layer without bias. Batch
normalisation is frozen into per-channel affine layers. A strided convolution
has no padding, a stride-1 one pads by one pixel; a block that halves the side
adds its input average-pooled (2x2, stride 2) and, where the two differ in
channels or side, dlib's ``add_prev`` adds them as if the smaller were padded
with zeros at the end. The input is the RGB chip minus dlib's channel means,
divided by 256.

The weights are read from ``dlib_face_recognition_resnet_model_v1.dat`` (the
package ``face-recognition-models``), dlib's binary serialisation: layers from
the input up, each a tag such as ``con_4``, its shape fields and one float32
parameter tensor (filters then biases; for an affine layer gammas then betas).
"""

from __future__ import annotations

import re

import numpy as np

#: dlib's ``input_rgb_image`` channel means (red, green, blue) and scale.
CHANNEL_MEANS = (122.782, 117.001, 104.298)
INPUT_SCALE = 256.0
#: Side of the chip the network reads.
CHIP_SIZE = 150
#: Residual stages: (filters, blocks); every stage after the first starts by halving the side.
STAGES = ((32, 3), (64, 4), (128, 3), (256, 3), (256, 1))


class _Reader:
    """dlib's serialisation: integers as a length byte (0x80 = negative) and little-endian bytes."""

    def __init__(self, data, pos=0):
        self.data, self.pos = data, pos

    def int(self):
        size = self.data[self.pos]
        value = int.from_bytes(self.data[self.pos + 1:self.pos + 1 + (size & 0x0F)], "little")
        self.pos += 1 + (size & 0x0F)
        return -value if size & 0x80 else value

    def tensor(self):
        """A dlib tensor (format version 2): four sizes, then raw little-endian float32."""
        version = self.int()
        if version != 2:
            raise ValueError(f"tensor format version {version} at byte {self.pos}, expected 2")
        shape = [self.int() for _ in range(4)]
        count = int(np.prod(shape))
        values = np.frombuffer(self.data, "<f4", count, self.pos).astype(np.float32)
        self.pos += 4 * count
        return values


def read_layers(path):
    """The parameter layers of dlib's model file, from the input up.

    Returns
    -------
    list of (kind, params, fields)
        ``kind`` is ``"con"``, ``"affine"`` or ``"fc"``; ``params`` the layer's flat
        float32 parameters; for ``"con"`` ``fields`` = (filters, rows, columns,
        stride_y, stride_x, padding_y, padding_x).

    Raises
    ------
    ValueError
        When the file does not hold the 29 convolutions, 29 affine layers and
        one linear layer of the face-recognition network.
    """
    data = open(path, "rb").read()
    layers = []
    for match in re.finditer(rb"(con|affine|fc)_[0-9]*", data):
        start, tag = match.start(), match.group()
        if start < 2 or data[start - 2:start] != bytes([1, len(tag)]):   # not a serialised tag
            continue
        reader = _Reader(data, start + len(tag))
        kind = match.group(1).decode()
        if kind == "fc":
            reader.int(), reader.int()                   # outputs, inputs (the tensor has both)
        params = reader.tensor()
        fields = tuple(reader.int() for _ in range(7)) if kind == "con" else ()
        layers.append((kind, params, fields))
    kinds = [kind for kind, _, _ in layers]
    if (kinds.count("con"), kinds.count("affine"), kinds.count("fc")) != (29, 29, 1):
        raise ValueError(f"{path} is not dlib's face-recognition ResNet: found {kinds.count('con')} "
                         f"convolutions, {kinds.count('affine')} affine and "
                         f"{kinds.count('fc')} linear layers (expected 29, 29, 1)")
    return layers


def build_network(path):
    """The face-recognition network as a ``keras.Model``: (n, 150, 150, 3) RGB in [0, 255] -> (n, 128).

    Parameters
    ----------
    path : path-like
        dlib's ``dlib_face_recognition_resnet_model_v1.dat``.
    """
    import keras
    from keras import layers, ops

    params = iter(read_layers(path))

    def expect(holds, what):
        if not holds:
            raise ValueError(f"{path} does not have the layers of dlib's face-recognition ResNet "
                             f"(expected {what})")

    def conv_affine(x, stride):
        kind, values, (filters, rows, cols, stride_y, _, pad_y, _) = next(params)
        expect(kind == "con" and stride_y == stride and pad_y == (0 if stride > 1 else rows // 2),
               f"a convolution of stride {stride}")
        conv = layers.Conv2D(filters, (rows, cols), strides=stride,
                             padding="valid" if stride > 1 else "same")
        y = conv(x)
        kernel = values[:-filters].reshape(filters, x.shape[-1], rows, cols)
        conv.set_weights([kernel.transpose(2, 3, 1, 0), values[-filters:]])
        kind, values, _ = next(params)
        expect(kind == "affine", "an affine layer after each convolution")
        return y * values[:filters] + values[filters:]

    def padded(x, shape):
        gaps = [target - size for target, size in zip(shape, x.shape[1:])]
        return ops.pad(x, [[0, 0]] + [[0, gap] for gap in gaps]) if any(gaps) else x

    def block(x, halve):
        y = conv_affine(layers.ReLU()(conv_affine(x, 2 if halve else 1)), 1)
        if halve:
            x = layers.AveragePooling2D(2, 2, padding="valid")(x)
            shape = [max(a, b) for a, b in zip(y.shape[1:], x.shape[1:])]
            y, x = padded(y, shape), padded(x, shape)
        return layers.ReLU()(y + x)

    chips = keras.Input((CHIP_SIZE, CHIP_SIZE, 3), name="chip")
    x = (chips - np.asarray(CHANNEL_MEANS, np.float32)) / INPUT_SCALE
    x = layers.MaxPooling2D(3, 2, padding="valid")(layers.ReLU()(conv_affine(x, 2)))
    for stage, (_, blocks) in enumerate(STAGES):
        for b in range(blocks):
            x = block(x, halve=stage > 0 and b == 0)
    x = layers.GlobalAveragePooling2D()(x)
    kind, values, _ = next(params)
    descriptor = ops.matmul(x, values.reshape(x.shape[-1], -1))
    return keras.Model(chips, descriptor, name="dlib_face_recognition_resnet")
