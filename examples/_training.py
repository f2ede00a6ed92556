"""What the model examples share around their training loop: the run options, the output files, the checkpoint.

    parser = argparse.ArgumentParser(...)
    _training.add_run_options(parser)              # --out-dir, --resume, --torch
    run = _training.Run(torch, "cnn_mnist", args)  # run.checkpoint, run.plot: examples/output/cnn_mnist[_torch].*
    history, done = run.restore(model, optimizer, scheduler, unit="epoch") or (fresh_history, 0)
    ...
    run.save(model, optimizer, scheduler, history=history, epoch=epoch)

A checkpoint holds the model's, the optimizer's and (when given) the scheduler's state, the history, the library's
random state and the progress (``epoch=`` or ``step=``): ``--resume`` continues as the uninterrupted run would.
Checkpoints are minigrad's ``.npz`` files (no pickle) or, with ``--torch``, torch's ``.pt`` files.
"""

import os

__all__ = ["DEFAULT_OUT_DIR", "add_run_options", "Run"]

DEFAULT_OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output")


def add_run_options(parser):
    """Add the options every model example has: ``--out-dir``, ``--resume`` and ``--torch``."""
    parser.add_argument("--out-dir", default=DEFAULT_OUT_DIR, help="where the checkpoint and the plot go")
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out-dir")
    parser.add_argument("--torch", action="store_true", help="run the same script on PyTorch instead of minigrad")


class Run:
    """One run's output files and checkpoint: ``stem`` is ``OUT_DIR/NAME`` (``NAME_torch`` with ``--torch``),
    ``checkpoint`` its ``.npz`` (``.pt``) and ``plot`` its ``.png``. Creates the folder; with ``--resume`` and no
    checkpoint, exits with a message saying so."""

    def __init__(self, torch, name, args):
        self.torch = torch
        self.resume = args.resume
        os.makedirs(args.out_dir, exist_ok=True)
        self.stem = os.path.join(args.out_dir, name + ("_torch" if args.torch else ""))
        self.checkpoint = self.stem + (".pt" if args.torch else ".npz")
        self.plot = self.stem + ".png"
        if args.resume and not os.path.exists(self.checkpoint):
            raise SystemExit(f"--resume: no checkpoint at {self.checkpoint}; run without --resume first")

    def restore(self, model, optimizer, scheduler=None, unit="epoch"):
        """With ``--resume``: load the checkpoint into ``model``, ``optimizer``, ``scheduler`` (if given) and the
        random state, print where it resumes, and return ``(history, done)`` (``done``: the ``unit`` count reached,
        ``"epoch"`` or ``"step"``). Without it: ``None``."""
        if not self.resume:
            return None
        checkpoint = self.torch.load(self.checkpoint)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(checkpoint["scheduler"])
        self.torch.random.set_rng_state(checkpoint["rng_state"])
        print(f"resumed from {self.checkpoint} after {unit} {checkpoint[unit]}")
        return checkpoint["history"], checkpoint[unit]

    def save(self, model, optimizer, scheduler=None, *, history, **progress):
        """Write the checkpoint: the states, ``history`` and ``progress`` (``epoch=n`` or ``step=n``)."""
        state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "history": history, **progress}
        if scheduler is not None:
            state["scheduler"] = scheduler.state_dict()
        state["rng_state"] = self.torch.random.get_rng_state()
        self.torch.save(state, self.checkpoint)
