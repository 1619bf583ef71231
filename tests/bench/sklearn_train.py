"""Trains scikit-learn's LogisticRegression on Fashion-MNIST as tests/bench/train.ts compares
against: lbfgs, multinomial, C = 0.1 (lambda = 1 / (C * n) = 1/6000), pixels / 255, no
standardisation, default max_iter (100) and tol (1e-4). Prints one JSON object; with
--trajectory, one per max_iter in 10, 20, ..., 100 (time and test accuracy)."""
import gzip, json, os, resource, sys, time, warnings
import numpy as np
from sklearn.linear_model import LogisticRegression

d = os.environ.get("LRC_FASHION_MNIST_DIR") or "/usr/share/datasets/fashion-mnist"

def images(f):
    return np.frombuffer(gzip.open(os.path.join(d, f)).read(), np.uint8, offset=16).reshape(-1, 784) / 255.0

def labels(f):
    return np.frombuffer(gzip.open(os.path.join(d, f)).read(), np.uint8, offset=8)

X, y = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
Xt, yt = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
C = 0.1
if "--trajectory" in sys.argv:
    # The same deterministic path cut at max_iter: the model after that many iterations.
    for it in range(10, 101, 10):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = time.perf_counter()
            m = LogisticRegression(C=C, solver="lbfgs", multi_class="multinomial", max_iter=it).fit(X, y)
            seconds = time.perf_counter() - t
        print(json.dumps({"maxIter": it, "seconds": seconds, "accuracy": float((m.predict(Xt) == yt).mean())}), flush=True)
    sys.exit(0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    t = time.perf_counter()
    m = LogisticRegression(C=C, solver="lbfgs", multi_class="multinomial").fit(X, y)
    seconds = time.perf_counter() - t
Z = X @ m.coef_.T + m.intercept_
mx = Z.max(1, keepdims=True)
lse = mx[:, 0] + np.log(np.exp(Z - mx).sum(1))
loss = (lse - Z[np.arange(len(y)), y]).mean()
objective = loss + 0.5 / (C * len(y)) * (m.coef_ ** 2).sum()
print(json.dumps({
    "seconds": seconds,
    "accuracy": float((m.predict(Xt) == yt).mean()),
    "objective": float(objective),
    "iterations": int(m.n_iter_[0]),
    "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    "sklearn": __import__("sklearn").__version__,
}))
