"""Device binding at the process boundary: a stand-in nvidia-smi on PATH reports GPUs, and the job process picks
its GPU from the inventory and the locks before any CUDA call, handing the training process exactly that GPU by
UUID. This machine's PyTorch cannot use the (imaginary) GPUs, so the training process then stops with the fix,
which is what a user with a CPU-only PyTorch on a GPU machine must see."""

import sys

import pytest
from conftest import wait_for
from fakegpu import H100, fake_smi

import ftcore
from ftcore import RunStore
from ftcore.errors import UserError
from ftcore.runs import devices, launcher


@pytest.fixture
def two_gpus(tmp_path, monkeypatch):
    import torch

    if torch.backends.cuda.is_built():
        pytest.skip("needs a CPU-only PyTorch: the stand-in GPUs do not exist")
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", fake_smi(folder, [H100, H100]) + ":" + __import__("os").environ["PATH"])
    monkeypatch.setitem(sys.modules, "pynvml", None)
    devices._cache.clear()
    return devices.detect()


def launch(home, tiny_model, chat_file, name):
    config = ftcore.apply_overrides(ftcore.RunConfig(name=name), [], {
        "data.train": str(chat_file), "model.ref": str(tiny_model), "train.max_steps": 2})
    run = RunStore(home).create(config)
    launcher.launch(run, home)
    return run


def devices_event(run):
    return next(e for e in run.events("message") if e.get("text", "").startswith("Devices"))


def test_a_queued_run_takes_the_free_gpu_by_uuid(home, tiny_model, chat_file, two_gpus):
    busy = devices.try_lock(home, two_gpus[:1], 1, holder="another-run")  # GPU 0 is training something else
    run = launch(home, tiny_model, chat_file, "second")
    wait_for(lambda: run.status().get("state") == "failed", timeout=120)
    event = devices_event(run)
    assert event["devices"] == ["cuda1"] and event["visible"] == two_gpus[1].uuid
    assert "cuda1" in run.status()["error"] and "CUDA build" in run.status()["error"]
    busy.release()


def test_an_inherited_cuda_visible_devices_is_honoured(home, tiny_model, chat_file, two_gpus, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")  # SLURM or a container gave this job physical GPU 1 only
    run = launch(home, tiny_model, chat_file, "inherited")
    wait_for(lambda: run.status().get("state") == "failed", timeout=120)
    assert devices_event(run)["devices"] == ["cuda1"]
    assert devices_event(run)["visible"] == two_gpus[1].uuid


def test_start_refuses_gpus_that_this_pytorch_cannot_use(home, tiny_model, chat_file, two_gpus):
    config = ftcore.apply_overrides(ftcore.RunConfig(name="refused"), [], {
        "data.train": str(chat_file), "model.ref": str(tiny_model), "train.max_steps": 2})
    with pytest.raises(UserError) as err:
        ftcore.start(config, home)
    assert err.value.key == "placement.cpu_torch"
    assert not RunStore(home).list()  # nothing created
