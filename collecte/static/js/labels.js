// Label batch page: poll the job's status and update the progress bar, the live status line
// and the download link. Without JavaScript the page's "refresh" link does the same.
(function () {
  "use strict";
  var box = document.getElementById("label-job");
  if (!box || !window.fetch) { return; }
  var bar = document.getElementById("job-progress");
  var status = document.getElementById("job-status");
  var download = document.getElementById("job-download");
  var refresh = document.getElementById("job-refresh");
  var waiting = document.getElementById("job-waiting");
  var lastText = status.textContent.trim();

  function say(template, job) {
    var text = template.replace("{done}", job.done).replace("{total}", job.total);
    if (text !== lastText) { status.textContent = text; lastText = text; }
  }

  function showWaiting(job) {
    var text = job.waiting ? job.waiting.message : "";
    if (waiting && waiting.textContent !== text) { waiting.textContent = text; }
    if (waiting) { waiting.hidden = !text; }
  }

  function update(job) {
    showWaiting(job);
    bar.max = Math.max(job.total, 1);
    bar.value = job.state === "done" ? bar.max : job.done;
    bar.textContent = job.done + " / " + job.total;
    if (job.state === "done") {
      say(box.dataset.textDone, job);
      download.hidden = false;
      refresh.hidden = true;
      return true;
    }
    if (job.state === "failed") {
      say(box.dataset.textFailed, job);
      refresh.hidden = true;
      return true;
    }
    say(job.state === "pending" ? box.dataset.textPending : box.dataset.textRunning, job);
    return false;
  }

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job || !update(job)) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  poll();
})();
