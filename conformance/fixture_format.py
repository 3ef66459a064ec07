"""The YAML fixture format: writing it deterministically, reading it safely.

One file per API. Inputs are float32 values written as the shortest decimal that reads
back as the same float32 (always with a dot and a signed exponent, so YAML 1.1 reads a
float); shapes are explicit. Expected values have 17 significant digits, per profile,
each with its absolute tolerance rounded *up* to 3 digits. A file that fails any check
raises ``FixtureError`` naming the file, the case id and the field.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

__all__ = [
    "FORMAT",
    "FixtureError",
    "LoadedCase",
    "Expected",
    "Output",
    "format_float32",
    "format_decimal",
    "format_tolerance",
    "load_fixture_text",
    "load_fixture_file",
    "load_schema",
]

FORMAT = "keras-conformance/1"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FixtureError(ValueError):
    """A fixture file is malformed; the message names the file, the case and the field."""

    def __init__(self, file: str, case_id: str | None, where: str, message: str):
        self.file, self.case_id, self.where = file, case_id, where
        loc = f"{file}" + (f" case {case_id!r}" if case_id else "") + (f" at {where}" if where else "")
        super().__init__(f"{loc}: {message}")


# --------------------------------------------------------------------------- writing
def format_float32(x: float | np.floating) -> str:
    """A decimal that is *exactly* the float32 value, in a YAML-1.1-safe form.

    It is Python's shortest repr of the float32 widened to float64 (at most 17 digits),
    so reading it as a double gives the float32 exactly and rounding it to float32
    changes nothing: readers in any language get the same bits.
    """
    f = np.float32(x)
    if not np.isfinite(f):
        return ".nan" if np.isnan(f) else (".inf" if f > 0 else "-.inf")
    s = _yaml_safe_exponent(repr(float(f)))
    assert float(s) == float(f), (s, f)
    return s


def _yaml_safe_exponent(s: str) -> str:
    """PyYAML (YAML 1.1) reads ``1e-07`` as a string: a float needs a dot and a signed
    exponent (``1.0e-07``)."""
    if "e" in s:
        mant, exp = s.split("e")
        if "." not in mant:
            mant += ".0"
        if exp[0] not in "+-":
            exp = "+" + exp
        s = f"{mant}e{exp}"
    elif "." not in s and s not in (".inf", "-.inf", ".nan"):
        s += ".0"
    return s


def format_decimal(v, digits: int = 17) -> str:
    """An mpmath number with ``digits`` significant digits, YAML-1.1-safe."""
    import mpmath

    if v == 0:
        return "0.0"
    return _yaml_safe_exponent(mpmath.nstr(v, digits, strip_zeros=False, min_fixed=-4, max_fixed=8))


def format_tolerance(t) -> str:
    """A tolerance rounded up to 3 significant digits (never below the rule's value)."""
    import mpmath

    t = mpmath.mpf(t)
    if t == 0:
        return "0.0"
    e = int(mpmath.floor(mpmath.log10(t))) - 2
    scaled = mpmath.ceil(t / mpmath.mpf(10) ** e)
    return _yaml_safe_exponent(mpmath.nstr(scaled * mpmath.mpf(10) ** e, 3, min_fixed=-4, max_fixed=8))


# --------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class Output:
    """One expected output: float64 values (from 17 digits), absolute tolerances, shape."""

    shape: tuple[int, ...]
    values: np.ndarray
    tol: np.ndarray


@dataclass(frozen=True)
class Expected:
    """What one profile requires of a case: outputs, or an error of a kind."""

    outputs: tuple[Output, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class LoadedCase:
    """A case as read from a fixture file, inputs as float32 arrays."""

    id: str
    api: str
    tier: str
    params: dict[str, Any]
    inputs: dict[str, Any]
    expected: dict[str, Expected]
    note: str
    file: str


def load_schema() -> dict:
    return json.loads(resources.files("conformance").joinpath("fixture.schema.json").read_text())


_VALIDATOR = None
_FAST = None


def _validator():
    """jsonschema's validator: slow, but its errors carry the path to the bad field."""
    global _VALIDATOR
    if _VALIDATOR is None:
        import jsonschema

        _VALIDATOR = jsonschema.Draft7Validator(load_schema())
    return _VALIDATOR


def _fast_valid(doc) -> bool:
    """A compiled validator (fastjsonschema) for the common case of a valid file; False
    sends the file to jsonschema, whose verdict and message are the ones reported."""
    global _FAST
    if _FAST is None:
        try:
            import fastjsonschema
        except ImportError:
            _FAST = False
        else:
            _FAST = fastjsonschema.compile(load_schema())
    if _FAST is False:
        return False
    try:
        _FAST(doc)
    except Exception:  # noqa: BLE001 - any complaint: let jsonschema decide and explain
        return False
    return True


def _path(error) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(top)"


def _array(file, case_id, where, node) -> np.ndarray:
    shape = tuple(node["shape"])
    vals = node["values"]
    if math.prod(shape) != len(vals):
        raise FixtureError(
            file, case_id, where, f"shape {list(shape)} needs {math.prod(shape)} values, got {len(vals)}"
        )
    arr = _floats(file, case_id, f"{where}/values", vals)
    with np.errstate(over="ignore"):
        f32 = arr.astype(np.float32)
    bad = np.flatnonzero((f32.astype(np.float64) != arr) & ~np.isnan(arr))
    if bad.size:
        i = int(bad[0])
        raise FixtureError(file, case_id, f"{where}/values/{i}", f"{vals[i]!r} is not exactly a float32")
    return f32.reshape(shape)


def _output(file, case_id, where, node) -> Output:
    shape = tuple(node["shape"])
    vals, tol = node["values"], node["tol"]
    n = math.prod(shape)
    if len(vals) != n or len(tol) != n:
        raise FixtureError(file, case_id, where, f"shape {list(shape)} needs {n} values and tolerances")
    return Output(
        shape,
        _floats(file, case_id, f"{where}/values", vals).reshape(shape),
        _floats(file, case_id, f"{where}/tol", tol).reshape(shape),
    )


def _floats(file, case_id, where, vals) -> np.ndarray:
    try:
        return np.asarray(vals, dtype=np.float64)
    except (OverflowError, ValueError, TypeError) as exc:
        raise FixtureError(file, case_id, where, f"not representable as float64: {exc}") from None


def _cache_dir() -> Path | None:
    """Where validated documents are cached (``KERAS_CONFORMANCE_CACHE=off`` disables it)."""
    if os.environ.get("KERAS_CONFORMANCE_CACHE", "").lower() in ("0", "off", "no", "false"):
        return None
    base = os.environ.get("KERAS_CONFORMANCE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "keras-conformance"
    )
    return Path(base)


def _cache_get(key: str):
    d = _cache_dir()
    if d is None:
        return None
    try:
        return json.loads((d / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _cache_put(key: str, doc) -> None:
    d = _cache_dir()
    if d is None:
        return
    try:
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(doc), encoding="utf-8")
        os.replace(tmp, d / f"{key}.json")
    except (OSError, TypeError, ValueError):
        pass  # a cache that cannot be written only costs time


def load_fixture_text(text: str, file: str = "<string>") -> tuple[dict, list[LoadedCase]]:
    """Parse and check one fixture file; returns its header and its cases.

    Parsing YAML and validating the schema dominate collection time, so a document that
    passed both is cached as JSON under the sha256 of its text: the same bytes load
    without either next time. The semantic checks below run on every load, and a cached
    document that fails them is discarded and the file loaded the slow way.
    """
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    cached = _cache_get(key)
    if isinstance(cached, dict):
        try:
            return _build(cached, file)
        except Exception:  # noqa: BLE001 - a damaged cache entry: fall back to the YAML
            pass
    header, cases, doc = _parse_and_validate(text, file)
    _cache_put(key, doc)
    return header, cases


def _parse_and_validate(text: str, file: str):
    try:
        # Aliases are no part of the format, and nested ones make validation exponential
        # (a "billion laughs" document): refuse them before building anything.
        if "*" in text:  # an alias needs a '*'; generated fixtures have none
            for event in yaml.parse(text, Loader=_Loader):
                if isinstance(event, yaml.AliasEvent):
                    raise FixtureError(file, None, "", f"YAML aliases (*{event.anchor}) are not allowed in fixtures")
        doc = yaml.load(text, Loader=_Loader)  # safe loader: Python tags are refused
    except yaml.YAMLError as exc:
        raise FixtureError(file, None, "", f"not valid (safe) YAML: {exc}") from None
    errors = [] if _fast_valid(doc) else sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        case_id = None
        if isinstance(doc, dict) and len(e.absolute_path) >= 2 and e.absolute_path[0] == "cases":
            try:
                case_id = doc["cases"][e.absolute_path[1]].get("id")
            except (IndexError, AttributeError, TypeError, KeyError):
                case_id = None
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise FixtureError(file, case_id, _path(e), f"schema: {e.message}{more}")
    header, cases = _build(doc, file)
    return header, cases, doc


def _build(doc: dict, file: str) -> tuple[dict, list[LoadedCase]]:
    """The semantic checks and the cases of a schema-valid document."""
    cases: list[LoadedCase] = []
    seen: set[str] = set()
    for i, c in enumerate(doc["cases"]):
        cid = c["id"]
        if cid in seen:
            raise FixtureError(file, cid, f"cases/{i}/id", "duplicate case id")
        seen.add(cid)
        where = f"cases/{i}/inputs"
        if "steps" in c["inputs"]:
            steps = []
            for j, st in enumerate(c["inputs"]["steps"]):
                s = {"op": st["op"]}
                for k in ("y_true", "y_pred", "sample_weight"):
                    if k in st:
                        s[k] = _array(file, cid, f"{where}/steps/{j}/{k}", st[k])
                steps.append(s)
            inputs = {"steps": steps}
        else:
            inputs = {k: _array(file, cid, f"{where}/{k}", v) for k, v in c["inputs"].items()}
        expected = {}
        for prof, e in c["expected"].items():
            if "error" in e:
                expected[prof] = Expected(error=e["error"])
            else:
                outs = tuple(
                    _output(file, cid, f"cases/{i}/expected/{prof}/outputs/{j}", o) for j, o in enumerate(e["outputs"])
                )
                expected[prof] = Expected(outputs=outs)
        cases.append(
            LoadedCase(
                cid, doc["api"], c["tier"], dict(c.get("params") or {}), inputs, expected, c.get("note", ""), file
            )
        )
    header = {k: v for k, v in doc.items() if k != "cases"}
    return header, cases


def check_manifest(path: Path, text: str) -> None:
    """If the file's directory has a MANIFEST.json (generate writes one), the file must be
    listed there with the same sha256: a hand edit or a truncated copy is caught."""
    manifest_path = path.parent / "MANIFEST.json"
    if not manifest_path.is_file():
        return
    try:
        files = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise FixtureError(str(manifest_path), None, "", f"unreadable manifest: {exc}") from None
    entry = files.get(path.name) if isinstance(files, dict) else None
    if entry is None:
        raise FixtureError(str(path), None, "", "is not listed in MANIFEST.json beside it")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest != entry.get("sha256"):
        raise FixtureError(
            str(path),
            None,
            "",
            f"sha256 {digest[:12]}... does not match MANIFEST.json ({str(entry.get('sha256'))[:12]}...): "
            "edited by hand or damaged; regenerate with `keras-conformance generate`",
        )


def load_fixture_file(path: str | Path, *, verify_manifest: bool = True) -> tuple[dict, list[LoadedCase]]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FixtureError(str(path), None, "", f"cannot be read: {exc}") from None
    if verify_manifest:
        check_manifest(path, text)
    return load_fixture_text(text, str(path))
