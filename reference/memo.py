"""One evaluation per case where the profiles agree: a reference function's result is
shared between profiles that hold the same value in every profile field it read.

A reference function is deterministic in its inputs, its keyword arguments, the working
precision and the profile fields it reads (``Profile.__getattribute__`` records each read
while a memoised function runs). So when keras2 holds the same values as keras3 in every
field that keras3's evaluation read, keras2's evaluation would take the same branches, read
the same fields and compute the same numbers: its result is keras3's. Generation evaluates
each case in both profiles one after the other, so a small cache of the latest calls is
enough; each caller gets its own copy of the arrays.
"""

from __future__ import annotations

import functools
from collections import OrderedDict

import numpy as np

from reference import profiles
from reference.floats import mp
from reference.tracked import Tracked

__all__ = ["profile_memo"]

#: calls remembered per function (the latest; a case's profiles are evaluated in a row)
_SIZE = 64


_SCALARS = (float, int, bool, str, type(None))


def _hashable(v):
    t = type(v)
    if t is np.ndarray:
        if v.dtype.hasobject:  # its bytes are addresses, not values: not a key
            raise TypeError("object array")
        return ("ndarray", v.dtype.str, v.shape, v.tobytes())
    if t in _SCALARS or isinstance(v, np.generic):
        return (t.__name__, repr(v))
    if t is list or t is tuple:
        return (t.__name__, tuple(map(_hashable, v)))
    raise TypeError(t)


def _fresh(r):
    """A copy a caller may change without touching the cached result."""
    if isinstance(r, Tracked):
        return Tracked(r.value.copy(), r.budget.copy(), r.magnitude.copy(), np.array(r.terms, copy=True))
    if isinstance(r, np.ndarray):
        return r.copy()
    if isinstance(r, tuple):
        return tuple(_fresh(x) for x in r)
    return r


def profile_memo(fn):
    """Memoise ``fn(*arrays, profile=..., **params)`` across profiles (see the module)."""
    cache: OrderedDict = OrderedDict()

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        profile = kwargs.get("profile", kwargs.get("prof"))
        try:
            key = (
                mp.prec,
                tuple(map(_hashable, args)),
                tuple((k, _hashable(kwargs[k])) for k in sorted(kwargs) if k not in ("profile", "prof")),
            )
        except TypeError:
            key = None
        if key is None or profile is None:
            return fn(*args, **kwargs)
        prof = profiles.get_profile(profile)
        for reads, result in cache.get(key, ()):
            if all(object.__getattribute__(prof, f) == v for f, v in reads.items()):
                for active in profiles.READS:
                    active.update(reads)
                return _fresh(result)
        fields: set[str] = set()
        profiles.READS.append(fields)
        try:
            result = fn(*args, **kwargs)
        finally:
            profiles.READS.pop()
        for active in profiles.READS:
            active.update(fields)
        entries = cache.setdefault(key, [])
        entries.append(({f: object.__getattribute__(prof, f) for f in fields}, result))
        cache.move_to_end(key)
        while len(cache) > _SIZE:
            cache.popitem(last=False)
        return _fresh(result)

    wrapper.cache = cache
    return wrapper
