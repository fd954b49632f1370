// The review widget's browser side (nbutils/review/widget.py): one suspect at a time, keys send decisions to the kernel,
// which writes them to review/corrections.csv and sends the next pair. data-lm-suppress-shortcuts keeps JupyterLab's
// single-key notebook shortcuts (a, b, c, d, m, ...) from firing while the widget has the focus.

const KEYS = {k: ["keep", ""], e: ["relabel", "entailment"], n: ["relabel", "neutral"], c: ["relabel", "contradiction"], d: ["drop", ""]};
const STYLE = `.review{font-family:system-ui,sans-serif;border:1px solid #ccc;border-radius:6px;padding:10px 14px;max-width:900px;outline:none}
.review:focus{border-color:#1a73e8;box-shadow:0 0 0 2px #1a73e833}.review-text{font-size:15px;margin:6px 0}
.review-meta{color:#444;font-size:13px}.review-keys{color:#555;font-size:12px;margin-top:8px}.review-msg{color:#b00;font-size:13px}
.review-done{color:#1a7f37}.review button{margin:2px 4px 2px 0}.review-decided{color:#6a3;font-size:13px}`;

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, ch => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[ch]));
}

function curveSvg(curve) {   // the gold-label probability at each logging point, 0 at the bottom, 1 at the top
  if (!curve || !curve.length) return "<span class='review-meta'>no per-epoch record in this map</span>";
  const w = 160, h = 40, step = curve.length > 1 ? w / (curve.length - 1) : 0;
  const pts = curve.map((p, i) => `${(i * step).toFixed(1)},${(h - p * h).toFixed(1)}`).join(" ");
  const dots = curve.map((p, i) => `<circle cx='${(i * step).toFixed(1)}' cy='${(h - p * h).toFixed(1)}' r='2.5' fill='#1a73e8'/>`).join("");
  return `<svg class='review-curve' width='${w + 8}' height='${h + 8}' viewBox='-4 -4 ${w + 8} ${h + 8}'>
    <line x1='0' y1='${h / 2}' x2='${w}' y2='${h / 2}' stroke='#ddd'/><polyline points='${pts}' fill='none' stroke='#1a73e8'/>${dots}</svg>
    <span class='review-meta'>${curve.map(p => p.toFixed(2)).join(" · ")}</span>`;
}

export default {
  render({ model, el }) {
    el.classList.add("review");
    el.tabIndex = 0;
    el.setAttribute("data-lm-suppress-shortcuts", "true");
    el.innerHTML = `<style>${STYLE}</style><div class='review-progress review-meta'></div><div class='review-card'></div>
      <div class='review-buttons'></div><input class='review-note' placeholder='a note for the next decision (Enter)' hidden size='60'>
      <div class='review-keys'>k keep · e / n / c relabel to entailment / neutral / contradiction · d drop · m note · b back
      (click here first so the keys reach the review)</div><div class='review-msg'></div>`;
    const $ = s => el.querySelector(s);
    const note = $(".review-note");
    let pending = "";
    const send = (action, label) => { model.send({event: "decide", action, new_label: label, note: pending}); pending = ""; };
    for (const [key, [action, label]] of Object.entries(KEYS)) {
      const b = document.createElement("button");
      b.textContent = `${key} ${label || action}`;
      b.dataset.key = key;
      b.addEventListener("click", () => { send(action, label); el.focus(); });
      $(".review-buttons").appendChild(b);
    }
    const back = document.createElement("button");
    back.textContent = "b back";
    back.addEventListener("click", () => { model.send({event: "back"}); el.focus(); });
    $(".review-buttons").appendChild(back);

    function show() {
      const p = model.get("pair"), g = model.get("progress");
      $(".review-progress").textContent = `${g.reviewed} reviewed, ${g.left} left of ${g.total} suspects · reviewer ${g.reviewer}`;
      $(".review-msg").textContent = model.get("message").startsWith("pair ") ? model.get("message") : "";
      if (p.done) { $(".review-card").innerHTML = "<p class='review-done'>Every suspect is decided. b goes back.</p>"; return; }
      const decided = p.decision ? `<div class='review-decided'>decided: ${escapeHtml(p.decision.action)}`
        + `${p.decision.new_label ? " to " + escapeHtml(p.decision.new_label) : ""} by ${escapeHtml(p.decision.reviewer)}`
        + `${p.decision.note ? " · " + escapeHtml(p.decision.note) : ""} (a new key decides again)</div>` : "";
      $(".review-card").innerHTML = `<div class='review-meta'>#${p.rank} · ${escapeHtml(p.example_id)} · region ${escapeHtml(p.region)}
        · ${escapeHtml(p.score_name)} ${p.score.toFixed(3)}</div>
        <div class='review-text'><b>P:</b> ${escapeHtml(p.premise)}</div><div class='review-text'><b>H:</b> ${escapeHtml(p.hypothesis)}</div>
        <div class='review-text'>given label: <b class='review-given'>${escapeHtml(p.given_label)}</b>
        ${p.votes ? ` · annotators: <span class='review-votes'>${escapeHtml(p.votes)}</span> (consensus ${escapeHtml(p.consensus)})` : ""}</div>
        <div>gold-label probability per logging point: ${curveSvg(p.curve)}</div>${decided}`;
    }
    el.addEventListener("keydown", e => {
      if (e.target === note) {
        if (e.key === "Enter") { pending = note.value; note.value = ""; note.hidden = true; el.focus(); }
        e.stopPropagation();
        return;
      }
      const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      if (KEYS[k]) send(...KEYS[k]);
      else if (k === "b" || k === "Backspace") model.send({event: "back"});
      else if (k === "m") { note.hidden = false; note.focus(); }
      else return;
      e.preventDefault();
      e.stopPropagation();
    });
    model.on("change:pair", show);
    model.on("change:progress", show);
    model.on("change:message", show);
    show();
  },
};
