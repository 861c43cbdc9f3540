"""The official Bot API description, compiled once into parameter checkers.

``spec/api.json`` is the machine-readable Bot API (see ``spec/LICENSE``). At start-up every method's fields are
turned into small coercion closures, so checking a call costs a dict lookup per parameter and no re-reading of the
spec. Values arrive as strings from forms and query strings, as native JSON from JSON bodies, and complex fields
(``reply_markup``, ``entities`` …) as JSON text inside forms, which is how PTB sends them; all three are accepted,
as Telegram accepts them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from bot.sandbox.errors import ApiError, bad_request

Coercer = Callable[[Any, str], Any]
"""Takes a raw value and the dotted path used in error messages; returns the value in its JSON type."""

_INT = re.compile(r"-?\d+\Z")
_DISCRIMINATOR = re.compile(r'(?:must be|always) "?([a-z_]+)"?')
_TRUE = {"true": True, "1": True, "false": False, "0": False}
_JSON_LABELS = {"reply_markup": "reply keyboard markup", "entities": "entities", "caption_entities": "entities"}
_EMPTY_IS_A_VALUE = frozenset({("setWebhook", "url")})
"""Parameters where an empty string means something (``setWebhook(url="")`` removes the webhook)."""


@dataclass(frozen=True, slots=True)
class Upload:
    """A file that arrived in a multipart request."""

    filename: str
    content_type: str
    data: bytes

    def describe(self) -> dict[str, Any]:
        """What the calls log shows instead of the bytes."""
        return {"upload": self.filename, "size": len(self.data), "mime_type": self.content_type}


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """One Bot API method: its canonical name, which parameters it needs, and how to coerce each."""

    name: str
    required: tuple[str, ...]
    coercers: Mapping[str, Coercer]
    returns: tuple[str, ...]


def _type_error(path: str, expected: str) -> ApiError:
    return bad_request(f'field "{path}" must be of type {expected}')


def _coerce_int(value: Any, path: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT.match(value):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _type_error(path, "Integer")


def _coerce_float(value: Any, path: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise _type_error(path, "Float")


def _coerce_str(value: Any, path: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise _type_error(path, "String")


def _coerce_bool(value: Any, path: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        found = _TRUE.get(value.strip().lower())
        if found is not None:
            return found
    raise _type_error(path, "Boolean")


def _coerce_int_or_str(value: Any, path: str) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        return int(value) if _INT.match(value) else value
    raise _type_error(path, "Integer or String")


def _coerce_input_file(value: Any, path: str) -> Upload | str:
    if isinstance(value, (Upload, str)):
        return value
    raise _type_error(path, "InputFile or String")


def _load_json_text(value: Any, path: str) -> Any:
    """Complex values inside forms arrive as JSON text; decode it the way Telegram does."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        label = _JSON_LABELS.get(path, path)
        raise bad_request(f"can't parse {label} JSON object") from None


_PRIMITIVES: dict[str, Coercer] = {
    "Integer": _coerce_int,
    "Float": _coerce_float,
    "String": _coerce_str,
    "Boolean": _coerce_bool,
    "True": _coerce_bool,
    "InputFile": _coerce_input_file,
}


class ApiSpec:
    """The compiled spec: look a method up case-insensitively, then validate a call's parameters."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version: str = raw.get("version", "?")
        self._types: Mapping[str, Any] = raw["types"]
        self._compiled: dict[str, Coercer] = {}
        self.methods: dict[str, MethodSpec] = {}
        for name, method in raw["methods"].items():
            fields = method.get("fields", [])
            self.methods[name.lower()] = MethodSpec(
                name=name,
                required=tuple(f["name"] for f in fields if f.get("required")),
                coercers={f["name"]: self._compile_field(f["types"], top_level=True) for f in fields},
                returns=tuple(method.get("returns", [])),
            )

    def method(self, name: str) -> MethodSpec | None:
        """Telegram treats method names case-insensitively, so ``sendmessage`` works too."""
        return self.methods.get(name.lower())

    def check_result(self, method: MethodSpec, value: Any) -> None:
        """Raise unless ``value`` is a valid result of ``method`` (tests use it on everything returned)."""
        errors: list[ApiError] = []
        for type_name in method.returns:
            try:
                self._compile_one(type_name)(value, "result")
                return
            except ApiError as error:
                errors.append(error)
        raise errors[0] if errors else bad_request(f"{method.name} has no declared result type")

    def validate(self, method: MethodSpec, params: Mapping[str, Any]) -> dict[str, Any]:
        """Return the coerced parameters or raise the 400 Telegram would answer.

        Unknown parameters are dropped, as Telegram ignores them; an empty string counts as absent, as it does
        in Telegram's form parsing.
        """
        out: dict[str, Any] = {}
        coercers = method.coercers
        for name, value in params.items():
            coerce = coercers.get(name)
            if coerce is None or value is None:
                continue
            if value == "" and (method.name, name) not in _EMPTY_IS_A_VALUE:
                continue
            out[name] = coerce(value, name)
        for name in method.required:
            if name not in out:
                raise missing_parameter(method.name, name)
        return out

    # -- compilation -------------------------------------------------------------------------------------

    def _compile_field(self, types: list[str], *, top_level: bool) -> Coercer:
        if types == ["Integer", "String"]:
            return _coerce_int_or_str
        if "InputFile" in types:
            return _coerce_input_file
        alternatives = [self._compile_one(t) for t in types]
        if len(alternatives) == 1:
            single = alternatives[0]
            if not top_level or types[0] in _PRIMITIVES:
                return single

            def decode_then(value: Any, path: str) -> Any:
                return single(_load_json_text(value, path), path)

            return decode_then
        return self._union(alternatives, " or ".join(types), decode=top_level)

    def _compile_one(self, type_name: str) -> Coercer:
        primitive = _PRIMITIVES.get(type_name)
        if primitive is not None:
            return primitive
        if type_name.startswith("Array of "):
            return self._array(self._compile_one(type_name.removeprefix("Array of ")), type_name)
        return self._object(type_name)

    @staticmethod
    def _array(item: Coercer, type_name: str) -> Coercer:
        def coerce(value: Any, path: str) -> list[Any]:
            if not isinstance(value, list):
                raise _type_error(path, type_name)
            return [item(element, f"{path}[{index}]") for index, element in enumerate(value)]

        return coerce

    @staticmethod
    def _union(alternatives: list[Coercer], label: str, *, decode: bool) -> Coercer:
        def coerce(value: Any, path: str) -> Any:
            if decode:
                value = _load_json_text(value, path)
            first_error: ApiError | None = None
            for alternative in alternatives:
                try:
                    return alternative(value, path)
                except ApiError as error:
                    first_error = first_error or error
            if path == "reply_markup":
                raise bad_request("can't parse reply keyboard markup JSON object")
            raise first_error or _type_error(path, label)

        return coerce

    def _object(self, type_name: str) -> Coercer:
        cached = self._compiled.get(type_name)
        if cached is not None:
            return cached
        spec = self._types.get(type_name)
        if spec is None:
            return _coerce_str if type_name == "String" else _coerce_any

        # Insert a forwarder first so self-referencing types compile without infinite recursion.
        holder: list[Coercer] = []

        def forward(value: Any, path: str) -> Any:
            return holder[0](value, path)

        self._compiled[type_name] = forward
        real = self._compile_subtypes(spec) if spec.get("subtypes") else self._compile_fields(spec)
        holder.append(real)
        self._compiled[type_name] = real
        return real

    def _compile_fields(self, spec: Mapping[str, Any]) -> Coercer:
        type_name = spec["name"]
        fields = spec.get("fields", [])
        required = tuple(f["name"] for f in fields if f.get("required"))
        coercers = {f["name"]: self._compile_field(f["types"], top_level=False) for f in fields}

        def coerce(value: Any, path: str) -> dict[str, Any]:
            if not isinstance(value, dict):
                raise _type_error(path, type_name)
            out = dict(value)
            for key, item in value.items():
                field = coercers.get(key)
                if field is not None and item is not None:
                    out[key] = field(item, f"{path}.{key}")
            for key in required:
                if value.get(key) is None:
                    raise bad_request(f'field "{path}.{key}" of the {type_name} is required')
            return out

        return coerce

    def _compile_subtypes(self, spec: Mapping[str, Any]) -> Coercer:
        by_tag: dict[str, Coercer] = {}
        tag_field = "type"
        alternatives: list[Coercer] = []
        for subtype in spec["subtypes"]:
            sub = self._types.get(subtype, {})
            alternatives.append(self._object(subtype))
            for field in sub.get("fields", []):
                if field["name"] in ("type", "status", "source"):
                    match = _DISCRIMINATOR.search(field.get("description", ""))
                    if match:
                        tag_field = field["name"]
                        by_tag[match.group(1)] = self._object(subtype)
                    break
        type_name = spec["name"]
        if not by_tag:
            return self._union(alternatives, type_name, decode=False)

        def coerce(value: Any, path: str) -> Any:
            if not isinstance(value, dict):
                raise _type_error(path, type_name)
            chosen = by_tag.get(str(value.get(tag_field)))
            if chosen is None:
                raise bad_request(f'unsupported {type_name} {tag_field} "{value.get(tag_field)}"')
            return chosen(value, path)

        return coerce


def _coerce_any(value: Any, path: str) -> Any:
    return value


_MISSING_WORDING = {
    ("sendMessage", "text"): "message text is empty",
    ("editMessageText", "text"): "message text is empty",
    ("getFile", "file_id"): "invalid file_id",
    ("answerCallbackQuery", "callback_query_id"): "QUERY_ID_INVALID",
}


def missing_parameter(method: str, name: str) -> ApiError:
    """Telegram's wording where it is known, a clear generic one otherwise."""
    wording = _MISSING_WORDING.get((method, name))
    if wording is None:
        wording = "chat_id is empty" if name == "chat_id" else f"parameter {name} is required"
    return bad_request(wording)


@lru_cache(maxsize=1)
def load_spec() -> ApiSpec:
    """Read and compile the vendored spec once per process (it is ~650 kB of JSON)."""
    text = resources.files("bot.sandbox").joinpath("spec/api.json").read_text(encoding="utf-8")
    return ApiSpec(json.loads(text))
