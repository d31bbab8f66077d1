"""Offline RL on game episodes: implicit language Q-learning (ILQL) over a transformers causal LM.

The data are the conversations `gamelang export sft` writes, with every outcome kept
(``--outcome win --outcome lose --outcome abort``) and the episode's ``reward`` in each row's
metadata. Each row is one learner's episode: its replies are the actions, one token at a time;
everything else (the game's messages, the partner's replies) is the environment.

On the LM's final hidden state ``h`` of the position before every learner token (the state ``s``
in which the token ``a`` is chosen), ``gamelang.players.ilql.ValueHeads`` give ``V(s)`` and
twin ``Q1(s, .)``, ``Q2(s, .)`` with Polyak-averaged targets. Per learner token:

* ``Q`` regresses to ``r + gamma * V(s')``, where ``s'`` is the state of the learner's next token
  (the environment's tokens in between are part of the transition), ``r`` is the episode's reward
  at the last token of the learner's last reply and 0 elsewhere, and ``V(s')`` is 0 after that
  last token;
* ``V`` regresses to ``min(Q1_target, Q2_target)(s, a)`` with the expectile loss
  ``|tau - 1(u < 0)| u^2``, ``u = Q_target - V`` (tau 0.7 leans toward the best actions in the data);
* a conservative term ``logsumexp Q(s, .) - Q(s, a)`` keeps the Q values of tokens the data never
  took low (``cql_weight``);
* the LM's own cross-entropy on the learner's tokens (``bc_weight``) keeps it the behaviour policy.

The LM and the heads train together (the Q and V losses reach the LM's layers too). The folder
written holds the LM as ``save_pretrained`` writes it, its tokenizer, and ``ilql_heads.pt`` with
``ilql.json``: ``hf:OUT`` plays it with advantage-weighted decoding (``logits + beta * (Q - V)``).

Tokens are made the way the ``hf:`` player makes them when it plays: each learner reply is the
chat template's text after the generation prompt, tokenised on its own, with the end-of-turn
token; the text between replies is tokenised as one piece. So the states the heads learn are the
states they see at decoding.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import common
from .config import ILQLTrainConfig, TrainConfig
from .data import DataError, _problem, _read_jsonl, _read_parquet

STATE_FILE = "ilql_state.pt"


# ---------------------------------------------------------------------------------------------- data

def read_rows(paths: list[str | Path]) -> tuple[list[dict[str, Any]], int]:
    """(rows of messages and reward, rows skipped for lack of a reward) from SFT export files."""
    if not paths:
        raise DataError("no training data: give --data FILE")
    rows: list[dict[str, Any]] = []
    skipped = 0
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise DataError(f"{path}: no such file" if not path.exists() else f"{path} is not a file")
        found = _read_parquet(path, ("messages", "reward")) if path.suffix == ".parquet" else _read_jsonl(path)
        if not found:
            raise DataError(f"{path} holds no rows")
        for number, row in enumerate(found, 1):
            if "messages" not in row:
                raise DataError(f"{path}, row {number}, has no 'messages' column: ILQL reads conversations "
                                "(export them with gamelang export sft --outcome win --outcome lose --outcome abort)")
            if "reward" not in row:
                raise DataError(f"{path}, row {number}, has no 'reward' column: ILQL learns from each episode's "
                                "reward (rows of gamelang export sft carry it)")
            problem = _problem("sft", row)
            if problem:
                raise DataError(f"{path}, row {number}: {problem}")
            reward = row["reward"]
            if reward is None:
                skipped += 1  # an episode without a reward teaches no value
                continue
            if isinstance(reward, bool) or not isinstance(reward, (int, float)) or not math.isfinite(reward):
                raise DataError(f"{path}, row {number}: 'reward' must be a number, not {reward!r}")
            rows.append({"messages": row["messages"], "reward": float(reward)})
    if not rows:
        raise DataError("no row has a reward: ILQL needs the rewards of the episodes")
    return rows, skipped


@dataclass
class Episode:
    """One tokenised row: ids, which of them are the learner's tokens, and the episode's reward."""

    ids: list[int]
    action: list[bool]
    reward: float


def tokenise(tokenizer: Any, messages: list[dict[str, Any]], reward: float) -> Episode:
    """Token ids of a conversation as the ``hf:`` player builds them, with the learner's tokens marked.

    The text up to each assistant message's generation prompt is context; the reply is its
    content plus the end-of-turn token when the template writes it right after the content.
    Raises ValueError when the template does not render the conversation as a growing prefix.
    """
    eos = tokenizer.eos_token or ""
    ids: list[int] = []
    action: list[bool] = []
    done = ""  # the text tokenised so far

    def add(text: str, is_action: bool) -> None:
        nonlocal done
        if not text:
            return
        piece = list(tokenizer(text, add_special_tokens=False)["input_ids"])
        ids.extend(piece)
        action.extend([is_action] * len(piece))
        done += text

    def render(upto: int, prompt: bool) -> str:
        return tokenizer.apply_chat_template(messages[:upto], add_generation_prompt=prompt, tokenize=False)

    for k, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        before = render(k, True)
        if not before.startswith(done):
            raise ValueError("the chat template does not render the conversation as a growing prefix")
        add(before[len(done):], False)
        after = render(k + 1, False)
        if not after.startswith(done):
            raise ValueError("the chat template does not render the conversation as a growing prefix")
        rest = after[len(done):]
        content = str(message.get("content") or "")
        if rest.startswith(content):
            reply = content + (eos if eos and rest[len(content):].startswith(eos) else "")
        else:  # a template that changes the content: the whole rendered message is the reply
            reply = rest
        add(reply, True)
    return Episode(ids, action, reward)


# ---------------------------------------------------------------------------------------------- losses

def batch_tensors(episodes: list[Episode], pad: int, device: Any) -> dict[str, Any]:
    """Padded ids and, for every learner token, its place, next learner token, reward and end flag."""
    import torch

    width = max(len(e.ids) for e in episodes)
    ids = torch.full((len(episodes), width), pad, dtype=torch.long)
    mask = torch.zeros((len(episodes), width), dtype=torch.long)
    rows, cols, rewards, dones, nexts = [], [], [], [], []
    for b, e in enumerate(episodes):
        ids[b, :len(e.ids)] = torch.tensor(e.ids, dtype=torch.long)
        mask[b, :len(e.ids)] = 1
        # a token at position 0 has no state before it: it cannot be an action
        places = [t for t, is_action in enumerate(e.action) if is_action and t > 0]
        for i, t in enumerate(places):
            last = i == len(places) - 1
            rows.append(b)
            cols.append(t)
            rewards.append(e.reward if last else 0.0)
            dones.append(1.0 if last else 0.0)
            nexts.append(len(rows) if not last else len(rows) - 1)  # index of the next action (itself if last)
    return {"ids": ids.to(device), "mask": mask.to(device), "rows": torch.tensor(rows, device=device),
            "cols": torch.tensor(cols, device=device), "rewards": torch.tensor(rewards, device=device),
            "dones": torch.tensor(dones, device=device), "nexts": torch.tensor(nexts, device=device)}


def ilql_loss(model: Any, heads: Any, batch: dict[str, Any], config: ILQLTrainConfig) -> tuple[Any, dict[str, float]]:
    """The ILQL loss of a batch and its parts (q, v, cql, bc, and the mean V and advantage)."""
    import torch
    import torch.nn.functional as F

    from gamelang.players.ilql import final_hidden, output_embeddings

    with final_hidden(model) as box:
        out = model(input_ids=batch["ids"], attention_mask=batch["mask"])
    hidden, logits = box[0], out.logits
    rows, cols = batch["rows"], batch["cols"]
    h = hidden[rows, cols - 1].float()  # the state before each learner token
    actions = batch["ids"][rows, cols]
    heads_dtype = next(heads.parameters()).dtype
    h = h.to(heads_dtype)
    embeddings = output_embeddings(model).to(heads_dtype)
    q1_all, q2_all = heads.q(h, embeddings, "q1"), heads.q(h, embeddings, "q2")
    q1 = q1_all.gather(1, actions[:, None]).squeeze(1)
    q2 = q2_all.gather(1, actions[:, None]).squeeze(1)
    v = heads.value(h)
    with torch.no_grad():
        # only the data's tokens: a vocabulary-wide target would cost as much as the online heads
        chosen = embeddings[actions]
        target_q = torch.minimum((heads.target_q1(h) * chosen).sum(-1), (heads.target_q2(h) * chosen).sum(-1))
        v_next = v.detach()[batch["nexts"]] * (1.0 - batch["dones"])
        q_target = batch["rewards"] + config.gamma * v_next
    q_loss = F.mse_loss(q1, q_target) + F.mse_loss(q2, q_target)
    u = target_q - v
    v_loss = (torch.abs(config.tau - (u < 0).float()) * u.pow(2)).mean()
    cql = F.cross_entropy(q1_all, actions) + F.cross_entropy(q2_all, actions)
    bc = F.cross_entropy(logits[rows, cols - 1].float(), actions)
    loss = q_loss + v_loss + config.cql_weight * cql + config.bc_weight * bc
    with torch.no_grad():
        parts = {"loss": loss.item(), "q": q_loss.item(), "v": v_loss.item(), "cql": cql.item(), "bc": bc.item(),
                 "value": v.mean().item(), "advantage": (torch.minimum(q1, q2) - v).mean().item()}
    return loss, parts


# ---------------------------------------------------------------------------------------------- training

@dataclass
class ILQLResult(common.TrainResult):
    """What an ILQL run produced (the heads' file and the decoding beta besides the common fields)."""

    beta: float = 1.0
    skipped: int = 0

    def player_spec(self) -> str:
        """``hf:OUT``: the heads are in OUT, and an adapter there names its base itself."""
        return f"hf:{self.out}"

    def summary(self) -> str:
        lines = super().summary().splitlines()
        lines.insert(2, f"ILQL heads saved in {self.out}/ilql_heads.pt: hf:{self.out} decodes with logits + "
                        f"{self.beta:g} (Q - V) (?ilql_beta=0: the LM alone)")
        if self.skipped:
            lines.insert(1, f"{self.skipped} rows without a reward were left out")
        return "\n".join(lines)


def _save(folder: Path, model: Any, tokenizer: Any, heads: Any, config: ILQLTrainConfig) -> None:
    from gamelang.players.ilql import save_heads

    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    save_heads(folder, heads, {"beta": config.ilql_beta, "gamma": config.gamma, "tau": config.tau,
                               "cql_weight": config.cql_weight, "bc_weight": config.bc_weight,
                               "base_model": config.model})


def _schedule_steps(config: ILQLTrainConfig, batches: int) -> int:
    if config.max_steps is not None:
        return config.max_steps
    return max(1, math.ceil(config.epochs * batches / config.gradient_accumulation))


def train(config: TrainConfig) -> ILQLResult:
    """ILQL on the conversations and rewards in ``config.data``; save the LM and its heads to ``config.out``."""
    import torch
    from transformers import get_scheduler

    from gamelang.players.ilql import ValueHeads, load_heads

    assert isinstance(config, ILQLTrainConfig), "train() of ilql takes an ILQL config"
    config.require_paths()
    common.check_model_path(config)
    raw, skipped = read_rows(config.data)
    resume_from = common.prepare_output(config)
    hardware = common.choose_hardware(config)
    device = torch.device("cpu" if hardware.use_cpu else "cuda")
    tokenizer = common.load_tokenizer(config)
    episodes, too_long = [], 0
    for number, row in enumerate(raw, 1):
        try:
            episode = tokenise(tokenizer, row["messages"], row["reward"])
        except ValueError as err:
            raise common.TrainError(f"row {number}: {err} (the states would differ from those of play)") from None
        if config.max_length is not None and len(episode.ids) > config.max_length:
            too_long += 1  # cutting it would cut off the reward at its end
            continue
        if any(episode.action[1:]):
            episodes.append(episode)
    if not episodes:
        raise common.TrainError(f"no row fits in max_length {config.max_length} tokens with a learner reply"
                                if too_long else "no row has a learner reply to learn from")
    lora = common.lora_config(config)
    merge_at_end = lora is not None and common.is_adapter_folder(config.model)
    if resume_from is not None and lora is None:
        model = common.load_model(config.model_copy(update={"model": str(resume_from)}))  # the checkpoint's weights
    else:
        model = common.load_model(config)
    if lora is not None:
        from peft import PeftModel, get_peft_model

        model = (PeftModel.from_pretrained(model, str(resume_from), is_trainable=True) if resume_from is not None
                 else get_peft_model(model, lora))
    model.to(device)
    if hardware.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    width = model.get_output_embeddings().weight.shape[1]
    if resume_from is not None:
        heads, _ = load_heads(resume_from, device)
        heads.train()
    else:
        heads = ValueHeads(width, config.head_hidden).to(device)
    lr = config.learning_rate()
    optimizer = torch.optim.AdamW(
        [{"params": [p for p in model.parameters() if p.requires_grad], "lr": lr},
         {"params": [p for p in heads.parameters() if p.requires_grad], "lr": config.head_lr or 10 * lr}],
        weight_decay=config.weight_decay)
    batches = math.ceil(len(episodes) / config.batch_size)
    total = _schedule_steps(config, batches)
    warmup = int(config.warmup if config.warmup >= 1 else config.warmup * total)
    scheduler = get_scheduler(config.lr_scheduler, optimizer, num_warmup_steps=warmup, num_training_steps=total)
    step = 0
    if resume_from is not None:
        state = torch.load(resume_from / STATE_FILE, map_location=device, weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step = int(state["step"])
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    autocast = (torch.autocast("cuda", dtype=torch.bfloat16 if hardware.bf16 else torch.float16)
                if (hardware.bf16 or hardware.fp16) else torch.autocast("cpu", enabled=False))
    log: list[dict[str, Any]] = []
    losses: list[float] = []
    model.train()
    heads.train()
    started = time.monotonic()
    out = Path(config.out)
    micro = step * config.gradient_accumulation  # micro-batches done: a resumed run goes on in the same order
    parts_sum: dict[str, float] = {}
    while step < total:
        epoch, index = divmod(micro, batches)
        order = list(range(len(episodes)))
        random.Random(config.seed + epoch).shuffle(order)  # the same order on resume
        chosen = [episodes[i] for i in order[index * config.batch_size:(index + 1) * config.batch_size]]
        batch = batch_tensors(chosen, pad, device)
        with autocast:
            loss, parts = ilql_loss(model, heads, batch, config)
        (loss / config.gradient_accumulation).backward()
        for k, v in parts.items():
            parts_sum[k] = parts_sum.get(k, 0.0) + v / config.gradient_accumulation
        micro += 1
        if micro % config.gradient_accumulation:
            continue
        torch.nn.utils.clip_grad_norm_([*model.parameters(), *heads.parameters()], config.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        heads.sync_targets(config.polyak)
        step += 1
        losses.append(parts_sum["loss"])
        if step % config.logging_steps == 0 or step == total:
            entry = {"step": step, **{k: round(v, 5) for k, v in parts_sum.items()}, "lr": scheduler.get_last_lr()[0]}
            log.append(entry)
            print(f"step {step}/{total}: loss {entry['loss']:.4f} (q {entry['q']:.4f}, v {entry['v']:.4f}, "
                  f"cql {entry['cql']:.4f}, bc {entry['bc']:.4f}) V {entry['value']:.3f} A {entry['advantage']:.3f}",
                  flush=True)
        parts_sum = {}
        if step % config.save_steps == 0 and step < total:
            _checkpoint(out, step, model, tokenizer, heads, config, optimizer, scheduler)
    seconds = time.monotonic() - started
    model.eval()
    if merge_at_end:  # the adapter was trained on a merged base that exists nowhere on disk
        model = model.merge_and_unload()
    _save(out, model, tokenizer, heads, config)
    (out / "ilql_log.jsonl").write_text("".join(json.dumps(e) + "\n" for e in log), encoding="utf-8")
    return ILQLResult(
        method="ilql", out=out, base_model=config.model, adapter=lora is not None and not merge_at_end,
        steps=step, loss=log[-1]["loss"] if log else None,
        mean_loss=sum(losses) / len(losses) if losses else None, rows=len(episodes), seconds=seconds,
        resumed_from=resume_from.name if resume_from else None, hardware=hardware.describe(), log=log,
        beta=config.ilql_beta, skipped=skipped + too_long)


def _checkpoint(out: Path, step: int, model: Any, tokenizer: Any, heads: Any, config: ILQLTrainConfig,
                optimizer: Any, scheduler: Any) -> None:
    """OUT/checkpoint-STEP: the model, its heads, the optimizer and the step; only the newest few are kept."""
    import torch

    folder = out / f"checkpoint-{step}"
    _save(folder, model, tokenizer, heads, config)
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "step": step},
               folder / STATE_FILE)
    if config.save_total_limit:
        for old in common.checkpoints(out)[:-config.save_total_limit]:
            shutil.rmtree(old)
