// Tokenward's one script, an enhancement only: every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Times arrive in UTC (shown when scripts are off); show them in the viewer's zone, UTC on hover.
  const format = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  for (const el of document.querySelectorAll("time[data-local]")) {
    const when = new Date(el.getAttribute("datetime"));
    if (!isNaN(when)) { el.textContent = format.format(when); }
  }
  // Copy buttons: the field they name, to the clipboard.
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const field = document.getElementById(button.dataset.copy);
      field.select();
      try { await navigator.clipboard.writeText(field.value); } catch { document.execCommand("copy"); }
      button.textContent = "Copied";
    });
  }
  // Forms that change things ask once more, where a confirmation page would otherwise follow.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => { if (!confirm(form.dataset.confirm)) { e.preventDefault(); } });
  }
});
