// The pages' few behaviours, plain JavaScript, nothing loaded from elsewhere:
// - the job page follows its solve (server-sent events, else polling every second), stops it
//   with the Stop button, and goes to the roster when the solve ends;
// - the change form shows only the fields of the chosen kind of change.
(function () {
  "use strict";

  function text(id, value) {
    var node = document.getElementById(id);
    if (node) { node.textContent = value; }
  }

  function followJob(section) {
    var limit = 0;
    var source = null;
    var timer = null;
    var ended = false;

    function show(job) {
      limit = job.time_limit || limit;
      section.dataset.state = job.state;
      text("job-state", job.state);
      text("job-objective", job.objective === null ? "none" : String(job.objective));
      text("job-bound", job.bound === null ? "none" : String(Math.round(job.bound * 100) / 100));
      text("job-placed", job.placed_at_least === null ? "not known yet"
        : "at least " + job.placed_at_least + " of " + job.clients);
      text("job-time-left", job.time_left === null ? "none" : Math.ceil(job.time_left) + " s");
      var bar = document.getElementById("job-progress");
      if (bar) {
        var used = job.time_left !== null ? limit - job.time_left : (job.seconds || 0);
        if (["done", "failed", "cancelled"].indexOf(job.state) >= 0) { used = limit; }
        bar.max = limit;
        bar.value = Math.max(0, Math.min(limit, used));
        bar.textContent = Math.round(100 * bar.value / (limit || 1)) + " %";
      }
      if (["done", "failed", "cancelled"].indexOf(job.state) >= 0) { end(job); }
    }

    function end(job) {
      if (ended) { return; }
      ended = true;
      if (source) { source.close(); }
      if (timer) { clearInterval(timer); }
      var stop = document.getElementById("stop-form");
      if (stop) { stop.hidden = true; }
      if (job.error) {
        var error = document.getElementById("job-error");
        error.textContent = job.error;
        error.hidden = false;
      }
      if (job.roster_id !== null) {
        var link = document.getElementById("job-roster");
        link.href = "/rosters/" + job.roster_id;
        link.textContent = "See the roster " + job.roster_id;
        document.getElementById("job-done").hidden = false;
        window.location.assign("/rosters/" + job.roster_id);
      }
    }

    function poll() {
      fetch(section.dataset.pollUrl, { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (job) { if (job) { show(job); } })
        .catch(function () { /* the next poll tries again */ });
    }

    function startPolling() {
      if (!timer && !ended) { timer = setInterval(poll, 1000); poll(); }
    }

    if (window.EventSource) {
      source = new EventSource(section.dataset.eventsUrl);
      source.onmessage = function (event) { show(JSON.parse(event.data)); };
      source.onerror = function () {
        if (source) { source.close(); }
        startPolling();
      };
    } else {
      startPolling();
    }

    var form = document.getElementById("stop-form");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = document.getElementById("stop-button");
        button.disabled = true;
        button.textContent = "Stopping...";
        fetch(form.dataset.api, { method: "POST", headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (job) { if (job) { show(job); } })
          .catch(function () { form.submit(); });
      });
    }
  }

  function changeForm(form) {
    var kind = document.getElementById("change-kind");
    function update() {
      var fields = form.querySelectorAll("[data-kinds]");
      for (var i = 0; i < fields.length; i++) {
        var kinds = fields[i].getAttribute("data-kinds").split(" ");
        fields[i].hidden = kinds.indexOf(kind.value) < 0;
      }
    }
    kind.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var job = document.getElementById("job");
    if (job && job.dataset.final !== "true") { followJob(job); }
    var change = document.getElementById("change-form");
    if (change) { changeForm(change); }
  });
})();
