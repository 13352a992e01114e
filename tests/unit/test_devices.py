"""The GPU inventory without CUDA (a stand-in nvidia-smi on PATH, a stubbed NVML), CUDA_VISIBLE_DEVICES as CUDA
reads it, locks by physical GPU, the training process's environment, and the device/dtype policy for each GPU
generation. Nothing here needs a GPU: the inventory is faked at the process boundary."""

from __future__ import annotations

import sys
import types

import pytest
from fakegpu import H100, T4, fake_smi  # noqa: E402  (tests/ is on sys.path)

from ftcore.errors import UserError
from ftcore.runs import devices, placement
from ftcore.runs.devices import Allocation, Device
from ftcore.settings import Settings


@pytest.fixture(autouse=True)
def no_nvml(monkeypatch):
    """This machine has no NVIDIA driver; make sure of it, and start every test with a fresh inventory."""
    monkeypatch.setitem(sys.modules, "pynvml", None)
    devices._cache.clear()


def test_nvidia_smi_inventory_honours_cuda_visible_devices(tmp_path):
    path = fake_smi(tmp_path, [H100, H100, H100, H100])
    every = devices.detect({"PATH": path})
    assert [d.id for d in every] == ["cuda0", "cuda1", "cuda2", "cuda3"]
    assert every[0].memory_gb == 79.6 and every[0].capability == (9, 0) and every[0].native_bf16
    assert every[2].uuid == "GPU-2222-0000-0000-0000-000000000002"
    assert [d.id for d in devices.detect({"PATH": path, "CUDA_VISIBLE_DEVICES": "3,1"})] == ["cuda3", "cuda1"]
    by_uuid = devices.detect({"PATH": path, "CUDA_VISIBLE_DEVICES": "GPU-2222"})  # a UUID prefix, as CUDA takes
    assert [d.id for d in by_uuid] == ["cuda2"]
    assert [d.id for d in devices.detect({"PATH": path, "CUDA_VISIBLE_DEVICES": "1,-1,2"})] == ["cuda1"]
    assert devices.detect({"PATH": path, "CUDA_VISIBLE_DEVICES": ""})[0].id == "cpu"  # hidden: the CPU
    assert devices.detect({"PATH": str(tmp_path / "nowhere")})[0].id == "cpu"


def test_old_driver_without_compute_cap_is_not_taken_for_bf16(tmp_path):
    (gpu,) = devices.detect({"PATH": fake_smi(tmp_path, [H100], compute_cap=False)})
    assert gpu.name == H100[0] and gpu.capability is None and not gpu.native_bf16
    assert placement.auto_precision([gpu]) == "fp16"  # unknown: the safe choice


def test_stubbed_nvml_is_preferred_and_never_needs_cuda(monkeypatch, tmp_path):
    calls = []
    memory = types.SimpleNamespace(total=40 * 2**30, free=30 * 2**30)
    nvml = types.SimpleNamespace(
        nvmlInit=lambda: calls.append("init"), nvmlShutdown=lambda: calls.append("shutdown"),
        nvmlDeviceGetCount=lambda: 2, nvmlDeviceGetHandleByIndex=lambda i: i,
        nvmlDeviceGetName=lambda h: b"NVIDIA A100-SXM4-40GB", nvmlDeviceGetUUID=lambda h: f"GPU-a{h}",
        nvmlDeviceGetMemoryInfo=lambda h: memory, nvmlDeviceGetCudaComputeCapability=lambda h: (8, 0))
    monkeypatch.setitem(sys.modules, "pynvml", nvml)
    found = devices.detect({"PATH": fake_smi(tmp_path, [T4]), "CUDA_VISIBLE_DEVICES": "1"})
    assert found == [Device("cuda1", "NVIDIA A100-SXM4-40GB", 40.0, "GPU-a1", (8, 0), 30.0)]
    assert calls == ["init", "shutdown"]
    assert "torch" not in sys.modules or not getattr(sys.modules["torch"].cuda, "_initialized", False)


@pytest.mark.parametrize(("capabilities", "expected"), [
    ([(9, 0)], "bf16"), ([(8, 0), (8, 6)], "bf16"), ([(7, 5)], "fp16"), ([(7, 0)], "fp16"),
    ([(9, 0), (7, 5)], "fp16"), ([], "fp32")])
def test_auto_precision_follows_native_bf16(capabilities, expected):
    found = [Device(f"cuda{i}", "GPU", 16.0, f"GPU-{i}", c) for i, c in enumerate(capabilities)]
    assert placement.auto_precision(found or [devices.cpu_device()]) == expected


def test_gpus_with_a_cpu_only_torch_are_refused_before_anything_starts():
    import torch

    gpu = Device("cuda0", "NVIDIA H100", 80.0, "GPU-0", (9, 0))
    if torch.backends.cuda.is_built():
        pytest.skip("this PyTorch is a CUDA build")
    with pytest.raises(UserError) as err:
        placement.inventory_flags([gpu])
    assert err.value.key == "placement.cpu_torch" and "cu128" in str(err.value)
    assert placement.inventory_flags([devices.cpu_device()]) == (False, False, 0)


def test_training_process_environment():
    gpu = Device("cuda3", "NVIDIA H100", 80.0, "GPU-3333", (9, 0))
    env = devices.child_env({"PATH": "/bin", "CUDA_VISIBLE_DEVICES": "2,3", "PYTORCH_ALLOC_CONF": "max_split_size_mb:64"},
                            Allocation([gpu]))
    assert env["CUDA_VISIBLE_DEVICES"] == "GPU-3333"  # by UUID: the same card whatever CUDA's device order
    assert env["FTCORE_DEVICES"] == "cuda3" and env["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID"
    assert env["PYTORCH_ALLOC_CONF"] == "max_split_size_mb:64,expandable_segments:True"
    cpu = devices.child_env({"PATH": "/bin"}, Allocation([devices.cpu_device()]))
    assert cpu["CUDA_VISIBLE_DEVICES"] == "" and cpu["FTCORE_DEVICES"] == "cpu" and "PYTORCH_ALLOC_CONF" not in cpu
    assert (env["DS_ACCELERATOR"], cpu["DS_ACCELERATOR"]) == ("cuda", "cpu")  # DeepSpeed is told, not left to guess


def test_locks_are_per_physical_gpu_and_name_their_holder(tmp_path):
    settings = Settings(home=tmp_path, lock_dir=tmp_path / "locks")
    gpus = [Device("cuda4", "H100", 80.0, "GPU-4"), Device("cuda5", "H100", 80.0, "GPU-5")]
    first = devices.try_lock(settings, gpus, 1, holder="run-a")
    second = devices.try_lock(settings, gpus, 1, holder="run-b")
    assert first.ids == ["cuda4"] and second.ids == ["cuda5"]  # two queued runs never share a GPU
    assert devices.try_lock(settings, gpus, 1) is None
    assert devices.holder(settings, gpus[0]) == "run-a"
    assert (settings.lock_dir / f"{settings.node_name}-GPU-4.lock").is_file()
    first.release()
    assert devices.holder(settings, gpus[0]) is None
    assert devices.try_lock(settings, gpus, 1).ids == ["cuda4"]


def test_training_flags_refuse_gpus_that_torch_cannot_see(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(UserError) as err:
        placement.training_flags(Settings(home=tmp_path, devices=("cuda1",)))
    assert err.value.key == "placement.cpu_torch"
    assert placement.training_flags(Settings(home=tmp_path, devices=("cpu",))) == (False, False, 0)


def test_eval_dtype_per_gpu_generation(monkeypatch):
    import torch

    assert placement.eval_dtype("cpu") == torch.float32
    monkeypatch.setattr(placement, "native_bf16", lambda: True)
    assert placement.eval_dtype("cuda:0") == torch.bfloat16
    monkeypatch.setattr(placement, "native_bf16", lambda: False)
    assert placement.eval_dtype("cuda:1") == torch.float16  # T4 / V100: fp16, not emulated bf16


class TestInferencePlacement:
    """Chat, Compare and `ftcore probe` take a GPU through the same inventory and locks as training runs."""

    @pytest.fixture
    def two_gpus(self, monkeypatch, tmp_path):
        gpus = [Device("cuda0", "L4", 22.0, "GPU-0", (8, 9), 20.0), Device("cuda1", "L4", 22.0, "GPU-1", (8, 9), 6.0)]
        monkeypatch.setattr(devices, "detect", lambda env=None: list(gpus))
        return Settings(home=tmp_path, lock_dir=tmp_path / "locks").ensure(), gpus  # a lock folder of its own

    def hold(self, settings, gpu, run_id, planned_gib):
        folder = settings.runs_dir / run_id
        folder.mkdir(parents=True)
        (folder / "plan.json").write_text(f'{{"predicted": {{"total": {int(planned_gib * 2**30)}}}}}')
        return devices.try_lock(settings, [gpu], 1, holder=run_id)

    def test_a_free_gpu_first_then_the_one_this_process_holds(self, two_gpus):
        settings, gpus = two_gpus
        first = placement.for_inference(settings, 3.0)
        assert first.device == "cuda:0" and first.allocation is not None and first.note is None
        assert devices.holder(settings, gpus[0]) == "chat"
        again = placement.for_inference(settings, 3.0, reuse=first, used_gb=3.0)
        assert again.device == "cuda:0" and again.allocation is None  # beside the first model
        first.release()

    def test_a_training_gpu_only_where_the_run_leaves_room(self, two_gpus):
        settings, gpus = two_gpus
        runs = [self.hold(settings, gpus[0], "big-run", 19.0), self.hold(settings, gpus[1], "small-run", 4.0)]
        shared = placement.for_inference(settings, 3.0)
        # cuda0's run leaves 22 - 19 - 1 = 2 GiB; cuda1's leaves 17 by its plan but only 6 - 1 are free now
        assert shared.device == "cuda:1" and shared.allocation is None and shared.note.key == "placement.shared"
        assert placement.for_inference(settings, 6.0).device == "cpu"  # room nowhere: the CPU, saying why
        assert placement.for_inference(settings, 6.0).note.key == "placement.gpus_busy"
        with pytest.raises(UserError) as err:
            placement.for_inference(settings, 6.0, "gpu", wait_s=0.2, poll=0.05)
        assert err.value.key == "placement.wait_timeout"
        assert placement.for_inference(settings, 1.0, "cpu").device == "cpu"
        for allocation in runs:
            allocation.release()

    def test_a_run_without_a_plan_is_never_shared(self, two_gpus):
        settings, gpus = two_gpus
        held = [devices.try_lock(settings, [g], 1, holder="unplanned") for g in gpus]
        assert placement.for_inference(settings, 0.5).device == "cpu"
        for allocation in held:
            allocation.release()


def test_a_server_never_shares_a_training_gpu(monkeypatch, tmp_path):
    gpu = Device("cuda0", "L4", 22.0, "GPU-0", (8, 9), 20.0)
    monkeypatch.setattr(devices, "detect", lambda env=None: [gpu])
    settings = Settings(home=tmp_path, lock_dir=tmp_path / "locks").ensure()
    (settings.runs_dir / "small-run").mkdir()
    (settings.runs_dir / "small-run" / "plan.json").write_text(f'{{"predicted": {{"total": {2**30}}}}}')
    held = devices.try_lock(settings, [gpu], 1, holder="small-run")
    assert placement.for_inference(settings, 1.0).device == "cuda:0"  # chat: room beside the run
    assert placement.for_inference(settings, 1.0, share=False).device == "cpu"  # serve: never
    held.release()
    served = placement.for_inference(settings, 1.0, share=False, holder="serve")
    assert served.device == "cuda:0" and devices.holder(settings, gpu) == "serve"  # queued runs wait for it
    served.release()
