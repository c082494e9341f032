"""A tiny stand-in for the keras package, for tests only.

It has just what model_loader.py touches: keras.models.load_model,
keras.backend.backend() and keras.__version__, and models with .inputs,
.outputs and .predict(x, verbose=0) computed with numpy. It lets the
generated model_loader.py (shape checks, JSON conversion, Pillow image
decoding) run for real where TensorFlow and Keras cannot be installed.

A "model file" is JSON:
  {"kind": "dense", "weights": [[...], ...], "bias": [...]}  input (None, n)
  {"kind": "image", "shape": [H, W, C]}                        mean per channel
"""

import json
import types

import numpy as np

__version__ = "0.0-fake"

backend = types.SimpleNamespace(backend=lambda: "fake")


class _Tensor:
    def __init__(self, shape):
        self.shape = tuple(shape)


class _Dense:
    def __init__(self, spec):
        self.w = np.asarray(spec["weights"], dtype="float32")
        self.b = np.asarray(spec.get("bias", [0.0] * self.w.shape[1]), dtype="float32")
        self.inputs = [_Tensor((None, self.w.shape[0]))]
        self.outputs = [_Tensor((None, self.w.shape[1]))]

    def predict(self, x, verbose=0):
        assert x.dtype == np.float32 and x.ndim == 2, (x.dtype, x.shape)
        return x @ self.w + self.b


class _Image:
    def __init__(self, spec):
        self.inputs = [_Tensor([None] + list(spec["shape"]))]
        self.outputs = [_Tensor((None, spec["shape"][2]))]

    def predict(self, x, verbose=0):
        assert x.dtype == np.float32 and x.shape[1:] == self.inputs[0].shape[1:], x.shape
        return x.mean(axis=(1, 2))


def _load_model(path, compile=True):
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    return {"dense": _Dense, "image": _Image}[spec["kind"]](spec)


models = types.SimpleNamespace(load_model=_load_model)
