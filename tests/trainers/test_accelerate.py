"""`gamelang train` under `accelerate launch`: two data-parallel processes on CPU (gloo), one summary."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gamelang.players.hf import load_model
from tests.conftest import ROOT

CONFIGS = sorted((ROOT / "examples" / "accelerate").glob("*.yaml"))


def test_sft_under_accelerate_launch_with_two_processes(tiny_model, data_file, tmp_path):
    out = tmp_path / "sft"
    accelerate = Path(sys.executable).parent / "accelerate"
    # `--cpu` makes accelerate start a single process unless MPI is set up; this config (MULTI_GPU) starts one
    # process per rank through torchrun, and with no GPU visible the trainer runs them on CPU over gloo
    config = ROOT / "examples" / "accelerate" / "cpu_two_processes.yaml"
    command = [str(accelerate), "launch", "--config_file", str(config), "-m", "gamelang",
               "train", "sft", "--model", str(tiny_model), "--data", str(data_file("sft")), "--out", str(out),
               "--max-steps", "2", "--batch-size", "1", "--set", "save_steps=2"]
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("sft finished: 2 steps") == 1, done.stdout  # only the main process reports
    assert "(cpu x 2, fp32)" in done.stdout
    assert (out / "checkpoint-2").is_dir()
    model, _ = load_model(str(out))
    assert type(model).__name__ == "LlamaForCausalLM"


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_example_configs_are_valid_accelerate_configs(path):
    from accelerate.commands.config.config_args import load_config_from_file

    config = load_config_from_file(str(path))  # refuses unknown keys
    assert config.num_processes >= 2
