"""A small PNG of poll-cycle time against N (matplotlib, drawn off-screen)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def draw(out: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = sorted(int(n) for n in out["poll"])
    latencies = sorted(
        {k for case in out["poll"].values() for k in case if k.startswith("latency_")},
        key=lambda k: int(k.removeprefix("latency_").removesuffix("ms")),
    )
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    for lat in latencies:
        label = lat.removeprefix("latency_").replace("ms", " ms")
        for kind, style in (("steady", "-o"), ("changed5", "--s")):
            walls = [out["poll"][str(n)][lat][kind]["wall_s"] for n in ns]
            what = "unchanged" if kind == "steady" else "5 % changed"
            ax.plot(ns, walls, style, label=f"wall, {label}, {what}")
        cpus = [out["poll"][str(n)][lat]["steady"]["cpu_s"] for n in ns]
        ax.plot(ns, cpus, ":^", label=f"CPU, {label}, unchanged")
    for seconds, what in ((30, "wall"), (15, "CPU")):
        ax.axhline(seconds, color="grey", linewidth=0.8)
        ax.text(ns[0], seconds + 0.5, f"target: 10k users < {seconds} s {what}", fontsize=7)
    ax.set_xlabel("users (N)")
    ax.set_ylabel("seconds per poll cycle")
    ax.set_xscale("log")
    ax.set_title("One poll cycle (2-core machine, replayed Radicale)", fontsize=9)
    ax.legend(fontsize=6)
    ax.grid(True, linewidth=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
