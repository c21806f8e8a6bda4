/* Progress bar of a background job: polls the API and reloads the page when the job ends. */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.state === "done" || box.dataset.state === "failed") { return; }
  var bar = document.getElementById("job-progress");
  var state = document.getElementById("job-state");
  var waiting = document.getElementById("job-waiting");
  function poll() {
    fetch(box.dataset.jobUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (job) {
        bar.max = job.total || 1;
        bar.value = job.done;
        bar.textContent = job.done + " / " + job.total;
        if (job.state === "done" || job.state === "failed") { window.location.reload(); return; }
        if (waiting) {
          var text = job.waiting ? job.waiting.message : "";
          if (waiting.textContent !== text) { waiting.textContent = text; }
          waiting.hidden = !text;
        }
        state.textContent = state.textContent.replace(/\d+ (\D+) \d+/, job.done + " $1 " + job.total);
        window.setTimeout(poll, 700);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 500);
})();
