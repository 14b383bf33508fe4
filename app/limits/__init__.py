"""Rate limits and connection limits, from the generated tables (generated/rate_limits.py).

budget      what one check decides (allowed, remaining, when to retry) and the headers that say so
memory      the in-process store: one instance, nothing else to run (the embedded default)
redis       the Redis store: every instance shares one count, each check one atomic round trip
limiter     the front the transports call: keys, scaling, fail-open or fail-closed when the store is down
"""
