"""``qtflite.EvaluationResult``: what ``qtflite.evaluate`` measured on a labelled data set."""
from __future__ import annotations

import html
import math

import numpy as np

__all__ = ["EvaluationResult", "need_matplotlib"]


def need_matplotlib(what: str):
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError(f"{what} needs matplotlib: pip install 'qtflite[plot]' (or pip install matplotlib)") from e
    return plt


def _num(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


class EvaluationResult:
    """Accuracy, top-k accuracy, predictions, confusion matrix (rows: true class, columns:
    predicted), per-class accuracy, extra metrics and speed of one evaluation.

    ``result["accuracy"]``, ``result["samples"]`` and ``result["predictions"]`` still work as
    with the dict that ``evaluate`` returned before."""

    def __init__(self, *, labels, predictions, outputs, top_k, top_k_accuracy, num_classes, metrics,
                 seconds, engine="local"):
        self.labels = labels
        self.predictions = predictions
        self.outputs = outputs
        self.top_k = top_k
        self.top_k_accuracy = top_k_accuracy
        self.metrics = dict(metrics)
        self.seconds = float(seconds)
        self.engine = engine
        cm = np.zeros((num_classes, num_classes), np.int64)
        np.add.at(cm, (labels, predictions), 1)
        self.confusion_matrix = cm

    @property
    def samples(self) -> int:
        return int(self.labels.shape[0])

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.predictions == self.labels)) if self.samples else float("nan")

    @property
    def samples_per_second(self) -> float:
        return self.samples / self.seconds if self.seconds > 0 else float("inf")

    @property
    def num_classes(self) -> int:
        return int(self.confusion_matrix.shape[0])

    @property
    def per_class_accuracy(self) -> np.ndarray:
        """Recall of each class: correct / samples of that class (NaN for a class without samples)."""
        totals = self.confusion_matrix.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(totals > 0, np.diag(self.confusion_matrix) / np.maximum(totals, 1), np.nan)

    def to_dict(self, predictions: bool = True) -> dict:
        """JSON-ready: plain floats, ints and lists (NaN as None)."""
        d = {
            "samples": self.samples,
            "accuracy": _num(self.accuracy),
            "top_k": self.top_k,
            "top_k_accuracy": _num(self.top_k_accuracy),
            "metrics": {k: _num(float(v)) for k, v in self.metrics.items()},
            "per_class_accuracy": [_num(float(v)) for v in self.per_class_accuracy],
            "confusion_matrix": self.confusion_matrix.tolist(),
            "seconds": round(self.seconds, 6),
            "samples_per_second": round(self.samples_per_second, 1),
            "engine": self.engine,
        }
        if predictions:
            d["predictions"] = self.predictions.tolist()
        return d

    def __getitem__(self, key):
        if key == "predictions":
            return self.predictions
        return self.to_dict(predictions=False)[key]

    def _rows(self):
        rows = [("samples", f"{self.samples:,}"), ("accuracy", f"{self.accuracy:.4f}")]
        if self.top_k_accuracy is not None:
            rows.append((f"top-{self.top_k} accuracy", f"{self.top_k_accuracy:.4f}"))
        for k, v in self.metrics.items():
            if k not in ("accuracy", "top_k_accuracy"):
                rows.append((k, f"{v:.6g}"))
        rows.append(("samples/s", f"{self.samples_per_second:,.0f}" + (f" ({self.engine})" if self.engine != "local" else "")))
        return rows

    def __repr__(self):
        lines = ["EvaluationResult"] + [f"  {k:<16} {v}" for k, v in self._rows()]
        pca = self.per_class_accuracy
        if 0 < len(pca) <= 20:
            lines.append("  per class        " + "  ".join(
                f"{c}:{'-' if np.isnan(a) else format(a, '.3f')}" for c, a in enumerate(pca)))
        return "\n".join(lines)

    def _repr_html_(self):
        body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                       for k, v in self._rows())
        pca = self.per_class_accuracy
        if 0 < len(pca) <= 50:
            head = "".join(f"<th>{c}</th>" for c in range(len(pca)))
            vals = "".join(f"<td>{'-' if np.isnan(a) else format(a, '.3f')}</td>" for a in pca)
            body += (f"<tr><th style='text-align:left'>per-class accuracy</th><td><table><tr>{head}</tr>"
                     f"<tr>{vals}</tr></table></td></tr>")
        return f"<table><caption>EvaluationResult</caption>{body}</table>"

    def plot(self, ax=None):
        """Confusion matrix and per-class accuracy (matplotlib); returns the figure."""
        plt = need_matplotlib("EvaluationResult.plot()")
        if ax is None:
            fig, (ax_cm, ax_pc) = plt.subplots(1, 2, figsize=(11, 4.5))
        else:
            ax_cm, ax_pc = ax
            fig = ax_cm.figure
        cm = self.confusion_matrix
        image = ax_cm.imshow(cm, cmap="Blues")
        ax_cm.set_xlabel("predicted")
        ax_cm.set_ylabel("true")
        ax_cm.set_title(f"confusion matrix (accuracy {self.accuracy:.4f})")
        if cm.shape[0] <= 20:
            ax_cm.set_xticks(range(cm.shape[0]))
            ax_cm.set_yticks(range(cm.shape[0]))
            for i in range(cm.shape[0]):
                for j in range(cm.shape[1]):
                    if cm[i, j]:
                        ax_cm.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                                   color="white" if cm[i, j] > cm.max() / 2 else "black")
        fig.colorbar(image, ax=ax_cm)
        ax_pc.bar(range(self.num_classes), np.nan_to_num(self.per_class_accuracy))
        ax_pc.set_ylim(min(0.9, float(np.nanmin(self.per_class_accuracy)) if self.samples else 0.0), 1.0)
        ax_pc.set_xlabel("class")
        ax_pc.set_ylabel("accuracy")
        ax_pc.set_title("per-class accuracy")
        fig.tight_layout()
        return fig
