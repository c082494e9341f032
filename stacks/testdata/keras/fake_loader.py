"""A pure-Python stand-in for model_loader.py, for tests only.

TensorFlow cannot be installed on stackgen's test machines, so tests select
this module with MODEL_LOADER=fake_loader (the stack's model_loader answer)
and keep everything else real: app.py, web.py, the image, compose.

The "model file" is JSON: {"weights": [w1, ..., wn], "bias": b}; predict
returns [w . x + b] for each instance x (a list of n numbers). Reading the
file proves the mounted (or baked) model is the one served. No numpy.
"""

import json
import os
import time


def load(path):
    delay = float(os.environ.get("FAKE_LOAD_DELAY", "0"))
    if delay:
        time.sleep(delay)  # lets tests observe /healthz answering 503 while loading
    with open(path, encoding="utf-8") as f:
        model = json.load(f)
    if not isinstance(model.get("weights"), list) or not model["weights"]:
        raise ValueError("%s: expected {\"weights\": [...], \"bias\": ...}" % path)
    return model


def describe(model):
    return {"loader": "fake_loader", "input_shape": [len(model["weights"])]}


def predict(model, instances):
    n = len(model["weights"])
    out = []
    for i, x in enumerate(instances):
        if not isinstance(x, list) or len(x) != n or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in x):
            raise ValueError("instance %d: each instance must be a list of %d numbers" % (i, n))
        out.append([sum(w * v for w, v in zip(model["weights"], x)) + model.get("bias", 0)])
    return out
