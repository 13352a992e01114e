"""A stand-in `nvidia-smi` for tests of device decisions on a machine without GPUs."""

H100 = ("NVIDIA H100 80GB HBM3", 81559, "9.0")
T4 = ("Tesla T4", 15360, "7.5")


def fake_smi(folder, gpus, compute_cap=True):
    """An nvidia-smi that answers --query-gpu like the real one (MiB, no units); without compute_cap it fails on
    that field as drivers before 510 do."""
    rows = "\\n".join(f"{i}, GPU-{i:x}{i:x}{i:x}{i:x}-0000-0000-0000-00000000000{i}, {name}, {mib}, {mib - 1000}"
                      + (f", {cap}" if compute_cap else "") for i, (name, mib, cap) in enumerate(gpus))
    script = folder / "nvidia-smi"
    reject = "" if compute_cap else 'case "$1" in *compute_cap*) echo "Field compute_cap is not valid"; exit 2;; esac\n'
    script.write_text(f"#!/bin/sh\n{reject}printf '{rows}\\n'\n")
    script.chmod(0o755)
    return str(folder)
