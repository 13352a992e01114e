"""Training: the one Trainer site, its callbacks, methods, kernels, distributed settings and checkpoints."""
