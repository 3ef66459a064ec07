"""Mutation sweep: how many small source changes to the example candidate the default run kills.

Each mutant is the example float32 numpy candidate (``examples/numpy_candidate``) with one
change to its source, made on the syntax tree:

- every nonzero float literal times 1.01;
- ``+`` <-> ``-`` and ``*`` <-> ``/``;
- ``>=`` <-> ``>`` and ``<=`` <-> ``<``;
- ``np.log`` <-> ``np.log1p``, ``np.exp`` <-> ``np.expm1``, ``np.mean`` <-> ``np.sum``,
  ``np.maximum`` <-> ``np.minimum``.

A mutant runs against the profile's default cases (tiers core and edge) in a fixed shuffled
order and is killed by its first failing case; one that passes every case survived. A survivor
is either equivalent (a mean over no axes, a softmax renormalised afterwards, a method the
profile's class overrides or an API the profile does not have) or a gap in the fixtures. The
summary line and the survivors, with their source lines, go to stdout.

    python scripts/mutation_sweep.py keras3 [--only METHOD,...]

About 10 minutes per profile on one core (a survivor runs every case). Opt-in, like the atlas:
not part of `.ci/run`.
"""

from __future__ import annotations

import argparse
import ast
import random
import types
from pathlib import Path

import kc_numpy_candidate

from conformance.fixture_format import load_fixture_file
from conformance.runner import run_case

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BINOP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
COMPARE = {ast.GtE: ast.Gt, ast.Gt: ast.GtE, ast.LtE: ast.Lt, ast.Lt: ast.LtE}
NUMPY = {
    "log": "log1p",
    "log1p": "log",
    "exp": "expm1",
    "expm1": "exp",
    "mean": "sum",
    "sum": "mean",
    "maximum": "minimum",
    "minimum": "maximum",
}


def _sites(tree: ast.Module) -> list[tuple[ast.AST, str, str]]:
    """(node, method, description) of every mutable spot inside a function."""
    out = []
    for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name != "describe"):
        for node in ast.walk(fn):
            if isinstance(node, ast.Constant) and isinstance(node.value, float) and node.value:
                out.append((node, fn.name, f"{node.value!r} x 1.01"))
            elif isinstance(node, ast.BinOp) and type(node.op) in BINOP:
                out.append((node, fn.name, f"{type(node.op).__name__} -> {BINOP[type(node.op)].__name__}"))
            elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARE:
                out.append((node, fn.name, f"{type(node.ops[0]).__name__} -> {COMPARE[type(node.ops[0])].__name__}"))
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "np"
                and node.attr in NUMPY
            ):
                out.append((node, fn.name, f"np.{node.attr} -> np.{NUMPY[node.attr]}"))
    seen, unique = set(), []
    for site in out:  # a nested function's nodes are walked twice
        if id(site[0]) not in seen:
            seen.add(id(site[0]))
            unique.append(site)
    return unique


def _mutant_module(tree: ast.Module, node: ast.AST) -> types.ModuleType:
    """The module compiled with ``node`` changed; the tree is restored afterwards."""
    fields = ("value", "op", "ops", "attr")
    saved = {f: getattr(node, f) for f in fields if hasattr(node, f)}
    if isinstance(node, ast.Constant):
        node.value = node.value * 1.01
    elif isinstance(node, ast.BinOp):
        node.op = BINOP[type(node.op)]()
    elif isinstance(node, ast.Compare):
        node.ops = [COMPARE[type(node.ops[0])]()]
    else:
        node.attr = NUMPY[node.attr]
    try:
        code = compile(tree, "mutant", "exec")
    finally:
        for f, v in saved.items():
            setattr(node, f, v)
    mod = types.ModuleType("kc_numpy_candidate_mutant")
    mod.__file__ = kc_numpy_candidate.__file__
    exec(code, mod.__dict__)  # noqa: S102 - our own example, changed by one node
    return mod


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("profile", choices=("keras3", "keras2"))
    ap.add_argument("--only", default="", help="comma-separated method names to mutate (default: all)")
    args = ap.parse_args()
    src = Path(kc_numpy_candidate.__file__).read_text(encoding="utf-8")
    lines = src.split("\n")
    tree = ast.parse(src)
    only = {m for m in args.only.split(",") if m}
    sites = [s for s in _sites(tree) if not only or s[1] in only]
    cases = [
        c
        for f in sorted(FIXTURES.glob("*.yaml"))
        for c in load_fixture_file(f)[1]
        if c.tier_in(args.profile) in ("core", "edge")
    ]
    random.Random(1).shuffle(cases)
    survivors = []
    for node, method, what in sites:
        mod = _mutant_module(tree, node)
        cand = mod.NumpyKeras3() if args.profile == "keras3" else mod.NumpyKeras2()
        killed = False
        for case in cases:
            try:
                killed = run_case(cand, case, args.profile).status == "fail"
            except Exception:  # noqa: BLE001 - a mutant that breaks the runner is killed too
                killed = True
            if killed:
                break
        if not killed:
            survivors.append((node.lineno, method, what))
    print(
        f"{args.profile}: {len(sites) - len(survivors)} of {len(sites)} mutants killed by "
        f"{len(cases)} default cases; {len(survivors)} survived:"
    )
    for line, method, what in sorted(survivors):
        print(f"  line {line:4d}  {method:40s} {what:22s} | {lines[line - 1].strip()[:90]}")


if __name__ == "__main__":
    main()
