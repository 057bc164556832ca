// rfmkit web app: draws the charts of a page, submits auto-submit selects, shows upload progress.
(function () {
  "use strict";

  function drawCharts(root) {
    if (typeof Plotly === "undefined") return;
    root.querySelectorAll('script[type="application/json"][data-chart]').forEach(function (block) {
      var target = document.getElementById("chart-" + block.dataset.chart);
      if (!target || target.dataset.drawn) return;
      var spec = JSON.parse(block.textContent);
      var layout = Object.assign({}, spec.layout || {}, { autosize: true });
      delete layout.width;
      Plotly.newPlot(target, spec.data || [], layout, { responsive: true, displaylogo: false });
      target.dataset.drawn = "1";
    });
  }

  function autosubmit(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  function uploadProgress() {
    var form = document.getElementById("upload-form");
    var bar = document.getElementById("upload-progress");
    if (!form || !bar || !window.XMLHttpRequest) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      bar.hidden = false;
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      request.addEventListener("load", function () {
        if (request.responseURL && request.status < 400) {
          window.location.assign(request.responseURL);
        } else {
          document.open(); document.write(request.responseText); document.close();
        }
      });
      request.send(new FormData(form));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts(document);
    autosubmit(document);
    uploadProgress();
  });
  document.addEventListener("htmx:afterSettle", function (event) { drawCharts(event.target); });
})();
