#!/usr/bin/python3
"""Optuna's own TPESampler (Debian's python3-optuna, default settings) on the functions of
bench/search_sampler.cpp, for bench/search.sh to set beside aecnn's TPE and random search.

  optuna_tpe.py quality SEEDS EVALS [--fixed]
                                      -> CSV lines function,optuna-tpe,seed,best
                                         (--fixed: optuna-tpe-fixed, Optuna 3.1 with the one-line
                                         fix of its truncated-normal log density, optuna#5110,
                                         which Optuna 3.5 shipped and aecnn's TPE follows)
  optuna_tpe.py timing                -> ms per suggestion (6 parameters) with 1,000 and 10,000
                                         finished trials, as CSV lines finished,ms
"""
import math
import sys
import time

import numpy as np
import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)


def branin(x1, x2):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def hartmann6(x):
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6))) for i in range(4))


def objective(name):
    if name == "branin":
        return lambda t: branin(t.suggest_float("x0", -5, 10), t.suggest_float("x1", 0, 15))
    return lambda t: hartmann6([t.suggest_float(f"x{j}", 0, 1) for j in range(6)])


def fix_truncnorm_logpdf():
    from optuna.samplers._tpe import _truncnorm
    original = _truncnorm.logpdf
    _truncnorm.logpdf = lambda x, a, b, loc=0, scale=1: original(x, a, b, loc, scale) - np.log(scale)


def quality(seeds, evals, method):
    for name in ("branin", "hartmann6"):
        for seed in range(seeds):
            study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
            study.optimize(objective(name), n_trials=evals)
            print(f"{name},{method},{seed},{study.best_value:.9g}", flush=True)


def timing():
    rng = np.random.RandomState(1)
    dists = {f"x{j}": optuna.distributions.FloatDistribution(0, 1) for j in range(6)}
    for n in (1000, 10000):
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=7))
        trials = []
        for _ in range(n):
            x = rng.uniform(0, 1, 6)
            trials.append(optuna.trial.create_trial(params={f"x{j}": float(x[j]) for j in range(6)},
                                                    distributions=dists, value=hartmann6(x)))
        study.add_trials(trials)
        repeats = 3 if n >= 10000 else 10
        start = time.perf_counter()
        for _ in range(repeats):
            trial = study.ask()
            for j in range(6):
                trial.suggest_float(f"x{j}", 0, 1)
            study.tell(trial, state=optuna.trial.TrialState.FAIL)  # not a finished trial: n stays n
        print(f"{n},{(time.perf_counter() - start) * 1000 / repeats:.1f}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "quality":
        fixed = "--fixed" in sys.argv
        if fixed:
            fix_truncnorm_logpdf()
        quality(int(sys.argv[2]), int(sys.argv[3]), "optuna-tpe-fixed" if fixed else "optuna-tpe")
    else:
        timing()
