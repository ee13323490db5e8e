"""A JSON parser as strict as the host must be: no duplicate keys, no NaN."""

import json


def strict_json(text):
    """json.loads that refuses duplicate keys and NaN/Infinity (the host must
    never produce them)."""

    def pairs(items):
        keys = [k for k, _ in items]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate key in server JSON: %r" % keys)
        return dict(items)

    def bad_constant(name):
        raise ValueError("non-JSON constant %s" % name)

    return json.loads(text, object_pairs_hook=pairs, parse_constant=bad_constant)
