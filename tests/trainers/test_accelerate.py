"""`gamelang train` under `accelerate launch`: two data-parallel processes on CPU (gloo), one summary."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gamelang.players.hf import load_model


def test_sft_under_accelerate_launch_with_two_processes(tiny_model, data_file, tmp_path):
    out = tmp_path / "sft"
    accelerate = Path(sys.executable).parent / "accelerate"
    # `--cpu` makes accelerate start a single process unless MPI is set up; `--multi_gpu` starts one process
    # per rank through torchrun, and with no GPU visible the trainer runs them on CPU over gloo
    command = [str(accelerate), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
               "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "gamelang",
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
