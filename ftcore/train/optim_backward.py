"""The optimizer step fused into the backward pass: each weight is updated as soon as its gradient is complete and
the gradient is freed at once, so one gradient is alive at a time instead of all of them. With adafactor (factored
second moment, no first moment) the training state of full fine-tuning is the fp32 weights plus a few per cent.

It is the pattern of PyTorch's "optimizer step in backward" recipe (one optimizer per parameter, stepped by a
post-accumulate-grad hook), as transformers does for its layer-wise GaLore optimizers, with two additions the
Trainer needs: the learning-rate scheduler drives one parameter group here (so its state saves and resumes as
usual), and the optimizer states are saved in checkpoints and restored on resume.
"""

from __future__ import annotations

import torch


class OptimizerInBackward(torch.optim.Optimizer):
    """The Trainer's optimizer: step() and zero_grad() do nothing, since each weight was stepped in backward.

    One parameter group holds every trainable weight; the scheduler sets its learning rate and each hook copies it
    into the weight's own optimizer before stepping. Weight decay follows the Trainer's split (none for biases and
    norms). The squared gradient norms are summed on the way, so the step's global gradient norm can be logged.
    """

    def __init__(self, named_params: list[tuple[str, torch.nn.Parameter]], optimizer_cls, kwargs: dict,
                 weight_decay: float, no_decay: set[str]):
        kwargs = {k: v for k, v in kwargs.items() if k != "weight_decay"}
        lr = kwargs.pop("lr")
        super().__init__([p for _, p in named_params], {"lr": lr})
        self.names = [name for name, _ in named_params]
        self.inner: dict[str, torch.optim.Optimizer] = {}
        self._squares: list[torch.Tensor] = []
        self._handles = []
        for name, param in named_params:
            wd = 0.0 if name in no_decay else weight_decay
            self.inner[name] = optimizer_cls([param], lr=lr, weight_decay=wd, **kwargs)
            self._handles.append(param.register_post_accumulate_grad_hook(self._hook(name)))

    def _hook(self, name: str):
        optimizer = self.inner[name]

        def step_now(param: torch.nn.Parameter) -> None:
            if param.grad is None:
                return
            self._squares.append(param.grad.detach().float().pow(2).sum())
            lr = self.param_groups[0]["lr"]
            for group in optimizer.param_groups:
                group["lr"] = lr
            optimizer.step()
            param.grad = None

        return step_now

    def grad_norm(self) -> float:
        """The global L2 norm of the gradients seen since the last call (before any update), then reset."""
        if not self._squares:
            return 0.0
        total = torch.stack([s.to(self._squares[0].device) for s in self._squares]).sum()
        self._squares = []
        return float(total.sqrt())  # inf or nan when a gradient was: the run's NaN guard reads it

    @torch.no_grad()
    def step(self, closure=None):
        return closure() if closure is not None else None

    def zero_grad(self, set_to_none: bool = True) -> None:
        pass  # each hook freed its gradient

    def state_dict(self) -> dict:
        return {"param_groups": [{k: v for k, v in g.items() if k != "params"} for g in self.param_groups],
                "inner": {name: opt.state_dict() for name, opt in self.inner.items()}}

    def load_state_dict(self, state_dict: dict) -> None:
        for group, saved in zip(self.param_groups, state_dict["param_groups"], strict=True):
            group.update(saved)
        missing = set(self.inner) - set(state_dict["inner"])
        if missing:
            raise ValueError(f"The checkpoint's optimizer states lack {len(missing)} weights, e.g. "
                             f"{sorted(missing)[0]}: it was written for a different model or method.")
        for name, opt in self.inner.items():
            opt.load_state_dict(state_dict["inner"][name])

    def remove_hooks(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
