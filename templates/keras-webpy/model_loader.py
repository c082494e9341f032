"""Load the Keras model once and run predictions on it.

app.py imports this module by name (MODEL_LOADER, default "model_loader")
and calls:

  load(path)                once, at start, in a background thread
  predict(model, instances) for every POST /predict; raises ValueError when
                            the instances do not fit the model (app.py
                            answers 400 with the message)
  describe(model)           for the / page and the start-up log

Keras 3 picks its backend from KERAS_BACKEND (compose.yaml sets it).
Models saved with model.save("model.keras") load with any backend.

Instances are what one model input takes, without the batch dimension:
  [[5.1, 3.5, 1.4, 0.2], ...]     a model with input shape (None, 4)
  [{"b64": "<base64 image>"}, ...] an image model with input (None, H, W, C):
                                   the image is decoded with Pillow,
                                   converted to RGB (C=3) or greyscale (C=1),
                                   resized to W x H and passed as float32
                                   pixels 0..255 (put a Rescaling layer in
                                   the model if it expects 0..1)
Models with several inputs need their own predict(): adapt this module.
"""

import base64
import binascii
import io
import os

import keras
import numpy as np


def load(path):
    if not os.path.isfile(path):
        raise FileNotFoundError(
            "model file %s not found: copy your model into the models/ folder "
            "(see models/README.md) or fix model_file and re-render" % path
        )
    # compile=False: serving needs no optimizer or loss, and custom losses
    # would otherwise have to be importable here.
    return keras.models.load_model(path, compile=False)


def _input_shape(model):
    """The per-instance input shape, e.g. (4,) or (224, 224, 3); None if unknown."""
    inputs = getattr(model, "inputs", None) or []
    if len(inputs) > 1:
        raise ValueError(
            "this model has %d inputs; model_loader.py serves single-input models: adapt predict()" % len(inputs)
        )
    shape = tuple(inputs[0].shape) if inputs else getattr(model, "input_shape", None)
    if not shape:
        return None
    return tuple(shape[1:])


def describe(model):
    info = {"keras": keras.__version__, "backend": keras.backend.backend()}
    try:
        info["input_shape"] = list(_input_shape(model) or [])
    except ValueError as exc:
        info["input_shape"] = str(exc)
    outputs = getattr(model, "outputs", None) or []
    info["output_shapes"] = [list(o.shape[1:]) for o in outputs]
    return info


def _image(instance, shape):
    if shape is None or len(shape) != 3 or shape[0] is None or shape[1] is None or shape[2] not in (1, 3):
        raise ValueError("b64 images need a model input of shape (H, W, 1) or (H, W, 3); this model takes %s" % (shape,))
    from PIL import Image, UnidentifiedImageError

    try:
        data = base64.b64decode(instance["b64"], validate=True)
        img = Image.open(io.BytesIO(data))
        img = img.convert("L" if shape[2] == 1 else "RGB").resize((shape[1], shape[0]))
    except (binascii.Error, TypeError, UnidentifiedImageError, OSError) as exc:
        raise ValueError("b64 is not a base64-encoded image Pillow can read: %s" % exc) from None
    arr = np.asarray(img, dtype="float32")
    if shape[2] == 1:
        arr = arr[..., np.newaxis]
    return arr


def _batch(model, instances):
    shape = _input_shape(model)
    if all(isinstance(i, dict) and "b64" in i for i in instances):
        return np.stack([_image(i, shape) for i in instances])
    if any(isinstance(i, dict) for i in instances):
        raise ValueError('give every instance as a list of numbers, or every instance as {"b64": "..."}')
    try:
        x = np.asarray(instances, dtype="float32")
    except (ValueError, TypeError) as exc:
        raise ValueError("instances must all be numbers with the same shape: %s" % exc) from None
    if shape is not None:
        got = x.shape[1:]
        fits = len(got) == len(shape) and all(want is None or want == have for want, have in zip(shape, got))
        if not fits:
            want = tuple("any" if d is None else d for d in shape)
            raise ValueError("each instance must have shape %s, got %s" % (want, tuple(got)))
    return x


def _plain(y):
    if isinstance(y, dict):
        return {k: _plain(v) for k, v in y.items()}
    if isinstance(y, (list, tuple)):
        return [_plain(v) for v in y]
    return np.asarray(y).tolist()


def predict(model, instances):
    x = _batch(model, instances)
    y = model.predict(x, verbose=0)
    return _plain(y)
