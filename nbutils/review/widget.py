"""Review in JupyterLab: one suspect at a time, decided from the keyboard, each decision written the moment it is made.

The widget (an anywidget, like the live map) shows the pair, the label it was trained on, the model's gold-label
probability at each logging point, its region and triage score, and the annotators' votes where known. Keys:
    k keep · e / n / c relabel to entailment / neutral / contradiction · d drop · m write a note for the next decision
    (Enter keeps it) · b or Backspace back to the previous pair
Each decision is appended to review/corrections.csv at once (nbutils.review.corrections), so a kernel restart or a
closed tab loses nothing: a new widget starts at the first suspect not yet decided. Going back shows the decision
already made; deciding again appends a new row, which then counts. The widget's element carries
`data-lm-suppress-shortcuts`, so JupyterLab's own single-key shortcuts do not fire while it has the focus.
"""
from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from .. import paths
from ..errors import WorkbookError
from ..labels import LABELS
from . import corrections

ESM = Path(__file__).with_name("review_widget.js")


class ReviewSession:
    """The kernel's side: which suspect is shown, the decisions on file, and writing a new one."""

    def __init__(self, run_name: str, suspects: pd.DataFrame, table: pd.DataFrame, reviewer: str = "", score_name: str = "aum"):
        self.path, self.table = corrections.path_for(run_name), table
        self.suspects = suspects.reset_index(drop=True)
        self.reviewer, self.score_name = corrections.reviewer_name(reviewer), score_name
        self.curves = gold_prob_curves(run_name, self.suspects["example_id"])
        decided = self.decided()
        undecided = [i for i, e in enumerate(self.suspects["example_id"]) if e not in decided.index]
        self.position = undecided[0] if undecided else len(self.suspects)

    def decided(self) -> pd.DataFrame:
        """The decision that counts for each pair on file (empty before the first)."""
        if not self.path.exists():
            return pd.DataFrame(columns=list(corrections.COLUMNS)).set_index("example_id")
        return corrections.latest(corrections.read(self.path, self.table)).set_index("example_id")

    def progress(self) -> dict:
        decided = self.decided()
        done = int(self.suspects["example_id"].isin(decided.index).sum())
        return {"reviewed": done, "left": len(self.suspects) - done, "total": len(self.suspects), "reviewer": self.reviewer}

    def current(self) -> dict:
        """What the widget shows: the pair at the current position, or that every suspect is decided."""
        if self.position >= len(self.suspects):
            return {"done": True}
        s = self.suspects.iloc[self.position]
        decided = self.decided()
        last = decided.loc[s["example_id"]] if s["example_id"] in decided.index else None
        return {"done": False, "position": self.position, "rank": int(s["rank"]), "example_id": s["example_id"],
                "premise": s["premise"], "hypothesis": s["hypothesis"], "given_label": s["given_label"],
                "region": str(s.get("region", "")), "score_name": self.score_name, "score": float(s["score"]),
                "curve": self.curves.get(s["example_id"], []), "votes": str(s.get("votes", "") or ""),
                "consensus": str(s.get("consensus_label", "") or ""),
                "decision": None if last is None else {"action": last["action"], "new_label": last["new_label"],
                                                       "note": last["note"], "reviewer": last["reviewer"]}}

    def decide(self, action: str, new_label: str = "", note: str = "") -> str:
        """Write the decision on the shown pair, then move to the next suspect not yet decided; returns a message."""
        if self.position >= len(self.suspects):
            return "every suspect is decided"
        s = self.suspects.iloc[self.position]
        try:
            row = corrections.decision(s, action, new_label, self.reviewer, note, self.score_name, float(s["score"]), int(s["rank"]))
        except WorkbookError as e:
            return str(e)
        corrections.record(self.path, [row])
        decided = self.decided()
        later = [i for i in range(self.position + 1, len(self.suspects)) if self.suspects["example_id"][i] not in decided.index]
        self.position = later[0] if later else len(self.suspects)
        return f"{s['example_id']}: {action}{' to ' + new_label if action == 'relabel' else ''}"

    def back(self) -> str:
        self.position = max(0, min(self.position, len(self.suspects)) - 1)
        return ""


def gold_prob_curves(run_name: str, ids: pd.Series) -> dict[str, list[float]]:
    """Each suspect's gold-label probability at every logging point ({} for a map made elsewhere, without dynamics)."""
    from ..train.dynamics import gold_probs_of
    return gold_probs_of(paths.dynamics_dir(run_name), ids)


@functools.cache
def widget_class():
    """The anywidget class."""
    import anywidget
    import traitlets as tl

    class Review(anywidget.AnyWidget):
        """One suspect at a time: `pair` (what is shown), `progress`, `message`; decisions arrive as messages."""

        _esm = ESM.read_text(encoding="utf-8")
        pair = tl.Dict().tag(sync=True)
        progress = tl.Dict().tag(sync=True)
        message = tl.Unicode("").tag(sync=True)
        labels = tl.List(list(LABELS)).tag(sync=True)

    return Review


def review_widget(run_name: str, suspects: pd.DataFrame | None, table: pd.DataFrame, reviewer: str = "", score_name: str = "aum"):
    """The review widget over the suspects (None when there are none to review)."""
    if suspects is None or suspects.empty:
        return None
    session = ReviewSession(run_name, suspects, table, reviewer, score_name)
    widget = widget_class()(pair=session.current(), progress=session.progress())

    def on_message(_, content, buffers):
        if content.get("event") == "decide":
            said = session.decide(content.get("action", ""), content.get("new_label", ""), content.get("note", ""))
        elif content.get("event") == "back":
            said = session.back()
        else:
            return
        widget.message, widget.pair, widget.progress = said, session.current(), session.progress()

    widget.on_msg(on_message)
    widget.session = session   # the tests' view
    return widget
