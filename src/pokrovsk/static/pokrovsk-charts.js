// Charts on screen at once, interactive when needed.
//
// Each chart arrives as the static image drawn when the book was built, so it is on screen as
// soon as the page is. plotly.js (about 1.2 MB) is fetched after the page has loaded, and a
// chart is drawn by it when the chart comes near the screen, or at once when a reader touches,
// clicks or tabs into its figure (which also fetches plotly.js before the load event). A chart
// in a closed fold is not near the screen until the fold opens.
(function () {
  "use strict";
  var plotlyUrl = document.currentScript.dataset.plotly;
  var NEAR_SCREEN = "300px 0px";  // drawn a little before it scrolls into view
  var plotly = null;
  var startNow;
  var started = new Promise(function (resolve) { startNow = resolve; });

  function loadPlotly() {
    if (!plotly) {
      plotly = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = plotlyUrl;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = function () { plotly = null; reject(new Error("could not load " + plotlyUrl)); };
        document.head.appendChild(script);
      });
    }
    return plotly;
  }

  function draw(chart) {
    if (chart.dataset.pkState) {
      return;
    }
    chart.dataset.pkState = "waiting";
    if (observer) {
      observer.unobserve(chart);
    }
    started.then(loadPlotly).then(function (Plotly) {
      var figure = JSON.parse(document.getElementById(chart.id + "-figure").textContent);
      return Plotly.newPlot(chart, figure);
    }).then(function () {
      chart.dataset.pkState = "drawn";  // the stylesheet hides the static image
    }, function (error) {
      delete chart.dataset.pkState;  // the static image stays; the next touch tries again
      console.warn(error);
    });
  }

  function chartOf(event) {
    var figure = event.target.closest && event.target.closest(".pk-figure, .pk-chart");
    return figure && figure.querySelector(".plotly-graph-div[id]");
  }

  function onTouch(event) {
    var chart = chartOf(event);
    if (chart) {
      startNow();
      draw(chart);
    }
  }

  var charts = document.querySelectorAll(".plotly-graph-div[id]");
  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        draw(entry.target);
      }
    });
  }, {rootMargin: NEAR_SCREEN}) : null;
  charts.forEach(function (chart) {
    if (observer) {
      observer.observe(chart);
    } else {
      draw(chart);
    }
  });
  ["pointerdown", "touchstart", "focusin"].forEach(function (type) {
    document.addEventListener(type, onTouch, {capture: true, passive: true});
  });
  if (document.readyState === "complete") {
    startNow();
  } else {
    window.addEventListener("load", function () { startNow(); }, {once: true});
  }
})();
