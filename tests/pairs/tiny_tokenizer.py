"""A tiny chat tokenizer built locally (no Hub) with the Qwen3-style chat template of tests/sampling/tiny_model.py.

Only a tokenizer: the format tests need a chat template and token ids, not a model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.sampling.tiny_model import CHAT_TEMPLATE, MARKUP_TOKENS, SPECIAL_TOKENS

_CORPUS = (
    "what is the weather in Paris Lyon London today please get_weather city unit celsius fahrenheit",
    '{"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}} {"type": "object", "properties": {}}',
    "system user assistant tool you are a helpful assistant functions tools call json object name arguments",
    CHAT_TEMPLATE,
)


def build_tiny_tokenizer(path: Path) -> Any:
    """A PreTrainedTokenizerFast (byte-level BPE, Qwen chat tokens, eos <|im_end|>) saved to and loaded from path."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(_CORPUS) * 3, trainer=trainer)
    tokenizer.add_tokens([AddedToken(token, special=False, normalized=False) for token in MARKUP_TOKENS])
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        chat_template=CHAT_TEMPLATE,
        model_max_length=8192,
    )
    fast.save_pretrained(path)
    return AutoTokenizer.from_pretrained(path)
