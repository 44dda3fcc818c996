"""PyTorch's side of the cold-start comparison: the job `delta4j train --data fashion-mnist --layers 784,256,128,10
--task classification --loss ce --optimizer adam --batch 128 --epochs N` does, as a user would script it (start Python,
import torch, read the gzipped IDX files, train, score the test set), so that its whole run can be timed from outside.

    OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=T OMP_NUM_THREADS=T python3 fashion_train.py DIR EPOCHS THREADS

Prints one JSON line: the seconds of each epoch and the test accuracy.
"""
import gzip
import json
import os
import sys
import time


def idx(path, offset):
    import numpy as np
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def main():
    directory, epochs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = torch.from_numpy(idx(os.path.join(directory, "train-images-idx3-ubyte.gz"), 16).reshape(-1, 784).astype("float32") / 255.0)
    y = torch.from_numpy(idx(os.path.join(directory, "train-labels-idx1-ubyte.gz"), 8).astype("int64"))
    tx = torch.from_numpy(idx(os.path.join(directory, "t10k-images-idx3-ubyte.gz"), 16).reshape(-1, 784).astype("float32") / 255.0)
    ty = torch.from_numpy(idx(os.path.join(directory, "t10k-labels-idx1-ubyte.gz"), 8).astype("int64"))
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    ce = nn.CrossEntropyLoss()
    n, batch = x.shape[0], 128
    seconds = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for s in range(0, n, batch):
            i = perm[s:s + batch]
            opt.zero_grad(set_to_none=True)
            loss = ce(model(x[i]), y[i])
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - t0)
    with torch.no_grad():
        accuracy = float((model(tx).argmax(dim=1) == ty).float().mean())
    print(json.dumps({"epochs": seconds, "test_accuracy": accuracy, "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
