"""A small validator for a Google API discovery document (``discovery#restDescription``).

A discovery document is not OpenAPI: its methods sit in nested ``resources`` (``httpMethod``,
``flatPath`` such as ``v1/text:synthesize``, query ``parameters``, a ``request`` and ``response``
schema by ``$ref``), and its ``schemas`` are JSON-Schema-like (``type``, ``properties``, ``items``,
``enum``, ``format``, ``additionalProperties``, ``$ref`` by schema id). This module checks an
exchange against one, and only what the document says:

* the method exists (HTTP method and path), and every query parameter is one of the method's or the
  API's common ones (``key``, ``alt``, …), of its type and enum;
* a JSON body (request or answer) has only the properties its schema names (Google's servers refuse
  an unknown field with ``Unknown name``), each of its type, enum and format (``byte`` is base64,
  ``int32`` an integer in range, ``int64`` a decimal string or integer);
* a field is required when its description starts with ``Required.`` — how Google's generator writes
  the ``REQUIRED`` field behaviour of the API's protocol buffers into the discovery document (the
  document has no ``required`` list). Answers' schemas mark no field so.

Thread safety: a `Discovery` is immutable after construction; its methods may run on any thread.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_INT32 = (-(2**31), 2**31 - 1)
_UINT32 = (0, 2**32 - 1)
_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]*={0,2}$")


@dataclass(frozen=True)
class Method:
    id: str
    http_method: str
    pattern: re.Pattern[str]
    description: Mapping[str, Any]


def _pattern(flat_path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", flat_path)
    regex = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(f"^/{regex}$")


class Discovery:
    """One discovery document, ready to check exchanges against."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.schemas: Mapping[str, Any] = document.get("schemas", {})
        self.common: Mapping[str, Any] = document.get("parameters", {})
        self.methods: list[Method] = []
        self._collect(document.get("resources", {}))

    def _collect(self, resources: Mapping[str, Any]) -> None:
        for resource in resources.values():
            for method in resource.get("methods", {}).values():
                path = method.get("flatPath", method["path"])
                self.methods.append(Method(method["id"], method["httpMethod"], _pattern(path), method))
            self._collect(resource.get("resources", {}))

    def method(self, http_method: str, path: str) -> Method | None:
        """The method that answers ``http_method path`` (path from the root, e.g. ``/v1/voices``)."""
        for method in self.methods:
            if method.http_method == http_method and method.pattern.match(path):
                return method
        return None

    # --- requests ---

    def request_problems(
        self, method: Method, *, query: Mapping[str, Sequence[str]], body: Any, has_body: bool
    ) -> list[str]:
        """What ``method``'s request breaks of the document (empty: nothing)."""
        problems: list[str] = []
        parameters = {**self.common, **method.description.get("parameters", {})}
        for name, values in query.items():
            parameter = parameters.get(name)
            if parameter is None or parameter.get("location") != "query":
                problems.append(f"query parameter {name!r}: {method.id} has no such parameter")
                continue
            for value in values:
                problems.extend(self._query_value_problems(name, value, parameter))
        for name, parameter in parameters.items():
            if parameter.get("required") and parameter.get("location") == "query" and name not in query:
                problems.append(f"query parameter {name!r}: required, missing")
        request_schema = method.description.get("request")
        if request_schema is None:
            if has_body:
                problems.append(f"body: {method.id} takes no request body")
        elif not has_body:
            problems.append(f"body: {method.id} needs a {request_schema['$ref']} body, none was sent")
        else:
            problems.extend(self.value_problems(body, request_schema, where="body"))
        return problems

    @staticmethod
    def _query_value_problems(name: str, value: str, parameter: Mapping[str, Any]) -> list[str]:
        kind = parameter.get("type", "string")
        if kind == "boolean" and value not in ("true", "false"):
            return [f"query parameter {name!r}: {value!r} is not a boolean"]
        if kind == "integer" and not re.fullmatch(r"-?\d+", value):
            return [f"query parameter {name!r}: {value!r} is not an integer"]
        if "enum" in parameter and value not in parameter["enum"]:
            return [f"query parameter {name!r}: {value!r} is not one of {parameter['enum']}"]
        return []

    # --- answers ---

    def response_problems(self, method: Method, body: Any) -> list[str]:
        """What ``method``'s successful JSON answer breaks of the document."""
        response_schema = method.description.get("response")
        if response_schema is None:
            return []
        return self.value_problems(body, response_schema, where="answer")

    # --- values ---

    def value_problems(self, value: Any, schema: Mapping[str, Any], *, where: str) -> list[str]:
        """Every way ``value`` departs from ``schema`` (a schema, or ``{"$ref": id}``)."""
        if "$ref" in schema:
            return self.value_problems(value, self.schemas[schema["$ref"]], where=where)
        kind = schema.get("type")
        if kind == "object":
            return self._object_problems(value, schema, where=where)
        if kind == "array":
            if not isinstance(value, list):
                return [f"{where}: expected an array, got {type(value).__name__}"]
            items = schema.get("items", {})
            return [
                p
                for index, item in enumerate(value)
                for p in self.value_problems(item, items, where=f"{where}[{index}]")
            ]
        return self._scalar_problems(value, schema, where=where)

    def _object_problems(self, value: Any, schema: Mapping[str, Any], *, where: str) -> list[str]:
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        properties: Mapping[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        problems: list[str] = []
        for name, item in value.items():
            if name in properties:
                problems.extend(self.value_problems(item, properties[name], where=f"{where}.{name}"))
            elif extra is not None:
                problems.extend(self.value_problems(item, extra, where=f"{where}.{name}"))
            else:
                known = ", ".join(sorted(properties)) or "none"
                problems.append(f"{where}.{name}: not a field of {schema.get('id', 'this object')} (known: {known})")
        for name, item in properties.items():
            if str(item.get("description", "")).startswith("Required.") and name not in value:
                problems.append(f"{where}.{name}: required (its description starts with 'Required.'), missing")
        return problems

    @staticmethod
    def _scalar_problems(value: Any, schema: Mapping[str, Any], *, where: str) -> list[str]:
        kind = schema.get("type")
        fmt = schema.get("format")
        if kind == "string":
            if fmt == "int64" and isinstance(value, int) and not isinstance(value, bool):
                return []
            if not isinstance(value, str):
                return [f"{where}: expected a string, got {type(value).__name__}"]
            if "enum" in schema and value not in schema["enum"]:
                return [f"{where}: {value!r} is not one of {schema['enum']}"]
            if fmt == "byte" and not _is_base64(value):
                return [f"{where}: not base64 (format 'byte')"]
            if fmt == "int64" and not re.fullmatch(r"-?\d+", value):
                return [f"{where}: {value!r} is not an int64 (a decimal string)"]
            return []
        if kind == "integer":
            if not isinstance(value, int) or isinstance(value, bool):
                return [f"{where}: expected an integer, got {type(value).__name__}"]
            low, high = _UINT32 if fmt == "uint32" else _INT32
            if fmt in ("int32", "uint32") and not low <= value <= high:
                return [f"{where}: {value} is out of the range of {fmt}"]
            return []
        if kind == "number":
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                return [f"{where}: expected a number, got {type(value).__name__}"]
            return []
        if kind == "boolean":
            return [] if isinstance(value, bool) else [f"{where}: expected a boolean, got {type(value).__name__}"]
        if kind == "any" or kind is None:
            return []
        return [f"{where}: the schema's type {kind!r} is unknown to this validator"]


def _is_base64(text: str) -> bool:
    if not _BASE64.match(text):
        return False
    try:
        if "-" in text or "_" in text:
            base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        else:
            base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
