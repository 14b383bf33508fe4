"""`make bench`: the service measured side by side with hand-written baselines, reported as ratios."""
