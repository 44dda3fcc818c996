#!/usr/bin/python3
"""Fashion-MNIST regrouped into four overlapping labels, as CSV files for `delta4j train --task multilabel`.

Each image keeps its 784 pixels (scaled to [0, 1]) and gets four 0/1 target columns instead of its class:
  footwear          sandal, sneaker, ankle boot
  upper_body        t-shirt/top, pullover, dress, coat, shirt
  has_sleeves       t-shirt/top, pullover, coat, shirt
  bag_or_accessory  bag
so a pullover is both upper_body and has_sleeves, a dress upper_body only, a trouser none.

    /usr/bin/python3 scripts/fashion_multilabel.py OUT_DIR [--train-samples N]

writes OUT_DIR/fashion-multilabel-train.csv and OUT_DIR/fashion-multilabel-test.csv (header p0..p783, then the
labels) from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, or DELTA4J_FASHION_MNIST).
"""

import argparse
import gzip
import os
import sys

import numpy as np

CLASSES = ["t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"]
LABELS = {
    "footwear": {5, 7, 9},
    "upper_body": {0, 2, 3, 4, 6},
    "has_sleeves": {0, 2, 4, 6},
    "bag_or_accessory": {8},
}


def read(directory, part):
    with gzip.open(os.path.join(directory, part + "-images-idx3-ubyte.gz"), "rb") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(os.path.join(directory, part + "-labels-idx1-ubyte.gz"), "rb") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    return images, labels


def write(path, images, classes):
    targets = np.array([[1 if c in members else 0 for members in LABELS.values()] for c in classes], dtype=np.uint8)
    tmp = path + ".tmp"
    with open(tmp, "w") as out:
        out.write(",".join(["p%d" % i for i in range(784)] + list(LABELS)) + "\n")
        for x, t in zip(images, targets):
            out.write(",".join("%.4g" % (v / 255.0) if v else "0" for v in x))
            out.write("," + ",".join(str(v) for v in t) + "\n")
    os.replace(tmp, path)
    return targets.mean(axis=0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--train-samples", type=int, default=60000)
    a = ap.parse_args()
    directory = os.environ.get("DELTA4J_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
    if not os.path.isfile(os.path.join(directory, "train-images-idx3-ubyte.gz")):
        sys.exit("Fashion-MNIST is not in %s: apt-get install dataset-fashion-mnist, or set DELTA4J_FASHION_MNIST" % directory)
    for part, name, limit in (("train", "train", a.train_samples), ("t10k", "test", None)):
        images, classes = read(directory, part)
        if limit:
            images, classes = images[:limit], classes[:limit]
        path = os.path.join(a.out_dir, "fashion-multilabel-%s.csv" % name)
        rates = write(path, images, classes)
        print("wrote %s: %d samples, label rates %s" % (path, len(classes),
              ", ".join("%s %.3f" % (k, r) for k, r in zip(LABELS, rates))))


if __name__ == "__main__":
    main()
