"""Training configs: defaults, YAML files, overrides, and errors that name the key."""

from __future__ import annotations

import pytest

from trainers.config import ConfigError, keys_table, load_config, parse_assignment


def test_defaults_and_method_learning_rates():
    sft = load_config("sft")
    assert (sft.epochs, sft.batch_size, sft.lora, sft.report_to, sft.assistant_only_loss) == (1.0, 4, False, "none", True)
    assert sft.learning_rate() == 2e-5 and load_config("dpo").learning_rate() == 1e-6
    assert load_config("sft", overrides={"lr": 3e-4}).learning_rate() == 3e-4


def test_file_then_flags(tmp_path):
    path = tmp_path / "train.yaml"
    path.write_text("model: ./base\ndata: data/sft.jsonl\nout: ckpt\nlr: 1.0e-4\nmax_steps: 50\nlora: true\n"
                    "target_modules: [q_proj, v_proj]\n")
    config = load_config("sft", path, {"max_steps": 7, "lr": None, "lora": False})
    assert config.data == ["data/sft.jsonl"] and config.lr == 1e-4  # None means: not given on the command line
    assert config.max_steps == 7 and config.lora is False and config.target_modules == ["q_proj", "v_proj"]


@pytest.mark.parametrize("key, message", [
    ("lerning_rate", "unknown key 'lerning_rate'"),
    ("learning_rate", "gamelang calls it 'lr'"),
    ("bach_size", "did you mean 'batch_size'?"),
    ("beta", "key 'beta' is for dpo, kto, grpo, not sft"),
])
def test_unknown_keys_are_named(tmp_path, key, message):
    path = tmp_path / "train.yaml"
    path.write_text(f"{key}: 1\n")
    with pytest.raises(ConfigError, match=message.replace("?", r"\?")) as err:
        load_config("sft", path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("text, message", [
    ("batch_size: zero\n", "'batch_size': Input should be a valid integer"),
    ("max_steps: 0\n", "max_steps must be at least 1"),
    ("precision: fp8\n", "'precision': Input should be 'auto', 'bf16', 'fp16' or 'fp32'"),
    ("- a list\n", "must hold a mapping"),
    ("model: [unclosed\n", "is not valid YAML"),
])
def test_bad_values_are_clear(tmp_path, text, message):
    path = tmp_path / "train.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config("sft", path)


def test_kto_needs_batches_of_two():
    with pytest.raises(ConfigError, match="kto needs batch_size of at least 2"):
        load_config("kto", overrides={"batch_size": 1})


def test_set_assignments_read_yaml_values():
    assert parse_assignment("beta=0.2") == ("beta", 0.2)
    assert parse_assignment("target_modules=[q_proj, v_proj]") == ("target_modules", ["q_proj", "v_proj"])
    assert parse_assignment("max_length=null") == ("max_length", None)
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_assignment("beta")


def test_missing_config_file_is_clear(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config .*nope.yaml"):
        load_config("sft", tmp_path / "nope.yaml")


def test_the_docs_list_every_key_with_its_default():
    from tests.conftest import ROOT

    assert keys_table() in (ROOT / "docs" / "training.md").read_text(), \
        "regenerate the table in docs/training.md: python -c 'import trainers.config as c; print(c.keys_table())'"


def test_the_docs_example_config_is_valid(tmp_path):
    import re

    from tests.conftest import ROOT

    text = (ROOT / "docs" / "training.md").read_text()
    example = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    (tmp_path / "train.yaml").write_text(example)
    config = load_config("sft", tmp_path / "train.yaml")
    assert config.lora and config.data == ["data/sft.jsonl"] and config.report_to == "tensorboard"
