"""The results of a run: a table on the terminal, a JSON file and a chart, under bench/results/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def table(results: dict[str, Any]) -> str:
    lines = [
        f"{'scenario':<44} {'product':>12} {'baseline':>12} {'ratio':>7} {'target':>7}  p50/p99 ms (product | baseline)"
        "   server µs/req (product | baseline = cpu ratio)",
    ]
    for scenario in results["scenarios"].values():
        product, baseline = scenario["product"], scenario["baseline"]
        verdict = "ok" if scenario["met"] else "MISSED"
        target = "" if scenario["target"] is None else f"{scenario['target']:.2f}x"
        verdict = "(ceiling)" if scenario["target"] is None else verdict
        lines.append(
            f"{scenario['title']:<44} {product['throughput']:>10.0f}/s {baseline['throughput']:>10.0f}/s "
            f"{scenario['ratio']:>6.2f}x {target:>7}  "
            f"{product['p50_ms']:.1f}/{product['p99_ms']:.1f} | {baseline['p50_ms']:.1f}/{baseline['p99_ms']:.1f}"
            f"   {product['cpu_us_per_request']:.0f} | {baseline['cpu_us_per_request']:.0f} = "
            f"{scenario['cpu_ratio']:.2f}x   {verdict}"
        )
    for mode, runs in results.get("scale", {}).items():
        for run in runs:
            lines.append(
                f"{'connections: ' + format(run['connections'], ',') + ', events ' + mode:<44} "
                f"held {run['received_event']:,}/{run['connections']:,}, opened in {run['open_seconds']:.1f} s, "
                f"{run['bytes_per_connection'] / 1024:.1f} KB each (target <= 30), event first/p50/p99/last "
                f"{run['event_first_seconds'] * 1e3:.0f}/{run['event_p50_seconds'] * 1e3:.0f}/{run['event_p99_seconds'] * 1e3:.0f}/"
                f"{run['event_last_seconds'] * 1e3:.0f} ms (target p99 <= 1000 at 10,000)   "
                f"{'ok' if run['met'] else 'MISSED'}"
            )
    if "codegen" in results:
        codegen = results["codegen"]
        lines.append(
            f"{'codegen, 500 operations + 500 messages':<44} full {codegen['full_seconds']:.1f} s (target < 15), "
            f"re-run {codegen['rerun_seconds']:.2f} s (target < 1), byte-identical: {codegen['identical']}   "
            f"{'ok' if codegen['met'] else 'MISSED'}"
        )
    if "startup" in results:
        startup = results["startup"]
        lines.append(
            f"{'start-up to first served request':<44} {startup['seconds']:.2f} s (target < 2)   "
            f"{'ok' if startup['met'] else 'MISSED'}"
        )
    if "memory" in results:
        memory = results["memory"]
        lines.append(
            f"{'resident memory, after start / 100k requests':<44} {memory['after_start_mb']:.0f} MB / "
            f"{memory['after_requests_mb']:.0f} MB ({memory['growth_percent']:+.1f} %, target < +10 %)   "
            f"{'ok' if memory['met'] else 'MISSED'}"
        )
    return "\n".join(lines)


def write(results: dict[str, Any], directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    data = directory / "results.json"
    data.write_text(json.dumps(results, indent=2), encoding="utf-8")
    chart = directory / "results.png"
    _chart(results, chart)
    return data, chart


def _chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = list(results["scenarios"].values())
    names = [scenario["title"] for scenario in scenarios]
    figure, (throughput, ratios) = plt.subplots(1, 2, figsize=(15, 5.5))
    positions = range(len(scenarios))
    width = 0.38
    throughput.bar(
        [p - width / 2 for p in positions], [s["product"]["throughput"] for s in scenarios], width, label="product"
    )
    throughput.bar(
        [p + width / 2 for p in positions], [s["baseline"]["throughput"] for s in scenarios], width, label="baseline"
    )
    throughput.set_xticks(list(positions), names, rotation=20, ha="right", fontsize=8)
    throughput.set_ylabel("requests or messages per second (median of rounds)")
    throughput.set_title("Throughput, one uvicorn worker")
    throughput.legend()
    colours = ["tab:grey" if s["target"] is None else "tab:green" if s["met"] else "tab:red" for s in scenarios]
    ratios.bar(list(positions), [s["ratio"] for s in scenarios], color=colours)
    targeted = [(p, s["target"]) for p, s in zip(positions, scenarios, strict=True) if s["target"] is not None]
    ratios.scatter([p for p, _ in targeted], [t for _, t in targeted], marker="_", s=900, color="black", label="target")
    ratios.set_xticks(list(positions), names, rotation=20, ha="right", fontsize=8)
    ratios.set_ylabel("product / baseline")
    ratios.set_title("Ratio to the baseline (green: target met; grey: a ceiling, no target)")
    ratios.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
