"""The OpenRLHF launchers use only flags that OpenRLHF 0.11's own argument parser accepts.

With OpenRLHF installed (`pip install --no-deps 'openrlhf==0.11.*'` is enough: its parser is built from the
installed source, see training/openrlhf_parser.py), the commands are parsed by that parser, values included.
Without it, they are checked against openrlhf_0.11.2_flags.json beside this file: every flag of the 0.11.2 parsers
(train_rm and train_ppo_ray) and whether it takes a value, taken from that wheel's source; v0.11.0 (commit
3c3be6234e0c) accepts the same flags for everything the launchers write.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.config import ConfigError, DiscConfig, GenConfig, resolve_config
from training.openrlhf import Launch, disc_command, gen_command
from training.openrlhf_parser import ParserUnavailable, check_flags, load_parser

SNAPSHOT = Path(__file__).with_name("openrlhf_0.11.2_flags.json")
DATA = Path("/data/release/disc/train.parquet")
EVAL = Path("/data/release/disc/validation.parquet")
OUT = Path("/ckpt/run")


def _installed() -> bool:
    try:
        load_parser("openrlhf.cli.train_rm")
    except ParserUnavailable:
        return False
    return True


def _check_against_snapshot(launch: Launch) -> None:
    known = json.loads(SNAPSHOT.read_text(encoding="utf-8"))["modules"][launch.module]
    flags = launch.flags
    index = 0
    while index < len(flags):
        flag = flags[index]
        assert flag in known, f"{launch.module} 0.11.2 has no flag {flag}"
        values = 0
        while index + 1 < len(flags) and not flags[index + 1].startswith("--"):
            index += 1
            values += 1
        expected = known[flag]
        assert values == expected if isinstance(expected, int) else values >= 1, f"{flag}: {values} value(s)"
        index += 1


def _commands() -> list[Launch]:
    gen_small = resolve_config(
        GenConfig, ["kl_coef=0.01", "entropy_coef=0.001", "colocate_all=false", "max_train_samples=100"]
    )
    return [
        disc_command(DiscConfig(), DATA, EVAL, OUT),
        disc_command(resolve_config(DiscConfig, ["packing_samples=false", "bf16=false"]), DATA, None, OUT),
        gen_command(GenConfig(), DATA, EVAL, OUT),
        gen_command(gen_small, DATA, None, OUT),
    ]


@pytest.mark.parametrize("launch", _commands(), ids=["disc", "disc-options", "gen", "gen-options"])
def test_dry_run_commands_use_only_flags_openrlhf_accepts(launch: Launch) -> None:
    _check_against_snapshot(launch)
    if _installed():
        namespace = vars(check_flags(launch.module, launch.flags))
        # The parser read our values, with its own types.
        if launch.module.endswith("train_rm"):
            assert namespace["data.chosen_key"] == "chosen" and namespace["data.apply_chat_template"] is True
        else:
            assert namespace["algo.advantage.estimator"] == "group_norm"
            assert namespace["data.label_key"] == "reward_model"


def test_paper_hyperparameters_reach_the_commands() -> None:
    disc = disc_command(DiscConfig(), DATA, EVAL, OUT).argv
    gen = gen_command(GenConfig(), DATA, EVAL, OUT).argv

    def value(argv: list[str], flag: str) -> str:
        return argv[argv.index(flag) + 1]

    # METHOD.md: Disc lr 4e-6, batch 256, 2 epochs, max length 16,384, ZeRO-3, Qwen3-4B-Instruct-2507.
    assert float(value(disc, "--adam.lr")) == 4e-6
    assert value(disc, "--train.batch_size") == "256"
    assert value(disc, "--train.max_epochs") == "2"
    assert value(disc, "--data.max_len") == "16384"
    assert value(disc, "--ds.zero_stage") == "3"
    assert value(disc, "--model.model_name_or_path") == "Qwen/Qwen3-4B-Instruct-2507"
    # Gen: lr 1e-6, 128 prompts x 8 rollouts, updates of 32 prompts (256 sequences), 16,384 + 4,096 tokens, no KL.
    assert float(value(gen, "--actor.adam.lr")) == 1e-6
    assert value(gen, "--rollout.batch_size") == "128"
    assert value(gen, "--rollout.n_samples_per_prompt") == "8"
    assert value(gen, "--train.batch_size") == "256"
    assert value(gen, "--data.max_len") == str(16384 + 4096)
    assert value(gen, "--rollout.max_new_tokens") == "4096"
    assert float(value(gen, "--algo.kl.init_coef")) == 0.0 and "--algo.kl.use_loss" not in gen
    assert value(gen, "--algo.advantage.estimator") == "group_norm"
    assert value(gen, "--actor.model_name_or_path") == "Qwen/Qwen3-4B-Thinking-2507"
    assert value(gen, "--reward.remote_url").endswith("training/rewards.py")


@pytest.mark.skipif(not _installed(), reason="OpenRLHF is not installed: pip install --no-deps 'openrlhf==0.11.*'")
def test_the_parser_check_catches_a_wrong_flag_and_a_wrong_value() -> None:
    with pytest.raises(ValueError, match=r"has no flag --data\.chosen\b"):
        check_flags("openrlhf.cli.train_rm", ["--data.chosen", "chosen"])  # a prefix argparse itself would take
    with pytest.raises(ValueError, match="invalid choice"):
        check_flags("openrlhf.cli.train_ppo_ray", ["--algo.advantage.estimator", "grpo"])


def test_colocated_topology_must_add_up() -> None:
    config = resolve_config(GenConfig, ["vllm_engines=4"])
    with pytest.raises(ConfigError, match="colocate_all needs"):
        gen_command(config, DATA, None, OUT)


def regenerate_snapshot() -> None:  # pragma: no cover - run by hand after an OpenRLHF upgrade
    from training.openrlhf_parser import installed_version

    modules = {}
    for module in ("openrlhf.cli.train_rm", "openrlhf.cli.train_ppo_ray"):
        parser = load_parser(module)
        modules[module] = {
            option: 0 if action.nargs == 0 else (action.nargs if action.nargs is not None else 1)
            for action in parser._actions
            for option in action.option_strings
            if option.startswith("--")
        }
    data = {
        "openrlhf_version": installed_version(),
        "source": "the installed OpenRLHF's parsers (training/openrlhf_parser.py)",
        "modules": modules,
    }
    SNAPSHOT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
