"""A tiny random-weight Qwen3 chat model with tool support, built locally (no Hub): for engine tests and benches.

    build_tiny_qwen3(path)            # importable; needs torch, transformers and tokenizers, nothing from tests
    python tests/sampling/tiny_model.py PATH [--layers 2] [--dtype bfloat16]

The tokenizer is a byte-level BPE trained here on a small built-in corpus, with Qwen's chat tokens; the chat
template is a Qwen3-style Jinja template written here: it lists the tools in the system turn, renders assistant
tool calls as <tool_call> JSON blocks and tool results as <tool_response> blocks, and honours enable_thinking.
The weights are random: the model writes gibberish, quickly, which is all an engine test needs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
# Qwen keeps these as added, non-special tokens, so they survive detokenization and parsers can see them.
MARKUP_TOKENS = ("<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<think>", "</think>")

CHAT_TEMPLATE = """
{%- set sys_first = messages and messages[0].role == 'system' -%}
{%- if tools -%}
{{- '<|im_start|>system\\n' -}}
{%- if sys_first -%}{{- messages[0].content + '\\n\\n' -}}{%- endif -%}
{{- '# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\n' -}}
{{- 'You are provided with function signatures within <tools></tools> XML tags:\\n<tools>' -}}
{%- for tool in tools -%}{{- '\\n' + (tool | tojson) -}}{%- endfor -%}
{{- '\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within ' -}}
{{- '<tool_call></tool_call> XML tags:\\n<tool_call>\\n{"name": <function-name>, "arguments": <args-json-object>}' -}}
{{- '\\n</tool_call><|im_end|>\\n' -}}
{%- elif sys_first -%}
{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' -}}
{%- endif -%}
{%- for message in messages -%}
{%- if message.role == 'system' -%}
{%- if not loop.first -%}{{- '<|im_start|>system\\n' + message.content + '<|im_end|>\\n' -}}{%- endif -%}
{%- elif message.role == 'user' -%}
{{- '<|im_start|>user\\n' + message.content + '<|im_end|>\\n' -}}
{%- elif message.role == 'assistant' -%}
{{- '<|im_start|>assistant\\n' + (message.content or '') -}}
{%- for tool_call in (message.tool_calls or []) -%}
{%- set call = tool_call.function if tool_call.function is defined else tool_call -%}
{{- '\\n<tool_call>\\n{"name": "' + call.name + '", "arguments": ' -}}
{%- if call.arguments is string -%}{{- call.arguments -}}{%- else -%}{{- call.arguments | tojson -}}{%- endif -%}
{{- '}\\n</tool_call>' -}}
{%- endfor -%}
{{- '<|im_end|>\\n' -}}
{%- elif message.role == 'tool' -%}
{{- '<|im_start|>user\\n<tool_response>\\n' + message.content + '\\n</tool_response><|im_end|>\\n' -}}
{%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
{{- '<|im_start|>assistant\\n' -}}
{%- if enable_thinking is defined and enable_thinking is false -%}{{- '<think>\\n\\n</think>\\n\\n' -}}{%- endif -%}
{%- endif -%}
""".strip()

_WORD_TEXT = (
    "the a an of to in for on with and or is are was be get set find search send book weather city date time "
    "name value number list string integer boolean object array required properties description type function "
    "arguments call tool user assistant system please what how many when where who which can you me my I it "
    "London Paris Tokyo New York email subject body hotel flight price stock temperature units metric celsius "
    "true false null limit page query location id amount currency USD EUR convert calculate area radius length"
)
_WORDS = _WORD_TEXT.split()


def _corpus() -> list[str]:
    lines = [" ".join(_WORDS[i : i + 12]) for i in range(0, len(_WORDS), 3)]
    for i, word in enumerate(_WORDS):
        call = {"name": f"get_{word.lower()}", "arguments": {"query": word, "limit": i % 10, "flag": i % 2 == 0}}
        lines.append("<tool_call>\n" + json.dumps(call) + "\n</tool_call>")
        lines.append(json.dumps({"type": "object", "properties": {word: {"type": "string"}}, "required": [word]}))
    lines.append(CHAT_TEMPLATE)
    return lines * 3


def build_tiny_qwen3(
    path: str | Path,
    *,
    layers: int = 2,
    hidden_size: int = 64,
    vocab_size: int = 1024,
    dtype: str = "bfloat16",
    seed: int = 0,
) -> Path:
    """Write a tiny random Qwen3ForCausalLM, its tokenizer and chat template to ``path``; returns ``path``.

    head_dim is 64 (what vLLM's CPU attention supports); the weights are seeded, so the same call makes the same
    model.
    """
    import torch
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen3Config, Qwen3ForCausalLM

    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - len(MARKUP_TOKENS),
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_corpus(), trainer=trainer)
    tokenizer.add_tokens([AddedToken(token, special=False, normalized=False) for token in MARKUP_TOKENS])
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        bos_token=None,
        chat_template=CHAT_TEMPLATE,
        model_max_length=4096,
    )
    fast.save_pretrained(out)

    im_end = fast.convert_tokens_to_ids("<|im_end|>")
    pad = fast.convert_tokens_to_ids("<|endoftext|>")
    config = Qwen3Config(
        vocab_size=-(-len(fast) // 64) * 64,
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=64,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        bos_token_id=pad,
        eos_token_id=im_end,
        pad_token_id=pad,
        torch_dtype=dtype,
    )
    torch.manual_seed(seed)
    model = Qwen3ForCausalLM(config).to(getattr(torch, dtype))
    model.generation_config.eos_token_id = [im_end, pad]
    model.generation_config.pad_token_id = pad
    model.save_pretrained(out, safe_serialization=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--dtype", default="bfloat16", choices=("bfloat16", "float32"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(build_tiny_qwen3(args.path, layers=args.layers, dtype=args.dtype, seed=args.seed))


if __name__ == "__main__":
    main()
