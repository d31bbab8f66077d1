# Two commands set everything up on a fresh machine: `make play` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install play test bench train-example clean

install: $(STAMP)

# torch is pinned here (not in pyproject) so that the local CPU wheel is used and no CUDA
# packages are pulled; the extras then find it installed and keep it.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[hf,train,dev,gym,pettingzoo,lsp,verifiers]"
	touch $(STAMP)

play: install
	$(BIN)/gamelang play taboo

test: install
	$(BIN)/python -m pytest

# The performance figures of issue 14, each as a ratio measured in the same run (docs/performance.md):
# whole processes against `python -c pass`, the write path and the interpreter per player turn.
bench: install
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/writepath.py
	$(BIN)/python bench/interpreter.py
	$(BIN)/python bench/interpreter.py --all --repeat 5
	$(BIN)/python bench/compile.py

# Train a tiny model from scratch on shapes (SFT, then DPO, then GRPO) and measure it on held-out
# instances: about a quarter of an hour on two CPU cores (examples/README.md).
train-example: install
	$(BIN)/python examples/train_sft.py --out runs/train-example

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
