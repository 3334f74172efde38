"""lesson_app.py: the Flask application of the lesson libimgcolor's server reimplements,
as the lesson gives it (its functions, then its three routes), for bench/bench_server.sh
to measure side by side with imgcolor-server. Run: FLASK_APP=bench/lesson_app.py flask run
or gunicorn -w 2 --chdir bench lesson_app:app. Needs python3-flask, python3-sklearn,
python3-pil and python3-matplotlib (bench/setup.sh installs them)."""
from collections import Counter
from json import loads
from tempfile import NamedTemporaryFile

import matplotlib

matplotlib.use("Agg")  # a server has no display
import numpy as np
from flask import Flask, abort, jsonify, request, send_file
from matplotlib import pyplot as plt
from PIL import Image
from sklearn.cluster import KMeans

app = Flask(__name__)


def prominent_colors(img, k=6):
    "Identify `k` centroids and pixel counts in colorspace of an image"
    pixels = np.asarray(img).reshape(-1, 3)
    model = KMeans(n_clusters=k)
    model.fit_predict(pixels)
    freqs = Counter(model.labels_)
    colors = np.rint(model.cluster_centers_).astype(np.uint8)
    return colors, freqs


@app.route('/prominent-colors', methods=['POST'])
def cluster():
    img = Image.open(request.files['image'])
    k = int(request.form.get('k', 6))
    colors, freqs = prominent_colors(img, k)
    # Fixup: labels are NumPy ints rather than Python ints
    freqs = {int(k): v for k, v in freqs.items()}
    return jsonify([colors.tolist(), freqs])


@app.route('/rgb2hex', methods=['POST'])
def rgb2hex():
    "Convert a list-of-lists of RBB colors into their HTML hexcodes"
    rgbs = loads(request.form.get('rgbs', '[]'))
    hexcodes = []
    for rgb in rgbs:
        r, g, b = rgb
        hexcodes.append(f"#{r:02x}{g:02x}{b:02x}")
    return jsonify(hexcodes)


@app.route('/centroids', methods=['POST'])
def centroids():
    try:
        with NamedTemporaryFile() as imgfile:
            colors = loads(request.form['colors'])
            counts = loads(request.form['counts'])
            plt.pie(counts, labels=colors, colors=colors)
            plt.axis('equal')
            plt.savefig(imgfile, dpi=75)
            imgfile.flush()
            return send_file(imgfile.name, mimetype='image/png')
    except:  # noqa: E722 (the lesson's own handler)
        abort(503)
