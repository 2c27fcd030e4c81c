// tvec: live countdown of a removal order's hour. An element with data-deadline (ISO 8601)
// shows the time left ("59 min 12 s left") or how late it is ("1 h 12 min late"), updated
// every second; the words are those of tvec.views.durations.
"use strict";

function readableDuration(seconds) {
  let total = Math.abs(Math.round(seconds));
  const units = [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]];
  const parts = [];
  for (const [name, size] of units) {
    const count = Math.floor(total / size);
    total -= count * size;
    if (count && parts.length < 2) parts.push(count + " " + name);
    else if (parts.length) break;
  }
  return parts.length ? parts.join(" ") : "0 s";
}

function timeLeft(seconds) {
  return readableDuration(seconds) + (seconds > 0 ? " left" : " late");
}

function tick() {
  document.querySelectorAll("[data-deadline]").forEach((el) => {
    const left = (Date.parse(el.dataset.deadline) - Date.now()) / 1000;
    el.textContent = timeLeft(left);
    el.classList.toggle("error", left <= 0);
    el.classList.toggle("order-overdue", left <= 0);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  if (!document.querySelector("[data-deadline]")) return;
  tick();
  window.setInterval(tick, 1000);
});
