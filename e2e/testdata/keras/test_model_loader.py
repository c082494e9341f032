"""Runs the generated model_loader.py against the fake keras package.

Usage (the e2e test does this in the Python stand-in, with numpy and
Pillow installed from its wheelhouse):
  PYTHONPATH=fakekeras:PROJECT python -m unittest test_model_loader
"""

import base64
import io
import json
import os
import tempfile
import unittest

from PIL import Image

import model_loader


def write_model(spec):
    fd, path = tempfile.mkstemp(suffix=".keras")
    with os.fdopen(fd, "w") as f:
        json.dump(spec, f)
    return path


def png(color, size=(20, 10)):
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


class DenseModel(unittest.TestCase):
    def setUp(self):
        self.model = model_loader.load(write_model({"kind": "dense", "weights": [[1], [2], [3], [4]], "bias": [0.5]}))

    def test_predict(self):
        self.assertEqual(model_loader.predict(self.model, [[1, 1, 1, 1], [0, 0, 0, 2]]), [[10.5], [8.5]])

    def test_describe(self):
        info = model_loader.describe(self.model)
        self.assertEqual(info["input_shape"], [4])
        self.assertEqual(info["output_shapes"], [[1]])

    def test_wrong_shape(self):
        with self.assertRaisesRegex(ValueError, r"each instance must have shape \(4,\), got \(3,\)"):
            model_loader.predict(self.model, [[1, 2, 3]])

    def test_ragged(self):
        with self.assertRaisesRegex(ValueError, "same shape"):
            model_loader.predict(self.model, [[1, 2, 3, 4], [1, 2]])

    def test_not_numbers(self):
        with self.assertRaises(ValueError):
            model_loader.predict(self.model, [["a", "b", "c", "d"]])

    def test_mixed_dicts(self):
        with self.assertRaisesRegex(ValueError, "every instance"):
            model_loader.predict(self.model, [[1, 2, 3, 4], {"b64": "x"}])

    def test_image_on_dense_model(self):
        with self.assertRaisesRegex(ValueError, "b64 images need a model input"):
            model_loader.predict(self.model, [{"b64": png("red")}])


class ImageModel(unittest.TestCase):
    def test_rgb_resized(self):
        model = model_loader.load(write_model({"kind": "image", "shape": [8, 8, 3]}))
        out = model_loader.predict(model, [{"b64": png((255, 0, 0))}, {"b64": png((0, 0, 255))}])
        self.assertEqual(out, [[255.0, 0.0, 0.0], [0.0, 0.0, 255.0]])

    def test_greyscale(self):
        model = model_loader.load(write_model({"kind": "image", "shape": [4, 4, 1]}))
        out = model_loader.predict(model, [{"b64": png((255, 255, 255))}])
        self.assertEqual(out, [[255.0]])

    def test_not_an_image(self):
        model = model_loader.load(write_model({"kind": "image", "shape": [4, 4, 3]}))
        with self.assertRaisesRegex(ValueError, "not a base64-encoded image"):
            model_loader.predict(model, [{"b64": base64.b64encode(b"not an image").decode()}])
        with self.assertRaisesRegex(ValueError, "not a base64-encoded image"):
            model_loader.predict(model, [{"b64": "%%%"}])


class Missing(unittest.TestCase):
    def test_missing_file(self):
        with self.assertRaisesRegex(FileNotFoundError, "models/"):
            model_loader.load("/nonexistent/model.keras")


if __name__ == "__main__":
    unittest.main()
