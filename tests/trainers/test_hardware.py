"""The device settings chosen for a run: CPU without a GPU, bf16 and checkpointing with one."""

from __future__ import annotations

import pytest

from trainers.common import TrainError, choose_hardware, training_arguments
from trainers.config import load_config


@pytest.fixture
def gpu(monkeypatch):
    """gpu(bf16=...) makes torch report a CUDA device."""
    import torch

    def make(bf16: bool = True) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16)

    for name in ("ACCELERATE_USE_CPU", "ACCELERATE_USE_FSDP", "WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    return make


def settings(config):
    h = choose_hardware(config)
    return h.use_cpu, h.bf16, h.fp16, h.gradient_checkpointing


def test_cpu_without_a_gpu(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert settings(load_config("sft")) == (True, False, False, False)
    with pytest.raises(TrainError, match="fp16 needs a GPU"):
        choose_hardware(load_config("sft", overrides={"precision": "fp16"}))


def test_bf16_and_checkpointing_on_a_gpu(gpu, monkeypatch):
    gpu(bf16=True)
    assert settings(load_config("dpo")) == (False, True, False, True)
    gpu(bf16=False)
    assert settings(load_config("dpo")) == (False, False, True, True)
    monkeypatch.setenv("ACCELERATE_USE_FSDP", "true")  # FSDP checkpoints activations itself
    assert settings(load_config("dpo"))[3] is False
    monkeypatch.setenv("ACCELERATE_USE_CPU", "True")  # accelerate launch --cpu
    assert settings(load_config("dpo")) == (True, False, False, False)


def test_explicit_settings_win(gpu):
    gpu()
    config = load_config("kto", overrides={"precision": "fp32", "gradient_checkpointing": False})
    assert settings(config) == (False, False, False, False)


def test_reporting_is_off_unless_asked(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    config = load_config("sft", overrides={"out": "o"})
    assert training_arguments(config, choose_hardware(config))["report_to"] == "none"
