"""The engine's Trainer changes nothing but cost: the LM head at label positions only gives the same loss and
gradients as the full head; a step in backward gives the same weights as a plain step, with one live gradient."""

import copy

import pytest
import torch
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForSeq2Seq,
    DataCollatorWithFlattening,
    TrainingArguments,
)
from transformers.optimization import Adafactor, get_scheduler

from ftcore.data import DEMOS, read_examples, tokenize_all
from ftcore.train.engine import trainer_class
from ftcore.train.optim_backward import OptimizerInBackward


@pytest.fixture(scope="module")
def rows(tiny_model):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    examples = read_examples(DEMOS["barista"].path, "auto")[:6]
    return tokenizer, tokenize_all(examples, tokenizer, 128).rows


def _trainer(model, tmp_path, **kwargs):
    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to="none", per_device_train_batch_size=3)
    return trainer_class()(model=model, args=args, **kwargs)


def _loss_and_grads(model, batch, tmp_path, label_positions, num_items=None):
    trainer = _trainer(model, tmp_path, label_positions=label_positions)
    model.train()
    model.zero_grad()
    loss = trainer.compute_loss(model, dict(batch), num_items_in_batch=num_items)
    loss.backward()
    return loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters()}


@pytest.mark.parametrize("packing", [True, False])
@pytest.mark.parametrize("summed", [False, True])
def test_label_positions_give_the_same_loss_and_gradients(tiny_model, rows, tmp_path, packing, summed):
    tokenizer, examples = rows
    collate = (DataCollatorWithFlattening(return_position_ids=True, separator_id=-100) if packing
               else DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100))
    batch = collate([{k: r[k] for k in ("input_ids", "labels")} for r in examples[:3]])
    labelled = (batch["labels"][:, 1:] != -100).sum()
    assert 0 < labelled < 0.9 * batch["labels"].numel()  # chat rows: the prompt carries no labels
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    num_items = labelled if summed else None
    full_loss, full_grads = _loss_and_grads(model, batch, tmp_path, False, num_items)
    kept_loss, kept_grads = _loss_and_grads(model, batch, tmp_path, True, num_items)
    assert torch.allclose(full_loss, kept_loss, rtol=1e-5), (full_loss, kept_loss)
    for name, grad in full_grads.items():
        assert torch.allclose(grad, kept_grads[name], rtol=1e-4, atol=1e-7), name


def _live_gradient_counter(model):
    """A hook on every weight, registered before the optimizer's: the most gradients alive at once."""
    params, peak = list(model.parameters()), [0]

    def count(_):
        peak[0] = max(peak[0], sum(p.grad is not None for p in params))

    for p in params:
        p.register_post_accumulate_grad_hook(count)
    return peak


def test_step_in_backward_matches_a_plain_step_and_keeps_one_gradient(tiny_model, rows):
    _, examples = rows
    batch = DataCollatorWithFlattening(return_position_ids=True, separator_id=-100)(
        [{k: r[k] for k in ("input_ids", "labels")} for r in examples])
    plain = AutoModelForCausalLM.from_pretrained(tiny_model)
    fused = copy.deepcopy(plain)
    kwargs = {"lr": 1e-2, "scale_parameter": False, "relative_step": False}
    no_decay = {n for n, _ in plain.named_parameters() if "norm" in n}
    groups = [{"params": [p for n, p in plain.named_parameters() if n not in no_decay], "weight_decay": 0.1},
              {"params": [p for n, p in plain.named_parameters() if n in no_decay], "weight_decay": 0.0}]
    reference = Adafactor(groups, **kwargs)
    plain_peak, fused_peak = _live_gradient_counter(plain), _live_gradient_counter(fused)
    optimizer = OptimizerInBackward(list(fused.named_parameters()), Adafactor, kwargs, 0.1, no_decay)
    schedulers = [get_scheduler("linear", o, num_warmup_steps=1, num_training_steps=4) for o in (reference, optimizer)]
    for _ in range(3):
        plain(**batch).loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(plain.parameters(), float("inf"))
        reference.step()
        reference.zero_grad()
        fused(**batch).loss.backward()
        optimizer.step()
        assert abs(optimizer.grad_norm() - float(norm)) < 1e-4 * float(norm)
        for scheduler in schedulers:
            scheduler.step()
    for (name, a), b in zip(plain.named_parameters(), fused.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-6), name
    assert all(p.grad is None for p in fused.parameters())
    assert plain_peak[0] == len(list(plain.parameters())) and fused_peak[0] == 1

    restored = OptimizerInBackward(list(copy.deepcopy(fused).named_parameters()), Adafactor, kwargs, 0.1, no_decay)
    restored.load_state_dict(optimizer.state_dict())
    name = next(iter(optimizer.inner))
    saved, loaded = optimizer.inner[name].state_dict()["state"], restored.inner[name].state_dict()["state"]
    assert saved.keys() == loaded.keys() and saved[0].keys() == loaded[0].keys()
    assert all(torch.equal(saved[0][k], loaded[0][k]) for k in saved[0] if torch.is_tensor(saved[0][k]))


def test_step_in_backward_checkpoints_and_resumes_its_optimizer_states(tiny_model, rows, tmp_path):
    from datasets import Dataset

    tokenizer, examples = rows
    data = Dataset.from_list([{k: r[k] for k in ("input_ids", "labels")} for r in examples])
    collate = DataCollatorWithFlattening(return_position_ids=True, separator_id=-100)

    def train(resume=None):
        args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to="none", max_steps=4,
                                 per_device_train_batch_size=2, save_steps=2, optim="adafactor", max_grad_norm=0.0,
                                 learning_rate=1e-3, logging_steps=1, disable_tqdm=True)
        trainer = trainer_class()(model=AutoModelForCausalLM.from_pretrained(tiny_model), args=args,
                                  train_dataset=data, data_collator=collate, optimizer_in_backward=True)
        trainer.train(resume_from_checkpoint=resume)
        return trainer

    first = train()
    norms = [e["grad_norm"] for e in first.state.log_history if "grad_norm" in e]
    assert len(norms) == 4 and all(n > 0 for n in norms)  # the norm of the gradients the hooks consumed
    inner = first.optimizer.optimizer.inner
    assert {s["step"] for o in inner.values() for s in o.state.values()} == {4}
    resumed = train(resume=str(tmp_path / "checkpoint-2"))
    inner = resumed.optimizer.optimizer.inner  # states restored at step 2, then two more steps
    assert {s["step"] for o in inner.values() for s in o.state.values()} == {4}
    for name, param in resumed.model.named_parameters():
        assert torch.allclose(param, dict(first.model.named_parameters())[name], atol=1e-6), name


def test_per_document_attention_gives_the_same_loss_and_gradients(tiny_model, rows):
    from ftcore.train.packed_attention import NAME, use_packed_attention

    _, examples = rows
    batch = DataCollatorWithFlattening(return_position_ids=True, separator_id=-100, return_flash_attn_kwargs=True)(
        [{k: r[k] for k in ("input_ids", "labels")} for r in examples])
    assert len(batch["cu_seq_lens_q"]) == len(examples) + 1
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    model.config.use_cache = False  # as in training: without a cache the sdpa mask keeps packed documents apart
    results = []
    for switch in (False, True):
        assert not switch or use_packed_attention(model) and model.config._attn_implementation == NAME
        model.zero_grad()
        loss = model(**batch).loss
        loss.backward()
        results.append((loss.detach(), [p.grad.clone() for p in model.parameters()]))
    (plain, plain_grads), (packed, packed_grads) = results
    assert torch.allclose(plain, packed, rtol=1e-5)
    assert all(torch.allclose(a, b, rtol=1e-4, atol=1e-6) for a, b in zip(plain_grads, packed_grads, strict=True))
    with torch.no_grad():  # without the boundaries (generation, padded evaluation): the plain sdpa path and mask
        ids = batch["input_ids"][:, :20]
        out = model(input_ids=ids).logits
        model.set_attn_implementation("sdpa")
        assert torch.allclose(out, model(input_ids=ids).logits, atol=1e-5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_packed_rows_on_cuda_match_separate_sequences_in_bf16(tiny_model, rows):
    """On a GPU the per-document path is PyTorch's varlen kernel (or FlashAttention-2): the packed row's loss and
    gradients equal those of the documents run one by one, under bf16 autocast as the engine trains."""
    from ftcore.train.packed_attention import use_packed_attention

    _, examples = rows
    feats = [{k: r[k] for k in ("input_ids", "labels")} for r in examples]
    batch = DataCollatorWithFlattening(return_position_ids=True, separator_id=-100, return_flash_attn_kwargs=True)(
        feats)
    model = AutoModelForCausalLM.from_pretrained(tiny_model).cuda()
    model.config.use_cache = False
    assert use_packed_attention(model, "cuda", "bf16")
    with torch.autocast("cuda", dtype=torch.bfloat16):
        packed = model(**{k: v.cuda() if torch.is_tensor(v) else v for k, v in batch.items()})
        packed.logits.float().sum().backward()
        grads = [p.grad.clone() for p in model.parameters()]
        model.zero_grad()
        alone = [model(input_ids=torch.tensor([f["input_ids"]], device="cuda")).logits[0] for f in feats]
    assert torch.allclose(packed.logits[0].float(), torch.cat(alone).float(), atol=5e-2)
    torch.cat(alone).float().sum().backward()
    for a, b in zip(grads, (p.grad for p in model.parameters()), strict=True):
        assert torch.allclose(a, b, rtol=5e-2, atol=5e-2)
