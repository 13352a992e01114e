"""Two CPU ranks under torchrun (gloo): DDP, DeepSpeed ZeRO-2/3 and FSDP train the tiny model to the same losses
and weights as one process over the same global batch; a ZeRO-3 run stops with a checkpoint and resumes."""

import json
import os
import subprocess
import sys

import pytest
import torch
from conftest import run_cli, wait_for
from safetensors.torch import load_file

import ftcore
from ftcore import RunStore, Settings

# Tolerances: the same examples form each global batch, and the loss is averaged over the same tokens, so the
# curves agree to float32 rounding of a different reduction order.
LOSS_RTOL = 1e-4
WEIGHT_ATOL = 1e-4

CHAT_ROWS = "".join(
    json.dumps({"messages": [{"role": "user", "content": f"How long should shot {i} pull?"},
                             {"role": "assistant", "content": f"About {20 + i} seconds for {30 + i} g out."}]}) + "\n"
    for i in range(24))
COMMON = ["--max-steps", "4", "--lr", "1e-3", "train.scheduler=constant", "train.seed=7"]


def train(cli, home, tiny_model, data, *extra):
    out = cli("train", "--data", str(data), "--model", str(tiny_model), *COMMON, *extra, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    run = RunStore(home).list()[0]
    assert run.status()["state"] == "done", run.status()
    return run


def losses(run):
    return [e["loss"] for e in run.events("train")]


@pytest.fixture(scope="module")
def single(tmp_path_factory, tiny_model):
    """The reference: one process, batch 4 (= 2 ranks x batch 2), trained once for the module."""
    home = Settings(home=tmp_path_factory.mktemp("single-home"))
    data = tmp_path_factory.mktemp("single-data") / "chat.jsonl"
    data.write_text(CHAT_ROWS, encoding="utf-8")

    def cli(*args, timeout=300):
        return run_cli(*args, env_home=home, timeout=timeout)

    return train(cli, home, tiny_model, data, "--batch-size", "4", "--name", "single"), data


@pytest.mark.parametrize("strategy", ["zero3", "zero2", "ddp", pytest.param("fsdp", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="accelerate runs FSDP on GPUs only (refused on the CPU)"))])
def test_two_ranks_match_one_process(cli, home, tiny_model, single, strategy):
    single, data = single
    ranks = train(cli, home, tiny_model, data, "--batch-size", "2", "dist.nproc=2", f"dist.strategy={strategy}",
                  "--name", strategy)
    assert any("torch.distributed.run --nproc-per-node 2" in e.get("text", "") for e in ranks.events("message"))
    model = ranks.events("model")[0]
    assert model["world_size"] == 2
    full = model["parameters"] * 4  # fp32
    held = model["local_parameter_bytes"]  # each rank's parameter storage right after from_pretrained
    if strategy == "zero3":  # partitioned as it loaded (zero.Init): about half a copy per rank, never a whole one
        assert all(b < 0.6 * full for b in held) and sum(held) == pytest.approx(full, rel=0.05), held
    elif strategy == "fsdp":  # loaded on rank 0 only; rank 1 built it on the meta device
        assert held == [full, 0], held
    else:
        assert held == [full, full], held
    assert len(losses(ranks)) == 4
    assert losses(ranks) == pytest.approx(losses(single), rel=LOSS_RTOL)
    ours, theirs = load_file(single.final_dir / "model.safetensors"), load_file(ranks.final_dir / "model.safetensors")
    assert ours.keys() == theirs.keys()  # ZeRO-3/FSDP shards gathered into one plain checkpoint
    for name, tensor in ours.items():
        assert theirs[name].dtype == torch.float32
        assert torch.allclose(tensor, theirs[name], atol=WEIGHT_ATOL), name
    base = load_file(next(tiny_model.glob("*.safetensors")))
    assert any(not torch.equal(base[k], theirs[k]) for k in base if k in theirs)  # it did train


def test_fsdp_is_refused_on_the_cpu_instead_of_running_as_ddp(cli, tiny_model, chat_file):
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "2", "dist.nproc=2",
              "dist.strategy=fsdp")
    assert out.returncode == 2 and "strategy=fsdp needs GPUs" in out.stderr and "zero3" in out.stderr


def test_zero3_stop_checkpoints_and_resume_continues(cli, home, tiny_model, chat_file):
    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "50", "--batch-size",
              "2", "--save-steps", "100", "dist.nproc=2", "dist.strategy=zero3", "--detach", "--name", "z3")
    run = RunStore(home).get(out.stdout.split()[-1])
    wait_for(lambda: run.status().get("step", 0) >= 3, timeout=400, run=run)
    stopped = cli("stop", run.id, "--grace", "120")
    assert "cancelled" in stopped.stdout, (stopped.stdout, stopped.stderr, run.status())
    checkpoint = ftcore.runs.jobs.last_checkpoint(run)  # the stop wrote one, from both ranks' shards
    assert checkpoint is not None and list(checkpoint.glob("global_step*/*optim_states.pt"))
    assert not list(run.dir.glob(".trainer/checkpoint-*"))  # nothing left half-moved
    stopped_at = int(checkpoint.name.split("-")[1])
    before = len(run.events("train"))

    out = cli("resume", run.id, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert run.status()["state"] == "done" and run.status()["step"] == 50
    steps = [e["step"] for e in run.events("train")[before:]]
    assert steps == list(range(stopped_at + 1, 51))
    assert (run.final_dir / "model.safetensors").is_file()


def test_zero3_watches_forgetting_and_falls_back_to_the_last_checkpoint_within_it(cli, home, tiny_model, chat_file):
    """Every rank takes part in the watch's forwards (the weights are sharded); the stop past
    train.stop_on_forgetting loads the kept checkpoint through DeepSpeed, and the final model is that checkpoint."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ftcore.train.forgetting import BaseLogprobs, next_token_logprobs, watch_prompts

    out = cli("train", "--data", str(chat_file), "--val", str(chat_file), "--model", str(tiny_model), "--max-steps",
              "12", "--batch-size", "2", "--lr", "4e-3", "train.eval_steps=3", "train.early_stopping_patience=0",
              "train.stop_on_forgetting=0.04", "dist.nproc=2", "dist.strategy=zero3", timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    run = RunStore(home).list()[0]
    kl = {e["step"]: e["forget_kl"] for e in run.events("eval")}
    assert list(kl) == [3, 6] and kl[3] <= 0.04 < kl[6], kl  # the tiny model passes 0.04 nats at step 6 (0.058)
    assert run.final_meta()["forgetting_stop"]["final_from"] == "checkpoint-3"
    final = load_file(run.final_dir / "model.safetensors")
    kept = load_file(run.checkpoints_dir / "checkpoint-3" / "model.safetensors")
    assert all(torch.equal(final[name], kept[name]) for name in kept)
    # what the ranks measured together is what the final model gives in one process
    model, tokenizer = AutoModelForCausalLM.from_pretrained(run.final_dir), AutoTokenizer.from_pretrained(run.final_dir)
    measured = BaseLogprobs.load(run.base_logprobs_path).kl(next_token_logprobs(model, watch_prompts(tokenizer)))
    assert measured == pytest.approx(kl[3], rel=1e-3)


def test_two_nodes_share_one_run_folder(home, tiny_model, chat_file, single):
    """Two "nodes" on this machine (different node names, one shared workspace), one CPU rank each: node 1 joins
    node 0's run folder, and the pair trains like one process over the same global batch."""
    single, data = single
    port = free_port()
    common = ["train", "--data", str(data), "--model", str(tiny_model), *COMMON, "--batch-size", "2",
              "--nnodes", "2", "--nproc", "1", "--master-addr", "127.0.0.1", "--master-port", str(port),
              "--strategy", "zero2", "--name", "two nodes"]
    env = {**os.environ, "FTCORE_HOME": str(home.home), "HF_HUB_OFFLINE": "1"}
    node1 = subprocess.Popen([sys.executable, "-m", "ftcore", *common, "--node-rank", "1"],
                             env={**env, "FTCORE_NODE_NAME": "node1"}, stdout=subprocess.PIPE, text=True)
    node0 = subprocess.run([sys.executable, "-m", "ftcore", *common, "--node-rank", "0"], capture_output=True,
                           text=True, env={**env, "FTCORE_NODE_NAME": "node0"}, timeout=600)
    assert node0.returncode == 0, node0.stderr[-3000:]
    assert node1.wait(timeout=60) == 0
    (run,) = RunStore(home).list()
    assert run.id == "two-nodes" and (run.dir / "worker-node1.log").is_file()
    assert run.events("model")[0]["world_size"] == 2
    assert losses(run) == pytest.approx(losses(single), rel=LOSS_RTOL)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_zero3_kl_anchor_computes_the_bases_targets_with_every_rank(cli, home, tiny_model, chat_file):
    """train.anchor=kl under ZeRO-3: each rank's forward on the anchor rows gathers the sharded weights; the stored
    targets are what the base gives in one process, and the penalty starts at zero."""
    from transformers import AutoModelForCausalLM

    from ftcore import load_tokenizer
    from ftcore.data.prepare import prepare_data
    from ftcore.train.kl_anchor import AnchorTargets, anchor_rows

    out = cli("train", "--data", str(chat_file), "--model", str(tiny_model), "--max-steps", "4", "--batch-size", "2",
              "--lr", "1e-2", "data.replay=1", "train.anchor=kl", "train.anchor_weight=10", "dist.nproc=2", "dist.strategy=zero3",
              timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    run = RunStore(home).list()[0]
    steps = run.events("train")
    assert steps[0]["anchor_kl"] == pytest.approx(0.0, abs=1e-4) and steps[-1]["anchor_kl"] > 0
    stored = AnchorTargets.load(run.anchor_logprobs_path)

    class Quiet:
        writes = False

        def append_event(self, kind, **fields):
            pass

        def note(self, text, **fields):
            pass

    splits, _ = prepare_data(run.config(), load_tokenizer(str(tiny_model), home), Quiet())
    rows = anchor_rows(splits["replay"], run.config().train.seed)
    alone = AnchorTargets.compute(AutoModelForCausalLM.from_pretrained(tiny_model), rows)
    assert stored.rows_sha256 == alone.rows_sha256 and torch.equal(stored.ids, alone.ids)
    assert torch.allclose(stored.logprobs, alone.logprobs, atol=1e-4)
