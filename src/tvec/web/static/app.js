// tvec review: keyboard navigation, deliberate one-at-a-time media reveal, grey toggle.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : "";
}

function typing(target) {
  return target && ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) &&
    !(target.type === "radio" || target.type === "checkbox");
}

// ---- queue: j/k move, Enter opens, x selects -------------------------------------------
function setupQueue() {
  const rows = Array.from(document.querySelectorAll("tr.case-row"));
  if (!rows.length) return;
  let index = 0;
  const select = (i) => {
    rows[index].classList.remove("selected");
    index = Math.max(0, Math.min(rows.length - 1, i));
    rows[index].classList.add("selected");
    rows[index].focus();
  };
  rows[0].classList.add("selected");
  rows.forEach((row, i) => row.addEventListener("click", (ev) => {
    if (ev.target.tagName !== "INPUT" && ev.target.tagName !== "A") select(i);
  }));
  document.addEventListener("keydown", (ev) => {
    if (typing(ev.target) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "j") { select(index + 1); ev.preventDefault(); }
    else if (ev.key === "k") { select(index - 1); ev.preventDefault(); }
    else if (ev.key === "Enter" && ev.target.tagName !== "BUTTON" && ev.target.tagName !== "A") {
      window.location.href = rows[index].dataset.href; ev.preventDefault();
    } else if (ev.key === "x") {
      const box = rows[index].querySelector('input[type="checkbox"]');
      if (box) box.checked = !box.checked;
      ev.preventDefault();
    }
  });
}

// ---- case page: reveal, grey toggle, decision keys -------------------------------------
async function reveal(button) {
  const id = button.dataset.item;
  button.disabled = true;
  const response = await fetch(`/api/media/${id}/reveal`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRF-Token": csrfToken(), "Accept": "application/json" },
  });
  if (!response.ok) { button.disabled = false; return; }
  const body = await response.json();
  const figure = button.closest("figure");
  const media = document.getElementById("media");
  const grey = media && media.dataset.grey === "true";
  const img = figure.querySelector("img.preview:not(.keyframe)");
  if (img) {
    if (grey) img.classList.add("grey");
    img.src = body.preview_url;
    img.alt = `media of item ${id} (revealed)`;
  }
  // A video: every keyframe of its strip in full, and the player (muted).
  figure.querySelectorAll("img.keyframe").forEach((frame) => {
    if (grey) frame.classList.add("grey");
    frame.src = `/media/${id}/keyframes/${frame.dataset.n}?full=true`;
    frame.alt = frame.alt.replace("(blurred)", "(revealed)");
  });
  const player = figure.querySelector(".player");
  if (player && !player.querySelector("video, audio")) {
    const element = document.createElement(player.dataset.kind === "audio" ? "audio" : "video");
    element.controls = true;
    element.muted = true;
    element.defaultMuted = true;
    element.preload = "none";
    element.src = player.dataset.src;
    if (grey && element.tagName === "VIDEO") element.classList.add("grey");
    player.replaceChildren(element);
  }
  figure.classList.remove("concealed");
  figure.classList.add("revealed");
  const count = document.getElementById("reveal-count");
  if (count) count.textContent = String(body.revealed_today);
  if (body.suggest_break) document.getElementById("break-banner").classList.remove("hidden");
}

function setupCase() {
  document.querySelectorAll("button.reveal").forEach((b) =>
    b.addEventListener("click", () => reveal(b)));
  document.querySelectorAll("button.grey-toggle").forEach((b) =>
    b.addEventListener("click", () => {
      b.closest("figure").querySelectorAll("img.preview, video").forEach((el) =>
        el.classList.toggle("grey"));
    }));
  const form = document.getElementById("decide");
  document.querySelectorAll("video, audio").forEach((el) => { el.muted = true; });
  document.addEventListener("keydown", (ev) => {
    // Ctrl+Enter decides from anywhere in the decision form (the note included).
    if (form && ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && form.contains(ev.target)) {
      form.requestSubmit(); ev.preventDefault(); return;
    }
    if (typing(ev.target) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "u") {
      const undo = document.getElementById("undo");
      if (undo) { undo.requestSubmit(); ev.preventDefault(); }
      return;
    }
    if (ev.key === "v") {
      const next = document.querySelector("button.reveal:not([disabled])");
      if (next) { reveal(next); ev.preventDefault(); }
      return;
    }
    if (!form) return;
    const outcomes = { "1": "remove", "2": "no_violation", "3": "escalate", "4": "duplicate" };
    const outcome = outcomes[ev.key];
    if (!outcome) return;
    const radio = document.getElementById(`outcome-${outcome}`);
    radio.checked = true;
    const next = { remove: "ground", duplicate: "duplicate_of" }[outcome] || "note";
    document.getElementById(next).focus();
    ev.preventDefault();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupQueue();
  setupCase();
});
