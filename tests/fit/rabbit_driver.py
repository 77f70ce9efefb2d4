"""Run under .venv-rabbit (not collected by pytest): build rabbit's input from a wmass-fithists file
with rabbit's TensorWriter, evaluate NLL/gradient/Hessian at given points, fit, impacts.

usage: python rabbit_driver.py HISTS POINTS.npz OUT.npz WORKDIR
POINTS.npz: names (parameter names), x [k, n] points in that order.
"""

from __future__ import annotations

import json
import sys
import time

import h5py
import hist
import numpy as np


def _hist(axes, values, variances=None):
    h = hist.Hist(*[hist.axis.Variable(a["edges"], name=a["name"]) for a in axes],
                  storage=hist.storage.Weight() if variances is not None else hist.storage.Double())
    if variances is not None:
        h.view()["value"] = values
        h.view()["variance"] = variances
    else:
        h.view()[...] = values
    return h


def build(hpath, outdir, sparse):
    from rabbit import tensorwriter

    w = tensorwriter.TensorWriter(sparse=sparse)
    with h5py.File(hpath, "r") as f:
        for ch, g in f.items():
            axes = json.loads(g.attrs["axes"])
            w.add_channel([hist.axis.Variable(a["edges"], name=a["name"]) for a in axes], ch)
            w.add_data(_hist(axes, g["data"][...]), ch)
            for proc, pg in g.items():
                if not isinstance(pg, h5py.Group):
                    continue
                w.add_process(_hist(axes, pg["nominal"][...], pg["sumw2"][...]), proc, ch, signal=bool(pg.attrs["signal"]))
                if "syst" not in pg:
                    continue
                ds = pg["syst"]
                names, groups = json.loads(ds.attrs["names"]), json.loads(ds.attrs["groups"])
                cons, noi = json.loads(ds.attrs["constrained"]), json.loads(ds.attrs["noi"])
                arr = ds[...]
                asym = arr.ndim == pg["nominal"].ndim + 2
                for i, n in enumerate(names):
                    h = [_hist(axes, arr[i, 1]), _hist(axes, arr[i, 0])] if asym else _hist(axes, arr[i])
                    w.add_systematic(h, n, proc, ch, groups=[groups[i]], constrained=bool(cons[i]), noi=bool(noi[i]),
                                     **({"symmetrize": None} if asym else {}))
    w.write(outfolder=outdir, outfilename="rabbit_input.hdf5")
    return f"{outdir}/rabbit_input.hdf5"


def main():
    hpath, ppath, opath, workdir = sys.argv[1:5]
    sparse = len(sys.argv) > 5 and sys.argv[5] == "sparse"
    sys.argv = sys.argv[:1]  # rabbit's modules parse sys.argv
    import tensorflow as tf  # noqa: F401  (loaded before rabbit's modules)
    from bin.rabbit_fit import make_parser
    from rabbit import fitter, inputdata

    fname = build(hpath, workdir, sparse)
    sys.argv = [sys.argv[0], fname, "--doImpacts", "--globalImpacts"]
    args = make_parser()  # rabbit's make_parser returns parse_args() of sys.argv
    indata = inputdata.FitInputData(fname)
    f = fitter.Fitter(indata, args)
    f.defaultassign()
    f.set_nobs(indata.data_obs)
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in f.parms]
    pts = np.load(ppath)
    pnames = [str(n) for n in pts["names"]]
    perm = [pnames.index(n) for n in names]  # rabbit index -> our index
    vals, grads, hesses = [], [], []
    for x in pts["x"]:
        f.x.assign(x[perm])
        v, g, h = f.loss_val_grad_hess()
        vals.append(v.numpy()), grads.append(g.numpy()), hesses.append(h.numpy())
    f.x.assign(pts["xstart"][perm])
    t0 = time.time()
    f.minimize()
    val, grad, hess = f.loss_val_grad_hess()
    from rabbit.tfhelpers import edmval_cov
    edm, cov = edmval_cov(grad, hess)
    f.cov.assign(cov)
    imp, impg = f.impacts_parms(hess)
    gimp, gimpg = f.global_impacts_parms()
    tfit = time.time() - t0
    np.savez(opath, names=np.array(names), vals=np.array(vals), grads=np.array(grads), hesses=np.array(hesses),
             xfit=f.x.numpy(), cov=np.asarray(cov), edm=edm, nll=val.numpy(),
             impacts_grouped=impg.numpy(), global_impacts_grouped=gimpg.numpy(),
             groups=np.array([g.decode() if isinstance(g, bytes) else str(g) for g in indata.systgroups]),
             noi=np.array(names[f.npoi:])[indata.noiidxs], npoi=f.npoi, time_fit=tfit)


if __name__ == "__main__":
    main()
