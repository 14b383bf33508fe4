"""The breaking-change gate: compare the specs at a base git ref with the working tree (`make check-compat`).

    loader.py   the specs of a git ref or a directory, each as a `codegen.refs.SpecSet`
    rules.py    every rule: id, severity and who a change under it breaks
    schemas.py  one schema against another, for what a request may send or a response may hold
    rest.py     the OpenAPI document: operations, parameters, bodies, responses, security, rate limits
    ws.py       the AsyncAPI document: pkg_ids, message data, roles, events, status and close codes
    policy.py   the version policy and the reviewed allowlist (spec/compat-allowlist.yaml)
    cli.py      the command and its report

The package depends only on the small stable modules of codegen (source, refs, errors, config) and reads the
documents itself: it compares what a client sees, not what codegen makes of it.
"""
